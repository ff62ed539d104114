"""The harvest engine over a fake GitHub (httpx.MockTransport): identity and lifecycle,
recorded runs, 304 refreshes, what goes on to analysis, enrichment."""

from __future__ import annotations

import httpx
import pytest

from communs.harvest.models import HarvestRun, ListingEntry
from communs.repositories.models import Repository
from communs.sources.models import Account

from .conftest import API, EPOCH, FakeGitHub, later, run_harvest

pytestmark = pytest.mark.django_db


def stored() -> dict[str, Repository]:
    return {repo.full_path: repo for repo in Repository.objects.all()}


def test_it_stores_every_listed_repository_and_records_the_run(github: FakeGitHub) -> None:
    result = run_harvest(github)
    [outcome] = result.outcomes
    assert outcome.status == HarvestRun.Status.SUCCEEDED
    rows = stored()
    assert sorted(rows) == sorted(r.full_name for r in github.repos.values())
    assert {row.native_id for row in rows.values()} == {str(i) for i in github.repos}
    # Forks are told apart, and each repository belongs to its owner's account.
    assert rows["etalab/forked"].is_fork is True and rows["etalab/one"].is_fork is False
    assert rows["jdoe/notes"].account == Account.objects.get(path="jdoe")
    run = HarvestRun.objects.get()
    assert (run.new, run.updated, run.unchanged, run.gone) == (6, 0, 0, 0)
    assert (run.owners, run.owners_done, run.owners_failed) == (3, 3, 0)
    # Pages of two: etalab has 4 repositories (2 pages), betagouv and jdoe one page each;
    # jdoe is a user, so its organisation URL answers 404 first.
    assert run.pages == 4
    assert run.requests == len(github.requested) == 5
    assert run.finished_at is not None and run.error == ""
    assert sorted(run.progress.values_list("owner", "step", "cursor")) == [
        ("betagouv", "done", ""),
        ("etalab", "done", ""),
        ("jdoe", "done", ""),
    ]
    # A user's repositories are listed from the URL that answered, next time.
    assert dict(ListingEntry.objects.values_list("owner", "url"))["jdoe"].startswith(
        f"{API}/users/jdoe/repos"
    )


def test_a_refresh_with_nothing_changed_is_answered_304_and_changes_nothing(
    github: FakeGitHub,
) -> None:
    run_harvest(github)
    before = {row.pk: row.content_changed_at for row in Repository.objects.all()}
    github.requested.clear()
    github.statuses.clear()
    run_harvest(github)
    run = HarvestRun.objects.order_by("-pk").first()
    assert run is not None
    assert (run.new, run.updated, run.unchanged, run.content_changed) == (0, 0, 6, 0)
    # The user's listing is asked directly this time: every request is conditional.
    assert not any("/orgs/jdoe" in url for url in github.requested)
    assert github.statuses == [304] * len(github.statuses)
    assert run.not_modified == run.requests == 4
    assert {row.pk: row.content_changed_at for row in Repository.objects.all()} == before


def test_only_repositories_whose_dates_moved_are_marked_for_analysis(github: FakeGitHub) -> None:
    run_harvest(github)
    first = {row.full_path: row.content_changed_at for row in Repository.objects.all()}
    assert all(first.values())
    pushed = next(r for r in github.repos.values() if r.full_name == "etalab/two")
    github.push(pushed, later(EPOCH, days=30))
    starred = next(r for r in github.repos.values() if r.full_name == "etalab/one")
    starred.stars = 12  # a new star moves no date on this fake: not new content
    run_harvest(github)
    after = {row.full_path: row.content_changed_at for row in Repository.objects.all()}
    assert [path for path in after if after[path] != first[path]] == ["etalab/two"]
    run = HarvestRun.objects.order_by("-pk").first()
    assert run is not None and (run.updated, run.content_changed) == (2, 1)
    assert Repository.objects.get(full_path="etalab/one").stars == 12


def test_a_renamed_repository_keeps_its_row_and_its_old_name(github: FakeGitHub) -> None:
    run_harvest(github)
    repo = next(r for r in github.repos.values() if r.full_name == "etalab/two")
    pk = Repository.objects.get(native_id=str(repo.id)).pk
    github.move(repo, name="deux")
    run_harvest(github)
    row = Repository.objects.get(native_id=str(repo.id))
    assert (row.pk, row.full_path, row.previous_names) == (pk, "etalab/deux", ["etalab/two"])
    assert row.gone_since is None
    assert Repository.objects.count() == 6


