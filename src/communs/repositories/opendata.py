"""Reading the open data that code.gouv.fr published into repository and account records.

code.gouv.fr published its index as ``repositories.csv`` (or the same objects as a JSON
list) and ``organizations.json``, each described by a Table Schema. This module reads
either file, checks every field, and returns plain records; it writes nothing, so a
file with problems can be refused whole before anything is stored.

What the files do not say, this module decides:

- Identity. The files carry no forge id, so a repository is its forge host plus its
  path, compared without case. The same repository listed under two organisation names
  (gricad-gitlab's ``OSUG`` group also appears as ``10``, its numeric id) is read once;
  the later row wins and :attr:`RepositoryListing.repeated` counts the others.
- Owner. On GitHub the owner is the first path segment. On GitLab the owner is the
  listed organisation when it is a prefix of the path (a group harvested with its
  sub-groups), else the path minus the name (a sub-group or a personal namespace).
- Licence. GitHub's licence titles become SPDX ids (:mod:`communs.licences`); an
  unknown title becomes ``NOASSERTION`` and is reported.

Every problem names the file, the line where the row starts and the row number (data
rows counted from 1, after the header). Problems that make the whole file unreadable
(not UTF-8, no header, missing columns, malformed CSV or JSON) raise
:class:`OpenDataError`; problems in one row are collected in ``problems`` so that the
caller can refuse the file or skip those rows.

Pure Python: no Django, importable on its own.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from communs.forges.records import RepositoryRecord
from communs.licences import NOASSERTION, spdx_id

# Columns of repositories.csv that a file must have (the schema's fields less the
# Software Heritage ones, which Communs does not store, and the later id/default_branch).
REPOSITORY_COLUMNS: tuple[str, ...] = (
    "name",
    "organization_name",
    "platform",
    "repository_url",
    "description",
    "is_fork",
    "is_archived",
    "creation_date",
    "last_update",
    "last_modification",
    "homepage",
    "stars_count",
    "forks_count",
    "license",
    "open_issues_count",
    "language",
    "topics",
)
ORGANISATION_COLUMNS: tuple[str, ...] = ("login", "organization_url", "platform")

# The schema's enum, and the forge kind each platform name stands for.
PLATFORM_KINDS: dict[str, str] = {"GitHub": "github", "GitLab": "gitlab"}
_KIND_BY_PLATFORM = {platform.lower(): kind for platform, kind in PLATFORM_KINDS.items()}

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
_INTEGER = re.compile(r"-?[0-9]+")
# The model's counters are PositiveIntegerFields: PostgreSQL refuses anything larger.
MAX_COUNT = 2_147_483_647


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in an input file, and where."""

    file: str
    line: int | None
    row: int | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.row is not None:
            where.append(f"row {self.row}")
        return f"{', '.join(where)}: {self.message}"


class OpenDataError(Exception):
    """The file cannot be read at all; nothing of it should be stored."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class RowError(ValueError):
    """One value of one row is wrong; the message names the column."""


@dataclass(slots=True)
class ListedRepository:
    """One repository of an open-data file: its forge, its record, and who listed it."""

    host: str
    kind: str
    record: RepositoryRecord
    # Every organisation name that listed it, in file order (twice when listed twice).
    listed_under: list[str]
    line: int
    row: int

    @property
    def owner(self) -> str:
        return owner_path(self.kind, self.record.full_path, self.listed_under)


@dataclass
class RepositoryListing:
    """What a repositories file holds: one entry per repository, and what went wrong."""

    file: str
    rows_read: int = 0
    # Keyed by (host, lowercased path): the identity of a repository without forge ids.
    by_identity: dict[tuple[str, str], ListedRepository] = field(default_factory=dict)
    repeated: int = 0
    problems: list[Problem] = field(default_factory=list)
    # Licence names that no SPDX id is known for, with their row counts.
    unknown_licences: Counter[str] = field(default_factory=Counter)

    @property
    def repositories(self) -> list[ListedRepository]:
        return list(self.by_identity.values())


@dataclass(slots=True)
class ListedAccount:
    """One owner account of an organisations file (``organizations.json``).

    The file's ``email`` is deliberately not read: Communs stores no personal address.
    """

    host: str
    kind: str
    path: str
    display_name: str
    description: str
    website: str
    avatar_url: str
    line: int
    row: int


@dataclass
class AccountListing:
    file: str
    rows_read: int = 0
    by_identity: dict[tuple[str, str], ListedAccount] = field(default_factory=dict)
    repeated: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def accounts(self) -> list[ListedAccount]:
        return list(self.by_identity.values())


# --- values ------------------------------------------------------------------------------


def parse_text(value: object, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | int | float):
        return str(value)
    raise RowError(f"{column}: expected text, got {type(value).__name__}")


def parse_bool(value: object, column: str) -> bool | None:
    """``True``/``False`` in any case (also 1/0, yes/no, JSON booleans); empty is None."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word == "":
            return None
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise RowError(f"{column}: {value!r} is not a boolean (True, False or empty)")


