"""The yearly report, an organisation's contributions and the software page's block."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from tests.accounts.people import make_software
from tests.contributions.test_collect import HISTORY, alice  # noqa: F401 - a fixture

from communs.catalogue.models import Moderation
from communs.contributions.collect import collect

ADDRESS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.fixture
def collected(alice, git_server, local_forge):  # noqa: F811
    software = make_software("Tableur", repository_url=git_server.repository("tableur", HISTORY))
    collect()
    return software


def test_contributions_redirects_to_the_latest_year(client, collected):
    response = client.get("/contributions/")
    assert response.status_code == 302
    assert response["Location"] == reverse("contributions:contributions-year", args=[2024])


def test_the_yearly_report_shows_counts_charts_and_tables(client, collected):
    response = client.get("/contributions/2023/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tableur" in html
    # The chart's numbers as a JSON island, the same numbers in a table in <details>.
    island = re.search(r'<script id="chart-software-data" [^>]*>(.*?)</script>', html)
    assert island is not None
    assert json.loads(island.group(1))["series"][0]["data"] == [2]
    assert '<details class="chart__table" open' in html
    assert response.context["report"].public == 2
    assert response.context["report"].total == 3
    assert not ADDRESS.search(html.replace("communs@localhost", ""))


def test_a_year_without_contributions_says_so(client, db):
    response = client.get("/contributions/2001/")
    assert response.status_code == 200
    assert response.context["report"].public == 0
    assert client.get("/contributions/1200/").status_code == 404


def test_a_proposal_is_left_out_of_the_report(client, collected):
    collected.moderation = Moderation.PROPOSED
    collected.save()
    assert client.get("/contributions/2023/").context["report"].public == 0


def test_an_organisation_page_lists_its_peoples_repositories(client, collected):
    response = client.get(reverse("contributions:contributions-organisation", args=["dinum"]))
    assert response.status_code == 200
    assert "Tableur" in response.content.decode()
    assert response.context["total"] == 3
    assert client.get("/contributions/organisations/nobody/").status_code == 404


def test_the_software_page_shows_the_block(client, collected):
    response = client.get(collected.get_absolute_url())
    html = response.content.decode()
    assert "contributions-title" in html
    assert "interieur.gouv.fr" in html
    assert "alice@" not in html


def test_the_software_page_shows_nothing_when_the_history_could_not_be_read(
    client,
    alice,  # noqa: F811
    git_server,
):
    # No forge lists the test's server: the loopback address is refused.
    software = make_software("Tableur", repository_url=git_server.repository("t", HISTORY))
    collect()
    assert "contributions-title" not in client.get(software.get_absolute_url()).content.decode()


def test_a_repository_shared_by_two_entries_counts_once_in_the_years_figures(client, collected):
    from communs.contributions.models import TrackedRepository

    other = make_software("Tableur Pro")
    proposal = make_software("Brouillon", moderation=Moderation.PROPOSED)
    TrackedRepository.objects.get().software.add(other, proposal)

    report = client.get("/contributions/2023/").context["report"]

    assert (report.public, report.total) == (2, 3)
    assert [(s.name, n) for s, n in report.software] == [("Tableur", 2), ("Tableur Pro", 2)]
