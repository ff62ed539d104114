"""GitHub GraphQL, pure: the enrichment query for many repositories, and its answer.

The REST listing lacks what the catalogue scores need (files at the root, bytes per
language, the latest release, real watchers). One GraphQL query asks for all of it for
a batch of repositories, each under an alias (``r0``, ``r1``…), so fifty repositories
cost one request instead of a hundred and fifty. Names travel as variables, never
pasted into the query, so no repository name can break it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from communs.forges._values import moment, text

_FRAGMENT = """
fragment Extras on Repository {
  nameWithOwner
  databaseId
  watchers { totalCount }
  languages(first: 100, orderBy: {field: SIZE, direction: DESC}) {
    edges { size node { name } }
  }
  latestRelease { tagName name publishedAt url }
  object(expression: "HEAD:") {
    ... on Tree { entries { name type } }
  }
}
"""


@dataclass(frozen=True)
class Release:
    tag: str
    name: str
    published_at: datetime | None
    url: str


@dataclass(frozen=True)
class RepositoryExtras:
    """What GraphQL adds to a repository record.

    ``root_files`` lists the names at the root of the default branch, directories with a
    trailing slash (``docs/``); ``languages`` maps a language to its bytes.
    """

    root_files: list[str] = field(default_factory=list)
    languages: dict[str, int] = field(default_factory=dict)
    latest_release: Release | None = None
    watchers: int = 0


def build_enrich_query(full_paths: Sequence[str]) -> tuple[str, dict[str, str]]:
    """The query and its variables for ``full_paths`` (``owner/name``), aliased ``r0…rN``."""
    declarations: list[str] = []
    selections: list[str] = []
    variables: dict[str, str] = {}
    for index, full_path in enumerate(full_paths):
        owner, _, name = full_path.partition("/")
        if not owner or not name:
            raise ValueError(f"not an owner/name path: {full_path!r}")
        declarations.append(f"$o{index}: String!, $n{index}: String!")
        selections.append(
            f"  r{index}: repository(owner: $o{index}, name: $n{index}) {{ ...Extras }}"
        )
        variables[f"o{index}"], variables[f"n{index}"] = owner, name
    header = f"query({', '.join(declarations)})" if declarations else "query"
    body = "\n".join(["  rateLimit { cost remaining resetAt }", *selections])
    return f"{header} {{\n{body}\n}}\n{_FRAGMENT}", variables


def is_rate_limited(answer: Mapping[str, Any]) -> bool:
    """Whether a GraphQL answer says the budget is spent (it comes with status 200)."""
    return any(
        isinstance(error, Mapping) and error.get("type") == "RATE_LIMITED"
        for error in answer.get("errors") or []
    )


def parse_enrich_response(
    answer: Mapping[str, Any], full_paths: Sequence[str]
) -> dict[str, RepositoryExtras | None]:
    """Aliases back to the paths asked for; a repository GitHub does not know maps to None.

    Raises ValueError when the answer has no ``data`` at all (the errors say why).
    """
    data = answer.get("data")
    if not isinstance(data, Mapping):
        messages = "; ".join(
            text(error.get("message")) for error in answer.get("errors") or [] if error
        )
        raise ValueError(f"GraphQL answered no data: {messages or 'no message'}")
    result: dict[str, RepositoryExtras | None] = {}
    for index, full_path in enumerate(full_paths):
        node = data.get(f"r{index}")
        result[full_path] = extras_from_node(node) if isinstance(node, Mapping) else None
    return result


def extras_from_node(node: Mapping[str, Any]) -> RepositoryExtras:
    """One aliased ``repository`` node as :class:`RepositoryExtras`."""
    tree = node.get("object") or {}
    root_files = [
        f"{entry['name']}/" if entry.get("type") == "tree" else entry["name"]
        for entry in tree.get("entries") or []
        if entry.get("name")
    ]
    languages = {
        edge["node"]["name"]: int(edge.get("size") or 0)
        for edge in (node.get("languages") or {}).get("edges") or []
        if edge.get("node")
    }
    release = node.get("latestRelease")
    latest = None
    if isinstance(release, Mapping):
        latest = Release(
            tag=text(release.get("tagName")),
            name=text(release.get("name")),
            published_at=moment(release.get("publishedAt")),
            url=text(release.get("url")),
        )
    watchers = int((node.get("watchers") or {}).get("totalCount") or 0)
    return RepositoryExtras(root_files, languages, latest, watchers)


# Owners listed many at a time (``repositoryOwner`` under aliases ``o0…oN``).
#
# One query lists up to a hundred repositories of each of many owners, with every field of
# the record and the extras above, so that a first harvest of a forge of small owners
# costs one request for many owners instead of one (or two: /orgs then /users) each.
# GitHub's node limit (500,000 per query, counted from the ``first:`` arguments) bounds
# the owners per query: each costs 100 repositories + 100 × 50 languages + 100 × 20
# topics + 2 = 7,102 nodes, so 50 owners stay at 355,100.

LANGUAGES_FIRST = 50
# GitHub allows at most 20 topics on a repository.
TOPICS_FIRST = 20

_LISTED = f"""
fragment Listed on Repository {{
  databaseId
  nameWithOwner
  name
  url
  description
  homepageUrl
  isFork
  parent {{ url }}
  isArchived
  isTemplate
  isPrivate
  createdAt
  updatedAt
  pushedAt
  stargazerCount
  forkCount
  watchers {{ totalCount }}
  issues(states: OPEN) {{ totalCount }}
  pullRequests(states: OPEN) {{ totalCount }}
  licenseInfo {{ spdxId }}
  primaryLanguage {{ name }}
  defaultBranchRef {{ name }}
  repositoryTopics(first: {TOPICS_FIRST}) {{ nodes {{ topic {{ name }} }} }}
  languages(first: {LANGUAGES_FIRST}, orderBy: {{field: SIZE, direction: DESC}}) {{
    edges {{ size node {{ name }} }}
  }}
  latestRelease {{ tagName name publishedAt url }}
  object(expression: "HEAD:") {{
    ... on Tree {{ entries {{ name type }} }}
  }}
}}
"""

# The newest repository by update and by push, and the count: what a probe compares.
_PROBE = """
  updated: repositories(first: 1, privacy: PUBLIC, ownerAffiliations: OWNER,
      orderBy: {field: UPDATED_AT, direction: DESC}) {
    totalCount nodes { databaseId nameWithOwner updatedAt pushedAt }
  }
  pushed: repositories(first: 1, privacy: PUBLIC, ownerAffiliations: OWNER,
      orderBy: {field: PUSHED_AT, direction: DESC}) {
    totalCount nodes { databaseId nameWithOwner updatedAt pushedAt }
  }"""


@dataclass
class OwnerPage:
    """One owner's page of a batched listing.

    ``end_cursor`` is None on the owner's last page. ``fingerprint`` (on a first page
    only) sums up the owner's repositories as a probe sees them, to be compared by the
    next harvest (:func:`build_probe_query`).
    """

    records: list[Any]
    extras: dict[str, RepositoryExtras]
    end_cursor: str | None
    total: int
    fingerprint: str | None = None
    # The answer was the stored one (a 304 to a conditional GET): nothing changed.
    not_modified: bool = False


class OwnerMissing(Exception):
    """No page for this owner: GitHub knows no such login (``gone``), or its part of the
    answer cannot be read; the message says why."""

    def __init__(self, message: str, *, gone: bool = True) -> None:
        super().__init__(message)
        self.gone = gone


def build_owners_query(
    owners: Sequence[tuple[str, str | None]], per_owner: int = 100
) -> tuple[str, dict[str, Any]]:
    """The query listing each ``(login, cursor)`` from its cursor (None: the first page,
    which also carries the probe fields), aliased ``o0…oN``."""
    declarations: list[str] = []
    selections: list[str] = []
    variables: dict[str, Any] = {}
    for index, (login, cursor) in enumerate(owners):
        declarations.append(f"$l{index}: String!, $c{index}: String")
        probe = _PROBE if cursor is None else ""
        selections.append(
            f"  o{index}: repositoryOwner(login: $l{index}) {{\n"
            f"    login\n"
            f"    repositories(first: {per_owner}, after: $c{index}, privacy: PUBLIC,"
            f" ownerAffiliations: OWNER, orderBy: {{field: CREATED_AT, direction: ASC}}) {{\n"
            f"      totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ ...Listed }}\n"
            f"    }}{probe}\n  }}"
        )
        variables[f"l{index}"], variables[f"c{index}"] = login, cursor
    body = "\n".join(["  rateLimit { cost remaining resetAt }", *selections])
    return f"query({', '.join(declarations)}) {{\n{body}\n}}\n{_LISTED}", variables


def build_probe_query(logins: Sequence[str]) -> tuple[str, dict[str, str]]:
    """The cheap query that sums up each owner (two repositories and a count each).

    The probe's fields are written once, in a fragment, so that a query of hundreds of
    owners stays small (about 50 characters an owner). GitHub's documented limits leave
    room for many: each owner asks for 2 nodes (500,000 allowed) and 2 connections (a
    point per 100 of them).
    """
    declarations = [f"$l{index}: String!" for index in range(len(logins))]
    selections = [
        f"  o{index}: repositoryOwner(login: $l{index}) {{ ...Probe }}"
        for index in range(len(logins))
    ]
    variables = {f"l{index}": login for index, login in enumerate(logins)}
    body = "\n".join(["  rateLimit { cost remaining resetAt }", *selections])
    fragment = f"fragment Probe on RepositoryOwner {{\n  login{_PROBE}\n}}\n"
    return f"query({', '.join(declarations)}) {{\n{body}\n}}\n{fragment}", variables


def _data(answer: Mapping[str, Any]) -> Mapping[str, Any]:
    data = answer.get("data")
    if not isinstance(data, Mapping):
        messages = "; ".join(
            text(error.get("message"))
            for error in answer.get("errors") or []
            if isinstance(error, Mapping)
        )
        raise ValueError(f"GraphQL answered no data: {messages or 'no message'}")
    return data


def _alias_errors(answer: Mapping[str, Any]) -> dict[str, str]:
    """The first error message of each alias (``o3`` → "Could not resolve…")."""
    found: dict[str, str] = {}
    for error in answer.get("errors") or []:
        if not isinstance(error, Mapping):
            continue
        path = error.get("path") or []
        if path and isinstance(path[0], str):
            found.setdefault(path[0], text(error.get("message")) or text(error.get("type")))
    return found


def fingerprint_of(owner: Mapping[str, Any]) -> str | None:
    """What the probe fields of one owner say, as one string (None when absent)."""
    parts: list[str] = []
    for alias in ("updated", "pushed"):
        connection = owner.get(alias)
        if not isinstance(connection, Mapping):
            return None
        parts.append(str(connection.get("totalCount")))
        for node in connection.get("nodes") or []:
            if isinstance(node, Mapping):
                parts += [
                    str(node.get(name))
                    for name in ("databaseId", "nameWithOwner", "updatedAt", "pushedAt")
                ]
    return "|".join(parts)


def parse_owners_response(
    answer: Mapping[str, Any],
    logins: Sequence[str],
    record_of: Any,
    max_items: int,
) -> dict[str, OwnerPage | OwnerMissing]:
    """Each login's page, or :class:`OwnerMissing` with GitHub's words.

    ``record_of`` maps one node to a record (it raises on a malformed node). Raises
    ValueError when the answer has no ``data`` at all.
    """
    data = _data(answer)
    errors = _alias_errors(answer)
    result: dict[str, OwnerPage | OwnerMissing] = {}
    for index, login in enumerate(logins):
        alias = f"o{index}"
        owner = data.get(alias)
        connection = owner.get("repositories") if isinstance(owner, Mapping) else None
        if not isinstance(connection, Mapping):
            result[login] = OwnerMissing(errors.get(alias) or f"no owner {login!r}")
            continue
        nodes = connection.get("nodes")
        if not isinstance(nodes, list) or len(nodes) > max_items:
            size = len(nodes) if isinstance(nodes, list) else "no"
            result[login] = OwnerMissing(
                f"{size} repositories in one page for {login!r}", gone=False
            )
            continue
        info = connection.get("pageInfo") or {}
        end = info.get("endCursor") if info.get("hasNextPage") else None
        if info.get("hasNextPage") and not end:
            result[login] = OwnerMissing("a next page without a cursor", gone=False)
            continue
        records: list[Any] = []
        extras: dict[str, RepositoryExtras] = {}
        for node in nodes:
            if not isinstance(node, Mapping) or node.get("isPrivate"):
                continue
            record = record_of(node)
            records.append(record)
            extras[record.full_path] = extras_from_node(node)
        result[login] = OwnerPage(
            records,
            extras,
            str(end) if end else None,
            int(connection.get("totalCount") or 0),
            fingerprint_of(owner),
        )
    return result


def parse_probe_response(answer: Mapping[str, Any], logins: Sequence[str]) -> dict[str, str | None]:
    """Each login's fingerprint; None when GitHub did not answer for it."""
    data = _data(answer)
    result: dict[str, str | None] = {}
    for index, login in enumerate(logins):
        owner = data.get(f"o{index}")
        result[login] = fingerprint_of(owner) if isinstance(owner, Mapping) else None
    return result
