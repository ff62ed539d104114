"""Helpers shared by the benchmark scripts: run a `communs` command and measure it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
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
