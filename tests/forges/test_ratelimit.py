"""Token budgets, reset headers and Retry-After, without any HTTP."""

from __future__ import annotations

import pytest

from communs.forges.ratelimit import TokenPool, parse_retry_after, read_rate_limit, unix_time

from .conftest import FakeClock, read_json

T0 = 1_700_000_000.0


def spent(reset: float) -> dict[str, str]:
    """Headers of a spent budget resetting ``reset`` seconds after T0 (as a Unix time)."""
    return {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(T0 + reset))}


def test_it_keeps_to_one_token_until_it_is_spent_then_moves_on() -> None:
    clock = FakeClock(T0)
    pool = TokenPool(["aaa", "bbb"], clock=clock)
    assert pool.choose().token == "aaa"
    pool.update("aaa", {"x-ratelimit-remaining": "10", "x-ratelimit-reset": str(T0 + 900)}, "core")
    assert pool.choose().token == "aaa"
    pool.update("aaa", spent(5000), "core")
    assert pool.choose().token == "bbb"


def test_it_says_how_long_to_wait_when_every_token_is_spent() -> None:
    clock = FakeClock(T0)
    pool = TokenPool(["aaa", "bbb"], clock=clock)
    pool.update("aaa", spent(600), "core")
    pool.update("bbb", spent(300), "core")
    choice = pool.choose()
    assert choice is not None
    assert choice.token is None
    # The earliest reset, plus a second for clock drift.
    assert choice.wait == pytest.approx(301.0)
    clock.now = T0 + 301.0
    assert pool.choose().token == "bbb"


def test_it_counts_budgets_per_resource() -> None:
    pool = TokenPool(["aaa"], clock=FakeClock(T0))
    pool.update("aaa", {**spent(1000), "x-ratelimit-resource": "graphql"}, "core")
    assert pool.choose("core").token == "aaa"
    assert pool.choose("graphql").wait > 0


def test_it_stops_using_a_refused_token() -> None:
    pool = TokenPool(["aaa", "bbb"], clock=FakeClock())
    assert pool.revoke("aaa") is True
    assert pool.choose().token == "bbb"
    assert pool.revoke("bbb") is False
    assert pool.choose() is None


def test_an_anonymous_pool_tracks_its_budget_too() -> None:
    clock = FakeClock(T0)
    pool = TokenPool(clock=clock)
    assert pool.anonymous
    pool.update(None, spent(60), "core")
    assert pool.choose().wait == pytest.approx(61.0)


def test_it_reads_the_recorded_github_headers(forge_api) -> None:
    fixture = read_json(forge_api / "github/get-repository/normalized-fixture.json")
    limit = read_rate_limit(fixture[0]["headers"], now=0.0)
    assert limit is not None
    assert limit.remaining == 4999
    assert limit.resource == "core"
    # The recorded fixtures write the reset in milliseconds.
    assert limit.reset_at == 1507651200.0


def test_it_reads_gitlab_headers_without_the_x_prefix() -> None:
    limit = read_rate_limit({"ratelimit-remaining": "3", "ratelimit-reset": "1700000100"}, 0.0)
    assert (limit.remaining, limit.reset_at) == (3, 1700000100.0)


def test_it_understands_a_reset_given_as_a_delay() -> None:
    assert unix_time("30", now=1_700_000_000.0) == 1_700_000_030.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("soon", None),
        (None, None),
    ],
)
def test_it_parses_retry_after_in_seconds_or_as_a_date(value, seconds) -> None:
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert parse_retry_after(value, now) == seconds


def test_a_spent_token_whose_reset_is_past_still_waits() -> None:
    # The forge says "spent" with a reset the local clock already passed: without a
    # wait, the same token would be sent again at once, forever.
    clock = FakeClock(T0)
    pool = TokenPool(["aaa"], clock=clock)
    pool.exhaust("aaa", "core", reset_at=T0 - 10)
    assert pool.choose().wait >= 60
