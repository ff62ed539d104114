"""GitLab's GraphQL API as the emulator serves it: namespaces and their projects, keyset
cursors, GET with ETags and 304s, GitLab's complexity and size limits."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from communs.emulator import EmulatorServer, Settings, World
from communs.emulator.world import ForgeWorld, Owner

PROJECT = (
    "fullPath name description webUrl createdAt lastActivityAt archived visibility "
    "isForked forksCount starCount openIssuesCount topics repository{rootRef}"
)


def gitlab(world: World) -> ForgeWorld:
    return world.forges["gitlab"]


def url(server: EmulatorServer) -> str:
    return f"{server.url}/gitlab/api/graphql"


def top_groups(world: World) -> list[Owner]:
    return [o for p, o in gitlab(world).owners.items() if "/" not in p and o.kind == "group"]


def listing_query(count: int, first: int = 100) -> str:
    aliases = " ".join(
        f"g{i}:namespace(fullPath:$p{i}){{projects(includeSubgroups:true,first:{first},"
        f"after:$c{i}){{pageInfo{{hasNextPage endCursor}}nodes{{{PROJECT}}}}}}}"
        for i in range(count)
    )
    declared = ",".join(f"$p{i}:ID!,$c{i}:String" for i in range(count))
    return f"query({declared}){{{aliases}}}"


def get(
    http: httpx.Client, server: EmulatorServer, query: str, variables: dict, **headers: str
) -> httpx.Response:
    params = {"query": query, "variables": json.dumps(variables)}
    return http.get(url(server), params=params, headers=headers)


def test_a_namespace_lists_every_project_of_its_groups_page_after_page(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    forge = gitlab(world)
    group = max(top_groups(world), key=lambda o: len(forge.owner_listing(o, subgroups=True)))
    expected = {forge.record(i).full_path for i in forge.owner_listing(group, subgroups=True)}
    assert len(expected) > 10
    seen: list[str] = []
    cursor = None
    while True:
        answer = get(http, server, listing_query(1, first=4), {"p0": group.path, "c0": cursor})
        connection = answer.json()["data"]["g0"]["projects"]
        seen += [node["fullPath"] for node in connection["nodes"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        cursor = connection["pageInfo"]["endCursor"]
    assert sorted(seen) == sorted(expected)


def test_projects_carry_what_the_rest_entity_says(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    group = top_groups(world)[0]
    rest = http.get(
        f"{server.url}/gitlab/api/v4/groups/{group.path}/projects",
        params={"include_subgroups": "true", "per_page": 100},
    ).json()
    answer = get(http, server, listing_query(1), {"p0": group.path, "c0": None}).json()
    nodes = {node["fullPath"]: node for node in answer["data"]["g0"]["projects"]["nodes"]}
    assert set(nodes) == {item["path_with_namespace"] for item in rest}
    for item in rest:
        node = nodes[item["path_with_namespace"]]
        assert node["webUrl"] == item["web_url"]
        assert node["starCount"] == item["star_count"]
        assert node["forksCount"] == item["forks_count"]
        assert node["topics"] == item["topics"]
        assert node["repository"]["rootRef"] == item["default_branch"]
        assert node["isForked"] == ("forked_from_project" in item)
        # GraphQL dates come to the second, REST's with milliseconds.
        assert node["lastActivityAt"].removesuffix("Z") == item["last_activity_at"][:19]


def test_a_sub_group_answers_alone_and_an_unknown_namespace_is_null(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    forge = gitlab(world)
    sub = next(o for p, o in forge.owners.items() if "/" in p and o.positions)
    query = listing_query(2).replace("includeSubgroups:true", "includeSubgroups:false")
    answer = get(http, server, query, {"p0": sub.path, "c0": None, "p1": "no-such-group"})
    body = answer.json()
    assert "errors" not in body
    assert body["data"]["g1"] is None
    listed = {node["fullPath"] for node in body["data"]["g0"]["projects"]["nodes"]}
    assert listed == {forge.record(i).full_path for i in forge.owner_listing(sub)}


def test_a_get_answer_has_an_etag_and_an_unchanged_one_is_a_304(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    variables = {"p0": top_groups(world)[0].path, "c0": None}
    first = get(http, server, listing_query(1), variables)
    etag = first.headers["etag"]
    again = get(http, server, listing_query(1), variables, **{"If-None-Match": etag})
    assert again.status_code == 304
    # A POST of the same query answers the same data, without an ETag.
    posted = http.post(url(server), json={"query": listing_query(1), "variables": variables})
    assert posted.json() == first.json() and "etag" not in posted.headers
    world.touch(1.0, seed=1)
    moved = get(http, server, listing_query(1), variables, **{"If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["etag"] != etag


def test_gitlabs_complexity_limit_depends_on_the_token(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    paths = [o.path for o in top_groups(world)[:6]]

    def ask(count: int, token: str | None = None) -> dict:
        variables = {f"p{i}": path for i, path in enumerate(paths[:count])}
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return get(http, server, listing_query(count), variables, **headers).json()

    refused = ask(5)
    assert "data" not in refused
    message = refused["errors"][0]["message"]
    assert message.startswith("Query has complexity of ") and message.endswith(
        "which exceeds max complexity of 200"
    )
    assert "data" in ask(4)
    # A token raises the limit to 250.
    assert "data" in ask(5, token="t")
    assert "exceeds max complexity of 250" in ask(6, token="t")["errors"][0]["message"]


def test_the_score_and_limit_can_be_read_and_an_administrator_may_change_the_limit(
    serve: Callable[..., EmulatorServer], world: World, http: httpx.Client
) -> None:
    server = serve(world, Settings(gitlab_max_complexity=60))
    path = top_groups(world)[0].path
    body = listing_query(1).replace("){", "){queryComplexity{score limit} ", 1)
    answer = get(http, server, body, {"p0": path}).json()
    assert answer["data"]["queryComplexity"]["limit"] == 60
    score = answer["data"]["queryComplexity"]["score"]
    # Two namespaces cost twice one (plus the three points of queryComplexity itself).
    twice = get(http, server, listing_query(2), {"p0": path, "p1": path}).json()
    assert twice["errors"][0]["message"].startswith(f"Query has complexity of {2 * (score - 3)},")


def test_unknown_fields_and_oversized_queries_are_refused(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    path = top_groups(world)[0].path
    unknown = get(
        http, server, 'query{namespace(fullPath:"x"){projects{nodes{licenseInfo}}}}', {}
    ).json()
    assert unknown == {
        "errors": [{"message": "Field 'licenseInfo' doesn't exist on type 'Project'"}]
    }
    padding = "# " + "x" * 10_000 + "\n"
    large = http.post(url(server), json={"query": padding + listing_query(1), "variables": {}})
    assert large.status_code == 422
    assert large.json() == {"errors": [{"message": "Query too large"}]}
    # A mutation is not a query: refused, whatever the method.
    mutation = get(http, server, "mutation{x}", {}).json()
    assert "data" not in mutation
    assert get(http, server, listing_query(1), {"p0": path}).status_code == 200


def test_an_instance_without_graphql_answers_404(
    serve: Callable[..., EmulatorServer], world: World, http: httpx.Client
) -> None:
    server = serve(world, Settings(gitlab_graphql=False))
    path = top_groups(world)[0].path
    assert get(http, server, listing_query(1), {"p0": path}).status_code == 404
