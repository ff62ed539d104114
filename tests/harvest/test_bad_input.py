"""Bad input: a forge that is down, or answers HTML, invalid JSON, endless pages, 401/403
for one group, a page of a million items. That forge or owner fails with a clear
message, the others go on, and nothing stored is lost or marked gone."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from communs.harvest.models import HarvestRun
from communs.repositories.models import Repository

from .conftest import EPOCH, FakeGitHub, later, make_accounts, make_forge, run_harvest

pytestmark = pytest.mark.django_db

Handler = Callable[[httpx.Request], httpx.Response]


def html(request: httpx.Request) -> httpx.Response:
    body = b"<!DOCTYPE html><html><body>Please sign in</body></html>"
    return httpx.Response(200, headers={"content-type": "text/html"}, content=body)


def invalid_json(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200, headers={"content-type": "application/json"}, content=b'[{"id": 1, "name": '
    )


def endless(request: httpx.Request) -> httpx.Response:
    # Every page says the next one is itself.
    return httpx.Response(
        200,
        headers={"content-type": "application/json", "link": f'<{request.url}>; rel="next"'},
        json=[],
    )


def forbidden(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        403, json={"message": "Resource protected by organization SAML enforcement."}
    )


def unauthorized(request: httpx.Request) -> httpx.Response:
    return httpx.Response(401, json={"message": "Requires authentication"})


def a_million(request: httpx.Request) -> httpx.Response:
    body = b"[" + b",".join([b'{"id":1}'] * 1_000_000) + b"]"
    return httpx.Response(200, headers={"content-type": "application/json"}, content=body)


CASES = {
    "html": (html, "HTML instead of JSON"),
    "invalid json": (invalid_json, "invalid or truncated JSON"),
    "pagination loop": (endless, "already read"),
    "403": (forbidden, "403 forbidden: Resource protected"),
    "401": (unauthorized, "401 unauthorized"),
    "a million items": (a_million, "1000000 items in one page"),
}


def live_rows() -> dict[str, tuple[object, ...]]:
    return {
        path: rest
        for path, *rest in Repository.objects.values_list(
            "full_path", "native_id", "stars", "pushed_at", "gone_since", "last_harvested_at"
        )
    }


@pytest.mark.parametrize("case", CASES)
def test_one_owner_answering_badly_fails_alone_and_loses_nothing(
    github: FakeGitHub, case: str
) -> None:
    run_harvest(github)
    before = live_rows()
    github.push(next(r for r in github.repos.values() if r.name == "one"), later(EPOCH, days=9))
    handler, words = CASES[case]
    github.faults["/orgs/betagouv/repos"] = handler
    result = run_harvest(github)
    [outcome] = result.outcomes
    assert outcome.status == HarvestRun.Status.FAILED
    assert "1 of 3 owners failed" in outcome.message
    assert "betagouv: " in outcome.message and words in outcome.message
    # The others went on: etalab's push is stored.
    assert Repository.objects.get(full_path="etalab/one").pushed_at == later(EPOCH, days=9)
    # Nothing was lost or marked gone; betagouv's repository is as it was.
    after = live_rows()
    assert sorted(after) == sorted(before)
    assert not Repository.objects.filter(gone_since__isnull=False).exists()
    assert after["betagouv/site"] == before["betagouv/site"]
    run = HarvestRun.objects.order_by("-pk").first()
    assert run is not None and (run.owners_done, run.owners_failed, run.gone) == (2, 1, 0)
    assert list(run.progress.filter(step="failed").values_list("owner", flat=True)) == ["betagouv"]


def test_a_failure_after_some_pages_keeps_them_and_marks_nothing_gone(
    github: FakeGitHub,
) -> None:
    run_harvest(github)
    github.delete(next(r for r in github.repos.values() if r.name == "forked"))
    github.faults["page=2"] = html
    result = run_harvest(github)
    assert result.outcomes[0].status == HarvestRun.Status.FAILED
    # etalab's listing broke on its second page: its missing repository is not checked.
    assert not Repository.objects.filter(gone_since__isnull=False).exists()
    assert not any(url.endswith("/repos/etalab/forked") for url in github.requested)


@pytest.fixture
def two_forges(github: FakeGitHub) -> tuple[FakeGitHub, FakeGitHub, Handler]:
    other = FakeGitHub(orgs={"dinum", "ademe", "cnil", "insee"})
    for owner in sorted(other.orgs):
        other.add(owner, "tool")
    forge = make_forge("other.test", url="https://other.test", api_url="https://api.other.test")
    make_accounts(forge, *sorted(other.orgs))
    fakes = {"api.github.test": github, "api.other.test": other}

    def route(request: httpx.Request) -> httpx.Response:
        return fakes[request.url.host](request)

    return github, other, route


def test_a_forge_that_is_down_fails_and_the_others_are_stored(
    two_forges: tuple[FakeGitHub, FakeGitHub, Handler],
) -> None:
    github, other, route = two_forges
    run_harvest(route)
    before = live_rows()
    github.push(next(r for r in github.repos.values() if r.name == "one"), later(EPOCH, days=9))

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    other.faults["api.other.test"] = down
    asked_before = len(other.requested)
    # One owner at a time, so that the order in which they fail is known.
    result = run_harvest(route, per_host=1)
    outcomes = {outcome.host: outcome for outcome in result.outcomes}
    assert outcomes["github.test"].status == HarvestRun.Status.SUCCEEDED
    assert outcomes["other.test"].status == HarvestRun.Status.FAILED
    message = outcomes["other.test"].message
    assert "3 owners in a row failed" in message and "Connection refused" in message
    # It gave up after three owners: the fourth was never asked.
    assert not any("insee" in url for url in other.requested[asked_before:])
    assert any("dinum" in url for url in other.requested[asked_before:])
    assert Repository.objects.get(full_path="etalab/one").pushed_at == later(EPOCH, days=9)
    after = live_rows()
    for path, row in before.items():
        if path.endswith("/tool"):
            assert after[path] == row
    assert not Repository.objects.filter(gone_since__isnull=False).exists()


def test_a_rate_limit_too_long_to_wait_stops_that_forge_only(
    two_forges: tuple[FakeGitHub, FakeGitHub, Handler],
) -> None:
    github, other, route = two_forges

    def spent(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            403,
            headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "9999999999"},
            json={"message": "API rate limit exceeded"},
        )

    other.faults["api.other.test"] = spent
    result = run_harvest(route, per_host=1)
    outcomes = {outcome.host: outcome for outcome in result.outcomes}
    assert outcomes["github.test"].status == HarvestRun.Status.SUCCEEDED
    assert outcomes["other.test"].status == HarvestRun.Status.FAILED
    assert "rate limit" in outcomes["other.test"].message
    # One owner met the limit; the forge stopped there rather than try the others.
    run = HarvestRun.objects.get(forge__host="other.test")
    assert run.owners_failed == 1 and run.owners_done == 0


def test_a_forge_that_cannot_be_listed_fails_with_the_reason(github: FakeGitHub) -> None:
    sourcehut = make_forge(
        "git.sr.ht", kind="sourcehut", url="https://git.sr.ht", api_url="https://git.sr.ht/query"
    )
    make_accounts(sourcehut, "~sircmpwn")
    unknown = make_forge("fossil.test", kind="fossil")
    make_accounts(unknown, "someone")
    result = run_harvest(github)
    outcomes = {outcome.host: outcome for outcome in result.outcomes}
    assert outcomes["github.test"].status == HarvestRun.Status.SUCCEEDED
    assert outcomes["git.sr.ht"].status == HarvestRun.Status.FAILED
    assert "needs a token" in outcomes["git.sr.ht"].message
    assert outcomes["fossil.test"].message == "no adapter for forge kind 'fossil'"
    assert HarvestRun.objects.get(forge=unknown).status == HarvestRun.Status.FAILED
    assert not any("sr.ht" in url for url in github.requested)


def test_with_a_token_one_owner_looping_or_unknown_fails_alone(github: FakeGitHub) -> None:
    tokens = {"api.github.test": ["t0ken"]}
    run_harvest(github, tokens=tokens)
    before = live_rows()
    github.push(next(r for r in github.repos.values() if r.name == "one"), later(EPOCH, days=9))
    # betagouv moved (the probe sees it) but its cursor leads back to itself; jdoe is no
    # longer known to GitHub.
    github.push(next(r for r in github.repos.values() if r.name == "site"), later(EPOCH, days=9))
    github.looping.add("betagouv")
    github.users.clear()
    result = run_harvest(github, tokens=tokens)
    [outcome] = result.outcomes
    assert outcome.status == HarvestRun.Status.FAILED
    assert "2 of 3 owners failed" in outcome.message
    assert "betagouv: " in outcome.message and "came back" in outcome.message
    assert "jdoe: " in outcome.message
    # etalab went on; nothing was lost or marked gone.
    assert Repository.objects.get(full_path="etalab/one").pushed_at == later(EPOCH, days=9)
    after = live_rows()
    assert sorted(after) == sorted(before)
    assert not Repository.objects.filter(gone_since__isnull=False).exists()
    assert after["jdoe/notes"] == before["jdoe/notes"]
