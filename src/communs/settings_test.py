"""Settings for the test suite: a throw-away data folder, and PostgreSQL on request.

pytest-django imports the settings before any conftest runs, so the environment must be
arranged here, before ``communs.settings`` reads it. ``COMMUNS_TEST_DATABASE_URL`` (a
PostgreSQL URL) runs the suite there; otherwise SQLite in the temporary folder. The
data folder is set in ``os.environ`` so that commands the tests run as child processes
see it too.
"""

from __future__ import annotations

import os
import tempfile

os.environ["COMMUNS_HOME"] = tempfile.mkdtemp(prefix="communs-test-")
os.environ.setdefault("COMMUNS_SECRET_KEY", "test-only-not-secret")
# Child processes that tests start (commands run as a user would) use SQLite in the
# temporary folder: they must never reach a configured production database.
os.environ.pop("COMMUNS_DATABASE_URL", None)

from communs.settings import *  # noqa: E402, F403

# Commands that tests run as child processes use the ordinary settings, with the data
# folder above; this process has read its settings already.
os.environ["DJANGO_SETTINGS_MODULE"] = "communs.settings"

if os.environ.get("COMMUNS_TEST_DATABASE_URL"):
    import dj_database_url

    url = os.environ["COMMUNS_TEST_DATABASE_URL"]
    DATABASES = {"default": dj_database_url.parse(url, conn_max_age=60)}
