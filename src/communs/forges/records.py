"""The one repository record that every forge adapter and every importer produces.

Adapters map each forge's JSON into :class:`RepositoryRecord`; importers map open-data
rows into it; storage (``communs.repositories.storage``) upserts it. Keeping the record
plain (no Django) lets the forge adapters and their tests run without a database.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime


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


RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(RepositoryRecord))
