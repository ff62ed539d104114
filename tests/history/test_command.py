"""``communs history snapshot`` and ``communs history prune``."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from communs.history.models import RepositoryPoint, Snapshot
from communs.repositories.models import Repository

from .conftest import DAY


@pytest.fixture(autouse=True)
def english():
    """The commands' messages as an English terminal shows them (the site's default is French)."""
    with translation.override("en"):
        yield


def run(*args: str) -> str:
    out = StringIO()
    call_command("history", *args, stdout=out)
    return out.getvalue()


def test_snapshot_takes_a_day_then_replaces_it(index: list[Repository]) -> None:
    assert "Took the snapshot of 2026-03-02" in run("snapshot", "--day", str(DAY))
    assert "Replaced the snapshot of 2026-03-02" in run("snapshot", "--day", str(DAY))
    assert Snapshot.objects.count() == 1
    assert RepositoryPoint.objects.count() == 8


def test_snapshot_refuses_a_bad_or_past_day(index: list[Repository]) -> None:
    with pytest.raises(CommandError, match="not a day"):
        run("snapshot", "--day", "2026-02-30")
    run("snapshot", "--day", str(DAY))
    with pytest.raises(CommandError, match="before the newest"):
        run("snapshot", "--day", str(DAY - timedelta(days=1)))


def test_prune_forgets_old_days(index: list[Repository]) -> None:
    run("snapshot", "--day", "2020-01-01")
    run("snapshot")  # today
    assert "Forgot 1 snapshots" in run("prune", "--keep-days", "30")
    assert Snapshot.objects.count() == 1
    with pytest.raises(CommandError):
        run("prune", "--keep-days", "-1")
