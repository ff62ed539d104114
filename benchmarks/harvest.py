"""Harvest the forge emulator: a first harvest, two refreshes, and a first harvest under faults.

The emulator (`communs emulator serve`, its default world: GitHub-, GitLab- and
Gitea-shaped forges) runs in a child process; each harvest is `communs harvest` in a
child process against a fresh SQLite COMMUNS_HOME, after `communs migrate` and
`communs sources import` of the emulator's sources file. Prints, for

  (a) the first harvest, (b) a refresh with nothing changed, (c) a refresh after 1 % of
  the repositories were touched, (d) the first harvest again on a fresh database with a
  share of the requests faulted (`--faults`, default 10 %),

wall time, repositories per second, requests per 100 repositories (listing requests and
all, and listing requests per dialect), and the share of 304 answers, as the emulator
counted them. Then checks that (d)'s repository rows equal (a)'s (the JSON export,
volatile dates left out).

The sequence runs twice: anonymously (REST everywhere), then with a GitHub token for
the emulator (``COMMUNS_FORGE_TOKENS=127.0.0.1:PORT/github=…``, as a real harvest has
``COMMUNS_GITHUB_TOKENS``): GitHub owners are then listed by GraphQL, 50 a request with
their extras, and probed 250 a request on a refresh. The emulator serves every forge on
one host, so the token goes to its GitLab and Gitea forges too (they accept any token);
GitLab owners are listed by GraphQL either way, 4 namespaces a request anonymously and 5
with a token (GitLab's query complexity limits), by conditional GET (see docs/harvest.md).
``--token only`` or ``--token none`` runs one of the two.

    .venv/bin/python benchmarks/harvest.py --repositories 20000 --owners 1500
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _common import run_communs

# Dates that say when the harvest ran, not what it found.
VOLATILE = ("first_seen_at", "last_harvested_at")
# Emulator endpoints that list repositories (the rest: single repositories, owners,
# languages, archives).
LISTING_MARKS = ("list_", "projects", "search", "graphql")
SEED = 7


BENCH_TOKEN = "bench-token"  # noqa: S105 - the emulator accepts any token


def child_env(home: Path, token_for: str = "") -> dict[str, str]:
    """The environment of a child; ``token_for`` (an emulator URL) gives its GitHub a token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMUNS_")}
    env.update({"COMMUNS_HOME": str(home), "LANG": "C.UTF-8"})
    if token_for:
        address = urllib.parse.urlsplit(token_for).netloc
        env["COMMUNS_FORGE_TOKENS"] = f"{address}/github={BENCH_TOKEN}"
    return env


