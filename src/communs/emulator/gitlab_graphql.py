"""The part of GitLab's GraphQL API (``/api/graphql``) that harvesting sends.

Reuses the strict parser of :mod:`communs.emulator.graphql` (queries, variables,
fragments, aliases) and answers a small fixed schema in GitLab's shapes:

- ``namespace(fullPath:)`` (a group or a user's namespace) and ``group(fullPath:)``:
  ``id fullPath name path visibility projects(includeSubgroups:, first:, after:, sort:)``;
- ``ProjectConnection``: ``count pageInfo { hasNextPage hasPreviousPage startCursor
  endCursor } nodes { … } edges { cursor node { … } }``;
- ``Project``: ``id fullPath path name nameWithNamespace description webUrl
  httpUrlToRepo sshUrlToRepo createdAt updatedAt lastActivityAt archived visibility
  isForked forksCount starCount openIssuesCount topics repository { rootRef empty }``;
- ``project(fullPath:)`` and ``queryComplexity { score limit }``.

GitLab's limits are kept: the query text up to 10,000 characters ("Query too large",
422); a page of at most 100 (a larger ``first`` is cut to 100); and the *complexity*
(``GitlabSchema``: 200 anonymous, 250 with a token), computed by GitLab's rules
(``Types::BaseField``): a field counts 1, 1 more when it calls Gitaly; a field with a
resolver counts its children plus 1 (plus 1 with ``sort``), times ``1 + 0.01 × first``
for a connection. Over the limit: no data, the error "Query has complexity of N, which
exceeds max complexity of M". An unknown namespace is ``null`` without an error, as
GitLab answers. Cursors are keyset cursors (base64 of the last id), stable while the
listing does not change. The server answers GET (``?query=&variables=``) and POST; a
GET answer gets an ETag and 304s like any other.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from communs.emulator.graphql import (
    Document,
    EnumValue,
    Field,
    FragmentSpread,
    GraphQLError,
    InlineFragment,
    Operation,
    Variable,
    parse,
)
from communs.emulator.protocol import github_time
from communs.emulator.world import ForgeWorld, Owner

MAX_QUERY_SIZE = 10_000
MAX_PAGE_SIZE = 100
ANONYMOUS_COMPLEXITY = 200
AUTHENTICATED_COMPLEXITY = 250


@dataclass(frozen=True)
class Spec:
    """A field: its type (``[String]``, ``Project``), resolver, arguments and weight."""

    type: str
    resolve: Callable[[Any, dict[str, Any], Context], Any]
    arguments: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    gitaly: bool = False
    resolver: bool = False
    connection: bool = False

    @property
    def base(self) -> str:
        return self.type.strip("[]!")


@dataclass
class Context:
    forge: ForgeWorld
    web_url: str
    limit: int
    score: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Namespace:
    owner: Owner


@dataclass(frozen=True)
class ProjectNode:
    forge: ForgeWorld
    index: int


def _gid(kind: str, number: int | str) -> str:
    return f"gid://gitlab/{kind}/{number}"


def _cursor(native_id: int) -> str:
    return base64.b64encode(json.dumps({"id": str(native_id)}).encode()).decode()


def _after(cursor: Any) -> int | None:
    if cursor is None:
        return None
    try:
        return int(json.loads(base64.b64decode(str(cursor), validate=True))["id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise GraphQLError(f"Please provide a valid cursor: {cursor}") from exc


def _namespace(kind: str | None) -> Callable[[Any, dict[str, Any], Context], Any]:
    def resolve(_: Any, args: dict[str, Any], ctx: Context) -> Any:
        owner = ctx.forge.owner(str(args.get("fullPath") or ""))
        if owner is None or (kind is not None and owner.kind != kind):
            return None
        return Namespace(owner)

    return resolve


def _project_root(_: Any, args: dict[str, Any], ctx: Context) -> Any:
    index = ctx.forge.find(str(args.get("fullPath") or ""))
    return None if index is None else ProjectNode(ctx.forge, index)


def _projects(namespace: Namespace, args: dict[str, Any], ctx: Context) -> Any:
    forge = ctx.forge
    subgroups = bool(args.get("includeSubgroups")) and namespace.owner.kind == "group"
    listing = forge.owner_listing(namespace.owner, subgroups=subgroups)
    first = min(int(args.get("first") or MAX_PAGE_SIZE), MAX_PAGE_SIZE)
    after = _after(args.get("after"))
    # Ascending ids, as the listing is: the keyset resumes after the cursor's id.
    start = 0
    if after is not None:
        low, high = 0, len(listing)
        while low < high:
            middle = (low + high) // 2
            if forge.native_id(listing[middle]) <= after:
                low = middle + 1
            else:
                high = middle
        start = low
    chosen = [listing[j] for j in range(start, min(start + first, len(listing)))]
    more = start + first < len(listing)
    nodes = [ProjectNode(forge, index) for index in chosen]
    cursors = [_cursor(forge.native_id(index)) for index in chosen]
    return {
        "count": len(listing),
        "pageInfo": {
            "hasNextPage": more,
            "hasPreviousPage": start > 0,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
        "nodes": nodes,
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, nodes, strict=True)],
    }


def _record(attribute: str, convert: Callable[[Any], Any] = lambda v: v) -> Any:
    return lambda node, args, ctx: convert(getattr(node.forge.record(node.index), attribute))


def _project_value(compute: Callable[[Any, Context], Any]) -> Any:
    return lambda node, args, ctx: compute(node.forge.record(node.index), ctx)


def _owner_name(record: Any, ctx: Context) -> str:
    owner = ctx.forge.owner(record.owner)
    prefix = owner.display_name if owner else record.owner
    return f"{prefix} / {record.name}"


def _key(name: str) -> Callable[[Any, dict[str, Any], Context], Any]:
    return lambda value, args, ctx: value.get(name)


def _host(ctx: Context) -> str:
    return ctx.web_url.split("://", 1)[1].split("/", 1)[0].split(":")[0]


_NAMESPACE_FIELDS = {
    "id": Spec(
        "ID!",
        lambda ns, a, c: _gid(
            "Group" if ns.owner.kind == "group" else "Namespaces::UserNamespace", ns.owner.id
        ),
    ),
    "fullPath": Spec("ID!", lambda ns, a, c: ns.owner.path),
    "path": Spec("String!", lambda ns, a, c: ns.owner.path.rsplit("/", 1)[-1]),
    "name": Spec("String!", lambda ns, a, c: ns.owner.display_name),
    "visibility": Spec("String", lambda ns, a, c: "public"),
    "projects": Spec(
        "ProjectConnection!",
        _projects,
        frozenset({"includeSubgroups", "first", "after", "last", "before", "sort", "search"}),
        resolver=True,
        connection=True,
    ),
}

SCHEMA: dict[str, dict[str, Spec]] = {
    "Query": {
        "namespace": Spec(
            "Namespace",
            _namespace(None),
            frozenset({"fullPath"}),
            frozenset({"fullPath"}),
            resolver=True,
        ),
        "group": Spec(
            "Group",
            _namespace("group"),
            frozenset({"fullPath"}),
            frozenset({"fullPath"}),
            resolver=True,
        ),
        "project": Spec(
            "Project",
            _project_root,
            frozenset({"fullPath"}),
            frozenset({"fullPath"}),
            resolver=True,
        ),
        "queryComplexity": Spec(
            "QueryComplexity", lambda _, a, ctx: {"score": ctx.score, "limit": ctx.limit}
        ),
    },
    "QueryComplexity": {"score": Spec("Int", _key("score")), "limit": Spec("Int", _key("limit"))},
    "Namespace": _NAMESPACE_FIELDS,
    "Group": _NAMESPACE_FIELDS,
    "ProjectConnection": {
        "count": Spec("Int!", _key("count")),
        "pageInfo": Spec("PageInfo!", _key("pageInfo")),
        "nodes": Spec("[Project]", _key("nodes")),
        "edges": Spec("[ProjectEdge]", _key("edges")),
    },
    "ProjectEdge": {
        "cursor": Spec("String!", _key("cursor")),
        "node": Spec("Project", _key("node")),
    },
    "PageInfo": {
        name: Spec(kind, _key(name))
        for name, kind in (
            ("hasNextPage", "Boolean!"),
            ("hasPreviousPage", "Boolean!"),
            ("startCursor", "String"),
            ("endCursor", "String"),
        )
    },
    "Project": {
        "id": Spec("ID!", _record("native_id", lambda v: _gid("Project", v))),
        "fullPath": Spec("ID!", _record("full_path")),
        "path": Spec("String!", _record("name")),
        "name": Spec("String!", _record("name")),
        "nameWithNamespace": Spec("String!", _project_value(_owner_name)),
        "description": Spec("String", _record("description", lambda v: v or None)),
        "webUrl": Spec("String", _project_value(lambda r, c: f"{c.web_url}/{r.full_path}")),
        "httpUrlToRepo": Spec(
            "String", _project_value(lambda r, c: f"{c.web_url}/{r.full_path}.git")
        ),
        "sshUrlToRepo": Spec(
            "String", _project_value(lambda r, c: f"git@{_host(c)}:{r.full_path}.git")
        ),
        "createdAt": Spec("Time", _record("created_at", github_time)),
        "updatedAt": Spec("Time", _record("updated_at", github_time)),
        "lastActivityAt": Spec("Time", _record("pushed_at", github_time)),
        "archived": Spec("Boolean", _record("is_archived")),
        "visibility": Spec("String", lambda n, a, c: "public"),
        "isForked": Spec("Boolean!", _record("is_fork", bool), resolver=True),
        "forksCount": Spec("Int!", _record("forks"), gitaly=True),
        "starCount": Spec("Int!", _record("stars")),
        "openIssuesCount": Spec("Int", _record("open_issues")),
        "topics": Spec("[String]", _record("topics", list)),
        "repository": Spec("Repository", lambda node, a, c: node),
    },
    "Repository": {
        "rootRef": Spec("String", _record("default_branch", lambda v: v or "main"), gitaly=True),
        "empty": Spec("Boolean!", lambda n, a, c: False, gitaly=True),
    },
}
SCALARS = {"ID", "String", "Int", "Boolean", "Time"}
# GroupType inherits NamespaceType: a fragment on Namespace applies to a group.
_IMPLEMENTS = {"Group": {"Group", "Namespace"}, "Namespace": {"Namespace", "Group"}}


class _Run:
    def __init__(self, document: Document, operation: Operation, variables: Mapping[str, Any]):
        self.document = document
        self.values: dict[str, Any] = {}
        for name, (kind, default) in operation.variables.items():
            value = variables.get(name, default)
            if value is None and kind.endswith("!"):
                raise GraphQLError(f"Variable ${name} of type {kind} was provided invalid value")
            self.values[name] = value

    def value(self, raw: Any) -> Any:
        if isinstance(raw, Variable):
            if raw.name not in self.values:
                raise GraphQLError(f"Variable ${raw.name} is used but not declared")
            return self.values[raw.name]
        if isinstance(raw, EnumValue):
            return raw.name
        if isinstance(raw, list):
            return [self.value(v) for v in raw]
        return raw

    def fields(self, selections: list[Any], type_name: str, depth: int = 0) -> list[Field]:
        if depth > 10:
            raise GraphQLError("Fragments nest too deep")
        found: list[Field] = []
        for selection in selections:
            if isinstance(selection, Field):
                found.append(selection)
                continue
            if isinstance(selection, FragmentSpread):
                if selection.name not in self.document.fragments:
                    raise GraphQLError(f"Fragment {selection.name} was used, but not defined")
                condition, inner = self.document.fragments[selection.name]
            else:
                assert isinstance(selection, InlineFragment)
                condition, inner = selection.type_condition, selection.selections
            if condition is not None and condition not in _IMPLEMENTS.get(type_name, {type_name}):
                raise GraphQLError(f"Fragment on {condition} can't be spread inside {type_name}")
            found += self.fields(inner, type_name, depth + 1)
        return found

    def complexity(self, selections: list[Any], type_name: str) -> int:
        """GitLab's complexity of ``selections`` read on ``type_name`` (and validation)."""
        total = 0
        for selection in self.fields(selections, type_name):
            if selection.name == "__typename":
                continue
            spec = SCHEMA[type_name].get(selection.name)
            if spec is None:
                raise GraphQLError(f"Field '{selection.name}' doesn't exist on type '{type_name}'")
            for name in selection.arguments:
                if name not in spec.arguments:
                    raise GraphQLError(f"Field '{selection.name}' doesn't accept argument '{name}'")
            for name in spec.required - set(selection.arguments):
                raise GraphQLError(
                    f"Field '{selection.name}' is missing required arguments: {name}"
                )
            scalar = spec.base in SCALARS
            if scalar == bool(selection.selections):
                raise GraphQLError(f"Field '{selection.name}' has a wrong selection")
            children = 0 if scalar else self.complexity(selection.selections, spec.base)
            if spec.resolver:
                args = {k: self.value(v) for k, v in selection.arguments.items()}
                here = children + 1 + (1 if "sort" in args else 0) + (1 if spec.gitaly else 0)
                if spec.connection:
                    first = min(int(args.get("first") or MAX_PAGE_SIZE), MAX_PAGE_SIZE)
                    here += here * first * 0.01
                total += int(here)
            else:
                total += 1 + (1 if spec.gitaly else 0) + children
        return total

    def execute(self, selections: list[Any], type_name: str, value: Any, ctx: Context,
                path: list[Any]) -> dict[str, Any]:  # fmt: skip
        result: dict[str, Any] = {}
        for selection in self.fields(selections, type_name):
            key = selection.alias or selection.name
            if selection.name == "__typename":
                result[key] = type_name
                continue
            spec = SCHEMA[type_name][selection.name]
            args = {k: self.value(v) for k, v in selection.arguments.items()}
            try:
                answer = spec.resolve(value, args, ctx)
            except GraphQLError as error:
                ctx.errors.append({"message": error.message, "path": [*path, key]})
                result[key] = None
                continue
            result[key] = self.complete(selection, spec, answer, ctx, [*path, key])
        return result

    def complete(self, selection: Field, spec: Spec, answer: Any, ctx: Context,
                 path: list[Any]) -> Any:  # fmt: skip
        if answer is None or spec.base in SCALARS:
            return answer
        if spec.type.startswith("["):
            return [
                self.execute(selection.selections, spec.base, item, ctx, [*path, i])
                for i, item in enumerate(answer)
            ]
        return self.execute(selection.selections, spec.base, answer, ctx, path)


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]


