"""The catalogue's pages: the list with its filters and sorts, a software page, the
instances, and an agent's own software."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from communs.catalogue.models import Software

from .conftest import World

pytestmark = pytest.mark.django_db


def names(client: Client, query: str = "") -> list[str]:
    response = client.get("/catalogue/" + query)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.find('<table class="catalogue"')
    body = html[start:] if start >= 0 else ""
    return re.findall(r'<th scope="row"><a href="/catalogue/software/[^"]+/">([^<]+)</a>', body)


def test_the_list_shows_published_entries_by_name(client: Client, world: World) -> None:
    assert names(client) == ["Grammar", "Sheet", "Writer"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?q=texte", ["Writer"]),
        ("?q=TABLEUR", ["Sheet"]),
        ("?category=bureautique", ["Writer"]),
        # A sector lists the software of the categories under it.
        ("?category=donnees", ["Sheet", "Writer"]),
        ("?category=no-such-category", []),
        ("?organisation=culture", ["Writer"]),
        ("?organisation=dinum", ["Writer"]),
        ("?organisation=nobody", []),
        ("?environment=linux", ["Writer"]),
        ("?environment=macos", ["Sheet"]),
        ("?environment=amiga", ["Grammar", "Sheet", "Writer"]),
        ("?licence=GPL-3.0-only", ["Grammar"]),
        ("?free=yes", ["Grammar", "Writer"]),
        ("?free=no", ["Sheet"]),
        ("?status=observation", ["Sheet"]),
        ("?status=dereferenced", ["Grammar"]),
        # A lapsed referent does not count.
        ("?referents=yes", ["Writer"]),
        ("?referents=no", ["Grammar", "Sheet"]),
        ("?expert=yes", ["Writer"]),
        ("?free=yes&status=recommended&environment=windows", ["Writer"]),
    ],
)
def test_each_filter(client: Client, world: World, query: str, expected: list[str]) -> None:
    assert names(client, query) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Grammar", "Sheet", "Writer"]),
        ("added", ["Sheet", "Grammar", "Writer"]),
        ("updated", ["Writer", "Sheet", "Grammar"]),
        ("users", ["Writer", "Sheet", "Grammar"]),
        ("referents", ["Writer", "Grammar", "Sheet"]),
        ("nonsense", ["Grammar", "Sheet", "Writer"]),
    ],
)
def test_each_sort(client: Client, world: World, sort: str, expected: list[str]) -> None:
    assert names(client, f"?sort={sort}") == expected


def test_htmx_gets_the_fragment_only(client: Client, world: World) -> None:
    response = client.get("/catalogue/?status=observation", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="software-search"' in html
    assert "HX-Request" in response["Vary"]


def test_a_page_number_out_of_range_is_a_404(client: Client, world: World) -> None:
    assert client.get("/catalogue/?page=abc").status_code == 404


def test_the_software_page_counts_people_per_organisation(client: Client, world: World) -> None:
    response = client.get("/catalogue/software/writer/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()

    assert response.status_code == 200
    assert "Ministère de la Culture</a> (2)" in html
    assert "DINUM</a> (1)" in html
    assert "3 declared uses" in html
    assert "1 referent can answer questions" in html
    assert "A word processor." in html
    # Instances, similar software, plugins, providers, custom attributes.
    assert "Bureau DINUM" in html
    assert 'href="/catalogue/software/sheet/"' in html
    assert 'href="/catalogue/software/grammar/"' in html
    assert "Libre Services" in html
    assert "Accessible (RGAA)" in html


def test_the_description_is_markdown_rendered_safely(client: Client, world: World) -> None:
    html = client.get("/catalogue/software/writer/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<strong>traitement</strong>" in html
    assert "<script>alert" not in html
    assert "jean.dupont" not in html


def test_the_plugin_page_links_its_parent_and_says_why_dereferenced(
    client: Client, world: World
) -> None:
    html = client.get("/catalogue/software/grammar/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/catalogue/software/writer/"' in html
    assert "Abandoned" in html and "1.2" in html


def test_the_page_lists_the_repository_linked_to_the_entry(client: Client, world: World) -> None:
    from communs.repositories.models import Repository
    from communs.sources.models import Forge

    forge = Forge.objects.create(host="gitlab.example.org", kind="gitlab")
    repository = Repository.objects.create(
        forge=forge, full_path="bureau/writer", name="writer", url="https://gitlab.example.org/x"
    )
    Software.objects.filter(pk=world.writer.pk).update(repository=repository)

    html = client.get("/catalogue/software/writer/").content.decode()

    assert f'href="/repositories/{repository.pk}/"' in html


def test_a_proposal_is_shown_only_to_its_author(client: Client, world: World) -> None:
    assert client.get("/catalogue/software/secret-proposal/").status_code == 404
    assert "Secret Proposal" not in client.get("/catalogue/").content.decode()
    client.force_login(world.alice)
    assert client.get("/catalogue/software/secret-proposal/").status_code == 404
    client.force_login(world.bob)
    assert client.get("/catalogue/software/secret-proposal/").status_code == 200


def test_the_history_shows_the_audit_log(client: Client, world: World) -> None:
    from communs.audit.log import record

    record(world.bob, "software.edit", world.writer, {"licence": {"before": "", "after": "x"}})

    html = client.get("/catalogue/software/writer/").content.decode()

    assert "software.edit" in html and "licence" in html


def test_the_instances_page_lists_every_instance(client: Client, world: World) -> None:
    html = client.get("/catalogue/instances/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bureau DINUM" in html and "Pix" in html
    assert "2 instances" in html


def test_my_software_needs_a_sign_in(client: Client, world: World) -> None:
    response = client.get("/catalogue/mine/")
    assert response.status_code == 302


def test_my_software_lists_what_i_use_or_help_with(client: Client, world: World) -> None:
    client.force_login(world.alice)
    html = client.get("/catalogue/mine/").content.decode()
    assert 'href="/catalogue/software/writer/"' in html
    assert 'href="/catalogue/software/sheet/"' not in html
    client.force_login(world.bob)
    html = client.get("/catalogue/mine/").content.decode()
    assert 'href="/catalogue/software/writer/"' in html


def test_the_navigation_links_the_catalogue(client: Client, world: World) -> None:
    html = client.get("/").content.decode()
    assert 'href="/catalogue/"' in html
    page = client.get("/catalogue/").content.decode()
    assert 'href="/catalogue/" aria-current="page"' in page


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_pages_keep_the_accessibility_rules(
    client: Client, world: World, language: str
) -> None:
    from tests.web.test_page_structure import parse

    client.force_login(world.alice)
    for url in [
        "/catalogue/",
        "/catalogue/?status=observation",
        "/catalogue/software/writer/",
        "/catalogue/software/grammar/",
        "/catalogue/instances/",
        "/catalogue/mine/",
    ]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        markup = parse(response.content.decode())
        tags = [tag for tag, _ in markup.tags]
        assert markup.tags[0][1].get("lang") == language, url
        assert tags.count("h1") == 1 and tags.count("main") == 1, url
        assert [name for name, n in markup.ids.items() if n > 1] == [], url
        for tag, attrs in markup.tags:
            if tag == "select" or (tag == "input" and attrs.get("type") != "hidden"):
                assert attrs.get("id") in markup.labels, (url, attrs)
            if tag == "th":
                assert attrs.get("scope") in {"col", "row"}, (url, attrs)
        assert markup.tables == markup.tables_with_caption, url
