"""Search latency: 50 fixed queries over N generated repositories, per backend and size.

For each size, loads the demo generator's repositories through the real import path
(``load_demo``: the sources import and ``upsert_repositories``, into a fresh SQLite
folder, and into the database of ``COMMUNS_BENCH_DATABASE_URL`` for PostgreSQL,
emptied first), rebuilds the index (``communs search reindex``, timed),
then runs the queries (each once to warm up, then ``--repeat`` times, the cache emptied
before each: counts without words are cached for minutes in production, not here) and
prints p50 and p95 in milliseconds: over all queries, and per class of query, the
target's being words with three facet counts (language, licence, forge).

    .venv/bin/python benchmarks/search.py                      # 100,000 on SQLite
    .venv/bin/python benchmarks/search.py --sizes 100000 1000000
    COMMUNS_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/communs_bench \\
        .venv/bin/python benchmarks/search.py
    # again, on the data already loaded and indexed (a million rows take minutes):
    .venv/bin/python benchmarks/search.py --sizes 1000000 --home /tmp/x --no-load --no-reindex
    # only the target's class of query, with a per-query breakdown:
    .venv/bin/python benchmarks/search.py ... --classes "words+3 facets" --per-query

Targets at 1,000,000 repositories: p95 <= 50 ms for words with three facet counts.
"""

from __future__ import annotations

import argparse
import json
import time
from functools import partial
from pathlib import Path

from _common import (
    add_database_arguments,
    each_database,
    percentile,
    run_communs,
    run_python,
)

THREE = ("language", "license", "forge")
# (class, query-string parameters, facets: None for all). Organisation and ministry
# values name keys looked up at run time ("@ministry" is the biggest ministry's key).
QUERIES: list[tuple[str, dict[str, str], tuple[str, ...] | None]] = [
    *(
        ("words+3 facets", {"q": q}, THREE)
        for q in (
            "simulation",
            "école",
            "ecole",
            "santé",
            "données ouvertes",
            "carte interactive",
            "genome",
            "océans",
            "budget participatif",
            "moodle",
            "nextcloud",
            "jitsi",
            "transport public",
            "cadastre",
            "élections",
            "bibliotheque",
            "strasbourg",
            "toolkit analysis",
            "visualisation emploi",
            "simu",
            "carto",
            "reproducible code paper",
            "subventions",
            "climat",
            "xyzzy",
        )
    ),
    ("words+filters", {"q": "simulation", "language": "Python"}, THREE),
    ("words+filters", {"q": "carte", "license": "MIT", "fork": "exclude"}, THREE),
    ("words+filters", {"q": "ecole", "free": "1", "archived": "exclude"}, THREE),
    ("words+filters", {"q": "donnees", "pushed_within": "365"}, THREE),
    ("words+filters", {"q": "code", "ministry": "@ministry"}, THREE),
    ("words+filters", {"q": "outil", "language": "PHP", "license": "unknown"}, THREE),
    ("words+sort", {"q": "simulation", "sort": "stars"}, THREE),
    ("words+sort", {"q": "carte", "sort": "pushed"}, THREE),
    ("words+sort", {"q": "ecole", "sort": "name"}, THREE),
    ("words+sort", {"q": "budget", "sort": "created"}, THREE),
    ("words+all facets", {"q": "simulation"}, None),
    ("words+all facets", {"q": "école numérique"}, None),
    ("words+all facets", {"q": "jitsi", "fork": "only"}, None),
    ("filters+all facets", {"language": "Python"}, None),
    ("filters+all facets", {"license": "EUPL-1.2", "archived": "exclude"}, None),
    ("filters+all facets", {"ministry": "@ministry"}, None),
    ("filters+all facets", {"fork": "only", "free": "1"}, None),
    ("filters+all facets", {"pushed_within": "30"}, None),
    ("list", {}, None),
    ("list", {"sort": "stars"}, None),
    ("list", {"sort": "name", "page": "200"}, None),
    ("hostile", {"q": 'NEAR( "x" * AND OR -'}, THREE),
    ("hostile", {"q": "x" * 10_000}, THREE),
    ("hostile", {"q": "é" * 300 + " école"}, THREE),
    ("words+3 facets", {"q": "ressources humaines"}, THREE),
]
assert len(QUERIES) == 50


def _load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split(" ")[0]
    except OSError:
        return "?"


