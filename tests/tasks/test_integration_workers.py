"""Two ``communs worker`` processes harvest the forge emulator through the real Redis and
store what one process stores; a worker killed mid-harvest loses nothing (issue 8).

Real processes all the way. The emulator (20,000 repositories over 1,500 owners in eight
forges, 10 % of its answers faulted) serves from a thread of this process; every
``communs`` command is a child process with a database of its own (SQLite in a temporary
folder, or a throw-away PostgreSQL database beside the test one when
``COMMUNS_TEST_DATABASE_URL`` is set: the ``Database`` helper of the harvest's kill test)
and Redis database 14 as broker, result backend and lock store, emptied before each run.
The reference is the embedded harvest (no broker) of the same emulator.

Redis must answer on 127.0.0.1:6379: the tests skip with the reason otherwise, and fail
under ``CI=true`` (``.ci/run`` starts Redis). They are slow: on a 2-core machine shared
with other work (load average 6 to 9), 3.5 to 4 minutes on SQLite (the emulator, the
copied database and the embedded reference 74 s, two workers 37 s, the kill 102 s, of
which a minute is the broker waiting ``VISIBILITY_TIMEOUT`` before it hands the dead
worker's task over) and 5.5 to 6 on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.harvest.test_kill import SETUP, Database

from communs.emulator import EmulatorServer, Settings, build_world

REDIS_URL = "redis://127.0.0.1:6379/14"
REPOSITORIES = 20_000
OWNERS = 1_500
# The rows a harvest stores, in an order both backends agree on; the dates that say when
# the harvest ran (first seen, last harvested, content changed, enriched) are left out,
# only whether they are set is kept.
ROWS = """
    SELECT f.host, r.native_id, a.path, r.full_path, r.name, r.url, r.description,
           r.default_branch, r.is_fork, r.is_archived, r.is_template, r.homepage,
           r.created_at, r.updated_at, r.pushed_at, r.stars, r.forks, r.watchers,
           r.open_issues, r.license, r.language, r.languages, r.topics,
           r.gone_since IS NULL, r.previous_names, r.root_files, r.latest_release,
           r.content_changed_at IS NULL, r.enriched_at IS NULL
    FROM repositories_repository r
    JOIN sources_forge f ON f.id = r.forge_id
    LEFT JOIN sources_account a ON a.id = r.account_id
    ORDER BY f.host, r.native_id
"""
DUPLICATES = """
    SELECT forge_id, native_id, COUNT(*) FROM repositories_repository
    GROUP BY forge_id, native_id HAVING COUNT(*) > 1
    UNION ALL
    SELECT forge_id, LOWER(full_path), COUNT(*) FROM repositories_repository
    GROUP BY forge_id, LOWER(full_path) HAVING COUNT(*) > 1
"""
WITHOUT_ID = "SELECT COUNT(*) FROM repositories_repository WHERE native_id IS NULL"
RUNS = """
    SELECT f.host, h.status, h.new, h.resumptions, h.pid
    FROM harvest_harvestrun h JOIN sources_forge f ON f.id = h.forge_id ORDER BY f.host, h.id
"""
GITHUB_RUN = """
    SELECT h.status, h.new, h.pid FROM harvest_harvestrun h
    JOIN sources_forge f ON f.id = h.forge_id
    WHERE f.host LIKE '%/github' ORDER BY h.id DESC
