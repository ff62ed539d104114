"""``communs sources import``: storing forges, organisations and accounts, once and again."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from communs.sources import importer
from communs.sources.importer import (
    IGNORED_IN_THE_FILE,
    LEFT_THE_FILE,
    SourcesImportError,
    import_sources,
)
from communs.sources.models import Account, Forge, ForgeScope, Organisation

ETALAB = "db2b74d4-4dbc-4d7d-ba1b-5762e2cb06b8"
CULTURE = "da1d6275-6710-485d-a249-282cac69dfe7"
MINISTRY_COUNT = 19  # entries of the real top_organizations.yml


def sources_dir(shared: Path) -> Path:
    return shared / "data" / "sources"


def dump() -> dict[str, list[dict]]:
    """Every row of the three tables, every column (timestamps included)."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Forge, Organisation, Account)
    }


def run(*args: str) -> tuple[str, str]:
    """``communs sources …`` in-process, in English: (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("sources", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fails(*args: str) -> str:
    """``communs sources …`` that must fail, in English: what it wrote on stderr."""
    err = StringIO()
    with translation.override("en"), pytest.raises(CommandError):
        call_command("sources", *args, stdout=StringIO(), stderr=err)
    return err.getvalue()


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


SMALL = f"""
github.com:
  forge: github
  owners:
    etalab:
      pso_id: {ETALAB}
      floss_policy: https://www.etalab.gouv.fr/licences
    numerique-gouv:
      pso_id: {ETALAB}
    musees:
      pso_id: {CULTURE}
      ignored_since: 2024-01-31
forge.example.org:
  forge: gitea
  pso_id: {CULTURE}
