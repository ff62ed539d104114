"""``catalogue.json`` (the public sill.json's shape), ``catalogue.csv``, and the two
open-data datasets with their Table Schemas."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.test import Client

from communs.opendata.datasets import DATASETS
from communs.opendata.publish import publish_open_data
from communs.opendata.schemas import cell_problem, value_problem

from .conftest import World

pytestmark = pytest.mark.django_db


def test_catalogue_json_counts_users_and_referents_per_organisation(
    client: Client, world: World
) -> None:
    response = client.get("/catalogue/catalogue.json")
    entries = {entry["softwareName"]: entry for entry in response.json()}

    assert response["Content-Type"] == "application/json"
    assert list(entries) == ["Grammar", "Sheet", "Writer"]
    writer = entries["Writer"]
    assert writer["userAndReferentCountByOrganization"] == {
        "DINUM": {"userCount": 1, "referentCount": 1},
        "Ministère de la Culture": {"userCount": 2, "referentCount": 0},
    }
    assert writer["hasExpertReferent"] is True
    assert writer["similarSoftwares"] == [{"softwareName": "Sheet", "isInSill": True}]
    assert writer["license"] == "MPL-2.0" and writer["isLibreSoftware"] is True
    assert writer["instances"][0]["organization"] == "DINUM"
    assert entries["Sheet"]["userAndReferentCountByOrganization"] == {
        "Mairie de Lyon": {"userCount": 1, "referentCount": 0}
    }
    grammar = entries["Grammar"]
    assert grammar["parentSoftware"] == {"softwareName": "Writer", "isInSill": True}
    assert grammar["dereferencing"]["lastRecommendedVersion"] == "1.2"
    assert grammar["isStillInObservation"] is False


def test_catalogue_csv_has_one_line_per_entry(client: Client, world: World) -> None:
    response = client.get("/catalogue/catalogue.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["slug"] for row in rows] == ["grammar", "sheet", "writer"]
    writer = rows[2]
    assert writer["users"] == "3" and writer["referents"] == "1"
    assert writer["environments"] == "linux,windows"
    assert json.loads(writer["organisations"])["DINUM"] == {"userCount": 1, "referentCount": 1}
    for row in rows:
        for field in DATASETS["catalogue"].fields:
            assert cell_problem(field, row[field.name]) is None, (field.name, row[field.name])


def test_the_datasets_are_published_with_their_schemas(world: World, tmp_path: Path) -> None:
    publication = publish_open_data(tmp_path)

    names = {f.name for f in publication.files}
    for name in ("catalogue", "catalogue-instances"):
        assert {f"{name}.csv", f"{name}.json", f"{name}.csv.schema.json"} <= names
        dataset = DATASETS[name]
        rows = json.loads((tmp_path / f"{name}.json").read_text())
        for row in rows:
            assert list(row) == list(dataset.field_names)
            for field in dataset.fields:
                assert value_problem(field, row[field.name]) is None, (name, field.name)
    instances = json.loads((tmp_path / "catalogue-instances.json").read_text())
    assert {i["name"] for i in instances} == {"Bureau DINUM", "Pix"}
    package = json.loads((tmp_path / "datapackage.json").read_text())
    assert "catalogue-csv" in {r["name"] for r in package["resources"]}
