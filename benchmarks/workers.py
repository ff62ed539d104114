"""Harvest throughput with 1, 2 and 4 `communs worker` processes against the emulator.

The emulator (`communs emulator serve`, its default world: GitHub-, GitLab- and
Gitea-shaped forges, eight in all) runs in a child process. For each number of workers:
a fresh database knowing the emulator's forges and owners (a copy of one migrated SQLite
file; with ``COMMUNS_BENCH_DATABASE_URL``, that PostgreSQL database emptied and filled
again), Redis database 13 emptied (the broker, results and forge locks:
``COMMUNS_BROKER_URL``), N workers started (`communs worker --concurrency 1`, prefork,
every queue) and ready, then `communs harvest --no-progress`, which queues one task per
forge, waits for them all, then indexes and publishes once. The same harvest without a
broker (one process, every forge at once in its event loop) is measured first, as the
embedded reference. Every run has a GitHub token of its own for the emulator (owners
listed by GraphQL, 50 a request), as a real installation has. Without Redis on
127.0.0.1:6379 it says so and ends (``make bench`` goes on).

Prints, per run: the listing's wall time (first run started to last run finished, from
the HarvestRun rows) and repositories per second, the ratio to one worker, the whole
command's time (listing, then the search index, open data and figures in the command's
process), the CPU seconds spent by the workers, the emulator and the command, and the
longest single forge; then the machine's core count and what those figures say about the
curve.

    .venv/bin/python benchmarks/workers.py                          # 20,000 repositories
    .venv/bin/python benchmarks/workers.py --repositories 5000 --workers 1 2
    COMMUNS_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/communs_bench \
        .venv/bin/python benchmarks/workers.py

Figures and their reading: docs/production.md ("What more workers give").
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from harvest import SEED, child_env, control, prepare

REDIS_URL = "redis://127.0.0.1:6379/13"
SPANS = """
    SELECT f.host, h.started_at, h.finished_at, h.status
    FROM harvest_harvestrun h JOIN sources_forge f ON f.id = h.forge_id
"""
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Measure:
    label: str
    workers: int
    listing: float
    command: float
    cpu_workers: float
    cpu_emulator: float
    cpu_command: float
    # Seconds each forge's run took (its first start to its end), by forge name.
    forges: dict[str, float]
    repositories: int
    load: float

    @property
    def longest(self) -> tuple[str, float]:
        return max(self.forges.items(), key=lambda item: item[1])

    @property
    def at_once(self) -> float:
        """Forges listed at once, on average: the sum of their times over the listing's."""
        return sum(self.forges.values()) / self.listing


class Installation:
    """A database (a copy of the prepared SQLite file, or the PostgreSQL database of
    COMMUNS_BENCH_DATABASE_URL filled again) and the environment of its processes."""

    def __init__(self, root: Path, url: str, postgresql: str) -> None:
        self.root = root
        self.url = url
        self.postgresql = postgresql
        self.template = root / "template"
        prepare(self.template, url)
        self.count = 0

    def fresh(self, broker: bool) -> tuple[Path, dict[str, str]]:
        self.count += 1
        home = self.root / f"run{self.count}"
        home.mkdir()
        env = child_env(home, self.url)
        # A token of its own for each run: the emulator counts each token's hourly budget,
        # which a few harvests of its GitHub would spend (the emulator takes any token).
        address = urllib.parse.urlsplit(self.url).netloc
        env["COMMUNS_FORGE_TOKENS"] = f"{address}/github=bench-run-{self.count}"
        env["COMMUNS_SECRET_KEY"] = "bench-only"  # noqa: S105 - a throw-away installation
        if self.postgresql:
            env["COMMUNS_DATABASE_URL"] = self.postgresql
            sources = self.template / "sources.yml"
            for args in (["migrate"], ["flush", "--no-input"], ["sources", "import", str(sources)]):
                subprocess.run(
                    [sys.executable, "-m", "communs.cli", *args],
                    env=env,
                    check=True,
                    capture_output=True,
                )
        else:
            shutil.copy(self.template / "communs.sqlite3", home / "communs.sqlite3")
        if broker:
            env["COMMUNS_BROKER_URL"] = REDIS_URL
        return home, env

    def spans(self, env: dict[str, str]) -> list[tuple[str, datetime, datetime, str]]:
        if self.postgresql:
            import psycopg

            with psycopg.connect(self.postgresql) as connection:
                return list(connection.execute(SPANS).fetchall())  # type: ignore[arg-type]
        import sqlite3

        path = Path(env["COMMUNS_HOME"]) / "communs.sqlite3"
        connection = sqlite3.connect(path)
        try:
            rows = connection.execute(SPANS).fetchall()
        finally:
            connection.close()
        return [
            (h, datetime.fromisoformat(s), datetime.fromisoformat(f), st) for h, s, f, st in rows
        ]


