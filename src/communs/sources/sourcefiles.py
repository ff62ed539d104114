"""Reading sources files: the forges, owners and organisations Communs harvests for.

Pure: no Django. ``read_file`` turns one file into plain entries and a list of
``Problem`` objects (file, line, column, message); ``combine`` merges the files of one
import, resolves each forge's software and gathers the organisations the entries name.
``communs.sources.importer`` stores the result.

The formats, detected from the content (``FORMATS`` names them for ``--format``):

``host-keyed``
    The 2025 ``comptes-organismes-publics.yml``: a top-level key per forge host with
    ``forge:`` (its software), optional ``url:``/``api_url:`` (otherwise the defaults of
    ``communs.forges.kinds``), ``pso_id``, ``ignored_since`` and ``owners:`` (owner path →
    ``{pso_id, floss_policy, ospo_url, ignored_since}`` or nothing). A forge listed without
    owners is dedicated to public code as a whole.
``url-keyed``
    The 2024 file: a key per URL of a forge or of an owner on a forge, with ``service_of``
    (organisation names from the body up its hierarchy), ``pso_id`` and ``floss_policy``
    lists, ``ignored_since`` and, rarely, ``forge``.
``url-list``
    The 2021 file: one forge or owner URL per line.
``top-organizations``
    ``top_organizations.yml``: pso_id → ministry name.
``platforms``
    ``platforms.csv`` (``domain_name,platform``): the software of forges whose entries do
    not say it.

YAML is read as a node tree (ruamel.yaml's composer), never constructed into objects:
only the core tags are accepted, the tree is bounded in depth and in size once aliases
are expanded (an "alias bomb" is refused before anything walks it), and every value
keeps its position for the messages.
"""

from __future__ import annotations

import copy
import csv
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from communs.forges.kinds import KINDS, default_api_url, default_web_url, guess_kind

HOST_KEYED = "host-keyed"
URL_KEYED = "url-keyed"
URL_LIST = "url-list"
MINISTRIES = "top-organizations"
PLATFORMS = "platforms"
FORMATS: tuple[str, ...] = (HOST_KEYED, URL_KEYED, URL_LIST, MINISTRIES, PLATFORMS)
# Formats that list forges and owners (as opposed to the lookup files read beside them).
SOURCES_FORMATS: frozenset[str] = frozenset({HOST_KEYED, URL_KEYED, URL_LIST})
# The lookup files read beside a sources file, and their formats.
SIBLINGS: dict[str, str] = {"top_organizations.yml": MINISTRIES, "platforms.csv": PLATFORMS}

# The directory's "unknown organisation".
UNKNOWN_PSO_ID = "00000000-0000-0000-0000-000000000000"
MAX_FILE_BYTES = 20 * 1024 * 1024
# Nodes once aliases are expanded, and nesting depth: far above any real sources file.
MAX_NODES = 1_000_000
MAX_DEPTH = 40
# Column sizes of the models the entries end in.
MAX_HOST = 255
MAX_PATH = 255
MAX_URL = 500
MAX_NAME = 300
MAX_KEY = 200

ERROR = "error"
WARNING = "warning"

# Where names come from, weakest first (the importer keeps the strongest).
NAMED_AFTER_ACCOUNT = "account"
NAMED_BY_SOURCES = "sources"
NAMED_BY_MINISTRIES = "ministries"

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_ALLOWED_TAGS |= {_TAG + "map", _TAG + "seq"}


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in a file, where it is: ``file:line:column: message``."""

    file: Path
    line: int | None
    column: int | None
    message: str
    severity: str = ERROR

    @property
    def location(self) -> str:
        return ":".join(str(part) for part in (self.file, self.line, self.column) if part)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(slots=True)
class OrganisationRef:
    """An organisation as one entry names it: by pso_id, by name, or both."""

    pso_id: str | None = None
    name: str = ""
    floss_policy_url: str = ""
    ospo_url: str = ""


@dataclass(slots=True)
class OwnerEntry:
    """An owner (account, group, sub-group) listed on a forge."""

    path: str
    file: Path
    line: int | None
    # The body first, then up its hierarchy (the 2024 ``service_of``).
    organisations: list[OrganisationRef] = field(default_factory=list)
    ignored_since: date | None = None
    # False when the entry has an error: it is skipped, and not taken as having left.
    valid: bool = True
    # The key of its organisation, set by ``combine``.
    organisation: str | None = None


@dataclass(slots=True)
class ForgeEntry:
    """A forge with the owners listed on it."""

    host: str
    file: Path
    line: int | None
    # None until ``combine`` resolves it, when the format does not say it.
    kind: str | None = None
    url: str = ""
    # Empty: the default for its kind, filled in by ``combine``.
    api_url: str = ""
    organisations: list[OrganisationRef] = field(default_factory=list)
    ignored_since: date | None = None
    owners: list[OwnerEntry] = field(default_factory=list)
    # The file lists owners for it (even invalid ones): never read it as a whole forge.
    lists_owners: bool = False
    valid: bool = True
    organisation: str | None = None

    @property
    def scope(self) -> str:
        """``instance`` for a forge dedicated to public code as a whole, else ``owners``."""
        return "owners" if self.lists_owners or self.owners else "instance"


@dataclass(slots=True)
class SourcesFile:
    """What one file holds, and what is wrong in it."""

    path: Path
    format: str | None
    forges: list[ForgeEntry] = field(default_factory=list)
    ministries: dict[str, str] = field(default_factory=dict)
    platforms: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # False when the file could not be read at all (missing, too big, not YAML…).
    readable: bool = True

    @property
    def lists_sources(self) -> bool:
        return self.format in SOURCES_FORMATS


@dataclass(slots=True)
class OrganisationEntry:
    """An organisation as the files of one import describe it."""

    # The pso_id, or for an organisation named without one, the key of its name.
    key: str
    pso_id: str | None = None
    name: str = ""
    name_origin: str = ""
    is_ministry: bool = False
    parent: str | None = None
    floss_policy_url: str = ""
    ospo_url: str = ""
    # Its first account (owner path or forge host): its name until a better one comes.
    first_account: str = ""


@dataclass(slots=True)
class Sources:
    """The files of one import, merged: what the database should hold."""

    forges: dict[str, ForgeEntry]
    organisations: dict[str, OrganisationEntry]
    problems: list[Problem]
    # Forges and owners named by entries that were skipped: not to be taken as gone.
    kept_forges: set[str]
    kept_owners: set[tuple[str, str]]
    # At least one sources file, and every one was read: what is missing really left.
    complete: bool

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]


def name_key(name: str) -> str:
    """A name folded for comparison: no case, no accents, punctuation as ``-``.

    ``Ministère de l'Économie`` and ``ministere de l’economie`` give the same key; it is
    also the slug of an organisation known only by its name.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:MAX_KEY].strip("-")


