"""Page server times: the public pages rendered in-process over N generated repositories.

Loads the demo generator's repositories (``load_demo``, as ``search.py`` does: into a
fresh SQLite folder, and with ``COMMUNS_BENCH_DATABASE_URL`` into PostgreSQL, emptied
first), then renders each page with Django's test client in one process (middleware,
views, queries and templates: everything but the network), and prints p50 and p95 in
milliseconds per page, three times:

- cold: every cache empty before each request: the whole-index figures never counted
  (``communs.figures``: after ``migrate`` or ``flush``, or indexing or a write that
  called no refresh) and the process's own cache empty (the search's filtered counts);
- after harvest: the figures as a harvest or an import leaves them (counted by
  ``refresh_figures``, the search's unfiltered counts included, as a new generation
  before each request), the process's own cache empty (a new generation makes its
  filtered counts unreachable);
- warm: every cache kept (every other visitor).

    .venv/bin/python benchmarks/pages.py                      # 100,000 on SQLite
    .venv/bin/python benchmarks/pages.py --home FOLDER       # reuse a loaded folder
    COMMUNS_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/communs_bench \\
        .venv/bin/python benchmarks/pages.py --backends postgresql [--no-load]

Target at 100,000 repositories: p95 <= 100 ms server time for the home and list pages.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _common import add_database_arguments, each_database, percentile, run_python

# (label, URL); "@ministry" is the key of the ministry with the most repositories.
PAGES: list[tuple[str, str]] = [
    ("home", "/"),
    ("repositories", "/repositories/"),
    ("repositories, words", "/repositories/?q=simulation"),
    ("repositories, filters", "/repositories/?language=Python&license=MIT&fork=exclude"),
    ("repositories, sort+page", "/repositories/?sort=stars&page=40"),
    ("repositories, htmx", "/repositories/?language=Python&sort=stars"),
    ("organisations", "/organisations/"),
    ("stats", "/stats/"),
    ("ministries", "/ministries/"),
    ("ministry", "/ministries/@ministry/"),
]
HTMX_PAGES = {"repositories, htmx"}
MODES = ("cold", "after harvest", "warm")


def run_pages(repeat: int) -> dict[str, dict[str, list[float]]]:
    """In a process whose settings point at the database to measure: time every page."""
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from communs import figures
    from communs.sources.models import Organisation
    from communs.web import queries

    if connection.vendor == "postgresql":
        # What autovacuum does soon after a load: without statistics the planner takes
        # a hundred thousand rows for fifty and picks plans that read them all.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    totals = queries.organisation_counts().total
    ministries = Organisation.objects.filter(level=Organisation.Level.MINISTRY)
    biggest = max(ministries, key=lambda m: (totals.get(m.pk, 0), m.key), default=None)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="fr")
    # What a harvest's refresh counts, counted once: each request "after harvest" gets it
    # as a new generation, as the first visitor after a harvest would.
    counted = figures.count_figures()
    samples: dict[str, dict[str, list[float]]] = {mode: {} for mode in MODES}
    for label, url in PAGES:
        url = url.replace("@ministry", biggest.key if biggest else "none")
        headers = {"HTTP_HX_REQUEST": "true"} if label in HTMX_PAGES else {}
        response = client.get(url, **headers)  # warm: database pages in memory
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        for mode in MODES:
            for _ in range(repeat):
                if mode == "cold":
                    cache.clear()
                    figures.forget_figures()
                elif mode == "after harvest":
                    cache.clear()
                    figures.store_figures(counted)
                started = time.perf_counter()
                client.get(url, **headers)
                samples[mode].setdefault(label, []).append((time.perf_counter() - started) * 1000)
    return samples


def measure(backend: str, size: int, home: Path, env: dict[str, str], repeat: int) -> None:
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        "from pages import run_pages\n"
        f"print(json.dumps(run_pages({repeat})))\n"
    )
    samples = json.loads(run_python(script, home, env))
    print(f"{backend} {size:,}: server time per page, ms ({repeat} runs each)", flush=True)
    print(f"  {'page':<26}" + "".join(f" {mode:>13} p50 {'p95':>5}" for mode in MODES))
    for label, _url in PAGES:
        figures = [
            f" {percentile(samples[mode][label], 0.5):17.1f}"
            f" {percentile(samples[mode][label], 0.95):5.0f}"
            for mode in MODES
        ]
        print(f"  {label:<26}" + "".join(figures), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser, repeat=20)
    each_database(parser.parse_args(), measure)


if __name__ == "__main__":
    main()
