"""The part of GitHub's GraphQL API that harvesting sends: a strict parser and a small executor.

Not a GraphQL engine. The parser reads executable documents (queries with variable
definitions, named and inline fragments, aliases, arguments of every literal kind) and
refuses the rest (mutations, subscriptions, directives). The executor knows a fixed
schema, enough for GitHub's shapes:

- ``repository(owner:, name:)``: ``id databaseId name nameWithOwner owner description url
  homepageUrl isFork parent isArchived isTemplate isPrivate isEmpty stargazerCount forkCount
  createdAt updatedAt pushedAt diskUsage watchers stargazers issues pullRequests
  languages(first:, orderBy:)
  primaryLanguage licenseInfo latestRelease releases defaultBranchRef repositoryTopics
  object(expression: "HEAD:" | "HEAD:path" | "HEAD")`` (``… on Tree { entries { name
  type } }``, ``… on Blob { text byteSize }``, ``… on Commit { committedDate }``);
- ``organization(login:)``, ``user(login:)``, ``repositoryOwner(login:)`` with
  ``repositories(first:, after:, orderBy:, isFork:) { totalCount pageInfo { hasNextPage
  endCursor } nodes { … } edges { cursor node { … } } }``;
- ``rateLimit { cost limit remaining used resetAt nodeCount }``.

Any other field or argument is refused the way GitHub refuses it: an ``errors`` list
(with ``extensions.code`` and ``locations``) and no ``data``. A repository that does not
exist gives ``null`` under its alias and a ``NOT_FOUND`` error, with the other aliases
answered.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from communs.emulator.content import TITLES, plan_for
from communs.emulator.protocol import github_time
from communs.emulator.world import ForgeWorld, Owner, upstream_of

MAX_FIRST = 100


class GraphQLError(Exception):
    """A document the emulator refuses; ``code`` goes to ``extensions.code``."""

    def __init__(self, message: str, line: int = 0, column: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.code = code

    def as_json(self, path: list[Any] | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message}
        if self.line:
            error["locations"] = [{"line": self.line, "column": self.column}]
        if path:
            error["path"] = path
        if self.code:
            error["extensions"] = {"code": self.code}
        return error


# ---------------------------------------------------------------------------------------
# Parsing

_TOKEN = re.compile(
    r"""
    (?P<skip>[\s,\ufeff]+|\#[^\n\r]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>[!$()\:=@\[\]{}|&])
  | (?P<block>\"\"\"(?:\\\"\"\"|[^"]|"(?!""))*\"\"\")
  | (?P<string>"(?:\\["\\/bfnrt]|\\u[0-9A-Fa-f]{4}|[^"\\\n\r])*")
  | (?P<float>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+))
  | (?P<int>-?(?:0|[1-9][0-9]*))
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    value: str
    line: int
    column: int


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    position, line, line_start = 0, 1, 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if not match:
            raise GraphQLError(
                f"Parse error on {source[position]!r} at [{line}, {position - line_start + 1}]",
                line,
                position - line_start + 1,
            )
        kind = match.lastgroup or ""
        text = match.group()
        if kind != "skip":
            tokens.append(Token(kind, text, line, position - line_start + 1))
        newlines = text.count("\n")
        if newlines:
            line += newlines
            line_start = match.start() + text.rfind("\n") + 1
        position = match.end()
    tokens.append(Token("eof", "", line, position - line_start + 1))
    return tokens


@dataclass(frozen=True)
class Variable:
    name: str


@dataclass(frozen=True)
class EnumValue:
    name: str


@dataclass
class Field:
    name: str
    alias: str | None
    arguments: dict[str, Any]
    selections: list[Any]
    line: int
    column: int

    @property
    def key(self) -> str:
        return self.alias or self.name


@dataclass
class InlineFragment:
    type_condition: str | None
    selections: list[Any]
    line: int
    column: int


@dataclass
class FragmentSpread:
    name: str
    line: int
    column: int


@dataclass
class Operation:
    kind: str
    name: str | None
    variables: dict[str, tuple[str, Any]]
    selections: list[Any]


