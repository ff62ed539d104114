"""Agreement with the reference validator on its own fixtures, and the vocabularies.

The suite in ``shared/conformance/publiccode`` is read in place. Network checks are off:
results the reference only gives with network on are dropped and the verdict recomputed,
as the suite's README says. The Italian iPA codes are not bundled (see docs/publiccode.md):
the two fixtures that need the list to refuse an unknown code are the expected misses.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from communs.publiccode import ERROR, validate, vocabularies
from communs.publiccode.oembed import SCHEMES

LEVELS = ("same verdict", "same (level, key)", "same line and column", "same description")
BARS = {"same verdict": 0.99, "same (level, key)": 0.98, "same line and column": 0.95}


def verdict(results: list[tuple]) -> str:
    if any(level == ERROR for level, *_ in results):
        return "invalid"
    return "valid_with_warnings" if results else "valid"


def agreement(suite: Path, ipa_codes: frozenset[str] | None = None) -> tuple[Counter, dict]:
    expected = json.loads((suite / "expected.json").read_text())
    agree: Counter[str] = Counter()
    differing: dict[str, list[str]] = {}
    for name, entry in expected.items():
        path = suite / name
        report = validate(path.read_bytes(), base_url=str(path.parent), ipa_codes=ipa_codes)
        want = [
            (
                r["level"],
                r["key"],
                r["line"],
                r["column"],
                r["description"].replace("{cwd}", str(suite)),
            )
            for r in entry["results"]
            if not r["needs_network"]
        ]
        got = [(r.level, r.key, r.line, r.column, r.description) for r in report.results]
        same = {
            "same verdict": verdict(want) == verdict(got),
            "same (level, key)": Counter(w[:2] for w in want) == Counter(g[:2] for g in got),
            "same line and column": Counter(w[:4] for w in want) == Counter(g[:4] for g in got),
            "same description": Counter(want) == Counter(got),
        }
        agree.update(level for level, ok in same.items() if ok)
        failed = [level for level in LEVELS if not same[level]]
        if failed:
            differing[name] = failed
    return agree, differing


@pytest.mark.shared
def test_it_agrees_with_the_reference_on_its_fixtures(shared: Path) -> None:
    suite = shared / "conformance/publiccode"
    agree, differing = agreement(suite)
    total = len(json.loads((suite / "expected.json").read_text()))
    for level in LEVELS:
        print(f"{level}: {agree[level]}/{total} ({agree[level] / total:.1%})")
    for name, failed in sorted(differing.items()):
        print(f"differs: {name} ({', '.join(failed)})")
    below = [level for level, bar in BARS.items() if agree[level] < bar * total]
    assert not below, f"under the bar for {below}; files that differ: {sorted(differing)}"


@pytest.mark.shared
def test_it_agrees_on_every_fixture_when_given_the_ipa_codes(shared: Path) -> None:
    # The only misses left by the bundled rules come from the iPA list: with it, none.
    suite = shared / "conformance/publiccode"
    codes = (suite / "parser-data/ipa_codes.txt").read_text().split()
    agree, differing = agreement(suite, frozenset(codes))
    assert differing == {}


@pytest.mark.shared
def test_it_has_the_reference_vocabularies(shared: Path) -> None:
    data = shared / "conformance/publiccode/parser-data"
    reference = json.loads((data / "vocabularies.json").read_text())
    assert set(reference["categories_v0"]) == vocabularies.CATEGORIES
    assert set(reference["scopes_v0"]) == vocabularies.SCOPES
    assert set(reference["supports_aliases"]) == vocabularies.SUPPORTS_ALIASES
    assert list(SCHEMES) == json.loads((data / "oembed_schemes.json").read_text())