"""


# The real files ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_imports_the_real_2025_file_with_its_ministries(shared: Path) -> None:
    path = sources_dir(shared) / "comptes-organismes-publics.yml"
    out, err = run("import", str(path))
    assert Forge.objects.count() == 93
    assert Account.objects.count() == 300
    assert "top_organizations.yml" in out and "platforms.csv" in out
    assert ":773:3: warning:" in err  # the forge given two pso_ids
    ministries = Organisation.objects.filter(level=Organisation.Level.MINISTRY)
    assert ministries.count() == MINISTRY_COUNT
    assert ministries.get(pso_id=CULTURE).name == "Ministère de la Culture"
    assert Forge.objects.get(host="gitlab.com").scope == ForgeScope.OWNERS
    inria = Forge.objects.get(host="gitlab.inria.fr")
    assert (inria.scope, inria.api_url) == (ForgeScope.INSTANCE, "https://gitlab.inria.fr/api/v4")
    assert inria.organisation.pso_id == "1774a61b-42e1-4272-b6bb-7ba4cc44b8ac"
    assert Forge.objects.get(host="gitlab.u-psud.fr").ignored_since == date(2024, 8, 9)
    healthdatahub = Account.objects.get(forge__host="gitlab.com", path="healthdatahub")
    # Its pso_id is a ministry's: the account belongs to the ministry.
    assert healthdatahub.organisation.level == Organisation.Level.MINISTRY
    # An owner without pso_id on a forge that has one belongs to the forge's organisation.
    certa = Account.objects.get(forge__host="forge.apps.education.fr", path="reseau-certa")
    assert certa.organisation.pso_id == "3ed2f725-e077-4973-a531-498e13fc7861"
    datalab = Account.objects.get(forge__host="gitlab.com", path="etalab-datalab")
    assert datalab.organisation.name == "etalab-datalab"  # named after its first account
    assert datalab.organisation.floss_policy_url.startswith("https://code.gouv.fr/")


@pytest.mark.django_db
def test_a_second_import_of_the_same_file_changes_nothing(shared: Path) -> None:
    path = sources_dir(shared) / "comptes-organismes-publics.yml"
    run("import", str(path))
    before = dump()
    report = import_sources([path])
    assert dump() == before
    assert not report.changed
    assert (report.forges.unchanged, report.accounts.unchanged) == (93, 300)
    assert report.organisations.unchanged == Organisation.objects.count() > MINISTRY_COUNT
    out, _ = run("import", str(path))
    assert "No change." in out
    assert dump() == before


@pytest.mark.django_db(transaction=True)
def test_the_2024_file_fails_on_its_malformed_key_and_writes_nothing(shared: Path) -> None:
    run("import", str(sources_dir(shared) / "comptes-organismes-publics.yml"))
    before = dump()
    path = sources_dir(shared) / "comptes-organismes-publics-2024-url-keyed.yml"
    err = fails("import", str(path))
    assert f"{path}:1:1: error: malformed key `Ddhttps://git.lias-lab.fr`" in err
    assert dump() == before


@pytest.mark.django_db
def test_the_2024_file_imports_the_rest_with_skip_invalid(shared: Path) -> None:
    path = sources_dir(shared) / "comptes-organismes-publics-2024-url-keyed.yml"
    out, _ = run("import", "--skip-invalid", str(path))
    # On an empty database nothing tells what icube-forge.unistra.fr runs either.
    assert "Skipped 2 invalid entries:" in out and f"{path}:1:1: malformed key" in out
    assert f"{path}:2298: cannot tell which software forge icube-forge.unistra.fr" in out
    assert Account.objects.filter(forge__host="github.com", path="lias-laboratory").exists()
    assert Forge.objects.get(host="gogs.univ-littoral.fr").kind == "gogs"  # its `forge:`
    assert Forge.objects.get(host="forge.grandlyon.com").kind == "gitlab"  # platforms.csv
    assert not Forge.objects.filter(host__icontains="lias-lab").exists()
    # service_of names organisations and, up to a ministry, their hierarchy.
    cnrs = Organisation.objects.get(name="Centre national de la recherche scientifique (CNRS)")
    assert cnrs.parent.name == "Ministère de l'Enseignement supérieur et de la Recherche"
    assert cnrs.ministry == cnrs.parent
    etalab = Organisation.objects.get(pso_id=ETALAB)
    assert etalab.name == "Département Etalab"
    assert etalab.name_origin == Organisation.NameOrigin.SOURCES


@pytest.mark.django_db
def test_the_2021_list_imports(shared: Path) -> None:
    path = sources_dir(shared) / "comptes-organismes-publics-2021-url-list.txt"
    # Neither platforms.csv nor its name tells what git.cines.fr runs: that line is an error.
    err = fails("import", str(path))
    assert f"{path}:12: error: cannot tell which software forge git.cines.fr runs" in err
    assert Forge.objects.count() == 0
    out, _ = run("import", "--skip-invalid", str(path))
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    owners = [line for line in lines if urlsplit(line).path.strip("/")]
    assert Account.objects.count() == len(owners) - 1  # all but git.cines.fr/dad
    assert Forge.objects.get(host="framagit.org").kind == "gitlab"
    assert Account.objects.filter(forge__host="github.com", path="dnum-mi").exists()


# Files written by the tests ------------------------------------------------------------


@pytest.mark.django_db
def test_it_stores_forges_owners_and_organisations(tmp_path: Path) -> None:
    report = import_sources([write(tmp_path, "sources.yml", SMALL)])
    assert (report.forges.new, report.accounts.new, report.organisations.new) == (2, 3, 2)
    etalab = Account.objects.get(path="etalab")
    assert etalab.source_file == "sources.yml"
    assert etalab.organisation == Account.objects.get(path="numerique-gouv").organisation
    assert etalab.organisation.floss_policy_url == "https://www.etalab.gouv.fr/licences"
    musees = Account.objects.get(path="musees")
    assert (musees.ignored_since, musees.ignored_reason) == (date(2024, 1, 31), IGNORED_IN_THE_FILE)
    forge = Forge.objects.get(host="forge.example.org")
    assert (forge.kind, forge.scope, forge.api_url) == (
        "gitea",
        ForgeScope.INSTANCE,
        "https://forge.example.org/api/v1",
    )
    assert forge.organisation == musees.organisation


@pytest.mark.django_db
def test_it_honours_url_and_api_url_of_a_local_forge(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources.yml",
        "127.0.0.1:8123/gitlab:\n  forge: gitlab\n  url: http://127.0.0.1:8123/gitlab\n"
        "  owners:\n    demo:\n",
    )
    run("import", str(path))
    forge = Forge.objects.get(host="127.0.0.1:8123/gitlab")
    assert (forge.url, forge.api_url) == (
        "http://127.0.0.1:8123/gitlab",
        "http://127.0.0.1:8123/gitlab/api/v4",
    )
    assert forge.accounts.get().url == "http://127.0.0.1:8123/gitlab/demo"


@pytest.mark.django_db
def test_an_owner_that_leaves_the_file_is_ignored_and_comes_back(tmp_path: Path) -> None:
    path = write(tmp_path, "sources.yml", SMALL)
    import_sources([path])
    path.write_text(SMALL.replace("    numerique-gouv:\n", "    renamed-away:\n"))
    report = import_sources([path])
    assert (report.accounts.new, report.accounts.ignored) == (1, 1)
    gone = Account.objects.get(path="numerique-gouv")
    assert (gone.ignored_since, gone.ignored_reason) == (timezone.localdate(), LEFT_THE_FILE)
    # Ignored once: importing again keeps the date and counts nothing.
    assert not import_sources([path]).changed
    path.write_text(SMALL)
    report = import_sources([path])
    assert report.accounts.updated == 1
    back = Account.objects.get(path="numerique-gouv")
    assert (back.ignored_since, back.ignored_reason) == (None, "")
    assert Account.objects.count() == 4  # nothing deleted


@pytest.mark.django_db
def test_a_forge_that_leaves_the_file_is_ignored_but_rows_added_otherwise_are_not(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "sources.yml", SMALL)
    import_sources([path])
    by_hand = Forge.objects.create(
        host="git.by-hand.org", kind="gitlab", url="https://git.by-hand.org", api_url="https://x"
    )
    path.write_text(SMALL.split("forge.example.org:")[0])
    report = import_sources([path])
    assert report.forges.ignored == 1
    assert Forge.objects.get(host="forge.example.org").ignored_reason == LEFT_THE_FILE
    by_hand.refresh_from_db()
    assert by_hand.ignored_since is None


@pytest.mark.django_db
def test_entries_skipped_as_invalid_are_not_taken_as_gone(tmp_path: Path) -> None:
    path = write(tmp_path, "sources.yml", SMALL)
    import_sources([path])
    path.write_text(SMALL.replace("ignored_since: 2024-01-31", "ignored_since: last week"))
    report = import_sources([path], skip_invalid=True)
    [problem] = report.skipped
    assert problem.line == 12
    assert report.accounts.ignored == 0
    assert Account.objects.get(path="musees").ignored_since == date(2024, 1, 31)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("github.com:\n  forge: github\n  owners:\n    etalab:\n      pso_id: 'db2b", 5, "trunc"),
        ("github.com:\n  forge: github\n  owners:\n    etalab: [1, 2]\n", 4, "must be a mapping"),
        ("github.com:\n  forge: github\n  pso_id: 42\n", 3, "not a number"),
        ("github.com:\n  forge: fossil\n", 2, "unknown forge kind `fossil`"),
        ("github.com:\n  forge: github\n  ignored_since: 2024-02-30\n", 3, "YYYY-MM-DD"),
        ("github.com:\n  forge: github\n  url: github.com\n", 3, "bad URL"),
    ],
)
def test_bad_input_fails_with_file_and_line_and_writes_nothing(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    import_sources([write(tmp_path / "before", "sources.yml", SMALL)])
    before = dump()
    path = write(tmp_path / "bad", "sources.yml", text)
    err = fails("import", str(path))
    assert f"{path}:{line}:" in err and message in err
    assert dump() == before


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_writing_rolls_the_whole_import_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_sources([write(tmp_path / "before", "sources.yml", SMALL)])
    before = dump()

    def fail(self: object) -> None:
        raise RuntimeError("disk full")

    # Forges and organisations are written by then; accounts fail.
    monkeypatch.setattr(importer._Writer, "_write_accounts", fail)
    changed = SMALL.replace("forge: gitea", "forge: forgejo").replace("musees", "musee")
    with pytest.raises(RuntimeError):
        import_sources([write(tmp_path / "after", "sources.yml", changed)])
    assert dump() == before


@pytest.mark.django_db
def test_a_dry_run_reports_the_changes_and_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "sources.yml", SMALL)
    out, _ = run("import", "--dry-run", str(path))
    assert "Dry run: nothing was written." in out
    assert dump() == {"Forge": [], "Organisation": [], "Account": []}
    report = import_sources([path], dry_run=True)
    assert (report.forges.new, report.accounts.new) == (2, 3)
    assert Forge.objects.count() == 0


@pytest.mark.django_db
def test_it_reads_the_siblings_unless_told_not_to(tmp_path: Path) -> None:
    write(tmp_path, "top_organizations.yml", f"{CULTURE}: Ministère de la Culture\n")
    write(tmp_path, "platforms.csv", "domain_name,platform\ngit.example.org,gogs\n")
    path = write(tmp_path, "list.txt", "https://git.example.org/team\n")
    with pytest.raises(SourcesImportError) as raised:
        import_sources([path], include_siblings=False)
    assert "git.example.org" in raised.value.problems[0].message
    report = import_sources([path])
    assert [(f.path.name, f.sibling) for f in report.files] == [
        ("list.txt", False),
        ("top_organizations.yml", True),
        ("platforms.csv", True),
    ]
    assert Forge.objects.get().kind == "gogs"
    assert Organisation.objects.get().level == Organisation.Level.MINISTRY


@pytest.mark.django_db
def test_a_better_name_replaces_the_accounts_name_and_a_name_given_by_hand_stays(
    tmp_path: Path,
) -> None:
    import_sources([write(tmp_path, "sources.yml", SMALL)])
    etalab = Organisation.objects.get(pso_id=ETALAB)
    assert (etalab.name, etalab.name_origin) == ("etalab", Organisation.NameOrigin.ACCOUNT)
    named = write(
        tmp_path / "2024",
        "named.yml",
        f"https://github.com/etalab:\n  service_of: [Département Etalab]\n  pso_id: [{ETALAB}]\n",
    )
    import_sources([named])
    etalab.refresh_from_db()
    assert etalab.name == "Département Etalab"
    # The file named by account only does not take the better name back.
    import_sources([tmp_path / "sources.yml"])
    etalab.refresh_from_db()
    assert etalab.name == "Département Etalab"
    Organisation.objects.filter(pk=etalab.pk).update(name="DINUM", name_origin="")
    import_sources([named])
    etalab.refresh_from_db()
    assert etalab.name == "DINUM"


@pytest.mark.django_db
def test_a_format_can_be_forced(tmp_path: Path) -> None:
    path = write(tmp_path, "odd.txt", "https://gitlab.com/team\n")
    run("import", "--format", "url-list", str(path))
    assert Account.objects.get().path == "team"
    with pytest.raises(SourcesImportError):
        import_sources([path], fmt="platforms")


def test_the_cli_exits_1_on_bad_input_and_0_with_skip_invalid(tmp_path: Path) -> None:
    # A real process on its own SQLite database, to see the exit status a shell sees.
    env = {**os.environ, "COMMUNS_HOME": str(tmp_path / "home")}
    env.pop("COMMUNS_DATABASE_URL", None)
    text = SMALL + "bad.example.org:\n  forge: fossil\n"
    path = write(tmp_path, "sources.yml", text)
    line = text.splitlines().index("  forge: fossil") + 1

    def communs(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "communs.cli", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, check=False)

    assert communs("migrate", "-v0").returncode == 0
    failed = communs("sources", "import", str(path))
    assert failed.returncode == 1
    # The interface may be in French: the position and the problem are what matter.
    assert f"{path}:{line}:10: " in failed.stderr
    assert "unknown forge kind `fossil`" in failed.stderr
    assert Path(tmp_path / "home" / "communs.sqlite3").exists()
    skipped = communs("sources", "import", "--skip-invalid", str(path))
    assert skipped.returncode == 0, skipped.stderr
    assert f"{path}:{line}:10: " in skipped.stdout


@pytest.mark.django_db
def test_nothing_is_taken_as_gone_when_a_sources_file_cannot_be_read(tmp_path: Path) -> None:
    path = write(tmp_path, "sources.yml", SMALL)
    import_sources([path])
    path.write_text(SMALL[: SMALL.index("numerique-gouv")] + "'numerique")
    report = import_sources([path], skip_invalid=True)
    assert "truncated" in report.skipped[0].message
    assert (report.checked_for_left, report.accounts.ignored, report.forges.ignored) == (
        False,
        0,
        0,
    )
    assert not Account.objects.filter(ignored_reason=LEFT_THE_FILE).exists()
    # The list of ministries alone lists no forge: none is taken as gone either.
    ministries = write(tmp_path / "m", "top_organizations.yml", f"{ETALAB}: Premier ministre\n")
    report = import_sources([ministries])
    assert (report.organisations.updated, report.forges.ignored) == (1, 0)
    assert Organisation.objects.get(pso_id=ETALAB).level == Organisation.Level.MINISTRY
