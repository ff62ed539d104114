"""Rate-limit budgets shared through Redis by the token pools of several processes."""

from __future__ import annotations

import time
from typing import Any

from communs.forges.ratelimit import TokenPool, token_key
from communs.tasks.budgets import RedisBudgets

HOST = "api.github.com"


class Clock:
    def __init__(self) -> None:
        # Real time: budgets expire in Redis a minute after their reset.
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def headers(remaining: int, reset: float) -> dict[str, str]:
    return {"x-ratelimit-remaining": str(remaining), "x-ratelimit-reset": str(int(reset))}


def test_a_budget_spent_by_one_worker_stops_the_other(redis_db: Any) -> None:
    clock = Clock()
    budgets = RedisBudgets(redis_db)
    one = TokenPool(["t1"], clock, shared=budgets, host=HOST)
    two = TokenPool(["t1"], clock, shared=budgets, host=HOST)
    reset = clock.now + 120
    # Worker one learns that two requests are left.
    assert one.choose().token == "t1"
    one.update("t1", headers(2, reset), "core")
    # Worker two never saw an answer, yet spends what is left, then must wait.
    assert two.choose().token == "t1"
    assert one.choose().token == "t1"
    choice = two.choose()
    assert choice.token is None and 120 <= choice.wait <= 122
    assert one.choose().wait > 0
    # After the reset, both may go again.
    clock.now = reset + 1
    assert one.choose().token == "t1"
    assert two.choose().token == "t1"


def test_a_spent_token_moves_both_workers_to_the_next(redis_db: Any) -> None:
    clock = Clock()
    budgets = RedisBudgets(redis_db)
    one = TokenPool(["t1", "t2"], clock, shared=budgets, host=HOST)
    two = TokenPool(["t1", "t2"], clock, shared=budgets, host=HOST)
    one.exhaust("t1", "core", clock.now + 600)
    assert two.choose().token == "t2"
    # Another resource keeps its own budget.
    alone = TokenPool(["t1"], clock, shared=budgets, host=HOST)
    assert alone.choose("graphql").token == "t1"
    assert alone.choose("core").wait > 0


def test_answers_out_of_order_keep_the_lowest_count_of_a_window(redis_db: Any) -> None:
    clock = Clock()
    budgets = RedisBudgets(redis_db)
    key = token_key("t1")
    reset = clock.now + 60
    budgets.record(HOST, key, "core", 10, reset)
    budgets.record(HOST, key, "core", 50, reset)  # an older answer, arrived late
    assert int(redis_db.hget(budgets.key(HOST, key, "core"), "remaining")) == 10
    # A new window (a later reset) starts afresh.
    budgets.record(HOST, key, "core", 4999, reset + 3600)
    assert int(redis_db.hget(budgets.key(HOST, key, "core"), "remaining")) == 4999
    # An answer of the window before is ignored.
    budgets.record(HOST, key, "core", 1, reset)
    assert int(redis_db.hget(budgets.key(HOST, key, "core"), "remaining")) == 4999


def test_tokens_never_reach_redis(redis_db: Any) -> None:
    clock = Clock()
    pool = TokenPool(["secret-token"], clock, shared=RedisBudgets(redis_db), host=HOST)
    pool.choose()
    pool.update("secret-token", headers(5, clock.now + 60), "core")
    keys = b" ".join(redis_db.keys("*"))
    assert keys and b"secret-token" not in keys
