"""GitHub's GraphQL subset: the adapters' documents are answered, anything else refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from communs.emulator import EmulatorServer, Settings, World
from communs.emulator.content import plan_for
from communs.emulator.graphql import GraphQLError, parse
from communs.forges.github import record_from_github_graphql
from communs.forges.github_graphql import (
    OwnerPage,
    build_enrich_query,
    build_owners_query,
    build_probe_query,
    is_rate_limited,
    parse_enrich_response,
    parse_owners_response,
    parse_probe_response,
)

TOKEN = {"Authorization": "Bearer a-token"}


def ask(http: httpx.Client, server: EmulatorServer, query: str, **variables: Any) -> Any:
    answer = http.post(
        f"{server.url}/github/graphql", json={"query": query, "variables": variables}, headers=TOKEN
    )
    assert answer.status_code == 200
    return answer.json()


def test_it_answers_the_enrichment_query_of_the_adapter(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    forge = world.forges["github"]
    records = [forge.record(i) for i in range(0, forge.count, max(1, forge.count // 12))]
    paths = [r.full_path for r in records] + ["nobody/nothing"]
    query, variables = build_enrich_query(paths)
    body = ask(http, server, query, **variables)
    extras = parse_enrich_response(body, paths)
    assert extras["nobody/nothing"] is None
    assert body["errors"][0]["type"] == "NOT_FOUND" and body["errors"][0]["path"] == [
        f"r{len(records)}"
    ]
    for record in records:
        found = extras[record.full_path]
        assert found is not None
        plan = plan_for(record)
        roots = [f"{name}/" if kind == "tree" else name for name, kind in plan.root_entries()]
        assert found.root_files == roots
        assert found.languages == record.languages
        assert list(found.languages) == sorted(found.languages, key=lambda k: -record.languages[k])
        assert found.watchers == record.watchers
        tag = plan.latest_tag
        assert (found.latest_release.tag if found.latest_release else None) == (
            tag.name if tag else None
        )
    assert body["data"]["rateLimit"]["cost"] == 1
    again = ask(http, server, query, **variables)["data"]["rateLimit"]
    assert again["remaining"] == body["data"]["rateLimit"]["remaining"] - 1


def test_it_pages_an_organisations_repositories_under_aliases(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    forge = world.forges["github"]
    orgs = sorted(
        (o for o in forge.owners.values() if o.kind == "org"), key=lambda o: -len(o.positions)
    )[:2]
    query = """
    query($a: String!, $b: String!, $after: String) {
      first: organization(login: $a) { ...Page }
      second: organization(login: $b) { login }
    }
    fragment Page on Organization {
      login
      repositories(first: 3, after: $after, orderBy: {field: NAME, direction: ASC}) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { nameWithOwner databaseId isFork }
      }
    }
    """
    seen: list[str] = []
    after = None
    while True:
        data = ask(http, server, query, a=orgs[0].path, b=orgs[1].path, after=after)["data"]
        assert data["second"] == {"login": orgs[1].path}
        connection = data["first"]["repositories"]
        assert connection["totalCount"] == len(orgs[0].positions)
        seen += [node["nameWithOwner"] for node in connection["nodes"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == sorted(
        (forge.record(i).full_path for i in forge.owner_listing(orgs[0])), key=str.lower
    )


def test_it_answers_trees_and_blobs_of_a_repository(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    record = world.forges["github"].record(0)
    owner, name = record.full_path.split("/")
    query = """{ repository(owner: "%s", name: "%s") {
      readme: object(expression: "HEAD:README.md") { ... on Blob { text } }
      root: object(expression: "HEAD:") { __typename ... on Tree { entries { name type } } }
      licenseInfo { spdxId } defaultBranchRef { name } owner { __typename login }
    } }""" % (owner, name)  # noqa: UP031 - braces everywhere: % keeps the query readable
    data = ask(http, server, query)["data"]["repository"]
    plan = plan_for(record)
    assert data["readme"]["text"] == plan.files["README.md"]
    assert data["root"]["__typename"] == "Tree"
    assert [(e["name"], e["type"]) for e in data["root"]["entries"]] == plan.root_entries()
    assert data["licenseInfo"] == ({"spdxId": record.license} if record.license else None)
    assert data["defaultBranchRef"]["name"] == record.default_branch
    assert data["owner"]["login"] == owner


@pytest.mark.parametrize(
    ("query", "code"),
    [
        (
            'mutation { addStar(input: {starrableId: "x"}) { clientMutationId } }',
            "operationNotSupported",
        ),
        ('{ repository(owner: "a", name: "b") { secrets } }', "undefinedField"),
        ('{ repository(owner: "a", name: "b", colour: RED) { name } }', "argumentNotAccepted"),
        ('{ repository(owner: "a") { name } }', "missingRequiredArguments"),
        (
            '{ repository(owner: "a", name: "b") @include(if: true) { name } }',
            "directiveNotSupported",
        ),
        ('{ repository(owner: "a", name: "b") { owner } }', "selectionMismatch"),
        ('{ repository(owner: "a", name: "b") { name { x } } }', "selectionMismatch"),
        ('{ repository(owner: $o, name: "b") { name } }', "variableNotDefined"),
        (
            '{ organization(login: "a") { repositories(first: 101) { totalCount } } }',
            "argumentLimit",
        ),
        ('{ repository(owner: "a", name: "b") { ...Nope } }', "useAndDefineFragment"),
        # A tree's entries need "... on Tree": object() answers the GitObject interface.
        (
            '{ repository(owner: "a", name: "b") { object(expression: "HEAD:") { entries } } }',
            "undefinedField",
        ),
    ],
)
def test_it_refuses_what_is_outside_the_subset(
    server: EmulatorServer, http: httpx.Client, query: str, code: str
) -> None:
    body = ask(http, server, query)
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == code
    assert body["errors"][0]["message"]


def test_it_refuses_broken_documents() -> None:
    for source in (
        "{ repository(",
        "{ }",
        "query { a } }",
        '{ a(b: "unterminated) }',
        "{ a(b: 1.) }",
    ):
        with pytest.raises(GraphQLError):
            parse(source)
    document = parse('query Q($n: Int = 3) { a: b(c: [1, 2.5, "x", ENUM, null, {d: true}]) { e } }')
    field = document.operations[0].selections[0]
    assert field.alias == "a" and field.arguments["c"][2] == "x"


def test_it_needs_a_token_and_a_budget(
    serve: Callable[..., EmulatorServer], world: World, http: httpx.Client
) -> None:
    server = serve(world, Settings(rate_limit=2))
    query = {"query": "{ rateLimit { cost remaining limit resetAt } }"}
    anonymous = http.post(f"{server.url}/github/graphql", json=query)
    assert anonymous.status_code == 401
    assert "authenticated" in anonymous.json()["message"]
    answers = [
        http.post(f"{server.url}/github/graphql", json=query, headers=TOKEN) for _ in range(3)
    ]
    assert [a.json()["data"]["rateLimit"]["remaining"] for a in answers[:2]] == [1, 0]
    assert answers[1].headers["x-ratelimit-resource"] == "graphql"
    assert answers[2].status_code == 200 and is_rate_limited(answers[2].json())
    # REST keeps its own budget.
    record = world.forges["github"].record(0)
    assert (
        http.get(f"{server.url}/github/repos/{record.full_path}", headers=TOKEN).status_code == 200
    )


def test_it_answers_the_batched_listing_and_the_probe_of_the_adapter(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    forge = world.forges["github"]
    owners = sorted(o.path for o in forge.owners.values() if o.organisation)[:5]
    query, variables = build_owners_query([(login, None) for login in owners], per_owner=3)
    body = ask(http, server, query, **variables)
    assert "errors" not in body
    pages = parse_owners_response(body, owners, record_from_github_graphql, 1000)
    probe, probe_variables = build_probe_query(owners)
    probes = parse_probe_response(ask(http, server, probe, **probe_variables), owners)
    for login in owners:
        page = pages[login]
        assert isinstance(page, OwnerPage)
        listing = forge.owner_listing(forge.owners[login.lower()])
        truth = sorted(listing, key=lambda i: (forge.record(i).created_at, i))
        assert page.total == len(listing)
        assert [r.native_id for r in page.records] == [forge.record(i).native_id for i in truth[:3]]
        assert (page.end_cursor is not None) == (len(listing) > 3)
        # The probe sums up the owner as the first page of the listing did.
        assert probes[login] == page.fingerprint is not None
        record = page.records[0]
        assert record.open_issues == forge.record(truth[0]).open_issues
