"""A harvest killed with SIGKILL at any point resumes at the next ``communs harvest`` and
ends with the same rows as a harvest never interrupted (real processes, real database)."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from communs.emulator import EmulatorServer, Settings

from .conftest import small_world

ROWS = """
    SELECT f.host, r.native_id, r.full_path, r.name, r.description, r.is_fork, r.stars,
           r.pushed_at, r.gone_since IS NULL, r.previous_names, a.path
    FROM repositories_repository r
    JOIN sources_forge f ON f.id = r.forge_id
    LEFT JOIN sources_account a ON a.id = r.account_id
    ORDER BY f.host, r.native_id
"""
RUNS = """
    SELECT f.host, h.status, h.pages, h.new, h.resumptions
    FROM harvest_harvestrun h JOIN sources_forge f ON f.id = h.forge_id ORDER BY f.host, h.id
"""
PAGES = "SELECT COALESCE(SUM(pages), 0) FROM harvest_harvestrun"


class Database:
    """A database of its own for the processes of this test: SQLite, or PostgreSQL when
    the suite runs on it (a throw-away database next to the test one)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        self.pg = os.environ.get("COMMUNS_TEST_DATABASE_URL", "")
        self.name = f"communs_kill_{uuid.uuid4().hex[:10]}"
        self.url = (
            self.pg.rsplit("/", 1)[0] + "/" + self.name
            if self.pg
            else f"sqlite:///{home / 'communs.sqlite3'}"
        )
        self._connection: Any = None

    def create(self, template: str = "") -> None:
        if self.pg:
            like = f' TEMPLATE "{template}"' if template else ""
            self._admin(f'CREATE DATABASE "{self.name}"{like}')

    def drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
        if self.pg:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        import psycopg

        # The maintenance database: the suite's own may not exist outside its test copy.
        maintenance = self.pg.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(sql)  # type: ignore[arg-type]

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.pg:
            import psycopg

            # One connection kept open: connecting at every poll would slow the harvest.
            if self._connection is None:
                self._connection = psycopg.connect(self.url, autocommit=True)
            try:
                rows = self._connection.execute(sql).fetchall()  # type: ignore[arg-type]
            except psycopg.errors.UndefinedTable:
                return []
            return [tuple(map(_plain, row)) for row in rows]
        path = self.home / "communs.sqlite3"
        if not path.exists():
            return []
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return [tuple(map(_plain, row)) for row in connection.execute(sql).fetchall()]
        except sqlite3.OperationalError:
            return []  # the tables are not there yet
        finally:
            connection.close()

    # With a token for the emulator's GitHub, its owners are listed by GraphQL, many a
    # request, each owner's cursor saved with its page: ``forge_tokens`` sets it.
    forge_tokens = ""

    def environ(self, per_host: int = 1) -> dict[str, str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("COMMUNS_")}
        return {
            **clean,
            "COMMUNS_FORGE_TOKENS": self.forge_tokens,
            "COMMUNS_HOME": str(self.home),
            "COMMUNS_DATABASE_URL": self.url,
            "COMMUNS_SECRET_KEY": "test-only",
            # One request at a time: the kill lands between pages as often as inside one.
            "COMMUNS_HARVEST_PER_HOST": str(per_host),
            "DJANGO_SETTINGS_MODULE": "communs.settings",
            "LANG": "C",
        }


def _plain(value: object) -> object:
    # Dates and JSON read back as text from SQLite and as objects from psycopg.
    return value if isinstance(value, int | str | type(None)) else str(value)


SETUP = (
    "import sys, django; from django.core.management import call_command; django.setup(); "
    "call_command('migrate', verbosity=0); call_command('sources', 'import', sys.argv[1])"
)


