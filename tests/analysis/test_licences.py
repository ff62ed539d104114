"""Licence detection on real licence texts, from the SPDX list data an installed package ships."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from communs.analysis import LicenseCache, analyse_tree, identify_text, license_mismatch
from communs.analysis.licensing import (
    french_public_sector,
    fsf_libre,
    normalise_expression,
    osi_approved,
)

# The most common licences of public code, with the French public sector's own.
COMMON = [
    "MIT", "Apache-2.0", "GPL-2.0-only", "GPL-3.0-only", "LGPL-2.1-only", "LGPL-3.0-only",
    "AGPL-3.0-only", "MPL-2.0", "EUPL-1.1", "EUPL-1.2", "CECILL-2.1", "CECILL-B", "CECILL-C",
    "etalab-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "Unlicense", "CC0-1.0", "EPL-1.0",
    "EPL-2.0", "Zlib", "BSL-1.0", "WTFPL", "CC-BY-4.0", "CC-BY-SA-4.0", "Artistic-2.0",
    "PostgreSQL", "OFL-1.1", "MIT-0", "0BSD", "LGPL-2.0-only", "AFL-3.0", "MS-PL",
    # The rest of the CeCILL family and of the BSD variants, older EUPL and MPL, CDDL.
    "CECILL-1.0", "CECILL-1.1", "CECILL-2.0", "BSD-4-Clause", "BSD-3-Clause-Clear",
    "EUPL-1.0", "MPL-1.1", "CDDL-1.0",
]  # fmt: skip

Tree = Callable[[dict[str, str | bytes]], Path]


def _or_later_notice(text: str) -> str:
    """The "or (at your option) any later version" notice of a GNU text's own appendix."""
    appendix = re.split(r"How to Apply These Terms", text, maxsplit=1)[1]
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", appendix)]
    return next(p for p in paragraphs if "any later version" in p)


@pytest.mark.parametrize("spdx", COMMON)
def test_it_recognises_each_common_licence_text(
    spdx: str, spdx_texts: dict[str, str], tree: Tree
) -> None:
    root = tree({"LICENSE": f"Copyright (c) 2024 Ville de Paris\n\n{spdx_texts[spdx]}"})

    analysis = analyse_tree(root, cache=LicenseCache())

    assert analysis.license.expression == spdx
    (found,) = analysis.license.files
    assert (found.path, found.method) == ("LICENSE", "text")
    assert found.confidence >= 0.8


@pytest.mark.parametrize("spdx", ["GPL-2.0", "GPL-3.0", "LGPL-2.1", "AGPL-3.0"])
def test_it_says_or_later_only_when_the_file_says_so(spdx: str, spdx_texts: dict[str, str]) -> None:
    text = spdx_texts[f"{spdx}-only"]
    notice = _or_later_notice(text)

    only, _, _, _ = identify_text(text, cache=LicenseCache())
    later, confidence, _, _ = identify_text(f"{notice}\n\n{text}", cache=LicenseCache())

    assert only == f"{spdx}-only"
    assert later == f"{spdx}-or-later"
    assert confidence >= 0.8


@pytest.mark.parametrize(
    "text",
    [
        "# Outil de gestion\n\nInstallez avec `pip install outil`, puis lancez `outil serve`.\n"
        "Voir la documentation dans docs/.\n",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
        "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
        "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.\n" * 5,
        "Copyright 2024 Ministère de l'Intérieur. All rights reserved.\n",
        "",
    ],
    ids=["readme", "lorem-ipsum", "all-rights-reserved", "empty"],
)
def test_it_says_noassertion_for_what_is_no_licence(text: str, tree: Tree) -> None:
    root = tree({"LICENSE": text})

    analysis = analyse_tree(root, cache=LicenseCache())

    assert analysis.license.expression == "NOASSERTION"
    assert analysis.license.files[0].spdx == "NOASSERTION"
    assert analysis.license.osi_approved is None


def test_it_takes_an_spdx_identifier_line_at_its_word(tree: Tree) -> None:
    root = tree({"LICENCE.md": "Projet X\n\nSPDX-License-Identifier: gpl-3.0+ OR cecill-2.1\n"})

    (found,) = analyse_tree(root).license.files

    assert (found.spdx, found.method, found.confidence) == (
        "GPL-3.0-or-later OR CECILL-2.1",
        "spdx-identifier",
        1.0,
    )