@dataclass
class Document:
    operations: list[Operation] = field(default_factory=list)
    fragments: dict[str, tuple[str, list[Any]]] = field(default_factory=dict)


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.position = 0

    def peek(self, value: str | None = None, kind: str | None = None) -> bool:
        token = self.tokens[self.position]
        return (value is None or token.value == value) and (kind is None or token.kind == kind)

    def next(self) -> Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expect(self, value: str | None = None, kind: str | None = None) -> Token:
        token = self.tokens[self.position]
        if not self.peek(value, kind):
            shown = token.value or "end of file"
            where = f"[{token.line}, {token.column}]"
            raise GraphQLError(
                f'Parse error on "{shown}" ({token.kind.upper()}) at {where}',
                token.line,
                token.column,
            )
        return self.next()

    def document(self) -> Document:
        document = Document()
        while not self.peek(kind="eof"):
            if self.peek("{"):
                document.operations.append(Operation("query", None, {}, self.selection_set()))
            elif self.peek("fragment", "name"):
                self.next()
                name = self.expect(kind="name")
                if name.value == "on":
                    raise GraphQLError(
                        "Parse error: a fragment cannot be named 'on'", name.line, name.column
                    )
                self.expect("on")
                condition = self.expect(kind="name").value
                self.directives()
                if name.value in document.fragments:
                    raise GraphQLError(
                        f'Fragment name "{name.value}" must be unique', name.line, name.column
                    )
                document.fragments[name.value] = (condition, self.selection_set())
            elif self.peek(kind="name") and self.tokens[self.position].value in (
                "query",
                "mutation",
                "subscription",
            ):
                token = self.next()
                if token.value != "query":
                    raise GraphQLError(
                        f"the emulator answers queries only, not a {token.value}",
                        token.line,
                        token.column,
                        "operationNotSupported",
                    )
                name = self.next().value if self.peek(kind="name") else None
                variables = self.variable_definitions() if self.peek("(") else {}
                self.directives()
                document.operations.append(
                    Operation("query", name, variables, self.selection_set())
                )
            else:
                self.expect("{")
        if not document.operations:
            raise GraphQLError("the document has no operation")
        return document

    def directives(self) -> None:
        if self.peek("@"):
            token = self.next()
            raise GraphQLError(
                "directives are not supported by the emulator",
                token.line,
                token.column,
                "directiveNotSupported",
            )

    def variable_definitions(self) -> dict[str, tuple[str, Any]]:
        self.expect("(")
        variables: dict[str, tuple[str, Any]] = {}
        while not self.peek(")"):
            self.expect("$")
            name = self.expect(kind="name").value
            self.expect(":")
            kind = self.type_reference()
            default = None
            if self.peek("="):
                self.next()
                default = self.value(const=True)
            variables[name] = (kind, default)
        self.expect(")")
        return variables

    def type_reference(self) -> str:
        if self.peek("["):
            self.next()
            inner = self.type_reference()
            self.expect("]")
            text = f"[{inner}]"
        else:
            text = self.expect(kind="name").value
        if self.peek("!"):
            self.next()
            text += "!"
        return text

    def selection_set(self) -> list[Any]:
        self.expect("{")
        selections: list[Any] = []
        while not self.peek("}"):
            selections.append(self.selection())
        self.expect("}")
        if not selections:
            token = self.tokens[self.position - 1]
            raise GraphQLError("Parse error: an empty selection", token.line, token.column)
        return selections

    def selection(self) -> Any:
        if self.peek("..."):
            start = self.next()
            if self.peek("on"):
                self.next()
                condition = self.expect(kind="name").value
                self.directives()
                return InlineFragment(condition, self.selection_set(), start.line, start.column)
            if self.peek("{") or self.peek("@"):
                self.directives()
                return InlineFragment(None, self.selection_set(), start.line, start.column)
            name = self.expect(kind="name")
            self.directives()
            return FragmentSpread(name.value, name.line, name.column)
        first = self.expect(kind="name")
        alias, name = None, first
        if self.peek(":"):
            self.next()
            alias, name = first.value, self.expect(kind="name")
        arguments = self.arguments() if self.peek("(") else {}
        self.directives()
        selections = self.selection_set() if self.peek("{") else []
        return Field(name.value, alias, arguments, selections, first.line, first.column)

    def arguments(self) -> dict[str, Any]:
        self.expect("(")
        arguments: dict[str, Any] = {}
        while not self.peek(")"):
            name = self.expect(kind="name").value
            self.expect(":")
            arguments[name] = self.value()
        self.expect(")")
        return arguments

    def value(self, const: bool = False) -> Any:
        token = self.tokens[self.position]
        if token.value == "$" and token.kind == "punct":
            if const:
                raise GraphQLError(
                    "a default value cannot use a variable", token.line, token.column
                )
            self.next()
            return Variable(self.expect(kind="name").value)
        if token.value == "[" and token.kind == "punct":
            self.next()
            items = []
            while not self.peek("]"):
                items.append(self.value(const))
            self.next()
            return items
        if token.value == "{" and token.kind == "punct":
            self.next()
            fields: dict[str, Any] = {}
            while not self.peek("}"):
                name = self.expect(kind="name").value
                self.expect(":")
                fields[name] = self.value(const)
            self.next()
            return fields
        self.next()
        if token.kind == "int":
            return int(token.value)
        if token.kind == "float":
            return float(token.value)
        if token.kind == "string":
            return _unescape(token.value[1:-1])
        if token.kind == "block":
            return token.value[3:-3].replace('\\"""', '"""').strip()
        if token.kind == "name":
            return {"true": True, "false": False, "null": None}.get(
                token.value, EnumValue(token.value)
            )
        raise GraphQLError(
            f'Parse error on "{token.value or "end of file"}" at [{token.line}, {token.column}]',
            token.line,
            token.column,
        )


def _unescape(text: str) -> str:
    simple = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}

    def replace(match: re.Match[str]) -> str:
        escape = match.group(1)
        return chr(int(escape[1:], 16)) if escape[0] == "u" else simple[escape]

    return re.sub(r"\\(u[0-9A-Fa-f]{4}|.)", replace, text)


