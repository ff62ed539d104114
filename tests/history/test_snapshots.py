"""take_snapshot(): the day's figures equal the live counts, taking a day twice changes
nothing, and a repository gets a point only when its figures moved."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import F
from django.test import Client

from communs.history.models import RepositoryPoint, Snapshot, SnapshotCount
from communs.history.snapshots import SnapshotRefused, prune, take_snapshot
from communs.repositories.models import Repository

from .conftest import DAY


def counts_of(snapshot: Snapshot, dimension: str) -> dict[str, int]:
    return dict(snapshot.counts.filter(dimension=dimension).values_list("value", "count"))


def present() -> list[Repository]:
    return list(Repository.objects.filter(gone_since__isnull=True))


def test_the_snapshot_holds_the_live_counts(index: list[Repository], client: Client) -> None:
    taken = take_snapshot(DAY)
    assert not taken.replaced
    snapshot = Snapshot.objects.get(day=DAY)
    rows = present()
    assert snapshot.repositories == len(rows) == 8
    assert snapshot.stars == sum(row.stars for row in rows) == 13
    assert snapshot.forks == 1 and snapshot.archived == 1
    # Licensed: neither empty nor NOASSERTION.
    assert snapshot.licensed == 5
    assert counts_of(snapshot, "license") == {
        "MIT": 3,
        "EUPL-1.2": 1,
        "NOASSERTION": 1,
        "GPL-3.0-only": 1,
        "unknown": 2,
    }
    assert counts_of(snapshot, "language") == Counter(row.language for row in rows)
    assert counts_of(snapshot, "forge") == {
        "github.com": 6,
        "gitlab.exemple.gouv.fr": 1,
        "git.commune.fr": 1,
    }
    # Each ministry with everything under it: the lab's forge belongs to the first.
    assert counts_of(snapshot, "ministry") == {"ministere-exemple": 6, "ministere-autre": 1}
    assert snapshot.counts.get(value="ministere-autre").label == "Autre ministère"

    # The same numbers as the API's /stats, which the stats page shares.
    live = client.get("/api/v1/stats").json()
    for name in ("repositories", "licensed", "forks", "archived", "stars", "organisations"):
        assert getattr(snapshot, name) == live[name], name
    assert counts_of(snapshot, "license") == {i["value"]: i["count"] for i in live["by_license"]}
    assert counts_of(snapshot, "forge") == {i["value"]: i["count"] for i in live["by_forge"]}
    assert counts_of(snapshot, "ministry") == {i["value"]: i["count"] for i in live["by_ministry"]}


def test_it_counts_anew_rather_than_reading_stale_figures(
    index: list[Repository], client: Client
) -> None:
    assert client.get("/api/v1/stats").json()["repositories"] == 8  # now cached
    # A write that calls no refresh (an edit in the admin): the cache is stale.
    Repository.objects.filter(pk=index[0].pk).update(gone_since=datetime(2026, 3, 1, tzinfo=UTC))
    take_snapshot(DAY)
    assert Snapshot.objects.get(day=DAY).repositories == 7


def test_taking_a_day_twice_keeps_one_snapshot_and_the_same_points(
    index: list[Repository],
) -> None:
    take_snapshot(DAY)
    first = list(SnapshotCount.objects.values_list("dimension", "value", "count").order_by("pk"))
    points = list(RepositoryPoint.objects.values_list("repository", "day", "stars").order_by("pk"))
    again = take_snapshot(DAY)
    assert again.replaced
    assert Snapshot.objects.count() == 1
    assert sorted(first) == sorted(SnapshotCount.objects.values_list("dimension", "value", "count"))
    assert sorted(points) == sorted(
        RepositoryPoint.objects.values_list("repository", "day", "stars")
    )
    assert again.points == len(points) == 8


def test_taking_a_day_again_records_what_moved_since_the_first_time(
    index: list[Repository],
) -> None:
    take_snapshot(DAY)
    Repository.objects.filter(pk=index[0].pk).update(stars=11)
    take_snapshot(DAY)
    assert RepositoryPoint.objects.get(repository=index[0]).stars == 11
    assert Snapshot.objects.get().stars == 14


def test_a_repository_gets_a_point_only_when_its_figures_move(index: list[Repository]) -> None:
    first = take_snapshot(DAY)
    # Every present repository starts its series; the gone one has none.
    assert first.points == 8
    assert not RepositoryPoint.objects.filter(repository=index[8]).exists()

    assert take_snapshot(DAY + timedelta(days=1)).points == 0

    Repository.objects.filter(pk=index[0].pk).update(stars=F("stars") + 5)
    Repository.objects.filter(pk=index[1].pk).update(forks=2)
    Repository.objects.filter(pk=index[3].pk).update(open_issues=0)
    # A push date where there was none, and another one: both are moves.
    Repository.objects.filter(pk=index[4].pk).update(pushed_at=datetime(2026, 3, 3, tzinfo=UTC))
    Repository.objects.filter(pk=index[5].pk).update(pushed_at=datetime(2026, 3, 3, tzinfo=UTC))
    # A move that is not followed (watchers) writes nothing.
    Repository.objects.filter(pk=index[6].pk).update(watchers=7)
    third = DAY + timedelta(days=2)
    assert take_snapshot(third).points == 5
    moved = set(RepositoryPoint.objects.filter(day=third).values_list("repository", flat=True))
    assert moved == {index[n].pk for n in (0, 1, 3, 4, 5)}
    latest = RepositoryPoint.objects.get(repository=index[0], day=third)
    assert (latest.stars, latest.forks) == (15, 1)

    # Moving back to the first figures is a move too.
    Repository.objects.filter(pk=index[0].pk).update(stars=10)
    assert take_snapshot(third + timedelta(days=1)).points == 1
    assert RepositoryPoint.objects.filter(repository=index[0]).count() == 3
    assert Snapshot.objects.count() == 4


def test_a_day_before_the_newest_snapshot_is_refused(index: list[Repository]) -> None:
    take_snapshot(DAY)
    with pytest.raises(SnapshotRefused):
        take_snapshot(DAY - timedelta(days=1))
    assert Snapshot.objects.count() == 1


def test_an_empty_index_gives_a_snapshot_of_zeros(db: None) -> None:
    taken = take_snapshot(DAY)
    assert (taken.counts, taken.points) == (0, 0)
    assert Snapshot.objects.get().repositories == 0


def test_pruning_keeps_the_point_in_force_on_the_limit(index: list[Repository]) -> None:
    for offset in range(5):
        Repository.objects.filter(pk=index[0].pk).update(stars=100 + offset)
        take_snapshot(DAY + timedelta(days=offset))
    # index[0] has a point each day; the others only their first, on DAY.
    pruned = prune(2, day=DAY + timedelta(days=4))
    limit = DAY + timedelta(days=2)
    assert pruned.snapshots == 2
    assert list(Snapshot.objects.values_list("day", flat=True)) == [
        limit,
        limit + timedelta(days=1),
        limit + timedelta(days=2),
    ]
    assert not SnapshotCount.objects.filter(snapshot__day__lt=limit).exists()
    days = list(RepositoryPoint.objects.filter(repository=index[0]).values_list("day", flat=True))
    assert sorted(days) == [limit, limit + timedelta(days=1), limit + timedelta(days=2)]
    assert pruned.points == 2
    # The repositories that never moved keep their one (older) point.
    assert RepositoryPoint.objects.filter(repository=index[1]).count() == 1
    with pytest.raises(ValueError):
        prune(-1)
