"""``communs import repositories|organisations``: code.gouv.fr's open data into the index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from communs.repositories import importer
from communs.repositories.models import Repository
from communs.sources.models import Account, Forge, Organisation

from .conftest import repository_row, write_csv

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SNAPSHOT = "data/codegouvfr-2021/repositories.csv"
ORGANISATIONS = "data/codegouvfr-2021/organizations.json"


def run(*args: str) -> str:
    out = StringIO()
    call_command("import", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def database() -> dict[str, list[dict]]:
    """Every stored value of the rows an import touches, to compare before and after."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Forge, Account, Organisation, Repository)
    }


def repo(host: str, path: str) -> Repository:
    return Repository.objects.select_related("account__organisation", "forge").get(
        forge__host=host, full_path=path
    )


@pytest.mark.shared
def test_it_loads_the_2021_snapshot(shared: Path) -> None:
    output = run("repositories", shared / SNAPSHOT)
    assert "9,157 rows read, 9,066 repositories: 91 rows repeated a repository already read" in (
        output
    )
    assert "Repositories: 9,066 new, 0 updated, 0 unchanged." in output
    assert Repository.objects.count() == 9066
    assert Forge.objects.count() == 32

    udata = repo("github.com", "opendatateam/datapackage-pipelines-udata")
    assert (udata.license, udata.language, udata.stars, udata.is_fork) == (
        "MIT",
        "Python",
        4,
        False,
    )
    assert udata.created_at == datetime(2018, 8, 29, 16, 0, 2, tzinfo=UTC)
    assert udata.updated_at == datetime(2018, 9, 12, 11, 3, 17, tzinfo=UTC)  # last_update
    assert udata.pushed_at == datetime(2018, 8, 29, 16, 22, 10, tzinfo=UTC)  # last_modification
    assert udata.account.path == "opendatateam"
    assert udata.forge.kind == "github"
    assert udata.forge.api_url == "https://api.github.com"

    secmar = repo("github.com", "MTES-MCT/secmar-data")
    assert secmar.license == "NOASSERTION"  # "Other"
    assert secmar.topics[:3] == ["datagouvfr", "direction-affaires-maritimes", "eig-2018"]
    assert secmar.homepage.startswith("https://www.data.gouv.fr/")
    assert repo("github.com", "ocaml/ocaml-library-standard").license == "BSD-3-Clause"
    assert repo("github.com", "diverse-project/tuxart").is_fork is True

    opam = repo("gitlab.inria.fr", "star-explain/opam-repository")
    assert opam.is_fork is None  # GitLab rows say nothing about forks
    assert opam.license == ""
    assert opam.forge.kind == "gitlab"
    assert opam.forge.api_url == "https://gitlab.inria.fr/api/v4"

    # Listed under "10" and under "OSUG": one repository, owned by the OSUG group.
    eida = repo("gricad-gitlab.univ-grenoble-alpes.fr", "OSUG/RESIF/ws-eidaauth")
    assert eida.owner == "OSUG/RESIF"
    assert eida.account.path == "OSUG"
    assert eida.account.organisation.key == "osug"
    assert not Account.objects.filter(path="10").exists()
    # Every account this import created has an organisation.
    assert not Account.objects.filter(organisation__isnull=True).exists()


@pytest.mark.shared
def test_a_second_run_changes_nothing(shared: Path) -> None:
    run("repositories", shared / SNAPSHOT, "--organisations", shared / ORGANISATIONS)
    before = database()
    output = run("repositories", shared / SNAPSHOT, "--organisations", shared / ORGANISATIONS)
    assert "Repositories: 0 new, 0 updated, 9,066 unchanged." in output
    assert "Accounts: 0 new, 0 updated. Organisations: 0 new, 0 updated." in output
    assert database() == before


@pytest.mark.shared
def test_the_organisations_file_names_accounts_and_organisations(shared: Path) -> None:
    output = run("repositories", shared / SNAPSHOT, "--organisations", shared / ORGANISATIONS)
    assert "1,257 rows read, 1,257 accounts." in output
    mtes = Account.objects.select_related("organisation").get(
        forge__host="github.com", path="MTES-MCT"
    )
    name = "Ministères de la Transition écologique & de la Cohésion des territoires"
    assert (mtes.display_name, mtes.organisation.name) == (name, name)
    assert mtes.website == "https://ecologie.gouv.fr/"
    assert mtes.avatar_url.startswith("https://avatars.githubusercontent.com/")
    # The same login on two forges: two accounts, two organisations.
    etalab = Account.objects.filter(path="etalab").select_related("forge", "organisation")
    assert {(a.forge.host, a.organisation.key) for a in etalab} == {
        ("github.com", "etalab"),
        ("framagit.org", "etalab-framagit-org"),
    }
    # The file's e-mail addresses are not stored anywhere.
    emails = {e["email"] for e in json.loads((shared / ORGANISATIONS).read_text()) if e["email"]}
    assert emails
    stored = json.dumps(database(), default=str)
    assert not [email for email in emails if email in stored]