def parse_web_url(value: str, *, page: bool = False) -> str:
    """A forge's URL (or with ``page``, any web page's), without a trailing slash.

    ``ValueError`` says what is wrong. A forge's URL is a base that paths are appended
    to, so it cannot carry a query or a fragment; a page's may.
    """
    if any(c.isspace() for c in value):
        raise ValueError("a URL cannot contain spaces")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"}:
        raise ValueError("a URL must start with https:// or http://")
    if (parts.query or parts.fragment) and not page:
        raise ValueError("a forge's URL cannot have a query (?) or a fragment (#)")
    if "@" in parts.netloc:
        raise ValueError("a URL here cannot carry a user name or a password")
    _check_host(parts.hostname or "")
    try:
        parts.port  # noqa: B018 - reading it validates it
    except ValueError:
        raise ValueError("the port is not a number between 0 and 65535") from None
    url = value if page else value.rstrip("/")
    if len(url) > MAX_URL:
        raise ValueError(f"a URL is at most {MAX_URL} characters")
    return url


def _check_host(hostname: str) -> None:
    if ":" in hostname:  # an IPv6 literal, which urlsplit has already checked
        return
    labels = hostname.split(".")
    if not hostname or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"{hostname!r} is not a host name")


def detect_format(text: str) -> str | None:
    """The format of a file from its first lines and top-level keys; None when unclear."""
    lines = [line.strip() for line in text.splitlines()]
    meaningful = [line for line in lines if line and not line.startswith("#")]
    if not meaningful:
        return None
    if meaningful[0].replace(" ", "").lower().startswith("domain_name,"):
        return PLATFORMS
    sample = meaningful[:200]
    if "://" in sample[0] and all(" " not in line and not line.endswith(":") for line in sample):
        return URL_LIST
    keys = [
        match.group(1)
        for raw in text.splitlines()
        if (match := re.match(r"(?:['\"]?)([^\s#'\"-][^'\"]*?)(?:['\"]?):(?:\s|$)", raw))
    ]
    if not keys:
        return None
    if sum(bool(_UUID.fullmatch(key)) for key in keys) * 2 > len(keys):
        return MINISTRIES
    if sum("://" in key for key in keys) * 2 > len(keys):
        # Other lists are keyed by URL too (OSPOs, awesome repositories): the 2024
        # format is the one whose entries hold its own fields.
        fields = re.findall(r"^[ \t]+([A-Za-z_]+):", text, re.MULTILINE)
        known = sum(name in _URL_KEYED_FIELDS for name in fields)
        return URL_KEYED if fields and known * 2 > len(fields) else None
    return HOST_KEYED


def format_of_sibling(path: Path) -> str | None:
    """The format of a lookup file read beside a sources file, from its name."""
    return SIBLINGS.get(path.name)