def parse_datetime(value: object, column: str) -> datetime | None:
    """An ISO 8601 date and time (``2018-08-29T16:00:02Z``) in UTC; empty is None.

    A time without an offset is taken as UTC, which is what the forges' APIs return.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise RowError(f"{column}: expected an ISO 8601 date, got {value!r}")
    text = value.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RowError(f"{column}: {value!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_count(value: object, column: str) -> int:
    """A whole number of 0 or more; empty counts as 0 (the forge did not say)."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise RowError(f"{column}: expected a number, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return 0
        if not _INTEGER.fullmatch(text):
            raise RowError(f"{column}: {value!r} is not a whole number")
        number = int(text)
    else:
        raise RowError(f"{column}: {value!r} is not a whole number")
    if number < 0:
        raise RowError(f"{column}: {value!r} is negative")
    if number > MAX_COUNT:
        raise RowError(f"{column}: {value!r} is too large")
    return number


def parse_topics(value: object, column: str) -> list[str]:
    """Comma-separated topics (or a JSON list) → a list without blanks or repeats."""
    if value is None:
        return []
    if isinstance(value, str):
        items: Iterable[object] = value.split(",")
    elif isinstance(value, list):
        items = value
    else:
        raise RowError(f"{column}: expected comma-separated topics, got {value!r}")
    topics: list[str] = []
    for item in items:
        topic = parse_text(item, column)
        if topic and topic not in topics:
            topics.append(topic)
    return topics


def parse_licence(value: object, column: str) -> tuple[str, bool]:
    """The SPDX id for a licence name, and whether the name was known."""
    name = parse_text(value, column)
    spdx = spdx_id(name)
    if spdx is None:
        return NOASSERTION, False
    return spdx, True


def parse_kind(value: object, column: str) -> str:
    platform = parse_text(value, column)
    kind = _KIND_BY_PLATFORM.get(platform.lower())
    if kind is None:
        expected = " or ".join(PLATFORM_KINDS)
        raise RowError(f"{column}: {platform!r} is not a known platform ({expected})")
    return kind


def split_url(value: object, column: str, min_segments: int = 1) -> tuple[str, str]:
    """``https://host/a/b`` → (host key, path ``a/b``), the host lowercased.

    The host key keeps a non-default port (``127.0.0.1:8123``) as forge host keys do.
    """
    url = parse_text(value, column)
    if not url:
        raise RowError(f"{column}: missing URL")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RowError(f"{column}: {url!r} is not a valid URL") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname or " " in url:
        raise RowError(f"{column}: {url!r} is not an http(s) URL")
    host = parts.hostname.lower()
    if port is not None and port != {"http": 80, "https": 443}[parts.scheme]:
        host = f"{host}:{port}"
    path = parts.path.strip("/").removesuffix(".git")
    if (len(path.split("/")) if path else 0) < min_segments or "//" in path:
        expected = "an owner/name path" if min_segments > 1 else "a path"
        raise RowError(f"{column}: {url!r} has no {expected}")
    return host, path


def owner_path(kind: str, full_path: str, listed_under: Iterable[str]) -> str:
    """The owner account's path of a repository, as the module docstring explains.

    ``listed_under`` are the organisation names that listed the repository; the longest
    one that is a prefix of the path wins, in the path's own spelling.
    """
    segments = full_path.split("/")
    if kind == "github":
        return segments[0]
    lowered = full_path.lower()
    best = ""
    for name in listed_under:
        prefix = name.strip("/").lower()
        if prefix and lowered.startswith(prefix + "/") and len(prefix) > len(best):
            best = prefix
    if best:
        return full_path[: len(best)]
    return "/".join(segments[:-1])


# --- files -------------------------------------------------------------------------------


def read_repositories(path: Path, *, name: str | None = None) -> RepositoryListing:
    """Read a repositories file (CSV or JSON list); raises :class:`OpenDataError`."""
    listing = RepositoryListing(file=name or str(path))
    for line, row, values in read_rows(path, REPOSITORY_COLUMNS, name=listing.file):
        listing.rows_read += 1
        try:
            if isinstance(values, RowError):
                raise values
            listed, licence_known = parse_repository(values, line=line, row=row)
        except RowError as error:
            listing.problems.append(Problem(listing.file, line, row, str(error)))
            continue
        if not licence_known:
            listing.unknown_licences[parse_text(values.get("license"), "license")] += 1
        key = (listed.host, listed.record.full_path.lower())
        earlier = listing.by_identity.pop(key, None)
        if earlier is not None:
            listing.repeated += 1
            listed.listed_under[:0] = earlier.listed_under
        listing.by_identity[key] = listed
    return listing


