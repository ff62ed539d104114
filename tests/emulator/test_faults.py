"""Faults: drawn at the requested rate, the same for a seed, and harmless to state."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

import httpx
import pytest

from communs.emulator import Emulator, EmulatorServer, Settings, World
from communs.emulator.faults import KINDS, FaultPlan
from communs.emulator.protocol import Request

from .conftest import small_world


def statuses(settings: Settings, world: World, paths: list[str]) -> list[tuple[int, str]]:
    emulator = Emulator(world, settings)
    answers = []
    for path in paths:
        request = Request.parse("GET", path, {}, base_url="http://emulator")
        answer, fault = emulator.respond(request)
        answers.append((answer.status, fault.kind if fault else ""))
    return answers


def api_paths(world: World) -> list[str]:
    github = world.forges["github"]
    gitlab = world.forges["gitlab"]
    paths = [f"/github/repos/{github.record(i).full_path}" for i in github.all()]
    paths += [f"/gitlab/api/v4/projects/{gitlab.native_id(i)}" for i in gitlab.all()]
    return paths * 3


def test_it_injects_faults_at_about_the_rate_asked(world: World) -> None:
    paths = api_paths(world)
    drawn = statuses(Settings(faults=0.25, fault_seed=1), world, paths)
    kinds = Counter(kind for _, kind in drawn if kind)
    share = sum(kinds.values()) / len(paths)
    assert 0.2 < share < 0.3, share
    assert set(kinds) == set(KINDS)
    failing = [status for status, kind in drawn if kind and kind not in ("cut", "slow")]
    assert set(failing) == {500, 502, 503, 429, 403}
    assert statuses(Settings(), world, paths[:50]) == [(200, "")] * 50


def test_it_draws_the_same_faults_for_the_same_seed(world: World) -> None:
    paths = api_paths(world)
    first = statuses(Settings(faults=0.3, fault_seed=8), world, paths)
    assert statuses(Settings(faults=0.3, fault_seed=8), small_world(), paths) == first
    assert statuses(Settings(faults=0.3, fault_seed=9), world, paths) != first
    # Whatever the order the requests come in, each URL meets the same faults.
    shuffled = list(reversed(paths))
    again = statuses(Settings(faults=0.3, fault_seed=8), world, shuffled)
    assert sorted(zip(shuffled, again, strict=True)) == sorted(zip(paths, first, strict=True))


def test_it_changes_no_state_when_a_request_fails(world: World) -> None:
    emulator = Emulator(world, Settings(faults=1.0, fault_kinds=("500", "429", "403")))
    path = f"/github/repos/{world.forges['github'].record(0).full_path}"
    for _ in range(20):
        answer, fault = emulator.respond(Request.parse("GET", path, {}, base_url="http://e"))
        assert fault is not None and answer.status in (500, 429, 403)
        if answer.status in (429, 403):
            assert answer.header("Retry-After") == "1"
    state = emulator.budgets.peek("github", "core", "anonymous:127.0.0.1")
    assert state.used == 0
    secondary = Emulator(world, Settings(faults=1.0, fault_kinds=("403",), retry_after=0))
    answer, _ = secondary.respond(Request.parse("GET", path, {}, base_url="http://e"))
    assert answer.header("X-RateLimit-Remaining") == "0"
    assert b"secondary rate limit" in answer.body


def test_it_cuts_bodies_short_and_answers_slowly(
    serve: Callable[..., EmulatorServer], world: World
) -> None:
    path = f"/github/repos/{world.forges['github'].record(0).full_path}"
    cut = serve(world, Settings(faults=1.0, fault_kinds=("cut",)))
    with httpx.Client() as client, pytest.raises(httpx.RemoteProtocolError):
        client.get(cut.url + path)
    slow = serve(world, Settings(faults=1.0, fault_kinds=("slow",), slow_seconds=0.3))
    started = time.monotonic()
    answer = httpx.get(slow.url + path)
    assert answer.status_code == 200 and time.monotonic() - started >= 0.3
    stats = httpx.get(slow.url + "/_emulator/stats").json()
    assert stats["faults"] == {"slow": 1} and stats["faults_injected"] == 1


def test_it_refuses_a_rate_outside_zero_to_one() -> None:
    with pytest.raises(ValueError):
        FaultPlan(1.5)
    with pytest.raises(ValueError):
        FaultPlan(0.1, kinds=("teapot",))
