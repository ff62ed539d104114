"""Where a forge serves a repository's publiccode.yml, and what is refused before asking."""

from __future__ import annotations

import httpx
import pytest

from communs.publiccode import remote
from communs.publiccode.network import SafeFetcher
from communs.publiccode.remote import RemoteError, check_repository_url, raw_urls


@pytest.mark.parametrize(
    ("url", "kind", "branch", "expected"),
    [
        (
            "https://github.com/italia/medusa.git",
            None,
            "",
            ["https://raw.githubusercontent.com/italia/medusa/HEAD/publiccode.yml"],
        ),
        (
            "https://github.com/italia/medusa/tree/main/docs",
            None,
            "",
            ["https://raw.githubusercontent.com/italia/medusa/HEAD/publiccode.yml"],
        ),
        (
            "https://gitlab.com/group/sub/project/-/tree/main",
            None,
            "",
            ["https://gitlab.com/group/sub/project/-/raw/HEAD/publiccode.yml"],
        ),
        (
            "https://git.example.org/owner/name/",
            "gitlab",
            "develop",
            ["https://git.example.org/owner/name/-/raw/develop/publiccode.yml"],
        ),
        (
            "https://codeberg.org/owner/name",
            "forgejo",
            "main",
            ["https://codeberg.org/owner/name/raw/branch/main/publiccode.yml"],
        ),
        (
            "https://gitea.example.org/owner/name",
            None,
            "",
            [
                "https://gitea.example.org/owner/name/raw/branch/HEAD/publiccode.yml",
                "https://gitea.example.org/owner/name/raw/publiccode.yml",
            ],
        ),
        (
            "https://bitbucket.org/owner/name",
            None,
            "",
            ["https://bitbucket.org/owner/name/raw/HEAD/publiccode.yml"],
        ),
        (
            "https://git.sr.ht/~owner/name",
            None,
            "",
            ["https://git.sr.ht/~owner/name/blob/HEAD/publiccode.yml"],
        ),
        (
            "https://ghe.example.org/owner/name",
            "github",
            "",
            ["https://ghe.example.org/owner/name/raw/HEAD/publiccode.yml"],
        ),
    ],
)
def test_it_knows_each_forges_raw_address(
    url: str, kind: str | None, branch: str, expected: list[str]
) -> None:
    assert raw_urls(url, kind, branch) == expected


def test_an_unknown_forge_is_tried_as_gitlab_then_gitea() -> None:
    urls = raw_urls("https://code.example.org/owner/name")
    assert urls[0] == "https://code.example.org/owner/name/-/raw/HEAD/publiccode.yml"
    assert len(urls) <= remote.MAX_CANDIDATES


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/owner/name", remote.PRIVATE),
        ("http://[::1]/owner/name", remote.PRIVATE),
        ("http://169.254.169.254/latest/meta-data", remote.PRIVATE),
        ("http://10.0.0.8/owner/name", remote.PRIVATE),
        ("http://[::ffff:192.168.1.1]/owner/name", remote.PRIVATE),
        ("file:///etc/passwd", remote.NOT_HTTP),
        ("gopher://example.org/owner/name", remote.NOT_HTTP),
        ("https://user:secret@example.org/owner/name", remote.CREDENTIALS),
        ("https://example.org:6379/owner/name", remote.PORT),
        ("https://example.org/only-one-part", remote.NOT_A_REPOSITORY),
        ("http://example.org:99999/owner/name", remote.INVALID_URL),
    ],
)
def test_it_refuses_addresses_before_asking(url: str, reason: str) -> None:
    with pytest.raises(RemoteError) as refused:
        check_repository_url(url)
    assert refused.value.reason == reason


def test_a_known_forge_may_use_another_port() -> None:
    assert check_repository_url("https://git.example.org:8443/owner/name", any_port=True) == (
        "https://git.example.org:8443/owner/name"
    )


def test_it_refuses_a_name_that_resolves_to_a_loopback_address() -> None:
    # The real resolver: "localhost" is answered by the machine itself, no network.
    fetcher = SafeFetcher()
    try:
        with pytest.raises(RemoteError) as refused:
            remote.fetch_publiccode(raw_urls("http://localhost/owner/name", "gitlab"), fetcher)
    finally:
        fetcher.close()
    assert refused.value.reason == remote.PRIVATE


def test_it_moves_on_after_a_404_and_stops_at_another_status() -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if request.url.path.endswith("/raw/publiccode.yml"):
            return httpx.Response(200, text="name: x\n")
        return httpx.Response(404)

    fetcher = SafeFetcher(
        resolver=lambda host, port: ["93.184.216.34"], transport=httpx.MockTransport(handler)
    )
    fetched = remote.fetch_publiccode(raw_urls("https://gitea.example.org/o/n", "gitea"), fetcher)
    assert fetched.content == b"name: x\n" and len(asked) == 2

    failing = SafeFetcher(
        resolver=lambda host, port: ["93.184.216.34"],
        transport=httpx.MockTransport(lambda request: httpx.Response(503)),
    )
    with pytest.raises(RemoteError) as refused:
        remote.fetch_publiccode(raw_urls("https://code.example.org/o/n"), failing)
    assert refused.value.reason == remote.HTTP_STATUS
