"""GitLab GraphQL, pure: many namespaces listed in one query, and its answer.

GitLab's REST API lists one group a request (``/groups/{path}/projects``), so a forge of
many small groups costs a request per group. Its GraphQL API (``/api/graphql``, open to
anonymous visitors for public data) answers several namespaces at once, each under an
alias (``g0``, ``g1``…): ``namespace(fullPath:) { projects(includeSubgroups: true,
first: 100, after:) { … } }``. ``namespace`` rather than ``group``: a user's namespace
answers too, as REST's ``/users/{user}/projects`` fallback does.

What bounds a batch is GitLab's *query complexity* (``GitlabSchema``: 200 for an
anonymous query, 250 with a token, 300 for an administrator), not a node count as on
GitHub. GitLab's ``Types::BaseField`` counts 1 a field, 1 more for a field that calls
Gitaly; a field with a resolver counts its children plus the resolver's own complexity
(1, +1 with ``sort``); a connection multiplies that by ``1 + 0.01 × first`` (a page of
100 doubles it). :func:`estimate_complexity` applies these rules to the query built
here; when GitLab disagrees it says so ("Query has complexity of N, which exceeds max
complexity of M") and :func:`complexity_refusal` reads the two numbers so that the
adapter can shrink its batches. The query text must also stay under 10,000 characters
(``GraphqlController::MAX_QUERY_SIZE``): names travel as variables, which do not count.

The query is sent by GET (GitLab serves queries, not mutations, over GET): Rails adds a
weak ETag to the answer and answers a matching ``If-None-Match`` with a 304, so a batch
whose namespaces did not change costs a conditional request, as a REST page does. That
needs the same query for the same namespaces from one harvest to the next: the harvest
forms its batches in a fixed order (see the engine).

What the GraphQL ``Project`` lacks against REST's project entity: the licence (REST
gives it only for one project with ``?license=true``, so neither listing has it),
``forked_from_project`` (``isForked`` says whether, not from what: ``Project.forkedFrom``
came only in 2025, GitLab merge request 183115, and a field an older instance does not
know fails the whole query, so it is not asked and the parent stays blank, kept from a
REST answer), ``open_issues_count`` is
``openIssuesCount`` (null when issues are disabled, as REST leaves it out), the default
branch is ``repository { rootRef }`` (a Gitaly call). Dates come to the second, where
REST writes milliseconds: both mappings keep whole seconds so that a project read one
way then the other does not look changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from communs.forges._values import count, moment, strings, text
from communs.forges.github_graphql import OwnerMissing, OwnerPage
from communs.forges.records import RepositoryRecord

PAGE_SIZE = 100
# GitlabSchema's limits (DEFAULT_MAX_COMPLEXITY, AUTHENTICATED_MAX_COMPLEXITY).
ANONYMOUS_COMPLEXITY = 200
AUTHENTICATED_COMPLEXITY = 250
# GraphqlController::MAX_QUERY_SIZE, in characters of the query text.
MAX_QUERY_SIZE = 10_000

# The project fields read, with their complexity under GitLab's rules.
_SCALARS = (
    "id", "fullPath", "name", "description", "webUrl", "createdAt", "updatedAt",
    "lastActivityAt", "archived", "visibility", "starCount", "openIssuesCount", "topics",
)  # fmt: skip
_GITALY_SCALARS = ("forksCount",)  # 1 + 1 for the Gitaly call
_FRAGMENT = (
    "fragment P on Project{" + " ".join(_SCALARS) + " isForked forksCount repository{rootRef}}"
)
# 13 scalars, isForked (a resolver: 1), forksCount (2), repository (1) + rootRef (2).
_PROJECT_COMPLEXITY = len(_SCALARS) + 1 + 2 * len(_GITALY_SCALARS) + 1 + 2

_REFUSED = re.compile(r"complexity of (\d+), which exceeds max complexity of (\d+)")


def estimate_complexity(owners: int, first: int = PAGE_SIZE) -> int:
    """The complexity GitLab gives a query of :func:`build_namespaces_query` for
    ``owners`` namespaces (see the module docstring for the rules)."""
    nodes = 1 + _PROJECT_COMPLEXITY
    page_info = 1 + 2
    resolver = 1  # NamespaceProjectsResolver, no sort
    projects = nodes + page_info + resolver
    projects += int(projects * min(first, PAGE_SIZE) * 0.01)
    namespace = projects + 1  # the namespace field's own resolver
    return owners * namespace


def owners_per_query(limit: int) -> int:
    """How many namespaces one query may list within ``limit`` (at least one)."""
    return max(1, limit // estimate_complexity(1))


def build_namespaces_query(
    owners: Sequence[tuple[str, str | None]], first: int = PAGE_SIZE
) -> tuple[str, dict[str, Any]]:
    """The query listing each ``(full path, cursor)`` from its cursor (None: the first
    page), aliased ``g0…gN``; compact, since it travels in a URL."""
    declarations: list[str] = []
    selections: list[str] = []
    variables: dict[str, Any] = {}
    for index, (path, cursor) in enumerate(owners):
        path = path.strip("/")
        if not path:
            raise ValueError("an empty namespace path")
        declarations.append(f"$p{index}:ID!,$c{index}:String")
        selections.append(
            f"g{index}:namespace(fullPath:$p{index}){{projects(includeSubgroups:true,"
            f"first:{first},after:$c{index}){{pageInfo{{hasNextPage endCursor}}nodes{{...P}}}}}}"
        )
        variables[f"p{index}"], variables[f"c{index}"] = path, cursor
    query = f"query({','.join(declarations)}){{{' '.join(selections)}}}{_FRAGMENT}"
    if len(query) > MAX_QUERY_SIZE:
        raise ValueError(f"a query of {len(query)} characters is over GitLab's {MAX_QUERY_SIZE}")
    return query, variables


def query_parameters(query: str, variables: Mapping[str, Any]) -> dict[str, str]:
    """The GET parameters of a query (variables as compact JSON, keys in order)."""
    return {"query": query, "variables": json.dumps(variables, separators=(",", ":"))}


def complexity_refusal(answer: Mapping[str, Any]) -> tuple[int, int] | None:
    """``(score, limit)`` when GitLab refused the query as too complex, else None."""
    for error in answer.get("errors") or []:
        if isinstance(error, Mapping):
            found = _REFUSED.search(text(error.get("message")))
            if found:
                return int(found[1]), int(found[2])
    return None


def project_number(global_id: Any) -> str:
    """``gid://gitlab/Project/42`` → ``42``: REST's ``id``, the record's identity."""
    value = text(global_id)
    number = value.rsplit("/", 1)[-1]
    if not number.isdigit():
        raise ValueError(f"not a project id: {value!r}")
    return number