"""
# A forge's lock is renewed every third of this; a dead worker's lock is free after it.
LOCK_TTL = 6
# Longer than any one forge's harvest here (a shorter one would hand a running task to
# the other worker); Redis redelivers a dead worker's task after it, at the next of the
# transport's scans for such tasks.
VISIBILITY_TIMEOUT = 60
# A hang guard for one harvest, redelivery included.
HARVEST_TIMEOUT = 600


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        reason = f"Redis does not answer at {REDIS_URL}: {error}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " (CI: .ci/run starts it)")
        pytest.skip(reason)


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


class Installation(Database):
    """A database and the settings of every process that uses it: with ``broker``, the
    workers' and the dispatching ``communs harvest``'s; without, the embedded mode's."""

    def __init__(self, home: Path, token: str, broker: dict[str, str] | None = None) -> None:
        super().__init__(home)
        self.forge_tokens = token
        self.broker = broker

    def environ(self, per_host: int = 4) -> dict[str, str]:
        env = super().environ(per_host)
        if self.broker is not None:
            env.update({"COMMUNS_BROKER_URL": REDIS_URL, **self.broker})
        return env

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """``communs ARGS`` in a session of its own (so that its children die with it),
        its output in ``name``.log."""
        with (self.home / f"{name}.log").open("wb") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "communs.cli", *args],
                env=self.environ(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self, name: str) -> str:
        path = self.home / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def harvest(self) -> None:
        """``communs harvest`` to its end (with a broker: queued, then waited for)."""
        process = self.start("harvest", "harvest", "--no-progress")
        try:
            code = process.wait(timeout=HARVEST_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"the harvest did not end:\n{self.log('harvest')}")
        assert code == 0, self.log("harvest")


