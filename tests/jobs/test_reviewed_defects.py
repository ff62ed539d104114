"""Defects a review found in the jobs app: long descriptions, slugs hidden behind a
route, and offers missing from the personal-data download."""

from __future__ import annotations

from django.urls import resolve, reverse
from tests.accounts.people import make_person, sign_in

from communs.accounts import personal_data
from communs.jobs.forms import JobOfferForm
from communs.jobs.models import MAX_DESCRIPTION, JobOffer

from .conftest import Offers
from .test_moderation import proposal_data


def test_it_refuses_a_description_over_the_bound(offers: Offers) -> None:
    form = JobOfferForm(proposal_data(description="x" * (MAX_DESCRIPTION + 1)))
    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["description"]] == ["max_length"]
    assert JobOfferForm(proposal_data(description="x" * MAX_DESCRIPTION)).is_valid()


def test_an_offer_titled_like_a_route_stays_reachable(client, offers: Offers) -> None:
    sign_in(client, make_person("agent"))
    for title in ["Propose", "Moderation"]:
        response = client.post(reverse("jobs:job-propose"), proposal_data(title=title))
        assert response.status_code == 302
        offer = JobOffer.objects.get(title=title)
        assert offer.slug == f"{title.lower()}-2"
        assert resolve(offer.get_absolute_url()).url_name == "job-detail"
        assert client.get(offer.get_absolute_url()).status_code == 200


def test_the_download_holds_the_offers_own_fields(offers: Offers) -> None:
    author = offers.python.proposed_by
    offers.python.description = "Une **belle** offre."
    offers.python.save()
    exported = personal_data.export_data(author)["data"]["jobs"]
    first = next(row for row in exported if row["slug"] == "dev-python")
    assert first["organisation"] == "DINUM"
    assert first["place"] == "Paris"
    assert first["remote"] is True
    assert first["link"] == "https://emploi.example.gouv.fr/dev-python"
    assert first["skills"] == ["Python"]
    assert first["description"] == "Une **belle** offre."
    assert first["expires_on"] == offers.python.expires_on.isoformat()