def test_it_joins_several_licence_files_with_and(spdx_texts: dict[str, str], tree: Tree) -> None:
    root = tree(
        {
            "COPYING": spdx_texts["GPL-3.0-only"],
            "COPYING.LESSER": spdx_texts["LGPL-3.0-only"],
            "LICENSE-MIT": spdx_texts["MIT"],
            "docs/LICENSE": spdx_texts["Apache-2.0"],  # not where licences go: left out
        }
    )

    licence = analyse_tree(root, cache=LicenseCache()).license

    assert [item.path for item in licence.files] == ["COPYING", "COPYING.LESSER", "LICENSE-MIT"]
    assert licence.expression == "GPL-3.0-only AND LGPL-3.0-only AND MIT"
    assert licence.osi_approved is True


def test_it_reads_a_reuse_tree_licences_from_their_file_names(tree: Tree) -> None:
    root = tree({"LICENSES/EUPL-1.2.txt": "(text)", "LICENSES/CC0-1.0.txt": "(text)"})

    licence = analyse_tree(root).license

    assert licence.expression == "CC0-1.0 AND EUPL-1.2"
    assert {item.method for item in licence.files} == {"filename"}


@pytest.mark.parametrize(
    ("declared", "detected", "mismatch"),
    [
        ("GPL-3.0", "GPL-3.0-or-later", False),  # forges do not tell only from or-later
        ("mit", "MIT", False),
        ("MIT", "Apache-2.0", True),
        ("MIT AND Apache-2.0", "Apache-2.0 AND MIT", False),
        ("NOASSERTION", "MIT", None),
        ("", "MIT", None),
        ("MIT", "NOASSERTION", None),
    ],
)
def test_it_compares_the_forges_licence_with_the_detected_one(
    declared: str, detected: str, mismatch: bool | None
) -> None:
    assert license_mismatch(declared, detected) is mismatch


def test_it_reports_a_mismatch_in_the_analysis(spdx_texts: dict[str, str], tree: Tree) -> None:
    root = tree({"LICENSE": spdx_texts["EUPL-1.2"]})

    analysis = analyse_tree(root, declared_license="MIT", cache=LicenseCache())

    assert analysis.license_mismatch is True
    assert analysis.to_dict()["license"]["license_mismatch"] is True
    assert analysis.to_dict()["license"]["declared"] == "MIT"


def test_it_caches_verdicts_by_text_whatever_the_copyright_line(
    spdx_texts: dict[str, str],
) -> None:
    cache = LicenseCache()
    for holder in ("Ville de Lyon", "DINUM", "Région Bretagne"):
        spdx, _, _, _ = identify_text(
            f"Copyright (c) 2023 {holder}\n\n{spdx_texts['MIT']}", cache=cache
        )
        assert spdx == "MIT"
    identify_text(spdx_texts["ISC"], cache=cache)

    assert (cache.hits, cache.misses) == (2, 2)
    assert cache.hit_rate == 0.5


def test_it_keeps_the_cache_within_its_size(spdx_texts: dict[str, str]) -> None:
    cache = LicenseCache(size=2)
    for spdx in ("MIT", "ISC", "Zlib"):
        identify_text(spdx_texts[spdx], cache=cache)
    identify_text(spdx_texts["MIT"], cache=cache)  # the oldest verdict was dropped

    assert (cache.hits, cache.misses) == (0, 4)


@pytest.mark.parametrize(
    ("expression", "osi", "fsf", "french"),
    [
        ("MIT", True, True, True),
        ("etalab-2.0", False, False, True),
        ("CECILL-B", False, True, True),
        ("CC-BY-NC-4.0", False, False, False),
        ("MIT OR CC-BY-NC-4.0", True, True, False),
        ("MIT AND CC-BY-NC-4.0", False, False, False),
    ],
)
def test_it_flags_approved_licences(expression: str, osi: bool, fsf: bool, french: bool) -> None:
    assert (osi_approved(expression), fsf_libre(expression)) == (osi, fsf)
    assert french_public_sector(expression) is french


def test_it_normalises_expressions_and_refuses_what_is_not_one() -> None:
    assert normalise_expression("gpl-2.0+ or mit") == "GPL-2.0-or-later OR MIT"
    assert normalise_expression("MIT AND MIT") == "MIT"
    assert normalise_expression("MIT AND LicenseRef-Ville") == "MIT AND LicenseRef-Ville"
    assert normalise_expression("MIT/Apache") is None
    assert normalise_expression("Made-Up-1.0") is None
