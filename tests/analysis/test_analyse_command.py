"""``communs analyse``: what it selects, its summary and its exit status."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from communs.analysis.models import RepositoryAnalysis
from communs.emulator import EmulatorServer, World
from communs.repositories.models import Repository

from .conftest import load_world, small_world

pytestmark = pytest.mark.django_db


def analyse(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("analyse", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_analyses_what_changed_and_prints_a_summary_per_forge(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world(12)
    server = serve(world)
    forges = load_world(server, world, tmp_path)

    output = analyse()

    total = Repository.objects.count()
    assert RepositoryAnalysis.objects.filter(status="analysed").count() == total
    lines = output.splitlines()
    assert lines[0].split() == ["forge", "analysed", "skipped", "failed", "time"]
    for forge in forges.values():
        row = next(line for line in lines if line.startswith(forge.host + " "))
        assert row.split()[1] == str(forge.repositories.count())
    assert lines[-1].split()[:4] == ["total", str(total), "0", "0"]
    # Nothing moved: nothing to do.
    assert analyse().strip() == "Nothing to analyse."


def test_all_and_repo_analyse_again_whatever_the_dates(analysed: World) -> None:
    repo = Repository.objects.order_by("pk").first()
    assert repo is not None
    before = RepositoryAnalysis.objects.get(pk=repo.pk).analysed_at
    host = repo.forge.host

    output = analyse("--repo", f"{repo.forge.url}/{repo.full_path}/")

    assert output.splitlines()[-1].split()[:2] == ["total", "1"]
    assert RepositoryAnalysis.objects.get(pk=repo.pk).analysed_at > before
    output = analyse("--all", "--forge", host)
    assert output.splitlines()[-1].split()[1] == str(repo.forge.repositories.count())


def test_unknown_forges_and_repositories_are_named(analysed: World) -> None:
    with pytest.raises(CommandError, match="no forge nowhere.example"):
        analyse("--forge", "nowhere.example")
    with pytest.raises(CommandError, match="no repository at https://nowhere.example/a/b"):
        analyse("--repo", "https://nowhere.example/a/b")


def test_failures_exit_3_naming_each_repository_and_why(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world(4)
    server = serve(world)
    load_world(server, world, tmp_path)
    server.stop()

    with pytest.raises(CommandError) as raised:
        analyse()

    assert raised.value.returncode == 3
    message = str(raised.value)
    count = Repository.objects.count()
    assert message.startswith(f"{count} repositories could not be analysed:")
    for repo in Repository.objects.select_related("forge"):
        assert f"{repo.forge.host}/{repo.full_path}: download failed:" in message
