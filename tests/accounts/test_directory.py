"""The directory of agents: opt-in, filters, what a listing shows, never an address."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from tests.accounts.people import make_agent, make_person, make_software

from communs.accounts.models import Profile, profile_of
from communs.catalogue.models import Moderation, Referent
from communs.sources.models import Organisation

ADDRESS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.fixture
def dinum(db, settings):
    settings.AGENT_DOMAINS = ["gouv.fr"]
    return Organisation.objects.create(key="dinum", name="DINUM")


def listed_agent(name: str, organisation=None, skills=(), first_name="", last_name=""):
    user = make_agent(name)
    user.first_name, user.last_name = first_name, last_name
    user.save()
    profile = profile_of(user)
    profile.directory = True
    profile.organisation = organisation
    profile.skills = list(skills)
    profile.save()
    return user


def test_profiles_are_private_until_the_person_opts_in(client, dinum):
    user = make_agent("quiet")
    profile = profile_of(user)
    assert (profile.directory, profile.public) == (False, False)
    assert client.get("/agents/").context["count"] == 0
    assert client.get(f"/agents/{profile.pk}/").status_code == 404

    profile.directory = True
    profile.save()
    assert client.get("/agents/").context["count"] == 1
    assert client.get(f"/agents/{profile.pk}/").status_code == 200

    # Opting out takes the page down at once.
    profile.directory = False
    profile.save()
    assert client.get(f"/agents/{profile.pk}/").status_code == 404


def test_only_agents_by_address_are_listed(client, dinum):
    outsider = make_person("outsider")  # a verified address outside the agents' domains
    unverified = make_person("unverified")
    inactive = listed_agent("gone")
    inactive.is_active = False
    inactive.save()
    for user in (outsider, unverified):
        Profile.objects.create(user=user, directory=True)
    assert client.get("/agents/").context["count"] == 0


def test_the_list_filters_by_organisation_and_skill(client, dinum):
    listed_agent("ana", dinum, ["Python", "PostgreSQL"], "Ana", "Lima")
    listed_agent("ben", None, ["python"], "Ben", "Roy")
    listed_agent("cid", dinum, ["Accessibility"], "Cid", "Ode")

    def names(query: str) -> list[str]:
        return [p.display_name for p in client.get(f"/agents/{query}").context["page"]]

    assert names("") == ["Ana Lima", "Cid Ode", "Ben Roy"]
    assert names("?organisation=dinum") == ["Ana Lima", "Cid Ode"]
    assert names("?skill=PYTHON") == ["Ana Lima", "Ben Roy"]
    assert names("?organisation=dinum&skill=python") == ["Ana Lima"]
    facets = client.get("/agents/").context["facets"]
    assert ("Python", 2) in facets.skills
    assert facets.organisations == [("dinum", "DINUM", 2)]


def test_a_listing_shows_referent_roles_and_never_an_address(client, dinum):
    user = listed_agent("alice.durand", dinum, ["Python"], "Alice", "Durand")
    published = make_software("LibreOffice")
    proposed = make_software("Secret", moderation=Moderation.PROPOSED)
    lapsed = make_software("Ancien")
    Referent.objects.create(software=published, agent=user, is_expert=True)
    Referent.objects.create(software=proposed, agent=user)
    Referent.objects.create(software=lapsed, agent=user, lapsed=True)
    profile = user.profile
    profile.about = "J'aide sur LibreOffice."
    profile.save()

    page = client.get(f"/agents/{profile.pk}/")
    html = page.content.decode()
    assert "LibreOffice" in html and "DINUM" in html and "Python" in html
    assert "Secret" not in html and "Ancien" not in html
    listing = client.get("/agents/").content.decode()
    for text in (html, listing):
        assert "alice.durand" not in text  # neither the address nor the username
        assert not ADDRESS.search(text.replace("communs@localhost", ""))


def test_an_address_typed_as_a_name_is_hidden(client, dinum):
    user = listed_agent("x", first_name="mail", last_name="me@example.org")
    html = client.get(f"/agents/{user.profile.pk}/").content.decode()
    assert "me@example.org" not in html
    assert "me@example.org" not in client.get("/agents/").content.decode()


def test_the_profile_form_saves_skills_and_consent(client, dinum):
    user = make_agent("ana")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {"skills": " Python,postgreSQL , python,, C++ ", "directory": "on"},
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=user)
    assert profile.skills == ["Python", "postgreSQL", "C++"]
    assert profile.directory is True
    form_page = client.get(reverse("accounts:profile")).content.decode()
    assert 'value="Python, postgreSQL, C++"' in form_page


@pytest.mark.parametrize(
    "skills",
    [
        ", ".join(f"skill{n}" for n in range(13)),
        "x" * 41,
        "write me at a@b.fr",
        "<script>",
        "-leading",
    ],
)
def test_bad_skills_are_refused(client, dinum, skills):
    user = make_agent("ana")
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"skills": skills, "directory": "on"})
    assert response.status_code == 200
    assert "skills" in response.context["form"].errors
    assert not Profile.objects.filter(user=user, directory=True).exists()


def test_a_listing_shows_the_repositories_the_agent_contributes_to(client, dinum):
    from communs.contributions.models import CommitCount, TrackedRepository

    user = listed_agent("ana", dinum)
    tracked = TrackedRepository.objects.create(url="https://git.example.org/tableur.git")
    tracked.software.add(make_software("Tableur"))
    hidden = TrackedRepository.objects.create(url="https://git.example.org/secret.git")
    hidden.software.add(make_software("Secret", moderation=Moderation.PROPOSED))
    for item, year in ((tracked, 2023), (tracked, 2024), (hidden, 2024)):
        CommitCount.objects.create(
            tracked=item, year=year, public_sector=True, domain="culture.gouv.fr",
            person=user, organisation=dinum, commits=3, authors=1,
        )  # fmt: skip

    page = client.get(f"/agents/{user.profile.pk}/")
    html = page.content.decode()
    assert "https://git.example.org/tableur.git" in html
    assert "2023–2024" in html
    assert "secret" not in html.lower()
    [row] = page.context["repositories"]
    assert row.commits == 6
