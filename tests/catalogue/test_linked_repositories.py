"""The public repositories a software page lists: its own (at its URL), those whose
publiccode.yml declares it, and those whose analysed manifests depend on one of its
packages (bounded, counted, through the package index)."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from tests.accounts.people import AGENT_DOMAINS, make_person, make_software

from communs.analysis.models import DeclaredDependency, RepositoryAnalysis
from communs.audit.models import AuditEntry
from communs.catalogue import queries
from communs.catalogue.models import Software, parse_package, validate_packages
from communs.repositories.models import Repository
from communs.sources.models import Forge


@pytest.fixture
def forge(db):
    return Forge.objects.create(
        host="github.com", kind="github", url="https://github.com", api_url="https://api.github.com"
    )


def repo(forge, path: str, stars: int = 0, **fields) -> Repository:
    return Repository.objects.create(
        forge=forge,
        full_path=path,
        name=path.rsplit("/", 1)[-1],
        url=f"https://github.com/{path}",
        stars=stars,
        **fields,
    )


def depends(repository: Repository, purl_type: str, name: str, namespace: str = "") -> None:
    DeclaredDependency.objects.create(
        repository=repository, purl_type=purl_type, namespace=namespace, name=name
    )


def test_parse_package_and_validation():
    assert parse_package("pkg:npm/%40angular/core@17.0.0") == ("npm", "@angular", "core")
    assert parse_package("pkg:pypi/Django") == ("pypi", "", "django")
    validate_packages(["pkg:npm/left-pad", "pkg:maven/org.example/lib"])
    for bad in (["left-pad"], ["pkg:"], "pkg:npm/x", [1], ["pkg:npm/x"] * 21):
        with pytest.raises(ValidationError):
            validate_packages(bad)


def test_own_declaring_and_dependent_repositories_are_listed(client, forge):
    software = make_software(
        "Leaflet",
        repository_url="https://github.com/Leaflet/leaflet.git",
        packages=["pkg:npm/leaflet"],
    )
    own = repo(forge, "Leaflet/Leaflet", stars=5)
    mirror = repo(forge, "mirrors/leaflet")
    RepositoryAnalysis.objects.create(
        repository=mirror,
        status="analysed",
        analysed_at=timezone.now(),
        publiccode_valid=True,
        publiccode={"summary": {"url": "https://github.com/Leaflet/leaflet"}},
    )
    users = [repo(forge, f"city{n}/map", stars=n) for n in range(3)]
    for user in users:
        depends(user, "npm", "leaflet")
    gone = repo(forge, "old/map", gone_since=timezone.now())
    depends(gone, "npm", "leaflet")
    other = repo(forge, "city9/other")
    depends(other, "npm", "leaflet-draw")
    # The software's own repository depending on itself is listed once, as its own.
    depends(own, "npm", "leaflet")

    linked = queries.repositories_of(software)

    assert linked.own == [own]
    assert linked.declaring == [mirror]
    assert linked.dependents == list(reversed(users))  # most starred first
    assert linked.dependents_total == 3
    assert [p.purl for p in linked.packages] == ["pkg:npm/leaflet"]
    assert [r.pk for r in linked] == [own.pk, mirror.pk, *(u.pk for u in reversed(users))]

    html = client.get(software.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for repository in (own, mirror, *users):
        assert f'href="/repositories/{repository.pk}/"' in html
    assert f'href="/repositories/{gone.pk}/"' not in html
    assert f'href="/repositories/{other.pk}/"' not in html
    assert "Depending on it (3 repositories)" in html
    assert 'href="/dependencies/npm/leaflet/"' in html


def test_dependents_are_capped_and_counted(client, forge):
    software = make_software("Lib", packages=["pkg:pypi/lib"])
    for n in range(queries.LINKED_SHOWN + 5):
        depends(repo(forge, f"o{n}/app", stars=n), "pypi", "lib")
    linked = queries.repositories_of(software)
    assert len(linked.dependents) == queries.LINKED_SHOWN
    assert linked.dependents_total == queries.LINKED_SHOWN + 5
    assert linked.dependents[0].stars == queries.LINKED_SHOWN + 4
    # A bounded number of queries, whatever the number of dependents.
    with CaptureQueriesContext(connection) as captured:
        queries.repositories_of(software)
    assert len(captured) <= 4
    html = client.get(software.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert len(re.findall(r'href="/repositories/\d+/"', html)) == queries.LINKED_SHOWN
    assert "The most starred are shown" in html


def test_a_go_module_is_known_from_the_repository_url(forge):
    software = make_software("Hugo", repository_url="https://github.com/gohugoio/hugo")
    user = repo(forge, "site/blog")
    depends(user, "golang", "hugo", namespace="github.com/gohugoio")
    assert ("golang", "github.com/gohugoio", "hugo") in queries.package_keys(software)
    assert queries.repositories_of(software).dependents == [user]
    # Not shown as a package the moderators gave.
    assert queries.repositories_of(software).packages == []


def test_the_dependents_query_uses_the_package_index(forge):
    if connection.vendor != "sqlite":
        pytest.skip("the plan is read with SQLite's EXPLAIN QUERY PLAN")
    software = make_software("Lib", packages=["pkg:pypi/lib"])
    ids = DeclaredDependency.objects.filter(purl_type="pypi", namespace="", name="lib").values(
        "repository"
    )
    query = Repository.objects.filter(pk__in=ids, gone_since__isnull=True)
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "dependency_package" in plan
    assert queries.repositories_of(software).dependents_total == 0


def test_moderators_edit_the_packages(client, forge, settings):
    settings.AGENT_DOMAINS = AGENT_DOMAINS
    software = make_software("Leaflet", packages=[])
    client.force_login(make_person("moderator"))
    url = reverse("catalogue:edit", args=[software.slug])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(name="Leaflet", status="observation", environments=[], parent="")
    data["packages"] = "pkg:npm/leaflet@1.9.4\n\npkg:npm/leaflet\npkg:pypi/folium"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    software.refresh_from_db()
    assert software.packages == ["pkg:npm/leaflet", "pkg:pypi/folium"]
    entry = AuditEntry.objects.get(action="software.edit")
    assert entry.changes["packages"]["after"] == ["pkg:npm/leaflet", "pkg:pypi/folium"]
    data["packages"] = "leaflet"
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "is not a package URL" in response.content.decode()
    assert Software.objects.get(pk=software.pk).packages == ["pkg:npm/leaflet", "pkg:pypi/folium"]


def test_forks_of_its_repository_are_listed_most_starred_first(client, forge):
    software = make_software("Leaflet", repository_url="https://github.com/Leaflet/Leaflet.git/")
    own = repo(forge, "Leaflet/Leaflet", stars=50)
    # Parents as forges name them: another case in the path, http, a trailing slash.
    forks = [
        repo(forge, "city1/leaflet", stars=1, is_fork=True,
             fork_parent_url="https://github.com/leaflet/leaflet"),
        repo(forge, "city2/leaflet", stars=7, is_fork=True,
             fork_parent_url="http://github.com/Leaflet/Leaflet"),
    ]  # fmt: skip
    gone = repo(forge, "old/leaflet", is_fork=True, gone_since=timezone.now(),
                fork_parent_url="https://github.com/Leaflet/Leaflet")  # fmt: skip
    other = repo(forge, "city3/leaflet-draw", is_fork=True,
                 fork_parent_url="https://github.com/Leaflet/Leaflet.draw")  # fmt: skip
    # The entry's own repository, were it recorded as a fork of itself, is listed once.
    Repository.objects.filter(pk=own.pk).update(
        fork_parent_url="https://github.com/Leaflet/Leaflet"
    )

    linked = queries.repositories_of(software)

    assert linked.own == [own]
    assert linked.forks == [forks[1], forks[0]]
    assert linked.forks_total == 2
    assert [r.pk for r in linked] == [own.pk, forks[1].pk, forks[0].pk]
    html = client.get(software.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Forks of it (2 repositories)" in html
    for repository in forks:
        assert f'href="/repositories/{repository.pk}/"' in html
    for repository in (gone, other):
        assert f'href="/repositories/{repository.pk}/"' not in html
    assert "The most starred forks are shown" not in html


def test_forks_are_found_by_the_harvested_url_after_a_rename_and_capped(client, forge):
    # The entry still gives the old name; its repository was found under it and renamed.
    software = make_software("Tool", repository_url="https://github.com/org/old-name")
    own = repo(forge, "org/new-name", previous_names=["org/old-name"])
    Software.objects.filter(pk=software.pk).update(repository=own)
    software.refresh_from_db()
    for n in range(queries.LINKED_SHOWN + 3):
        repo(forge, f"o{n}/tool", stars=n, is_fork=True,
             fork_parent_url="https://github.com/org/new-name")  # fmt: skip
    linked = queries.repositories_of(software)
    assert len(linked.forks) == queries.LINKED_SHOWN
    assert linked.forks_total == queries.LINKED_SHOWN + 3
    assert linked.forks[0].stars == queries.LINKED_SHOWN + 2
    with CaptureQueriesContext(connection) as captured:
        queries.repositories_of(software)
    # Own (and at its URL), declaring, and the forks' count and page.
    assert len(captured) <= 6
    html = client.get(software.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Forks of it ({queries.LINKED_SHOWN + 3} repositories)" in html
    assert "The most starred forks are shown." in html


def test_an_entry_without_a_repository_lists_no_forks_and_asks_nothing(forge):
    software = make_software("Lonely")
    repo(forge, "a/fork", is_fork=True, fork_parent_url="https://github.com/a/b")
    with CaptureQueriesContext(connection) as captured:
        assert queries.forks_of(["", "not a url"], [], queries.LINKED_SHOWN) == ([], 0)
    assert len(captured) == 0
    assert queries.repositories_of(software).forks == []


def test_the_forks_query_uses_the_parent_index(forge):
    fork = repo(forge, "a/fork", is_fork=True, fork_parent_url="https://github.com/a/b")
    Repository.objects.bulk_create(
        Repository(forge=forge, full_path=f"o/r{n}", name=f"r{n}", url=f"https://x/o/r{n}")
        for n in range(500)
    )
    with CaptureQueriesContext(connection) as captured:
        assert queries.forks_of(["https://github.com/A/B"], [], 5) == ([fork], 1)
    sqlite = connection.vendor == "sqlite"
    with connection.cursor() as cursor:
        if not sqlite:
            # With statistics, 500 repositories that are not forks make the index worth it.
            cursor.execute("ANALYZE repositories_repository")
        for query in captured.captured_queries:
            cursor.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + query["sql"])
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "repository_fork_parent" in plan, plan
