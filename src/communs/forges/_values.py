"""Small pure helpers shared by the mapping functions: forge JSON values into record values.

Forges write ``null`` where a text is empty, dates in several ISO 8601 spellings, and
counts that may be missing; records want ``""``, aware datetimes and ints.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def text(value: Any) -> str:
    """A string, ``""`` for null; surrounding blanks removed."""
    return "" if value is None else str(value).strip()


def count(value: Any) -> int:
    """A non-negative int, 0 when missing or not a number."""
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def moment(value: Any) -> datetime | None:
    """An aware datetime from ISO 8601 (``Z``, offsets, fractions) or epoch milliseconds."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        # Bitbucket Server writes epoch milliseconds.
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.year <= 1:
        # Gitea and Gogs write 0001-01-01 for "never".
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def nested(value: Any, *keys: str) -> str:
    """The text at ``keys`` down nested objects (``parent.links.html.href``); ``""`` when
    any step is missing, null or not an object."""
    for key in keys:
        if not isinstance(value, Mapping):
            return ""
        value = value.get(key)
    return text(value)


def strings(value: Any) -> list[str]:
    """A list of non-empty strings from a JSON list (topics, tags)."""
    if not isinstance(value, list):
        return []
    return [str(item).strip() for item in value if item is not None and str(item).strip()]


# GitLab (like GitHub) detects licences with licensee and reports its lowercase key;
# these are the SPDX ids GitHub gives for the same keys.
_LICENSEE_KEYS = {
    "0bsd": "0BSD",
    "afl-3.0": "AFL-3.0",
    "agpl-3.0": "AGPL-3.0",
    "apache-2.0": "Apache-2.0",
    "artistic-2.0": "Artistic-2.0",
    "bsd-2-clause": "BSD-2-Clause",
    "bsd-3-clause": "BSD-3-Clause",
    "bsd-3-clause-clear": "BSD-3-Clause-Clear",
    "bsl-1.0": "BSL-1.0",
    "cc-by-4.0": "CC-BY-4.0",
    "cc-by-sa-4.0": "CC-BY-SA-4.0",
    "cc0-1.0": "CC0-1.0",
    "cecill-2.1": "CECILL-2.1",
    "ecl-2.0": "ECL-2.0",
    "epl-1.0": "EPL-1.0",
    "epl-2.0": "EPL-2.0",
    "eupl-1.1": "EUPL-1.1",
    "eupl-1.2": "EUPL-1.2",
    "gpl-2.0": "GPL-2.0",
    "gpl-3.0": "GPL-3.0",
    "isc": "ISC",
    "lgpl-2.1": "LGPL-2.1",
    "lgpl-3.0": "LGPL-3.0",
    "lppl-1.3c": "LPPL-1.3c",
    "mit": "MIT",
    "mit-0": "MIT-0",
    "mpl-2.0": "MPL-2.0",
    "ms-pl": "MS-PL",
    "ms-rl": "MS-RL",
    "mulanpsl-2.0": "MulanPSL-2.0",
    "ncsa": "NCSA",
    "odbl-1.0": "ODbL-1.0",
    "ofl-1.1": "OFL-1.1",
    "osl-3.0": "OSL-3.0",
    "postgresql": "PostgreSQL",
    "unlicense": "Unlicense",
    "upl-1.0": "UPL-1.0",
    "vim": "Vim",
    "wtfpl": "WTFPL",
    "zlib": "Zlib",
}


def spdx_from_key(key: Any) -> str:
    """The SPDX id of a licensee key; ``NOASSERTION`` for "other" or a key we cannot name."""
    name = text(key).lower()
    if not name:
        return ""
    return _LICENSEE_KEYS.get(name, "NOASSERTION")
