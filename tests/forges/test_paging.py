"""Link headers and query strings, pure."""

from __future__ import annotations

from communs.forges.paging import host_of, next_link, parse_link_header, query_value, with_query

from .conftest import read_json


def test_it_reads_the_recorded_github_link_headers(forge_api) -> None:
    fixture = read_json(forge_api / "github/paginate-issues/normalized-fixture.json")
    first, middle, last = fixture[0], fixture[2], fixture[-1]
    assert next_link(first["headers"]) == (
        "https://api.github.com/repositories/1000/issues?per_page=3&page=2"
    )
    links = parse_link_header(middle["headers"]["link"])
    assert set(links) == {"prev", "next", "last", "first"}
    assert links["next"].endswith("page=4")
    assert next_link(last["headers"]) is None


def test_it_resolves_relative_links_and_multiple_relations() -> None:
    links = parse_link_header('</api/v1/repos/search?page=3>; rel="next last"', "https://f.org/x")
    assert links == {
        "next": "https://f.org/api/v1/repos/search?page=3",
        "last": "https://f.org/api/v1/repos/search?page=3",
    }
    assert parse_link_header("") == {}
    assert parse_link_header("<https://a/b>; title=x") == {}


def test_it_sets_and_removes_query_parameters() -> None:
    url = "https://gitlab.example/api/v4/projects?pagination=keyset&per_page=100&id_after=5"
    changed = with_query(url, id_after=9, sort=None)
    assert query_value(changed, "id_after") == "9"
    assert query_value(changed, "pagination") == "keyset"
    assert query_value(with_query(url, id_after=None), "id_after") is None


def test_the_host_key_keeps_the_port_and_drops_credentials() -> None:
    assert host_of("http://user:pw@127.0.0.1:8123/gitlab/api/v4") == "127.0.0.1:8123"
    assert host_of("https://API.GitHub.com/repos") == "api.github.com"