@contextmanager
def emulator(home: Path, repositories: int, owners: int, faults: float) -> Iterator[str]:
    """An emulator in a child process for the block; yields its base URL."""
    args = [
        sys.executable,
        "-m",
        "communs.cli",
        "emulator",
        "serve",
        "--port",
        "0",
        "--repositories",
        str(repositories),
        "--owners",
        str(owners),
        "--faults",
        str(faults),
        "--seed",
        str(SEED),
        # Faults retried at once: the benchmark measures the harvest, not the waits.
        "--retry-after",
        "0",
        "--slow",
        "0.2",
    ]
    process = subprocess.Popen(
        args, env=child_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        url = ""
        assert process.stdout is not None
        for line in process.stdout:
            if "Forge emulator at " in line:
                url = line.split("Forge emulator at ", 1)[1].strip()
                break
        if not url:
            raise SystemExit(f"the emulator did not start:\n{process.stderr.read()}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def control(url: str, action: str) -> dict[str, Any]:
    # The URL is the emulator's own http:// address, read from its output.
    with urllib.request.urlopen(f"{url}/_emulator/{action}", timeout=60) as answer:  # noqa: S310
        return json.loads(answer.read())


def prepare(home: Path, url: str) -> None:
    """A fresh database knowing the emulator's forges and owners."""
    home.mkdir(parents=True)
    sources = home / "sources.yml"
    sources_url = f"{url}/_emulator/sources.yml"
    with urllib.request.urlopen(sources_url, timeout=60) as answer:  # noqa: S310
        sources.write_bytes(answer.read())
    run_communs("migrate", home=home)
    run_communs("sources", "import", str(sources), home=home)


def harvest_step(label: str, home: Path, url: str, token: bool) -> dict[str, Any]:
    """Run `communs harvest` once; the emulator's counts for it and the wall time."""
    before = control(url, "stats")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "communs.cli", "harvest", "--no-progress"],
        env=child_env(home, url if token else ""),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    after = control(url, "stats")
    # Exit status 3: some forge failed; the figures still say what the harvest cost.
    if done.returncode not in (0, 3):
        raise SystemExit(f"harvest {label} failed ({done.returncode}):\n{done.stderr}")
    requests = after["requests"] - before["requests"]
    dialects: dict[str, int] = {}
    for name, count in after["endpoints"].items():
        if any(mark in name for mark in LISTING_MARKS):
            dialect = name.split(".", 1)[0]
            dialects[dialect] = dialects.get(dialect, 0) + count - before["endpoints"].get(name, 0)
    listing = sum(dialects.values())
    return {
        "label": label,
        "seconds": seconds,
        "requests": requests,
        "listing": listing,
        "dialects": dialects,
        "not_modified": after["not_modified"] - before["not_modified"],
        "faults": after["faults_injected"] - before["faults_injected"],
        "failed": done.returncode == 3,
        "stderr": done.stderr.strip(),
    }


def show(step: dict[str, Any], repositories: int) -> None:
    per = 100 / max(1, repositories)
    share = step["not_modified"] / max(1, step["requests"])
    line = (
        f"{step['label']}: {step['seconds']:.1f} s, "
        f"{repositories / step['seconds']:,.0f} repositories/s, "
        f"requests per 100 repositories {step['listing'] * per:.2f} listing, "
        f"{step['requests'] * per:.2f} total ({step['requests']:,} requests), "
        f"304s {share:.1%}"
    )
    if step["faults"]:
        line += f", {step['faults']:,} faults injected"
    print(line, flush=True)
    parts = ", ".join(f"{name} {count:,}" for name, count in sorted(step["dialects"].items()))
    print(f"  listing requests: {parts}", flush=True)
    if step["failed"]:
        print(f"  some forges failed: {step['stderr'].splitlines()[-1:]}", flush=True)


def export(home: Path, url: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Every repository row, keyed by forge and full name, volatile dates left out.

    The emulator's address (its port differs from one run to the next) is replaced by
    a placeholder, so that rows harvested from two emulators compare.
    """
    out = home / "repositories.json"
    run_communs("export", "repositories", "--format", "json", "--output", str(out), home=home)
    address = urllib.parse.urlsplit(url).netloc
    data = json.loads(out.read_text().replace(address, "emulator"))
    rows = data if isinstance(data, list) else data.get("repositories", data.get("results", []))
    result = {}
    for row in rows:
        kept = {k: v for k, v in row.items() if k not in VOLATILE}
        key = (str(row["forge"]), str(row["full_name"]))
        result[key] = kept
    return result


def sequence(root: Path, args: argparse.Namespace, token: bool) -> None:
    """(a) to (d), anonymously or with a GitHub token; prints each step's figures."""
    mode = "with a GitHub token" if token else "without a token"
    with emulator(root / "emulator-a", args.repositories, args.owners, 0.0) as url:
        home = root / "a"
        prepare(home, url)
        stored = control(url, "stats")["repositories"]
        print(
            f"{mode}: emulator with {stored:,} repositories, {args.owners:,} owners (about), "
            "GitHub-, GitLab- and Gitea-shaped forges (its default world)",
            flush=True,
        )
        first = harvest_step("(a) first harvest", home, url, token)
        show(first, stored)
        reference = export(home, url)
        show(harvest_step("(b) refresh, nothing changed", home, url, token), stored)
        touched = control(url, "touch?fraction=0.01&seed=1")["touched"]
        show(harvest_step(f"(c) refresh after touching {touched:,}", home, url, token), stored)
    with emulator(root / "emulator-d", args.repositories, args.owners, args.faults) as url:
        home = root / "d"
        prepare(home, url)
        label = f"(d) first harvest, {args.faults:.0%} faulted"
        show(harvest_step(label, home, url, token), stored)
        faulted = export(home, url)
    keys = reference.keys() | faulted.keys()
    differing = sum(1 for key in keys if reference.get(key) != faulted.get(key))
    print(f"repository rows: (a) {len(reference):,}, (d) {len(faulted):,}")
    print(f"identical: {'yes' if differing == 0 else 'no'} ({differing:,} differing)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repositories", type=int, default=20_000)
    parser.add_argument("--owners", type=int, default=1_500)
    parser.add_argument("--faults", type=float, default=0.10)
    parser.add_argument("--token", choices=("both", "only", "none"), default="both")
    args = parser.parse_args()
    modes = {"both": (False, True), "only": (True,), "none": (False,)}[args.token]
    with tempfile.TemporaryDirectory(prefix="communs-bench-") as tmp:
        for token in modes:
            sequence(Path(tmp) / ("token" if token else "anonymous"), args, token)


if __name__ == "__main__":
    main()
