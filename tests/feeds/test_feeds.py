"""Atom feeds: latest repositories, saved searches, organisations, releases."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.test import Client

from communs.repositories.models import Repository

from .conftest import EMAIL, HOSTILE, Sector, get_feed, seen

ANY_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")


class Tags(HTMLParser):
    """The start tags and link targets of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "link":
            self.links.append(dict(attrs))


def tags_of(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


def feed_links(path: str) -> list[dict[str, str | None]]:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(path)
    assert response.status_code == 200
    head = response.content.decode().split("</head>")[0]
    return [link for link in tags_of(head).links if link.get("type") == "application/atom+xml"]


# -- latest repositories -------------------------------------------------------------------


def test_the_latest_repositories_come_newest_seen_first(sector: Sector) -> None:
    seen(sector.make("ancien"), 3)
    seen(sector.make("recent"), 1)
    seen(sector.make("moyen"), 2)
    gone = seen(sector.make("disparu"), 0)
    Repository.objects.filter(pk=gone.pk).update(gone_since=datetime(2026, 2, 1, tzinfo=UTC))

    feed = get_feed("/feeds/repositories.atom")

    assert feed.title == "Latest repositories"
    assert [entry.title for entry in feed.entries] == [
        "direction-numerique/recent (github.com)",
        "direction-numerique/moyen (github.com)",
        "direction-numerique/ancien (github.com)",
    ]
    recent = feed.entries[0]
    pk = Repository.objects.get(name="recent").pk
    assert recent.link == f"http://testserver/repositories/{pk}/"
    assert recent.id == recent.link
    assert recent.updated.startswith("2026-01-30")
    assert recent.author == "Direction du numérique"
    assert feed.link("self") == "http://testserver/feeds/repositories.atom"
    assert feed.id == "http://testserver/feeds/repositories.atom"


def test_a_feed_holds_the_fifty_newest(sector: Sector) -> None:
    for number in range(52):
        seen(sector.make(f"projet-numero-{number}"), number)

    entries = get_feed("/feeds/repositories.atom").entries

    assert len(entries) == 50
    assert entries[0].title.startswith("direction-numerique/projet-numero-0 ")
    assert entries[-1].title.startswith("direction-numerique/projet-numero-49 ")


def test_hostile_text_is_escaped_and_addresses_hidden(sector: Sector) -> None:
    sector.make(
        "outil&<b>",
        description=HOSTILE,
        topics=["<img src=x>", "sig\x08\x0b", 42],
        license="MIT",
        language="Python",
        url="javascript:alert(1)",
    )

    feed = get_feed("/feeds/repositories.atom")

    assert EMAIL not in feed.body
    assert "\x07" not in feed.body and "\x1b" not in feed.body
    (entry,) = feed.entries
    assert entry.title == "direction-numerique/outil&<b> (github.com)"
    assert entry.categories == ["<img src=x>", "sig"]
    # A reader renders the summary as HTML: the forge's markup must come out as text.
    tags = tags_of(entry.summary)
    assert set(tags.tags) == {"p"}
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;gras&lt;/b&gt;" in (
        entry.summary
    )
    assert "[e-mail address hidden]" in entry.summary
    assert "Licence: MIT · Language: Python" in entry.summary
    assert "javascript:" not in feed.body


def test_a_link_to_the_forge_is_in_the_summary(sector: Sector) -> None:
    sector.make("carte")

    (entry,) = get_feed("/feeds/repositories.atom").entries

    assert '<a href="https://github.com/direction-numerique/carte">' in entry.summary


# -- saved searches ------------------------------------------------------------------------


