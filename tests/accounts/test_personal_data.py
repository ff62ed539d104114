"""A person's data: the download, and the deletion that keeps only anonymous counts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.accounts.people import make_agent, make_software

from communs.accounts import personal_data
from communs.accounts.models import Profile, profile_of
from communs.audit.log import record
from communs.audit.models import AuditEntry
from communs.catalogue.models import Category, CategoryFollow, Referent, Usage
from communs.contributions.models import CommitCount, TrackedRepository
from communs.sources.models import Organisation

DOWNLOAD = "/accounts/personal-data/download/"
DELETE = "/accounts/delete/"


@pytest.fixture
def alice(db, settings):
    """An agent with a little of everything: profile, use, referent role, follow, an
    audit entry, counted commits; and a colleague whose rows must not move."""
    settings.AGENT_DOMAINS = ["gouv.fr"]
    dinum = Organisation.objects.create(key="dinum", name="DINUM")
    user = make_agent("alice")
    user.set_password("correct horse")
    user.first_name, user.last_name = "Alice", "Durand"
    user.save()
    profile = profile_of(user)
    profile.organisation, profile.skills, profile.directory = dinum, ["Python"], True
    profile.save()
    software = make_software("LibreOffice")
    Usage.objects.create(software=software, agent=user, organisation=dinum, use_case="Mes notes")
    Referent.objects.create(software=software, agent=user, organisation=dinum)
    CategoryFollow.objects.create(user=user, category=Category.objects.create(slug="bureau"))
    record(user, "usage.declare", software)
    tracked = TrackedRepository.objects.create(url="https://git.example.org/lo.git")
    tracked.software.add(software)
    CommitCount.objects.create(
        tracked=tracked, year=2024, public_sector=True, domain="culture.gouv.fr",
        person=user, organisation=dinum, commits=5, authors=1,
    )  # fmt: skip
    colleague = make_agent("bob")
    Usage.objects.create(software=software, agent=colleague, organisation=dinum)
    record(colleague, "usage.declare", software)
    return user


def test_the_pages_need_an_account(client, db):
    for url in ("/accounts/personal-data/", DOWNLOAD, DELETE):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_the_download_holds_the_persons_rows_and_nobody_elses(client, alice):
    client.force_login(alice)
    page = client.get("/accounts/personal-data/")
    assert page.status_code == 200
    assert DOWNLOAD in page.content.decode() and DELETE in page.content.decode()
    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)["data"]
    assert data["account"]["addresses"] == [
        {"email": "alice@culture.gouv.fr", "verified": True, "primary": True}
    ]
    assert data["profile"]["skills"] == ["Python"]
    assert data["profile"]["organisation"] == "dinum"
    assert [u["use_case"] for u in data["catalogue"]["usages"]] == ["Mes notes"]
    assert [r["software"] for r in data["catalogue"]["referent_roles"]] == ["libreoffice"]
    assert [f["category"] for f in data["catalogue"]["followed_categories"]] == ["bureau"]
    assert [e["action"] for e in data["audit_log"]] == ["usage.declare"]
    assert data["contributions"] == [
        {
            "repository": "https://git.example.org/lo.git",
            "year": 2024,
            "domain": "culture.gouv.fr",
            "organisation": "dinum",
            "commits": 5,
        }
    ]
    assert "bob" not in response.content.decode()


def test_other_apps_add_their_part_through_the_registry(client, alice):
    erased = []
    personal_data.register(
        "test_app", export=lambda user: {"who": user.pk}, erase=lambda user: erased.append(user.pk)
    )
    try:
        client.force_login(alice)
        assert json.loads(client.get(DOWNLOAD).content)["data"]["test_app"] == {"who": alice.pk}
        pk = alice.pk
        client.post(DELETE, {"password": "correct horse", "confirm": "on"})
        assert erased == [pk]
    finally:
        personal_data._providers.pop("test_app", None)


def test_deleting_keeps_only_anonymous_counts(client, alice):
    Usage.objects.create(software=make_software("Gimp"), agent=alice)  # no organisation
    client.force_login(alice)
    pk = alice.pk
    assert client.get(DELETE).status_code == 200
    assert get_user_model().objects.filter(pk=pk).exists()  # a GET deletes nothing

    response = client.post(DELETE, {"password": "correct horse", "confirm": "on"})

    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=pk).exists()
    assert not EmailAddress.objects.filter(email="alice@culture.gouv.fr").exists()
    assert not Profile.objects.filter(user_id=pk).exists()
    assert not Referent.objects.filter(agent_id=pk).exists()
    assert not CategoryFollow.objects.exists()
    # Her organisation still counts a use, without her or her words.
    usage = Usage.objects.get(organisation__key="dinum", agent=None)
    assert usage.use_case == ""
    assert Usage.objects.filter(organisation__key="dinum").count() == 2
    # A use without an organisation would count for nobody: it goes.
    assert not Usage.objects.filter(software__slug="gimp").exists()
    # The log keeps what happened, not who did it; her colleague's entry is untouched.
    entries = {e.action + ":" + e.actor_label for e in AuditEntry.objects.all()}
    assert entries == {"usage.declare:", "usage.declare:bob"}
    # Commit counts stay, anonymous, with the organisation.
    count = CommitCount.objects.get()
    assert (count.person, count.organisation.key, count.commits) == (None, "dinum", 5)
    # Signed out.
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "data",
    [{}, {"confirm": "on"}, {"password": "wrong", "confirm": "on"}, {"password": "correct horse"}],
)
def test_deleting_needs_the_password_and_the_tick(client, alice, data):
    client.force_login(alice)
    response = client.post(DELETE, data)
    assert response.status_code == 400
    assert get_user_model().objects.filter(pk=alice.pk).exists()


def test_deleting_is_csrf_checked(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(DELETE, {"password": "correct horse", "confirm": "on"})
    assert response.status_code == 403
    assert get_user_model().objects.filter(pk=alice.pk).exists()


def test_an_account_without_password_must_have_signed_in_just_before(client, alice):
    alice.set_unusable_password()
    alice.save()
    client.force_login(alice)  # which sets last_login: moved back an hour
    get_user_model().objects.filter(pk=alice.pk).update(
        last_login=timezone.now() - timedelta(hours=1)
    )
    response = client.post(DELETE, {"confirm": "on"})
    assert response.status_code == 400
    assert get_user_model().objects.filter(pk=alice.pk).exists()

    get_user_model().objects.filter(pk=alice.pk).update(last_login=timezone.now())
    response = client.post(DELETE, {"confirm": "on"})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=alice.pk).exists()


def test_deleting_blanks_the_persons_words_in_the_log(client, alice):
    software = make_software("Inkscape")
    words = {"use_case": {"before": "", "after": "Mes dessins à moi"}}
    record(alice, "usage.declare", software, {**words, "version": {"before": None, "after": "1.3"}})
    record(alice, "software.publish", software, {"state": {"before": "proposed", "after": "ok"}})
    record(alice, "job.propose", software, {"skills": {"before": [], "after": ["Python"]}})
    theirs = record(get_user_model().objects.get(username="bob"), "usage.edit", software, words)
    client.force_login(alice)

    client.post(DELETE, {"password": "correct horse", "confirm": "on"})

    changes = {e.action: e.changes for e in AuditEntry.objects.filter(target_label="Inkscape")}
    assert changes["usage.declare"] == {
        "use_case": {"before": "", "after": ""},
        "version": {"before": None, "after": "1.3"},  # a version is nobody's words
    }
    assert changes["software.publish"] == {"state": {"before": "proposed", "after": "ok"}}
    assert changes["job.propose"] == {"skills": {"before": [], "after": [""]}}
    # A colleague's entry keeps what they wrote.
    theirs.refresh_from_db()
    assert theirs.changes == words


def test_blanking_keeps_keys_numbers_and_booleans():
    changes = {"remote": {"before": False, "after": True}, "note": {"x": ["a", 1, None]}}
    assert personal_data.anonymous_changes(changes) == {
        "remote": {"before": False, "after": True},
        "note": {"x": ["", 1, None]},
    }
