"""Network checks: off by default, behind one fetcher, never towards private addresses."""

from __future__ import annotations

import httpx
import pytest

from communs.publiccode import ERROR, validate
from communs.publiccode.network import FetchError, Response, SafeFetcher, is_public_address

from .test_validate import MINIMAL


class FakeFetcher:
    """Answers from a dict of URL -> status; records what was asked."""

    def __init__(self, statuses: dict[str, int]) -> None:
        self.statuses = statuses
        self.asked: list[str] = []

    def get(self, url: str, *, max_bytes: int = 0) -> Response:
        self.asked.append(url)
        if url not in self.statuses:
            raise FetchError("connection refused")
        return Response(url, self.statuses[url], b"")


def test_it_fetches_nothing_unless_asked() -> None:
    fetcher = FakeFetcher({})
    report = validate(MINIMAL + "landingURL: https://example.org/\n", fetcher=fetcher)
    assert report.valid and fetcher.asked == []


def test_it_reports_urls_that_do_not_answer() -> None:
    fetcher = FakeFetcher({"https://github.com/italia/medusa.git": 200})
    text = MINIMAL + "landingURL: https://example.org/gone\nroadmap: foobar\n"
    report = validate(text, network=True, fetcher=fetcher)
    found = {(r.level, r.key, r.description) for r in report.results}
    assert (
        ERROR,
        "landingURL",
        "'https://example.org/gone' not reachable: HTTP GET failed for "
        "https://example.org/gone: connection refused",
    ) in found
    assert (ERROR, "roadmap", "'foobar' not reachable: missing URL scheme") in found
    assert "https://github.com/italia/medusa.git" in fetcher.asked


NON_PUBLIC = [
    "127.0.0.1",
    "10.1.2.3",
    "192.168.0.1",
    "172.16.5.4",
    "169.254.169.254",
    "::1",
    "fe80::1",
    "fc00::1",
    "0.0.0.0",  # noqa: S104 - an address to refuse, nothing is bound
    "100.64.0.1",
    "::ffff:127.0.0.1",
    "224.0.0.1",
]


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_it_refuses_private_and_loopback_addresses(address: str) -> None:
    assert not is_public_address(address)
    fetcher = SafeFetcher(resolver=lambda host, port: [address])
    with pytest.raises(FetchError, match="non-public address"):
        fetcher.get("https://innocent.example.org/")


def test_it_refuses_a_redirect_towards_a_private_host() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["host"])
        return httpx.Response(302, headers={"location": "http://internal.example/admin"})

    addresses = {"public.example": ["93.184.216.34"], "internal.example": ["10.0.0.5"]}
    fetcher = SafeFetcher(
        resolver=lambda host, port: addresses[host], transport=httpx.MockTransport(handler)
    )
    with pytest.raises(FetchError, match="non-public"):
        fetcher.get("http://public.example/")
    assert seen == ["public.example"]


def test_it_cuts_bodies_at_the_bound() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"x" * 10_000))
    fetcher = SafeFetcher(resolver=lambda host, port: ["93.184.216.34"], transport=transport)
    response = fetcher.get("http://public.example/big", max_bytes=1000)
    assert response.status == 200 and len(response.body) == 1000