@pytest.mark.shared
def test_organisations_can_be_imported_alone_and_name_placeholders_later(shared: Path) -> None:
    run("repositories", shared / SNAPSHOT)
    pix = Organisation.objects.get(accounts__forge__host="github.com", accounts__path="1024pix")
    assert pix.name == "1024pix"  # a placeholder until the organisations file names it
    output = run("organisations", shared / ORGANISATIONS)
    assert "Organisations: 215 new" in output
    pix.refresh_from_db()
    assert (pix.name, pix.key) == ("Pix", "1024pix")
    assert Account.objects.count() == 1257 + 21  # and 21 personal namespaces


def test_a_gitlab_subgroup_keeps_its_groups(tmp_path: Path) -> None:
    host = "https://gitlab.example.org"
    path = write_csv(
        tmp_path / "r.csv",
        [
            # Listed under "team" but living in a personal namespace (whose name sorts first).
            repository_row(
                platform="GitLab", organization_name="team", repository_url=f"{host}/adupont/fork"
            ),
            repository_row(
                platform="GitLab",
                organization_name="team",
                repository_url=f"{host}/team/sub/deep/tool",
            ),
        ],
    )
    run("repositories", path)
    tool = repo("gitlab.example.org", "team/sub/deep/tool")
    assert (tool.name, tool.owner, tool.account.path) == ("tool", "team/sub/deep", "team")
    fork = repo("gitlab.example.org", "adupont/fork")
    assert fork.account.path == "adupont"
    # The personal namespace joins the organisation of the group that listed it.
    assert fork.account.organisation == tool.account.organisation
    assert Organisation.objects.get().key == "team"


def test_the_json_variant_gives_the_same_repositories(tmp_path: Path) -> None:
    rows = [
        repository_row(topics="a,b"),
        repository_row(repository_url="https://github.com/etalab/two", license="Other"),
    ]
    run("repositories", write_csv(tmp_path / "r.csv", rows))
    from_csv = database()["Repository"]
    Repository.objects.all().delete()
    json_file = tmp_path / "r.json"
    json_file.write_text(json.dumps(rows), encoding="utf-8")
    run("repositories", json_file)
    from_json = database()["Repository"]
    ignored = {"id", "first_seen_at"}
    assert [{k: v for k, v in r.items() if k not in ignored} for r in from_json] == [
        {k: v for k, v in r.items() if k not in ignored} for r in from_csv
    ]


def test_an_import_adopts_a_harvested_row_at_the_same_path(tmp_path: Path) -> None:
    forge = Forge.objects.create(
        host="github.com", kind="github", url="https://github.com", api_url="https://api.github.com"
    )
    harvested = Repository.objects.create(
        forge=forge, native_id="42", full_path="Etalab/Tool", name="Tool", url="https://x"
    )
    output = run("repositories", write_csv(tmp_path / "r.csv", [repository_row(stars_count="9")]))
    assert "Repositories: 0 new, 1 updated, 0 unchanged." in output
    stored = Repository.objects.get()
    assert (stored.pk, stored.native_id, stored.stars) == (harvested.pk, "42", 9)


def test_an_unknown_licence_is_reported(tmp_path: Path) -> None:
    output = run("repositories", write_csv(tmp_path / "r.csv", [repository_row(license="Maison")]))
    assert "Unknown licence 'Maison' (1 row): stored as NOASSERTION." in output


def bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Broken files, each with the problem message expected for it."""
    good = repository_row()
    other = "https://github.com/etalab/other"
    files: dict[str, tuple[Path, str]] = {}

    def add(name: str, rows: list[dict[str, str]], expected: str, **kwargs: object) -> Path:
        path = write_csv(tmp_path / f"{name}.csv", rows, **kwargs)  # type: ignore[arg-type]
        files[name] = (path, expected)
        return path

    columns = tuple(c for c in good if c != "last_update")
    add("missing-column", [good], "line 1: missing columns: last_update", columns=columns)
    add(
        "bad-date",
        [good, repository_row(repository_url=other, creation_date="2021-13-01T00:00:00Z")],
        "line 3, row 2: creation_date: '2021-13-01T00:00:00Z' is not an ISO 8601 date",
    )
    add(
        "bad-number",
        [good, repository_row(repository_url=other, forks_count="-4")],
        "line 3, row 2: forks_count: '-4' is negative",
    )
    add(
        "bad-url",
        [repository_row(repository_url="github.com/etalab/x"), good],
        "line 2, row 1: repository_url: 'github.com/etalab/x' is not an http(s) URL",
    )
    latin = add("not-utf8", [good, repository_row(repository_url=other, description="Été")], "")
    latin.write_bytes(latin.read_bytes().replace("Été".encode(), "Été".encode("latin-1")))
    files["not-utf8"] = (latin, "line 3: not UTF-8 (byte 0xc9 at column")
    cut = add("truncated", [good, repository_row(repository_url=other)], "")
    cut.write_text(cut.read_text()[:-40], encoding="utf-8")
    files["truncated"] = (cut, "line 3, row 2: ")
    return files


@pytest.mark.parametrize(
    "case", ["missing-column", "bad-date", "bad-number", "bad-url", "not-utf8", "truncated"]
)
def test_bad_input_names_file_line_and_problem_and_writes_nothing(
    tmp_path: Path, case: str
) -> None:
    # Something already stored must come out of a refused import untouched.
    run("repositories", write_csv(tmp_path / "first.csv", [repository_row(stars_count="1")]))
    before = database()
    path, expected = bad_files(tmp_path)[case]
    with pytest.raises(CommandError) as caught:
        run("repositories", path)
    message = str(caught.value)
    assert f"{path}, {expected}" in message
    if case == "truncated":
        assert "fields where the header has 17 (a row cut short: is the file truncated?)" in message
    assert "Nothing was imported" in message or "nothing was imported" in message
    assert caught.value.returncode == 1
    assert database() == before


def test_it_lists_every_invalid_row(tmp_path: Path) -> None:
    rows = [
        repository_row(repository_url=f"https://github.com/e/r{i}", stars_count="x")
        for i in range(3)
    ]
    with pytest.raises(CommandError) as caught:
        run("repositories", write_csv(tmp_path / "r.csv", rows))
    assert "3 invalid rows; nothing was imported:" in str(caught.value)
    assert [f"row {i}:" in str(caught.value) for i in (1, 2, 3)] == [True] * 3


def test_skip_invalid_imports_the_rest_and_lists_the_skipped_rows(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        [
            repository_row(),
            repository_row(repository_url="https://github.com/etalab/bad", is_archived="perhaps"),
            repository_row(repository_url="https://github.com/etalab/two"),
        ],
    )
    output = run("repositories", path, "--skip-invalid")
    assert "Skipped 1 invalid row:" in output
    assert f"{path}, line 3, row 2: is_archived: 'perhaps' is not a boolean" in output
    assert "Repositories: 2 new, 0 updated, 0 unchanged." in output
    assert sorted(Repository.objects.values_list("full_path", flat=True)) == [
        "etalab/tool",
        "etalab/two",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_writing_rolls_everything_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        [
            repository_row(),
            repository_row(platform="GitLab", repository_url="https://gitlab.example.org/g/x"),
        ],
    )
    calls = []
    real = importer.upsert_repositories

    def upsert_then_fail(forge: Forge, records: list) -> importer.UpsertCounts:
        # The first forge's repositories are written; the second one fails.
        if calls:
            raise RuntimeError("disk full")
        calls.append(forge)
        return real(forge, records)

    monkeypatch.setattr(importer, "upsert_repositories", upsert_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        run("repositories", path)
    assert calls  # the first forge was written before the failure
    assert database() == {"Forge": [], "Account": [], "Organisation": [], "Repository": []}


def test_organisations_goes_with_repositories_only(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--organisations goes with"):
        run("organisations", tmp_path / "o.json", "--organisations", tmp_path / "o.json")


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="nowhere.csv: No such file"):
        run("repositories", tmp_path / "nowhere.csv")


def test_the_command_line_exits_with_status_1_on_bad_input(tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "bad.csv", [repository_row(stars_count="many")])
    env = {k: v for k, v in os.environ.items() if k != "COMMUNS_DATABASE_URL"}
    env["COMMUNS_HOME"] = str(tmp_path / "home")
    cli = [sys.executable, "-m", "communs.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True)
    result = subprocess.run(
        [*cli, "import", "repositories", str(bad)], env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert f"{bad}, line 2, row 1: stars_count: 'many' is not a whole number" in result.stderr
