"""`communs harvest` with a broker: one task per forge on its kind's queue, then wait.

The command waits for every task (polling the result backend), prints the same summary
as in-process, then runs the after-harvest steps once, itself. With ``--no-wait`` each
task queues the (coalesced) after-harvest steps when it ends instead.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from communs.harvest.engine import ForgeOutcome, HarvestResult
from communs.harvest.plan import ForgePlan
from communs.tasks.app import harvest_queue

OUTCOME_FIELDS = {f.name for f in fields(ForgeOutcome)}


def enqueue_harvests(plans: Sequence[ForgePlan], *, follow: bool) -> list[tuple[str, Any]]:
    """Queue one harvest task per plan, or one per owner when a plan names its owners
    (``communs harvest --owner``); ``(host, AsyncResult)`` each."""
    from communs.tasks.tasks import harvest_forge_task, harvest_owner_task

    queued = []
    for plan in plans:
        queue = harvest_queue(plan.kind)
        if plan.only:
            for owner in plan.only:
                task = harvest_owner_task.apply_async((plan.host, owner, follow), queue=queue)
                queued.append((plan.host, task))
        else:
            queued.append(
                (plan.host, harvest_forge_task.apply_async((plan.host, follow), queue=queue))
            )
    return queued


def wait_for(
    queued: Sequence[tuple[str, Any]], timeout: float | None = None, poll: float = 0.5
) -> HarvestResult:
    """Each task's outcome once all ended (a task that raised: a failed outcome)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    # By position: a forge has several tasks when its owners are queued one by one.
    pending = dict(enumerate(queued))
    while pending:
        for index, (_host, result) in list(pending.items()):
            if result.ready():
                del pending[index]
        if pending:
            if deadline is not None and time.monotonic() > deadline:
                hosts = sorted({host for host, _result in pending.values()})
                raise TimeoutError(f"still running: {', '.join(hosts)}")
            time.sleep(poll)
    outcomes = []
    interrupted = False
    for host, result in queued:
        answer = result.get(propagate=False)
        if isinstance(answer, dict):
            interrupted = interrupted or bool(answer.get("interrupted"))
            outcome = ForgeOutcome(**{k: v for k, v in answer.items() if k in OUTCOME_FIELDS})
        else:
            outcome = ForgeOutcome(host, "failed", f"the task failed: {answer!r}")
        outcomes.append(outcome)
    return HarvestResult(outcomes, interrupted=interrupted)
