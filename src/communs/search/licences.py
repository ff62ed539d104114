"""Which licences are free: approved by the OSI or listed as free by the FSF.

Pure Python, no Django. ``license-expression`` parses what a repository declares (an
SPDX expression, possibly with the older ids GitHub still sends, ``GPL-3.0`` for
``GPL-3.0-only``) into licence symbols; :data:`APPROVED` says which of those are free.
The package's own licence index classifies licences (permissive, copyleft…) but does not
carry the OSI and FSF flags, so the table below takes them from the SPDX licence list
(``isOsiApproved`` or ``isFsfLibre``), current ids only: parsing turns deprecated ids
into current ones first.

An expression is free when it leaves the user a free choice: ``A OR B`` when either
side is, ``A AND B`` when both are, ``A WITH exception`` when ``A`` is. ``NOASSERTION``,
``LicenseRef-…``, empty and unparseable text are not free (nobody could check them).
"""

from __future__ import annotations

from functools import lru_cache

# SPDX ids flagged isOsiApproved or isFsfLibre in the SPDX licence list.
APPROVED: frozenset[str] = frozenset(
    """
    0BSD AAL AFL-1.1 AFL-1.2 AFL-2.0 AFL-2.1 AFL-3.0 AGPL-3.0-only AGPL-3.0-or-later
    APL-1.0 APSL-1.0 APSL-1.1 APSL-1.2 APSL-2.0 Apache-1.0 Apache-1.1 Apache-2.0
    Artistic-1.0 Artistic-1.0-Perl Artistic-1.0-cl8 Artistic-2.0 BSD-1-Clause BSD-2-Clause
    BSD-2-Clause-Patent BSD-3-Clause BSD-3-Clause-Clear BSD-3-Clause-LBNL BSD-4-Clause
    BSL-1.0 BitTorrent-1.1 BlueOak-1.0.0 CAL-1.0 CAL-1.0-Combined-Work-Exception CATOSL-1.1
    CC-BY-4.0 CC-BY-SA-4.0 CC0-1.0 CDDL-1.0 CECILL-2.0 CECILL-2.1 CECILL-B CECILL-C
    CERN-OHL-P-2.0 CERN-OHL-S-2.0 CERN-OHL-W-2.0 CNRI-Python ClArtistic CPAL-1.0 CPL-1.0
    CUA-OPL-1.0 ECL-1.0 ECL-2.0 EFL-1.0 EFL-2.0 EPL-1.0 EPL-2.0 EUDatagrid EUPL-1.1 EUPL-1.2
    Entessa FSFAP FTL FreeBSD-DOC Frameworx-1.0 GFDL-1.1-only GFDL-1.1-or-later GFDL-1.2-only
    GFDL-1.2-or-later GFDL-1.3-only GFDL-1.3-or-later GPL-2.0-only GPL-2.0-or-later
    GPL-3.0-only GPL-3.0-or-later HPND IJG IPA IPL-1.0 ISC Imlib2 Intel LGPL-2.1-only
    LGPL-2.1-or-later LGPL-3.0-only LGPL-3.0-or-later LPL-1.0 LPL-1.02 LPPL-1.2 LPPL-1.3a
    LPPL-1.3c LiLiQ-P-1.1 LiLiQ-R-1.1 LiLiQ-Rplus-1.1 MIT MIT-0 MIT-Modern-Variant MPL-1.0
    MPL-1.1 MPL-2.0 MPL-2.0-no-copyleft-exception MS-PL MS-RL MirOS Motosoto MulanPSL-2.0
    Multics NASA-1.3 NCSA NGPL NOSL NPL-1.0 NPL-1.1 NPOSL-3.0 NTP Naumen Nokia OCLC-2.0
    ODbL-1.0 OFL-1.0 OFL-1.1 OFL-1.1-RFN OFL-1.1-no-RFN OGTSL OLDAP-2.3 OLDAP-2.7 OLDAP-2.8
    OLFL-1.3 OSET-PL-2.1 OSL-1.0 OSL-1.1 OSL-2.0 OSL-2.1 OSL-3.0 OpenSSL PHP-3.0 PHP-3.01
    PostgreSQL Python-2.0 Python-2.0.1 QPL-1.0 RPL-1.1 RPL-1.5 RPSL-1.0 RSCPL Ruby SGI-B-2.0
    SISSL SMLNJ SPL-1.0 SimPL-2.0 Sleepycat UCL-1.0 UPL-1.0 Unicode-DFS-2015
    Unicode-DFS-2016 Unlicense VSL-1.0 Vim W3C W3C-20150513 WTFPL Watcom-1.0 X11 XFree86-1.1
    YPL-1.1 ZPL-2.0 ZPL-2.1 Zend-2.0 Zimbra-1.3 Zlib eCos-2.0 gnuplot iMatix xinetd
    """.split()  # noqa: SIM905 - a list literal would take 200 lines
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
