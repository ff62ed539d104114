"""Helpers shared by the benchmark scripts: run a `communs` command and measure it; load
generated data into SQLite and PostgreSQL for the benchmarks that measure both."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measure:
    seconds: float
    peak_rss_mb: float
    stdout: str


def run_communs(*args: str, home: Path, env: dict[str, str] | None = None) -> Measure:
    """Run ``communs ARGS`` in a child process; its wall time and peak resident memory."""
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("COMMUNS_")}
    child_env.update({"COMMUNS_HOME": str(home), "LANG": "C.UTF-8", **(env or {})})
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "communs.cli", *args], env=child_env, stdout=out, stderr=err
        )
        # wait4 gives the resource usage of this one child (and the children it waited
        # for), so each step's peak memory is its own.
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(
                f"communs {' '.join(args)} failed ({process.returncode}):\n{err.read()}"
            )
        # ru_maxrss is in KiB on Linux.
        return Measure(seconds=elapsed, peak_rss_mb=usage.ru_maxrss / 1024, stdout=out.read())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_python(script: str, home: Path, env: dict[str, str]) -> str:
    """Run ``script`` in a child Python with Django's settings; its standard output."""
    child = {k: v for k, v in os.environ.items() if not k.startswith("COMMUNS_")}
    child.update({"COMMUNS_HOME": str(home), "DJANGO_SETTINGS_MODULE": "communs.settings", **env})
    done = subprocess.run(
        [sys.executable, "-c", script], env=child, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"benchmark step failed:\n{done.stderr}")
    return done.stdout


def load_generated(repositories: int, organisations: int, home: Path, env: dict[str, str]) -> float:
    """Empty the database, then load the demo generator's data through the real import
    path (``load_demo``: the sources import and ``upsert_repositories``, then the index).

    Direct rather than ``communs demo``, which harvests its emulator: at a million
    repositories the benchmark measures queries, not a harvest. Returns the load's seconds.
    """
    run_communs("migrate", "--no-input", home=home, env=env)
    run_communs("flush", "--no-input", home=home, env=env)
    script = (
        "import django, pathlib; django.setup()\n"
        "from communs.demo.generator import generate\n"
        "from communs.demo.management.commands.demo import load_demo\n"
        f"load_demo(generate(organisations={organisations}, repositories={repositories}),"
        f" pathlib.Path({str(home / 'sources')!r}))\n"
    )
    started = time.perf_counter()
    run_python(script, home, env)
    return time.perf_counter() - started


def add_database_arguments(parser: argparse.ArgumentParser, repeat: int) -> None:
    """The options of the benchmarks that measure generated data on both databases."""
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--organisations", type=int, default=1_500)
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument(
        "--home",
        type=Path,
        help="SQLite: load into this folder once, then reuse it (skip the load)",
    )
    parser.add_argument(
        "--backends",
        nargs="+",
        choices=["sqlite", "postgresql"],
        default=["sqlite", "postgresql"],
        help="which to measure (PostgreSQL only with COMMUNS_BENCH_DATABASE_URL)",
    )
    parser.add_argument(
        "--no-load",
        action="store_true",
        help="PostgreSQL: measure the data already in COMMUNS_BENCH_DATABASE_URL",
    )


Measurer = Callable[[str, int, Path, dict[str, str], int], None]


def each_database(args: argparse.Namespace, measure: Measurer) -> None:
    """For each size and backend asked for: load the generated data, then ``measure``
    (backend, size, COMMUNS_HOME, extra environment, repeat)."""
    postgresql = os.environ.get("COMMUNS_BENCH_DATABASE_URL", "")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="communs-bench-") as tmp:
            if "sqlite" in args.backends:
                home = args.home or Path(tmp) / "sqlite"
                # A --home folder is loaded once, the first time (it has no database).
                if args.home is None or not (home / "communs.sqlite3").exists():
                    home.mkdir(parents=True, exist_ok=True)
                    seconds = load_generated(size, args.organisations, home, {})
                    print(f"sqlite {size:,}: load {seconds:.1f} s", flush=True)
                measure("sqlite", size, home, {}, args.repeat)
            if postgresql and "postgresql" in args.backends:
                home = Path(tmp) / "postgresql"
                home.mkdir()
                env = {"COMMUNS_DATABASE_URL": postgresql}
                if not args.no_load:
                    seconds = load_generated(size, args.organisations, home, env)
                    print(f"postgresql {size:,}: load {seconds:.1f} s", flush=True)
                measure("postgresql", size, home, env, args.repeat)
