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
