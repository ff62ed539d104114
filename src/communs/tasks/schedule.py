"""What runs when: the schedule's entries, from the settings. Pure: no Django, no Celery.

Celery beat (`communs scheduler`) and the embedded scheduler of `communs serve` run the
same entries. Per-forge work is found when an entry runs, not when the schedule is
built, so that a forge imported later is refreshed without restarting anything:
``refresh_due`` queues each forge whose last harvest is older than the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# How often the refresh entry looks for forges due (the period itself is per forge).
REFRESH_TICK = timedelta(minutes=5)
# How often the word index looks whether a new segment is due (search/wordindex.py).
WORD_INDEX_TICK = timedelta(minutes=10)


@dataclass(frozen=True)
class Entry:
    """One schedule entry: a task (its Celery name) run every ``every``, or daily at
    ``hour`` (local time) when ``every`` is None."""

    name: str
    task: str
    every: timedelta | None = None
    hour: int | None = None

    def due(self, last: datetime | None, now: datetime) -> bool:
        """Whether the entry is due at ``now`` (aware, local time) after ``last``."""
        if self.every is not None:
            return last is None or now - last >= self.every
        assert self.hour is not None
        today = now.replace(hour=self.hour, minute=0, second=0, microsecond=0)
        moment = today if now >= today else today - timedelta(days=1)
        return last is None or last < moment


def build_schedule(
    *,
    full_refresh_minutes: int,
    updated_sweep_minutes: int,
    oldest_sweep_minutes: int,
    analysis_minutes: int,
    daily_hour: int,
) -> list[Entry]:
    """The entries; a period of 0 (or less) leaves its entry out."""
    entries: list[Entry] = []
    if full_refresh_minutes > 0:
        tick = min(REFRESH_TICK, timedelta(minutes=full_refresh_minutes))
        entries.append(Entry("refresh-due", "communs.refresh_due", every=tick))
    if updated_sweep_minutes > 0:
        entries.append(
            Entry(
                "sweep-updated",
                "communs.sweep_updated",
                every=timedelta(minutes=updated_sweep_minutes),
            )
        )
    if oldest_sweep_minutes > 0:
        entries.append(
            Entry(
                "sweep-oldest",
                "communs.sweep_oldest",
                every=timedelta(minutes=oldest_sweep_minutes),
            )
        )
    if analysis_minutes > 0:
        entries.append(
            Entry(
                "analyse-moved", "communs.analyse_moved", every=timedelta(minutes=analysis_minutes)
            )
        )
    # A new segment of the word index when enough changed (cheap when nothing did):
    # analyses, imports and sweeps index outside the after-harvest step too.
    entries.append(Entry("word-index", "communs.refresh_word_index", every=WORD_INDEX_TICK))
    hour = daily_hour % 24
    entries += [
        Entry("history-snapshot", "communs.history_snapshot", hour=hour),
        Entry("remind-referents", "communs.remind_referents", hour=hour),
        Entry("send-alerts", "communs.send_alerts", hour=hour),
        # The community: tomorrow's events' reminders, and the commits counted upstream.
        Entry("remind-events", "communs.remind_events", hour=hour),
        Entry("collect-contributions", "communs.collect_contributions", hour=hour),
    ]
    return entries


def schedule_from_settings(settings: object) -> list[Entry]:
    return build_schedule(
        full_refresh_minutes=settings.SCHEDULE_FULL_REFRESH_MINUTES,  # type: ignore[attr-defined]
        updated_sweep_minutes=settings.SCHEDULE_UPDATED_SWEEP_MINUTES,  # type: ignore[attr-defined]
        oldest_sweep_minutes=settings.SCHEDULE_OLDEST_SWEEP_MINUTES,  # type: ignore[attr-defined]
        analysis_minutes=settings.SCHEDULE_ANALYSIS_MINUTES,  # type: ignore[attr-defined]
        daily_hour=settings.SCHEDULE_DAILY_HOUR,  # type: ignore[attr-defined]
    )


def beat_schedule(entries: list[Entry]) -> dict[str, dict[str, object]]:
    """The entries as Celery beat's ``beat_schedule``."""
    from celery.schedules import crontab

    return {
        entry.name: {
            "task": entry.task,
            "schedule": entry.every
            if entry.every is not None
            else crontab(minute=0, hour=entry.hour),
        }
        for entry in entries
    }
