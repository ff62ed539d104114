"""Validate the whole publiccode.yml conformance suite, and print files per second.

Prints: the number of files, the wall time of the best of ``--rounds`` passes over the
suite (network checks off, as in the conformance test) and files per second (the target
is 200 or more). The suite is read in place from ../shared.

    .venv/bin/python benchmarks/publiccode.py --rounds 5
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from communs.publiccode import validate

SUITE = Path(__file__).resolve().parents[2] / "shared/conformance/publiccode/testdata"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=SUITE)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    files = [(path.read_bytes(), str(path.parent)) for path in sorted(args.suite.rglob("*.yml"))]
    if not files:
        raise SystemExit(f"no publiccode.yml files under {args.suite}")
    # One pass first so that the vocabularies and the language registry are loaded.
    started = time.perf_counter()
    for data, base in files:
        validate(data, base_url=base)
    first = time.perf_counter() - started
    best = first
    for _ in range(args.rounds):
        started = time.perf_counter()
        for data, base in files:
            validate(data, base_url=base)
        best = min(best, time.perf_counter() - started)
    print(f"files: {len(files)}")
    print(f"first pass (loading the registries): {first:.2f} s")
    print(f"best pass: {best:.3f} s, {len(files) / best:,.0f} files/s")
    # The slowest hostile inputs of tests/publiccode/test_bad_input.py: each must give an
    # error result within a second.
    hostile = {
        "many values": b"a: [" + b"1, " * 200_000 + b"1]\n",
        "huge key count": b"".join(b"k%d: v\n" % i for i in range(60_000)),
        "10 MB": b"name: " + b"x" * (10 * 1024 * 1024) + b"\n",
        "deep flow nesting": b"publiccodeYmlVersion: " + b"[" * 5000 + b"]" * 5000,
    }
    for name, data in hostile.items():
        started = time.perf_counter()
        report = validate(data)
        elapsed = time.perf_counter() - started
        print(f"hostile input {name!r}: {elapsed:.2f} s, valid={report.valid}")


if __name__ == "__main__":
    main()
