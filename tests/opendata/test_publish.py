"""Publishing the open data: files that fit their schemas, replaced only when all are whole."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from tests.fixtures_data import SectorCore

from communs.opendata import datasets
from communs.opendata.datasets import DATASETS, Dataset, register_dataset
from communs.opendata.publish import (
    PART_PREFIX,
    SchemaMismatch,
    publish_open_data,
    read_datapackage,
    refresh_open_data,
)
from communs.opendata.schemas import REPOSITORY_FIELDS, TableField, cell_problem, value_problem
from communs.repositories.exports import repository_rows
from communs.repositories.importer import import_repositories
from communs.repositories.models import Repository
from communs.repositories.opendata import REPOSITORY_COLUMNS

from .conftest import EMAIL

pytestmark = pytest.mark.usefixtures("english")

ANY_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


@pytest.fixture
def extra_dataset() -> Iterator[callable]:
    """Registers datasets for one test, as another app would, and forgets them after."""
    before = dict(DATASETS)

    def register(dataset: Dataset) -> None:
        register_dataset(dataset)

    yield register
    DATASETS.clear()
    DATASETS.update(before)


def test_it_publishes_every_dataset_with_its_schemas_and_a_data_package(
    sector: SectorCore, open_data_dir: Path
) -> None:
    publication = publish_open_data()

    package = read_datapackage()
    assert package is not None
    assert package["profile"] == "tabular-data-package"
    paths = [resource["path"] for resource in package["resources"]]
    assert paths == [
        "repositories.csv",
        "repositories.json",
        "organisations.csv",
        "organisations.json",
        # The catalogue registers its own (communs.catalogue.apps).
        "catalogue.csv",
        "catalogue.json",
        "catalogue-instances.csv",
        "catalogue-instances.json",
    ]
    for resource in package["resources"]:
        content = (open_data_dir / resource["path"]).read_bytes()
        assert resource["bytes"] == len(content)
        assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
        assert resource["mediatype"] in {"text/csv", "application/json"}
        assert resource["last_modified"] == package["created"]
        schema = json.loads((open_data_dir / resource["schema"]).read_text())
        assert schema["fields"]
    # Present repositories only (the gone one is left out); every organisation.
    assert publication.rows("repositories.csv") == 3
    assert publication.rows("repositories.json") == 3
    assert publication.rows("organisations.csv") == 3
    assert {resource["rows"] for resource in package["resources"][:2]} == {3}
    # Nothing half-written stays behind, and the files are readable by a web server.
    assert not list(open_data_dir.glob(PART_PREFIX + "*"))
    assert (open_data_dir / "repositories.csv").stat().st_mode & 0o444 == 0o444


@pytest.mark.parametrize("name", ["repositories", "organisations"])
def test_the_csv_header_is_the_schema_and_every_cell_fits_it(
    sector: SectorCore, open_data_dir: Path, name: str
) -> None:
    publish_open_data()

    schema = json.loads((open_data_dir / f"{name}.csv.schema.json").read_text())
    header, rows = read_csv(open_data_dir / f"{name}.csv")
    assert header == [field["name"] for field in schema["fields"]]
    fields = {item.name: item for item in DATASETS[name].fields}
    assert rows
    for row in rows:
        assert [cell_problem(fields[key], text) for key, text in row.items()] == [None] * len(row)


def test_csv_cells_hold_the_values_their_types_say(sector: SectorCore, open_data_dir: Path) -> None:
    publish_open_data()

    _header, rows = read_csv(open_data_dir / "repositories.csv")
    by_name = {row["name"]: row for row in rows}
    carto = by_name["carto"]
    assert json.loads(carto["languages"]) == {"Python": 1200, "HTML": 30}
    assert carto["topics"] == "cartographie,sig"
    assert (carto["stars"], carto["is_fork"], carto["is_template"]) == ("12", "false", "false")
    assert carto["created_at"] == "2020-05-01T08:30:15.123456Z"
    assert carto["organisation"] == "direction-numerique"
    # What a forge sent wrong is written as the schema says, not as it came.
    unknown = by_name["inconnu"]
    assert (unknown["is_fork"], unknown["languages"], unknown["topics"]) == ("", "{}", "")
    assert unknown["pushed_at"] == ""
    labo = by_name["labo"]
    assert (labo["is_archived"], labo["organisation"], labo["owner"]) == (
        "true",
        "laboratoire-innovation",
        "groupe",
    )
    assert "disparu" not in by_name


@pytest.mark.parametrize("name", ["repositories", "organisations"])
def test_json_rows_fit_their_schema(sector: SectorCore, open_data_dir: Path, name: str) -> None:
    publish_open_data()

    schema = json.loads((open_data_dir / f"{name}.json.schema.json").read_text())
    rows = json.loads((open_data_dir / f"{name}.json").read_text())
    names = [field["name"] for field in schema["fields"]]
    fields = {item.name: item for item in DATASETS[name].fields}
    assert rows
    for row in rows:
        assert list(row) == names
        assert [value_problem(fields[key], value) for key, value in row.items()] == [None] * len(
            row
        )


def test_no_e_mail_address_is_published(sector: SectorCore, open_data_dir: Path) -> None:
    publish_open_data()

    for path in open_data_dir.iterdir():
        text = path.read_text(encoding="utf-8")
        assert EMAIL not in text, path.name
        assert not ANY_EMAIL.search(text), path.name
    _header, rows = read_csv(open_data_dir / "repositories.csv")
    carto = next(row for row in rows if row["name"] == "carto")
    assert carto["description"] == (
        'Cartographie "nationale", contact: [e-mail address hidden]\nligne deux, virgule'
    )


def test_a_failed_publish_leaves_the_previous_files(
    sector: SectorCore, open_data_dir: Path, extra_dataset: callable
) -> None:
    publish_open_data()
    before = snapshot(open_data_dir)
    Repository.objects.filter(name="carto").update(name="renomme")

    def broken_rows() -> Iterator[dict[str, object]]:
        # Half the rows, then the database goes away (as a killed connection would).
        rows = repository_rows()
        yield next(rows)
        raise OSError(28, "No space left on device")

    extra_dataset(Dataset("broken", "Broken", "Fails half-way.", REPOSITORY_FIELDS, broken_rows))
    with pytest.raises(OSError, match="No space left"):
        publish_open_data()

    # Repositories were written first, and whole, yet they were not put in place.
    assert snapshot(open_data_dir) == before
    assert b"renomme" not in before["repositories.csv"]
    assert not list(open_data_dir.glob(PART_PREFIX + "*"))


def test_rows_that_do_not_match_their_schema_are_refused(
    sector: SectorCore, open_data_dir: Path, extra_dataset: callable
) -> None:
    publish_open_data()
    before = snapshot(open_data_dir)
    fields = (*REPOSITORY_FIELDS, TableField("score", "integer", "A column nobody writes."))

    extra_dataset(Dataset("wrong", "Wrong", "Schema says more.", fields, repository_rows))
    with pytest.raises(SchemaMismatch, match="score"):
        publish_open_data()

    assert snapshot(open_data_dir) == before


def test_refreshing_logs_a_failure_instead_of_raising(
    sector: SectorCore, open_data_dir: Path, extra_dataset: callable, caplog: object
) -> None:
    fields = (*REPOSITORY_FIELDS, TableField("score", "integer", "A column nobody writes."))
    extra_dataset(Dataset("wrong", "Wrong", "Schema says more.", fields, repository_rows))

    with caplog.at_level(logging.ERROR, logger="communs.opendata.publish"):  # type: ignore[attr-defined]
        assert refresh_open_data() is None

    assert "could not be published" in caplog.text  # type: ignore[attr-defined]
    assert read_datapackage() is None


def test_a_registered_dataset_is_published_and_listed(
    sector: SectorCore, open_data_dir: Path, extra_dataset: callable
) -> None:
    fields = (TableField("host", "string", "The forge's host key.", required=True),)

    def rows() -> Iterator[dict[str, object]]:
        yield {"host": "github.com"}

    extra_dataset(Dataset("forges", "Forges", "Forges.", fields, rows))
    publish_open_data()

    assert (open_data_dir / "forges.csv").read_text() == "host\ngithub.com\n"
    assert "forges.json.schema.json" in datasets.published_names()
    package = read_datapackage()
    assert package is not None
    assert "forges.json" in [resource["path"] for resource in package["resources"]]


def test_left_overs_of_a_killed_publish_are_removed(
    sector: SectorCore, open_data_dir: Path
) -> None:
    open_data_dir.mkdir(parents=True)
    old = open_data_dir / f"{PART_PREFIX}repositories.csv.abc"
    old.write_text("half")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    # A fresh one may be another publish at work: it stays.
    fresh = open_data_dir / f"{PART_PREFIX}organisations.csv.def"
    fresh.write_text("half")

    publish_open_data()

    assert not old.exists()
    assert fresh.exists()


def test_an_import_publishes_once_committed(
    db: None, open_data_dir: Path, tmp_path: Path, django_capture_on_commit_callbacks: object
) -> None:
    source = tmp_path / "repositories.csv"
    row = {
        "name": "outil",
        "organization_name": "etalab",
        "platform": "GitHub",
        "repository_url": "https://github.com/etalab/outil",
        "description": "Un outil",
        "is_fork": "False",
        "is_archived": "False",
        "creation_date": "2019-01-02T03:04:05Z",
        "last_update": "2020-01-02T03:04:05Z",
        "last_modification": "2020-01-01T00:00:00Z",
        "homepage": "",
        "stars_count": "3",
        "forks_count": "1",
        "license": "MIT License",
        "open_issues_count": "0",
        "language": "Python",
        "topics": "",
    }
    buffer = StringIO()
    writer = csv.DictWriter(buffer, fieldnames=REPOSITORY_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerow(row)
    source.write_text(buffer.getvalue(), encoding="utf-8")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # type: ignore[operator]
        import_repositories(source)
    # Nothing is published before the import's transaction commits.
    assert read_datapackage() is None
    for callback in callbacks:
        callback()

    _header, rows = read_csv(open_data_dir / "repositories.csv")
    assert [(row["forge"], row["full_name"]) for row in rows] == [("github.com", "etalab/outil")]


def test_the_command_publishes_into_the_folder_given(sector: SectorCore, tmp_path: Path) -> None:
    out = StringIO()
    call_command("opendata", "publish", "--output-dir", str(tmp_path / "ailleurs"), stdout=out)

    assert "repositories.csv: 3 rows" in out.getvalue()
    assert "organisations.json: 3 rows" in out.getvalue()
    assert (tmp_path / "ailleurs" / "datapackage.json").is_file()
