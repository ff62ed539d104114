"""YAML 1.2 read into a small node tree that keeps the line and column of every node.

The tree is built from the parser's events, never constructed into Python objects, and
it is bounded while it is built: the input size, the nesting depth and the number of
values once aliases are expanded (an "alias bomb" is refused at the alias that crosses
the bound, before anything walks the tree). Several documents in one stream, duplicate
keys and aliases to unknown or unfinished anchors are refused too.

Scalars are typed by the YAML 1.2 core schema, as the reference validator's YAML library
types them: ``yes``, ``no``, ``on`` and ``off`` are strings, and so are dates such as
``2024-01-31``; only a quoted or block scalar is always a string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

# A publiccode.yml is a few kilobytes; ten thousand graphemes of description in a
# couple of dozen languages still fits well under this.
MAX_BYTES = 1024 * 1024
# Values once aliases are expanded, and nesting depth: far above any real file.
MAX_NODES = 50_000
MAX_DEPTH = 32

SCALAR = "scalar"
MAPPING = "mapping"
SEQUENCE = "sequence"

# Scalar types (the YAML 1.2 core schema).
STR = "str"
NULL = "null"
BOOL = "bool"
INT = "int"
FLOAT = "float"

_NULLS = frozenset(["", "~", "null", "Null", "NULL"])
_TRUES = frozenset(["true", "True", "TRUE"])
_FALSES = frozenset(["false", "False", "FALSE"])
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_CORE_TAG = "tag:yaml.org,2002:"


@dataclass(eq=False, slots=True)
class Node:
    """One YAML value: a scalar, a mapping (key and value nodes) or a sequence.

    ``line`` and ``column`` are 1-based and point where the value starts: the first key
    of a block mapping, the first ``-`` of a block sequence, the bracket of a flow one.
    An aliased value is the very node of its anchor, so the tree may share nodes.
    """

    kind: str
    line: int
    column: int
    text: str = ""
    type: str = STR
    flow: bool = False
    pairs: list[tuple[Node, Node]] = field(default_factory=list)
    items: list[Node] = field(default_factory=list)
    size: int = 1

    @property
    def is_null(self) -> bool:
        return self.kind == SCALAR and self.type == NULL

    def get(self, key: str) -> tuple[Node, Node] | None:
        """The (key node, value node) of ``key`` in a mapping, or None."""
        for key_node, value in self.pairs:
            if key_node.text == key:
                return key_node, value
        return None


class YamlFailure(Exception):
    """The input is not one readable, bounded YAML document."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def scalar_type(text: str, style: str | None, tag: str | None) -> str:
    """The core-schema type of a scalar from its text, quoting style and explicit tag."""
    if tag and tag != "!":
        short = tag.removeprefix(_CORE_TAG).removeprefix("!!")
        return short if short in (STR, NULL, BOOL, INT, FLOAT) else STR
    if style or tag == "!":
        return STR
    if text in _NULLS:
        return NULL
    if text in _TRUES or text in _FALSES:
        return BOOL
    if _INT.fullmatch(text):
        return INT
    if _FLOAT.fullmatch(text):
        return FLOAT
    return STR


def bool_value(node: Node) -> bool:
    return node.text in _TRUES


_yaml = YAML(typ="safe")


def parse(data: bytes | str) -> Node | None:
    """The document's root node (None for an empty stream); raises ``YamlFailure``.

    ``data`` as bytes must be UTF-8; the size bound applies to its encoded length.
    """
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise YamlFailure(f"the file is over {MAX_BYTES // 1024} KiB: refused")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise YamlFailure("Invalid UTF-8") from None
    else:
        text = data
        if len(text) > MAX_BYTES:
            raise YamlFailure(f"the file is over {MAX_BYTES // 1024} KiB: refused")
        # A str may hold lone surrogates (from JSON's \ud800): no UTF-8 file can.
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise YamlFailure("Invalid UTF-8") from None
    try:
        return _Builder().build(_yaml.parse(text))
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = str(error.problem or error.context or "invalid YAML")
        if error.context and error.problem:
            message = f"{error.problem} ({error.context})"
        if mark is None:
            raise YamlFailure(f"invalid YAML: {message}") from None
        raise YamlFailure(f"invalid YAML: {message}", mark.line + 1, mark.column + 1) from None
    except YAMLError as error:
        # Reader errors (control characters) carry a position but no mark.
        line = getattr(error, "line", None)
        raise YamlFailure(
            f"invalid YAML: {error}", (line or 0) + 1 if line is not None else 0
        ) from None
    except RecursionError:
        raise YamlFailure("invalid YAML: nested too deeply") from None


