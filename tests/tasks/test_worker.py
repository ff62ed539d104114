"""One real `communs worker` against Redis and a database of its own (SQLite, or
PostgreSQL with COMMUNS_TEST_DATABASE_URL): `communs harvest` through the queue stores
the rows an in-process harvest stores."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.harvest.conftest import small_world
from tests.harvest.test_kill import ROWS, SETUP, Database

from communs.emulator import EmulatorServer, Settings

from .conftest import REDIS_URL


def run(database: Database, *args: str, broker: bool, timeout: float = 180) -> str:
    env = database.environ(per_host=4)
    if broker:
        env |= {"COMMUNS_BROKER_URL": REDIS_URL, "COMMUNS_FORGE_LOCK_TTL": "10"}
    done = subprocess.run(
        [sys.executable, "-m", "communs.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_worker_harvests_through_the_queue_what_one_process_harvests(
    tmp_path: Path, redis_db: Any
) -> None:
    world = small_world(repositories=300, owners=30)
    server = EmulatorServer(
        world,
        # A few faults, retried: the queue path must weather them as the process does.
        Settings(faults=0.05, retry_after=0),
        git_root=tmp_path / "git",
    )
    server.start()
    queued, alone = Database(tmp_path / "queued"), Database(tmp_path / "alone")
    worker = None
    try:
        sources = server.write_sources(tmp_path / "sources")
        queued.create()
        env = queued.environ()
        setup = subprocess.run(
            [sys.executable, "-c", SETUP, str(sources)], env=env, capture_output=True, text=True
        )
        assert setup.returncode == 0, setup.stderr
        if queued.pg:
            alone.create(template=queued.name)
        else:
            alone.home.mkdir(parents=True, exist_ok=True)
            shutil.copy(queued.home / "communs.sqlite3", alone.home / "communs.sqlite3")

        worker_env = queued.environ(per_host=4) | {"COMMUNS_BROKER_URL": REDIS_URL}
        worker = subprocess.Popen(
            [sys.executable, "-m", "communs.cli", "worker", "--concurrency", "2", "-n", "t1@%h"],
            env=worker_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert worker.stdout is not None
        deadline = time.monotonic() + 60
        for line in worker.stdout:
            if " ready." in line:
                break
            assert time.monotonic() < deadline, "the worker did not start"
        out = run(queued, "harvest", "--no-progress", broker=True)
        assert out.count("succeeded") == 3, out
        run(alone, "harvest", "--no-progress", broker=False)
        expected = alone.query(ROWS)
        assert len(expected) == 300
        assert queued.query(ROWS) == expected
        # Run again through the queue: a refresh, the same rows (idempotent).
        run(queued, "harvest", "--no-progress", broker=True)
        assert queued.query(ROWS) == expected
        # The harvest indexed its repositories and published open data once, itself.
        assert queued.query("SELECT COUNT(*) FROM harvest_pendingindex") == [(0,)]
        assert (queued.home / "open-data").is_dir()
        # One owner refreshed through the queue (its own task): its moved repository is
        # stored anew, and nothing of the other owners is listed.
        forge_name, path = next(
            (name, path) for name, path in world.touch(0.1, seed=3) if name == "github"
        )
        owner = path.split("/")[0]
        before = dict(queued.query("SELECT full_path, pushed_at FROM repositories_repository"))
        out = run(queued, "harvest", "--no-progress", "--owner", owner, broker=True)
        assert " 1/1" in out, out
        after = dict(queued.query("SELECT full_path, pushed_at FROM repositories_repository"))
        assert after[path] != before[path]
        assert {p for p in after if after[p] != before.get(p)} <= {
            p for p in after if p.split("/")[0] == owner
        }
        os.killpg(worker.pid, signal.SIGTERM)
        log = worker.stdout.read()
        worker.wait(timeout=30)
        worker = None
        assert "communs.harvest_owner" in log
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        server.stop()
        queued.drop()
        alone.drop()
