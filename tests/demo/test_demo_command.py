"""``communs demo``, run as a user runs it: a child process, a fresh folder, SQLite inside.

Each run uses ``--no-serve``: no test leaves a server behind.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from communs.demo.generator import generate
from communs.demo.management.commands.demo import MARKER

ORGANISATIONS = 40
REPOSITORIES = 300


def run_demo(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "communs.cli", "demo", "--no-serve", "--home", str(home), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, **env},
    )


def count(database: Path, table: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608


def dump(database: Path) -> dict[str, list[tuple[object, ...]]]:
    """The demo's rows without the moments they were written at, and with the address of
    the emulator they were harvested from (a free port, another each run) left out."""
    queries = {
        "forges": "SELECT host, kind, url, api_url, scope FROM sources_forge ORDER BY host",
        "organisations": "SELECT key, name, pso_id, level, website FROM sources_organisation "
        "ORDER BY key",
        "accounts": "SELECT f.host, a.path, o.pso_id FROM sources_account a "
        "JOIN sources_forge f ON f.id = a.forge_id "
        "LEFT JOIN sources_organisation o ON o.id = a.organisation_id ORDER BY f.host, a.path",
        "repositories": "SELECT f.host, r.native_id, r.full_path, r.description, r.license, "
        "r.language, r.languages, r.topics, r.stars, r.forks, r.is_fork, r.is_archived, "
        "r.created_at, r.updated_at, r.pushed_at, a.path FROM repositories_repository r "
        "JOIN sources_forge f ON f.id = r.forge_id "
        "LEFT JOIN sources_account a ON a.id = r.account_id ORDER BY f.host, r.native_id",
    }
    with sqlite3.connect(database) as connection:
        rows = {name: connection.execute(sql).fetchall() for name, sql in queries.items()}
    return {
        name: [
            tuple(
                re.sub(r"127\.0\.0\.1:[0-9]+", "emulator", v) if isinstance(v, str) else v
                for v in row
            )
            for row in found
        ]
        for name, found in rows.items()
    }


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    home = tmp_path_factory.mktemp("demo-run") / "demo"
    result = run_demo(
        home, "--organisations", str(ORGANISATIONS), "--repositories", str(REPOSITORIES)
    )
    assert result.returncode == 0, result.stderr
    return home, result


def test_it_builds_a_database_whose_counts_match(built: tuple[Path, object]) -> None:
    home, _ = built
    database = home / "communs.sqlite3"
    data = generate(organisations=ORGANISATIONS, repositories=REPOSITORIES)
    assert count(database, "sources_organisation") == ORGANISATIONS
    assert count(database, "sources_forge") == len(data.forges)
    assert count(database, "sources_account") == len(data.accounts)
    assert count(database, "repositories_repository") == REPOSITORIES
    # Every repository of a shared forge found its account.
    with sqlite3.connect(database) as connection:
        orphans = connection.execute(
            "SELECT COUNT(*) FROM repositories_repository r JOIN sources_forge f "
            "ON f.id = r.forge_id WHERE r.account_id IS NULL AND f.scope = 'owners'"
        ).fetchone()[0]
    assert orphans == 0
    assert (home / MARKER).is_file()
    assert (home / "sources" / "comptes-organismes-publics.yml").is_file()
    assert (home / "sources" / "top_organizations.yml").is_file()
    # The community's pages have something to show, and the trends their first day.
    assert count(database, "events_event") > 0
    assert count(database, "jobs_joboffer") > 0
    assert count(database, "newsletters_issue") > 0
    assert count(database, "history_snapshot") == 1


def test_its_repositories_were_harvested_from_the_emulator(built: tuple[Path, object]) -> None:
    home, _ = built
    with sqlite3.connect(home / "communs.sqlite3") as connection:
        runs = connection.execute(
            "SELECT f.host, r.status, r.new, r.requests FROM harvest_harvestrun r "
            "JOIN sources_forge f ON f.id = r.forge_id ORDER BY f.host"
        ).fetchall()
        forges = connection.execute("SELECT host FROM sources_forge ORDER BY host").fetchall()
        enriched = connection.execute(
            "SELECT COUNT(*) FROM repositories_repository WHERE enriched_at IS NOT NULL "
            "AND root_files != '[]'"
        ).fetchone()[0]
    # One successful run per forge, each forge a prefix of the emulator's address.
    assert [host for host, *_ in runs] == [host for (host,) in forges]
    assert all(re.match(r"127\.0\.0\.1:[0-9]+/", host) for (host,) in forges)
    assert {status for _, status, *_ in runs} == {"succeeded"}
    assert sum(new for _, _, new, _ in runs) == REPOSITORIES
    assert all(requests > 0 for *_, requests in runs)
    # The emulator's GitHub was listed with a token: its repositories carry their extras.
    assert enriched > 0


def test_it_prints_a_summary_and_how_to_create_an_admin(
    built: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, result = built
    # Messages may be translated: look for the figures, the folder and the command.
    assert str(home) in result.stdout
    figures = [line.split()[-1] for line in result.stdout.splitlines() if line.startswith("  ")]
    assert [str(ORGANISATIONS), str(REPOSITORIES)] == [figures[0], figures[3]]
    assert f"COMMUNS_HOME={home} communs createsuperuser" in result.stdout


def test_it_builds_the_same_data_when_run_again(
    built: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, _ = built
    before = dump(home / "communs.sqlite3")
    (home / "left-over.txt").write_text("from an earlier run")
    again = run_demo(
        home, "--organisations", str(ORGANISATIONS), "--repositories", str(REPOSITORIES)
    )
    assert again.returncode == 0, again.stderr
    assert dump(home / "communs.sqlite3") == before
    # The folder was wiped first.
    assert not (home / "left-over.txt").exists()


def test_another_seed_builds_other_data(tmp_path: Path) -> None:
    first = run_demo(tmp_path / "a", "--organisations", "10", "--repositories", "30")
    other = run_demo(tmp_path / "b", "--organisations", "10", "--repositories", "30", "--seed=9")
    assert first.returncode == other.returncode == 0, first.stderr + other.stderr
    a = dump(tmp_path / "a" / "communs.sqlite3")["repositories"]
    b = dump(tmp_path / "b" / "communs.sqlite3")["repositories"]
    assert len(a) == len(b) == 30
    assert a != b


def test_it_refuses_to_wipe_a_folder_it_did_not_make(tmp_path: Path) -> None:
    home = tmp_path / "precious"
    home.mkdir()
    (home / "thesis.tex").write_text("years of work")
    result = run_demo(home, "--organisations", "5", "--repositories", "5")
    assert result.returncode != 0
    assert str(home) in result.stderr and "--home" in result.stderr
    assert [p.name for p in home.iterdir()] == ["thesis.tex"]


def test_it_uses_its_own_sqlite_file_even_when_a_database_is_configured(tmp_path: Path) -> None:
    result = run_demo(
        tmp_path / "demo",
        "--organisations",
        "5",
        "--repositories",
        "5",
        COMMUNS_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
    )
    assert result.returncode == 0, result.stderr
    assert count(tmp_path / "demo" / "communs.sqlite3", "repositories_repository") == 5


def test_its_inner_step_refuses_a_folder_that_is_not_a_demo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "COMMUNS_DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "communs.cli", "demo", "--in-place", "--no-serve"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**env, "COMMUNS_HOME": str(tmp_path)},
    )
    assert result.returncode != 0
    assert "--in-place" in result.stderr
    assert not (tmp_path / "communs.sqlite3").exists()


def test_it_explains_its_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "communs.cli", "demo", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for option in ("--home", "--organisations", "--repositories", "--seed", "--no-serve"):
        assert option in result.stdout
    assert "--in-place" not in result.stdout