@pytest.fixture
def searchable(sector: Sector) -> Sector:
    sector.make(
        "carto-nationale",
        description="Cartographie des services",
        language="Python",
        license="MIT",
        created_at=datetime(2021, 1, 1, tzinfo=UTC),
        stars=1,
    )
    sector.make(
        "carto-locale",
        description="Cartographie locale",
        language="Python",
        license="EUPL-1.2",
        created_at=datetime(2023, 1, 1, tzinfo=UTC),
        stars=50,
    )
    sector.make(
        "compta",
        description="Comptabilité",
        language="Go",
        license="MIT",
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    sector.make(
        "labo-carto",
        account=sector.lab_account,
        description="Cartographie du labo",
        language="Python",
        is_fork=True,
        created_at=datetime(2022, 1, 1, tzinfo=UTC),
    )
    return sector


def names(feed_path: str, **query: str) -> list[str]:
    return [entry.title.split(" ")[0] for entry in get_feed(feed_path, **query).entries]


def test_a_saved_search_uses_the_list_pages_parameters(searchable: Sector) -> None:
    # Newest created first, as a feed of new matches should read.
    assert names("/feeds/repositories.atom", language="Python") == [
        "direction-numerique/carto-locale",
        "labo-innov/labo-carto",
        "direction-numerique/carto-nationale",
    ]
    assert names("/feeds/repositories.atom", q="cartographie", license="MIT") == [
        "direction-numerique/carto-nationale"
    ]
    assert names("/feeds/repositories.atom", q="carto", fork="exclude", sort="stars") == [
        "direction-numerique/carto-locale",
        "direction-numerique/carto-nationale",
    ]
    assert names("/feeds/repositories.atom", organisation="laboratoire-innovation") == [
        "labo-innov/labo-carto"
    ]
    assert names("/feeds/repositories.atom", language="Cobol") == []


def test_the_list_page_and_its_feed_agree(searchable: Sector) -> None:
    query = {"q": "cartographie", "language": "Python", "sort": "name"}
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/repositories/", query).content.decode()

    listed = [entry.link for entry in get_feed("/feeds/repositories.atom", **query).entries]

    assert len(listed) == 3
    positions = [page.index(f'href="{link.removeprefix("http://testserver")}"') for link in listed]
    assert positions == sorted(positions)


def test_a_saved_search_names_itself_and_links_to_the_list(searchable: Sector) -> None:
    feed = get_feed("/feeds/repositories.atom", q="carto", license="MIT", page="3")

    assert feed.title == "Repositories: “carto” · licence: MIT"
    assert feed.link("alternate") == "http://testserver/repositories/?q=carto&license=MIT"
    assert feed.link("self") == "http://testserver/feeds/repositories.atom?q=carto&license=MIT"
    assert feed.id == feed.link("self")


@pytest.mark.parametrize(
    ("query", "wrong"),
    [
        ("fork=maybe", "fork"),
        ("archived=yes", "archived"),
        ("sort=size", "sort"),
        ("pushed_within=soon", "pushed_within"),
        ("q=carto&publiccode=1", "publiccode"),
        # Every parameter of the list page is part of a saved search, the score too.
        ("score=high", "score"),
    ],
)
def test_values_no_search_knows_are_400(searchable: Sector, query: str, wrong: str) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/feeds/repositories.atom?{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        f"These parameters have values a search does not know: {wrong}."
    )


@pytest.mark.parametrize(
    "query",
    [
        "q=" + "a" * 10_000,
        'q="carto*+OR+(NEAR%20^',
        "q=%ff%fe%00carto",
        "q=carto&page=-5&per_page=1000000&cursor=zzz",
        "language=%00",
        "utm_source=newsletter",
        "pushed_within=99999999999999999999",
    ],
)
def test_odd_but_harmless_queries_get_a_feed(searchable: Sector, query: str) -> None:
    response = Client().get(f"/feeds/repositories.atom?{query}")

    assert response.status_code == 200


# -- organisations -------------------------------------------------------------------------


def test_an_organisation_feed_holds_its_tree(searchable: Sector) -> None:
    # On the lab's own GitLab, without an account: the forge's organisation owns it.
    searchable.make("forge-du-labo", account=None)

    directorate = names("/feeds/organisations/direction-numerique.atom")
    lab = names("/feeds/organisations/laboratoire-innovation.atom")

    assert set(directorate) == {
        "direction-numerique/carto-nationale",
        "direction-numerique/carto-locale",
        "direction-numerique/compta",
        "labo-innov/labo-carto",
        "groupe/forge-du-labo",
    }
    assert set(lab) == {"labo-innov/labo-carto", "groupe/forge-du-labo"}
    feed = get_feed("/feeds/organisations/laboratoire-innovation.atom")
    assert feed.title == "New repositories of Laboratoire d'innovation"
    assert feed.link("alternate") == "http://testserver/organisations/laboratoire-innovation/"


def test_an_unknown_organisation_is_404(sector: Sector) -> None:
    assert Client().get("/feeds/organisations/personne.atom").status_code == 404
    assert Client().get("/feeds/organisations/..%2F..%2Fetc.atom").status_code == 404


# -- releases ------------------------------------------------------------------------------


def release(tag: str, published: str | None, url: str = "", name: str = "") -> dict[str, object]:
    return {"tag": tag, "name": name or tag, "published_at": published, "url": url}


def test_the_latest_releases_come_newest_first(sector: Sector) -> None:
    sector.make(
        "ancienne",
        latest_release=release(
            "v1.0", "2025-01-01T10:00:00Z", "https://github.com/d/ancienne/releases/tag/v1.0"
        ),
    )
    sector.make(
        "nouvelle",
        latest_release=release(
            "v2.0", "2026-01-01T10:00:00Z", "https://github.com/d/nouvelle/releases/tag/v2.0"
        ),
    )
    sector.make("sans-date", latest_release=release("v0.1", None))
    sector.make("sans-version")
    gone = sector.make("disparue", latest_release=release("v9", "2026-01-02T00:00:00Z"))
    Repository.objects.filter(pk=gone.pk).update(gone_since=datetime(2026, 2, 1, tzinfo=UTC))

    feed = get_feed("/feeds/releases.atom")

    assert feed.title == "Latest releases"
    assert [entry.title for entry in feed.entries] == [
        "direction-numerique/nouvelle v2.0",
        "direction-numerique/ancienne v1.0",
    ]
    newest = feed.entries[0]
    assert newest.link == "https://github.com/d/nouvelle/releases/tag/v2.0"
    assert newest.updated.startswith("2026-01-01T10:00:00")
    assert feed.id == "http://testserver/feeds/releases.atom"


def test_a_release_without_a_safe_link_points_to_its_repository(sector: Sector) -> None:
    repo = sector.make(
        "piege",
        description=HOSTILE,
        latest_release=release(
            "v1 <x>", "2026-01-01T00:00:00Z", "javascript:alert(1)", name=f"<i>v1</i> {EMAIL}"
        ),
    )

    feed = get_feed("/feeds/releases.atom")

    (entry,) = feed.entries
    assert entry.link == f"http://testserver/repositories/{repo.pk}/#release-v1%20%3Cx%3E"
    assert entry.title == "direction-numerique/piege <i>v1</i> [e-mail address hidden]"
    assert set(tags_of(entry.summary).tags) == set()
    assert EMAIL not in feed.body
    assert "javascript:" not in feed.body


# -- everywhere ----------------------------------------------------------------------------


def test_no_feed_shows_an_e_mail_address(searchable: Sector) -> None:
    searchable.make(
        "contact",
        description=f"Écrire à {EMAIL}",
        topics=[EMAIL],
        latest_release=release("v1", "2026-01-01T00:00:00Z", name=EMAIL),
    )
    searchable.ministry.name = f"Ministère {EMAIL}"
    searchable.ministry.save()
    searchable.directorate.name = f"Direction {EMAIL}"
    searchable.directorate.save()

    for path in (
        "/feeds/repositories.atom",
        "/feeds/repositories.atom?q=contact",
        "/feeds/releases.atom",
        "/feeds/organisations/direction-numerique.atom",
    ):
        body = get_feed(path).body
        assert not ANY_EMAIL.search(body), path
        assert "<email>" not in body


def test_every_feed_has_its_own_id(sector: Sector) -> None:
    ids = {
        get_feed(path).id
        for path in (
            "/feeds/repositories.atom",
            "/feeds/releases.atom",
            "/feeds/organisations/direction-numerique.atom",
            "/feeds/repositories.atom?language=Python",
        )
    }

    assert len(ids) == 4


# -- autodiscovery -------------------------------------------------------------------------


def test_every_page_offers_the_site_feeds(sector: Sector) -> None:
    links = feed_links("/")

    assert [(link["title"], link["href"]) for link in links] == [
        ("Latest repositories", "/feeds/repositories.atom"),
        ("Latest releases", "/feeds/releases.atom"),
    ]


def test_the_list_page_offers_the_feed_of_its_search(searchable: Sector) -> None:
    links = feed_links("/repositories/?language=Python&q=carto&fork=maybe&page=1")

    assert links[0] == {
        "rel": "alternate",
        "type": "application/atom+xml",
        "title": "Repositories matching this search",
        # The page number is not part of a search, and fork=maybe would be a 400.
        "href": "/feeds/repositories.atom?q=carto&language=Python",
    }
    assert Client().get(links[0]["href"]).status_code == 200
    assert feed_links("/repositories/")[0]["href"] == "/feeds/repositories.atom"


def test_an_organisation_page_offers_its_feed(sector: Sector) -> None:
    links = feed_links("/organisations/laboratoire-innovation/")

    assert links[0]["href"] == "/feeds/organisations/laboratoire-innovation.atom"
    assert Client().get(links[0]["href"]).status_code == 200
