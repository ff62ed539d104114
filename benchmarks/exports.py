"""Load N generated repositories, then export them all as CSV and JSON.

Prints: load time and rows per second (the demo generator through the shared storage,
SQLite), and for each export format its wall time and the peak memory of the process
doing it. The export is streamed, so its memory should stay flat as N grows.

    .venv/bin/python benchmarks/exports.py --repositories 100000
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _common import run_communs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repositories", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, default=1_500)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="communs-bench-") as tmp:
        home = Path(tmp) / "demo"
        load = run_communs(
            "demo",
            "--no-serve",
            "--home",
            str(home),
            "--repositories",
            str(args.repositories),
            "--organisations",
            str(args.organisations),
            home=Path(tmp),
        )
        print(f"repositories: {args.repositories:,}")
        print(
            f"load (generate + import + store): {load.seconds:.1f} s, "
            f"{args.repositories / load.seconds:,.0f} repositories/s"
        )
        for fmt in ("csv", "json"):
            out = Path(tmp) / f"repositories.{fmt}"
            measure = run_communs(
                "export", "repositories", "--format", fmt, "--output", str(out), home=home
            )
            size = out.stat().st_size / 1e6
            print(
                f"export {fmt}: {measure.seconds:.1f} s, {size:,.0f} MB written, "
                f"peak memory {measure.peak_rss_mb:,.0f} MB"
            )


if __name__ == "__main__":
    main()