class Workers:
    """``communs worker`` processes (prefork, one child each, as deployed) on every queue."""

    def __init__(self, installation: Installation) -> None:
        self.installation = installation
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, *names: str) -> None:
        for name in names:
            self.processes[name] = self.installation.start(
                name, "worker", "--concurrency", "1", "--hostname", f"{name}@%h"
            )

    def wait_ready(self) -> None:
        """Until every worker says it is ready (connected, consuming): none starts late
        enough for the other to have taken every task."""
        deadline = time.monotonic() + 120
        for name, process in self.processes.items():
            log = self.installation.home / f"{name}.log"
            while "ready." not in log.read_text(errors="replace"):
                assert process.poll() is None, self.installation.log(name)
                assert time.monotonic() < deadline, self.installation.log(name)
                time.sleep(0.2)

    def holding(self, pid: int) -> str:
        """The worker whose process group ``pid`` (a task's process) belongs to."""
        group = os.getpgid(pid)
        return next(name for name, p in self.processes.items() if p.pid == group)

    def kill(self, name: str) -> None:
        """SIGKILL to the worker and its child at once: a machine lost mid-task."""
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    redis_or_skip()
    world = build_world(
        repositories=REPOSITORIES, owners=OWNERS, seed=3, now=datetime(2025, 6, 1, tzinfo=UTC)
    )
    # Faults retried at once and slow answers short: the test measures correctness.
    server = EmulatorServer(
        world,
        Settings(faults=0.1, retry_after=0, slow_seconds=0.05),
        git_root=tmp_path_factory.mktemp("git"),
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def installations(
    emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Installation]]:
    """Make installations, each a copy of one migrated database that knows the
    emulator's forges and owners (migrating each would cost more than the harvest)."""
    root = tmp_path_factory.mktemp("installations")
    # With a token for the emulator's GitHub its owners are listed by GraphQL, 50 a
    # request. One token per installation: the emulator counts each token's budget, and
    # three harvests of its GitHub would spend one token's hour.
    address = emulator.url.removeprefix("http://")
    template = Installation(root / "template", "")
    template.create()
    sources = emulator.write_sources(root / "sources")
    done = subprocess.run(
        [sys.executable, "-c", SETUP, str(sources)],
        env=template.environ(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    made = [template]

    def make(name: str, broker: dict[str, str] | None = None) -> Installation:
        installation = Installation(root / name, f"{address}/github={name}", broker)
        if installation.pg:
            installation.create(template=template.name)
        else:
            shutil.copy(template.home / "communs.sqlite3", installation.home / "communs.sqlite3")
        made.append(installation)
        return installation

    yield make
    for installation in made:
        installation.drop()


@pytest.fixture(scope="module")
def reference(installations: Callable[..., Installation]) -> list[tuple[Any, ...]]:
    """The rows of a single-process (embedded) harvest of the emulator."""
    embedded = installations("embedded")
    embedded.harvest()
    rows = embedded.query(ROWS)
    assert len(rows) == REPOSITORIES
    return rows


def check_stored(installation: Installation, reference: list[tuple[Any, ...]]) -> None:
    """The same rows as the reference, none twice, every harvest run succeeded."""
    assert installation.query(DUPLICATES) == []
    assert installation.query(WITHOUT_ID) == [(0,)]
    rows = installation.query(ROWS)
    assert len(rows) == REPOSITORIES
    missing = sorted(set(reference) - set(rows))[:3]
    extra = sorted(set(rows) - set(reference))[:3]
    assert (missing, extra) == ([], [])
    assert rows == reference


def test_two_workers_store_what_one_process_stores(
    installations: Callable[..., Installation], reference: list[tuple[Any, ...]]
) -> None:
    flush_redis()
    installation = installations("two-workers", broker={})
    workers = Workers(installation)
    workers.start("w1", "w2")
    try:
        workers.wait_ready()
        installation.harvest()
        check_stored(installation, reference)
        runs = installation.query(RUNS)
        assert {status for _, status, *_ in runs} == {"succeeded"}
        # Each forge listed once, each repository counted new once.
        assert len(runs) == len({host for host, *_ in runs}) == 8
        assert sum(new for _, _, new, _, _ in runs) == REPOSITORIES
        # Both workers harvested (eight forges, two workers each taking one at a time).
        assert {workers.holding(pid) for *_, pid in runs} == {"w1", "w2"}
    finally:
        workers.stop()


def test_a_worker_killed_mid_harvest_the_other_finishes_nothing_lost_or_doubled(
    installations: Callable[..., Installation], reference: list[tuple[Any, ...]]
) -> None:
    flush_redis()
    installation = installations(
        "killed",
        broker={
            "COMMUNS_FORGE_LOCK_TTL": str(LOCK_TTL),
            "COMMUNS_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        },
    )
    workers = Workers(installation)
    workers.start("w1", "w2")
    workers.wait_ready()
    harvest = installation.start("harvest", "harvest", "--no-progress")
    try:
        # GitHub's harvest (12,236 repositories) killed once a fifth of it is stored.
        deadline = time.monotonic() + 240
        while True:
            found = installation.query(GITHUB_RUN)
            if found and found[0][0] == "running" and found[0][1] >= 2_500:
                victim = workers.holding(found[0][2])
                workers.kill(victim)
                break
            assert not found or found[0][0] == "running", f"GitHub's harvest ended: {found}"
            assert harvest.poll() is None, installation.log("harvest")
            assert time.monotonic() < deadline, installation.log("harvest")
            time.sleep(0.05)
        stored_at_kill = installation.query(GITHUB_RUN)[0][1]
        assert stored_at_kill < 12_236

        # The other worker takes the task back once the broker redelivers it.
        try:
            code = harvest.wait(timeout=HARVEST_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the harvest did not end:\n{installation.log('harvest')}")
        assert code == 0, installation.log("harvest")
        check_stored(installation, reference)
        runs = installation.query(RUNS)
        assert {status for _, status, *_ in runs} == {"succeeded"}
        # One run per forge, GitHub's resumed (not started again) by the survivor.
        assert len(runs) == 8
        github = next(run for run in runs if run[0].endswith("/github"))
        assert github[3] >= 1
        survivor = ({"w1", "w2"} - {victim}).pop()
        assert workers.holding(github[4]) == survivor
        assert sum(new for _, _, new, _, _ in runs) == REPOSITORIES
    finally:
        if harvest.poll() is None:
            os.killpg(harvest.pid, signal.SIGKILL)
        workers.stop()