def parse(source: str) -> Document:
    """The document in ``source``; :class:`GraphQLError` for anything outside the subset."""
    return _Parser(source).document()


# ---------------------------------------------------------------------------------------
# The schema

Resolver = Callable[[Any, dict[str, Any], "Context"], Any]


@dataclass(frozen=True)
class Spec:
    """A field: its GraphQL type (``[TreeEntry]``, ``String!``), resolver and arguments."""

    type: str
    resolve: Resolver
    arguments: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()

    @property
    def base(self) -> str:
        return self.type.strip("[]!")


def key(name: str) -> Resolver:
    return lambda obj, args, ctx: obj.get(name)


SCALARS = {"String", "Int", "Boolean", "DateTime", "URI", "ID", "Float", "GitObjectID"}
ABSTRACT = {"GitObject": {"Tree", "Blob", "Commit"}, "RepositoryOwner": {"Organization", "User"}}


@dataclass
class RepoNode:
    forge: ForgeWorld
    index: int
    typename: str = "Repository"
    _record: Any = None
    _plan: Any = None

    @property
    def record(self) -> Any:
        if self._record is None:
            self._record = self.forge.record(self.index)
        return self._record

    @property
    def plan(self) -> Any:
        if self._plan is None:
            self._plan = plan_for(self.record)
        return self._plan


@dataclass
class OwnerNode:
    forge: ForgeWorld
    owner: Owner

    @property
    def typename(self) -> str:
        return "Organization" if self.owner.kind == "org" else "User"


@dataclass
class Context:
    """What a query runs against: the forge, the URLs, and the budget before this query."""

    forge: ForgeWorld
    web_url: str
    api_url: str
    limit: int
    remaining: int
    reset_at: int
    cost: int = 1
    node_count: int = 0
    requests: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _typename(value: Any) -> str:
    return value.typename if hasattr(value, "typename") else value["__typename"]


def _node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


def _object(node: RepoNode, args: dict[str, Any], ctx: Context) -> Any:
    """``object(expression: "HEAD:path")``: a tree, a blob or the last commit."""
    expression = str(args.get("expression") or "")
    plan = node.plan
    ref, colon, path = expression.partition(":")
    if ref not in ("HEAD", plan.branch, f"refs/heads/{plan.branch}"):
        return None
    if not colon:
        last = plan.commits[-1]
        return {
            "__typename": "Commit",
            "committedDate": github_time(last.when),
            "message": last.message,
            "totalCount": len(plan.commits),
        }
    path = path.strip("/")
    if path in plan.files:
        text = plan.files[path]
        return {
            "__typename": "Blob",
            "text": text,
            "byteSize": len(text.encode()),
            "isBinary": False,
        }
    prefix = f"{path}/" if path else ""
    entries: dict[str, str] = {}
    for name in plan.files:
        if name.startswith(prefix):
            head, sep, _ = name[len(prefix) :].partition("/")
            entries[head] = "tree" if sep else "blob"
    if not entries:
        return None
    return {
        "__typename": "Tree",
        "entries": [
            {
                "__typename": "TreeEntry",
                "name": name,
                "type": kind,
                "path": prefix + name,
                "mode": 16384 if kind == "tree" else 33188,
                "extension": ("." + name.rsplit(".", 1)[1])
                if "." in name and kind == "blob"
                else "",
            }
            for name, kind in sorted(entries.items())
        ],
    }


def _languages(node: RepoNode, args: dict[str, Any], ctx: Context) -> Any:
    languages = list(node.record.languages.items())
    order = args.get("orderBy") or {}
    if isinstance(order, dict) and _enum(order.get("field")) == "SIZE":
        languages.sort(key=lambda pair: pair[1], reverse=_enum(order.get("direction")) == "DESC")
    first = _first(args)
    shown = languages[:first]
    return {
        "__typename": "LanguageConnection",
        "totalCount": len(languages),
        "totalSize": sum(size for _, size in languages),
        "edges": [
            {"__typename": "LanguageEdge", "size": size, "node": _language(name)}
            for name, size in shown
        ],
        "nodes": [_language(name) for name, _ in shown],
        "pageInfo": _page_info(False, str(len(shown)) if shown else None),
    }


def _language(name: str) -> dict[str, Any]:
    return {"__typename": "Language", "name": name, "color": None}


def _release(node: RepoNode, args: dict[str, Any], ctx: Context) -> Any:
    tag = node.plan.latest_tag
    if tag is None:
        return None
    return {
        "__typename": "Release",
        "tagName": tag.name,
        "name": tag.name,
        "publishedAt": github_time(tag.when),
        "createdAt": github_time(tag.when),
        "url": f"{ctx.web_url}/{node.record.full_path}/releases/tag/{tag.name}",
        "isPrerelease": False,
        "isDraft": False,
    }


