"""Test set-up: a throw-away data folder, and PostgreSQL when COMMUNS_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Settings read the environment at import time, so this runs before Django starts.
os.environ["COMMUNS_HOME"] = tempfile.mkdtemp(prefix="communs-test-")
os.environ.setdefault("COMMUNS_SECRET_KEY", "test-only-not-secret")
if os.environ.get("COMMUNS_TEST_DATABASE_URL"):
    os.environ["COMMUNS_DATABASE_URL"] = os.environ["COMMUNS_TEST_DATABASE_URL"]
else:
    os.environ.pop("COMMUNS_DATABASE_URL", None)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture
def shared() -> Path:
    """The ../shared folder of real data; tests that need it skip on a user's clone."""
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared is missing: real-data tests run only where it sits beside the clone")
    return SHARED
