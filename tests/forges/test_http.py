"""The forge client: retries, rate limits, ETags, size caps and errors, over MockTransport."""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path

import httpx
import pytest

from communs.forges.errors import (
    BadResponse,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    TooLarge,
    Unauthorized,
    Unreachable,
)
from communs.forges.etags import MemoryETagStore

from .conftest import interaction_url, json_response, read_json, recorded_response

URL = "https://api.github.com/orgs/etalab/repos?per_page=100"
REPOS = [{"id": 1, "full_name": "etalab/a"}]


def scripted(*answers):
    """A handler answering each request with the next answer (a response or an exception)."""
    queue = list(answers)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    handler.requests = seen  # type: ignore[attr-defined]
    return handler


def get(client, url: str = URL, **options):
    async def go():
        async with client:
            return await client.get_json(url, adapter="github", **options)

    return asyncio.run(go())


def test_it_retries_5xx_with_exponential_backoff(make_client, sleeper) -> None:
    handler = scripted(
        json_response({}, 502), json_response({}, 503), json_response({}, 500), json_response(REPOS)
    )
    client = make_client(handler)
    response = get(client)
    assert response.data == REPOS
    # Jitter fixed at 1.0: each delay is its bound, doubling from the base.
    assert sleeper.delays == [1.0, 2.0, 4.0]
    counts = client.stats.of("api.github.com", "list")
    assert (counts.requests, counts.retries, counts.errors) == (4, 3, 0)


def test_it_draws_full_jitter_under_a_capped_bound(make_client, sleeper) -> None:
    draws = iter([0.5, 0.25, 1.0])
    handler = scripted(*[json_response({}, 500)] * 3, json_response(REPOS))
    client = make_client(handler, jitter=lambda: next(draws), backoff_base=2.0, backoff_cap=3.0)
    get(client)
    assert sleeper.delays == [1.0, 0.75, 3.0]


def test_it_gives_up_after_the_last_attempt_naming_the_url(make_client, sleeper) -> None:
    client = make_client(scripted(*[json_response({"message": "boom"}, 500)] * 3), max_attempts=3)
    with pytest.raises(ServerError, match="api.github.com/orgs/etalab") as caught:
        get(client)
    assert caught.value.status == 500
    assert len(sleeper.delays) == 2
    assert client.stats.of("api.github.com", "list").errors == 1


def test_it_retries_connection_errors_and_timeouts(make_client, sleeper) -> None:
    handler = scripted(
        httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), json_response(REPOS)
    )
    assert get(make_client(handler)).data == REPOS
    assert len(sleeper.delays) == 2


def test_it_raises_unreachable_when_the_forge_never_answers(make_client) -> None:
    client = make_client(scripted(*[httpx.ConnectError("refused")] * 2), max_attempts=2)
    with pytest.raises(Unreachable, match="ConnectError"):
        get(client)


@pytest.mark.parametrize("status", [429, 503])
def test_it_honours_retry_after(make_client, sleeper, status: int) -> None:
    handler = scripted(json_response({}, status, {"retry-after": "7"}), json_response(REPOS))
    client = make_client(handler)
    assert get(client).data == REPOS
    assert sleeper.delays == [7.0]
    assert client.stats.of("api.github.com", "list").rate_limit_waits == 1


def test_it_waits_out_a_github_secondary_limit(make_client, sleeper, forge_api: Path) -> None:
    body = read_json(forge_api / "github/abuse_rate_limit")
    handler = scripted(json_response(body, 403, {"retry-after": "60"}), json_response(REPOS))
    assert get(make_client(handler)).data == REPOS
    assert sleeper.delays == [60.0]


def test_it_recognises_a_secondary_limit_from_its_message_alone(
    make_client, sleeper, forge_api: Path
) -> None:
    body = read_json(forge_api / "github/abuse_rate_limit")
    handler = scripted(json_response(body, 403), json_response(REPOS))
    assert get(make_client(handler)).data == REPOS
    assert sleeper.delays == [60.0]


def test_it_will_not_sleep_longer_than_allowed(make_client, sleeper) -> None:
    handler = scripted(json_response({}, 429, {"retry-after": "7200"}))
    with pytest.raises(RateLimited) as caught:
        get(make_client(handler, max_wait=600))
    assert sleeper.delays == []
    assert caught.value.reset_at is not None


def test_it_switches_to_the_next_token_when_one_is_spent(make_client, clock, sleeper) -> None:
    reset = str(int(clock.now) + 3600)
    spent = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
    handler = scripted(
        json_response({"message": "API rate limit exceeded"}, 403, spent),
        json_response(REPOS, headers={"x-ratelimit-remaining": "4999"}),
    )
    client = make_client(handler, tokens={"api.github.com": ["aaa", "bbb"]})
    assert get(client).data == REPOS
    assert [r.headers["authorization"] for r in handler.requests] == ["Bearer aaa", "Bearer bbb"]
    assert sleeper.delays == []


