"""`communs worker` and `communs scheduler` as commands."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """The commands' messages as an English terminal shows them (the site's default is French)."""
    with translation.override("en"):
        yield


def test_the_worker_needs_a_broker(settings: Any) -> None:
    settings.BROKER_URL = ""
    with pytest.raises(CommandError, match="COMMUNS_BROKER_URL"):
        call_command("worker")


def test_the_worker_refuses_unknown_queues(settings: Any) -> None:
    settings.BROKER_URL = "redis://127.0.0.1:6379/11"
    with pytest.raises(CommandError, match="harvest.nowhere"):
        call_command("worker", "--queues", "harvest.github,harvest.nowhere")


def test_the_scheduler_shows_its_entries(settings: Any) -> None:
    settings.SCHEDULE_UPDATED_SWEEP_MINUTES = 7
    out = io.StringIO()
    call_command("scheduler", "--show", stdout=out)
    lines = dict(line.split("\t", 1) for line in out.getvalue().splitlines())
    assert lines["sweep-updated"] == "communs.sweep_updated\tevery 7 min"
    assert lines["history-snapshot"] == "communs.history_snapshot\tdaily at 03:00"


def test_the_scheduler_needs_a_broker(settings: Any) -> None:
    settings.BROKER_URL = ""
    with pytest.raises(CommandError, match="communs serve"):
        call_command("scheduler")
