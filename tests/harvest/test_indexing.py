"""After a harvest, the search index is redone for what it stored, changed or marked
gone, and only for that: an unchanged repository's entry is not written again."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from communs.emulator import EmulatorServer
from communs.harvest.models import PendingIndex
from communs.harvest.store import index_harvested
from communs.repositories.models import Repository
from communs.search import SearchQuery, search_repositories
from communs.search.models import RepositoryEntry

from .conftest import EPOCH, FakeGitHub, import_emulator, later, run_harvest, small_world

pytestmark = pytest.mark.django_db


def found(words: str) -> set[str]:
    return {r.full_path for r in search_repositories(SearchQuery(q=words)).items}


def pk_of(path: str) -> int:
    return Repository.objects.get(full_path=path).pk


def test_only_what_the_harvest_changed_is_indexed_again(github: FakeGitHub) -> None:
    run_harvest(github)
    assert PendingIndex.objects.count() == Repository.objects.count() == 6
    assert index_harvested() == 6
    assert RepositoryEntry.objects.count() == 6 and not PendingIndex.objects.exists()
    assert found("one") == {"etalab/one"}
    # A mark on an entry that nothing should rewrite.
    untouched = pk_of("etalab/three")
    RepositoryEntry.objects.filter(pk=untouched).update(language="Marked")

    changed = next(r for r in github.repos.values() if r.full_name == "etalab/two")
    changed.description = "hydrologie des bassins"
    github.push(changed, later(EPOCH, days=3))
    deleted = next(r for r in github.repos.values() if r.full_name == "etalab/one")
    github.delete(deleted)
    run_harvest(github)
    # Queued: the changed repository and the gone one, nothing else.
    assert set(PendingIndex.objects.values_list("pk", flat=True)) == {
        pk_of("etalab/two"),
        pk_of("etalab/one"),
    }
    assert index_harvested() == 2
    assert RepositoryEntry.objects.get(pk=untouched).language == "Marked"
    assert found("hydrologie") == {"etalab/two"}
    assert found("one") == set()
    assert RepositoryEntry.objects.get(pk=pk_of("etalab/one")).gone is True

    # Nothing changed: nothing to index.
    run_harvest(github)
    assert not PendingIndex.objects.exists() and index_harvested() == 0


def test_the_harvest_command_indexes_what_it_stored_and_leaves_the_rest(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world()
    import_emulator(serve(world), tmp_path)
    call_command("harvest", "--no-progress", stdout=StringIO(), stderr=StringIO())
    assert RepositoryEntry.objects.count() == Repository.objects.count() > 0
    assert not PendingIndex.objects.exists()
    RepositoryEntry.objects.update(language="Marked")
    touched = {path for _, path in world.touch(0.05, seed=2)}
    call_command("harvest", "--no-progress", stdout=StringIO(), stderr=StringIO())
    redone = set(
        RepositoryEntry.objects.exclude(language="Marked").values_list(
            "repository__full_path", flat=True
        )
    )
    stored = set(Repository.objects.values_list("full_path", flat=True))
    assert redone == touched & stored and redone
    assert not PendingIndex.objects.exists()