def communs(database: Database, *args: str, per_host: int = 1) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "communs.cli", *args],
        env=database.environ(per_host),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def prepare(database: Database, sources: Path) -> None:
    database.create()
    result = subprocess.run(
        [sys.executable, "-c", SETUP, str(sources)],
        env=database.environ(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def kill_after(
    database: Database,
    process: subprocess.Popen[str],
    pages: int,
    number: signal.Signals = signal.SIGKILL,
) -> int:
    """Send ``number`` to ``process`` once ``pages`` pages are saved in all, and wait for
    it to end; returns the pages counted when the signal left."""
    # A hang guard: a loaded machine starts a process and its first batch slowly.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        seen = database.query(PAGES)
        if seen and seen[0][0] >= pages:
            process.send_signal(number)
            process.wait(timeout=20)
            return int(seen[0][0])
        if process.poll() is not None:
            pytest.fail(f"the harvest ended before page {pages}: {process.communicate()}")
        time.sleep(0.005)
    process.kill()
    pytest.fail("the harvest did not get going")


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[Callable[[str], Database]]:
    made: list[Database] = []

    def make(name: str) -> Database:
        database = Database(tmp_path / name)
        made.append(database)
        return database

    yield make
    for database in made:
        database.drop()


@pytest.mark.parametrize("token", [False, True], ids=["rest", "graphql"])
def test_a_harvest_killed_then_stopped_resumes_and_ends_as_an_uninterrupted_one(
    tmp_path: Path, databases: Callable[[str], Database], token: bool
) -> None:
    # Every request a little slow, so that a kill lands in the middle of the run.
    server = EmulatorServer(
        # Enough owners that the SIGTERM below lands inside the listing: a GraphQL answer
        # saves several owners' pages at once, and with few owners the answers left after
        # the first kill could all come before the signal.
        small_world(repositories=600, owners=72),
        Settings(faults=1.0, fault_kinds=("slow",), slow_seconds=0.005),
        git_root=tmp_path / "git",
    )
    server.start()
    try:
        sources = server.write_sources(tmp_path / "sources")
        whole, killed = databases("whole"), databases("killed")
        if token:
            address = server.url.removeprefix("http://")
            whole.forge_tokens = killed.forge_tokens = f"{address}/github=t"
        prepare(whole, sources)
        # The second database starts as a copy of the first: migrating twice is slow.
        if whole.pg:
            killed.create(template=whole.name)
        else:
            shutil.copy(whole.home / "communs.sqlite3", killed.home / "communs.sqlite3")

        # The uninterrupted harvest and the first one to be killed run side by side.
        finished = communs(whole, "harvest", "--no-progress", per_host=4)
        first = kill_after(killed, communs(killed, "harvest", "--no-progress"), 3)
        assert finished.wait(timeout=60) == 0, finished.communicate()
        expected = whole.query(ROWS)
        assert len(expected) == 600
        total_pages = sum(row[2] for row in whole.query(RUNS))

        # The killed process left its run open ("running"): the next harvest resumes it.
        assert "running" in {row[1] for row in killed.query(RUNS)}
        # SIGTERM stops that one cleanly: runs closed as interrupted, exit status 130.
        stopped = communs(killed, "harvest", "--no-progress")
        second = kill_after(killed, stopped, first + 6, signal.SIGTERM)
        assert stopped.returncode == 130, stopped.communicate()
        assert 3 <= first < second < total_pages
        assert "interrupted" in {row[1] for row in killed.query(RUNS)}

        resumed = communs(killed, "harvest", "--no-progress", per_host=4)
        _, err = resumed.communicate(timeout=60)
        assert resumed.returncode == 0, err
        assert killed.query(ROWS) == expected
        # GitLab's owners went by GraphQL batches (each owner's cursor saved with its page).
        assert server.emulator.stats_json()["endpoints"].get("gitlab.graphql", 0) > 0
        # Each repository was counted new once, whatever the runs; a resumed run that
        # carried a forge's first listing to its end saved each page once: it has the
        # pages of the uninterrupted run. (A forge whose first run ended before a kill is
        # refreshed by the next harvest: that run, resumed or not, lists only what moved.)
        pages = {host: page_count for host, _, page_count, _, _ in whole.query(RUNS)}
        new: dict[str, int] = {}
        listed: set[str] = set()
        for host, status, page_count, added, resumptions in killed.query(RUNS):
            assert status == "succeeded"
            new[host] = new.get(host, 0) + added
            if resumptions and host not in listed:
                assert page_count == pages[host]
            listed.add(host)
        assert new == {host: added for host, _, _, added, _ in whole.query(RUNS)}
        assert max(row[4] for row in killed.query(RUNS)) >= 1
    finally:
        server.stop()
