"""Where a harvest of one forge stands, so that a new process can go on: pure data.

Each owner of a run moves through::

    start ──page──► listing (cursor: the URL of its next page) ──last page──► checking
      ▲                │                                                       │
      └── resumed ─ failed (reason) ◄─────────── any error ────────────────────┘
                                                                checked ──► done

``checking`` means every page is saved and the repositories the owner no longer lists
are being checked one by one. A run resumed after an interruption gives its failed
owners another try. Owners are keyed by their path in lowercase (forges treat owner
names case-insensitively); the whole instance of a forge is the owner ``""``.

The database keeps one row per owner and run (``OwnerProgress``), written in the same
transaction as the page it describes; :class:`HarvestState` is a snapshot of those rows
as the run is claimed. The URL that answered each owner's first page (a user's URL
rather than an organisation's) is kept across runs (``entries``), so that the next
harvest asks it directly, with its ETag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

# The cursor of an owner listed by GitHub GraphQL starts with this (a REST one is a URL).
GRAPHQL_CURSOR = "graphql:"


class Step(StrEnum):
    START = "start"  # list from the first page
    LISTING = "listing"  # list from the saved cursor
    CHECKING = "checking"  # every page saved: check the repositories no longer listed
    DONE = "done"
    FAILED = "failed"


def owner_key(owner: str) -> str:
    return owner.strip("/").lower()


@dataclass(frozen=True)
class OwnerState:
    """One owner's place in a run; each transition returns the next state."""

    step: Step = Step.START
    cursor: str = ""
    reason: str = ""

    def after_page(self, next_cursor: str | None) -> OwnerState:
        """A page was saved; ``next_cursor`` None means it was the last."""
        if next_cursor:
            return OwnerState(Step.LISTING, next_cursor)
        return OwnerState(Step.CHECKING)

    def after_check(self) -> OwnerState:
        return OwnerState(Step.DONE)

    def after_failure(self, reason: str) -> OwnerState:
        return OwnerState(Step.FAILED, reason=reason)

    def for_resumption(self) -> OwnerState:
        """A failed owner starts over when its interrupted run goes on."""
        return OwnerState() if self.step == Step.FAILED else self


@dataclass
class HarvestState:
    """A run's owners as claimed, and the forge's first-page URLs."""

    owners: dict[str, OwnerState] = field(default_factory=dict)
    entries: dict[str, str] = field(default_factory=dict)
    # Owner -> (fingerprint, when it was taken), for owners listed by GraphQL.
    fingerprints: dict[str, tuple[str, datetime]] = field(default_factory=dict)

    def of(self, owner: str) -> OwnerState:
        return self.owners.get(owner_key(owner), OwnerState())

    def step(self, owner: str) -> Step:
        return self.of(owner).step

    def cursor(self, owner: str) -> str | None:
        return self.of(owner).cursor or None

    def entry(self, owner: str) -> str | None:
        return self.entries.get(owner_key(owner)) or None

    def fingerprint(self, owner: str, fresh_since: datetime) -> str | None:
        """The owner's fingerprint if it was taken after ``fresh_since``."""
        found = self.fingerprints.get(owner_key(owner))
        return found[0] if found and found[1] >= fresh_since else None

    @property
    def done(self) -> list[str]:
        return [key for key, state in self.owners.items() if state.step == Step.DONE]
