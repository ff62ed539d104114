"""The schedule run in-process, in a thread of `communs serve`, when no broker is set.

One process on the machine runs it: the thread takes an exclusive lock on a file of
COMMUNS_HOME (``scheduler.lock``) and, if another process holds it, does nothing (a
second `communs serve`, or gunicorn's forked workers, which never start the thread).
When each entry last ran is kept in the database (``ScheduleMark``), so a restart does
not run everything again. Entries run one after the other, in this thread: a harvest
in progress delays the next entry, never doubles it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from communs.tasks.schedule import Entry, schedule_from_settings

logger = logging.getLogger(__name__)

# How often the thread looks at the schedule, in seconds.
TICK = 30.0


def task_functions() -> dict[str, Callable[[], Any]]:
    """Celery task name -> the function the embedded scheduler calls for it."""
    from communs.tasks import jobs, periodic

    return {
        "communs.refresh_due": periodic.refresh_due,
        "communs.sweep_updated": periodic.sweep_updated,
        "communs.sweep_oldest": periodic.sweep_oldest,
        "communs.analyse_moved": jobs.analyse_moved,
        "communs.history_snapshot": jobs.history_snapshot,
        "communs.refresh_word_index": jobs.refresh_word_index,
        "communs.remind_referents": jobs.remind_referents,
        "communs.send_alerts": jobs.send_alerts,
        "communs.remind_events": jobs.remind_events,
        "communs.collect_contributions": jobs.collect_contributions,
    }


class SchedulerLock:
    """An exclusive, non-blocking lock on a file: held until released or the process ends
    (the kernel drops it with the process, so a killed holder frees it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def run_due(
    entries: list[Entry],
    now: datetime | None = None,
    functions: dict[str, Callable[[], Any]] | None = None,
) -> list[str]:
    """Run each entry due now, recording when; the names of those run."""
    from communs.tasks.models import ScheduleMark

    now = now or timezone.localtime()
    functions = functions if functions is not None else task_functions()
    marks = dict(ScheduleMark.objects.values_list("name", "last_run_at"))
    ran = []
    for entry in entries:
        last = marks.get(entry.name)
        if not entry.due(timezone.localtime(last) if last else None, now):
            continue
        try:
            functions[entry.task]()
        except Exception:
            # One failing entry (a forge down, the history app missing) must not stop
            # the others; it is tried again at its next period.
            logger.exception("scheduled %s failed", entry.name)
        ScheduleMark.objects.update_or_create(name=entry.name, defaults={"last_run_at": now})
        ran.append(entry.name)
    return ran


class EmbeddedScheduler(threading.Thread):
    """The schedule's loop in a daemon thread; ``stop()`` ends it at the next tick."""

    def __init__(
        self,
        lock_path: Path | None = None,
        tick: float = TICK,
        entries: list[Entry] | None = None,
        functions: dict[str, Callable[[], Any]] | None = None,
    ) -> None:
        super().__init__(name="communs scheduler", daemon=True)
        self.lock = SchedulerLock(lock_path or settings.HOME / "scheduler.lock")
        self.tick = tick
        # Not ``_stop``: threading.Thread has a method of that name.
        self._stopping = threading.Event()
        self.entries = entries if entries is not None else schedule_from_settings(settings)
        self.functions = functions
        self.ran = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        if not self.lock.acquire():
            logger.info("another process runs the schedule (%s)", self.lock.path)
            return
        try:
            while not self._stopping.is_set():
                try:
                    run_due(self.entries, functions=self.functions)
                    self.ran.set()
                except Exception:
                    logger.exception("the embedded scheduler failed; trying again")
                finally:
                    close_old_connections()
                self._stopping.wait(self.tick)
        finally:
            self.lock.release()
