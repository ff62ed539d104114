"""Every kind of forge, listed page after page through MockTransport, with real bodies
and the paging headers each forge really sends."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from communs.forges.base import Page
from communs.forges.errors import BadResponse, Forbidden, NotFound, NotSupported, PaginationLoop
from communs.forges.registry import get_adapter

from .conftest import FakeForge, collect, json_response, read_json


def listing(make_client, forge: FakeForge, kind: str, web: str, method: str, *args, **kwargs):
    """Run ``adapter.<method>(*args)`` to the end (or its error) and return the pages."""
    pages: list[Page] = []

    async def go():
        async with make_client(forge, **kwargs.pop("client", {})) as client:
            adapter = get_adapter(kind, client, web)
            async for page in getattr(adapter, method)(*args, **kwargs):
                pages.append(page)

    asyncio.run(go())
    return pages


def github_headers(forge_api: Path, link: str | None) -> dict[str, str]:
    """The headers GitHub really sent with a page (recorded), with our own Link."""
    recorded = read_json(forge_api / "github/paginate-issues/normalized-fixture.json")[0]
    headers = {k: str(v) for k, v in recorded["headers"].items() if k != "content-length"}
    headers.pop("link", None)
    if link:
        headers["link"] = link
    return headers


def github_items(forge_api: Path) -> list[dict]:
    return [
        read_json(forge_api / "github/repos/repos_spryker-eco_computop-api"),
        read_json(forge_api / "github/repos/repos_ycms_module-main"),
        read_json(forge_api / "github/get-repository/normalized-fixture.json")[0]["response"],
    ]


GH = "https://api.github.com"
FIRST = f"{GH}/orgs/acme/repos?per_page=100&type=all"
PAGE2 = f"{GH}/organizations/42/repos?per_page=100&type=all&page=2"
PAGE3 = f"{GH}/organizations/42/repos?per_page=100&type=all&page=3"


@pytest.fixture
def github_forge(forge_api: Path) -> FakeForge:
    a, b, c = github_items(forge_api)
    return FakeForge(
        {
            FIRST: json_response(
                [a],
                headers=github_headers(forge_api, f'<{PAGE2}>; rel="next", <{PAGE3}>; rel="last"'),
            ),
            PAGE2: json_response(
                [b],
                headers=github_headers(
                    forge_api,
                    f'<{FIRST}>; rel="prev", <{PAGE3}>; rel="next", <{PAGE3}>; rel="last"',
                ),
            ),
            PAGE3: json_response([c], headers=github_headers(forge_api, f'<{PAGE2}>; rel="prev"')),
        }
    )


def test_it_follows_github_link_headers_to_the_last_page(make_client, github_forge) -> None:
    pages = listing(make_client, github_forge, "github", "https://github.com", "list_owner", "acme")
    assert [p.next_cursor for p in pages] == [PAGE2, PAGE3, None]
    assert [r.full_path for p in pages for r in p.records] == [
        "spryker-eco/computop-api",
        "GameCHN/module-main",
        "octokit-fixture-org/hello-world",
    ]
    assert github_forge.requested == [FIRST, PAGE2, PAGE3]


def test_it_resumes_a_listing_from_a_saved_cursor(make_client, github_forge) -> None:
    pages = listing(
        make_client,
        github_forge,
        "github",
        "https://github.com",
        "list_owner",
        "acme",
        cursor=PAGE2,
    )
    assert github_forge.requested == [PAGE2, PAGE3]
    assert len(pages) == 2


def test_a_second_listing_costs_only_304s(make_client, github_forge) -> None:
    etagged = {
        url: httpx.Response(
            r.status_code, headers={**r.headers, "etag": f'"{n}"'}, content=r.content
        )
        for n, (url, r) in enumerate(github_forge.routes.items())
    }

    def answer(request: httpx.Request) -> httpx.Response:
        stored = etagged[str(request.url)]
        if request.headers.get("if-none-match") == stored.headers["etag"]:
            return httpx.Response(304, headers={"etag": stored.headers["etag"]})
        return httpx.Response(200, headers=stored.headers, content=stored.content)

    forge = FakeForge({url: answer for url in etagged})
    pages: list[list[Page]] = []

    async def go():
        async with make_client(forge) as client:
            adapter = get_adapter("github", client, "https://github.com")
            for _ in range(2):
                pages.append(await collect(adapter.list_owner("acme")))
            return client.stats.of("api.github.com", "list")

    counts = asyncio.run(go())
    first, second = pages
    assert [p.not_modified for p in first] == [False] * 3
    assert [p.not_modified for p in second] == [True] * 3
    assert [r.native_id for p in second for r in p.records] == [
        r.native_id for p in first for r in p.records
    ]
    assert counts.not_modified == 3


def test_it_falls_back_to_the_user_listing_when_no_organisation(make_client, forge_api) -> None:
    item = github_items(forge_api)[1]
    user_url = f"{GH}/users/GameCHN/repos?per_page=100&type=owner"
    forge = FakeForge({user_url: json_response([item], headers=github_headers(forge_api, None))})
    pages = listing(make_client, forge, "github", "https://github.com", "list_owner", "GameCHN")
    assert forge.requested == [f"{GH}/orgs/GameCHN/repos?per_page=100&type=all", user_url]
    assert pages[0].records[0].full_path == "GameCHN/module-main"


def test_an_owner_that_exists_nowhere_raises_not_found(make_client) -> None:
    with pytest.raises(NotFound, match="users/ghost"):
        listing(make_client, FakeForge(), "github", "https://github.com", "list_owner", "ghost")


def test_it_skips_private_repositories_a_token_can_see(make_client, forge_api) -> None:
    public, private = github_items(forge_api)[:2]
    private = {**private, "private": True, "visibility": "private"}
    forge = FakeForge({FIRST: json_response([public, private])})
    pages = listing(make_client, forge, "github", "https://github.com", "list_owner", "acme")
    assert [r.full_path for r in pages[0].records] == ["spryker-eco/computop-api"]


def test_a_next_link_back_to_a_read_page_is_a_loop(make_client, forge_api) -> None:
    a, b, _ = github_items(forge_api)
    forge = FakeForge(
        {
            FIRST: json_response([a], headers={"link": f'<{PAGE2}>; rel="next"'}),
            PAGE2: json_response([b], headers={"link": f'<{FIRST}>; rel="next"'}),
        }
    )
    pages: list[Page] = []

    async def go():
        async with make_client(forge) as client:
            adapter = get_adapter("github", client, "https://github.com")
            async for page in adapter.list_owner("acme"):
                pages.append(page)

    with pytest.raises(PaginationLoop, match="leads back"):
        asyncio.run(go())
    # The pages read before the loop was seen were handed over: nothing is lost.
    assert len(pages) == 2


def test_the_same_page_under_another_url_is_a_loop(make_client, forge_api) -> None:
    a = github_items(forge_api)[0]
    forge = FakeForge(
        {
            FIRST: json_response([a], headers={"link": f'<{PAGE2}>; rel="next"'}),
            PAGE2: json_response([a], headers={"link": f'<{PAGE3}>; rel="next"'}),
        }
    )
    with pytest.raises(PaginationLoop, match="twice"):
        listing(make_client, forge, "github", "https://github.com", "list_owner", "acme")


def test_a_page_of_too_many_items_is_refused(make_client, forge_api) -> None:
    a = github_items(forge_api)[0]
    forge = FakeForge({FIRST: json_response([a] * 1001)})
    with pytest.raises(BadResponse, match="1001 items"):
        listing(make_client, forge, "github", "https://github.com", "list_owner", "acme")


def test_a_malformed_item_is_a_bad_response_naming_the_page(make_client, forge_api) -> None:
    a = github_items(forge_api)[0]
    forge = FakeForge({FIRST: json_response([a, {"id": 2}])})
    with pytest.raises(BadResponse, match=r"item 1 .*full_name") as caught:
        listing(make_client, forge, "github", "https://github.com", "list_owner", "acme")
    assert FIRST in str(caught.value)


def test_an_html_page_in_a_listing_is_a_bad_response_after_retries(make_client, sleeper) -> None:
    html = httpx.Response(200, headers={"content-type": "text/html"}, content=b"<html>Sorry</html>")
    forge = FakeForge({FIRST: html})
    with pytest.raises(BadResponse, match="HTML"):
        listing(make_client, forge, "github", "https://github.com", "list_owner", "acme")
    assert len(forge.requested) == 5
    assert len(sleeper.delays) == 4


def test_github_lists_a_whole_instance_by_repository_id(make_client, forge_api) -> None:
    a, b, _ = github_items(forge_api)
    since = f"{GH}/repositories?since=133818271"
    forge = FakeForge(
        {
            f"{GH}/repositories": json_response([a], headers={"link": f'<{since}>; rel="next"'}),
            since: json_response([b]),
        }
    )
    pages = listing(make_client, forge, "github", "https://github.com", "list_instance")
    assert [p.next_cursor for p in pages] == [since, None]


# GitLab: offset pages announce X-Next-Page (and Link); keyset pages only Link.

GL = "https://gitlab.example.org/api/v4"
GROUP = (
    f"{GL}/groups/dinum%2Fetalab/projects?include_subgroups=true&with_shared=false"
    "&per_page=100&order_by=id&sort=asc&visibility=public"
)
KEYSET = f"{GL}/projects?pagination=keyset&order_by=id&sort=asc&per_page=100&visibility=public"


def gitlab_offset_headers(page: int, pages: int, per_page: int, total: int) -> dict[str, str]:
    return {
        "x-page": str(page),
        "x-per-page": str(per_page),
        "x-total": str(total),
        "x-total-pages": str(pages),
        "x-next-page": str(page + 1) if page < pages else "",
        "x-prev-page": str(page - 1) if page > 1 else "",
    }


def test_it_follows_gitlab_x_next_page_for_a_group(make_client, forge_api) -> None:
    items = read_json(forge_api / "gitlab/api_response_page1.json")
    forge = FakeForge(
        {
            GROUP: json_response(items[:5], headers=gitlab_offset_headers(1, 2, 5, 10)),
            GROUP + "&page=2": json_response(items[5:], headers=gitlab_offset_headers(2, 2, 5, 10)),
        }
    )
    pages = listing(
        make_client, forge, "gitlab", "https://gitlab.example.org", "list_owner", "dinum/etalab"
    )
    assert forge.requested == [GROUP, GROUP + "&page=2"]
    assert [len(p.records) for p in pages] == [5, 5]
    assert pages[-1].next_cursor is None
    assert pages[1].records[0].native_id == "1702"


def test_it_follows_gitlab_keyset_links_for_a_whole_instance(make_client, forge_api) -> None:
    items = read_json(forge_api / "gitlab/api_response_page1.json")
    after = KEYSET.replace("pagination=keyset", "id_after=1702&pagination=keyset")
    forge = FakeForge(
        {
            KEYSET: json_response(items[:6], headers={"link": f'<{after}>; rel="next"'}),
            after: json_response(items[6:]),
        }
    )
    pages = listing(make_client, forge, "gitlab", "https://gitlab.example.org", "list_instance")
    assert [p.next_cursor for p in pages] == [after, None]
    assert sum(len(p.records) for p in pages) == 10


def test_it_goes_on_after_the_last_id_when_a_keyset_link_is_lost(make_client, forge_api) -> None:
    item = read_json(forge_api / "gitlab/api_response_page1.json")[0]
    full = [{**item, "id": n, "path_with_namespace": f"g/p{n}"} for n in range(1, 101)]
    forge = FakeForge(
        {
            KEYSET: json_response(full),
            KEYSET + "&id_after=100": json_response(
                [{**item, "id": 101, "path_with_namespace": "g/p101"}]
            ),
        }
    )
    pages = listing(make_client, forge, "gitlab", "https://gitlab.example.org", "list_instance")
    assert forge.requested == [KEYSET, KEYSET + "&id_after=100"]
    assert sum(len(p.records) for p in pages) == 101


def test_gitlab_lists_what_changed_since_a_moment(make_client, forge_api) -> None:
    items = read_json(forge_api / "gitlab/api_response_page1.json")
    url = KEYSET + "&last_activity_after=2018-01-01T00%3A00%3A00Z"
    forge = FakeForge({url: json_response(items[1:2])})
    since = datetime(2018, 1, 1, tzinfo=UTC)
    pages = listing(
        make_client, forge, "gitlab", "https://gitlab.example.org", "list_updated_since", since
    )
    assert forge.requested == [url]
    assert pages[0].records[0].full_path == "technomancy/leiningen"


def test_a_private_gitlab_group_raises_a_clear_error(make_client) -> None:
    forge = FakeForge({GROUP: json_response({"message": "403 Forbidden"}, 403)})
    with pytest.raises(Forbidden, match="dinum%2Fetalab"):
        listing(
            make_client, forge, "gitlab", "https://gitlab.example.org", "list_owner", "dinum/etalab"
        )


# Gitea and Gogs: pages capped by the forge; Gitea sends Link, Gogs may not.

GITEA_SEARCH = "https://demo.gitea.com/api/v1/repos/search?limit=50&page=1&private=false"


def test_it_follows_gitea_search_links(make_client, forge_api) -> None:
    first = read_json(forge_api / "gitea/repos_page1")
    second = read_json(forge_api / "gitea/repos_page2")
    url = GITEA_SEARCH + "&sort=id&order=asc"
    page2 = first["links"]["next"]
    forge = FakeForge(
        {
            url: json_response(
                {"ok": True, "data": first["data"]},
                headers={
                    "link": f'<{page2}>; rel="next", <{first["links"]["last"]}>; rel="last"',
                    "x-total-count": "6846",
                },
            ),
            page2: json_response(
                {"ok": True, "data": second["data"]},
                headers={"link": f'<{url}>; rel="first", <{url}>; rel="prev"'},
            ),
        }
    )
    pages = listing(make_client, forge, "gitea", "https://demo.gitea.com", "list_instance")
    assert [p.next_cursor for p in pages] == [page2, None]
    assert [r.native_id for p in pages for r in p.records] == [
        "5017",
        "5030",
        "5034",
        "5035",
        "5045",
        "5046",
    ]


def gogs_routes(forge_api: Path, last_page_size: int) -> dict[str, httpx.Response]:
    base = "https://try.gogs.io/api/v1/repos/search?q=_&limit=50&page="
    routes = {}
    for n in range(1, 5):
        data = read_json(forge_api / f"gogs/repos_page{n}")["data"]
        if n == 4:
            data = data[:last_page_size]
        routes[f"{base}{n}"] = json_response({"ok": True, "data": data})
    routes[f"{base}5"] = json_response({"ok": True, "data": []})
    return routes


def test_gogs_pages_end_on_a_short_page(make_client, forge_api) -> None:
    forge = FakeForge(gogs_routes(forge_api, last_page_size=2))
    pages = listing(make_client, forge, "gogs", "https://try.gogs.io", "list_instance")
    # The forge gave 3 where 50 were asked: 3 is its page size, and 2 ends the listing.
    assert len(forge.requested) == 4
    assert sum(len(p.records) for p in pages) == 11


def test_gogs_pages_end_on_an_empty_page(make_client, forge_api) -> None:
    forge = FakeForge(gogs_routes(forge_api, last_page_size=3))
    pages = listing(make_client, forge, "gogs", "https://try.gogs.io", "list_instance")
    assert len(forge.requested) == 5
    assert pages[-1].records == []
    assert [r.native_id for r in pages[0].records] == ["190", "258", "334"]


def test_gitea_stops_at_the_total_count_without_a_link(make_client, forge_api) -> None:
    data = read_json(forge_api / "gitea/repos_page1")["data"]
    org = "https://demo.gitea.com/api/v1/orgs/acme/repos?limit=50&page="
    forge = FakeForge(
        {
            org + "1": json_response(data, headers={"x-total-count": "6"}),
            org + "2": json_response(
                read_json(forge_api / "gitea/repos_page2")["data"],
                headers={"x-total-count": "6"},
            ),
        }
    )
    pages = listing(make_client, forge, "forgejo", "https://demo.gitea.com", "list_owner", "acme")
    assert len(forge.requested) == 2
    assert sum(len(p.records) for p in pages) == 6


def test_gitea_lists_recently_updated_newest_first_and_stops(make_client, forge_api) -> None:
    data = read_json(forge_api / "gitea/repos_page2")["data"]
    newest_first = sorted(data, key=lambda item: item["updated_at"], reverse=True)
    url = GITEA_SEARCH + "&sort=updated&order=desc"
    forge = FakeForge(
        {url: json_response({"ok": True, "data": newest_first}, headers={"link": "<x>; rel=next"})}
    )
    since = datetime(2020, 1, 1, tzinfo=UTC)
    pages = listing(
        make_client, forge, "gitea", "https://demo.gitea.com", "list_updated_since", since
    )
    assert [r.full_path for r in pages[0].records] == ["ulm0/mux"]
    # An older repository was met: no need to read further.
    assert pages[0].next_cursor is None


def test_gogs_lists_an_owner_in_one_unpaged_answer(make_client, forge_api) -> None:
    data = read_json(forge_api / "gogs/repos_page1")["data"]
    forge = FakeForge({"https://try.gogs.io/api/v1/orgs/carwyn/repos": json_response(data)})
    pages = listing(make_client, forge, "gogs", "https://try.gogs.io", "list_owner", "carwyn")
    assert len(pages) == 1 and pages[0].next_cursor is None
    assert len(pages[0].records) == 3


def test_gogs_cannot_list_recent_updates(make_client) -> None:
    with pytest.raises(NotSupported, match="Gogs"):
        listing(
            make_client,
            FakeForge(),
            "gogs",
            "https://try.gogs.io",
            "list_updated_since",
            datetime(2020, 1, 1, tzinfo=UTC),
        )


# Bitbucket: Cloud puts the next URL in the body, Server a start offset.


def test_it_follows_bitbucket_cloud_next_urls(make_client, forge_api) -> None:
    first = read_json(forge_api / "bitbucket-cloud/bb_api_repositories_page1.json")
    second = read_json(forge_api / "bitbucket-cloud/bb_api_repositories_page2.json")
    start = "https://api.bitbucket.org/2.0/repositories?pagelen=100"
    forge = FakeForge({start: json_response(first), first["next"]: json_response(second)})
    pages = listing(make_client, forge, "bitbucket", "https://bitbucket.org", "list_instance")
    assert forge.requested == [start, first["next"]]
    assert [p.next_cursor for p in pages] == [first["next"], None]
    assert len({r.full_path for p in pages for r in p.records}) == 20


def bitbucket_server_item(n: int, public: bool = True) -> dict:
    return {
        "slug": f"repo-{n}",
        "id": n,
        "name": f"Repo {n}",
        "public": public,
        "project": {"key": "SIG", "public": False},
        "links": {"self": [{"href": f"https://bb.gouv.example/projects/SIG/repos/repo-{n}"}]},
    }


def test_it_follows_bitbucket_server_start_offsets(make_client) -> None:
    api = "https://bb.gouv.example/rest/api/1.0"
    first = f"{api}/projects/SIG/repos?limit=100"
    forge = FakeForge(
        {
            first: json_response(
                {
                    "values": [bitbucket_server_item(1), bitbucket_server_item(2, public=False)],
                    "isLastPage": False,
                    "nextPageStart": 2,
                    "start": 0,
                    "size": 2,
                    "limit": 2,
                }
            ),
            first + "&start=2": json_response(
                {"values": [bitbucket_server_item(3)], "isLastPage": True, "start": 2, "size": 1}
            ),
        }
    )
    pages = listing(make_client, forge, "bitbucket", "https://bb.gouv.example", "list_owner", "SIG")
    assert forge.requested == [first, first + "&start=2"]
    # The private repository of a private project stays out of a public index.
    assert [r.full_path for p in pages for r in p.records] == ["SIG/repo-1", "SIG/repo-3"]


# SourceHut: GraphQL cursors, with a token only.


def test_it_follows_sourcehut_cursors_with_a_token(make_client) -> None:
    def repo(n: int, visibility: str = "PUBLIC") -> dict:
        return {
            "id": n,
            "name": f"r{n}",
            "description": None,
            "visibility": visibility,
            "created": "2020-01-01T00:00:00Z",
            "updated": "2021-01-01T00:00:00Z",
            "owner": {"canonicalName": "~ada"},
            "HEAD": {"name": "refs/heads/main"},
        }

    answers = {
        None: {"results": [repo(1), repo(2, "UNLISTED")], "cursor": "abc"},
        "abc": {"results": [repo(3)], "cursor": None},
    }
    asked: list[dict] = []

    def graphql(request: httpx.Request) -> httpx.Response:
        body = __import__("json").loads(request.content)
        asked.append(body["variables"])
        listing_ = answers[body["variables"]["cursor"]]
        return json_response({"data": {"user": {"repositories": copy.deepcopy(listing_)}}})

    forge = FakeForge({"https://git.sr.ht/query": graphql})
    pages = listing(
        make_client,
        forge,
        "sourcehut",
        "https://git.sr.ht",
        "list_owner",
        "~ada",
        client={"tokens": {"git.sr.ht": ["pat"]}},
    )
    assert [v["cursor"] for v in asked] == [None, "abc"]
    assert [v["username"] for v in asked] == ["ada", "ada"]
    assert [r.full_path for p in pages for r in p.records] == ["~ada/r1", "~ada/r3"]
    assert forge.requests[0].headers["authorization"] == "Bearer pat"


def test_sourcehut_says_a_token_is_needed(make_client) -> None:
    with pytest.raises(NotSupported, match="needs a token"):
        listing(make_client, FakeForge(), "sourcehut", "https://git.sr.ht", "list_owner", "~ada")