def run_queries(repeat: int, classes: list[str] | None = None) -> dict:
    """In a process whose settings point at the database to measure: time every query
    (of ``classes`` only, when given)."""
    import django

    django.setup()
    from django.core.cache import cache
    from django.db.models import Count

    from communs.search import parse_params, search_repositories
    from communs.sources.models import Organisation

    biggest = (
        Organisation.objects.filter(level="ministry")
        .annotate(n=Count("children"))
        .order_by("-n", "key")
        .values_list("key", flat=True)
        .first()
    ) or ""
    samples: dict[str, list[float]] = {}
    each: list[tuple[str, int, list[float]]] = []  # (query, matches, ms of each run)
    for kind, params, facets in QUERIES:
        if classes and kind not in classes:
            continue
        params = {k: biggest if v == "@ministry" else v for k, v in params.items()}
        query = parse_params(params, facets=facets) if facets else parse_params(params)
        total = search_repositories(query).total  # warm: database pages in memory
        each.append((f"{kind}: {params}", total, []))
        for _ in range(repeat):
            # Cold counts: without words they are cached for minutes in production,
            # but a first visit pays them, and that is what is measured.
            cache.clear()
            started = time.perf_counter()
            search_repositories(query)
            samples.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            each[-1][2].append(samples[kind][-1])
    return {"classes": samples, "queries": each}


def measure(
    backend: str,
    size: int,
    home: Path,
    env: dict[str, str],
    repeat: int,
    *,
    reindex: bool = True,
    classes: list[str] | None = None,
    per_query: bool = False,
    segment: bool = True,
    statements: bool = False,
) -> None:
    if reindex:
        # The reindex builds the word index's segment too.
        rebuilt = run_communs("search", "reindex", home=home, env=env)
        print(f"{backend} {size:,}: reindex {rebuilt.seconds:.1f} s", flush=True)
    elif segment:
        # Data kept from an earlier run: its schema brought up to date, a segment built.
        run_communs("migrate", "--no-input", home=home, env=env)
        built = run_communs("search", "segment", home=home, env=env)
        print(
            f"{backend} {size:,}: word index segment {built.seconds:.1f} s, "
            f"peak {built.peak_rss_mb:.0f} MB",
            flush=True,
        )
    if statements:
        env = {**env, "COMMUNS_SEARCH_WORD_INDEX": "false"}
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        "from search import run_queries\n"
        f"print(json.dumps(run_queries({repeat}, {classes!r})))\n"
    )
    before = _load_average()
    answer = json.loads(run_python(script, home, env))
    samples: dict[str, list[float]] = answer["classes"]
    every = [ms for values in samples.values() for ms in values]
    print(f"{backend} {size:,} (load average {before} before, {_load_average()} after)")
    print(
        f"  {'all 50' if not classes else 'these'} queries x{repeat}: "
        f"p50 {percentile(every, 0.5):.1f} ms, "
        f"p95 {percentile(every, 0.95):.1f} ms"
    )
    for kind, values in samples.items():
        print(
            f"  {kind:<20} p50 {percentile(values, 0.5):7.1f} ms   "
            f"p95 {percentile(values, 0.95):7.1f} ms   ({len(values)} runs)",
            flush=True,
        )
    if per_query:
        for label, total, runs in answer["queries"]:
            timed = " ".join(f"{ms:.0f}" for ms in runs)
            print(f"    {total:>9,} matches  {timed:<20} ms  {label[:70]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser, repeat=5)
    parser.add_argument(
        "--no-reindex",
        action="store_true",
        help="measure the index as it is (with --home or --no-load): skip the rebuild",
    )
    parser.add_argument(
        "--classes",
        nargs="+",
        choices=sorted({kind for kind, _, _ in QUERIES}),
        help="run only these classes of query (the target's: 'words+3 facets')",
    )
    parser.add_argument(
        "--per-query", action="store_true", help="also print each query's runs and matches"
    )
    parser.add_argument(
        "--no-segment",
        action="store_true",
        help="with --no-reindex: keep the word index's segment as it is",
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="measure without the word index (COMMUNS_SEARCH_WORD_INDEX=false)",
    )
    args = parser.parse_args()
    each_database(
        args,
        partial(
            measure,
            reindex=not args.no_reindex,
            classes=args.classes,
            per_query=args.per_query,
            segment=not args.no_segment,
            statements=args.statements,
        ),
    )


if __name__ == "__main__":
    main()
