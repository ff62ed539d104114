"""The two rules the harvest added to the shared upsert: what goes on to analysis, and
what a blank in a short answer must not wipe."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from communs.forges.records import RepositoryRecord
from communs.harvest.fields import ALWAYS_KEPT, kept_fields
from communs.repositories.models import Repository
from communs.repositories.storage import upsert_repositories, write_fields

from .conftest import make_forge

pytestmark = pytest.mark.django_db

JAN = datetime(2024, 1, 1, tzinfo=UTC)
FEB = datetime(2024, 2, 1, tzinfo=UTC)


def record(**fields: object) -> RepositoryRecord:
    values: dict[str, object] = {
        "full_path": "a/tool",
        "url": "https://github.test/a/tool",
        "native_id": "1",
        "pushed_at": JAN,
        "updated_at": JAN,
    }
    return RepositoryRecord(**(values | fields))  # type: ignore[arg-type]


def test_a_harvest_marks_content_changed_for_new_rows_and_moved_dates_only() -> None:
    forge = make_forge()
    counts = upsert_repositories(forge, [record()], harvested=True)
    first = Repository.objects.get().content_changed_at
    assert first is not None and counts.content_changed == 1
    counts = upsert_repositories(forge, [record(stars=40, description="new")], harvested=True)
    assert Repository.objects.get().content_changed_at == first
    assert (counts.updated, counts.content_changed) == (1, 0)
    counts = upsert_repositories(forge, [record(pushed_at=FEB)], harvested=True)
    assert Repository.objects.get().content_changed_at > first  # type: ignore[operator]
    assert counts.content_changed == 1
    # A date the source does not give says nothing about the content.
    later = Repository.objects.get().content_changed_at
    upsert_repositories(forge, [record(pushed_at=None, updated_at=None)], harvested=True)
    assert Repository.objects.get().content_changed_at == later


def test_imports_leave_content_changed_to_the_harvest_which_marks_what_it_first_sees() -> None:
    forge = make_forge()
    counts = upsert_repositories(forge, [record(native_id=None)])
    assert Repository.objects.get().content_changed_at is None and counts.content_changed == 0
    upsert_repositories(forge, [record(native_id=None, pushed_at=FEB)])
    assert Repository.objects.get().content_changed_at is None
    # The first harvest to see it (same dates as the open data) hands it to analysis.
    counts = upsert_repositories(forge, [record(pushed_at=FEB)], harvested=True)
    assert Repository.objects.get().content_changed_at is not None
    assert counts.content_changed == 1


def test_blank_values_of_kept_fields_leave_stored_ones_alone() -> None:
    forge = make_forge()
    upsert_repositories(
        forge, [record(watchers=9, license="MIT", is_fork=True, languages={"C": 3})]
    )
    short = record(pushed_at=None, updated_at=None, is_fork=None, watchers=0, license="")
    upsert_repositories(forge, [short], keep_when_blank=kept_fields("github", "list_owner"))
    row = Repository.objects.get()
    assert (row.watchers, row.is_fork, row.pushed_at, row.languages) == (9, True, JAN, {"C": 3})
    # The licence is not a gap of GitHub's owner listings: emptied there, it is emptied.
    assert row.license == ""
    # A value that is not blank replaces the stored one as usual.
    upsert_repositories(forge, [record(watchers=2, is_fork=False)], keep_when_blank=ALWAYS_KEPT)
    row.refresh_from_db()
    assert (row.watchers, row.is_fork) == (2, False)


def test_without_keep_when_blank_the_record_is_stored_as_it_is() -> None:
    forge = make_forge()
    upsert_repositories(forge, [record(watchers=9)])
    upsert_repositories(forge, [record(watchers=0, pushed_at=None)])
    row = Repository.objects.get()
    assert (row.watchers, row.pushed_at) == (0, None)


def test_only_record_fields_can_be_kept() -> None:
    with pytest.raises(ValueError, match="not record fields"):
        upsert_repositories(make_forge(), [record()], keep_when_blank=["stars", "colour"])


def test_gitlab_listings_keep_the_licence_a_single_answer_gave() -> None:
    assert "license" in kept_fields("gitlab", "list_owner")
    assert "license" not in kept_fields("gitea", "list_owner")
    assert kept_fields("gitea", "list_instance") >= ALWAYS_KEPT


def test_fields_written_by_one_prepared_update_read_back_as_set() -> None:
    forge = make_forge()
    upsert_repositories(
        forge,
        [record(), record(full_path="a/other", url="https://github.test/a/other", native_id="2")],
        harvested=True,
    )
    tool, other = Repository.objects.order_by("native_id")
    tool.languages = {"Python": 1200, "Shell": 30}
    tool.latest_release = {"tag": "v1.0", "name": None, "published_at": None, "url": "u"}
    tool.root_files = ["README.md", "LICENCE"]
    tool.enriched_at = FEB
    tool.watchers = 7
    other.latest_release = None
    other.watchers = 3
    fields = ("languages", "latest_release", "root_files", "enriched_at", "watchers")
    write_fields([tool, other], fields)
    tool_after, other_after = Repository.objects.order_by("native_id")
    for name in fields:
        assert getattr(tool_after, name) == getattr(tool, name)
        assert getattr(other_after, name) == getattr(other, name)
    # Fields not named are left as stored.
    assert (tool_after.full_path, tool_after.pushed_at) == ("a/tool", JAN)
    assert other_after.languages == {} and other_after.enriched_at is None


def test_a_blank_parent_is_kept_unless_the_record_says_it_is_no_fork() -> None:
    forge = make_forge()
    parent = "https://github.test/upstream/tool"
    upsert_repositories(forge, [record(is_fork=True, fork_parent_url=parent)])
    # A REST listing says "fork" and not of what; GitLab's GraphQL the same.
    for kind, method in (("github", "list_owner"), ("github", "list_instance")):
        upsert_repositories(
            forge, [record(is_fork=True)], keep_when_blank=kept_fields(kind, method)
        )
        assert Repository.objects.get().fork_parent_url == parent
    upsert_repositories(forge, [record(is_fork=None)], keep_when_blank=ALWAYS_KEPT)
    assert Repository.objects.get().fork_parent_url == parent
    # Detached from its parent: no longer a fork, no parent.
    upsert_repositories(forge, [record(is_fork=False)], keep_when_blank=ALWAYS_KEPT)
    row = Repository.objects.get()
    assert (row.is_fork, row.fork_parent_url) == (False, "")
