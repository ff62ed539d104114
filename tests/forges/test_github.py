"""GitHub specifics: renames, archives, and GraphQL enrichment in batches."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from communs.forges.errors import BadResponse, NotSupported
from communs.forges.github import GitHub, record_from_github_graphql
from communs.forges.github_graphql import (
    OwnerMissing,
    OwnerPage,
    Release,
    build_enrich_query,
    build_owners_query,
    extras_from_node,
    parse_enrich_response,
    parse_owners_response,
)
from communs.forges.records import RepositoryRecord

from .conftest import FakeForge, interaction_url, json_response, read_json, recorded_response

API = "https://api.github.com"


def github(client) -> GitHub:
    return GitHub(client, "https://github.com", API)


def test_it_follows_a_rename_and_reports_the_new_path(make_client, forge_api: Path) -> None:
    fixture = read_json(forge_api / "github/rename-repository/normalized-fixture.json")
    forge = FakeForge(
        {interaction_url(i): recorded_response(i) for i in fixture if i["method"] == "get"}
    )
    client = make_client(forge)

    async def go():
        async with client:
            return await github(client).fetch_repository("octokit-fixture-org/rename-repository")

    record = asyncio.run(go())
    assert record is not None
    assert record.full_path == "octokit-fixture-org/rename-repository-newname"
    # The identity that survives the rename is the forge's id.
    assert record.native_id == "1000"
    assert forge.requested[-1] == f"{API}/repositories/1000"
    assert client.stats.of("api.github.com", "repo").redirects == 1


def test_a_repository_gone_from_github_is_none(make_client) -> None:
    client = make_client(FakeForge())

    async def go():
        async with client:
            return await github(client).fetch_repository("gitlky/wx_article")

    assert asyncio.run(go()) is None
    assert client.stats.of("api.github.com", "repo").not_found == 1


def test_archives_come_from_the_web_host_at_no_api_cost() -> None:
    adapter = GitHub(None, "https://github.com", API)  # type: ignore[arg-type]
    record = RepositoryRecord("etalab/data.gouv.fr", "u", default_branch="main")
    assert adapter.archive_url(record) == (
        "https://github.com/etalab/data.gouv.fr/archive/refs/heads/main.tar.gz"
    )
    assert adapter.archive_url(RepositoryRecord("a/b", "u")).endswith("/a/b/archive/HEAD.tar.gz")


def test_it_finds_graphql_on_github_com_and_enterprise() -> None:
    assert GitHub(None, "https://github.com", API).graphql_url == f"{API}/graphql"  # type: ignore[arg-type]
    enterprise = GitHub(None, "https://git.gouv.example", "https://git.gouv.example/api/v3")  # type: ignore[arg-type]
    assert enterprise.graphql_url == "https://git.gouv.example/api/graphql"


def test_the_enrichment_query_aliases_each_repository_and_passes_names_as_variables() -> None:
    query, variables = build_enrich_query(['etalab/"quoted"', "numerique-gouv/mon-projet"])
    assert "r0: repository(owner: $o0, name: $n0)" in query
    assert "r1: repository(owner: $o1, name: $n1)" in query
    assert "fragment Extras on Repository" in query
    # Names never enter the query text, so no name can break it.
    assert '"quoted"' not in query
    assert variables == {
        "o0": "etalab",
        "n0": '"quoted"',
        "o1": "numerique-gouv",
        "n1": "mon-projet",
    }
    with pytest.raises(ValueError, match="owner/name"):
        build_enrich_query(["no-slash"])


NODE = {
    "nameWithOwner": "etalab/a",
    "databaseId": 1,
    "watchers": {"totalCount": 7},
    "languages": {
        "edges": [
            {"size": 12345, "node": {"name": "Python"}},
            {"size": 678, "node": {"name": "HTML"}},
        ]
    },
    "latestRelease": {
        "tagName": "v1.2.0",
        "name": "1.2.0",
        "publishedAt": "2024-03-01T10:00:00Z",
        "url": "https://github.com/etalab/a/releases/tag/v1.2.0",
    },
    "object": {
        "entries": [
            {"name": "README.md", "type": "blob"},
            {"name": "publiccode.yml", "type": "blob"},
            {"name": "docs", "type": "tree"},
        ]
    },
}


def test_it_reads_root_files_languages_and_release_from_a_node() -> None:
    extras = extras_from_node(NODE)
    assert extras.root_files == ["README.md", "publiccode.yml", "docs/"]
    assert extras.languages == {"Python": 12345, "HTML": 678}
    assert extras.latest_release == Release(
        "v1.2.0",
        "1.2.0",
        datetime(2024, 3, 1, 10, tzinfo=UTC),
        "https://github.com/etalab/a/releases/tag/v1.2.0",
    )
    assert extras.watchers == 7


def test_an_empty_repository_has_no_root_files_nor_release() -> None:
    extras = extras_from_node({**NODE, "object": None, "latestRelease": None, "languages": None})
    assert (extras.root_files, extras.languages, extras.latest_release) == ([], {}, None)


def test_a_repository_github_does_not_know_maps_to_none() -> None:
    answer = {
        "data": {"rateLimit": {"cost": 1}, "r0": NODE, "r1": None},
        "errors": [{"type": "NOT_FOUND", "path": ["r1"], "message": "Could not resolve"}],
    }
    result = parse_enrich_response(answer, ["etalab/a", "etalab/gone"])
    assert result["etalab/gone"] is None
    assert result["etalab/a"].languages["Python"] == 12345
    with pytest.raises(ValueError, match="Bad credentials"):
        parse_enrich_response({"errors": [{"message": "Bad credentials"}]}, ["etalab/a"])


def graphql_forge(batches: list[int]) -> FakeForge:
    """A GraphQL endpoint answering every alias asked, recording each batch size."""

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        aliases = [f"r{i}" for i in range(len(body["variables"]) // 2)]
        batches.append(len(aliases))
        return json_response({"data": {alias: NODE for alias in aliases}})

    return FakeForge({f"{API}/graphql": answer})


def test_it_enriches_in_batches_of_fifty_with_a_token(make_client) -> None:
    batches: list[int] = []
    forge = graphql_forge(batches)
    client = make_client(forge, tokens={"api.github.com": ["tok"]})
    records = [RepositoryRecord(f"etalab/r{n}", "u") for n in range(120)]

    async def go():
        async with client:
            return await github(client).enrich(records)

    result = asyncio.run(go())
    assert batches == [50, 50, 20]
    assert len(result) == 120
    assert result["etalab/r119"].root_files[0] == "README.md"
    assert forge.requests[0].headers["authorization"] == "Bearer tok"
    assert client.stats.of("api.github.com", "graphql").requests == 3


def test_it_asks_again_when_graphql_says_the_budget_is_spent(make_client, clock, sleeper) -> None:
    spent = {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(int(clock.now) + 30),
        "x-ratelimit-resource": "graphql",
    }
    answers = [
        json_response({"errors": [{"type": "RATE_LIMITED", "message": "limit"}]}, headers=spent),
        json_response({"data": {"r0": NODE}}),
    ]
    forge = FakeForge({f"{API}/graphql": answers})
    client = make_client(forge, tokens={"api.github.com": ["tok"]})

    async def go():
        async with client:
            return await github(client).enrich([RepositoryRecord("etalab/a", "u")])

    assert asyncio.run(go())["etalab/a"].watchers == 7
    assert sleeper.delays == [31.0]


def test_a_graphql_answer_without_data_is_a_bad_response(make_client) -> None:
    forge = FakeForge({f"{API}/graphql": json_response({"errors": [{"message": "Parse error"}]})})
    client = make_client(forge, tokens={"api.github.com": ["tok"]})

    async def go():
        async with client:
            await github(client).enrich([RepositoryRecord("etalab/a", "u")])

    with pytest.raises(BadResponse, match="Parse error"):
        asyncio.run(go())


def test_enrichment_needs_a_token(make_client) -> None:
    client = make_client(FakeForge())

    async def go():
        async with client:
            await github(client).enrich([RepositoryRecord("etalab/a", "u")])

    with pytest.raises(NotSupported, match="needs a token"):
        asyncio.run(go())


def _node(number: int, owner: str = "etalab") -> dict[str, object]:
    return {
        "databaseId": number,
        "nameWithOwner": f"{owner}/r{number}",
        "name": f"r{number}",
        "url": f"https://github.com/{owner}/r{number}",
        "isFork": False,
        "isPrivate": False,
        "issues": {"totalCount": 2},
        "pullRequests": {"totalCount": 1},
        "repositoryTopics": {"nodes": [{"topic": {"name": "etat"}}]},
        "languages": {"edges": [{"size": 10, "node": {"name": "Python"}}]},
    }


def test_the_owners_query_passes_logins_and_cursors_as_variables() -> None:
    query, variables = build_owners_query([("etalab", None), ('x") { evil }', "Y3Vyc29y")])
    assert variables == {"l0": "etalab", "c0": None, "l1": 'x") { evil }', "c1": "Y3Vyc29y"}
    assert "evil" not in query
    # Only a first page carries the probe fields (what the next harvest compares).
    first, follow = query.split("o1:")
    assert "pushed: repositories" in first and "pushed: repositories" not in follow


def test_a_batched_listing_gives_each_owner_its_page_or_why_not() -> None:
    logins = ["etalab", "gone", "huge", "cursorless"]
    answer = {
        "data": {
            "o0": {
                "repositories": {
                    "totalCount": 3,
                    "pageInfo": {"hasNextPage": True, "endCursor": "c2"},
                    "nodes": [_node(1), _node(2), {**_node(3), "isPrivate": True}],
                },
                "updated": {"totalCount": 3, "nodes": []},
                "pushed": {"totalCount": 3, "nodes": []},
            },
            "o1": None,
            "o2": {"repositories": {"nodes": [_node(n) for n in range(1001)]}},
            "o3": {"repositories": {"pageInfo": {"hasNextPage": True}, "nodes": []}},
        },
        "errors": [{"type": "NOT_FOUND", "path": ["o1"], "message": "Could not resolve"}],
    }
    pages = parse_owners_response(answer, logins, record_from_github_graphql, 1000)
    page = pages["etalab"]
    assert isinstance(page, OwnerPage)
    assert [r.full_path for r in page.records] == ["etalab/r1", "etalab/r2"]
    assert page.end_cursor == "c2" and page.total == 3 and page.fingerprint == "3|3"
    # REST's open_issues_count counts pull requests too.
    assert page.records[0].open_issues == 3 and page.records[0].topics == ["etat"]
    assert page.extras["etalab/r1"].languages == {"Python": 10}
    gone, huge, cursorless = pages["gone"], pages["huge"], pages["cursorless"]
    assert isinstance(gone, OwnerMissing) and gone.gone and "Could not resolve" in str(gone)
    assert isinstance(huge, OwnerMissing) and not huge.gone and "1001" in str(huge)
    assert isinstance(cursorless, OwnerMissing) and not cursorless.gone
    with pytest.raises(ValueError, match="no data"):
        parse_owners_response({"errors": [{"message": "boom"}]}, logins, None, 1000)
