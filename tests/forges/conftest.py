"""Helpers for the forge tests: a fake clock and sleep, a client over httpx.MockTransport,
and the recorded forge answers of ../shared/data/forge-api replayed as a transport."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from communs.forges.base import Page
from communs.forges.http import ForgeClient

# Recorded headers describe the recorded body; bodies are re-serialised here, so their
# length and encoding headers would lie.
_DROPPED_HEADERS = {"content-length", "transfer-encoding", "content-encoding", "connection"}


class FakeClock:
    """A clock that only moves when the fake sleep sleeps."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Sleeper:
    """An injectable sleep that records each delay and advances the fake clock."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.clock.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleeper(clock: FakeClock) -> Sleeper:
    return Sleeper(clock)


@pytest.fixture
def make_client(clock: FakeClock, sleeper: Sleeper) -> Callable[..., ForgeClient]:
    """``make_client(handler, **options)``: a client whose only seam is a MockTransport.

    Jitter is fixed at 1.0 so each backoff delay is its upper bound.
    """

    def make(handler: Callable[[httpx.Request], httpx.Response], **options: Any) -> ForgeClient:
        options.setdefault("jitter", lambda: 1.0)
        return ForgeClient(
            transport=httpx.MockTransport(handler), sleep=sleeper, clock=clock, **options
        )

    return make


@pytest.fixture
def forge_api(shared: Path) -> Path:
    """The recorded forge answers; the test skips when ../shared is missing."""
    return shared / "data" / "forge-api"


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def recorded_response(interaction: dict[str, Any]) -> httpx.Response:
    """An octokit-fixtures interaction (status, headers, body) as an httpx response."""
    headers = {
        name: str(value)
        for name, value in (interaction.get("headers") or {}).items()
        if name.lower() not in _DROPPED_HEADERS
    }
    body = interaction.get("response")
    content_type = headers.get("content-type", "")
    if isinstance(body, str) and "json" not in content_type:
        # nock records binary bodies (archives) as hex.
        try:
            content = bytes.fromhex(body)
        except ValueError:
            content = body.encode()
    elif body == "" or body is None:
        content = b""
    else:
        content = json.dumps(body).encode()
    return httpx.Response(interaction["status"], headers=headers, content=content)


def interaction_url(interaction: dict[str, Any]) -> str:
    scope = interaction["scope"].removesuffix(":443")
    return scope + interaction["path"]


async def collect(pages: AsyncIterator[Page]) -> list[Page]:
    return [page async for page in pages]


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(
        status,
        headers={"content-type": "application/json; charset=utf-8", **(headers or {})},
        content=json.dumps(body).encode(),
    )


class FakeForge:
    """A MockTransport handler answering from a table of full URLs; anything else is 404.

    An entry may be a response, or a list of responses served one after the other
    (the last one repeats). ``requested`` keeps every URL asked, in order.
    """

    def __init__(self, routes: dict[str, Any] | None = None) -> None:
        self.routes: dict[str, Any] = dict(routes or {})
        self.requested: list[str] = []
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requested.append(url)
        self.requests.append(request)
        answer = self.routes.get(url)
        if answer is None:
            return json_response({"message": f"Not Found: {url}"}, 404)
        if isinstance(answer, list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        if callable(answer):
            return answer(request)
        # A fresh copy each time: a response's stream is read once.
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)
