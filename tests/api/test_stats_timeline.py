"""GET /api/v1/stats: repositories by year and month, the same as the stats page's."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from django.test import Client

from communs.repositories.models import Repository

from .conftest import ApiClient, Catalogue, RepositoryFactory


def test_it_counts_by_year_and_month_of_creation(
    api: ApiClient, catalogue: Catalogue, make_repository: RepositoryFactory
) -> None:
    make_repository("ancien", created_at=datetime(2019, 1, 20, tzinfo=UTC))
    make_repository("horloge", created_at=datetime(1970, 1, 1, tzinfo=UTC))  # implausible
    stats = api.json("/api/v1/stats")
    present = Repository.objects.filter(gone_since__isnull=True)
    created = Counter(
        value.strftime("%Y-%m")
        for value in present.values_list("created_at", flat=True)
        if value is not None and value.year >= 1980
    )
    years = {item["year"]: item["count"] for item in stats["by_year"]}
    assert list(years) == list(range(min(years), max(years) + 1))
    assert years == {
        year: sum(n for month, n in created.items() if month.startswith(str(year)))
        for year in years
    }
    assert sum(years.values()) == sum(created.values())
    months = stats["by_month"]
    assert {row["month"]: row["created"] for row in months if row["created"]} == created
    assert months[-1]["created_total"] == sum(created.values())
    assert months[-1]["first_seen_total"] == present.count()


def test_the_page_and_the_api_agree(api: ApiClient, client: Client, catalogue: Catalogue) -> None:
    stats = api.json("/api/v1/stats")
    html = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for item in stats["by_year"]:
        assert f'<th scope="row">{item["year"]}</th>' in html
    for row in stats["by_month"]:
        assert f'<time datetime="{row["month"]}">' in html
