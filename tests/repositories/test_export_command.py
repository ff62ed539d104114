"""``communs export``: repositories and organisations as JSON or CSV, streamed."""

from __future__ import annotations

import csv
import json
import re
import tracemalloc
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from communs.licences import spdx_id
from communs.repositories.exports import (
    HIDDEN_EMAIL,
    ORGANISATION_FIELDS,
    REPOSITORY_FIELDS,
    organisation_to_dict,
    repository_to_dict,
)
from communs.repositories.models import Repository
from communs.sources.models import Account, Forge, Organisation

from .conftest import repository_row, write_csv

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SNAPSHOT = "data/codegouvfr-2021/repositories.csv"
EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
ORGANISATIONS = "data/codegouvfr-2021/organizations.json"
REQUIRED = {
    "forge",
    "owner",
    "name",
    "full_name",
    "url",
    "description",
    "is_fork",
    "is_archived",
    "license",
    "language",
    "topics",
    "stars",
    "forks",
    "created_at",
    "updated_at",
    "pushed_at",
    "organisation",
}


def export(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("export", *args, stdout=out, stderr=err)
    return out.getvalue()


@pytest.fixture
def forge() -> Forge:
    return Forge.objects.create(
        host="gitlab.example.org",
        kind="gitlab",
        url="https://gitlab.example.org",
        api_url="https://gitlab.example.org/api/v4",
    )


def make_repository(forge: Forge, path: str, **fields: object) -> Repository:
    return Repository.objects.create(
        forge=forge,
        full_path=path,
        name=path.rsplit("/", 1)[-1],
        url=f"{forge.url}/{path}",
        **fields,
    )


def as_bool(text: str) -> bool | None:
    return {"True": True, "False": False, "": None}[text]


@pytest.mark.shared
def test_the_2021_snapshot_comes_back_in_json_and_csv(shared: Path, tmp_path: Path) -> None:
    call_command("import", "repositories", str(shared / SNAPSHOT), stdout=StringIO())
    exported = json.loads(export("repositories", "--format", "json"))
    assert len(exported) == 9066
    assert set(exported[0]) >= REQUIRED
    by_url = {row["url"]: row for row in exported}

    # Every field read from the file round-trips (for duplicated rows, the last one read).
    with (shared / SNAPSHOT).open(encoding="utf-8", newline="") as handle:
        source = {row["repository_url"]: row for row in csv.DictReader(handle)}
    assert set(by_url) == set(source)
    for url, row in source.items():
        got = by_url[url]
        assert got["forge"] == url.split("/")[2]
        assert got["url"] == url
        assert "/".join([got["owner"], got["name"]]) == got["full_name"]
        assert url.endswith("/" + got["full_name"])
        assert got["name"] == row["name"]
        # E-mail addresses (a researcher's, in one description) are hidden.
        assert got["description"] == EMAIL.sub(HIDDEN_EMAIL, row["description"].strip())
        assert not EMAIL.search(got["description"])
        assert got["is_fork"] is as_bool(row["is_fork"])
        assert got["is_archived"] is as_bool(row["is_archived"])
        assert got["license"] == spdx_id(row["license"])
        assert got["language"] == row["language"]
        assert ",".join(got["topics"]) == row["topics"]
        assert (got["stars"], got["forks"]) == (int(row["stars_count"]), int(row["forks_count"]))
        assert got["open_issues"] == int(row["open_issues_count"])
        assert got["created_at"] == row["creation_date"]
        assert got["updated_at"] == row["last_update"]
        assert got["pushed_at"] == row["last_modification"]
        assert got["organisation"]

    eida = by_url["https://gricad-gitlab.univ-grenoble-alpes.fr/OSUG/RESIF/ws-eidaauth"]
    assert (eida["owner"], eida["full_name"], eida["organisation"]) == (
        "OSUG/RESIF",
        "OSUG/RESIF/ws-eidaauth",
        "osug",
    )

    # The CSV export holds the same rows, and the csv module reads it back.
    path = tmp_path / "repositories.csv"
    export("repositories", "--format", "csv", "--output", str(path))
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == REPOSITORY_FIELDS
        rows = list(reader)
    assert len(rows) == 9066
    for row in rows:
        got = by_url[row["url"]]
        assert row["topics"] == ",".join(got["topics"])
        assert row["description"] == got["description"]
        assert row["is_fork"] == {True: "true", False: "false", None: ""}[got["is_fork"]]
        assert row["stars"] == str(got["stars"])
        assert row["pushed_at"] == got["pushed_at"]


@pytest.mark.shared
def test_the_organisations_export_holds_no_email(shared: Path) -> None:
    call_command(
        "import",
        "repositories",
        str(shared / SNAPSHOT),
        "--organisations",
        str(shared / ORGANISATIONS),
        stdout=StringIO(),
    )
    emails = {e["email"] for e in json.loads((shared / ORGANISATIONS).read_text()) if e["email"]}
    for what, format in [
        ("organisations", "json"),
        ("organisations", "csv"),
        ("repositories", "csv"),
    ]:
        text = export(what, "--format", format)
        assert not [email for email in emails if email in text], (what, format)
        assert "email" not in text.splitlines()[0 if format == "csv" else 1]
    organisations = json.loads(export("organisations"))
    assert len(organisations) == Organisation.objects.count()
    assert sum(o["repositories"] for o in organisations) == 9066
    mtes = next(o for o in organisations if o["key"] == "mtes-mct")
    assert mtes["name"].startswith("Ministères de la Transition écologique")
    assert (mtes["accounts"], mtes["website"]) == (1, "https://ecologie.gouv.fr/")
    assert (
        mtes["repositories"]
        == Repository.objects.filter(
            forge__host="github.com", full_path__istartswith="MTES-MCT/"
        ).count()
    )


def test_an_organisation_row_has_its_parent_ministry_and_counts(forge: Forge) -> None:
    ministry = Organisation.objects.create(key="min", name="Ministère", level="ministry")
    direction = Organisation.objects.create(key="dir", name="Direction", parent=ministry)
    lab = Organisation.objects.create(
        key="lab", name="Lab", parent=direction, pso_id="abc-123", website="https://lab.example"
    )
    group = Account.objects.create(forge=forge, path="lab", organisation=lab)
    Account.objects.create(forge=forge, path="lab2", organisation=lab)
    make_repository(forge, "lab/one", account=group)
    make_repository(forge, "lab/sub/two", account=group)
    make_repository(forge, "lab/old", account=group, gone_since=datetime(2024, 1, 1, tzinfo=UTC))
    rows = {row["key"]: row for row in json.loads(export("organisations"))}
    assert rows["lab"] == {
        "key": "lab",
        "name": "Lab",
        "pso_id": "abc-123",
        "level": "organisation",
        "parent": "dir",
        "ministry": "min",
        "website": "https://lab.example",
        "floss_policy_url": "",
        "ospo_url": "",
        "accounts": 2,
        "repositories": 2,
    }
    assert (rows["dir"]["ministry"], rows["min"]["ministry"], rows["min"]["parent"]) == (
        "min",
        "min",
        None,
    )
    assert json.loads(export("organisations", "--include-gone"))[1]["repositories"] == 3
    # A page showing one organisation gets the same row without building an index.
    assert organisation_to_dict(Organisation.objects.get(key="lab")) == rows["lab"]
    parsed = list(csv.DictReader(StringIO(export("organisations", "--format", "csv"))))
    assert tuple(parsed[0]) == ORGANISATION_FIELDS
    assert [row["key"] for row in parsed] == ["dir", "lab", "min"]


def test_a_subgroup_keeps_its_groups_in_full_name(forge: Forge, tmp_path: Path) -> None:
    url = "https://gitlab.example.org/group/sub/deep/tool"
    rows = [repository_row(platform="GitLab", organization_name="group", repository_url=url)]
    call_command(
        "import", "repositories", str(write_csv(tmp_path / "r.csv", rows)), stdout=StringIO()
    )
    [row] = json.loads(export("repositories"))
    assert (row["forge"], row["owner"], row["name"], row["full_name"]) == (
        "gitlab.example.org",
        "group/sub/deep",
        "tool",
        "group/sub/deep/tool",
    )
    assert (row["account"], row["organisation"]) == ("group", "group")


def test_gone_repositories_are_left_out_unless_asked(forge: Forge) -> None:
    make_repository(forge, "a/here")
    make_repository(forge, "a/gone", gone_since=datetime(2025, 3, 1, 12, tzinfo=UTC))
    assert [r["full_name"] for r in json.loads(export("repositories"))] == ["a/here"]
    everything = json.loads(export("repositories", "--include-gone"))
    assert [(r["full_name"], r["gone_since"]) for r in everything] == [
        ("a/gone", "2025-03-01T12:00:00Z"),
        ("a/here", None),
    ]


def test_an_instance_forge_lends_its_organisation(forge: Forge) -> None:
    forge.organisation = Organisation.objects.create(key="inra", name="INRAE")
    forge.save()
    make_repository(forge, "someone/tool")
    assert json.loads(export("repositories"))[0]["organisation"] == "inra"


def test_a_row_is_the_one_repository_to_dict_gives(forge: Forge) -> None:
    repo = make_repository(forge, "a/tool", topics=["x", "y"], languages={"Python": 10}, stars=3)
    [row] = json.loads(export("repositories"))
    assert row == json.loads(json.dumps(repository_to_dict(Repository.objects.get(pk=repo.pk))))
    assert (row["topics"], row["languages"], row["stars"]) == (["x", "y"], {"Python": 10}, 3)
    [csv_row] = csv.DictReader(StringIO(export("repositories", "--format", "csv")))
    assert (csv_row["topics"], csv_row["languages"]) == ("x,y", '{"Python": 10}')


def test_an_empty_index_exports_an_empty_list_and_a_header() -> None:
    assert json.loads(export("repositories")) == []
    assert export("repositories", "--format", "csv").splitlines() == [",".join(REPOSITORY_FIELDS)]


def test_output_goes_to_a_file_and_no_partial_file_is_left(forge: Forge, tmp_path: Path) -> None:
    make_repository(forge, "a/tool")
    target = tmp_path / "out.json"
    assert export("repositories", "--output", str(target)) == ""
    assert [r["full_name"] for r in json.loads(target.read_text(encoding="utf-8"))] == ["a/tool"]
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_memory_stays_flat_while_exporting_many_rows(forge: Forge, tmp_path: Path) -> None:
    account = Account.objects.create(
        forge=forge, path="group", organisation=Organisation.objects.create(key="g", name="G")
    )
    total = 20_000
    Repository.objects.bulk_create(
        (
            Repository(
                forge=forge,
                account=account,
                full_path=f"group/sub/repository-{i}",
                name=f"repository-{i}",
                url=f"https://gitlab.example.org/group/sub/repository-{i}",
                description="A description long enough to weigh something in memory. " * 3,
                topics=["one", "two"],
            )
            for i in range(total)
        ),
        batch_size=1000,
    )
    target = tmp_path / "out.json"
    tracemalloc.start()
    try:
        export("repositories", "--output", str(target), "--chunk-size", "500")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(json.loads(target.read_text(encoding="utf-8"))) == total
    # Holding the 20,000 rows at once would take well over 30 MB (each row's dict alone
    # is over 1.5 kB); streaming holds one chunk of 500.
    assert peak < 10_000_000, f"peak {peak / 1e6:.1f} MB"
