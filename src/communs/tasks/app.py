"""The Celery application, configured from the Django settings (docs/scale-out.md).

Reliability: a task is acknowledged only once it ended (``acks_late``), a task whose
worker process died is handed back to the broker (``reject_on_worker_lost``), and each
worker process reserves one task at a time (prefetch 1), so that a killed worker holds
back nothing but the task it was running, which another worker then takes.

Queues: one per forge kind (``harvest.github``…, each a worker pool of its own if
wanted: ``communs worker --queues harvest.github --concurrency 2``), ``analysis`` and
``default`` (after-harvest steps, sweeps, catalogue mail, history).
"""

from __future__ import annotations

import os

from celery import Celery
from django.conf import settings
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "communs.settings")

# Forge kind (Forge.kind, or an adapter key) -> the queue its harvest goes to.
HARVEST_QUEUES = {
    "github": "harvest.github",
    "gitlab": "harvest.gitlab",
    "gitea": "harvest.gitea",
    "forgejo": "harvest.gitea",
    "gogs": "harvest.gitea",
    "bitbucket": "harvest.bitbucket",
    "bitbucket-server": "harvest.bitbucket",
    "sourcehut": "harvest.sourcehut",
}
ANALYSIS_QUEUE = "analysis"
DEFAULT_QUEUE = "default"
QUEUES = (*dict.fromkeys(HARVEST_QUEUES.values()), ANALYSIS_QUEUE, DEFAULT_QUEUE)


def harvest_queue(kind: str) -> str:
    return HARVEST_QUEUES.get(kind, DEFAULT_QUEUE)


def result_backend(broker: str) -> str:
    """Where results wait for `communs harvest`: the Redis broker itself, or RabbitMQ's
    replies (``rpc://``) for an AMQP broker."""
    if broker.startswith(("redis://", "rediss://")):
        return broker
    if broker.startswith(("amqp://", "amqps://", "pyamqp://")):
        return "rpc://"
    return ""


def make_app() -> Celery:
    broker = settings.BROKER_URL
    app = Celery("communs")
    app.conf.update(
        # Empty in embedded mode: nothing is sent then (the task functions run in-process).
        broker_url=broker or "memory://",
        result_backend=result_backend(broker) or None,
        result_expires=7 * 24 * 3600,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Seconds before Redis gives an unacknowledged task (worker gone) to another.
        broker_transport_options={
            "visibility_timeout": settings.BROKER_VISIBILITY_TIMEOUT,
            # The live workers look for such tasks every few seconds (one cheap Redis
            # query), rather than kombu's default of about every 100 s.
            "unacked_restore_interval": max(1, min(10, settings.BROKER_VISIBILITY_TIMEOUT // 4)),
            "unacked_restore_throttle": 1,
        },
        result_backend_transport_options={"visibility_timeout": settings.BROKER_VISIBILITY_TIMEOUT},
        broker_connection_retry_on_startup=True,
        task_queues=[Queue(name) for name in QUEUES],
        task_default_queue=DEFAULT_QUEUE,
        task_routes={"communs.analyse_batch": {"queue": ANALYSIS_QUEUE}},
        task_track_started=True,
        worker_hijack_root_logger=False,
        timezone=settings.TIME_ZONE,
        beat_schedule_filename=str(settings.HOME / "celerybeat-schedule"),
        include=["communs.tasks.tasks"],
    )
    return app


app = make_app()
