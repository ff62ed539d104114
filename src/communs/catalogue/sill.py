"""The 2022 SILL files, read and checked: pure Python, no Django.

A SILL directory holds ``software.csv`` (one row per entry: the list of what the
catalogue holds), ``sill-softwares.json`` (the same entries as the SILL's API served
them: statuses, parents and similar software by id, the date each was referenced),
``services.csv`` (services deployed from them: instances) and, optionally,
``sill-contents.json`` (short keys: descriptions, logo, website, sources, sector and
category). :func:`read_sill` reads them all and returns one :class:`SillCatalogue`, or
raises :class:`SillError` naming the file, the line and what is wrong; nothing is
half-read.

``software.csv`` decides which entries exist: the JSON file has one entry more
(Grammalecte, id 56) that the CSV does not list; it is counted and left out. References
the SILL itself marks as unknown (``isKnown: false``, "Firefox" as a parent) point to
software outside the catalogue and are counted, not linked; a reference to an id that
neither file has is an error.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

SOFTWARE_CSV = "software.csv"
SERVICES_CSV = "services.csv"
SOFTWARES_JSON = "sill-softwares.json"
CONTENTS_JSON = "sill-contents.json"

# The files are a few hundred kilobytes; anything far larger is not a SILL export.
MAX_FILE_BYTES = 20 * 1024 * 1024

SOFTWARE_COLUMNS = ("ID", "nom", "fonction", "statut", "licence")
SERVICE_COLUMNS = ("id", "agency_name", "service_name", "service_url", "software_name")

# statut in software.csv and recommendationStatus in the JSON file → our status codes.
CSV_STATUSES = {"R": "recommended", "O": "observation", "FR": "dereferenced"}
JSON_STATUSES = {
    "recommended": "recommended",
    "in observation": "observation",
    "no longer recommended": "dereferenced",
}

# Usage scopes that open a service to anybody (the rest are for some agents only).
PUBLIC_SCOPES = ("tout le monde", "tous")


class SillError(ValueError):
    """A SILL file is missing or malformed; the message names the file and the place."""


@dataclass(frozen=True)
class SillSoftware:
    sill_id: int
    name: str
    function: str
    status: str
    licence: str
    wikidata_id: str
    comptoir_id: int | None
    version_minimal: str
    version_maximal: str
    added_at: datetime
    parent_id: int | None
    # A parent the SILL names but does not list ("Firefox"), matched by name if possible.
    parent_name: str
    similar_ids: tuple[int, ...]
    # Custom attributes: key → value ("true"/"false" for yes-or-no attributes).
    attributes: dict[str, str]
    description_fr: str = ""
    description_en: str = ""
    logo_url: str = ""
    website: str = ""
    repository_url: str = ""
    sector: str = ""
    category: str = ""


@dataclass(frozen=True)
class SillService:
    sill_service_id: int
    software_id: int | None
    software_name: str
    organisation_name: str
    name: str
    url: str
    description: str
    audience: str
    public: bool


@dataclass
class SillCatalogue:
    software: list[SillSoftware]
    services: list[SillService]
    # Facts worth reporting: what the files hold that the catalogue leaves out.
    ignored_json_entries: list[int] = field(default_factory=list)
    unknown_references: list[str] = field(default_factory=list)


# What each custom attribute is: key → (French label, English label, kind).
ATTRIBUTES: dict[str, tuple[str, str, str]] = {
    "in_support_contract": (
        "Présent dans le marché de support",
        "In the support contract",
        "boolean",
    ),
    "from_public_sector": (
        "Développé par le secteur public",
        "Made by the public sector",
        "boolean",
    ),
    "mim_group": ("Groupe MIM", "MIM group", "text"),
    "usage_context": ("Contexte d'usage", "Context of use", "text"),
    "sill_years": ("Années au SILL", "Years in the SILL", "text"),
    "catalogue_numerique_url": (
        "Fiche sur catalogue.numerique.gouv.fr",
        "Page on catalogue.numerique.gouv.fr",
        "text",
    ),
    "use_case_sheet_url": ("Fiche d'usage", "Use-case sheet", "text"),
    "workshop_url": ("Atelier BlueHats", "BlueHats workshop", "text"),
    "test_url": ("Essayer en ligne", "Try it online", "text"),
}


def read_sill(directory: Path) -> SillCatalogue:
    """Read and check the SILL files in ``directory``; raise :class:`SillError` if bad."""
    if not directory.is_dir():
        raise SillError(f"{directory}: not a directory")
    rows = _read_csv(directory / SOFTWARE_CSV, SOFTWARE_COLUMNS)
    entries = _read_json_list(directory / SOFTWARES_JSON)
    services = _read_csv(directory / SERVICES_CSV, SERVICE_COLUMNS)
    contents_path = directory / CONTENTS_JSON
    contents = _read_json_list(contents_path) if contents_path.exists() else []
    return parse_sill(rows, entries, services, contents)


def parse_sill(
    rows: list[tuple[int, dict[str, str]]],
    entries: list[Any],
    services: list[tuple[int, dict[str, str]]],
    contents: list[Any],
) -> SillCatalogue:
    """Turn the rows and JSON entries of the four files into a checked catalogue."""
    by_id: dict[int, tuple[int, dict[str, str]]] = {}
    for line, row in rows:
        sill_id = _integer(row["ID"], f"{SOFTWARE_CSV} line {line}: ID")
        if sill_id in by_id:
            raise SillError(f"{SOFTWARE_CSV} line {line}: ID {sill_id} appears twice")
        by_id[sill_id] = (line, row)

    json_by_id: dict[int, dict[str, Any]] = {}
    for index, entry in enumerate(entries):
        where = f"{SOFTWARES_JSON} entry {index}"
        if not isinstance(entry, dict) or not isinstance(entry.get("_id"), int):
            raise SillError(f"{where}: an object with an integer _id is expected")
        json_by_id[entry["_id"]] = entry
    content_by_id: dict[int, dict[str, Any]] = {}
    for index, entry in enumerate(contents):
        if not isinstance(entry, dict):
            raise SillError(f"{CONTENTS_JSON} entry {index}: an object is expected")
        content_by_id[_integer(str(entry.get("id", "")), f"{CONTENTS_JSON} entry {index}: id")] = (
            entry
        )

    unknown: list[str] = []
    known_ids = set(by_id) | set(json_by_id)
    software = []
    for sill_id, (line, row) in by_id.items():
        entry = json_by_id.get(sill_id, {})
        where = f"{SOFTWARE_CSV} line {line}"
        software.append(
            _software(
                sill_id, row, entry, content_by_id.get(sill_id, {}), where, known_ids, unknown
            )
        )

    parsed_services = []
    seen_services: set[int] = set()
    for line, row in services:
        where = f"{SERVICES_CSV} line {line}"
        service_id = _integer(row["id"], f"{where}: id")
        if service_id in seen_services:
            raise SillError(f"{where}: id {service_id} appears twice")
        seen_services.add(service_id)
        software_id = None
        if row.get("software_sill_id", "").strip():
            software_id = _integer(row["software_sill_id"], f"{where}: software_sill_id")
            if software_id not in by_id:
                raise SillError(
                    f"{where}: software_sill_id {software_id} is not an ID of {SOFTWARE_CSV}"
                )
        scope = (row.get("usage_scope") or "").strip()
        parsed_services.append(
            SillService(
                sill_service_id=service_id,
                software_id=software_id,
                software_name=row["software_name"].strip(),
                organisation_name=row["agency_name"].strip(),
                name=row["service_name"].strip() or row["software_name"].strip(),
                url=_url(row["service_url"]),
                description=(row.get("description") or "").strip(),
                audience=scope or (row.get("signup_scope") or "").strip(),
                public=scope.casefold().startswith(PUBLIC_SCOPES),
            )
        )
    return SillCatalogue(
        software=sorted(software, key=lambda s: s.sill_id),
        services=parsed_services,
        ignored_json_entries=sorted(set(json_by_id) - set(by_id)),
        unknown_references=unknown,
    )


def _software(
    sill_id: int,
    row: dict[str, str],
    entry: dict[str, Any],
    content: dict[str, Any],
    where: str,
    known_ids: set[int],
    unknown: list[str],
) -> SillSoftware:
    name = row["nom"].strip()
    if not name:
        raise SillError(f"{where}: the name (nom) is empty")
    # The JSON file carries the statuses the SILL served; the CSV is the fallback.
    status = JSON_STATUSES.get(entry.get("recommendationStatus", "")) or CSV_STATUSES.get(
        row["statut"].strip()
    )
    if status is None:
        raise SillError(f"{where}: unknown status {row['statut']!r}")
    wikidata_id = (row.get("wikidata") or "").strip() or str(entry.get("wikidataId") or "")
    if wikidata_id and not re.fullmatch(r"Q[1-9][0-9]*", wikidata_id):
        raise SillError(f"{where}: {wikidata_id!r} is not a Wikidata identifier")
    comptoir = (row.get("comptoir-du-libre") or "").strip()

    parent_id, parent_name = None, ""
    parent = entry.get("parentSoftware")
    if isinstance(parent, dict):
        if parent.get("isKnown") and isinstance(parent.get("softwareId"), int):
            parent_id = parent["softwareId"]
            if parent_id not in known_ids:
                raise SillError(f"{SOFTWARES_JSON} _id {sill_id}: unknown parent id {parent_id}")
        else:
            parent_name = str(parent.get("softwareName") or "")
    elif (row.get("parent") or "").strip():
        parent_name = row["parent"].strip()

    similar: list[int] = []
    alike = entry.get("alikeSoftwares", [])
    if not isinstance(alike, list):
        raise SillError(f"{SOFTWARES_JSON} _id {sill_id}: alikeSoftwares is not a list")
    for ref in alike:
        if isinstance(ref, dict) and ref.get("isKnown") and isinstance(ref.get("softwareId"), int):
            if ref["softwareId"] not in known_ids:
                raise SillError(
                    f"{SOFTWARES_JSON} _id {sill_id}: "
                    f"unknown similar software id {ref['softwareId']}"
                )
            if ref["softwareId"] != sill_id:
                similar.append(ref["softwareId"])
        elif isinstance(ref, dict):
            unknown.append(f"{name} ~ {ref.get('softwareName', '?')}")
    if not entry:
        # An entry only the CSV has: its similar software are ids in "similaire-a".
        for token in re.split(r"[;,]", row.get("similaire-a") or ""):
            if token.strip():
                ref_id = _integer(token, f"{where}: similaire-a")
                if ref_id not in known_ids:
                    raise SillError(f"{where}: unknown similar software id {ref_id}")
                similar.append(ref_id)

    if isinstance(entry.get("__referencedSinceTime"), int):
        added_at = datetime.fromtimestamp(entry["__referencedSinceTime"] / 1000, tz=UTC)
    else:
        years = re.findall(r"\d{4}", row.get("annees") or "")
        added_at = datetime(int(min(years)) if years else 2018, 1, 1, tzinfo=UTC)

    version_min = (row.get("version_min") or "").strip()
    version_max = (row.get("version_max") or "").strip()
    attributes = {
        "in_support_contract": _yes(row.get("support")),
        "from_public_sector": _yes(row.get("public")),
        "mim_group": (row.get("groupe") or "").strip(),
        "usage_context": (row.get("contexte-usage") or "").strip(),
        "sill_years": " ; ".join(re.findall(r"\d{4}", row.get("annees") or "")),
        "catalogue_numerique_url": _url(row.get("label")),
        "use_case_sheet_url": _url(row.get("fiche")),
        "workshop_url": _url(row.get("atelier")),
        "test_url": _url(row.get("test")),
    }
    return SillSoftware(
        sill_id=sill_id,
        name=name[:200],
        function=(row.get("fonction") or "").strip()[:300],
        status=status,
        licence=normalise_licence(row.get("licence") or ""),
        wikidata_id=wikidata_id,
        comptoir_id=_integer(comptoir, f"{where}: comptoir-du-libre") if comptoir else None,
        version_minimal=version_min[:100],
        version_maximal=version_max[:100],
        added_at=added_at,
        parent_id=parent_id,
        parent_name=parent_name,
        similar_ids=tuple(sorted(set(similar))),
        attributes={key: value for key, value in attributes.items() if value},
        description_fr=str(content.get("fr-desc") or "").strip(),
        description_en=str(content.get("en-desc") or "").strip(),
        logo_url=_url(content.get("logo")),
        website=_url(content.get("website")),
        repository_url=_url(content.get("sources")),
        sector=" ".join(str(content.get("se") or "").split()),
        category=" ".join(str(content.get("c") or "").split()),
    )


# One licence name as the SILL wrote it: "GPL V2.0", "LGPL-v2.1", "AGPL-3", "MPL 2.0".
_SPACED_VERSION = re.compile(r"^([A-Za-z]+)[ -]?[Vv]?(\d+)(?:\.(\d+))?(\+?)$")
_LIST_SEPARATORS = re.compile(r"\s*(?:,|/|\bet\b|\band\b)\s*")


def normalise_licence(text: str) -> str:
    """The SILL's licence text as an SPDX expression.

    ``"GPL V2.0"`` → ``"GPL-2.0"``, ``"AGPL-3"`` → ``"AGPL-3.0"``, ``"N/A"`` → ``""``. A
    list (``"LGPL-3.0, GPL-3.0, MPL-2.0"``, ``"MPL 2.0 et EPL 1.0"``) becomes an ``AND``:
    the SILL does not say whether it is a choice, and ``AND`` is the reading that never
    calls software free when one of its licences is not. Unknown names are kept as
    written, so nothing is lost and the free-licence test simply says no.
    """
    text = " ".join(text.split())
    if text.casefold() in {"", "n/a", "na", "?", "-"}:
        return ""
    parts = [p for p in _LIST_SEPARATORS.split(text) if p]
    return " AND ".join(dict.fromkeys(_licence_id(p) for p in parts))


@lru_cache(maxsize=1)
def _spdx_keys() -> frozenset[str]:
    from license_expression import get_spdx_licensing

    licensing = get_spdx_licensing()
    return frozenset(
        key for symbol in licensing.known_symbols.values() for key in (symbol.key, *symbol.aliases)
    )


def _licence_id(part: str) -> str:
    if part in _spdx_keys():
        return part
    if re.fullmatch(r"BSD-([234])\.0", part):
        return f"BSD-{part[4]}-Clause"
    match = _SPACED_VERSION.match(part)
    if match:
        name, major, minor, plus = match.groups()
        return f"{name.upper()}-{major}.{minor or '0'}{plus}"
    return part.replace(" ", "-")


def _yes(value: str | None) -> str:
    return "true" if (value or "").strip().casefold() in {"oui", "yes", "true", "1"} else "false"


def _url(value: object) -> str:
    text = str(value or "").strip()
    return text[:600] if re.match(r"https?://[^\s/]+", text) and " " not in text else ""


def _integer(value: str, what: str) -> int:
    text = value.strip()
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise SillError(f"{what}: {value!r} is not a whole number")
    return int(text)


def _read_bytes(path: Path) -> str:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise SillError(f"{path.name}: missing from {path.parent}") from None
    if size > MAX_FILE_BYTES:
        raise SillError(f"{path.name}: {size} bytes, more than a SILL file can be")
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SillError(f"{path.name}: not UTF-8 text (byte {error.start})") from None


def _read_csv(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV file with their line numbers; every required column present."""
    reader = csv.DictReader(io.StringIO(_read_bytes(path), newline=""), strict=True)
    try:
        header = reader.fieldnames or []
        missing = [column for column in required if column not in header]
        if missing:
            raise SillError(f"{path.name}: missing columns {', '.join(missing)}")
        rows = []
        for row in reader:
            if None in row:
                raise SillError(f"{path.name} line {reader.line_num}: more fields than columns")
            if any(value is None for value in row.values()):
                raise SillError(f"{path.name} line {reader.line_num}: fewer fields than columns")
            rows.append((reader.line_num, row))
    except csv.Error as error:
        raise SillError(f"{path.name} line {reader.line_num}: {error}") from None
    return rows


def _read_json_list(path: Path) -> list[Any]:
    try:
        data = json.loads(_read_bytes(path))
    except json.JSONDecodeError as error:
        raise SillError(
            f"{path.name} line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    if not isinstance(data, list):
        raise SillError(f"{path.name}: a JSON list is expected")
    return data
