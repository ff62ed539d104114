"""The stored analysis on the repository page and in the API; dependencies across public
code as pages and API; the code.gouv.fr score in the search."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client
from django.utils import translation

from communs.analysis.examine import SKIPPED, Verdict, scores_of
from communs.analysis.models import DeclaredDependency, RepositoryAnalysis
from communs.analysis.pipeline import store_verdict
from communs.analysis.queries import Package
from communs.emulator import World
from communs.repositories.models import Repository
from communs.search import search_repositories
from communs.search.indexing import index_repositories
from communs.search.query import parse_params

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_the_repository_page_shows_the_scores_files_licence_and_dependencies(
    analysed: World, client: Client
) -> None:
    stored = (
        RepositoryAnalysis.objects.filter(status="analysed")
        .exclude(analysis__dependencies=[])
        .select_related("repository")
        .first()
    )
    assert stored is not None
    repo = stored.repository

    page = client.get(repo.get_absolute_url()).content.decode()

    assert "code.gouv.fr score" in page
    assert f"<strong>{stored.codegouv_score}</strong>" in page
    for row in stored.scores["codegouv"]["rows"]:
        assert row["evidence"] in page
    assert "<code>README.md</code>" in page
    assert stored.license_expression in page
    dependency = stored.analysis["dependencies"][0]
    assert dependency["purl"] in page
    package = DeclaredDependency.objects.filter(repository=repo).first()
    assert package is not None
    assert (
        f'href="/dependencies/{Package(package.purl_type, package.namespace, package.name).path}/"'
        in page
    )
    assert "Publication readiness checklist" in page


def test_the_page_says_why_a_repository_was_not_analysed(analysed: World, client: Client) -> None:
    repo = Repository.objects.order_by("pk").first()
    assert repo is not None
    fields = {"license": repo.license, "description": repo.description}
    store_verdict(
        repo,
        Verdict(SKIPPED, "archive larger than 50 bytes", None, None, scores_of(fields, None, None)),
    )

    page = client.get(repo.get_absolute_url()).content.decode()

    assert "Why it was not analysed:" in page
    assert "The source archive is larger than 50 bytes." in page
    with translation.override("fr"):
        french = Client(HTTP_ACCEPT_LANGUAGE="fr").get(repo.get_absolute_url())
    assert french.status_code == 200


def test_the_api_gives_the_analysis_and_404_before_one(analysed: World, client: Client) -> None:
    stored = RepositoryAnalysis.objects.filter(status="analysed").first()
    assert stored is not None

    body = client.get(f"/api/v1/repositories/{stored.pk}/analysis").json()

    assert body["status"] == "analysed"
    assert body["scores"]["codegouv"]["total"] == stored.codegouv_score
    assert sum(r["points"] for r in body["scores"]["readiness"]["rows"]) == stored.readiness
    assert body["license"]["detected"] == stored.license_expression
    assert body["analysis"]["files"]["readme"] == ["README.md"]
    pk = stored.pk
    stored.delete()
    missing = client.get(f"/api/v1/repositories/{pk}/analysis")
    assert missing.status_code == 404
    assert client.get("/api/v1/repositories/99999999999999999999/analysis").status_code in (
        400,
        404,
    )


def test_dependencies_pages_and_api_count_repositories_per_package(
    analysed: World, client: Client
) -> None:
    # Repositories per package, counted here from the rows themselves.
    truth = Counter(
        key[:3]
        for key in set(
            DeclaredDependency.objects.values_list("purl_type", "namespace", "name", "repository")
        )
    )
    (top, top_count), *_ = sorted(truth.items(), key=lambda item: (-item[1], item[0]))
    package = Package(*top)

    listing = client.get("/api/v1/dependencies?limit=5").json()
    assert listing["count"] == len(truth)
    assert listing["results"][0]["repositories"] == top_count
    assert [r["repositories"] for r in listing["results"]] == sorted(
        (r["repositories"] for r in listing["results"]), reverse=True
    )
    detail = client.get(f"/api/v1/dependencies/{package.path}").json()
    assert detail["count"] == top_count
    expected = set(
        DeclaredDependency.objects.filter(
            purl_type=package.purl_type, namespace=package.namespace, name=package.name
        ).values_list("repository", flat=True)
    )
    assert {row["repository"] for row in detail["results"]} == expected
    assert client.get("/api/v1/dependencies/npm/no-such-package-anywhere").json()["count"] == 0

    page = client.get("/dependencies/").content.decode()
    assert package.label in page
    page = client.get(f"/dependencies/{package.path}/").content.decode()
    for repo in Repository.objects.filter(pk__in=expected).select_related("forge"):
        assert f"{repo.forge.host}/{repo.full_path}" in page
    assert client.get("/dependencies/x/").status_code == 404
    assert client.get("/dependencies/?page=abc").status_code == 404


def test_the_default_list_hides_negative_scores_and_the_score_filter_narrows(
    analysed: World,
) -> None:
    everyone = set(Repository.objects.values_list("pk", flat=True))
    negative = set(
        RepositoryAnalysis.objects.filter(codegouv_score__lt=0).values_list("pk", flat=True)
    )
    if not negative:
        # Make one negative the way code.gouv.fr would: an archived fork without description.
        repo = Repository.objects.order_by("pk").first()
        assert repo is not None
        Repository.objects.filter(pk=repo.pk).update(is_fork=True, is_archived=True, description="")
        from communs.analysis.pipeline import analyse_repositories

        analyse_repositories(Repository.objects.filter(pk=repo.pk))
        negative = {repo.pk}
        index_repositories([repo.pk])

    def ids(**params: str) -> set[int]:
        query = parse_params({"per_page": "100", **params})
        return {repo.pk for repo in search_repositories(query).items}

    assert ids() == everyone - negative
    assert ids(hidden="1") == everyone
    # A threshold between the lowest and the highest score, so that it keeps some.
    scores = sorted(RepositoryAnalysis.objects.values_list("codegouv_score", flat=True))
    threshold = scores[len(scores) // 2]
    above = set(
        RepositoryAnalysis.objects.filter(codegouv_score__gte=threshold).values_list(
            "pk", flat=True
        )
    )
    assert above and ids(score=str(threshold)) == above
    assert ids(score="abc") == everyone - negative
    assert parse_params({"score": "abc"}).ignored == ("score",)

    # The API's list takes the same two parameters and answers the same repositories.
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    def api_ids(**params: str) -> set[int]:
        answer = client.get("/api/v1/repositories", {"limit": "100", "facets": "false", **params})
        assert answer.status_code == 200, answer.content
        return {row["id"] for row in answer.json()["results"]}

    assert api_ids() == everyone - negative
    assert api_ids(hidden="true") == everyone
    assert api_ids(score=str(threshold)) == above
    assert client.get("/api/v1/repositories", {"score": "abc"}).status_code == 400


def test_valid_publiccode_files_are_counted_and_proposed_for_the_catalogue(
    analysed: World, client: Client
) -> None:
    from communs.analysis.queries import publiccode_figures

    valid = RepositoryAnalysis.objects.filter(publiccode_valid=True).select_related("repository")
    found = RepositoryAnalysis.objects.filter(has_publiccode=True)
    assert valid.exists()

    figures = publiccode_figures()
    body = client.get("/api/v1/catalogue/candidates?limit=100").json()

    assert figures["with_publiccode"] == found.count()
    assert figures["valid"] == valid.count()
    assert figures["valid"] + figures["invalid"] <= figures["with_publiccode"]
    assert body["count"] == valid.count()
    by_id = {row["repository"]: row for row in body["results"]}
    for analysis in valid:
        repo = analysis.repository
        summary = by_id[repo.pk]["summary"]
        # The emulator writes the repository's own name, URL and licence in the file.
        assert summary["name"] == repo.name
        assert summary["url"] == repo.url
        assert summary["license"] == repo.license
        assert summary["platforms"] == ["web"]
        assert set(summary["short_descriptions"]) == {"fr"}


def test_scores_name_their_evidence_by_id_and_in_the_requests_language(
    analysed: World, client: Client
) -> None:
    from communs.scoring.evidence import MESSAGES, render

    stored = RepositoryAnalysis.objects.filter(status="analysed").first()
    assert stored is not None

    body = client.get(f"/api/v1/repositories/{stored.pk}/analysis").json()

    for name, score in body["scores"].items():
        assert score["title"] and score["provisional"] is False
        for row in score["rows"]:
            assert row["evidence_id"] in MESSAGES, (name, row)
            assert row["evidence"] == render(row["evidence_id"], row["evidence_params"])
            assert row["label"]
    french = Client(HTTP_ACCEPT_LANGUAGE="fr").get(f"/api/v1/repositories/{stored.pk}/analysis")
    assert french["Content-Language"] == "fr"
    assert "Accept-Language" in french["Vary"]
    codegouv = {row["criterion"]: row for row in french.json()["scores"]["codegouv"]["rows"]}
    english = {row["criterion"]: row for row in body["scores"]["codegouv"]["rows"]}
    # Ids and parameters are the same whatever the language; the words may differ.
    assert {k: (r["evidence_id"], r["evidence_params"]) for k, r in codegouv.items()} == {
        k: (r["evidence_id"], r["evidence_params"]) for k, r in english.items()
    }
    with translation.override("fr"):
        assert codegouv["readme"]["label"] == str(translation.gettext("README"))


def test_rows_stored_before_evidence_ids_keep_their_english_sentence(
    analysed: World, client: Client
) -> None:
    stored = RepositoryAnalysis.objects.filter(status="analysed").first()
    assert stored is not None
    old = {"criterion": "readme", "points": 100, "evidence": "README: README.rst"}
    stored.scores["codegouv"]["rows"] = [old]
    stored.save(update_fields=["scores"])

    body = client.get(f"/api/v1/repositories/{stored.pk}/analysis").json()
    page = client.get(stored.repository.get_absolute_url()).content.decode()

    (row,) = body["scores"]["codegouv"]["rows"]
    assert (row["evidence"], row["evidence_id"]) == ("README: README.rst", None)
    assert "README: README.rst" in page


def test_a_repository_never_analysed_shows_a_provisional_score(
    analysed: World, client: Client
) -> None:
    from communs.scoring import provisional_codegouv_score

    repo = Repository.objects.order_by("pk").first()
    assert repo is not None
    RepositoryAnalysis.objects.filter(repository=repo).delete()
    Repository.objects.filter(pk=repo.pk).update(
        is_fork=True, is_archived=True, description="", license="", forks=0, watchers=0
    )
    repo.refresh_from_db()
    expected = provisional_codegouv_score(repo)
    assert expected.total < 0

    page = client.get(repo.get_absolute_url()).content.decode()

    assert "has not been analysed yet" in page
    assert 'id="score-provisional"' in page
    # Archived, a fork, no licence, no description: negative whatever its files.
    assert "A negative score hides the repository" in page
    assert f"<strong>{expected.total:.0f}</strong>" in page
    for row in expected.rows:
        assert row.evidence in page
    assert client.get(f"/api/v1/repositories/{repo.pk}/analysis").status_code == 404


def test_the_page_gives_the_forges_languages_where_given_and_the_detected_ones_otherwise(
    analysed: World, client: Client
) -> None:
    stored = (
        RepositoryAnalysis.objects.filter(status="analysed")
        .exclude(analysis__languages={})
        .select_related("repository")
        .first()
    )
    assert stored is not None
    repo = stored.repository
    detected = stored.analysis["languages"]

    Repository.objects.filter(pk=repo.pk).update(languages={})
    page = client.get(repo.get_absolute_url()).content.decode()
    assert "vendored and generated files left out" in page
    for name in detected:
        assert f'<th scope="row">{name}</th>' in page

    Repository.objects.filter(pk=repo.pk).update(languages={"Fortran": 5000, "Bad": "x"})
    page = client.get(repo.get_absolute_url()).content.decode()
    assert "as the forge counts them" in page
    assert '<th scope="row">Fortran</th><td class="number">100.0 %</td>' in page
    assert '<th scope="row">Bad</th>' not in page


def test_repositories_never_analysed_are_scored_and_hidden_from_their_metadata(
    analysed: World,
) -> None:
    from communs.scoring import hidden_by_default, provisional_codegouv_score
    from communs.search.models import RepositoryEntry

    sure, unsure = Repository.objects.order_by("pk")[:2]
    RepositoryAnalysis.objects.filter(repository__in=[sure, unsure]).delete()
    # An archived fork without licence or description: negative whatever its files.
    Repository.objects.filter(pk=sure.pk).update(
        is_fork=True,
        is_archived=True,
        license="",
        description="",
        root_files=[],
        forks=0,
        watchers=0,
    )
    # No description, and nobody has listed its files: its README may lift it to zero.
    Repository.objects.filter(pk=unsure.pk).update(
        is_fork=False, is_archived=False, is_template=False, license="", description="",
        forks=0, watchers=0, root_files=[],
    )  # fmt: skip
    index_repositories([sure.pk, unsure.pk])

    entries = {e.pk: e for e in RepositoryEntry.objects.filter(pk__in=[sure.pk, unsure.pk])}
    for repo in Repository.objects.filter(pk__in=[sure.pk, unsure.pk]):
        assert entries[repo.pk].codegouv_score == provisional_codegouv_score(repo).total
    assert entries[sure.pk].codegouv_score < 0 and entries[unsure.pk].codegouv_score == -100
    assert hidden_by_default(provisional_codegouv_score(Repository.objects.get(pk=sure.pk)))

    def ids(**params: str) -> set[int]:
        query = parse_params({"per_page": "100", **params})
        return {repo.pk for repo in search_repositories(query).items}

    assert unsure.pk in ids() and sure.pk not in ids()
    assert sure.pk in ids(hidden="1")
    assert ids(score="-100") >= {unsure.pk} and sure.pk not in ids(score="-100")
