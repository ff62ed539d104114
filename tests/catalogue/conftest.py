"""A small catalogue for the read-side tests, and a writer of SILL-shaped directories.

The people in it have e-mail addresses everywhere a careless page could leak them (as
username, address, in a description), so that every test can look for them.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from communs.catalogue.models import (
    AttributeDefinition,
    AttributeValue,
    Category,
    Instance,
    Moderation,
    Provider,
    Referent,
    Software,
    Status,
    Usage,
)
from communs.sources.models import Organisation

# Every address the fixture stores; none may appear in a public answer.
ADDRESSES = (
    "alice.durand@culture.gouv.fr",
    "bob.martin@interieur.gouv.fr",
    "carole@example.org",
    "jean.dupont@example.org",
)

SOFTWARE_HEADER = [
    "ID", "nom", "fonction", "annees", "statut", "parent", "public", "support", "similaire-a",
    "wikidata", "comptoir-du-libre", "licence", "contexte-usage", "label", "fiche", "atelier",
    "test", "groupe", "version_min", "version_max",
]  # fmt: skip
SERVICE_HEADER = [
    "id", "agency_name", "public_sector", "agency_url", "service_name", "service_url",
    "description", "software_name", "software_sill_id", "software_comptoir_id",
    "publication_date", "last_update_date", "signup_scope", "usage_scope",
    "signup_validation_method", "content_moderation_method",
]  # fmt: skip


def sill_row(sill_id: int, name: str, status: str = "R", **cells: str) -> dict[str, str]:
    row = dict.fromkeys(SOFTWARE_HEADER, "")
    row.update(ID=str(sill_id), nom=name, fonction=f"Function of {name}", statut=status)
    row.update(annees="2020 ; 2021", licence="MIT", groupe="MIMO", version_min="1.0")
    row.update(cells)
    return row


def sill_entry(sill_id: int, name: str, status: str = "recommended", **keys: Any) -> dict:
    entry = {
        "_id": sill_id,
        "_name": name,
        "__referencedSinceTime": 1577836800000,
        "recommendationStatus": status,
        "alikeSoftwares": [],
        "_license": "MIT",
    }
    entry.update(keys)
    return entry


def service_row(service_id: int, software_id: int | None, name: str, **cells: str) -> dict:
    row = dict.fromkeys(SERVICE_HEADER, "")
    row.update(
        id=str(service_id),
        agency_name="DINUM",
        service_name=name,
        service_url=f"https://{name.lower()}.example.org",
        software_name=name,
        software_sill_id="" if software_id is None else str(software_id),
        usage_scope="Tout le monde",
    )
    row.update(cells)
    return row


def write_sill(
    directory: Path,
    rows: list[dict[str, str]],
    entries: list[dict],
    services: list[dict[str, str]],
    contents: list[dict] | None = None,
) -> Path:
    """A directory shaped as the 2022 SILL export, from rows and entries."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, header, data in (
        ("software.csv", SOFTWARE_HEADER, rows),
        ("services.csv", SERVICE_HEADER, services),
    ):
        with (directory / name).open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=header)
            writer.writeheader()
            writer.writerows(data)
    (directory / "sill-softwares.json").write_text(json.dumps(entries), encoding="utf-8")
    if contents is not None:
        (directory / "sill-contents.json").write_text(json.dumps(contents), encoding="utf-8")
    return directory


@pytest.fixture
def small_sill(tmp_path: Path) -> Path:
    """Four entries: a plugin of the first, two similar ones, one dereferenced; three
    services, one running software outside the catalogue."""
    rows = [
        sill_row(1, "Tableur", support="Oui"),
        sill_row(2, "Greffon", parent="Tableur", licence="GPL V2.0"),
        sill_row(3, "Traitement", status="O", licence="N/A", **{"similaire-a": "4"}),
        sill_row(4, "Ancien", status="FR", version_min="1.0", version_max="2.4"),
    ]
    entries = [
        sill_entry(1, "Tableur"),
        sill_entry(2, "Greffon", parentSoftware={"isKnown": True, "softwareId": 1}),
        sill_entry(
            3,
            "Traitement",
            "in observation",
            alikeSoftwares=[
                {"isKnown": True, "softwareId": 4},
                {"isKnown": False, "softwareName": "Ailleurs"},
            ],
        ),
        sill_entry(4, "Ancien", "no longer recommended"),
    ]
    services = [
        service_row(10, 1, "Calc"),
        service_row(11, 1, "Calc-bis", usage_scope="Agents publics"),
        service_row(12, None, "Pix"),
    ]
    contents = [
        {
            "id": "1",
            "fr-desc": "Un **tableur**.",
            "en-desc": "A spreadsheet.",
            "website": "https://tableur.example.org",
            "sources": "https://git.example.org/tableur",
            "logo": "https://example.org/logo.png",
            "se": "Données et contenu",
            "c": "Bureautique",
        },
        {"id": "3", "se": "Données & contenu", "c": ""},
    ]
    return write_sill(tmp_path / "sill", rows, entries, services, contents)


