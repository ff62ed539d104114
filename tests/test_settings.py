"""Settings come from the environment; the defaults run on SQLite in the data folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = (
    "import json; from communs import settings as s; "
    "print(json.dumps({'key': s.SECRET_KEY, 'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), 'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, "
    "'email_host': s.EMAIL_HOST, 'email_port': s.EMAIL_PORT}))"
)


def read_settings(home: Path, **env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COMMUNS_")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, "COMMUNS_HOME": str(home), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_it_generates_a_secret_key_once_and_keeps_it(tmp_path: Path) -> None:
    first = read_settings(tmp_path)
    second = read_settings(tmp_path)
    assert len(str(first["key"])) >= 50
    assert first["key"] == second["key"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by its owner only
    assert read_settings(tmp_path / "other")["key"] != first["key"]


def test_a_given_secret_key_wins_and_can_come_from_a_file(tmp_path: Path) -> None:
    assert read_settings(tmp_path, COMMUNS_SECRET_KEY="given")["key"] == "given"
    secret = tmp_path / "secret.txt"
    secret.write_text("from-a-file\n")
    assert read_settings(tmp_path, COMMUNS_SECRET_KEY_FILE=str(secret))["key"] == "from-a-file"
    assert not (tmp_path / "secret_key").exists()


def test_the_default_database_is_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    found = read_settings(tmp_path)
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["name"] == str(tmp_path / "communs.sqlite3")


def test_a_postgresql_url_selects_postgresql(tmp_path: Path) -> None:
    found = read_settings(
        tmp_path, COMMUNS_DATABASE_URL="postgresql://someone@db.example:5433/communs"
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["name"] == "communs"


def test_debug_hosts_and_mail_come_from_the_environment(tmp_path: Path) -> None:
    found = read_settings(
        tmp_path,
        COMMUNS_DEBUG="true",
        COMMUNS_ALLOWED_HOSTS="communs.example.org, www.communs.example.org",
        COMMUNS_EMAIL_HOST="smtp.example.org",
        COMMUNS_EMAIL_PORT="587",
    )
    assert found["debug"] is True
    assert found["hosts"] == ["communs.example.org", "www.communs.example.org"]
    assert (found["email_host"], found["email_port"]) == ("smtp.example.org", 587)
    assert read_settings(tmp_path)["debug"] is False
