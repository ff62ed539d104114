"""Each forge's JSON into RepositoryRecord, on real recorded answers read in place."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from communs.forges.bitbucket import record_from_bitbucket_cloud, record_from_bitbucket_server
from communs.forges.gitea import record_from_gitea, record_from_gogs
from communs.forges.github import record_from_github
from communs.forges.gitlab import record_from_gitlab
from communs.forges.sourcehut import record_from_sourcehut

from .conftest import read_json


def test_it_maps_a_github_repository_with_its_licence_and_dates(forge_api: Path) -> None:
    item = read_json(forge_api / "github/repos/repos_spryker-eco_computop-api")
    record = record_from_github(item)
    assert record.native_id == "133818271"
    assert record.full_path == "spryker-eco/computop-api"
    assert record.owner == "spryker-eco"
    assert record.url == "https://github.com/spryker-eco/computop-api"
    assert record.license == "MIT"
    assert record.language == "PHP"
    assert record.homepage == "https://spryker.com"
    assert record.is_fork is False
    assert record.is_archived is False
    assert record.created_at == datetime(2018, 5, 17, 13, 34, 7, tzinfo=UTC)
    assert record.pushed_at == datetime(2022, 3, 18, 14, 5, 9, tzinfo=UTC)
    # GitHub's watchers_count copies the stars; the real watchers are subscribers.
    assert record.watchers == 33
    assert record.default_branch == "master"


def test_it_maps_a_large_github_repository_with_its_counts(forge_api: Path) -> None:
    record = record_from_github(read_json(forge_api / "github/perceval_github_repo.json"))
    assert record.full_path == "kubernetes/kubernetes"
    assert record.native_id == "20580498"
    assert record.stars == 48188
    assert record.forks == 16687
    assert record.open_issues == 3119
    assert record.license == "Apache-2.0"
    assert record.description == "Production-Grade Container Scheduling and Management"


def test_it_keeps_github_topics_and_leaves_a_missing_licence_empty(forge_api: Path) -> None:
    fixture = read_json(forge_api / "github/get-repository/normalized-fixture.json")
    record = record_from_github(fixture[0]["response"])
    assert record.full_path == "octokit-fixture-org/hello-world"
    assert record.topics == ["fixtures", "hello", "hello-world"]
    assert record.license == ""
    assert record.description == ""
    assert record.stars == 42


def test_it_maps_a_github_user_repository_without_description(forge_api: Path) -> None:
    record = record_from_github(read_json(forge_api / "github/repos/repos_ycms_module-main"))
    assert record.full_path == "GameCHN/module-main"
    assert record.description == ""
    assert record.homepage == ""
    assert record.license == ""


def test_it_refuses_a_github_body_that_is_not_a_repository(forge_api: Path) -> None:
    # The recorded answer for a repository that no longer exists holds only a URL.
    item = read_json(forge_api / "github/repos/repos_gitlky_wx_article")
    with pytest.raises(KeyError):
        record_from_github(item)


def test_it_maps_a_gitlab_project_with_its_group_path(forge_api: Path) -> None:
    record = record_from_gitlab(read_json(forge_api / "gitlab/project"))
    assert record.native_id == "36528"
    assert record.full_path == "fdroid/fdroiddata"
    assert record.url == "https://gitlab.com/fdroid/fdroiddata"
    assert record.name == "Data"
    assert record.stars == 295
    assert record.forks == 789
    assert record.open_issues == 93
    # A full answer (with visibility) and no forked_from_project: not a fork.
    assert record.is_fork is False
    assert record.description == "Data for the main F-Droid repository at https://f-droid.org"
    # "2017-12-12T10:32:26.906Z" kept to the second, as GitLab's GraphQL writes dates.
    assert record.pushed_at == datetime(2017, 12, 12, 10, 32, 26, tzinfo=UTC)


def test_it_maps_a_gitlab_listing_page_leaving_fork_unknown(forge_api: Path) -> None:
    items = read_json(forge_api / "gitlab/api_response_page1.json")
    records = [record_from_gitlab(item) for item in items]
    assert [r.native_id for r in records][:3] == ["143", "450", "526"]
    assert records[0].full_path == "leberwurscht/teardownwalls"
    assert records[0].stars == 1
    assert records[2].forks == 4
    # The short listing form does not say whether a project is a fork.
    assert {r.is_fork for r in records} == {None}
    # A project without a branch yet has none.
    assert records[5].default_branch == ""
    assert records[0].created_at == datetime(2012, 10, 15, 17, 26, 53, tzinfo=UTC)


def test_it_turns_a_gitlab_licence_key_into_an_spdx_id(forge_api: Path) -> None:
    item = read_json(forge_api / "gitlab/project")
    item["license"] = {"key": "apache-2.0", "name": "Apache License 2.0"}
    assert record_from_gitlab(item).license == "Apache-2.0"
    item["license"] = {"key": "other", "name": "Other"}
    assert record_from_gitlab(item).license == "NOASSERTION"


def test_it_maps_gitea_search_results_with_forks_and_mirrors(forge_api: Path) -> None:
    items = read_json(forge_api / "gitea/repos_page2")["data"]
    records = [record_from_gitea(item) for item in items]
    assert [r.native_id for r in records] == ["5035", "5045", "5046"]
    mux, negroni = records[0], records[1]
    assert mux.full_path == "ulm0/mux"
    assert mux.homepage == "http://www.gorillatoolkit.org/pkg/mux"
    assert mux.description == "A powerful URL router and dispatcher for golang."
    assert negroni.is_fork is True
    assert mux.is_fork is False
    assert mux.updated_at == datetime(2020, 9, 12, 19, 20, 56, tzinfo=UTC)
    assert negroni.url == "https://demo.gitea.com/ligh0721/negroni"


def test_it_maps_gogs_search_results(forge_api: Path) -> None:
    items = read_json(forge_api / "gogs/repos_page4")["data"]
    records = [record_from_gogs(item) for item in items]
    assert [r.full_path for r in records] == [
        "gdr/ttrss-af_nofacebook",
        "brejoc/gosgp",
        "mirdhyn/gosgp",
    ]
    assert records[1].forks == 2
    assert records[2].is_fork is True
    assert records[0].url == "https://try.gogs.io/gdr/ttrss-af_nofacebook"
    assert records[0].created_at == datetime(2015, 3, 6, 11, 39, 30, tzinfo=UTC)


def test_it_maps_bitbucket_cloud_pages_cut_to_few_fields(forge_api: Path) -> None:
    page = read_json(forge_api / "bitbucket-cloud/bb_api_repositories_page1.json")
    records = [record_from_bitbucket_cloud(item) for item in page["values"]]
    assert len(records) == 10
    assert records[0].full_path == "opensymphony/xwork"
    assert records[0].url == "https://bitbucket.org/opensymphony/xwork"
    assert records[4].full_path == "jwalton/opup"
    assert records[0].created_at == datetime(2011, 6, 6, 3, 40, 9, 505792, tzinfo=UTC)
    # The recorded pages were asked without uuid nor parent: both stay unknown.
    assert records[0].native_id is None
    assert records[0].is_fork is None


def test_it_maps_a_full_bitbucket_cloud_repository() -> None:
    item = {
        "uuid": "{21fa9bf8-b5b2-4891-97ed-d590bad0f871}",
        "full_name": "atlassian/python-bitbucket",
        "slug": "python-bitbucket",
        "is_private": False,
        "parent": None,
        "language": "python",
        "website": "",
        "mainbranch": {"type": "branch", "name": "master"},
        "links": {"html": {"href": "https://bitbucket.org/atlassian/python-bitbucket"}},
        "created_on": "2014-10-09T11:01:56.389283+00:00",
        "updated_on": "2021-01-08T20:00:37.146044+00:00",
    }
    record = record_from_bitbucket_cloud(item)
    assert record.native_id == "{21fa9bf8-b5b2-4891-97ed-d590bad0f871}"
    assert record.is_fork is False
    assert record.default_branch == "master"
    assert record.language == "python"


def test_it_maps_a_bitbucket_server_repository() -> None:
    item = {
        "slug": "my-repo",
        "id": 1,
        "name": "My repo",
        "project": {"key": "PRJ", "id": 1, "public": True},
        "public": False,
        "archived": True,
        "links": {"self": [{"href": "https://bb.example/projects/PRJ/repos/my-repo/browse"}]},
    }
    record = record_from_bitbucket_server(item)
    assert record.full_path == "PRJ/my-repo"
    assert record.native_id == "1"
    assert record.url == "https://bb.example/projects/PRJ/repos/my-repo/browse"
    assert record.is_archived is True
    assert record.is_fork is False


def test_it_maps_a_sourcehut_repository() -> None:
    item = {
        "id": 37,
        "name": "git.sr.ht",
        "description": "Git hosting",
        "visibility": "PUBLIC",
        "created": "2018-04-01T12:00:00.123456Z",
        "updated": "2024-05-06T07:08:09Z",
        "owner": {"canonicalName": "~sircmpwn"},
        "HEAD": {"name": "refs/heads/master"},
    }
    record = record_from_sourcehut(item, "https://git.sr.ht/")
    assert record.full_path == "~sircmpwn/git.sr.ht"
    assert record.url == "https://git.sr.ht/~sircmpwn/git.sr.ht"
    assert record.default_branch == "master"
    assert record.native_id == "37"
    assert record.pushed_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


# A fork's parent, as each forge names it (records keep its web address, normalised).


def test_it_keeps_the_parent_gitea_and_gogs_list_with_a_fork(forge_api: Path) -> None:
    gitea = [record_from_gitea(i) for i in read_json(forge_api / "gitea/repos_page2")["data"]]
    assert [r.fork_parent_url for r in gitea] == ["", "https://demo.gitea.com/ulm0/negroni", ""]
    gogs = [record_from_gogs(i) for i in read_json(forge_api / "gogs/repos_page3")["data"]]
    parents = {r.full_path: r.fork_parent_url for r in gogs if r.is_fork}
    assert parents == {
        "perekre/beyond-the-titanic": "https://try.gogs.io/zork/beyond-the-titanic",
        "yinheli/digits": "https://try.gogs.io/zork/digits",
    }
    # Gogs writes "parent": null for every other repository.
    assert all(not r.fork_parent_url for r in gogs if not r.is_fork)


def test_a_github_listing_says_fork_but_not_of_what(forge_api: Path) -> None:
    # The recorded single answers are of non-forks: no parent, and none made up.
    item = read_json(forge_api / "github/repos/repos_spryker-eco_computop-api")
    assert "parent" not in item and record_from_github(item).fork_parent_url == ""
    fork = {**item, "fork": True}
    assert record_from_github(fork).fork_parent_url == ""
    parent = {**item, "html_url": "https://github.com/Spryker/computop-api/"}
    record = record_from_github({**fork, "parent": parent, "source": parent})
    assert record.fork_parent_url == "https://github.com/Spryker/computop-api"


def test_it_reads_a_gitlab_parent_from_a_full_answer(forge_api: Path) -> None:
    project = read_json(forge_api / "gitlab/project")
    assert record_from_gitlab(project).fork_parent_url == ""
    parent = {"id": 1, "path_with_namespace": "fdroid/upstream",
              "web_url": "https://GitLab.com/fdroid/upstream"}  # fmt: skip
    record = record_from_gitlab({**project, "forked_from_project": parent})
    assert record.is_fork is True
    assert record.fork_parent_url == "https://gitlab.com/fdroid/upstream"
    # An anonymous listing is short: whether a fork, and of what, stays unknown.
    short = read_json(forge_api / "gitlab/api_response_page1.json")
    assert {(r.is_fork, r.fork_parent_url) for r in map(record_from_gitlab, short)} == {(None, "")}


def test_it_reads_a_bitbucket_parent_on_cloud_and_server() -> None:
    cloud = {
        "uuid": "{1}",
        "full_name": "me/fork",
        "parent": {
            "type": "repository",
            "full_name": "atlassian/python-bitbucket",
            "links": {"html": {"href": "https://bitbucket.org/atlassian/python-bitbucket"}},
        },
    }
    record = record_from_bitbucket_cloud(cloud)
    assert (record.is_fork, record.fork_parent_url) == (
        True,
        "https://bitbucket.org/atlassian/python-bitbucket",
    )
    server = {
        "slug": "fork",
        "id": 2,
        "project": {"key": "~ME"},
        "links": {"self": [{"href": "https://bb.example/users/me/repos/fork/browse"}]},
        "origin": {
            "slug": "my-repo",
            "links": {"self": [{"href": "https://bb.example/projects/PRJ/repos/my-repo/browse"}]},
        },
    }
    record = record_from_bitbucket_server(server)
    assert record.is_fork is True
    assert record.fork_parent_url == "https://bb.example/projects/PRJ/repos/my-repo/browse"


def test_a_parent_that_is_not_a_web_address_is_left_blank() -> None:
    item = {"id": 1, "full_name": "a/b", "html_url": "https://x.org/a/b", "fork": True}
    too_long = {"html_url": "https://x.org/" + "c" * 600}
    for parent in ({"html_url": "git@x.org:c/d.git"}, {"html_url": None}, "c/d", None, too_long):
        assert record_from_gitea({**item, "parent": parent}).fork_parent_url == ""
