"""What a source tree contains: files, licence, languages, dependencies, activity.

    from communs.analysis import analyse_tree
    analysis = analyse_tree(Path("checkout"), declared_license="MIT")
    analysis.license.expression, analysis.languages, analysis.to_dict()

:func:`analyse_tree` works on a local folder, a git checkout or an unpacked archive
(:func:`safe_extract` unpacks one without letting it escape or explode). It never
raises on a bad tree and stays within :class:`Limits`; the result says what it skipped
and why. Pure Python with no Django: the management command ``analyse_path`` is the
only Django part of this package.
"""

from __future__ import annotations

from communs.analysis.archives import ArchiveBomb, ArchiveError, Extraction, safe_extract
from communs.analysis.licensing import (
    DEFAULT_CACHE,
    NOASSERTION,
    LicenseCache,
    identify_text,
    license_mismatch,
)
from communs.analysis.limits import Limits
from communs.analysis.model import (
    FILE_KINDS,
    Activity,
    Analysis,
    Day,
    Dependency,
    DetectedLicense,
    LicenseFile,
    Reuse,
    SecretFinding,
    Skipped,
)
from communs.analysis.tree import analyse_tree

__all__ = [
    "DEFAULT_CACHE",
    "FILE_KINDS",
    "NOASSERTION",
    "Activity",
    "Analysis",
    "ArchiveBomb",
    "ArchiveError",
    "Day",
    "Dependency",
    "DetectedLicense",
    "Extraction",
    "LicenseCache",
    "LicenseFile",
    "Limits",
    "Reuse",
    "SecretFinding",
    "Skipped",
    "analyse_tree",
    "identify_text",
    "license_mismatch",
    "safe_extract",
]
