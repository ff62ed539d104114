"""Search latency: 50 fixed queries over N generated repositories, per backend and size.

For each size, loads the demo generator's repositories through the real import path
(``communs demo`` for SQLite; ``load_demo``, the same sources import and
``upsert_repositories``, into the database of ``COMMUNS_BENCH_DATABASE_URL`` for
PostgreSQL, emptied first), rebuilds the index (``communs search reindex``, timed),
then runs the queries (each once to warm up, then ``--repeat`` times, the cache emptied
before each: counts without words are cached for minutes in production, not here) and
prints p50 and p95 in milliseconds: over all queries, and per class of query, the
target's being words with three facet counts (language, licence, forge).

    .venv/bin/python benchmarks/search.py                      # 100,000 on SQLite
    .venv/bin/python benchmarks/search.py --sizes 100000 1000000
    COMMUNS_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/communs_bench \\
        .venv/bin/python benchmarks/search.py

Targets at 1,000,000 repositories: p95 <= 50 ms for words with three facet counts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import run_communs

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


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_queries(repeat: int) -> dict:
    """In a process whose settings point at the database to measure: time every query."""
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
    for kind, params, facets in QUERIES:
        params = {k: biggest if v == "@ministry" else v for k, v in params.items()}
        query = parse_params(params, facets=facets) if facets else parse_params(params)
        search_repositories(query)  # warm: database pages in memory
        for _ in range(repeat):
            # Cold counts: without words they are cached for minutes in production,
            # but a first visit pays them, and that is what is measured.
            cache.clear()
            started = time.perf_counter()
            search_repositories(query)
            samples.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    return samples


def load_postgresql(url: str, repositories: int, organisations: int, home: Path) -> float:
    """Empty the database, then load the demo data through the real import path."""
    env = {"COMMUNS_DATABASE_URL": url}
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
    _python(script, home, env)
    return time.perf_counter() - started


def _python(script: str, home: Path, env: dict[str, str]) -> str:
    child = {k: v for k, v in os.environ.items() if not k.startswith("COMMUNS_")}
    child.update({"COMMUNS_HOME": str(home), "DJANGO_SETTINGS_MODULE": "communs.settings", **env})
    done = subprocess.run(
        [sys.executable, "-c", script], env=child, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"benchmark step failed:\n{done.stderr}")
    return done.stdout


def measure(backend: str, size: int, home: Path, env: dict[str, str], repeat: int) -> None:
    reindex = run_communs("search", "reindex", home=home, env=env)
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        "from search import run_queries\n"
        f"print(json.dumps(run_queries({repeat})))\n"
    )
    samples: dict[str, list[float]] = json.loads(_python(script, home, env))
    every = [ms for values in samples.values() for ms in values]
    print(f"{backend} {size:,}: reindex {reindex.seconds:.1f} s", flush=True)
    print(
        f"  all 50 queries x{repeat}: p50 {percentile(every, 0.5):.1f} ms, "
        f"p95 {percentile(every, 0.95):.1f} ms"
    )
    for kind, values in samples.items():
        print(
            f"  {kind:<20} p50 {percentile(values, 0.5):7.1f} ms   "
            f"p95 {percentile(values, 0.95):7.1f} ms   ({len(values)} runs)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--organisations", type=int, default=1_500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--home", type=Path, help="reuse this demo folder (SQLite): skip the load")
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
    args = parser.parse_args()
    postgresql = os.environ.get("COMMUNS_BENCH_DATABASE_URL", "")

    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="communs-bench-") as tmp:
            home = args.home or Path(tmp) / "demo"
            if "sqlite" in args.backends:
                if args.home is None:
                    load = run_communs(
                        "demo",
                        "--no-serve",
                        "--home",
                        str(home),
                        "--repositories",
                        str(size),
                        "--organisations",
                        str(args.organisations),
                        home=Path(tmp),
                    )
                    print(f"sqlite {size:,}: load {load.seconds:.1f} s", flush=True)
                measure("sqlite", size, home, {}, args.repeat)
            if postgresql and "postgresql" in args.backends:
                pg_home = Path(tmp) / "postgresql"
                pg_home.mkdir()
                if not args.no_load:
                    seconds = load_postgresql(postgresql, size, args.organisations, pg_home)
                    print(f"postgresql {size:,}: load {seconds:.1f} s", flush=True)
                env = {"COMMUNS_DATABASE_URL": postgresql}
                measure("postgresql", size, pg_home, env, args.repeat)


if __name__ == "__main__":
    main()