def _releases(node: RepoNode, args: dict[str, Any], ctx: Context) -> Any:
    latest = _release(node, {}, ctx)
    count = len(node.plan.tags)
    return {
        "__typename": "ReleaseConnection",
        "totalCount": count,
        "nodes": [latest] if latest and _first(args) else [],
    }


def _licence(node: RepoNode, args: dict[str, Any], ctx: Context) -> Any:
    spdx = node.record.license
    if not spdx:
        return None
    other = spdx == "NOASSERTION"
    return {
        "__typename": "License",
        "key": "other" if other else spdx.lower(),
        "name": "Other" if other else TITLES.get(spdx, spdx),
        "spdxId": spdx,
        "url": None if other else f"http://choosealicense.com/licenses/{spdx.lower()}/",
    }


def _count(value: Callable[[Any], int], typename: str) -> Resolver:
    return lambda node, args, ctx: {"__typename": typename, "totalCount": value(node.record)}


def _first(args: dict[str, Any]) -> int:
    first = args.get("first")
    return MAX_FIRST if first is None else int(first)


def _enum(value: Any) -> str:
    return value.name if isinstance(value, EnumValue) else str(value or "")


def _page_info(has_next: bool, end: str | None, start: str | None = None) -> dict[str, Any]:
    return {
        "__typename": "PageInfo",
        "hasNextPage": has_next,
        "endCursor": end,
        "hasPreviousPage": start is not None and start != _cursor(0),
        "startCursor": start,
    }


def _cursor(offset: int) -> str:
    return base64.b64encode(f"cursor:v2:{offset}".encode()).decode()


def _offset(cursor: Any) -> int:
    if cursor is None:
        return 0
    try:
        text = base64.b64decode(str(cursor)).decode()
        return int(text.removeprefix("cursor:v2:")) + 1
    except (ValueError, UnicodeDecodeError) as error:
        raise GraphQLError(
            f"`{cursor}` does not appear to be a valid cursor.", code="invalidCursor"
        ) from error


_ORDER_FIELDS = {
    "CREATED_AT": "created_at",
    "UPDATED_AT": "updated_at",
    "PUSHED_AT": "pushed_at",
    "NAME": "full_path",
    "STARGAZERS": "stars",
}


def _repositories(node: OwnerNode, args: dict[str, Any], ctx: Context) -> Any:
    forge = node.forge
    if args.get("first") is None and args.get("last") is None:
        raise GraphQLError(
            "You must provide a `first` or `last` value to properly paginate the "
            "`repositories` connection.",
            code="missingPaginationBoundaries",
        )
    indices: Any = forge.owner_listing(node.owner)
    fork = args.get("isFork")
    if fork is not None:
        source = indices
        indices = forge.world.cached(
            (forge.name, "graphql forks", node.owner.path, bool(fork)),
            lambda: [i for i in source if bool(forge.record(i).is_fork) == bool(fork)],
        )
    order = args.get("orderBy")
    if isinstance(order, dict) and _enum(order.get("field")) in _ORDER_FIELDS:
        indices = forge.ordered(
            indices,
            _ORDER_FIELDS[_enum(order.get("field"))],
            _enum(order.get("direction")) == "DESC",
            ("graphql", node.owner.path, fork),
        )
    start = _offset(args.get("after"))
    first = _first(args)
    chosen = list(range(start, min(start + first, len(indices))))
    nodes = [RepoNode(forge, indices[offset]) for offset in chosen]
    end = _cursor(chosen[-1]) if chosen else None
    return {
        "__typename": "RepositoryConnection",
        "totalCount": len(indices),
        "pageInfo": _page_info(
            start + first < len(indices), end, _cursor(chosen[0]) if chosen else None
        ),
        "nodes": nodes,
        "edges": [
            {"__typename": "RepositoryEdge", "cursor": _cursor(o), "node": n}
            for o, n in zip(chosen, nodes, strict=True)
        ],
    }


def _owner_of(node: RepoNode, args: dict[str, Any], ctx: Context) -> Any:
    owner = node.forge.owner(node.record.owner)
    return OwnerNode(node.forge, owner) if owner else None


def _parent(node: RepoNode, args: dict[str, Any], ctx: Context) -> Any:
    """A fork's parent: the made-up upstream repository, which no listing holds."""
    upstream = upstream_of(node.record)
    return RepoNode(node.forge, -1, _record=upstream) if upstream is not None else None


def _r(attribute: str, convert: Callable[[Any], Any] = lambda v: v) -> Resolver:
    return lambda node, args, ctx: convert(getattr(node.record, attribute))


