"""The one repository record that every forge adapter and every importer produces.

Adapters map each forge's JSON into :class:`RepositoryRecord`; importers map open-data
rows into it; storage (``communs.repositories.storage``) upserts it. Keeping the record
plain (no Django) lets the forge adapters and their tests run without a database.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

# The longest web address stored (``Repository.url`` and ``fork_parent_url``).
MAX_URL = 600


@dataclass(slots=True)
class RepositoryRecord:
    """What Communs knows about one repository at one moment, from one forge."""

    # The path on the forge with its groups: "group/sub/name".
    full_path: str
    url: str
    # The forge's own id; None when the source does not give one (old open data).
    native_id: str | None = None
    name: str = ""
    description: str = ""
    default_branch: str = ""
    is_fork: bool | None = None
    # The web address of the repository a fork was copied from (see normal_url); blank
    # when the answer does not name it, which a listing often does not (GitHub REST).
    fork_parent_url: str = ""
    is_archived: bool = False
    is_template: bool = False
    homepage: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    pushed_at: datetime | None = None
    stars: int = 0
    forks: int = 0
    watchers: int = 0
    open_issues: int = 0
    license: str = ""
    language: str = ""
    languages: dict[str, int] = field(default_factory=dict)
    topics: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.full_path = self.full_path.strip("/")
        if not self.name:
            self.name = self.full_path.rsplit("/", 1)[-1]
        parent = normal_url(self.fork_parent_url)
        # Longer than the stored column (600) is no forge's repository address: dropped
        # rather than failing the page's whole INSERT on PostgreSQL.
        self.fork_parent_url = parent if len(parent) <= MAX_URL else ""

    @property
    def owner(self) -> str:
        """The owner path: everything before the last slash ("group/sub" for "group/sub/name")."""
        return self.full_path.rsplit("/", 1)[0] if "/" in self.full_path else ""

    def stored_fields(self) -> dict[str, object]:
        """The record as model field values (every field but the identity ones)."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in {"native_id", "full_path"}
        }


def normal_url(value: str | None) -> str:
    """A repository's web address as Communs compares it: no blanks, no trailing slash
    or ``.git``, scheme and host lower-cased (the path keeps its case); ``""`` for
    anything that is not an http(s) address."""
    trimmed = (value or "").strip().rstrip("/").removesuffix(".git").rstrip("/")
    try:
        parts = urlsplit(trimmed)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(RepositoryRecord))