class _Builder:
    """Turns the parser's events into nodes, refusing what is out of bounds."""

    def __init__(self) -> None:
        self.anchors: dict[str, Node] = {}
        self.expanded = 0
        self.documents = 0

    def _count(self, amount: int, line: int, column: int) -> None:
        self.expanded += amount
        if self.expanded > MAX_NODES:
            raise YamlFailure(
                f"the file expands to over {MAX_NODES:,} values (an alias bomb?): refused",
                line,
                column,
            )

    def build(self, events: object) -> Node | None:
        root: Node | None = None
        # Open collections; a mapping also keeps its pending key.
        stack: list[tuple[Node, str | None, list[Node | None]]] = []
        for event in events:  # type: ignore[attr-defined]
            mark = event.start_mark
            line, column = mark.line + 1, mark.column + 1
            if isinstance(event, DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    raise YamlFailure(
                        "multiple YAML documents in one file are not supported", line, column
                    )
                continue
            node: Node | None = None
            if isinstance(event, ScalarEvent):
                kind_type = scalar_type(event.value, event.style or None, _explicit_tag(event))
                node = Node(SCALAR, line, column, text=event.value, type=kind_type)
                self._count(1, line, column)
                self._anchor(event.anchor, node)
            elif isinstance(event, AliasEvent):
                node = self.anchors.get(event.anchor)
                if node is None:
                    raise YamlFailure(f"undefined or recursive alias *{event.anchor}", line, column)
                self._count(node.size, line, column)
            elif isinstance(event, (MappingStartEvent, SequenceStartEvent)):
                kind = MAPPING if isinstance(event, MappingStartEvent) else SEQUENCE
                opened = Node(kind, line, column, flow=bool(event.flow_style))
                self._count(1, line, column)
                if len(stack) >= MAX_DEPTH:
                    raise YamlFailure(f"nested more than {MAX_DEPTH} levels deep: refused", line)
                stack.append((opened, event.anchor, [None]))
                continue
            elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                node, anchor, _ = stack.pop()
                node.size = (
                    1
                    + sum(k.size + v.size for k, v in node.pairs)
                    + sum(item.size for item in node.items)
                )
                if node.kind == MAPPING:
                    _refuse_duplicate_keys(node)
                self._anchor(anchor, node)
            else:
                continue
            if not stack:
                root = node
                continue
            parent, _, pending = stack[-1]
            if parent.kind == SEQUENCE:
                parent.items.append(node)
            elif pending[0] is None:
                pending[0] = node
            else:
                parent.pairs.append((pending[0], node))
                pending[0] = None
        return root

    def _anchor(self, anchor: str | None, node: Node) -> None:
        if anchor:
            self.anchors[anchor] = node


def _explicit_tag(event: ScalarEvent) -> str | None:
    # The parser leaves the tag empty unless the file wrote one (``!!str 12``).
    return None if event.tag is None else str(event.tag)


def _refuse_duplicate_keys(node: Node) -> None:
    seen: dict[str, Node] = {}
    for key, _ in node.pairs:
        if key.kind != SCALAR:
            continue
        first = seen.get(key.text)
        if first is not None:
            raise YamlFailure(
                f'mapping key "{key.text}" already defined at [{first.line}:{first.column}]',
                key.line,
                key.column,
            )
        seen[key.text] = key


def key_at_line(root: Node, line: int) -> str:
    """The dotted path of the first key (or sequence item) found at ``line``, or "".

    This is how the reference names the key of a type error: the error knows only its
    line, and the path is that of the first key or item met on it, depth first.
    """
    return _key_at_line(root, line, "")


def _key_at_line(node: Node, line: int, prefix: str) -> str:
    if node.kind == MAPPING:
        for key, value in node.pairs:
            path = key.text if not prefix else f"{prefix}.{key.text}"
            if key.line == line:
                return path
            found = _key_at_line(value, line, path)
            if found:
                return found
    elif node.kind == SEQUENCE:
        for index, item in enumerate(node.items):
            path = f"{prefix}[{index}]"
            if item.line == line:
                return path
            found = _key_at_line(item, line, path)
            if found:
                return found
    return ""


_INDEXED = re.compile(r"^(.*)\[([^\]]*)\]$")


def position_of(root: Node | None, key: str) -> tuple[int, int]:
    """The line and column to report for a result about ``key`` (a dotted path).

    A key present in the file is pointed at; a missing one at the nearest place that
    explains it, as the reference does: the first key of the block mapping that lacks
    it, the opening bracket of a flow mapping, or the value that has the wrong shape.
    Items are written ``name[0]``; a map key that is not a plain word ``name[en-GB]``.
    """
    if root is None or not key:
        return 0, 0
    return _position(root, key.split("."))


def _position(node: Node, parts: list[str]) -> tuple[int, int]:
    part = parts[0]
    base, index, map_key = part, -1, ""
    match = _INDEXED.match(part)
    if match:
        inside = match.group(2)
        if inside.isdigit():
            base, index = match.group(1), int(inside)
        elif inside:
            base, map_key = match.group(1), inside
    if node.kind == MAPPING:
        for key, value in node.pairs:
            if key.text != base:
                continue
            if index >= 0:
                if value.kind != SEQUENCE or index >= len(value.items):
                    return key.line, key.column
                item = value.items[index]
                if len(parts) == 1:
                    return item.line, item.column
                return _position(item, parts[1:])
            if map_key:
                return _position(value, [map_key, *parts[1:]])
            if len(parts) == 1:
                return key.line, key.column
            return _position(value, parts[1:])
        if node.flow:
            return node.line, node.column
        if len(parts) == 1 and node.pairs:
            first = node.pairs[0][0]
            return first.line, first.column
        return 0, 0
    return node.line, node.column