def test_it_moves_on_before_a_token_runs_dry(make_client, clock) -> None:
    # The last unit of "aaa" is used; the next request goes out with "bbb" at once.
    last = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(clock.now) + 600)}
    handler = scripted(json_response(REPOS, headers=last), json_response(REPOS))
    client = make_client(handler, tokens={"api.github.com": ["aaa", "bbb"]})

    async def go():
        async with client:
            await client.get_json(URL, adapter="github")
            await client.get_json(URL + "&page=2", adapter="github")

    asyncio.run(go())
    assert [r.headers["authorization"] for r in handler.requests] == ["Bearer aaa", "Bearer bbb"]


def test_it_sleeps_until_the_reset_when_every_token_is_spent(make_client, clock, sleeper) -> None:
    spent = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(clock.now) + 120)}
    handler = scripted(json_response({}, 403, spent), json_response(REPOS))
    client = make_client(handler, tokens={"api.github.com": ["aaa"]})
    assert get(client).data == REPOS
    assert sleeper.delays == [121.0]
    assert [r.headers["authorization"] for r in handler.requests] == ["Bearer aaa"] * 2
    assert client.stats.of("api.github.com", "list").rate_limit_waits == 1


def test_it_raises_rate_limited_when_the_reset_is_too_far(make_client, clock) -> None:
    reset = int(clock.now) + 7200
    spent = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
    client = make_client(scripted(json_response({}, 403, spent)), max_wait=600)
    with pytest.raises(RateLimited) as caught:
        get(client)
    assert caught.value.reset_at == pytest.approx(reset + 1)


def test_it_reuses_a_stored_body_on_304_and_counts_it(make_client) -> None:
    link = '<https://api.github.com/orgs/etalab/repos?page=2>; rel="next"'
    handler = scripted(
        json_response(REPOS, headers={"etag": '"v1"', "link": link}),
        httpx.Response(304, headers={"etag": '"v1"'}),
    )
    client = make_client(handler)

    async def go():
        async with client:
            first = await client.get_json(URL, adapter="github")
            second = await client.get_json(URL, adapter="github")
            return first, second

    first, second = asyncio.run(go())
    assert "if-none-match" not in handler.requests[0].headers
    assert handler.requests[1].headers["if-none-match"] == '"v1"'
    assert second.not_modified and not first.not_modified
    assert second.data == REPOS
    # The paging headers are replayed, so a listing can go on from a 304.
    assert second.headers["link"] == link
    assert client.stats.of("api.github.com", "list").not_modified == 1


def test_it_accepts_an_asynchronous_etag_store(make_client) -> None:
    class AsyncStore:
        def __init__(self) -> None:
            self.inner = MemoryETagStore()

        async def get(self, url):
            return self.inner.get(url)

        async def put(self, url, etag, body):
            self.inner.put(url, etag, body)

    handler = scripted(json_response(REPOS, headers={"etag": "W/1"}), httpx.Response(304))
    client = make_client(handler, etags=AsyncStore())

    async def go():
        async with client:
            await client.get_json(URL, adapter="github")
            return await client.get_json(URL, adapter="github")

    assert asyncio.run(go()).data == REPOS


def test_the_memory_store_forgets_the_least_recently_used() -> None:
    store = MemoryETagStore(max_entries=2)
    store.put("a", "1", b"A")
    store.put("b", "2", b"B")
    store.get("a")
    store.put("c", "3", b"C")
    assert store.get("b") is None
    assert store.get("a") == ("1", b"A")
    assert len(store) == 2


def test_it_retries_an_html_answer_then_calls_it_a_bad_response(make_client, sleeper) -> None:
    page = httpx.Response(200, headers={"content-type": "text/html"}, content=b"<html>Login</html>")
    client = make_client(scripted(page, page, page), max_attempts=3)
    with pytest.raises(BadResponse, match="HTML") as caught:
        get(client)
    assert URL in str(caught.value)
    assert len(sleeper.delays) == 2


@pytest.mark.parametrize(
    "body", [b'[{"id": 1, "full_na', b"not json at all", b""], ids=["cut", "garbage", "empty"]
)
def test_it_retries_a_body_cut_short_or_not_json(make_client, sleeper, body: bytes) -> None:
    broken = httpx.Response(200, headers={"content-type": "application/json"}, content=body)
    handler = scripted(broken, json_response(REPOS))
    assert get(make_client(handler)).data == REPOS
    assert len(sleeper.delays) == 1


def test_it_refuses_a_declared_body_over_the_cap(make_client) -> None:
    big = httpx.Response(
        200, headers={"content-length": "999999"}, content=b"[" + b" " * 999997 + b"]"
    )
    with pytest.raises(TooLarge, match="999999"):
        get(make_client(scripted(big), max_body_bytes=1000))


def test_it_stops_reading_an_endless_body_at_the_cap(make_client) -> None:
    chunks_read = 0

    async def endless():
        nonlocal chunks_read
        yield b"["
        while True:
            chunks_read += 1
            yield b'{"id": 1},' * 100

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "application/json"}, content=endless())

    with pytest.raises(TooLarge):
        get(make_client(handler, max_body_bytes=10_000))
    # Streaming: reading stopped soon after the cap, memory stayed bounded.
    assert chunks_read <= 11


