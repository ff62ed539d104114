"""``communs harvest``: forges concurrently, a summary table, exit status 0 or 3."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from communs.analysis.models import RepositoryAnalysis
from communs.emulator import EmulatorServer
from communs.harvest.models import HarvestRun
from communs.opendata.publish import DATAPACKAGE, open_data_dir, read_datapackage
from communs.repositories.models import Repository
from communs.sources.models import Account, Forge

from .conftest import import_emulator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def forges(serve: Callable[..., EmulatorServer], tmp_path: Path) -> list[Forge]:
    return import_emulator(serve(), tmp_path)


def harvest(*args: str) -> str:
    out = StringIO()
    call_command("harvest", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_harvests_every_forge_and_prints_a_summary(forges: list[Forge]) -> None:
    out = harvest()
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("forge "))
    assert lines[header].split()[:4] == ["forge", "status", "owners", "new"]
    table = {line.split()[0]: line.split() for line in lines[header + 2 :] if line.strip()}
    assert sorted(table) == sorted(forge.host for forge in forges)
    for forge in forges:
        row = table[forge.host]
        assert row[1] == "succeeded"
        assert int(row[3].replace(",", "")) == Repository.objects.filter(forge=forge).count() > 0
    assert HarvestRun.objects.filter(status="succeeded").count() == 3


def test_a_failed_forge_exits_3_naming_it_and_why_and_the_others_are_stored(
    forges: list[Forge],
) -> None:
    github = next(forge for forge in forges if forge.host.endswith("/github"))
    Account.objects.create(forge=github, path="no-such-owner")
    with pytest.raises(CommandError) as raised:
        harvest("--no-progress")
    assert raised.value.returncode == 3
    message = str(raised.value)
    assert "1 of 3 forges failed" in message
    assert github.host in message and "no-such-owner: 404" in message
    for forge in forges:
        assert Repository.objects.filter(forge=forge).exists()
    run = HarvestRun.objects.get(forge=github)
    assert run.status == HarvestRun.Status.FAILED and run.owners_failed == 1


def test_forge_and_owner_narrow_the_harvest(forges: list[Forge]) -> None:
    gitlab = next(forge for forge in forges if forge.host.endswith("/gitlab"))
    owner = gitlab.accounts.order_by("path").first()
    assert owner is not None
    harvest("--forge", gitlab.host, "--owner", owner.path, "--no-progress")
    paths = set(Repository.objects.values_list("forge__host", "full_path"))
    assert paths and all(host == gitlab.host for host, _ in paths)
    assert all(path.lower().startswith(owner.path.lower() + "/") for _, path in paths)
    assert list(HarvestRun.objects.values_list("forge__host", flat=True)) == [gitlab.host]


def test_an_unknown_forge_is_a_clear_error(forges: list[Forge]) -> None:
    with pytest.raises(CommandError, match="no forge nowhere.example; known forges: 127"):
        harvest("--forge", "nowhere.example")
    assert not HarvestRun.objects.exists()


def test_an_unknown_owner_is_a_clear_error(forges: list[Forge]) -> None:
    with pytest.raises(CommandError, match="no harvested account nobody"):
        harvest("--owner", "nobody")


@override_settings(FORGE_TOKENS="gitlab.example.org")
def test_malformed_tokens_are_a_clear_error_that_does_not_show_them(forges: list[Forge]) -> None:
    with pytest.raises(CommandError, match="entry 1 is not written host=token") as raised:
        harvest()
    assert "gitlab.example.org" not in str(raised.value)


def test_ignored_forges_are_named_and_left_alone(forges: list[Forge]) -> None:
    from datetime import date

    Forge.objects.filter(pk=forges[0].pk).update(ignored_since=date(2025, 1, 1))
    out = harvest("--no-progress")
    assert f"{forges[0].host} is ignored since 2025-01-01" in out
    assert not Repository.objects.filter(forge=forges[0]).exists()


def test_analyse_reads_what_was_harvested_and_only_what_moved_next_time(
    forges: list[Forge],
) -> None:
    gitlab = next(forge for forge in forges if forge.host.endswith("/gitlab"))
    harvest("--forge", gitlab.host, "--no-progress", "--analyse")
    stored = Repository.objects.filter(forge=gitlab, gone_since__isnull=True)
    analyses = RepositoryAnalysis.objects.filter(repository__forge=gitlab)
    assert stored.exists() and analyses.count() == stored.count()
    first = dict(analyses.values_list("repository_id", "analysed_at"))
    harvest("--forge", gitlab.host, "--no-progress", "--analyse")
    # Nothing was pushed in between: nothing is read again.
    assert dict(analyses.values_list("repository_id", "analysed_at")) == first


def test_a_harvest_publishes_the_open_data(forges: list[Forge]) -> None:
    harvest("--no-progress")
    package = read_datapackage()
    assert package is not None
    rows = {resource["name"]: resource["rows"] for resource in package["resources"]}
    stored = Repository.objects.count()
    assert stored and rows["repositories-csv"] == rows["repositories-json"] == stored

    # A harvest that changed nothing leaves the files as they are (writing them reads
    # every repository); one that found something new writes them again.
    written = (open_data_dir() / DATAPACKAGE).stat().st_mtime_ns
    harvest("--no-progress")
    assert (open_data_dir() / DATAPACKAGE).stat().st_mtime_ns == written
    Repository.objects.filter(pk=Repository.objects.order_by("pk")[0].pk).delete()
    harvest("--no-progress")
    assert (open_data_dir() / DATAPACKAGE).stat().st_mtime_ns != written
    assert read_datapackage()["resources"][0]["rows"] > 0


def test_catalogue_entries_get_linked_to_the_repositories_a_harvest_finds(
    forges: list[Forge],
) -> None:
    from communs.catalogue.models import Moderation, Software

    harvest("--no-progress")
    found = Repository.objects.order_by("pk")[0]
    url = found.url
    found.delete()
    software = Software.objects.create(
        name="Outil", slug="outil", repository_url=url, moderation=Moderation.PUBLISHED
    )

    harvest("--no-progress")

    software.refresh_from_db()
    assert software.repository == Repository.objects.get(url=url)


def test_a_stop_asked_after_the_listing_still_exits_130() -> None:
    import os
    import signal

    from communs.harvest.management.commands.harvest import INTERRUPTED, _stopped_by_signals

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(CommandError) as stopped, _stopped_by_signals():
        os.kill(os.getpid(), signal.SIGTERM)  # as if during the indexing or the open data
        pytest.fail("the signal did not stop the command")
    assert stopped.value.returncode == INTERRUPTED
    assert signal.getsignal(signal.SIGTERM) is before