def read_file(path: Path, fmt: str | None = None) -> SourcesFile:
    """Read one file; ``fmt`` forces its format, else it is detected from the content.

    Never raises for bad input: every problem lands in ``SourcesFile.problems``.
    """
    result = SourcesFile(path=path, format=fmt)
    text = _read_text(path, result.problems)
    if text is None:
        result.readable = False
        return result
    if fmt is None:
        fmt = result.format = detect_format(text)
    if fmt is None:
        result.problems.append(
            Problem(path, None, None, "cannot tell the format of this file: use --format")
        )
        result.readable = False
        return result
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == URL_LIST:
        result.forges = _read_url_list(path, text, result.problems)
    elif fmt == PLATFORMS:
        result.platforms = _read_platforms(path, text, result.problems)
    else:
        reader = _YamlReader(path, result.problems)
        root = reader.load(text)
        if root is None:
            result.readable = False
        elif fmt == HOST_KEYED:
            result.forges = _read_host_keyed(reader, root)
        elif fmt == URL_KEYED:
            result.forges = _read_url_keyed(reader, root)
        else:
            result.ministries = _read_ministries(reader, root)
    return result


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    try:
        with path.open("rb") as handle:
            # Read one byte past the limit rather than trusting the size on disk.
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        problems.append(Problem(path, None, None, f"cannot read the file: {error.strerror}"))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.append(
            Problem(path, None, None, f"the file is over {MAX_FILE_BYTES // 2**20} MB: refused")
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(Problem(path, line, None, "the file is not UTF-8 text"))
        return None


# ---------------------------------------------------------------------------------------
# YAML as positioned nodes


class _YamlReader:
    """Reads values out of a node tree, recording each problem with its position."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems

    @property
    def error_count(self) -> int:
        return sum(1 for p in self.problems if p.severity == ERROR)

    def problem(self, node: Node | None, message: str, severity: str = ERROR) -> None:
        mark = getattr(node, "start_mark", None)
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        self.problems.append(Problem(self.path, line, column, message, severity))

    def load(self, text: str) -> Node | None:
        """The document's root node, or None (with a problem) when it cannot be used."""
        try:
            root = YAML(typ="safe", pure=True).compose(text)
        except MarkedYAMLError as error:
            self._yaml_error(error, text)
            return None
        except YAMLError as error:
            self.problem(None, f"invalid YAML: {error}")
            return None
        except RecursionError:
            self.problem(None, "invalid YAML: nested too deeply")
            return None
        if root is None:
            self.problem(None, "the file holds no entries")
            return None
        try:
            _check_tree(root, {}, set(), 0)
        except _TreeRefused as refusal:
            self.problem(refusal.node, refusal.message)
            return None
        return root

    def _yaml_error(self, error: MarkedYAMLError, text: str) -> None:
        mark = error.problem_mark or error.context_mark
        message = f"invalid YAML: {error.problem or error.context}"
        if error.context and error.problem:
            where = ""
            if error.context_mark is not None and error.context_mark.line != mark.line:
                where = f" from line {error.context_mark.line + 1}"
            message += f" ({error.context}{where})"
        if mark is not None and mark.index >= len(text.rstrip()):
            message += "; is the file truncated?"
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        self.problems.append(Problem(self.path, line, column, message))

    def pairs(
        self, node: Node, what: str, fold: Callable[[str], str] = str
    ) -> list[tuple[str, Node, Node]]:
        """A mapping's ``(key, key node, value node)``, each key once.

        Keys are compared after ``fold``. A key given twice is a warning and its last
        value wins, as with the YAML readers code.gouv.fr used: the real 2025 file gives
        one forge two ``pso_id``s.
        """
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping (key: value), not {_describe(node)}")
            return []
        index: dict[str, int] = {}
        result: list[tuple[str, Node, Node]] = []
        for key_node, value_node in node.value:
            key = self.key(key_node)
            if key is None:
                continue
            folded = fold(key)
            if folded not in index:
                index[folded] = len(result)
                result.append((key, key_node, value_node))
                continue
            _, first_key, first_value = result[index[folded]]
            first_line = first_key.start_mark.line + 1
            if _plain(first_value) == _plain(value_node):
                message = f"`{key}` is given twice (also at line {first_line}), the same way"
            else:
                message = (
                    f"`{key}` is given twice with different values (first at line "
                    f"{first_line}): the last one is used"
                )
            self.problem(key_node, message, WARNING)
            result[index[folded]] = (key, key_node, value_node)
        return result

    def key(self, node: Node) -> str | None:
        # Keys are read as written: an owner named 2024 stays "2024", not a number.
        if isinstance(node, ScalarNode) and str(node.tag) != _TAG + "null":
            return str(node.value).strip()
        self.problem(node, f"a key must be text, not {_describe(node)}")
        return None

    def fields(self, node: Node, what: str, known: Iterable[str]) -> dict[str, tuple[Node, Node]]:
        """The fields of an entry (nothing for an empty one); unknown ones are warned about."""
        if _is_null(node):
            return {}
        allowed = set(known)
        result: dict[str, tuple[Node, Node]] = {}
        for key, key_node, value_node in self.pairs(node, what):
            if key in allowed:
                result[key] = (key_node, value_node)
            else:
                expected = ", ".join(sorted(allowed))
                self.problem(
                    key_node, f"{what}: unknown field `{key}` ignored ({expected})", WARNING
                )
        return result

    def text(self, node: Node, what: str) -> str | None:
        """A text value, stripped; None for an empty one or (with a problem) a wrong type."""
        if _is_null(node):
            return None
        if isinstance(node, ScalarNode) and str(node.tag) == _TAG + "str":
            return str(node.value).strip() or None
        self.problem(node, f"{what} must be text, not {_describe(node)}")
        return None

    def texts(self, node: Node, what: str) -> list[str | None]:
        """A list of texts (a single text is a list of one); empty items stay as None."""
        if isinstance(node, SequenceNode):
            return [self.text(item, what) for item in node.value]
        if _is_null(node):
            return []
        return [self.text(node, what)]

    def date(self, node: Node, what: str) -> date | None:
        if _is_null(node):
            return None
        value = str(node.value).strip() if isinstance(node, ScalarNode) else ""
        if str(node.tag) in {_TAG + "timestamp", _TAG + "str"} and _DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.problem(node, f"{what} must be a date written YYYY-MM-DD, not {_describe(node)}")
        return None

    def pso_id(self, node: Node, what: str) -> str | None:
        """A directory identifier, lowercased; None when absent or unknown (all zeros)."""
        value = self.text(node, what)
        if value is None:
            return None
        if not _UUID.fullmatch(value):
            self.problem(node, f"{what} must be a directory identifier (a UUID), not `{value}`")
            return None
        value = value.lower()
        return None if value == UNKNOWN_PSO_ID else value

    def url(self, node: Node, what: str, *, page: bool = False) -> str:
        value = self.text(node, what)
        if value is None:
            return ""
        try:
            return parse_web_url(value, page=page)
        except ValueError as error:
            self.problem(node, f"{what}: bad URL `{value}`: {error}")
            return ""

    def kind(self, node: Node, what: str) -> str | None:
        value = self.text(node, what)
        if value is None:
            return None
        if value.lower() not in KINDS:
            self.problem(
                node, f"{what}: unknown forge kind `{value}` (expected one of {', '.join(KINDS)})"
            )
            return None
        return value.lower()

    def owner_path(self, node: Node, path: str) -> str | None:
        cleaned = path.strip().strip("/")
        problem = _owner_path_problem(cleaned)
        if problem:
            self.problem(node, f"owner `{path}`: {problem}")
            return None
        return cleaned


class _TreeRefused(Exception):
    def __init__(self, node: Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def _check_tree(node: Node, sizes: dict[int, int], open_nodes: set[int], depth: int) -> int:
    """The node's size with aliases expanded; raises ``_TreeRefused`` past the bounds.

    Sizes are memoised per node, so a shared (aliased) node is measured once however
    many times it is used: an alias bomb is refused after a few thousand steps.
    """
    if depth > MAX_DEPTH:
        raise _TreeRefused(node, f"nested more than {MAX_DEPTH} levels deep: refused")
    identity = id(node)
    if identity in sizes:
        return sizes[identity]
    if identity in open_nodes:
        raise _TreeRefused(node, "an alias refers to a value that contains it: refused")
    if str(node.tag) not in _ALLOWED_TAGS:
        raise _TreeRefused(node, f"the YAML tag `{node.tag}` is not allowed in a sources file")
    open_nodes.add(identity)
    size = 1
    if isinstance(node, MappingNode):
        for key, value in node.value:
            size += _check_tree(key, sizes, open_nodes, depth + 1)
            size += _check_tree(value, sizes, open_nodes, depth + 1)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            size += _check_tree(item, sizes, open_nodes, depth + 1)
    open_nodes.discard(identity)
    if size > MAX_NODES:
        raise _TreeRefused(
            node, f"the file expands to over {MAX_NODES:,} values (an alias bomb?): refused"
        )
    sizes[identity] = size
    return size


def _plain(node: Node) -> object:
    """A node as nested tuples, to compare two values (the tree is already bounded)."""
    if isinstance(node, MappingNode):
        return tuple((_plain(k), _plain(v)) for k, v in node.value)
    if isinstance(node, SequenceNode):
        return tuple(_plain(item) for item in node.value)
    return (str(node.tag), node.value)


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and str(node.tag) == _TAG + "null"


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    tag = str(node.tag).removeprefix(_TAG)
    names = {"int": "a number", "float": "a number", "bool": "true/false", "null": "nothing"}
    if tag in names:
        return f"{names[tag]} (`{node.value}`)" if tag != "null" else names[tag]
    return f"`{node.value}`"


def _owner_path_problem(path: str) -> str | None:
    if not path:
        return "the owner path is empty"
    if any(c.isspace() for c in path) or "://" in path or any(c in path for c in "?#"):
        return "an owner path is a name like `group` or `group/sub`"
    if len(path) > MAX_PATH:
        return f"an owner path is at most {MAX_PATH} characters"
    return None


# ---------------------------------------------------------------------------------------
# The formats

_FORGE_FIELDS = ("forge", "owners", "pso_id", "ignored_since", "url", "api_url")
_FORGE_FIELDS += ("floss_policy", "ospo_url")
_OWNER_FIELDS = ("pso_id", "floss_policy", "ospo_url", "ignored_since")
_URL_KEYED_FIELDS = ("service_of", "pso_id", "floss_policy", "ospo_url", "ignored_since")
_URL_KEYED_FIELDS += ("forge", "api_url")


def _read_host_keyed(reader: _YamlReader, root: Node) -> list[ForgeEntry]:
    forges: list[ForgeEntry] = []
    for key, key_node, value_node in reader.pairs(root, "the file", fold=str.lower):
        before = reader.error_count
        line = key_node.start_mark.line + 1
        # Host names have no case; the key as written still gives the default URL.
        host = key.lower()
        forge = ForgeEntry(host=host, file=reader.path, line=line)
        what = f"forge {host}"
        fields = reader.fields(value_node, what, _FORGE_FIELDS)
        if "forge" in fields:
            forge.kind = reader.kind(fields["forge"][1], f"{what}: forge")
        elif reader.error_count == before:
            reader.problem(
                key_node, f"{what}: `forge:` is missing (its software: {', '.join(KINDS)})"
            )
        if "url" in fields:
            forge.url = reader.url(fields["url"][1], f"{what}: url")
        else:
            # Without url: the key is a host (with perhaps a port and a path prefix).
            try:
                forge.url = parse_web_url(default_web_url(key))
            except ValueError as error:
                reader.problem(
                    key_node,
                    f"`{host}` is not a forge host ({error}): write its host, like "
                    "gitlab.example.org, or give its address in `url:`",
                )
        if len(host) > MAX_HOST or any(c.isspace() for c in host):
            reader.problem(key_node, f"a forge key has no spaces and at most {MAX_HOST} characters")
        if "api_url" in fields:
            forge.api_url = reader.url(fields["api_url"][1], f"{what}: api_url")
        if "ignored_since" in fields:
            forge.ignored_since = reader.date(fields["ignored_since"][1], f"{what}: ignored_since")
        ref = _organisation_ref(reader, fields, what)
        forge.organisations = [ref] if ref else []
        owners_node = fields["owners"][1] if "owners" in fields else None
        if owners_node is not None and not _is_null(owners_node):
            forge.lists_owners = True
            if not isinstance(owners_node, MappingNode):
                reader.problem(
                    owners_node,
                    f"{what}: owners must be a mapping of owner paths, "
                    f"not {_describe(owners_node)}",
                )
        # Errors among the owners leave out those owners only, not the whole forge.
        forge.valid = reader.error_count == before
        if forge.lists_owners and isinstance(owners_node, MappingNode):
            forge.owners = _read_owners(reader, owners_node, forge)
        forges.append(forge)
    return forges


def _read_owners(reader: _YamlReader, node: Node, forge: ForgeEntry) -> list[OwnerEntry]:
    owners: list[OwnerEntry] = []
    # Forges compare owner names without case: Etalab and etalab are one account.
    for name, key_node, value_node in reader.pairs(node, f"forge {forge.host}: owners", str.lower):
        before = reader.error_count
        what = f"owner {name} on {forge.host}"
        path = reader.owner_path(key_node, name)
        owner = OwnerEntry(path=path or name, file=reader.path, line=key_node.start_mark.line + 1)
        fields = reader.fields(value_node, what, _OWNER_FIELDS)
        if "ignored_since" in fields:
            owner.ignored_since = reader.date(fields["ignored_since"][1], f"{what}: ignored_since")
        ref = _organisation_ref(reader, fields, what)
        if ref is not None and ref.pso_id is None and forge.organisations:
            # An owner without its own identifier belongs to the forge's organisation.
            ref.pso_id = forge.organisations[0].pso_id
        elif ref is None and forge.organisations:
            ref = OrganisationRef(pso_id=forge.organisations[0].pso_id)
        owner.organisations = [ref] if ref and (ref.pso_id or ref.name) else []
        owner.valid = reader.error_count == before
        owners.append(owner)
    return owners


def _organisation_ref(
    reader: _YamlReader, fields: dict[str, tuple[Node, Node]], what: str
) -> OrganisationRef | None:
    ref = OrganisationRef()
    if "pso_id" in fields:
        ref.pso_id = reader.pso_id(fields["pso_id"][1], f"{what}: pso_id")
    if "floss_policy" in fields:
        ref.floss_policy_url = reader.url(
            fields["floss_policy"][1], f"{what}: floss_policy", page=True
        )
    if "ospo_url" in fields:
        ref.ospo_url = reader.url(fields["ospo_url"][1], f"{what}: ospo_url", page=True)
    if ref.pso_id or ref.floss_policy_url or ref.ospo_url:
        return ref
    return None


def _split_source_url(value: str) -> tuple[str, str, str]:
    """``(host key, web URL, owner path)`` of a forge or owner URL; ValueError if malformed."""
    if "://" not in value:
        raise ValueError("expected the URL of a forge or of an owner on a forge")
    url = parse_web_url(value)
    parts = urlsplit(url)
    netloc = parts.netloc.lower()
    if len(netloc) > MAX_HOST:
        raise ValueError(f"a host is at most {MAX_HOST} characters")
    path = parts.path.strip("/")
    problem = _owner_path_problem(path) if path else None
    if problem:
        raise ValueError(problem)
    return netloc, f"{parts.scheme}://{netloc}", path


class _ForgeGroups:
    """Entries of the URL formats, grouped by forge in the order they first appear."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.forges: dict[str, ForgeEntry] = {}

    def forge(self, host: str, url: str, line: int) -> ForgeEntry:
        if host not in self.forges:
            self.forges[host] = ForgeEntry(host=host, file=self.path, line=line, url=url)
        return self.forges[host]


def _read_url_keyed(reader: _YamlReader, root: Node) -> list[ForgeEntry]:
    groups = _ForgeGroups(reader.path)

    def fold(key: str) -> str:
        return key.lower().rstrip("/")

    for key, key_node, value_node in reader.pairs(root, "the file", fold=fold):
        before = reader.error_count
        line = key_node.start_mark.line + 1
        try:
            host, url, path = _split_source_url(key)
        except ValueError as error:
            reader.problem(key_node, f"malformed key `{key}`: {error}")
            continue
        forge = groups.forge(host, url, line)
        fields = reader.fields(value_node, key, _URL_KEYED_FIELDS)
        if "forge" in fields:
            kind = reader.kind(fields["forge"][1], f"{key}: forge")
            if kind and forge.kind and kind != forge.kind:
                reader.problem(fields["forge"][1], f"{host} was said to run {forge.kind} above")
            elif kind:
                forge.kind = kind
        ignored_since = None
        if "ignored_since" in fields:
            ignored_since = reader.date(fields["ignored_since"][1], f"{key}: ignored_since")
        chain = _service_chain(reader, fields, key)
        if not path:
            if "api_url" in fields:
                forge.api_url = reader.url(fields["api_url"][1], f"{key}: api_url")
            forge.organisations = chain
            forge.ignored_since = ignored_since
            forge.line = line
            forge.valid = reader.error_count == before
            continue
        if "api_url" in fields:
            reader.problem(fields["api_url"][0], f"{key}: api_url belongs to the forge's own key")
        forge.lists_owners = True
        forge.owners.append(
            OwnerEntry(
                path=path,
                file=reader.path,
                line=line,
                organisations=chain,
                ignored_since=ignored_since,
                valid=reader.error_count == before,
            )
        )
    return _without_duplicate_owners(list(groups.forges.values()), reader.problems)


def _service_chain(
    reader: _YamlReader, fields: dict[str, tuple[Node, Node]], what: str
) -> list[OrganisationRef]:
    """The organisations of a 2024 entry: ``service_of`` names paired with ``pso_id``s."""
    names: list[str | None] = []
    pso_ids: list[str | None] = []
    if "service_of" in fields:
        names = reader.texts(fields["service_of"][1], f"{what}: service_of")
        for name in names:
            if name and len(name) > MAX_NAME:
                reader.problem(fields["service_of"][1], f"a name is at most {MAX_NAME} characters")
    if "pso_id" in fields:
        node = fields["pso_id"][1]
        items = node.value if isinstance(node, SequenceNode) else [node]
        pso_ids = [reader.pso_id(item, f"{what}: pso_id") for item in items]
    chain = [
        OrganisationRef(
            pso_id=pso_ids[i] if i < len(pso_ids) else None,
            name=(names[i] or "") if i < len(names) else "",
        )
        for i in range(max(len(names), len(pso_ids)))
    ]
    chain = [ref for ref in chain if ref.pso_id or ref.name]
    floss = ""
    if "floss_policy" in fields:
        node = fields["floss_policy"][1]
        items = node.value if isinstance(node, SequenceNode) else [node]
        urls = [reader.url(item, f"{what}: floss_policy", page=True) for item in items]
        floss = next((u for u in urls if u), "")
    ospo = (
        reader.url(fields["ospo_url"][1], f"{what}: ospo_url", page=True)
        if "ospo_url" in fields
        else ""
    )
    if chain:
        chain[0].floss_policy_url = floss
        chain[0].ospo_url = ospo
    return chain


def _without_duplicate_owners(
    forges: list[ForgeEntry], problems: list[Problem]
) -> list[ForgeEntry]:
    """Keep the first of owners listed twice on one forge (by URLs that differ in case)."""
    for forge in forges:
        seen: dict[str, OwnerEntry] = {}
        kept: list[OwnerEntry] = []
        for owner in forge.owners:
            first = seen.get(owner.path.lower())
            if first is None:
                seen[owner.path.lower()] = owner
                kept.append(owner)
                continue
            problems.append(
                Problem(
                    owner.file,
                    owner.line,
                    None,
                    f"owner {owner.path} on {forge.host} is listed twice (first at line "
                    f"{first.line}): this one is left out",
                    WARNING,
                )
            )
        forge.owners = kept
    return forges


def _read_url_list(path: Path, text: str, problems: list[Problem]) -> list[ForgeEntry]:
    groups = _ForgeGroups(path)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            host, url, owner = _split_source_url(line)
        except ValueError as error:
            problems.append(Problem(path, number, 1, f"malformed line `{line}`: {error}"))
            continue
        forge = groups.forge(host, url, number)
        if owner:
            forge.lists_owners = True
            forge.owners.append(OwnerEntry(path=owner, file=path, line=number))
        else:
            forge.line = number
    return _without_duplicate_owners(list(groups.forges.values()), problems)


def _read_ministries(reader: _YamlReader, root: Node) -> dict[str, str]:
    ministries: dict[str, str] = {}
    for key, key_node, value_node in reader.pairs(root, "the file", fold=str.lower):
        if not _UUID.fullmatch(key):
            reader.problem(key_node, f"`{key}` is not a directory identifier (a UUID)")
            continue
        before = reader.error_count
        name = reader.text(value_node, f"the name of {key}")
        if name is None:
            if reader.error_count == before:
                reader.problem(value_node, f"the name of ministry {key} is missing")
            continue
        if len(name) > MAX_NAME:
            reader.problem(value_node, f"a name is at most {MAX_NAME} characters")
            continue
        ministries[key.lower()] = name
    return ministries


def _read_platforms(path: Path, text: str, problems: list[Problem]) -> dict[str, str]:
    platforms: dict[str, str] = {}
    first_line: dict[str, int] = {}
    lines = text.splitlines()
    for number, row in enumerate(csv.reader(lines), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and [c.lower() for c in cells] == ["domain_name", "platform"]:
            continue
        if len(cells) != 2 or not all(cells):
            problems.append(
                Problem(path, number, None, "expected two columns: domain_name,platform")
            )
            continue
        host, kind = cells[0].lower(), cells[1].lower()
        if kind not in KINDS:
            problems.append(
                Problem(
                    path,
                    number,
                    None,
                    f"unknown forge kind `{cells[1]}` for {host}: expected one of "
                    + ", ".join(KINDS),
                )
            )
            continue
        if host in platforms and platforms[host] != kind:
            problems.append(
                Problem(
                    path,
                    number,
                    None,
                    f"{host} was said to run {platforms[host]} at line {first_line[host]}",
                )
            )
            continue
        platforms[host] = kind
        first_line.setdefault(host, number)
    return platforms


# ---------------------------------------------------------------------------------------
# One import: files merged, kinds resolved, organisations gathered


def combine(
    files: list[SourcesFile],
    *,
    known_kinds: dict[str, str] | None = None,
    known_ministries: dict[str, str] | None = None,
) -> Sources:
    """Merge the files of one import into what the database should hold.

    ``known_kinds`` (host → kind) and ``known_ministries`` (key → name) are what the
    database already knows. A forge whose entries do not say its software gets it from a
    platforms file of this import, else from ``known_kinds``, else from its host name
    (``guess_kind``); when none tells, it is an error. A forge listed by several files
    takes its first entry's details and the union of the owners.
    """
    problems = [problem for f in files for problem in f.problems]
    platforms: dict[str, str] = {}
    ministries: dict[str, str] = {}
    for sources_file in files:
        for host, kind in sources_file.platforms.items():
            platforms.setdefault(host, kind)
        for pso_id, name in sources_file.ministries.items():
            ministries.setdefault(pso_id, name)
    known_kinds = known_kinds or {}
    forges: dict[str, ForgeEntry] = {}
    kept_forges: set[str] = set()
    kept_owners: set[tuple[str, str]] = set()

    def keep(forge: ForgeEntry) -> None:
        kept_forges.add(forge.host)
        kept_owners.update((forge.host, owner.path.lower()) for owner in forge.owners)

    # Copies: merging changes entries, and the caller's files stay as they were read.
    for forge in copy.deepcopy([forge for f in files for forge in f.forges]):
        if not forge.valid:
            keep(forge)
            continue
        for owner in forge.owners:
            if not owner.valid:
                kept_owners.add((forge.host, owner.path.lower()))
        forge.owners = [owner for owner in forge.owners if owner.valid]
        if forge.kind is None:
            forge.kind = (
                platforms.get(forge.host) or known_kinds.get(forge.host) or guess_kind(forge.host)
            )
        if forge.kind is None:
            problems.append(
                Problem(
                    forge.file,
                    forge.line,
                    None,
                    f"cannot tell which software forge {forge.host} runs: add `forge:` or a "
                    "platforms.csv",
                )
            )
            keep(forge)
            continue
        first = forges.get(forge.host)
        if first is None:
            if not forge.api_url:
                forge.api_url = default_api_url(forge.kind, forge.url)
            forges[forge.host] = forge
        elif first.kind != forge.kind:
            problems.append(
                Problem(
                    forge.file,
                    forge.line,
                    None,
                    f"{forge.host} runs {first.kind} according to {first.file.name}:"
                    f"{first.line}, not {forge.kind}",
                )
            )
            keep(forge)
        else:
            _merge_forge(first, forge)
    organisations = _gather_organisations(forges, ministries, known_ministries or {})
    # A file whose format is unknown may have been a sources file.
    sources_files = [f for f in files if f.lists_sources or f.format is None]
    complete = bool(sources_files) and all(f.readable for f in sources_files)
    return Sources(
        forges=forges,
        organisations=organisations,
        problems=problems,
        kept_forges=kept_forges,
        kept_owners=kept_owners,
        complete=complete,
    )


def _merge_forge(first: ForgeEntry, other: ForgeEntry) -> None:
    first.organisations = first.organisations or other.organisations
    first.ignored_since = first.ignored_since or other.ignored_since
    first.lists_owners = first.lists_owners or other.lists_owners
    known = {owner.path.lower() for owner in first.owners}
    first.owners.extend(owner for owner in other.owners if owner.path.lower() not in known)


class _OrganisationIndex:
    """Turns the references of entries into organisation entries, one per key."""

    def __init__(self, ministries: dict[str, str], known_ministries: dict[str, str]) -> None:
        self.entries: dict[str, OrganisationEntry] = {}
        self.ministry_keys: set[str] = set()
        # name key → organisation key, for references by name alone.
        self.by_name: dict[str, str] = {}
        for key, name in known_ministries.items():
            # Known from the database: matched by name, but their names are left alone.
            self.entries[key] = OrganisationEntry(
                key=key, pso_id=key if _UUID.fullmatch(key) else None, is_ministry=True
            )
            self.ministry_keys.add(key)
            self.by_name.setdefault(name_key(name), key)
        for pso_id, name in ministries.items():
            self.entries[pso_id] = OrganisationEntry(
                key=pso_id,
                pso_id=pso_id,
                name=name,
                name_origin=NAMED_BY_MINISTRIES,
                is_ministry=True,
            )
            self.ministry_keys.add(pso_id)
            self.by_name[name_key(name)] = pso_id

    def learn_name(self, ref: OrganisationRef) -> None:
        """A reference with both a name and a pso_id tells what that name means."""
        if ref.pso_id and ref.name:
            self.by_name.setdefault(name_key(ref.name), ref.pso_id)

    def resolve(self, ref: OrganisationRef, account: str) -> str | None:
        """The key of the organisation ``ref`` names, its entry updated; None if unnamed."""
        if ref.pso_id:
            key = ref.pso_id
        elif name_key(ref.name):
            key = self.by_name.get(name_key(ref.name), name_key(ref.name))
        else:
            return None
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = OrganisationEntry(key=key, pso_id=ref.pso_id)
        # The first name a sources file gives wins; ministries keep their own.
        if ref.name and not entry.name_origin and not entry.is_ministry:
            entry.name, entry.name_origin = ref.name, NAMED_BY_SOURCES
        entry.floss_policy_url = entry.floss_policy_url or ref.floss_policy_url
        entry.ospo_url = entry.ospo_url or ref.ospo_url
        entry.first_account = entry.first_account or account
        return key

    def resolve_chain(self, refs: list[OrganisationRef], account: str) -> str | None:
        """The key of the body a chain starts with; parents linked along the chain."""
        keys: list[str] = []
        for ref in refs:
            key = self.resolve(ref, "" if keys else account)
            if key and key not in keys:
                keys.append(key)
        self.link(keys)
        return keys[0] if keys else None

    def link(self, keys: list[str]) -> None:
        """Set parents along a chain (body first), when the chain reaches a ministry.

        Without a ministry the list may name co-owners rather than a hierarchy, so it
        sets nothing. The first chain that gives an organisation a parent wins.
        """
        top = next((i for i, key in enumerate(keys) if key in self.ministry_keys), None)
        if not top:
            return
        for child, parent in zip(keys[:top], keys[1 : top + 1], strict=True):
            entry = self.entries[child]
            if entry.parent is None and not entry.is_ministry and not self._above(parent, child):
                entry.parent = parent

    def _above(self, key: str, other: str) -> bool:
        """Whether ``other`` is ``key`` or one of its ancestors (a link would make a cycle)."""
        seen: set[str] = set()
        node: str | None = key
        while node is not None and node not in seen:
            if node == other:
                return True
            seen.add(node)
            node = self.entries[node].parent
        return False

    def used(self, roots: Iterable[str]) -> dict[str, OrganisationEntry]:
        """The entries ``roots`` reach through their parents, the unnamed ones named.

        An organisation that is not a ministry and has no name yet is named after its
        first account; the importer keeps a better name it already has.
        """
        wanted: set[str] = set()
        for root in roots:
            node: str | None = root
            while node is not None and node not in wanted:
                wanted.add(node)
                node = self.entries[node].parent
        result = {key: entry for key, entry in self.entries.items() if key in wanted}
        for entry in result.values():
            if not entry.name and entry.first_account and not entry.is_ministry:
                entry.name = entry.first_account[:MAX_NAME]
                entry.name_origin = NAMED_AFTER_ACCOUNT
        return result


def _gather_organisations(
    forges: dict[str, ForgeEntry], ministries: dict[str, str], known_ministries: dict[str, str]
) -> dict[str, OrganisationEntry]:
    index = _OrganisationIndex(ministries, known_ministries)
    # A first pass learns which names the files pair with an identifier, so that a name
    # given alone before its identifier still finds the same organisation.
    for forge in forges.values():
        for ref in forge.organisations:
            index.learn_name(ref)
        for owner in forge.owners:
            for ref in owner.organisations:
                index.learn_name(ref)
    used: list[str] = list(ministries)
    for forge in forges.values():
        forge.organisation = index.resolve_chain(forge.organisations, forge.host)
        used.extend([forge.organisation] if forge.organisation else [])
        for owner in forge.owners:
            owner.organisation = index.resolve_chain(owner.organisations, owner.path)
            used.extend([owner.organisation] if owner.organisation else [])
    return index.used(used)