def test_it_raises_not_found_and_counts_it(make_client) -> None:
    client = make_client(scripted(json_response({"message": "Not Found"}, 404)))
    with pytest.raises(NotFound) as caught:
        get(client)
    assert caught.value.url == URL
    counts = client.stats.of("api.github.com", "list")
    assert (counts.not_found, counts.errors) == (1, 0)


def test_a_refused_owner_raises_a_clear_error(make_client) -> None:
    body = {"message": "Must have admin rights to Repository."}
    with pytest.raises(Forbidden, match="admin rights") as caught:
        get(make_client(scripted(json_response(body, 403))))
    assert URL in str(caught.value)


def test_a_refused_anonymous_request_raises_unauthorized(make_client) -> None:
    with pytest.raises(Unauthorized, match="Requires authentication"):
        get(make_client(scripted(json_response({"message": "Requires authentication"}, 401))))


def test_a_refused_token_is_dropped_for_the_next_one(make_client) -> None:
    handler = scripted(json_response({"message": "Bad credentials"}, 401), json_response(REPOS))
    client = make_client(handler, tokens={"api.github.com": ["revoked", "good"]})
    assert get(client).data == REPOS
    assert handler.requests[1].headers["authorization"] == "Bearer good"


def test_it_names_communs_and_the_adapter_in_the_user_agent(make_client) -> None:
    handler = scripted(json_response(REPOS))
    get(make_client(handler, contact="https://communs.example"))
    agent = handler.requests[0].headers["user-agent"]
    assert agent.startswith("Communs/")
    assert "github adapter" in agent
    assert "https://communs.example" in agent


def test_it_limits_requests_in_flight_per_host(make_client) -> None:
    in_flight = 0
    highest = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, highest
        in_flight += 1
        highest = max(highest, in_flight)
        for _ in range(5):
            await asyncio.sleep(0)
        in_flight -= 1
        return json_response(REPOS)

    client = make_client(handler, per_host=2)

    async def go():
        async with client:
            await asyncio.gather(
                *(client.get_json(f"{URL}&page={n}", adapter="github") for n in range(8))
            )

    asyncio.run(go())
    assert highest == 2
    assert client.stats.of("api.github.com", "list").requests == 8


def test_it_follows_the_recorded_archive_redirect_without_leaking_the_token(
    make_client, forge_api: Path, tmp_path: Path
) -> None:
    fixture = read_json(forge_api / "github/get-archive/normalized-fixture.json")
    answers = {interaction_url(i): recorded_response(i) for i in fixture}
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[str(request.url)]

    client = make_client(handler, tokens={"api.github.com": ["secret"]})
    dest = tmp_path / "archive.tar.gz"

    async def go():
        async with client:
            return await client.download(
                interaction_url(fixture[0]), dest, adapter="github", max_bytes=10_000
            )

    download = asyncio.run(go())
    assert download.url.startswith("https://codeload.github.com/")
    assert download.size == dest.stat().st_size == 176
    assert gzip.decompress(dest.read_bytes())  # a real gzip archive came through
    assert seen[0].headers["authorization"] == "Bearer secret"
    assert "authorization" not in seen[1].headers
    assert client.stats.of("api.github.com", "archive").redirects == 1
    assert client.stats.of("codeload.github.com", "archive").requests == 1


def test_an_archive_over_the_cap_leaves_no_file(make_client, tmp_path: Path) -> None:
    async def chunks():
        yield b"x" * 600
        yield b"x" * 600

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())

    dest = tmp_path / "big.tar.gz"
    client = make_client(handler)

    async def go():
        async with client:
            await client.download(
                "https://forge.example/a.tar.gz", dest, adapter="gitea", max_bytes=1000
            )

    with pytest.raises(TooLarge):
        asyncio.run(go())
    assert list(tmp_path.iterdir()) == []


def test_the_stats_are_plain_data_per_host_and_kind(make_client) -> None:
    handler = scripted(json_response(REPOS), json_response({}, 404))
    client = make_client(handler)

    async def go():
        async with client:
            await client.get_json(URL, adapter="github")
            with pytest.raises(NotFound):
                await client.get_json(
                    "https://api.github.com/repos/a/b", adapter="github", kind="repo"
                )

    asyncio.run(go())
    stats = client.stats.as_dict()
    assert stats["api.github.com"]["list"]["requests"] == 1
    assert stats["api.github.com"]["repo"]["not_found"] == 1
    assert client.stats.total().requests == 2
    assert json.dumps(stats)


def test_it_refuses_a_redirect_from_https_down_to_http(make_client) -> None:
    moved = httpx.Response(301, headers={"location": "http://api.github.com/repositories/1"})
    handler = scripted(moved)
    with pytest.raises(BadResponse, match="insecure"):
        get(make_client(handler, tokens={"api.github.com": ["secret"]}))
    assert len(handler.requests) == 1