def parse_repository(
    values: Mapping[str, object], *, line: int, row: int
) -> tuple[ListedRepository, bool]:
    """One row → a listed repository and whether its licence name was known.

    All the row's problems are reported together, separated by semicolons.
    """
    errors: list[str] = []

    def check(parse: Callable[..., Any], column: str, *args: object) -> Any:
        try:
            return parse(values.get(column), column, *args)
        except RowError as error:
            errors.append(str(error))
            return None

    url_parts = check(split_url, "repository_url", 2)
    kind = check(parse_kind, "platform")
    is_fork = check(parse_bool, "is_fork")
    is_archived = check(parse_bool, "is_archived")
    created_at = check(parse_datetime, "creation_date")
    updated_at = check(parse_datetime, "last_update")
    pushed_at = check(parse_datetime, "last_modification")
    stars = check(parse_count, "stars_count")
    forks = check(parse_count, "forks_count")
    open_issues = check(parse_count, "open_issues_count")
    licence = check(parse_licence, "license")
    topics = check(parse_topics, "topics")
    texts = {
        column: check(parse_text, column)
        for column in (
            "name",
            "organization_name",
            "description",
            "homepage",
            "language",
            "default_branch",
            "id",
        )
    }
    if errors:
        raise RowError("; ".join(errors))
    host, full_path = url_parts
    record = RepositoryRecord(
        full_path=full_path,
        url=parse_text(values.get("repository_url"), "repository_url").rstrip("/"),
        # Later files carry the forge's id; the 2021 one does not.
        native_id=texts["id"] or None,
        name=texts["name"] or "",
        description=texts["description"] or "",
        default_branch=texts["default_branch"] or "",
        is_fork=is_fork,
        is_archived=bool(is_archived),
        homepage=texts["homepage"] or "",
        created_at=created_at,
        updated_at=updated_at,
        pushed_at=pushed_at,
        stars=stars,
        forks=forks,
        open_issues=open_issues,
        license=licence[0],
        language=texts["language"] or "",
        topics=topics,
    )
    listed_under = [texts["organization_name"]] if texts["organization_name"] else []
    return ListedRepository(host, kind, record, listed_under, line, row), licence[1]


def read_organisations(path: Path, *, name: str | None = None) -> AccountListing:
    """Read an organisations file (JSON list or CSV); raises :class:`OpenDataError`."""
    listing = AccountListing(file=name or str(path))
    for line, row, values in read_rows(path, ORGANISATION_COLUMNS, name=listing.file):
        listing.rows_read += 1
        try:
            if isinstance(values, RowError):
                raise values
            account = parse_account(values, line=line, row=row)
        except RowError as error:
            listing.problems.append(Problem(listing.file, line, row, str(error)))
            continue
        key = (account.host, account.path.lower())
        if listing.by_identity.pop(key, None) is not None:
            listing.repeated += 1
        listing.by_identity[key] = account
    return listing


def parse_account(values: Mapping[str, object], *, line: int, row: int) -> ListedAccount:
    errors: list[str] = []
    try:
        kind = parse_kind(values.get("platform"), "platform")
    except RowError as error:
        errors.append(str(error))
        kind = ""
    login = ""
    host = path = ""
    try:
        login = parse_text(values.get("login"), "login")
        if not login:
            raise RowError("login: missing")
        host, path = split_url(values.get("organization_url"), "organization_url")
    except RowError as error:
        errors.append(str(error))
    texts: dict[str, str] = {}
    for column in ("name", "description", "website", "avatar_url"):
        try:
            texts[column] = parse_text(values.get(column), column)
        except RowError as error:
            errors.append(str(error))
    if errors:
        raise RowError("; ".join(errors))
    # GitLab group pages live under /groups/; the account path is what follows.
    if kind == "gitlab" and path.startswith("groups/"):
        path = path.removeprefix("groups/")
    return ListedAccount(
        host=host,
        kind=kind,
        path=path or login,
        display_name=texts["name"],
        description=texts["description"],
        website=texts["website"],
        avatar_url=texts["avatar_url"],
        line=line,
        row=row,
    )