def test_a_transfer_changes_the_account_even_when_the_old_owner_is_checked_first(
    github: FakeGitHub,
) -> None:
    run_harvest(github)
    repo = next(r for r in github.repos.values() if r.full_name == "jdoe/notes")
    github.move(repo, owner="betagouv")
    github.page_size = 100
    # Owners are listed one at a time, alphabetically: betagouv lists it under its new path.
    run_harvest(github, per_host=1)
    row = Repository.objects.get(native_id=str(repo.id))
    assert row.full_path == "betagouv/notes"
    assert row.account == Account.objects.get(path="betagouv")
    assert row.previous_names == ["jdoe/notes"] and row.gone_since is None
    # Moved the other way, the old owner (etalab) is checked before the new one (jdoe):
    # its fetch follows GitHub's 301 to the new path.
    other = next(r for r in github.repos.values() if r.full_name == "etalab/three")
    github.move(other, owner="jdoe", name="trois")
    run_harvest(github, per_host=1)
    moved = Repository.objects.get(native_id=str(other.id))
    assert moved.full_path == "jdoe/trois" and moved.account == Account.objects.get(path="jdoe")
    assert moved.gone_since is None
    assert any(url.endswith("/repos/etalab/three") for url in github.requested)
    assert HarvestRun.objects.order_by("-pk").first().gone == 0  # type: ignore[union-attr]


def test_a_deleted_repository_is_marked_gone_and_kept(github: FakeGitHub) -> None:
    run_harvest(github)
    repo = next(r for r in github.repos.values() if r.full_name == "etalab/one")
    github.delete(repo)
    run_harvest(github)
    row = Repository.objects.get(native_id=str(repo.id))
    assert row.gone_since is not None
    assert Repository.objects.count() == 6
    run = HarvestRun.objects.order_by("-pk").first()
    assert run is not None and run.gone == 1
    # Checked once: a repository already gone is not asked about again.
    github.requested.clear()
    run_harvest(github)
    assert not any(url.endswith("/repos/etalab/one") for url in github.requested)
    # Back on the forge, it comes back.
    github.repos[repo.id] = repo
    run_harvest(github)
    assert Repository.objects.get(native_id=str(repo.id)).gone_since is None


def test_a_repository_missing_from_the_listing_but_still_there_is_not_gone(
    github: FakeGitHub,
) -> None:
    run_harvest(github)
    hidden = next(r for r in github.repos.values() if r.full_name == "betagouv/site")
    # The listing forgets it (eventual consistency), the repository answers.
    github.faults["/orgs/betagouv/repos"] = lambda request: FakeGitHub.page(github, request, [], {})
    run_harvest(github)
    assert Repository.objects.get(native_id=str(hidden.id)).gone_since is None
    assert any(url.endswith("/repos/betagouv/site") for url in github.requested)


def test_a_listing_never_blanks_what_a_richer_answer_stored(github: FakeGitHub) -> None:
    run_harvest(github)
    repo = next(r for r in github.repos.values() if r.full_name == "etalab/one")
    # Watchers only come from a single repository's answer (GitHub's subscribers_count).
    Repository.objects.filter(native_id=str(repo.id)).update(watchers=7)
    run_harvest(github)
    assert Repository.objects.get(native_id=str(repo.id)).watchers == 7


def test_a_whole_github_instance_is_listed_and_each_short_item_completed(
    github: FakeGitHub,
) -> None:
    from communs.sources.models import Forge

    Forge.objects.filter(host="github.test").update(scope="instance")
    github.repos[next(iter(github.repos))].stars = 5
    run_harvest(github)
    rows = stored()
    assert len(rows) == 6
    first = Repository.objects.get(native_id=str(next(iter(github.repos))))
    # /repositories items have no stars or dates: each repository was fetched on its own.
    assert first.stars == 5 and first.pushed_at == EPOCH and first.license == "MIT"
    # When that fetch fails, the short item is stored without blanking what was there.
    github.faults["/repos/"] = lambda request: httpx.Response(500)
    result = run_harvest(github, max_attempts=1)
    assert result.outcomes[0].status == HarvestRun.Status.SUCCEEDED
    first.refresh_from_db()
    assert first.stars == 5 and first.pushed_at == EPOCH and first.license == "MIT"


def test_ignored_accounts_are_not_listed(github: FakeGitHub) -> None:
    Account.objects.filter(path="betagouv").update(ignored_since=EPOCH.date())
    run_harvest(github)
    assert not any("betagouv" in url for url in github.requested)
    assert not Repository.objects.filter(full_path__startswith="betagouv/").exists()