def execute(
    payload: Mapping[str, Any],
    forge: ForgeWorld,
    web_url: str,
    *,
    token: bool,
    limit: int | None = None,
) -> Outcome:
    """Answer ``{"query": …, "variables": …}`` (``variables`` may be a JSON string, as a
    GET sends it) for ``forge``; ``token``: the request carried one; ``limit``: the
    maximum complexity when not GitLab's default."""
    query = payload.get("query")
    if not isinstance(query, str) or not query.strip():
        return Outcome(200, {"errors": [{"message": "No query string was present"}]})
    if len(query) > MAX_QUERY_SIZE:
        return Outcome(422, {"errors": [{"message": "Query too large"}]})
    variables = payload.get("variables") or {}
    if isinstance(variables, str):
        try:
            variables = json.loads(variables) if variables.strip() else {}
        except ValueError:
            return Outcome(422, {"errors": [{"message": "Unexpected end of input"}]})
    if not isinstance(variables, Mapping):
        return Outcome(422, {"errors": [{"message": "Variables are invalid"}]})
    if limit is None:
        limit = AUTHENTICATED_COMPLEXITY if token else ANONYMOUS_COMPLEXITY
    ctx = Context(forge, web_url, limit)
    try:
        document = parse(query)
        if len(document.operations) != 1:
            raise GraphQLError("An operation name is required")
        operation = document.operations[0]
        run = _Run(document, operation, variables)
        ctx.score = run.complexity(operation.selections, "Query")
    except GraphQLError as error:
        return Outcome(200, {"errors": [{"message": error.message}]})
    if ctx.score > limit:
        message = f"Query has complexity of {ctx.score}, which exceeds max complexity of {limit}"
        return Outcome(200, {"errors": [{"message": message}]})
    data = run.execute(operation.selections, "Query", None, ctx, [])
    body: dict[str, Any] = {"data": data}
    if ctx.errors:
        body["errors"] = ctx.errors
    return Outcome(200, body)