def read_rows(
    path: Path, required: Iterable[str], *, name: str
) -> Iterator[tuple[int, int, dict[str, object] | RowError]]:
    """Yield (line, row, values) for each data row of a CSV file or a JSON list.

    A row that cannot even be split into values (too few fields, not an object) comes
    as a :class:`RowError` in place of its values, so that it can be skipped alone.

    The format is the file's suffix (``.json``, ``.csv``), else its first character.
    ``line`` is where the row starts in the file; ``row`` counts data rows from 1.
    """
    try:
        handle = path.open("rb")
    except OSError as error:
        raise OpenDataError(Problem(name, None, None, error.strerror or str(error))) from None
    with handle:
        if _is_json(path, handle):
            yield from _json_rows(handle, required, name)
        else:
            yield from _csv_rows(handle, required, name)


def _is_json(path: Path, handle: BinaryIO) -> bool:
    suffix = path.suffix.lower()
    if suffix in {".json", ".csv"}:
        return suffix == ".json"
    start = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    handle.seek(0)
    return start[:1] in {b"[", b"{"}


def _decoded_lines(handle: BinaryIO, name: str) -> Iterator[str]:
    """The file's lines as text, refusing the first one that is not UTF-8."""
    for number, raw in enumerate(handle, start=1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            message = (
                f"not UTF-8 (byte 0x{raw[error.start]:02x} at column {error.start + 1}); "
                "save the file as UTF-8"
            )
            raise OpenDataError(Problem(name, number, None, message)) from None
        yield text


def _csv_rows(
    handle: BinaryIO, required: Iterable[str], name: str
) -> Iterator[tuple[int, int, dict[str, object] | RowError]]:
    # strict: a quote left open at the end of the file is an error, not a silent field.
    reader = csv.reader(_decoded_lines(handle, name), strict=True)
    try:
        header = next(reader, None)
        if not header:
            raise OpenDataError(Problem(name, 1, None, "empty file: no header row"))
        header = [column.strip() for column in header]
        missing = [column for column in required if column not in header]
        if missing:
            message = f"missing columns: {', '.join(missing)}"
            raise OpenDataError(Problem(name, 1, None, message))
        row = 0
        end = reader.line_num
        for values in reader:
            start, end = end + 1, reader.line_num
            if not values:
                continue  # a blank line
            row += 1
            if len(values) != len(header):
                problem = f"{len(values)} fields where the header has {len(header)}"
                if len(values) < len(header):
                    problem += " (a row cut short: is the file truncated?)"
                yield start, row, RowError(problem)
                continue
            yield start, row, dict(zip(header, values, strict=True))
    except csv.Error as error:
        message = str(error)
        if "unexpected end of data" in message:
            message = "the file ends inside a quoted field: is it truncated?"
        raise OpenDataError(Problem(name, reader.line_num, None, message)) from None


def _json_rows(
    handle: BinaryIO, required: Iterable[str], name: str
) -> Iterator[tuple[int, int, dict[str, object] | RowError]]:
    data = handle.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        message = f"not UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8"
        raise OpenDataError(Problem(name, line, None, message)) from None
    decoder = json.JSONDecoder()
    required = tuple(required)

    def fail(message: str, position: int) -> OpenDataError:
        return OpenDataError(Problem(name, text.count("\n", 0, position) + 1, None, message))

    # Entries are decoded one at a time so that each row knows the line it starts on.
    position = _skip_space(text, 0)
    if text[position : position + 1] != "[":
        raise fail("expected a JSON list of objects", position)
    position = _skip_space(text, position + 1)
    line, counted_to, row = 1, 0, 0
    if text[position : position + 1] == "]":
        end = position + 1
    else:
        while True:
            if position >= len(text):
                raise fail("the list is not closed: is the file truncated?", position)
            line += text.count("\n", counted_to, position)
            counted_to = position
            try:
                entry, position = decoder.raw_decode(text, position)
            except json.JSONDecodeError as error:
                problem = Problem(name, error.lineno, None, f"bad JSON: {error.msg}")
                raise OpenDataError(problem) from None
            row += 1
            if not isinstance(entry, dict):
                yield line, row, RowError(f"expected an object, got {type(entry).__name__}")
            elif missing := [column for column in required if column not in entry]:
                yield line, row, RowError(f"missing keys: {', '.join(missing)}")
            else:
                yield line, row, entry
            position = _skip_space(text, position)
            separator = text[position : position + 1]
            if separator == "]":
                end = position + 1
                break
            if separator != ",":
                raise fail("the list is not closed: is the file truncated?", position)
            position = _skip_space(text, position + 1)
    if _skip_space(text, end) != len(text):
        raise fail("unexpected text after the end of the list", end)


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position
