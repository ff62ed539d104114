"""Which record fields a listing leaves out, so that it never blanks what is stored.

Adapters map every answer into the same :class:`RepositoryRecord`, and a field the
answer does not carry gets its blank value (None, "", 0, False, empty). Some answers
carry fewer fields than others: GitHub's ``/repositories`` items have no stars, dates or
licence; GitHub listings lack ``subscribers_count`` (watchers), which only a single
repository's answer gives; GitLab gives the licence only for one project
(``?license=true``); some Bitbucket Cloud pages are cut to a few fields; and only
GitHub's GraphQL gives bytes per language. Storing such a record as it is would wipe
what a richer answer stored before.

The rule (see ``keep_when_blank`` in :func:`communs.repositories.storage.upsert_repositories`):
for the fields listed here, a blank value keeps the stored one. The price: such a field
emptied on the forge (a licence removed from a GitLab project) stays until a richer
answer says so. Fields that are None when unknown (dates, ``is_fork``) are kept for
every answer, since None never means "emptied". So is a fork's parent
(``fork_parent_url``): GitHub's REST listings and GitLab's GraphQL say only that a
repository is a fork, not of what; storage empties it only when a record says the
repository is not a fork (``is_fork`` False).

This is knowledge about forges; it belongs with the adapters (an ``Adapter`` attribute
naming what each listing omits) and should move there when they grow one.
"""

from __future__ import annotations

# None means "not said" for these, whatever the answer.
UNKNOWN_WHEN_NONE: frozenset[str] = frozenset({"is_fork", "created_at", "updated_at", "pushed_at"})
# Only GitHub's GraphQL (the enrichment) gives bytes per language; no listing does.
ONLY_ENRICHED: frozenset[str] = frozenset({"languages"})
# Named by some answers only (single fetches, GitHub GraphQL, Gitea, GitLab with a token).
NOT_ALWAYS_NAMED: frozenset[str] = frozenset({"fork_parent_url"})
ALWAYS_KEPT: frozenset[str] = UNKNOWN_WHEN_NONE | ONLY_ENRICHED | NOT_ALWAYS_NAMED

_GITHUB_SHORT_ITEM = frozenset(
    {
        "default_branch",
        "is_archived",
        "is_template",
        "homepage",
        "stars",
        "forks",
        "watchers",
        "open_issues",
        "license",
        "language",
        "topics",
    }
)
_BITBUCKET_TRIMMED = frozenset({"description", "default_branch", "homepage", "language"})

# (adapter kind, contract method) -> fields that answer does not carry.
LISTING_GAPS: dict[tuple[str, str], frozenset[str]] = {
    ("github", "list_owner"): frozenset({"watchers"}),
    ("github", "list_instance"): _GITHUB_SHORT_ITEM,
    ("gitlab", "list_owner"): frozenset({"license"}),
    ("gitlab", "list_instance"): frozenset({"license"}),
    ("bitbucket", "list_owner"): _BITBUCKET_TRIMMED,
    ("bitbucket", "list_instance"): _BITBUCKET_TRIMMED,
}

# Listings whose items are too short to tell whether a repository changed: each listed
# repository is fetched on its own (a conditional request, free when nothing changed).
COMPLETED_BY_FETCH: frozenset[tuple[str, str]] = frozenset({("github", "list_instance")})


def kept_fields(adapter_kind: str, method: str) -> frozenset[str]:
    """Fields whose blank value in an answer of ``method`` must not replace a stored one."""
    return ALWAYS_KEPT | LISTING_GAPS.get((adapter_kind, method), frozenset())
