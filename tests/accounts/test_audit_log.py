"""The audit log: record() and history_of(), the public history, and the diff helpers."""

from __future__ import annotations

import datetime

import pytest
from tests.accounts.people import make_person

from communs.accounts.models import profile_of
from communs.audit.log import diff, history_of, public_history_of, record, snapshot
from communs.audit.models import AuditEntry
from communs.catalogue.models import Category, Software


@pytest.fixture
def software(db):
    return Software.objects.create(name="VLC", slug="vlc")


def test_record_keeps_who_what_and_the_changes(software):
    agent = make_person("agent")
    entry = record(agent, "software.edit", software, {"name": {"before": "vlc", "after": "VLC"}})
    entry.refresh_from_db()
    assert entry.actor == agent
    assert entry.actor_label == "alice"
    assert entry.target == software
    assert entry.target_label == "VLC"
    assert entry.changes == {"name": {"before": "vlc", "after": "VLC"}}


def test_the_label_survives_the_account_and_is_never_an_address(software, django_user_model):
    person = django_user_model.objects.create_user(username="jean@culture.gouv.fr")
    entry = record(person, "software.edit", software)
    person.delete()
    entry.refresh_from_db()
    assert entry.actor is None
    assert entry.actor_label == "jean"


def test_the_system_may_act(software):
    entry = record(None, "referent.lapse", software)
    assert entry.actor is None and entry.actor_label == ""


def test_history_is_newest_first_and_only_about_its_target(software):
    other = Software.objects.create(name="GIMP", slug="gimp")
    first = record(None, "software.propose", software)
    second = record(None, "software.publish", software)
    record(None, "software.publish", other)
    AuditEntry.objects.filter(pk=first.pk).update(at=first.at - datetime.timedelta(days=1))
    assert [entry.pk for entry in history_of(software)] == [second.pk, first.pk]


def test_the_public_history_hides_private_actions_and_private_names(software):
    shy = make_person("agent")
    proud = make_person("agent", suffix="2")
    profile = profile_of(proud)
    profile.public = True
    profile.save()
    proud.first_name, proud.last_name = "Alice", "Durand"
    proud.save()
    record(shy, "usage.declare", software)
    record(proud, "referent.join", software)
    record(shy, "contact.send", software, {"recipients": 1})
    entries = list(public_history_of(software))
    assert [entry.action for entry in entries] == ["referent.join", "usage.declare"]
    assert [entry.public_actor for entry in entries] == ["Alice Durand", ""]


def test_a_public_person_without_a_name_is_not_named_by_their_address(software):
    # allauth makes usernames from addresses: "alice2" for alice2@culture.gouv.fr.
    nameless = make_person("agent", suffix="2")
    profile = profile_of(nameless)
    profile.public = True
    profile.save()
    record(nameless, "usage.declare", software)
    (entry,) = public_history_of(software)
    assert entry.actor_label == "alice2"  # kept for the moderators' log
    assert entry.public_actor == ""


def test_snapshot_and_diff_show_what_changed(software):
    category = Category.objects.create(slug="media", name_fr="Multimédia")
    before = snapshot(software, ["name", "categories", "parent", "added_at"])
    software.name = "VLC media player"
    software.save()
    software.categories.add(category)
    after = snapshot(software, ["name", "categories", "parent", "added_at"])
    assert isinstance(after["added_at"], str)
    assert diff(before, after) == {
        "categories": {"before": [], "after": ["Multimédia"]},
        "name": {"before": "VLC", "after": "VLC media player"},
    }
    assert diff(after, after) == {}
