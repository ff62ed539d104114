"""The list of offers, its filters and feed; expiry without any job running."""

from __future__ import annotations

import datetime
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone

from communs.jobs.models import JobOffer

from .conftest import Offers

ATOM = "{http://www.w3.org/2005/Atom}"


def listed(client, query: str = "") -> set[str]:
    response = client.get(reverse("jobs:job-list") + query)
    assert response.status_code == 200, response.content[:500]
    return {o.slug for o in response.context["page"].object_list}


def test_only_published_unexpired_offers_are_listed(client, offers: Offers) -> None:
    assert listed(client) == {"dev-python", "admin-gitlab"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?remote=yes", {"dev-python"}),
        ("?remote=no", {"admin-gitlab"}),
        ("?skill=python", {"dev-python"}),
        ("?skill=gitlab", {"admin-gitlab"}),
        ("?organisation=dinum", {"dev-python"}),
        ("?organisation=nobody", set()),
        ("?place=lyo", {"admin-gitlab"}),
        ("?remote=yes&skill=gitlab", set()),
    ],
)
def test_the_filters(client, offers: Offers, query: str, expected: set[str]) -> None:
    assert listed(client, query) == expected


@pytest.mark.parametrize(
    "query", ["?remote=maybe", "?skill=a%20b", "?organisation=%3Cscript%3E", "?place=" + "x" * 200]
)
def test_bad_filters_are_400_with_the_form(client, offers: Offers, query: str) -> None:
    response = client.get(reverse("jobs:job-list") + query)
    assert response.status_code == 400
    assert b"error-summary" in response.content


def test_an_offer_expires_at_the_end_of_its_day(client, offers: Offers) -> None:
    today = timezone.localdate()
    JobOffer.objects.filter(pk=offers.python.pk).update(expires_on=today)
    assert "dev-python" in listed(client)
    tomorrow = today + datetime.timedelta(days=1)
    assert "dev-python" not in {o.slug for o in JobOffer.objects.visible(today=tomorrow)}


def test_the_feed_has_the_listed_offers_only(client, offers: Offers) -> None:
    response = client.get(reverse("jobs:jobs-feed"))
    assert response.status_code == 200
    feed = ElementTree.fromstring(response.content)  # noqa: S314 (our own answer, in a test)
    links = {e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")}
    assert {link.rsplit("/jobs/", 1)[1].strip("/") for link in links} == {
        "dev-python",
        "admin-gitlab",
    }


def test_no_address_on_the_public_pages(client, offers: Offers) -> None:
    for url in (
        reverse("jobs:job-list"),
        reverse("jobs:jobs-feed"),
        offers.python.get_absolute_url(),
    ):
        content = client.get(url).content
        assert b"paul.leroy" not in content and b"@culture.gouv.fr" not in content, url


def test_an_expired_offer_page_says_so(client, offers: Offers) -> None:
    response = client.get(offers.expired.get_absolute_url())
    assert response.status_code == 200
    assert response.context["expired"]


def test_a_proposal_is_hidden_from_visitors(client, offers: Offers) -> None:
    assert client.get(offers.proposal.get_absolute_url()).status_code == 404
