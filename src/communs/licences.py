"""Licence names as forges report them, turned into SPDX identifiers.

GitHub names a detected licence with a title ("MIT License", "GNU Affero General Public
License v3.0") and an SPDX id; open data from code.gouv.fr kept only the title. This
module maps each title GitHub uses (and has used) back to the SPDX id GitHub itself
gives it. Those are the ids of the SPDX list GitHub follows, so the GPL family comes out
as "GPL-3.0" rather than "GPL-3.0-only". "Other" (a licence file GitHub could not
identify) becomes ``NOASSERTION``, as GitHub's API says.

Pure Python: no Django, importable on its own.
"""

from __future__ import annotations

NOASSERTION = "NOASSERTION"
"""The SPDX word for "there is a licence, but which one is not known"."""

# GitHub's licence titles (choosealicense.com, used by the licensee gem) → GitHub's spdx_id.
GITHUB_LICENCES: dict[str, str] = {
    "Academic Free License v3.0": "AFL-3.0",
    "Apache License 2.0": "Apache-2.0",
    "Artistic License 2.0": "Artistic-2.0",
    "Blue Oak Model License 1.0.0": "BlueOak-1.0.0",
    "Boost Software License 1.0": "BSL-1.0",
    'BSD 2-Clause "Simplified" License': "BSD-2-Clause",
    "BSD 2-Clause Plus Patent License": "BSD-2-Clause-Patent",
    "BSD-2-Clause Plus Patent License": "BSD-2-Clause-Patent",
    'BSD 3-Clause "New" or "Revised" License': "BSD-3-Clause",
    "BSD 3-Clause Clear License": "BSD-3-Clause-Clear",
    'BSD 4-Clause "Original" or "Old" License': "BSD-4-Clause",
    "BSD Zero Clause License": "0BSD",
    "CeCILL Free Software License Agreement v2.1": "CECILL-2.1",
    "CERN Open Hardware Licence Version 2 - Permissive": "CERN-OHL-P-2.0",
    "CERN Open Hardware Licence Version 2 - Strongly Reciprocal": "CERN-OHL-S-2.0",
    "CERN Open Hardware Licence Version 2 - Weakly Reciprocal": "CERN-OHL-W-2.0",
    "Creative Commons Attribution 4.0 International": "CC-BY-4.0",
    "Creative Commons Attribution Share Alike 4.0 International": "CC-BY-SA-4.0",
    "Creative Commons Zero v1.0 Universal": "CC0-1.0",
    # GitHub spelled this title out in full until 2022, then starred it.
    "Do What The Fuck You Want To Public License": "WTFPL",
    "Do What The F*ck You Want To Public License": "WTFPL",
    "Eclipse Public License 1.0": "EPL-1.0",
    "Eclipse Public License 2.0": "EPL-2.0",
    "Educational Community License v2.0": "ECL-2.0",
    "European Union Public License 1.1": "EUPL-1.1",
    "European Union Public License 1.2": "EUPL-1.2",
    "GNU Affero General Public License v3.0": "AGPL-3.0",
    "GNU Free Documentation License v1.3": "GFDL-1.3",
    "GNU General Public License v2.0": "GPL-2.0",
    "GNU General Public License v3.0": "GPL-3.0",
    "GNU Lesser General Public License v2.1": "LGPL-2.1",
    "GNU Lesser General Public License v3.0": "LGPL-3.0",
    "ISC License": "ISC",
    "LaTeX Project Public License v1.3c": "LPPL-1.3c",
    "Microsoft Public License": "MS-PL",
    "Microsoft Reciprocal License": "MS-RL",
    "MIT License": "MIT",
    "MIT No Attribution": "MIT-0",
    "Mozilla Public License 2.0": "MPL-2.0",
    "Mulan Permissive Software License, Version 2": "MulanPSL-2.0",
    "Open Data Commons Open Database License v1.0": "ODbL-1.0",
    "Open Software License 3.0": "OSL-3.0",
    "PostgreSQL License": "PostgreSQL",
    "SIL Open Font License 1.1": "OFL-1.1",
    "The Unlicense": "Unlicense",
    "Universal Permissive License v1.0": "UPL-1.0",
    "University of Illinois/NCSA Open Source License": "NCSA",
    "Vim License": "Vim",
    "zlib License": "Zlib",
    "Other": NOASSERTION,
}

_BY_TITLE = {title.casefold(): spdx for title, spdx in GITHUB_LICENCES.items()}
# A source may already give the id ("MIT", "agpl-3.0"): accept GitHub's ids in any case.
_BY_ID = {spdx.casefold(): spdx for spdx in GITHUB_LICENCES.values()}


def spdx_id(name: str | None) -> str | None:
    """The SPDX id for a licence title or id; ``""`` for no licence, None when unknown.

    Matching ignores case and surrounding spaces. An unknown name returns None so that
    the caller decides (an importer stores ``NOASSERTION`` and says which names it
    did not know) rather than this function guessing.
    """
    if name is None:
        return ""
    key = " ".join(name.split()).casefold()
    if not key:
        return ""
    return _BY_TITLE.get(key) or _BY_ID.get(key)
