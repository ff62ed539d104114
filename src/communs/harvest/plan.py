"""What one forge's harvest lists, decided before any request: pure, no Django.

A forge dedicated to public code as a whole is listed whole (``list_instance``) when its
adapter can; otherwise, and for shared forges, its accounts are listed one by one
(``list_owner``), ignored ones left out. GitLab lists a group with its sub-groups, so a
listed sub-group whose parent is listed too is not listed twice. Repositories under an
ignored account (an ignored sub-group of a listed group, an ignored owner on a whole
forge) are out of scope: never stored, never checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from communs.harvest.state import owner_key

WHOLE_INSTANCE = ""
# Adapters whose owner listing includes the owner's sub-groups.
LISTS_SUBGROUPS = frozenset({"gitlab"})


@dataclass(frozen=True)
class AccountEntry:
    path: str
    ignored: bool


class AccountScope:
    """Tells which repository paths belong to an ignored account (longest owner prefix)."""

    def __init__(self, accounts: Iterable[AccountEntry]) -> None:
        self._ignored = {owner_key(a.path): a.ignored for a in accounts}

    def excludes(self, full_path: str) -> bool:
        parts = full_path.strip("/").lower().split("/")[:-1]
        while parts:
            ignored = self._ignored.get("/".join(parts))
            if ignored is not None:
                return ignored
            parts.pop()
        return False


@dataclass
class ForgePlan:
    """One forge's harvest: where it is, what to list, and what is out of scope."""

    forge_id: int
    host: str
    kind: str  # the adapter registry key ("github", "bitbucket-server"…)
    url: str
    api_url: str
    owners: list[str]  # owner paths, or [WHOLE_INSTANCE]
    scope: AccountScope
    only: list[str] | None = None
    # Why nothing can be listed (no owner, unsupported kind); the run fails with it.
    problem: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def whole(self) -> bool:
        return self.owners == [WHOLE_INSTANCE]


def owners_to_list(
    accounts: Sequence[AccountEntry],
    *,
    adapter_kind: str,
    whole: bool,
    only: Sequence[str] | None = None,
) -> list[str]:
    """The owners to list, in a stable order: ``[WHOLE_INSTANCE]`` or account paths.

    ``only`` narrows the harvest to those owners (a whole forge is then listed owner by
    owner too); ``whole`` says the forge is dedicated to public code and its adapter
    can list it whole.
    """
    if whole and only is None:
        return [WHOLE_INSTANCE]
    wanted = {owner_key(o) for o in only} if only is not None else None
    chosen = [
        a.path
        for a in accounts
        if not a.ignored and (wanted is None or owner_key(a.path) in wanted)
    ]
    if adapter_kind in LISTS_SUBGROUPS:
        keys = {owner_key(path) for path in chosen}
        chosen = [path for path in chosen if not _has_listed_ancestor(owner_key(path), keys)]
    return sorted(chosen, key=owner_key)


def _has_listed_ancestor(key: str, keys: set[str]) -> bool:
    parts = key.split("/")[:-1]
    while parts:
        if "/".join(parts) in keys:
            return True
        parts.pop()
    return False