def test_owner_narrows_the_harvest_and_checks_only_that_owner(github: FakeGitHub) -> None:
    run_harvest(github)
    gone = next(r for r in github.repos.values() if r.full_name == "betagouv/site")
    github.delete(gone)
    github.requested.clear()
    run_harvest(github, owners=["Etalab"])
    assert all("/etalab/" in url.lower() for url in github.requested)
    assert Repository.objects.get(native_id=str(gone.id)).gone_since is None


def test_with_a_token_owners_are_listed_together_with_their_extras(github: FakeGitHub) -> None:
    tokens = {"api.github.test": ["t0ken"]}
    run_harvest(github, tokens=tokens)
    # Three owners in one request; etalab's second page (two a page) in another.
    assert github.graphql == 2
    assert not any("/repos" in url for url in github.requested)
    assert sorted(Repository.objects.values_list("full_path", flat=True)) == sorted(
        r.full_name for r in github.repos.values()
    )
    row = Repository.objects.get(full_path="etalab/one")
    assert row.root_files == ["README.md", "docs/"]
    assert row.languages == {"Python": 1200}
    assert row.latest_release == {
        "tag": "v1.0",
        "name": "One",
        "published_at": "2024-05-01T00:00:00+00:00",
        "url": "https://github.test/etalab/one/releases/v1.0",
    }
    assert row.enriched_at is not None
    assert HarvestRun.objects.get().enriched == 6
    # Nothing changed: one probe for the three owners, nothing listed.
    run_harvest(github, tokens=tokens)
    assert github.graphql == 3
    last = HarvestRun.objects.order_by("-pk").first()
    assert last is not None and (last.unchanged, last.new, last.updated) == (6, 0, 0)
    # A push: the probe sees that owner move, and only it is listed again.
    github.push(
        next(r for r in github.repos.values() if r.full_name == "jdoe/notes"), later(EPOCH, days=3)
    )
    run_harvest(github, tokens=tokens)
    assert github.graphql == 5
    last = HarvestRun.objects.order_by("-pk").first()
    assert last is not None and (last.enriched, last.updated, last.unchanged) == (1, 1, 5)
    assert Repository.objects.get(full_path="etalab/one").languages == {"Python": 1200}
    # A repository deleted: the count moves, the owner is listed, the repository is gone.
    gone = next(r for r in github.repos.values() if r.full_name == "betagouv/site")
    github.delete(gone)
    run_harvest(github, tokens=tokens)
    assert Repository.objects.get(native_id=str(gone.id)).gone_since is not None


def test_without_a_token_nothing_is_sent_to_graphql(github: FakeGitHub) -> None:
    run_harvest(github)
    assert github.graphql == 0
    assert not any(url == f"{API}/graphql" for url in github.requested)


def test_an_unchanged_page_is_only_marked_seen_unless_its_rows_are_not_all_stored(
    github: FakeGitHub,
) -> None:
    run_harvest(github)
    # etalab's first page holds one and two, its second three and forked.
    Repository.objects.filter(full_path="etalab/two").delete()
    Repository.objects.filter(full_path="etalab/one").update(stars=99)
    Repository.objects.filter(full_path="etalab/three").update(stars=77)
    run_harvest(github)
    run = HarvestRun.objects.order_by("-pk").first()
    assert run is not None and run.not_modified == run.requests
    # The first page (replayed from its 304) lacked a row: it was stored in full.
    assert Repository.objects.filter(full_path="etalab/two").exists() and run.new == 1
    assert Repository.objects.get(full_path="etalab/one").stars == 0
    # The second page was only marked seen: the forge said nothing new about it.
    three = Repository.objects.get(full_path="etalab/three")
    assert three.stars == 77 and three.last_harvested_at >= run.started_at  # type: ignore[operator]


def test_rows_imported_without_id_or_account_are_adopted_or_checked(github: FakeGitHub) -> None:
    from communs.sources.models import Forge

    forge = Forge.objects.get(host="github.test")
    for path in ("etalab/one", "etalab/vanished"):
        Repository.objects.create(forge=forge, full_path=path, name=path[7:], url=f"x/{path}")
    run_harvest(github)
    one = Repository.objects.get(full_path="etalab/one")
    assert one.native_id is not None and one.account == Account.objects.get(path="etalab")
    assert Repository.objects.filter(full_path="etalab/one").count() == 1
    vanished = Repository.objects.get(full_path="etalab/vanished")
    assert vanished.gone_since is not None and vanished.native_id is None
    assert any(url.endswith("/repos/etalab/vanished") for url in github.requested)
