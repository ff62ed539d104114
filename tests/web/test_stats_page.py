"""The stats page (/stats/): every chart's table says what the database holds."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from communs.analysis.models import RepositoryAnalysis
from communs.repositories.models import Repository
from communs.sources.models import Account, Forge, Organisation

from .conftest import RepositoryFactory, Sector
from .tables import number, read_tables
from .test_page_structure import parse

STATS = reverse("stats")


def when(year: int, month: int, day: int = 10) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


@pytest.fixture
def index(sector: Sector, make_repository: RepositoryFactory) -> None:
    """Two ministries, a forge under none, licences, languages and creation dates."""
    other = Organisation.objects.create(
        key="ministere-autre", name="Autre ministère", level=Organisation.Level.MINISTRY
    )
    other_account = Account.objects.create(forge=sector.github, path="autre", organisation=other)
    lonely = Forge.objects.create(
        host="git.commune.fr",
        kind="gitea",
        url="https://git.commune.fr",
        api_url="https://git.commune.fr/api/v1",
    )
    make_repository(license="MIT", language="Python", created_at=when(2019, 3))
    make_repository(license="MIT", language="Python", created_at=when(2019, 3, 28))
    make_repository(license="EUPL-1.2", language="Go", created_at=when(2021, 11))
    make_repository(license="NOASSERTION", language="Go", created_at=when(2021, 1))
    make_repository(account=sector.lab_account, language="Rust", created_at=when(2024, 6))
    make_repository(account=None, license="MIT", created_at=None)  # the lab's own forge
    make_repository(
        account=other_account, license="GPL-3.0-only", language="Python", created_at=when(2024, 2)
    )
    make_repository(account=None, forge=lonely, language="PHP", created_at=when(1970, 1, 1))
    make_repository(license="MIT", created_at=when(2020, 5), gone_since=when(2024, 1))


def expected_months(column: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for value in Repository.objects.filter(gone_since__isnull=True).values_list(column, flat=True):
        if value is not None and value.year >= 1980:
            counts[value.astimezone(UTC).strftime("%Y-%m")] += 1
    return counts


def test_every_table_equals_the_database_counts(client: Client, index: None) -> None:
    html = client.get(STATS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    tables = read_tables(html).tables
    present = list(
        Repository.objects.filter(gone_since__isnull=True).select_related(
            "forge__organisation", "account__organisation"
        )
    )

    def column(caption: str) -> dict[str, int]:
        return {row[0]: number(row[1]) for row in tables[caption]}

    licence_names = {"": "Unknown", "NOASSERTION": "Other (not identified)"}
    assert column("Repositories by licence, the most frequent first") == Counter(
        licence_names.get(r.license, r.license) for r in present
    )
    assert column("Repositories by main language, the most frequent first") == Counter(
        r.language or "Unknown" for r in present
    )
    assert column("Repositories by forge, the most frequent first") == Counter(
        r.forge.host for r in present
    )

    def ministry_of(repository: Repository) -> str:
        organisation = (
            repository.account.organisation if repository.account else repository.forge.organisation
        )
        found = organisation.ministry if organisation else None
        return found.name if found else "Under no ministry"

    by_ministry = column("Repositories of each ministry and of the organisations under it")
    assert by_ministry == Counter(ministry_of(r) for r in present)
    assert by_ministry == {
        "Ministère de l'Exemple": 6,
        "Autre ministère": 1,
        "Under no ministry": 1,
    }

    # Every year from the first to the last plausible one, empty years included.
    years = column("Repositories by the year their forge says they were created")
    created = expected_months("created_at")
    assert years == {
        str(year): sum(n for month, n in created.items() if month.startswith(str(year)))
        for year in range(2019, 2025)
    }
    assert years["2022"] == 0
    assert "The creation date of 2 repositories is unknown" in html

    months = tables[
        "Repositories created and first seen each month, and in all at the end of the month"
    ]
    assert months[0][0] == "2019-03" and months[-1][0] == max(expected_months("first_seen_at"))
    first_seen = expected_months("first_seen_at")
    running = [0, 0]
    for month, made, seen, made_total, seen_total in months:
        running = [running[0] + created[month], running[1] + first_seen[month]]
        assert (number(made), number(seen)) == (created[month], first_seen[month]), month
        assert (number(made_total), number(seen_total)) == tuple(running), month
    assert running == [sum(created.values()), len(present)]


def test_the_charts_draw_the_numbers_of_their_tables(client: Client, index: None) -> None:
    html = client.get(STATS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    reader = read_tables(html)
    islands = dict(
        re.findall(
            r'<script id="(chart-[a-z-]+-data)" type="application/json">(.*?)</script>', html
        )
    )
    assert set(islands) == {
        "chart-ministry-data",
        "chart-license-data",
        "chart-language-data",
        "chart-forge-data",
        "chart-year-data",
        "chart-per-month-data",
        "chart-timeline-data",
    }
    languages = json.loads(islands["chart-language-data"])
    rows = reader.tables["Repositories by main language, the most frequent first"]
    assert languages["labels"] == [row[0] for row in rows]
    assert languages["series"][0]["data"] == [number(row[1]) for row in rows]
    timeline = json.loads(islands["chart-timeline-data"])
    months = reader.tables[
        "Repositories created and first seen each month, and in all at the end of the month"
    ]
    assert timeline["labels"] == [row[0] for row in months]
    assert timeline["series"][0]["data"] == [number(row[3]) for row in months]
    # Each drawing waits for the script; each table is open until a chart replaces it.
    assert html.count("data-chart=") == 7
    assert html.count('<details class="chart__table" open') == 6


def test_the_table_rows_link_to_the_filtered_lists(
    client: Client, index: None, sector: Sector
) -> None:
    reader = read_tables(client.get(STATS, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    links = reader.links
    assert (
        links["Repositories by licence, the most frequent first"]["MIT"]
        == "/repositories/?license=MIT"
    )
    assert (
        links["Repositories by licence, the most frequent first"]["Unknown"]
        == "/repositories/?license=unknown"
    )
    assert links["Repositories by forge, the most frequent first"]["git.commune.fr"] == (
        "/repositories/?forge=git.commune.fr"
    )
    ministries = links["Repositories of each ministry and of the organisations under it"]
    assert ministries["Ministère de l'Exemple"] == f"/ministries/{sector.ministry.key}/"
    assert "Under no ministry" not in ministries


def test_it_loads_its_scripts_from_the_site_itself(client: Client, index: None) -> None:
    html = client.get(STATS).content.decode()
    scripts = re.findall(r'<script[^>]* src="([^"]+)"', html)
    assert scripts == ["/static/web/vendor/chartjs/chart.umd.min.js", "/static/web/js/charts.js"]
    for url in scripts:
        path = finders.find(url.removeprefix("/static/"))
        assert path, url
    with open(finders.find("web/vendor/chartjs/chart.umd.min.js"), encoding="utf-8") as vendored:
        assert "Chart.js v4." in vendored.read(200)
    assert finders.find("web/vendor/chartjs/LICENSE.md")


@pytest.mark.parametrize(
    "url", ["/", "/stats/", "/ministries/", "/repositories/", "/organisations/"]
)
def test_no_page_loads_anything_from_another_site(client: Client, index: None, url: str) -> None:
    html = client.get(url).content.decode()
    for tag, address in re.findall(
        r"<(script|link|img|iframe)\b[^>]*?(?:src|href)=\"([^\"]*)\"", html
    ):
        # The site's own paths, or its own absolute URLs (feeds may be written so).
        local = address.removeprefix("http://testserver")
        assert local.startswith("/") and not local.startswith("//"), (tag, address)
    # Outside the random tokens of forms (one may well spell "cdn").
    assert "cdn" not in re.sub(r'value="[^"]*"', "", html).lower()


def test_it_counts_an_empty_index(client: Client, db: None) -> None:
    response = client.get(STATS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing to count yet." in html
    assert "data-chart=" not in html


def test_it_speaks_french(client: Client, index: None) -> None:
    html = client.get(STATS, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr"' in html
    # French number formatting in the tables.
    assert re.search(r'<td class="number">\d+,\d\u202f%</td>', html)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_new_pages_keep_the_accessibility_rules(
    client: Client, index: None, sector: Sector, language: str
) -> None:
    for url in (STATS, "/ministries/", f"/ministries/{sector.ministry.key}/"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        markup = parse(response.content.decode())
        tags = [tag for tag, _ in markup.tags]
        assert markup.tags[0][1].get("lang") == language, url
        assert tags.count("h1") == 1, url
        assert [name for name, n in markup.ids.items() if n > 1] == [], url
        assert markup.tables and markup.tables == markup.tables_with_caption, url
        for tag, attrs in markup.tags:
            if tag == "th":
                assert attrs.get("scope") in {"col", "row"}, (url, attrs)
            if tag == "nav":
                assert attrs.get("aria-label"), (url, attrs)
        # Every heading level follows the one before it (no h2 → h4 jump).
        levels = [int(tag[1]) for tag in tags if tag in {"h1", "h2", "h3", "h4"}]
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), url


def test_it_counts_the_publiccode_files_the_analyses_found(client: Client, index: None) -> None:
    live = list(Repository.objects.filter(gone_since__isnull=True).order_by("pk")[:4])
    gone = Repository.objects.filter(gone_since__isnull=False).first()
    verdicts = [(True, True), (True, False), (True, True), (False, None)]
    for repo, (found, valid) in zip(live, verdicts, strict=True):
        RepositoryAnalysis.objects.create(
            repository=repo,
            status="analysed",
            has_publiccode=found,
            publiccode_valid=valid,
            analysed_at=when(2026, 1),
        )
    if gone is not None:
        # A repository its forge no longer lists is not counted.
        RepositoryAnalysis.objects.create(
            repository=gone,
            status="analysed",
            has_publiccode=True,
            publiccode_valid=True,
            analysed_at=when(2026, 1),
        )

    html = client.get(STATS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = html[html.index('id="publiccode-title"') :]
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>(?:<a [^>]*>)?([\d,]+)", section)[:3])

    assert figures == {
        "Repositories with a publiccode.yml": "3",
        "Valid files": "2",
        "Files with errors": "1",
    }
    assert 'href="/repositories/?publiccode=only"' in section
