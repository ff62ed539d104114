"""Licence names as GitHub reports them → SPDX ids."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from communs.licences import GITHUB_LICENCES, NOASSERTION, spdx_id

# An SPDX licence id: letters, digits, dots, pluses and hyphens.
SPDX_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")


@pytest.mark.shared
def test_it_maps_every_licence_name_of_the_2021_snapshot(shared: Path) -> None:
    with (shared / "data/codegouvfr-2021/repositories.csv").open(encoding="utf-8") as handle:
        names = {row["license"] for row in csv.DictReader(handle)}
    assert len(names) > 20  # the file has two dozen distinct names: the test sees them
    unknown = sorted(name for name in names if spdx_id(name) is None)
    assert unknown == []
    for name in names - {"", "Other"}:
        assert SPDX_ID.fullmatch(spdx_id(name)), name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("MIT License", "MIT"),
        ("GNU Affero General Public License v3.0", "AGPL-3.0"),
        ("GNU General Public License v3.0", "GPL-3.0"),
        ("GNU Lesser General Public License v2.1", "LGPL-2.1"),
        ('BSD 3-Clause "New" or "Revised" License', "BSD-3-Clause"),
        ('BSD 2-Clause "Simplified" License', "BSD-2-Clause"),
        ("European Union Public License 1.2", "EUPL-1.2"),
        ("CeCILL Free Software License Agreement v2.1", "CECILL-2.1"),
        ("Creative Commons Zero v1.0 Universal", "CC0-1.0"),
        ("The Unlicense", "Unlicense"),
        ("Do What The Fuck You Want To Public License", "WTFPL"),
        ("Other", NOASSERTION),
        ("", ""),
        (None, ""),
    ],
)
def test_it_gives_the_id_github_gives(name: str | None, expected: str) -> None:
    assert spdx_id(name) == expected


def test_it_ignores_case_and_spacing_and_accepts_ids() -> None:
    assert spdx_id("  mit   license ") == "MIT"
    assert spdx_id("agpl-3.0") == "AGPL-3.0"
    assert spdx_id("Apache-2.0") == "Apache-2.0"


def test_it_returns_none_for_a_name_it_does_not_know() -> None:
    assert spdx_id("Licence du Pays de Cocagne") is None


def test_every_mapped_id_is_an_spdx_id() -> None:
    for title, spdx in GITHUB_LICENCES.items():
        assert spdx == NOASSERTION or SPDX_ID.fullmatch(spdx), title
