"""The task functions run in-process, as the embedded mode and a worker run them."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from tests.harvest.conftest import import_emulator, serve, small_world  # noqa: F401

from communs.emulator import EmulatorServer
from communs.harvest.models import HarvestRun, PendingIndex
from communs.repositories.models import Repository
from communs.search.models import RepositoryEntry, StaleDocument, WordSegment
from communs.sources.models import Forge
from communs.tasks import jobs, periodic
from communs.tasks.locks import forge_lock
from communs.tasks.models import Sweep

pytestmark = pytest.mark.django_db(transaction=True)


def rows() -> list[tuple[Any, ...]]:
    return list(
        Repository.objects.order_by("forge__host", "native_id").values_list(
            "forge__host", "native_id", "full_path", "stars", "pushed_at", "gone_since"
        )
    )


def forge_of(forges: list[Forge], kind: str) -> Forge:
    return next(forge for forge in forges if forge.kind == kind)


@pytest.fixture
def emulated(
    serve: Callable[..., EmulatorServer],  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> tuple[EmulatorServer, list[Forge]]:
    server = serve(small_world())
    return server, import_emulator(server, tmp_path / "sources")


def test_a_forge_harvested_twice_ends_as_harvested_once(emulated: Any) -> None:
    server, forges = emulated
    github = forge_of(forges, "github")
    first = jobs.harvest_forge(github.host)
    assert first["status"] == "succeeded" and first["changed"]
    assert first["counts"]["new"] == Repository.objects.filter(forge=github).count() > 0
    before = rows()
    second = jobs.harvest_forge(github.host)
    # A refresh: conditional requests answered 304, nothing stored anew.
    assert second["status"] == "succeeded" and not second["changed"]
    assert second["counts"]["new"] == 0 and second["counts"]["not_modified"] > 0
    assert rows() == before
    # The outcome is plain JSON (Celery's serializer).
    assert json.loads(json.dumps(second)) == second


def test_the_task_functions_store_what_the_harvest_command_stores(
    emulated: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from communs.tasks import dispatch

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("queued without a broker")

    # Without a broker, the command never queues: it runs the task functions itself.
    monkeypatch.setattr(dispatch, "enqueue_harvests", refuse)
    server, forges = emulated
    for forge in forges:
        assert jobs.harvest_forge(forge.host)["status"] == "succeeded"
    jobs.after_harvest(True)
    by_tasks = rows()
    assert not PendingIndex.objects.exists()
    # The search's word index holds what was harvested; nothing is left pending.
    segment = WordSegment.objects.get(ready=True)
    assert segment.documents == RepositoryEntry.objects.count() == len(by_tasks)
    assert not StaleDocument.objects.exists()
    assert jobs.refresh_word_index() == {"built": False}
    Repository.objects.all().delete()
    HarvestRun.objects.all().delete()
    call_command("harvest", "--no-progress", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert rows() == [(h, n, p, s, pushed, None) for h, n, p, s, pushed, _ in by_tasks]


def test_a_forge_held_by_another_worker_is_busy(emulated: Any, with_redis: Any) -> None:
    server, forges = emulated
    github = forge_of(forges, "github")
    with forge_lock(github.host) as held:
        assert held
        outcome = jobs.harvest_forge(github.host)
    assert outcome["status"] == "busy"
    assert not Repository.objects.exists()
    assert jobs.harvest_forge(github.host)["status"] == "succeeded"


def test_a_run_whose_worker_died_is_taken_over(emulated: Any, with_redis: Any) -> None:
    server, forges = emulated
    gitea = forge_of(forges, "gitea")
    now = timezone.now()
    # A run left "running" by a worker on another machine, silent since.
    dead = HarvestRun.objects.create(
        forge=gitea,
        started_at=now - timedelta(minutes=5),
        status=HarvestRun.Status.RUNNING,
        hostname="elsewhere",
        pid=1,
        heartbeat_at=now - timedelta(minutes=5),
    )
    outcome = jobs.harvest_forge(gitea.host)
    assert outcome["status"] == "succeeded"
    # Resumed, not superseded: the same run carried on.
    assert outcome["run_id"] == dead.pk
    dead.refresh_from_db()
    assert dead.resumptions == 1


def test_a_run_still_heartbeating_is_waited_for(emulated: Any, with_redis: Any) -> None:
    server, forges = emulated
    gitea = forge_of(forges, "gitea")
    HarvestRun.objects.create(
        forge=gitea,
        started_at=timezone.now(),
        status=HarvestRun.Status.RUNNING,
        hostname="elsewhere",
        pid=1,
        heartbeat_at=timezone.now(),
    )
    started = timezone.now()
    assert jobs.take_over_abandoned(gitea.pk, ttl=1) == 1
    # It waited for the heartbeat to be a TTL old before taking the run.
    assert timezone.now() - started >= timedelta(seconds=0.9)


def test_the_updated_sweep_stores_what_moved_since_the_last(emulated: Any) -> None:
    server, forges = emulated
    gitlab = forge_of(forges, "gitlab")
    assert jobs.harvest_forge(gitlab.host)["status"] == "succeeded"
    # GitHub cannot say what changed: no sweep there.
    assert not periodic.sweepable(forge_of(forges, "github").kind)
    first = periodic.sweep_updated(gitlab.host)
    assert first["status"] == "succeeded"
    mark = Sweep.objects.get(forge=gitlab).swept_at
    PendingIndex.objects.all().delete()
    with urllib.request.urlopen(f"{server.url}/_emulator/touch?fraction=0.5&seed=1") as answer:  # noqa: S310
        touched = {r["full_path"] for r in json.loads(answer.read())["repositories"]}
    again = periodic.sweep_updated(gitlab.host)
    assert again["status"] == "succeeded"
    assert Sweep.objects.get(forge=gitlab).swept_at > mark
    moved = set(
        Repository.objects.filter(
            forge=gitlab, pk__in=PendingIndex.objects.values("pk")
        ).values_list("full_path", flat=True)
    )
    assert moved and moved <= touched
    assert again["changed"] == len(moved)


def test_the_oldest_sweep_refetches_and_marks_gone(emulated: Any) -> None:
    server, forges = emulated
    gitea = forge_of(forges, "gitea")
    assert jobs.harvest_forge(gitea.host)["status"] == "succeeded"
    rows_of_gitea = Repository.objects.filter(forge=gitea).order_by("pk")
    oldest, lost = rows_of_gitea[0], rows_of_gitea[1]
    stars = oldest.stars
    Repository.objects.filter(pk=oldest.pk).update(
        last_harvested_at=None, stars=oldest.stars + 1000
    )
    Repository.objects.filter(pk=lost.pk).update(
        last_harvested_at=timezone.now() - timedelta(days=400), full_path="nobody/nothing"
    )
    result = periodic.sweep_oldest(2)
    assert result["fetched"] == 2 and result["gone"] == 1
    oldest.refresh_from_db()
    lost.refresh_from_db()
    # Fetched again: the forge's count is back, and it was seen just now.
    assert oldest.stars == stars and oldest.last_harvested_at is not None
    assert lost.gone_since is not None
    # Run again: nothing new to mark gone (the gone row is no longer swept).
    assert periodic.sweep_oldest(2)["gone"] == 0


def test_the_refresh_harvests_only_the_forges_due(emulated: Any) -> None:
    server, forges = emulated
    github = forge_of(forges, "github")
    assert jobs.harvest_forge(github.host)["status"] == "succeeded"
    due = {forge.host for forge in periodic.due_forges(timedelta(hours=1))}
    assert due == {forge.host for forge in forges} - {github.host}
    result = periodic.refresh_due(60)
    assert set(result["due"]) == due
    assert not periodic.due_forges(timedelta(hours=1))


def test_catalogue_mail_tasks_are_idempotent() -> None:
    assert jobs.remind_referents() == {"reminded": 0, "lapsed": 0}
    assert jobs.send_alerts()["sent"] == 0
    assert jobs.send_alerts()["sent"] == 0


def test_the_event_reminders_task_reminds_each_seat_once(settings: Any) -> None:
    from django.core import mail
    from tests.accounts.people import make_agent

    from communs.events import registration
    from communs.events.models import Event

    settings.AGENT_DOMAINS = ["gouv.fr"]
    start = timezone.now() + timedelta(hours=20)
    event = Event.objects.create(
        slug="sprint", title="Sprint", kind="sprint", starts_at=start,
        ends_at=start + timedelta(hours=2), capacity=5, registration_open=True,
    )  # fmt: skip
    registration.register(event, make_agent("ann"))
    assert jobs.remind_events() == {"sent": 1, "skipped": 0}
    assert jobs.remind_events()["sent"] == 0
    assert [m.to for m in mail.outbox] == [["ann@culture.gouv.fr"]]


def test_the_daily_snapshot_is_taken_once_a_day() -> None:
    first = jobs.history_snapshot()
    second = jobs.history_snapshot()
    assert first["day"] == second["day"]
    assert not first["replaced"] and second["replaced"]


def test_an_analysis_batch_run_twice_analyses_once(emulated: Any, with_redis: Any) -> None:
    server, forges = emulated
    gitea = forge_of(forges, "gitea")
    assert jobs.harvest_forge(gitea.host)["status"] == "succeeded"
    ids = list(Repository.objects.filter(forge=gitea).order_by("pk").values_list("pk", flat=True))[
        :2
    ]
    # Queued once, however often the analysis of what moved is asked for.
    assert jobs._mark_queued(with_redis, ids) == [True, True]
    assert jobs._mark_queued(with_redis, ids) == [False, False]
    first = jobs.analyse_batch(ids)
    assert first["analysed"] == 2
    # Done: the marks are gone, and a redelivered task finds nothing pending.
    assert jobs._mark_queued(with_redis, ids[:1]) == [True]
    assert jobs.analyse_batch(ids) == {"analysed": 0}