def record_from_gitlab_graphql(node: Mapping[str, Any]) -> RepositoryRecord:
    """A ``Project`` node as a record, with the values REST's project entity gives
    (:func:`communs.forges.gitlab.record_from_gitlab`)."""
    activity = moment(node.get("lastActivityAt"))
    repository = node.get("repository") or {}
    return RepositoryRecord(
        full_path=node["fullPath"],
        url=node["webUrl"],
        native_id=project_number(node["id"]),
        name=text(node.get("name")),
        description=text(node.get("description")),
        default_branch=text(repository.get("rootRef")) if isinstance(repository, Mapping) else "",
        is_fork=bool(node["isForked"]) if node.get("isForked") is not None else None,
        is_archived=bool(node.get("archived")),
        created_at=moment(node.get("createdAt")),
        updated_at=moment(node.get("updatedAt")) or activity,
        pushed_at=activity,
        stars=count(node.get("starCount")),
        forks=count(node.get("forksCount")),
        open_issues=count(node.get("openIssuesCount")),
        topics=strings(node.get("topics")),
    )


def _alias_errors(answer: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in answer.get("errors") or []:
        if not isinstance(error, Mapping):
            continue
        path = error.get("path") or []
        if path and isinstance(path[0], str):
            found.setdefault(path[0], text(error.get("message")))
    return found


def parse_namespaces_response(
    answer: Mapping[str, Any],
    paths: Sequence[str],
    max_items: int,
    *,
    not_modified: bool = False,
) -> dict[str, OwnerPage | OwnerMissing]:
    """Each path's page, or :class:`OwnerMissing`.

    A namespace GitLab does not show (unknown, or not visible) is ``null`` with no error:
    gone, as REST's 404. One whose part of the answer carries an error, or cannot be
    read, is missing but not gone. Raises ValueError when the answer has no ``data``.
    """
    data = answer.get("data")
    if not isinstance(data, Mapping):
        messages = "; ".join(
            text(error.get("message"))
            for error in answer.get("errors") or []
            if isinstance(error, Mapping)
        )
        raise ValueError(f"GraphQL answered no data: {messages or 'no message'}")
    errors = _alias_errors(answer)
    result: dict[str, OwnerPage | OwnerMissing] = {}
    for index, path in enumerate(paths):
        alias = f"g{index}"
        namespace = data.get(alias)
        if alias in errors:
            result[path] = OwnerMissing(errors[alias], gone=False)
            continue
        connection = namespace.get("projects") if isinstance(namespace, Mapping) else None
        if namespace is None:
            result[path] = OwnerMissing(f"no namespace {path!r}")
            continue
        if not isinstance(connection, Mapping):
            result[path] = OwnerMissing(f"no projects for {path!r}", gone=False)
            continue
        nodes = connection.get("nodes")
        if not isinstance(nodes, list) or len(nodes) > max_items:
            size = len(nodes) if isinstance(nodes, list) else "no"
            result[path] = OwnerMissing(f"{size} projects in one page for {path!r}", gone=False)
            continue
        info = connection.get("pageInfo") or {}
        end = info.get("endCursor") if info.get("hasNextPage") else None
        if info.get("hasNextPage") and not end:
            result[path] = OwnerMissing("a next page without a cursor", gone=False)
            continue
        records: list[RepositoryRecord] = []
        try:
            for node in nodes:
                # A token may show internal and private projects: only public ones enter.
                if isinstance(node, Mapping) and node.get("visibility", "public") == "public":
                    records.append(record_from_gitlab_graphql(node))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            message = f"a project of {path!r} cannot be read: {type(exc).__name__}: {exc}"
            result[path] = OwnerMissing(message, gone=False)
            continue
        result[path] = OwnerPage(
            records, {}, str(end) if end else None, len(records), not_modified=not_modified
        )
    return result
