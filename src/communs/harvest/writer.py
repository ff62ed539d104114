"""The database thread: every database call of a harvest runs in the thread that started it.

The harvest's event loop runs in a worker thread; the calling thread serves the loop's
database calls one at a time, in order. So:

- there is a single writer, which is what SQLite wants (one writer at a time), and
  PostgreSQL gets one connection per harvest rather than one per forge;
- the ORM never runs inside the event loop, and the connection is the caller's own
  (tests wrapped in a transaction see the harvest's writes);
- signals reach the calling thread (the main thread of ``communs harvest``), which
  stays responsive while the loop works.

Pure Python: no Django import here; the functions handed to :meth:`call` do the ORM work.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

_STOP = object()


class DatabaseThread:
    """Run ``main`` (a coroutine function) in a loop thread; serve its calls here."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[Any] | None = None

    async def call(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``function(*args, **kwargs)`` in the database thread and return its result."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._queue.put((function, args, kwargs, future))
        return await asyncio.wrap_future(future)

    def run(self, main: Callable[[], Awaitable[T]]) -> T:
        """Run ``main()`` to its end, serving database calls meanwhile; its result or error."""
        outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
        started = threading.Event()

        async def wrapper() -> T:
            self.loop = asyncio.get_running_loop()
            self.task = asyncio.current_task()
            started.set()
            return await main()

        def target() -> None:
            try:
                outcome.set_result(asyncio.run(wrapper()))
            except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
                outcome.set_exception(exc)
            finally:
                started.set()
                self._queue.put(_STOP)

        thread = threading.Thread(target=target, name="communs-harvest-loop", daemon=True)
        thread.start()
        started.wait()
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            function, args, kwargs, future = item
            if not future.set_running_or_notify_cancel():
                continue  # the caller gave up waiting (cancelled): skip the work
            try:
                future.set_result(function(*args, **kwargs))
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
                future.set_exception(exc)
        thread.join()
        return outcome.result()

    def cancel(self) -> None:
        """Cancel ``main`` from any thread (a signal handler): it ends as interrupted."""
        if self.loop is not None and self.task is not None:
            self.loop.call_soon_threadsafe(self.task.cancel)