@dataclass
class World:
    dinum: Organisation
    culture: Organisation
    sector: Category
    office: Category
    writer: Software
    sheet: Software
    plugin: Software
    proposal: Software
    alice: Any
    bob: Any


@pytest.fixture
def world(db: None) -> World:
    """Published entries with users, referents, instances; one proposal; people whose
    usernames and addresses are e-mail addresses."""
    users = get_user_model().objects
    alice = users.create_user(username=ADDRESSES[0], email=ADDRESSES[0])
    bob = users.create_user(username="bob", email=ADDRESSES[1])
    carole = users.create_user(username="carole", email=ADDRESSES[2], first_name=ADDRESSES[2])
    dinum = Organisation.objects.create(key="dinum", name="DINUM")
    culture = Organisation.objects.create(key="culture", name="Ministère de la Culture")
    sector = Category.objects.create(slug="donnees", name_fr="Données", name_en="Data")
    office = Category.objects.create(
        slug="bureautique", name_fr="Bureautique", name_en="Office", parent=sector
    )
    writer = Software.objects.create(
        name="Writer",
        slug="writer",
        function="Traitement de texte",
        description_fr=f"Un **traitement** de texte. <script>alert(1)</script> {ADDRESSES[3]}",
        description_en="A word processor.",
        licence="MPL-2.0",
        environments=["linux", "windows"],
        status=Status.RECOMMENDED,
        moderation=Moderation.PUBLISHED,
        added_at=datetime(2020, 1, 1, tzinfo=UTC),
        updated_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    writer.categories.add(office)
    sheet = Software.objects.create(
        name="Sheet",
        slug="sheet",
        function="Tableur",
        licence="LicenseRef-proprietary",
        environments=["macos"],
        status=Status.OBSERVATION,
        moderation=Moderation.PUBLISHED,
        added_at=datetime(2023, 1, 1, tzinfo=UTC),
        updated_at=datetime(2023, 6, 1, tzinfo=UTC),
    )
    sheet.categories.add(sector)
    plugin = Software.objects.create(
        name="Grammar",
        slug="grammar",
        licence="GPL-3.0-only",
        parent=writer,
        status=Status.DEREFERENCED,
        dereferenced_reason=f"Abandoned, ask {ADDRESSES[3]}",
        last_recommended_version="1.2",
        moderation=Moderation.PUBLISHED,
        added_at=datetime(2021, 1, 1, tzinfo=UTC),
        updated_at=datetime(2021, 1, 1, tzinfo=UTC),
    )
    proposal = Software.objects.create(
        name="Secret Proposal", slug="secret-proposal", proposed_by=bob
    )
    writer.similar.add(sheet)
    Usage.objects.create(software=writer, agent=alice, organisation=dinum, use_case="Notes")
    Usage.objects.create(software=writer, agent=bob, organisation=culture)
    Usage.objects.create(software=writer, agent=carole, organisation=culture)
    Usage.objects.create(software=sheet, organisation_name="Mairie de Lyon")
    Referent.objects.create(software=writer, agent=alice, organisation=dinum, is_expert=True)
    Referent.objects.create(software=sheet, agent=carole, organisation=culture, lapsed=True)
    Instance.objects.create(
        software=writer,
        organisation=dinum,
        name="Bureau DINUM",
        url="https://bureau.example.org",
        audience=f"Agents, contact {ADDRESSES[3]}",
    )
    Instance.objects.create(software=None, software_name="Pix", name="Pix", url="https://pix.fr")
    Provider.objects.create(name="Libre Services", website="https://services.example").software.add(
        writer
    )
    definition = AttributeDefinition.objects.create(
        key="rgaa", label_fr="Accessible (RGAA)", label_en="Accessible (RGAA)"
    )
    AttributeValue.objects.create(software=writer, definition=definition, value="true")
    return World(dinum, culture, sector, office, writer, sheet, plugin, proposal, alice, bob)