def cpu_seconds(group: int) -> float:
    """CPU (user and system) of every live process in this process group, from /proc."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces: the fields start after its closing parenthesis.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


@contextmanager
def emulator(
    home: Path, repositories: int, owners: int, faults: float
) -> Iterator[tuple[str, int]]:
    """The emulator in a child process of its own group for the block: (URL, group)."""
    args = [
        sys.executable, "-m", "communs.cli", "emulator", "serve", "--port", "0",
        "--repositories", str(repositories), "--owners", str(owners), "--faults", str(faults),
        "--seed", str(SEED), "--retry-after", "0", "--slow", "0.2",
    ]  # fmt: skip
    process = subprocess.Popen(
        args,
        env=child_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "Forge emulator at " in line:
                yield line.split("Forge emulator at ", 1)[1].strip(), process.pid
                break
        else:
            raise SystemExit(f"the emulator did not start:\n{process.stderr.read()}")
    finally:
        process.terminate()
        process.wait(timeout=30)


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()


def start_workers(count: int, home: Path, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    workers = []
    for number in range(1, count + 1):
        log = (home / f"worker{number}.log").open("wb")
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "communs.cli",
                    "worker",
                    "--concurrency",
                    "1",
                    "--hostname",
                    f"bench{number}@%h",
                    # "ready." is said at the info level.
                    "--loglevel",
                    "info",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    # Started and connected before the clock starts: a worker's start is not throughput.
    deadline = time.monotonic() + 120
    for number, worker in enumerate(workers, 1):
        log_path = home / f"worker{number}.log"
        while "ready." not in log_path.read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                stop(workers)
                raise SystemExit(f"worker {number} did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
    return workers


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def measure(
    installation: Installation, workers: int, emulator_group: int, repositories: int
) -> Measure:
    """One harvest from an empty database: embedded when ``workers`` is 0."""
    home, env = installation.fresh(broker=workers > 0)
    started_workers: list[subprocess.Popen[bytes]] = []
    if workers:
        flush_redis()
        started_workers = start_workers(workers, home, env)
    load = os.getloadavg()[0]
    try:
        worker_cpu_before = sum(cpu_seconds(w.pid) for w in started_workers)
        emulator_before = cpu_seconds(emulator_group)
        started = time.perf_counter()
        with (home / "harvest.log").open("wb") as log:
            command = subprocess.Popen(
                [sys.executable, "-m", "communs.cli", "harvest", "--no-progress"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            # A hang guard (a spent rate limit would sleep for an hour).
            deadline = time.monotonic() + 1800
            while True:
                pid, status, usage = os.wait4(command.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    command.kill()
                    raise SystemExit(f"the harvest did not end; see {home / 'harvest.log'}")
                time.sleep(0.1)
        seconds = time.perf_counter() - started
        emulator_used = cpu_seconds(emulator_group) - emulator_before
        worker_used = sum(cpu_seconds(w.pid) for w in started_workers) - worker_cpu_before
    finally:
        stop(started_workers)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the harvest failed:\n{(home / 'harvest.log').read_text()[-3000:]}")
    spans = installation.spans(env)
    if {row[3] for row in spans} != {"succeeded"}:
        raise SystemExit(f"some forge did not succeed: {spans}")
    listing = (max(row[2] for row in spans) - min(row[1] for row in spans)).total_seconds()
    return Measure(
        label=f"{workers} worker{'s' if workers > 1 else ''}" if workers else "embedded",
        workers=workers,
        listing=listing,
        command=seconds,
        cpu_workers=worker_used,
        cpu_emulator=emulator_used,
        cpu_command=usage.ru_utime + usage.ru_stime,
        forges={
            host.rsplit("/", 1)[-1]: (finished - began).total_seconds()
            for host, began, finished, _ in spans
        },
        load=load,
        repositories=repositories,
    )


def show(result: Measure, one: Measure | None) -> None:
    rate = result.repositories / result.listing
    ratio = f", {rate / (one.repositories / one.listing):.2f}x one worker" if one else ""
    busy = result.cpu_workers + result.cpu_emulator + result.cpu_command
    print(
        f"{result.label:>10}: listing {result.listing:5.1f} s, {rate:,.0f} repositories/s{ratio}; "
        f"command {result.command:.1f} s; CPU s: workers {result.cpu_workers:.1f}, emulator "
        f"{result.cpu_emulator:.1f}, command {result.cpu_command:.1f} "
        f"({busy / result.command:.2f} cores busy on average); longest forge "
        f"{result.longest[0]} {result.longest[1]:.1f} s",
        flush=True,
    )


def explain(results: list[Measure], sizes: dict[str, int]) -> None:
    """What the figures say about the curve: only what was measured above."""
    cores = os.cpu_count() or 1
    print(f"\nmachine: {cores} cores; load average (1 min) at each run's start: ", end="")
    print(", ".join(f"{r.label} {r.load:.1f}" for r in results))
    total = sum(sizes.values())
    ordered = sorted(sizes.items(), key=lambda item: -item[1])
    print(
        f"forges: {len(sizes)}, one harvest task each ("
        + ", ".join(f"{name} {count:,}" for name, count in ordered)
        + f"); the biggest holds {ordered[0][1] / max(1, total):.0%} of the repositories"
    )
    print("why this curve:")
    print(
        "- a forge is one task, listed by one worker at a time (its lock): the listing "
        "cannot end before its longest forge, whatever the number of workers. Measured "
        "(listing; the two longest forges, the first as a share of the listing; forges "
        "listed at once on average = sum of the forges' times / listing):"
    )
    for r in results:
        (name, seconds), *second = sorted(r.forges.items(), key=lambda item: -item[1])[:2]
        after = f", {second[0][0]} {second[0][1]:.1f} s" if second else ""
        print(
            f"    {r.label:>10}: {r.listing:.1f} s; {name} {seconds:.1f} s "
            f"({seconds / r.listing:.0%}){after}; {r.at_once:.2f} at once"
        )
    print(
        "- the processes share the machine's cores: the emulator answering every request, "
        "each worker's event loop and its database-writer thread, the database itself, "
        "and whatever else runs (the load average above). CPU seconds of the workers and "
        "the emulator per second of listing (cores they kept busy; the command's own CPU, "
        "mostly the index and open-data steps after the listing, is left out, and so are "
        "PostgreSQL's own processes):"
    )
    for r in results:
        busy = (r.cpu_workers + r.cpu_emulator + (r.cpu_command if not r.workers else 0)) / (
            r.listing
        )
        print(f"    {r.label:>10}: {busy:.2f} of {cores} cores")
    one = next((r for r in results if r.workers == 1), None)
    if one is not None:
        print(
            "- a forge listed beside others takes longer than alone: they share the "
            "emulator (one process), the cores and the database's writes (SQLite: one "
            "writing transaction at a time for the whole file; embedded: one database "
            "thread for every forge). Seconds of the biggest forges, alone (one worker) "
            "and beside the others:"
        )
        for name, _ in ordered[:2]:
            beside = ", ".join(f"{r.label} {r.forges[name]:.1f} s" for r in results if r is not one)
            print(f"    {name}: alone {one.forges[name]:.1f} s; {beside}")
    embedded = next((r for r in results if r.workers == 0), None)
    if one and embedded:
        print(
            f"- the embedded harvest lists every forge at once in one event loop "
            f"({embedded.at_once:.2f} at once above); one worker takes one forge after "
            f"another ({one.at_once:.2f}): embedded {embedded.listing:.1f} s, one worker "
            f"{one.listing:.1f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repositories", type=int, default=20_000)
    parser.add_argument("--owners", type=int, default=1_500)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--faults", type=float, default=0.0, help="share of faulted answers")
    parser.add_argument("--no-embedded", action="store_true", help="skip the embedded run")
    args = parser.parse_args()
    try:
        flush_redis()
    except Exception as error:  # noqa: BLE001 - any reason Redis is not there
        # Said, not raised: `make bench` goes on with the other benchmarks.
        print(f"skipped: Redis does not answer at {REDIS_URL} ({error})")
        return
    postgresql = os.environ.get("COMMUNS_BENCH_DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="communs-bench-") as tmp:
        root = Path(tmp)
        with emulator(root / "emulator", args.repositories, args.owners, args.faults) as (
            url,
            group,
        ):
            installation = Installation(root, url, postgresql)
            described = control(url, "")
            forges = {forge["name"]: forge["repositories"] for forge in described["forges"]}
            print(
                f"emulator: {described['repositories']:,} repositories, "
                f"{args.faults:.0%} faulted; database: "
                f"{'PostgreSQL' if postgresql else 'SQLite'}; Redis {REDIS_URL}",
                flush=True,
            )
            results = []
            if not args.no_embedded:
                results.append(measure(installation, 0, group, described["repositories"]))
                show(results[-1], None)
            one = None
            for count in args.workers:
                result = measure(installation, count, group, described["repositories"])
                one = one or (result if count == 1 else None)
                show(result, one)
                results.append(result)
            explain(results, forges)


if __name__ == "__main__":
    main()
