"""The schedule: its entries from the settings, when each is due, Celery beat's form,
and the embedded scheduler's single runner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from communs.tasks.embedded import SchedulerLock, run_due, task_functions
from communs.tasks.schedule import Entry, beat_schedule, build_schedule, schedule_from_settings

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def schedule(**overrides: int) -> dict[str, Entry]:
    values = {
        "full_refresh_minutes": 1440,
        "updated_sweep_minutes": 10,
        "oldest_sweep_minutes": 60,
        "analysis_minutes": 60,
        "daily_hour": 3,
    } | overrides
    return {entry.name: entry for entry in build_schedule(**values)}


def test_it_holds_refreshes_sweeps_analysis_history_and_catalogue_mail() -> None:
    entries = schedule()
    assert set(entries) == {
        "refresh-due",
        "sweep-updated",
        "sweep-oldest",
        "analyse-moved",
        "word-index",
        "history-snapshot",
        "remind-referents",
        "send-alerts",
        "remind-events",
        "collect-contributions",
    }
    # Forges due a refresh are looked for every few minutes; the period is per forge.
    assert entries["refresh-due"].every == timedelta(minutes=5)
    assert entries["sweep-updated"].every == timedelta(minutes=10)
    assert entries["sweep-oldest"].every == timedelta(hours=1)
    assert entries["word-index"].every == timedelta(minutes=10)
    assert entries["history-snapshot"].hour == 3 and entries["history-snapshot"].every is None
    # Every task named exists, as a Celery task and as an in-process function.
    import communs.tasks.tasks  # noqa: F401 - registers the tasks
    from communs.tasks.app import app

    for entry in entries.values():
        assert entry.task in app.tasks
        assert entry.task in task_functions()


def test_a_period_of_zero_leaves_its_entry_out() -> None:
    entries = schedule(updated_sweep_minutes=0, oldest_sweep_minutes=0, full_refresh_minutes=0)
    assert "sweep-updated" not in entries and "sweep-oldest" not in entries
    assert "refresh-due" not in entries


def test_it_reads_the_settings(settings: Any) -> None:
    settings.SCHEDULE_UPDATED_SWEEP_MINUTES = 3
    settings.SCHEDULE_DAILY_HOUR = 5
    entries = {entry.name: entry for entry in schedule_from_settings(settings)}
    assert entries["sweep-updated"].every == timedelta(minutes=3)
    assert entries["send-alerts"].hour == 5


def test_an_interval_entry_is_due_once_its_period_passed() -> None:
    entry = Entry("e", "t", every=timedelta(minutes=10))
    assert entry.due(None, NOW)
    assert not entry.due(NOW - timedelta(minutes=9), NOW)
    assert entry.due(NOW - timedelta(minutes=10), NOW)


def test_a_daily_entry_is_due_once_a_day_after_its_hour() -> None:
    entry = Entry("e", "t", hour=3)
    assert entry.due(None, NOW)
    assert not entry.due(NOW.replace(hour=3, minute=1), NOW)
    assert entry.due(NOW - timedelta(days=1), NOW)
    # Before today's hour, yesterday's run is the one that counts.
    early = NOW.replace(hour=2)
    assert not entry.due(early - timedelta(hours=20), early)


def test_beat_gets_intervals_and_daily_crontabs() -> None:
    from celery.schedules import crontab

    beat = beat_schedule(list(schedule().values()))
    assert beat["sweep-updated"]["schedule"] == timedelta(minutes=10)
    assert beat["send-alerts"]["schedule"] == crontab(minute=0, hour=3)
    assert beat["refresh-due"]["task"] == "communs.refresh_due"


@pytest.mark.django_db
def test_the_embedded_scheduler_runs_what_is_due_once() -> None:
    calls: list[str] = []
    functions = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}
    entries = [Entry("every-10", "a", every=timedelta(minutes=10)), Entry("daily", "b", hour=3)]
    assert run_due(entries, NOW, functions) == ["every-10", "daily"]
    # Marks are in the database: a restart (a new call) does not run them again.
    assert run_due(entries, NOW + timedelta(minutes=5), functions) == []
    assert run_due(entries, NOW + timedelta(minutes=10), functions) == ["every-10"]
    assert calls == ["a", "b", "a"]


@pytest.mark.django_db
def test_a_failing_entry_does_not_stop_the_others() -> None:
    def fail() -> None:
        raise RuntimeError("forge down")

    calls: list[str] = []
    functions = {"a": fail, "b": lambda: calls.append("b")}
    entries = [
        Entry("x", "a", every=timedelta(minutes=1)),
        Entry("y", "b", every=timedelta(minutes=1)),
    ]
    assert run_due(entries, NOW, functions) == ["x", "y"]
    assert calls == ["b"]


def test_one_process_runs_the_embedded_schedule(tmp_path: Path) -> None:
    first, second = (
        SchedulerLock(tmp_path / "scheduler.lock"),
        SchedulerLock(tmp_path / "scheduler.lock"),
    )
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


@pytest.mark.django_db(transaction=True)
def test_the_embedded_thread_runs_the_schedule_and_a_second_one_stands_aside(
    tmp_path: Path,
) -> None:
    from communs.tasks.embedded import EmbeddedScheduler

    calls: list[str] = []
    entries = [Entry("often", "a", every=timedelta(minutes=1))]
    functions = {"a": lambda: calls.append("a")}
    first = EmbeddedScheduler(tmp_path / "scheduler.lock", 0.05, entries, functions)
    second = EmbeddedScheduler(tmp_path / "scheduler.lock", 0.05, entries, functions)
    first.start()
    assert first.ran.wait(10)
    second.start()
    # The lock is taken: the second thread ends at once, having run nothing.
    second.join(5)
    assert not second.is_alive() and not second.ran.is_set()
    first.stop()
    first.join(5)
    assert not first.is_alive()
    # Once a minute: ticks every 50 ms did not run it again.
    assert calls == ["a"]
