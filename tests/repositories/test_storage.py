"""The shared upsert: identity by forge id, adoption by path, renames, accounts, batches."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from communs.forges.records import RepositoryRecord
from communs.repositories.models import Repository
from communs.repositories.storage import upsert_repositories
from communs.sources.models import Account, Forge

pytestmark = pytest.mark.django_db


@pytest.fixture
def forge() -> Forge:
    return Forge.objects.create(
        host="gitlab.example.org",
        kind="gitlab",
        url="https://gitlab.example.org",
        api_url="https://gitlab.example.org/api/v4",
    )


def record(path: str, native_id: str | None = None, **fields: object) -> RepositoryRecord:
    return RepositoryRecord(
        full_path=path, url=f"https://gitlab.example.org/{path}", native_id=native_id, **fields
    )


def test_it_creates_then_leaves_unchanged_rows_alone(forge: Forge) -> None:
    first = upsert_repositories(forge, [record("a/one", "1"), record("a/two", "2")])
    again = upsert_repositories(forge, [record("a/one", "1"), record("a/two", "2")])
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    assert Repository.objects.count() == 2


def test_it_updates_changed_fields_only_for_changed_rows(forge: Forge) -> None:
    upsert_repositories(forge, [record("a/one", "1", stars=1), record("a/two", "2")])
    counts = upsert_repositories(forge, [record("a/one", "1", stars=5), record("a/two", "2")])
    assert (counts.updated, counts.unchanged) == (1, 1)
    assert Repository.objects.get(native_id="1").stars == 5


def test_a_rename_keeps_the_row_and_records_the_old_name(forge: Forge) -> None:
    upsert_repositories(forge, [record("a/old-name", "7")])
    pk = Repository.objects.get().pk
    counts = upsert_repositories(forge, [record("b/new-name", "7")])
    repo = Repository.objects.get()
    assert repo.pk == pk
    assert (repo.full_path, repo.name) == ("b/new-name", "new-name")
    assert repo.previous_names == ["a/old-name"]
    assert counts.renamed == 1


def test_a_harvest_adopts_a_row_imported_without_id(forge: Forge) -> None:
    upsert_repositories(forge, [record("A/Tool")])
    upsert_repositories(forge, [record("a/tool", "42")])
    repo = Repository.objects.get()
    assert repo.native_id == "42"
    assert repo.previous_names == []  # a change of case is no rename


def test_two_rows_with_different_ids_on_one_path_stay_apart(forge: Forge) -> None:
    # The old repository was deleted and a new one took its name.
    upsert_repositories(forge, [record("a/tool", "1")])
    upsert_repositories(forge, [record("a/tool", "2")])
    assert sorted(Repository.objects.values_list("native_id", flat=True)) == ["1", "2"]


def test_it_links_a_repository_to_the_longest_listed_owner(forge: Forge) -> None:
    group = Account.objects.create(forge=forge, path="group")
    sub = Account.objects.create(forge=forge, path="Group/Sub")
    upsert_repositories(
        forge, [record("group/sub/deep/x", "1"), record("group/y", "2"), record("other/z", "3")]
    )
    accounts = dict(Repository.objects.values_list("native_id", "account_id"))
    assert accounts == {"1": sub.pk, "2": group.pk, "3": None}


def test_duplicates_in_one_call_give_one_row_with_the_last_values(forge: Forge) -> None:
    counts = upsert_repositories(
        forge, [record("a/x", stars=1), record("A/X", stars=9), record("a/y")], batch_size=2
    )
    assert Repository.objects.count() == 2
    assert Repository.objects.get(full_path__iexact="a/x").stars == 9
    assert counts.new == 2


def test_harvesting_marks_rows_seen_and_brings_gone_ones_back(forge: Forge) -> None:
    upsert_repositories(forge, [record("a/x", "1")])
    Repository.objects.update(gone_since=datetime(2025, 1, 1, tzinfo=UTC))
    counts = upsert_repositories(forge, [record("a/x", "1")], harvested=True)
    repo = Repository.objects.get()
    assert repo.gone_since is None
    assert repo.last_harvested_at is not None
    assert counts.seen_ids == {repo.pk}


def test_many_records_are_written_in_batches(forge: Forge, django_assert_max_num_queries) -> None:
    records = [record(f"a/r{i}", str(i)) for i in range(1200)]
    # SQLite caps the parameters of one statement, so an insert batch splits into ~40
    # statements there; what matters is that the count is far below one per row.
    with django_assert_max_num_queries(60):
        counts = upsert_repositories(forge, records, batch_size=500)
    assert counts.new == 1200
    assert Repository.objects.count() == 1200


def test_a_forks_parent_is_stored_normalised_and_updated_by_the_prepared_update(
    forge: Forge,
) -> None:
    parent = "HTTPS://GitLab.example.org/Upstream/Tool.git/"
    upsert_repositories(forge, [record("a/tool", "1", is_fork=True, fork_parent_url=parent)])
    row = Repository.objects.get()
    assert row.fork_parent_url == "https://gitlab.example.org/Upstream/Tool"
    # A refresh changing only the parent writes it (write_fields, one prepared UPDATE).
    moved = "https://gitlab.example.org/upstream/renamed"
    counts = upsert_repositories(
        forge, [record("a/tool", "1", is_fork=True, fork_parent_url=moved)], harvested=True
    )
    assert (counts.updated, counts.changed_ids) == (1, {row.pk})
    row.refresh_from_db()
    assert row.fork_parent_url == moved
