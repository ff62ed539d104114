"""The open-data page and the files it links to, served by Django."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from django.utils.http import http_date
from tests.fixtures_data import SectorCore

from communs.opendata.publish import publish_open_data

pytestmark = pytest.mark.usefixtures("english")


def english_client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def published(sector: SectorCore, open_data_dir: Path) -> Path:
    publish_open_data()
    return open_data_dir


def test_the_page_lists_each_download_with_its_size_rows_and_schema(published: Path) -> None:
    response = english_client().get("/open-data/")

    assert response.status_code == 200
    page = response.content.decode()
    package = json.loads((published / "datapackage.json").read_text())
    for resource in package["resources"]:
        assert f'href="/open-data/{resource["path"]}"' in page
        assert f'href="/open-data/{resource["schema"]}"' in page
    assert 'href="/open-data/datapackage.json"' in page
    # Three present repositories and three organisations, in each format.
    assert page.count('<td class="number">3</td>') == 4
    size = (published / "repositories.json").stat().st_size
    assert f"{size / 1024:.1f}\xa0KB" in page
    assert 'aria-current="page">Open data</a>' in page


def test_the_page_speaks_french_by_default(published: Path) -> None:
    response = Client().get("/open-data/")

    assert response.status_code == 200
    assert '<html lang="fr"' in response.content.decode()


def test_the_page_says_when_nothing_is_published_yet(
    sector: SectorCore, open_data_dir: Path
) -> None:
    response = english_client().get("/open-data/")

    assert response.status_code == 200
    assert "Nothing has been published yet" in response.content.decode()
    assert "/open-data/repositories.csv" not in response.content.decode()


def test_a_csv_file_is_streamed_as_a_download(published: Path) -> None:
    response = Client().get("/open-data/repositories.csv")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="repositories.csv"'
    assert response["Access-Control-Allow-Origin"] == "*"
    body = b"".join(response.streaming_content)
    assert body == (published / "repositories.csv").read_bytes()
    assert int(response["Content-Length"]) == len(body)
    mtime = int((published / "repositories.csv").stat().st_mtime)
    assert response["Last-Modified"] == http_date(mtime)
    assert response["ETag"].startswith('"')


def test_json_files_and_schemas_have_their_types(published: Path) -> None:
    client = Client()
    data = client.get("/open-data/organisations.json")
    assert data["Content-Type"] == "application/json"
    assert data["Content-Disposition"] == 'attachment; filename="organisations.json"'
    schema = client.get("/open-data/repositories.csv.schema.json")
    assert schema["Content-Type"] == "application/json"
    assert schema["Content-Disposition"] == 'inline; filename="repositories.csv.schema.json"'
    fields = json.loads(b"".join(schema.streaming_content))["fields"]
    assert fields[0]["name"] == "forge"


def test_a_client_with_the_current_version_gets_304(published: Path) -> None:
    client = Client()
    first = client.get("/open-data/organisations.csv")

    again = client.get("/open-data/organisations.csv", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    since = client.get(
        "/open-data/organisations.csv", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )
    assert since.status_code == 304
    stale = client.get("/open-data/organisations.csv", HTTP_IF_NONE_MATCH='"another"')
    assert stale.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/open-data/..",
        "/open-data/../communs.sqlite3",
        "/open-data/..%2Fcommuns.sqlite3",
        "/open-data/%2e%2e%2fsecret_key",
        "/open-data/..%5Csecret_key",
        "/open-data/%2Fetc%2Fpasswd",
        "/open-data/.publish.lock",
        "/open-data/notes.txt",
        "/open-data/REPOSITORIES.CSV",
        "/open-data/repositories.csv/",
        "/open-data/repositories.csv%00",
        "/open-data/repositories.csv/..",
        "/open-data/sub/repositories.csv",
    ],
)
def test_anything_but_a_published_name_is_404(published: Path, path: str) -> None:
    (published / "notes.txt").write_text("not for the public")

    response = Client().get(path)

    assert response.status_code == 404


def test_a_known_name_not_published_yet_is_404(sector: SectorCore, open_data_dir: Path) -> None:
    assert Client().get("/open-data/repositories.csv").status_code == 404


def test_files_are_read_only(published: Path) -> None:
    assert Client().post("/open-data/repositories.csv").status_code == 405
    assert Client().head("/open-data/repositories.csv").status_code == 200
