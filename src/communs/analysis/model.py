"""What an analysis finds, as plain dataclasses that turn into JSON with ``to_dict()``.

Paths are relative to the analysed folder, with forward slashes; a name that is not
valid UTF-8 shows its undecodable bytes as U+FFFD, so every result can be printed and
stored as JSON. Nothing here holds a secret's value: a secret finding names the file,
the line and the kind of secret only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# The kinds of community files, in the order pages list them.
FILE_KINDS: tuple[str, ...] = (
    "readme",
    "license",
    "contributing",
    "changelog",
    "code_of_conduct",
    "security",
    "governance",
    "roadmap",
    "authors",
    "publiccode",
    "codemeta",
)


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something the analysis left out or cut short, and why (a sentence for people)."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class LicenseFile:
    """What one licence file says.

    ``spdx`` is an SPDX expression, or ``NOASSERTION`` when the text matches no licence
    well enough. ``method`` tells how: ``spdx-identifier`` (an
    ``SPDX-License-Identifier:`` line in the file), ``text`` (the whole text matched by
    askalono; ``confidence`` is its score, 0–1), ``filename`` (a REUSE ``LICENSES/ID.txt``
    name), or ``none``. ``candidate`` is askalono's best guess even when too weak to
    count; ``truncated`` when the file was longer than the bound and only its start read.
    """

    path: str
    spdx: str
    confidence: float
    method: str
    candidate: str = ""
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "spdx": self.spdx,
            "confidence": round(self.confidence, 4),
            "method": self.method,
            "candidate": self.candidate,
            "truncated": self.truncated,
        }


@dataclass(frozen=True, slots=True)
class DetectedLicense:
    """The licence of the tree: every licence file's finding joined with ``AND``.

    ``expression`` is ``""`` when the tree has no licence file and ``NOASSERTION`` when
    it has some but none is recognised. ``osi_approved`` and ``fsf_libre`` follow the
    SPDX licence list (``AND`` needs every part approved, ``OR`` one); None when there
    is no expression. ``declared`` is the forge's licence when the caller gave it, and
    ``mismatch`` whether the two differ (None when either is unknown).
    """

    expression: str = ""
    files: tuple[LicenseFile, ...] = ()
    osi_approved: bool | None = None
    fsf_libre: bool | None = None
    declared: str | None = None
    mismatch: bool | None = None

    @property
    def known(self) -> bool:
        return bool(self.expression) and self.expression != "NOASSERTION"

    def to_dict(self) -> dict[str, Any]:
        return {
            "expression": self.expression,
            "files": [item.to_dict() for item in self.files],
            "osi_approved": self.osi_approved,
            "fsf_libre": self.fsf_libre,
            "declared": self.declared,
            "license_mismatch": self.mismatch,
        }


@dataclass(frozen=True, slots=True)
class Reuse:
    """REUSE compliance: licence information for every file.

    A file is *covered* when its first lines carry ``SPDX-License-Identifier:``, when a
    ``FILE.license`` sidecar sits next to it, or when a ``REUSE.toml`` annotation or a
    ``.reuse/dep5`` paragraph names it. ``compliant`` needs a ``LICENSES/`` folder and
    every considered file covered; vendored and generated files, licence files and the
    REUSE files themselves are not considered.
    """

    licenses_folder: bool = False
    dep5: bool = False
    reuse_toml: bool = False
    files_considered: int = 0
    files_with_header: int = 0
    files_covered: int = 0
    uncovered: tuple[str, ...] = ()

    @property
    def header_share(self) -> float:
        return self.files_with_header / self.files_considered if self.files_considered else 0.0

    @property
    def compliant(self) -> bool:
        return (
            self.licenses_folder
            and self.files_considered > 0
            and self.files_covered == self.files_considered
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "licenses_folder": self.licenses_folder,
            "dep5": self.dep5,
            "reuse_toml": self.reuse_toml,
            "files_considered": self.files_considered,
            "files_with_header": self.files_with_header,
            "files_covered": self.files_covered,
            "header_share": round(self.header_share, 4),
            "compliant": self.compliant,
            "uncovered": list(self.uncovered),
        }


@dataclass(frozen=True, slots=True)
class Dependency:
    """One declared dependency: its package URL (no version unless pinned exactly).

    ``constraint`` is the manifest's own version text (``^4.19.2``, ``>=2.31``,
    ``[1.0,2.0)``), empty when none; ``scope`` is ``runtime``, ``dev`` (development and
    tests), ``build`` (build-time only) or ``optional``; ``manifest`` the file it came from.
    """

    purl: str
    ecosystem: str
    name: str
    constraint: str
    scope: str
    manifest: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "purl": self.purl,
            "ecosystem": self.ecosystem,
            "name": self.name,
            "constraint": self.constraint,
            "scope": self.scope,
            "manifest": self.manifest,
        }


@dataclass(frozen=True, slots=True)
class Day:
    """One day of the vitality window: ``offset`` days before the analysis.

    ``commits`` and ``merges`` were authored that calendar day (UTC), ``tags`` point at
    commits authored that day, and ``authors_before`` counts the distinct author emails
    of every commit authored before the day's cutoff (``now - offset`` days), as
    Developers Italia's crawler counts its user community.
    """

    offset: int
    commits: int = 0
    merges: int = 0
    tags: int = 0
    authors_before: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "offset": self.offset,
            "commits": self.commits,
            "merges": self.merges,
            "tags": self.tags,
            "authors_before": self.authors_before,
        }


@dataclass(frozen=True, slots=True)
class Activity:
    """What the history of a git checkout says, measured at ``now``.

    Counts cover the last 60 days and the last 365 days (commits include merges;
    ``authors_*`` are distinct author emails; tags are dated by their commit). ``days``
    holds the 60 days of the window, most recent first, for the vitality index.
    ``truncated`` when the history had more than ``Limits.max_commits`` commits to read,
    or when the checkout is a shallow clone (its history stops at the clone's depth).
    """

    now: datetime
    first_commit_at: datetime | None = None
    last_commit_at: datetime | None = None
    commits_60d: int = 0
    merges_60d: int = 0
    authors_60d: int = 0
    tags_60d: int = 0
    commits_365d: int = 0
    authors_365d: int = 0
    tags_365d: int = 0
    days: tuple[Day, ...] = ()
    truncated: bool = False

    @property
    def age_days(self) -> float | None:
        if self.first_commit_at is None:
            return None
        return max((self.now - self.first_commit_at).total_seconds() / 86400, 0.0)

    def to_dict(self) -> dict[str, Any]:
        age = self.age_days
        return {
            "now": self.now.isoformat(),
            "first_commit_at": self.first_commit_at.isoformat() if self.first_commit_at else None,
            "last_commit_at": self.last_commit_at.isoformat() if self.last_commit_at else None,
            "age_days": round(age, 2) if age is not None else None,
            "commits_60d": self.commits_60d,
            "merges_60d": self.merges_60d,
            "authors_60d": self.authors_60d,
            "tags_60d": self.tags_60d,
            "commits_365d": self.commits_365d,
            "authors_365d": self.authors_365d,
            "tags_365d": self.tags_365d,
            "days": [day.to_dict() for day in self.days],
            "truncated": self.truncated,
        }


@dataclass(frozen=True, slots=True)
class SecretFinding:
    """A committed secret: where it is and what kind. Never the value itself."""

    path: str
    line: int
    kind: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "kind": self.kind}


@dataclass(slots=True)
class Stats:
    files: int = 0
    folders: int = 0
    text_files: int = 0
    binary_files: int = 0
    vendored_files: int = 0
    bytes_read: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "folders": self.folders,
            "text_files": self.text_files,
            "binary_files": self.binary_files,
            "vendored_files": self.vendored_files,
            "bytes_read": self.bytes_read,
            "milliseconds": round(self.seconds * 1000, 2),
        }


@dataclass(slots=True)
class Analysis:
    """Everything :func:`~communs.analysis.analyse_tree` learnt about one source tree.

    ``files`` maps each kind of :data:`FILE_KINDS` to the paths found (root first);
    ``languages`` maps a language to its bytes, largest first; ``activity`` is None for
    a folder that is not a git checkout. ``reason`` is None for a complete analysis and
    otherwise says why it is empty or partial (not a folder, empty, binary only, a bound
    reached); ``skipped`` lists what was left out or cut, ``skipped_more`` how many more
    entries did not fit in the list.
    """

    root: str
    files: dict[str, list[str]] = field(default_factory=dict)
    license: DetectedLicense = field(default_factory=DetectedLicense)
    reuse: Reuse = field(default_factory=Reuse)
    languages: dict[str, int] = field(default_factory=dict)
    dependencies: list[Dependency] = field(default_factory=list)
    activity: Activity | None = None
    secrets: list[SecretFinding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    skipped_more: int = 0
    reason: str | None = None
    stats: Stats = field(default_factory=Stats)

    def has(self, kind: str) -> bool:
        """Whether a community file of ``kind`` (one of :data:`FILE_KINDS`) was found."""
        return bool(self.files.get(kind))

    @property
    def license_mismatch(self) -> bool | None:
        return self.license.mismatch

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "reason": self.reason,
            "files": {kind: list(self.files.get(kind, [])) for kind in FILE_KINDS},
            "license": self.license.to_dict(),
            "reuse": self.reuse.to_dict(),
            "languages": dict(self.languages),
            "dependencies": [dependency.to_dict() for dependency in self.dependencies],
            "activity": self.activity.to_dict() if self.activity else None,
            "secrets": [secret.to_dict() for secret in self.secrets],
            "skipped": [item.to_dict() for item in self.skipped],
            "skipped_more": self.skipped_more,
            "stats": self.stats.to_dict(),
        }