_REPOSITORY: dict[str, Spec] = {
    "id": Spec("ID!", lambda n, a, c: _node_id("Repository", int(n.record.native_id or 0))),
    "databaseId": Spec("Int", lambda n, a, c: int(n.record.native_id or 0)),
    "name": Spec("String!", _r("name")),
    "nameWithOwner": Spec("String!", _r("full_path")),
    "owner": Spec("RepositoryOwner!", _owner_of),
    "description": Spec("String", _r("description", lambda v: v or None)),
    "url": Spec("URI!", lambda n, a, c: f"{c.web_url}/{n.record.full_path}"),
    "homepageUrl": Spec("URI", _r("homepage", lambda v: v or None)),
    "isFork": Spec("Boolean!", _r("is_fork", bool)),
    "parent": Spec("Repository", _parent),
    "isArchived": Spec("Boolean!", _r("is_archived")),
    "isTemplate": Spec("Boolean!", _r("is_template")),
    "isPrivate": Spec("Boolean!", lambda n, a, c: False),
    "isEmpty": Spec("Boolean!", lambda n, a, c: False),
    "stargazerCount": Spec("Int!", _r("stars")),
    "forkCount": Spec("Int!", _r("forks")),
    "createdAt": Spec("DateTime!", _r("created_at", github_time)),
    "updatedAt": Spec("DateTime!", _r("updated_at", github_time)),
    "pushedAt": Spec("DateTime", _r("pushed_at", github_time)),
    "diskUsage": Spec("Int", lambda n, a, c: sum(n.record.languages.values()) // 1024),
    "watchers": Spec(
        "UserConnection!",
        _count(lambda r: r.watchers, "UserConnection"),
        frozenset({"first", "after", "last", "before"}),
    ),
    "stargazers": Spec(
        "StargazerConnection!",
        _count(lambda r: r.stars, "StargazerConnection"),
        frozenset({"first", "after", "last", "before", "orderBy"}),
    ),
    "issues": Spec(
        "IssueConnection!",
        _count(lambda r: r.open_issues, "IssueConnection"),
        frozenset({"first", "after", "last", "before", "states"}),
    ),
    # The emulated world counts open issues only: no pull request is open.
    "pullRequests": Spec(
        "PullRequestConnection!",
        lambda n, a, c: {"__typename": "PullRequestConnection", "totalCount": 0},
        frozenset({"first", "after", "last", "before", "states", "orderBy"}),
    ),
    "languages": Spec(
        "LanguageConnection", _languages, frozenset({"first", "after", "last", "before", "orderBy"})
    ),
    "primaryLanguage": Spec(
        "Language", lambda n, a, c: _language(n.record.language) if n.record.language else None
    ),
    "licenseInfo": Spec("License", _licence),
    "latestRelease": Spec("Release", _release),
    "releases": Spec(
        "ReleaseConnection!", _releases, frozenset({"first", "after", "last", "before", "orderBy"})
    ),
    "defaultBranchRef": Spec(
        "Ref", lambda n, a, c: {"__typename": "Ref", "name": n.record.default_branch or "main"}
    ),
    "repositoryTopics": Spec(
        "RepositoryTopicConnection!",
        lambda n, a, c: {
            "__typename": "RepositoryTopicConnection",
            "totalCount": len(n.record.topics),
            "nodes": [
                {"__typename": "RepositoryTopic", "topic": {"__typename": "Topic", "name": t}}
                for t in n.record.topics[: _first(a)]
            ],
        },
        frozenset({"first", "after", "last", "before"}),
    ),
    "object": Spec("GitObject", _object, frozenset({"expression", "oid"})),
}

_OWNER: dict[str, Spec] = {
    "login": Spec("String!", lambda n, a, c: n.owner.path),
    "id": Spec("ID!", lambda n, a, c: _node_id(n.typename, n.owner.id)),
    "databaseId": Spec("Int", lambda n, a, c: n.owner.id),
    "url": Spec("URI!", lambda n, a, c: f"{c.web_url}/{n.owner.path}"),
    "avatarUrl": Spec(
        "URI!", lambda n, a, c: f"{c.api_url}/avatars/{n.owner.id}", frozenset({"size"})
    ),
    "repositories": Spec(
        "RepositoryConnection!",
        _repositories,
        frozenset(
            {
                "first",
                "after",
                "last",
                "before",
                "orderBy",
                "isFork",
                "privacy",
                "ownerAffiliations",
                "affiliations",
                "isLocked",
                "isArchived",
            }
        ),
    ),
}
_NAMED_OWNER = {
    **_OWNER,
    "name": Spec("String", lambda n, a, c: n.owner.display_name),
    "description": Spec(
        "String", lambda n, a, c: n.owner.display_name if n.owner.kind == "org" else None
    ),
    "websiteUrl": Spec(
        "URI", lambda n, a, c: n.owner.organisation.website if n.owner.organisation else None
    ),
}


def _dict_fields(*names_and_types: tuple[str, str]) -> dict[str, Spec]:
    return {name: Spec(kind, key(name)) for name, kind in names_and_types}


def _owner_root(kind: str | None) -> Resolver:
    def resolve(_: Any, args: dict[str, Any], ctx: Context) -> Any:
        owner = ctx.forge.owner(str(args["login"]))
        if owner is None or (kind is not None and owner.kind != kind):
            label = {"org": "an Organization", "user": "a User"}.get(
                kind or "", "a RepositoryOwner"
            )
            raise _NotFound(f"Could not resolve to {label} with the login of '{args['login']}'.")
        return OwnerNode(ctx.forge, owner)

    return resolve


class _NotFound(Exception):
    pass


def _repository_root(_: Any, args: dict[str, Any], ctx: Context) -> Any:
    full_path = f"{args['owner']}/{args['name']}"
    index = ctx.forge.find(full_path)
    if index is None or "/" in str(args["name"]) or "/" in str(args["owner"]):
        raise _NotFound(f"Could not resolve to a Repository with the name '{full_path}'.")
    return RepoNode(ctx.forge, index)


def _rate_limit(_: Any, args: dict[str, Any], ctx: Context) -> Any:
    remaining = ctx.remaining if args.get("dryRun") else max(ctx.remaining - ctx.cost, 0)
    return {
        "__typename": "RateLimit",
        "cost": ctx.cost,
        "limit": ctx.limit,
        "remaining": remaining,
        "used": ctx.limit - remaining,
        "resetAt": datetime.fromtimestamp(ctx.reset_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "nodeCount": ctx.node_count,
    }


SCHEMA: dict[str, dict[str, Spec]] = {
    "Query": {
        "repository": Spec(
            "Repository",
            _repository_root,
            frozenset({"owner", "name", "followRenames"}),
            frozenset({"owner", "name"}),
        ),
        "organization": Spec(
            "Organization", _owner_root("org"), frozenset({"login"}), frozenset({"login"})
        ),
        "user": Spec("User", _owner_root("user"), frozenset({"login"}), frozenset({"login"})),
        "repositoryOwner": Spec(
            "RepositoryOwner", _owner_root(None), frozenset({"login"}), frozenset({"login"})
        ),
        "rateLimit": Spec("RateLimit", _rate_limit, frozenset({"dryRun"})),
    },
    "Repository": _REPOSITORY,
    "RepositoryOwner": _OWNER,
    "Organization": _NAMED_OWNER,
    "User": _NAMED_OWNER,
    "RepositoryConnection": {
        "totalCount": Spec("Int!", key("totalCount")),
        "pageInfo": Spec("PageInfo!", key("pageInfo")),
        "nodes": Spec("[Repository]", key("nodes")),
        "edges": Spec("[RepositoryEdge]", key("edges")),
    },
    "RepositoryEdge": _dict_fields(("cursor", "String!"), ("node", "Repository")),
    "PageInfo": _dict_fields(
        ("hasNextPage", "Boolean!"),
        ("endCursor", "String"),
        ("hasPreviousPage", "Boolean!"),
        ("startCursor", "String"),
    ),
    "LanguageConnection": {
        **_dict_fields(("totalCount", "Int!"), ("totalSize", "Int!"), ("pageInfo", "PageInfo!")),
        "edges": Spec("[LanguageEdge]", key("edges")),
        "nodes": Spec("[Language]", key("nodes")),
    },
    "LanguageEdge": _dict_fields(("size", "Int!"), ("node", "Language!")),
    "Language": _dict_fields(("name", "String!"), ("color", "String")),
    "License": _dict_fields(
        ("key", "String!"), ("name", "String!"), ("spdxId", "String"), ("url", "URI")
    ),
    "Release": _dict_fields(
        ("tagName", "String!"),
        ("name", "String"),
        ("publishedAt", "DateTime"),
        ("createdAt", "DateTime!"),
        ("url", "URI!"),
        ("isPrerelease", "Boolean!"),
        ("isDraft", "Boolean!"),
    ),
    "ReleaseConnection": {
        "totalCount": Spec("Int!", key("totalCount")),
        "nodes": Spec("[Release]", key("nodes")),
    },
    "UserConnection": _dict_fields(("totalCount", "Int!")),
    "StargazerConnection": _dict_fields(("totalCount", "Int!")),
    "IssueConnection": _dict_fields(("totalCount", "Int!")),
    "PullRequestConnection": _dict_fields(("totalCount", "Int!")),
    "Ref": _dict_fields(("name", "String!")),
    "RepositoryTopicConnection": {
        "totalCount": Spec("Int!", key("totalCount")),
        "nodes": Spec("[RepositoryTopic]", key("nodes")),
    },
    "RepositoryTopic": {"topic": Spec("Topic!", key("topic"))},
    "Topic": _dict_fields(("name", "String!")),
    "GitObject": {},
    "Tree": {"entries": Spec("[TreeEntry!]", key("entries"))},
    "TreeEntry": _dict_fields(
        ("name", "String!"),
        ("type", "String!"),
        ("path", "String"),
        ("mode", "Int!"),
        ("extension", "String"),
    ),
    "Blob": _dict_fields(("text", "String"), ("byteSize", "Int!"), ("isBinary", "Boolean")),
    "Commit": {
        "committedDate": Spec("DateTime!", key("committedDate")),
        "message": Spec("String!", key("message")),
        "history": Spec(
            "CommitHistoryConnection!",
            lambda o, a, c: {
                "__typename": "CommitHistoryConnection",
                "totalCount": o["totalCount"],
            },
            frozenset({"first", "after"}),
        ),
    },
    "CommitHistoryConnection": _dict_fields(("totalCount", "Int!")),
    "RateLimit": _dict_fields(
        ("cost", "Int!"),
        ("limit", "Int!"),
        ("remaining", "Int!"),
        ("used", "Int!"),
        ("resetAt", "DateTime!"),
        ("nodeCount", "Int!"),
    ),
}


# ---------------------------------------------------------------------------------------
# Validation and execution


def _possible(type_name: str) -> set[str]:
    return ABSTRACT.get(type_name, {type_name})


def _fields_of(type_name: str) -> dict[str, Spec]:
    return SCHEMA[type_name]


class _Run:
    def __init__(
        self, document: Document, variables: Mapping[str, Any], operation: Operation
    ) -> None:
        self.document = document
        self.operation = operation
        self.values: dict[str, Any] = {}
        for name, (kind, default) in operation.variables.items():
            value = variables.get(name, default)
            if value is None and kind.endswith("!"):
                raise GraphQLError(
                    f"Variable ${name} of type {kind} was provided invalid value",
                    code="variableMismatch",
                )
            self.values[name] = value
        self.used_fragments: set[str] = set()

    def argument_values(self, selection: Field) -> dict[str, Any]:
        return {
            name: self.resolve_value(value, selection)
            for name, value in selection.arguments.items()
        }

    def resolve_value(self, value: Any, where: Field) -> Any:
        if isinstance(value, Variable):
            if value.name not in self.values:
                raise GraphQLError(
                    f"Variable ${value.name} is used by "
                    f"{self.operation.name or 'anonymous query'} but not declared",
                    where.line,
                    where.column,
                    "variableNotDefined",
                )
            return self.values[value.name]
        if isinstance(value, list):
            return [self.resolve_value(v, where) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve_value(v, where) for k, v in value.items()}
        return value

    def flatten(
        self,
        selections: list[Any],
        type_name: str,
        concrete: str | None,
        seen: frozenset[str] = frozenset(),
    ) -> list[tuple[Field, str]]:
        """The fields to answer, each with the type it is read on (``concrete``: the
        object's own type, or None while validating, when every fragment is checked)."""
        fields: list[tuple[Field, str]] = []
        for selection in selections:
            inner_seen = seen
            if isinstance(selection, Field):
                fields.append((selection, type_name))
                continue
            if isinstance(selection, FragmentSpread):
                if selection.name not in self.document.fragments:
                    raise GraphQLError(
                        f"Fragment {selection.name} was used, but not defined",
                        selection.line,
                        selection.column,
                        "useAndDefineFragment",
                    )
                if selection.name in seen:
                    raise GraphQLError(
                        f"Fragment {selection.name} contains an infinite loop",
                        selection.line,
                        selection.column,
                        "infiniteLoop",
                    )
                self.used_fragments.add(selection.name)
                condition, inner = self.document.fragments[selection.name]
                line, column = selection.line, selection.column
                inner_seen = seen | {selection.name}
            else:
                condition, inner = selection.type_condition, selection.selections
                line, column = selection.line, selection.column
            if condition is not None:
                if condition not in SCHEMA:
                    raise GraphQLError(
                        f"No such type {condition}, so it can't be a fragment condition",
                        line,
                        column,
                        "undefinedType",
                    )
                if not _possible(condition) & _possible(type_name):
                    raise GraphQLError(
                        f"Fragment on {condition} can't be spread inside {type_name}",
                        line,
                        column,
                        "fragmentSpreadImpossible",
                    )
                applies = concrete is None or concrete in _possible(condition)
                if not applies:
                    continue
                inner_type = condition if concrete is None else type_name
            else:
                inner_type = type_name
            fields.extend(self.flatten(inner, inner_type, concrete, inner_seen))
        return fields

    def validate(
        self, selections: list[Any], type_name: str, path: list[Any], multiplier: int, ctx: Context
    ) -> None:
        for selection, read_on in self.flatten(selections, type_name, None):
            here = [*path, selection.key]
            if selection.name == "__typename":
                continue
            spec = _fields_of(read_on).get(selection.name)
            if spec is None:
                raise GraphQLError(
                    f"Field '{selection.name}' doesn't exist on type '{read_on}'",
                    selection.line,
                    selection.column,
                    "undefinedField",
                )
            # Every variable an argument names must be declared (this raises otherwise).
            self.argument_values(selection)
            for name in selection.arguments:
                if name not in spec.arguments:
                    raise GraphQLError(
                        f"Field '{selection.name}' doesn't accept argument '{name}'",
                        selection.line,
                        selection.column,
                        "argumentNotAccepted",
                    )
            for name in spec.required - set(selection.arguments):
                raise GraphQLError(
                    f"Field '{selection.name}' is missing required arguments: {name}",
                    selection.line,
                    selection.column,
                    "missingRequiredArguments",
                )
            scalar = spec.base in SCALARS
            if scalar and selection.selections:
                asked = ", ".join(s.name for s in selection.selections if isinstance(s, Field))
                raise GraphQLError(
                    f"Selections can't be made on scalars (field '{selection.name}' returns "
                    f"{spec.base} but has selections [{asked}])",
                    selection.line,
                    selection.column,
                    "selectionMismatch",
                )
            if not scalar and not selection.selections:
                raise GraphQLError(
                    f"Field must have selections (field '{selection.name}' returns {spec.base} "
                    f"but has no selections. Did you mean '{selection.name} {{ ... }}'?)",
                    selection.line,
                    selection.column,
                    "selectionMismatch",
                )
            inner = multiplier
            if "first" in spec.arguments:
                first = self.resolve_value(selection.arguments.get("first"), selection)
                if first is not None:
                    if not isinstance(first, int) or not 0 <= first <= MAX_FIRST:
                        raise GraphQLError(
                            f"Requesting {first} records on the `{selection.name}` connection "
                            f"exceeds the `first` limit of {MAX_FIRST} records.",
                            selection.line,
                            selection.column,
                            "argumentLimit",
                        )
                    # GitHub's cost: one request per connection and parent, a point per 100.
                    ctx.node_count += multiplier * first
                    ctx.requests += multiplier
                    inner = multiplier * max(first, 1)
            if not scalar:
                self.validate(selection.selections, spec.base, here, inner, ctx)

    def execute(
        self, selections: list[Any], type_name: str, value: Any, path: list[Any], ctx: Context
    ) -> dict[str, Any]:
        if type_name == "Query":
            concrete = "Query"
        else:
            concrete = _typename(value) if type_name in ABSTRACT else type_name
        result: dict[str, Any] = {}
        for selection, _ in self.flatten(selections, type_name, concrete):
            here = [*path, selection.key]
            if selection.name == "__typename":
                result[selection.key] = concrete
                continue
            spec = _fields_of(concrete).get(selection.name) or _fields_of(type_name)[selection.name]
            args = self.argument_values(selection)
            try:
                answer = spec.resolve(value, args, ctx)
            except _NotFound as missing:
                ctx.errors.append(
                    {
                        "type": "NOT_FOUND",
                        "path": here,
                        "locations": [{"line": selection.line, "column": selection.column}],
                        "message": str(missing),
                    }
                )
                result[selection.key] = None
                continue
            except GraphQLError as error:
                error.line, error.column = (
                    error.line or selection.line,
                    error.column or selection.column,
                )
                ctx.errors.append(error.as_json(here))
                result[selection.key] = None
                continue
            result[selection.key] = self.complete(selection, spec, answer, here, ctx)
        return result

    def complete(
        self, selection: Field, spec: Spec, answer: Any, path: list[Any], ctx: Context
    ) -> Any:
        if answer is None or spec.base in SCALARS:
            return answer
        if spec.type.startswith("["):
            return [
                self.execute(selection.selections, spec.base, item, [*path, i], ctx)
                for i, item in enumerate(answer)
            ]
        return self.execute(selection.selections, spec.base, answer, path, ctx)


def _choose(document: Document, name: str | None) -> Operation:
    if name:
        for operation in document.operations:
            if operation.name == name:
                return operation
        raise GraphQLError(f'No operation named "{name}"')
    if len(document.operations) > 1:
        raise GraphQLError("An operation name is required when the document has several operations")
    return document.operations[0]


@dataclass(frozen=True)
class Outcome:
    """An answer's body and the points it costs (a refused document costs 1, as on GitHub)."""

    body: dict[str, Any]
    cost: int


def cost_of(payload: Mapping[str, Any], ctx: Context) -> Outcome | tuple[_Run, Operation]:
    """Parse and validate ``payload``; an :class:`Outcome` when it is refused."""
    query = payload.get("query")
    if not isinstance(query, str) or not query.strip():
        return Outcome(
            {"errors": [{"message": "A query attribute must be specified and must be a string."}]},
            1,
        )
    variables = payload.get("variables") or {}
    if not isinstance(variables, Mapping):
        return Outcome({"errors": [{"message": "Variables are invalid JSON."}]}, 1)
    try:
        document = parse(query)
        operation = _choose(document, payload.get("operationName"))
        run = _Run(document, variables, operation)
        run.validate(operation.selections, "Query", ["query"], 1, ctx)
        unused = set(document.fragments) - run.used_fragments
        if unused:
            name = sorted(unused)[0]
            raise GraphQLError(
                f"Fragment {name} was defined, but not used", code="useAndDefineFragment"
            )
    except GraphQLError as error:
        return Outcome({"errors": [error.as_json()]}, 1)
    ctx.cost = max(1, math.ceil(ctx.requests / 100))
    return run, operation


def execute(payload: Mapping[str, Any], ctx: Context) -> Outcome:
    """Answer a GraphQL request body (``{"query": …, "variables": …}``) for ``ctx.forge``."""
    prepared = cost_of(payload, ctx)
    if isinstance(prepared, Outcome):
        return prepared
    run, operation = prepared
    data = run.execute(operation.selections, "Query", None, [], ctx)
    body: dict[str, Any] = {"data": data}
    if ctx.errors:
        body["errors"] = ctx.errors
    return Outcome(body, ctx.cost)
