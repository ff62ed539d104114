"""Table Schemas of the open-data files, and a reader that checks a CSV cell against them.

A Table Schema (https://specs.frictionlessdata.io/table-schema/) names each column of a
file, its type, what it means and its constraints. The fields here must be exactly the
columns that :mod:`communs.repositories.exports` writes, in the same order: the tests
compare them with a published file's header and check its cells with
:func:`cell_problem`, and :func:`communs.opendata.publish.publish_open_data` refuses to
publish a dataset whose rows do not have these keys.

The CSV and JSON files hold the same rows but do not spell every value alike: a list
(``topics``) is a JSON array in the JSON file and a comma-joined string in the CSV file,
so each format gets its own schema (:func:`table_schema`).

Pure Python: no Django.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

PROFILE = "tabular-data-package"
# Table Schema's defaults, written out so that a reader need not know them.
TRUE_VALUES = ("true",)
FALSE_VALUES = ("false",)
MISSING_VALUES = ("",)


@dataclass(frozen=True, slots=True)
class TableField:
    """One column: its Table Schema type, and what the CSV file writes when it differs."""

    name: str
    type: str
    description: str
    required: bool = False
    format: str = ""
    minimum: int | None = None
    enum: tuple[str, ...] = ()
    unique: bool = False
    # The type in the CSV file when it is not ``type`` (a list written comma-joined).
    csv_type: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def type_in(self, file_format: str) -> str:
        return self.csv_type if file_format == "csv" and self.csv_type else self.type

    def descriptor(self, file_format: str) -> dict[str, Any]:
        """The field as a Table Schema field descriptor, for ``csv`` or ``json``."""
        kind = self.type_in(file_format)
        out: dict[str, Any] = {"name": self.name, "type": kind, "description": self.description}
        if self.format and kind == self.type:
            out["format"] = self.format
        if kind == "boolean":
            out["trueValues"] = list(TRUE_VALUES)
            out["falseValues"] = list(FALSE_VALUES)
        constraints: dict[str, Any] = {"required": self.required}
        if self.minimum is not None:
            constraints["minimum"] = self.minimum
        if self.enum:
            constraints["enum"] = list(self.enum)
        if self.unique:
            constraints["unique"] = True
        out["constraints"] = constraints
        out.update(self.extra)
        return out


def _datetime(name: str, description: str, *, required: bool = False) -> TableField:
    return TableField(name, "datetime", description + " ISO 8601, in UTC.", required=required)


def _count(name: str, description: str) -> TableField:
    return TableField(name, "integer", description, required=True, minimum=0)


REPOSITORY_FIELDS: tuple[TableField, ...] = (
    TableField(
        "forge",
        "string",
        "The forge's host key: its host name (gitlab.com), with a path when the forge is "
        "served under one (example.org/gitlab).",
        required=True,
    ),
    TableField(
        "owner",
        "string",
        "The owner's path on the forge: the user, group or sub-groups before the name "
        "(group/sub for group/sub/name).",
    ),
    TableField("name", "string", "The repository's name.", required=True),
    TableField(
        "full_name", "string", "The repository's path on the forge: owner/name.", required=True
    ),
    TableField(
        "url", "string", "The repository's web page on its forge.", required=True, format="uri"
    ),
    TableField(
        "description",
        "string",
        "The description the forge gives; e-mail addresses in it are replaced by "
        "[e-mail address hidden].",
    ),
    TableField("homepage", "string", "The project's website, as the forge gives it."),
    TableField("default_branch", "string", "The default branch, when the forge says."),
    TableField("is_fork", "boolean", "Whether it is a fork; empty when the forge does not say."),
    TableField("is_archived", "boolean", "Whether the forge marks it archived.", required=True),
    TableField(
        "is_template", "boolean", "Whether the forge marks it as a template.", required=True
    ),
    TableField(
        "license",
        "string",
        "The licence as an SPDX expression (MIT, EUPL-1.2); NOASSERTION when the forge "
        "names a licence it does not identify; empty when unknown.",
    ),
    TableField("language", "string", "The main language, as the forge names it."),
    TableField(
        "languages",
        "object",
        'Bytes of code per language, as the forge reports them: {"Python": 12345}.',
        required=True,
    ),
    TableField(
        "topics",
        "array",
        "The topics (tags) the forge lists; comma-joined in the CSV file (empty when there "
        "are none), an array of strings in the JSON file.",
        csv_type="string",
    ),
    _count("stars", "Stars (GitHub), or the forge's equivalent."),
    _count("forks", "Forks, as the forge counts them."),
    _count("watchers", "Watchers or subscribers, as the forge counts them."),
    _count("open_issues", "Open issues, as the forge counts them."),
    _datetime("created_at", "When the repository was created on the forge."),
    _datetime("updated_at", "When the forge last changed the repository's record."),
    _datetime("pushed_at", "The last push (or last activity when the forge gives no push)."),
    TableField(
        "organisation",
        "string",
        "The key of the public organisation the repository belongs to (see the "
        "organisations file); empty when unknown.",
    ),
    TableField("account", "string", "The path of the owner account it was harvested from."),
    _datetime("first_seen_at", "When Communs first saw the repository.", required=True),
    _datetime("last_harvested_at", "When a harvest last read it from the forge."),
    _datetime(
        "gone_since",
        "When its forge stopped listing it; empty while present (the files list present "
        "repositories only).",
    ),
)

ORGANISATION_FIELDS: tuple[TableField, ...] = (
    TableField(
        "key",
        "string",
        "A stable identifier: the directory identifier when there is one, else derived "
        "from the name.",
        required=True,
        unique=True,
    ),
    TableField("name", "string", "The organisation's name.", required=True),
    TableField(
        "pso_id",
        "string",
        "The identifier in the national directory of public services, when known.",
    ),
    TableField(
        "level",
        "string",
        "ministry, or organisation for everything below a ministry.",
        required=True,
        enum=("ministry", "organisation"),
    ),
    TableField("parent", "string", "The key of the organisation directly above it."),
    TableField("ministry", "string", "The key of the ministry it belongs to, at any depth."),
    TableField("website", "string", "Its website.", format="uri"),
    TableField("floss_policy_url", "string", "Its published open-source policy.", format="uri"),
    TableField(
        "ospo_url", "string", "Its open-source programme office (OSPO), if any.", format="uri"
    ),
    _count("accounts", "How many forge accounts are listed for it."),
    _count(
        "repositories",
        "How many present repositories its own accounts (or the forges it runs) publish; "
        "sub-organisations are counted apart.",
    ),
)


def table_schema(fields: tuple[TableField, ...], file_format: str) -> dict[str, Any]:
    """The Table Schema of a file in ``file_format`` (``csv`` or ``json``)."""
    schema: dict[str, Any] = {
        "fields": [item.descriptor(file_format) for item in fields],
        "missingValues": list(MISSING_VALUES),
    }
    unique = [item.name for item in fields if item.unique and item.required]
    if len(unique) == 1:
        schema["primaryKey"] = unique[0]
    return schema


# -- checking values -----------------------------------------------------------------------

_INTEGER = re.compile(r"-?\d+")


def _is_uri(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return bool(parts.scheme and (parts.netloc or parts.path))


def _parse_datetime(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def cell_problem(item: TableField, text: str, file_format: str = "csv") -> str | None:
    """Why the CSV cell ``text`` breaks ``item``'s type or constraints, or None if it fits.

    Covers what these schemas use: strings (with ``uri``), booleans, integers with a
    minimum, datetimes with a zone, JSON objects and arrays, required and enum.
    """
    if text in MISSING_VALUES:
        return f"{item.name}: required but empty" if item.required else None
    kind = item.type_in(file_format)
    if kind == "boolean":
        if text not in TRUE_VALUES + FALSE_VALUES:
            return f"{item.name}: {text!r} is not a boolean"
    elif kind == "integer":
        if not _INTEGER.fullmatch(text):
            return f"{item.name}: {text!r} is not an integer"
        if item.minimum is not None and int(text) < item.minimum:
            return f"{item.name}: {text} is below {item.minimum}"
    elif kind == "datetime":
        if _parse_datetime(text) is None:
            return f"{item.name}: {text!r} is not an ISO 8601 date and time with a zone"
    elif kind in ("object", "array"):
        try:
            value = json.loads(text)
        except ValueError:
            return f"{item.name}: {text!r} is not JSON"
        if not isinstance(value, dict if kind == "object" else list):
            return f"{item.name}: {text!r} is not a JSON {kind}"
    elif kind == "string" and item.format == "uri" and not _is_uri(text):
        return f"{item.name}: {text!r} is not a URI"
    if item.enum and text not in item.enum:
        return f"{item.name}: {text!r} is not one of {', '.join(item.enum)}"
    return None


def value_problem(item: TableField, value: object) -> str | None:
    """Why the JSON value ``value`` breaks ``item``'s type or constraints, or None."""
    if value is None:
        return f"{item.name}: required but null" if item.required else None
    expected: dict[str, type | tuple[type, ...]] = {
        "string": str,
        "boolean": bool,
        "integer": int,
        "datetime": str,
        "object": dict,
        "array": list,
    }
    kind = item.type
    if not isinstance(value, expected[kind]) or (kind == "integer" and isinstance(value, bool)):
        return f"{item.name}: {value!r} is not of type {kind}"
    if kind == "datetime" and _parse_datetime(str(value)) is None:
        return f"{item.name}: {value!r} is not an ISO 8601 date and time with a zone"
    if kind == "integer" and item.minimum is not None and int(value) < item.minimum:  # type: ignore[call-overload]
        return f"{item.name}: {value} is below {item.minimum}"
    if kind == "string" and item.format == "uri" and value and not _is_uri(str(value)):
        return f"{item.name}: {value!r} is not a URI"
    if item.enum and value not in item.enum:
        return f"{item.name}: {value!r} is not one of {', '.join(item.enum)}"
    return None
