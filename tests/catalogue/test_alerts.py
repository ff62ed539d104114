"""E-mail alerts for followed categories: who may follow, what the digest says, and
that each change is announced exactly once, even across an interrupted run."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.urls import reverse
from tests.accounts.people import AGENT_DOMAINS, make_agent, make_person, make_software

from communs.catalogue import alerts
from communs.catalogue.models import Category, CategoryFollow, Moderation

T0 = datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)
SITE = "https://communs.example.fr"


class FailingOnSecondMessage(EmailBackend):
    """The locmem backend, whose mail server falls over at the second message."""

    sent_in_run = 0

    def send_messages(self, messages):
        FailingOnSecondMessage.sent_in_run += len(messages)
        if FailingOnSecondMessage.sent_in_run == 2:
            raise ConnectionError("mail server gone")
        return super().send_messages(messages)


@pytest.fixture
def setup(db, settings):
    settings.AGENT_DOMAINS = AGENT_DOMAINS
    settings.SITE_URL = SITE
    office = Category.objects.create(slug="bureautique", name_fr="Bureautique", name_en="Office")
    mail_cat = Category.objects.create(slug="messagerie", name_fr="Messagerie", name_en="Mail")
    return office, mail_cat


def follow(user, category, since=T0, language=""):
    return CategoryFollow.objects.create(
        user=user, category=category, created_at=since, last_sent_at=since, language=language
    )


def entry(name, category, added, updated=None, **fields):
    software = make_software(name, added_at=added, updated_at=updated or added, **fields)
    software.categories.add(category)
    return software


# Following -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("visitor", None),
        ("unverified", False),
        ("outsider", True),
        ("agent", True),
        ("moderator", True),
    ],
)
def test_who_may_follow_and_unfollow(client, setup, role, allowed):
    office, _mail = setup
    person = make_person(role)
    if person is not None:
        client.force_login(person)
    follow_url = reverse("catalogue:follow-category", args=[office.slug])
    response = client.post(follow_url, {"next": "/catalogue/?category=bureautique"})
    if allowed is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert not CategoryFollow.objects.exists()
        return
    if not allowed:
        assert response.status_code == 403
        assert not CategoryFollow.objects.exists()
        return
    assert response.status_code == 302
    assert response["Location"] == "/catalogue/?category=bureautique"
    assert CategoryFollow.objects.filter(user=person, category=office).count() == 1
    # Following twice keeps one row.
    client.post(follow_url)
    assert CategoryFollow.objects.filter(user=person, category=office).count() == 1
    response = client.post(reverse("catalogue:unfollow-category", args=[office.slug]))
    assert response.status_code == 302
    assert not CategoryFollow.objects.filter(user=person).exists()


def test_following_needs_a_post_and_a_csrf_token(setup):
    from django.test import Client

    office, _mail = setup
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_agent("rita"))
    url = reverse("catalogue:follow-category", args=[office.slug])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    assert not CategoryFollow.objects.exists()


def test_an_offsite_next_is_not_followed(client, setup):
    office, _mail = setup
    client.force_login(make_agent("rita"))
    url = reverse("catalogue:follow-category", args=[office.slug])
    response = client.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == office.get_absolute_url()


def test_the_buttons_and_my_alerts(client, setup):
    office, _mail = setup
    software = entry("Writer", office, T0)
    rita = make_agent("rita")
    client.force_login(rita)
    follow_action = reverse("catalogue:follow-category", args=[office.slug])
    list_page = client.get("/catalogue/?category=bureautique").content.decode()
    assert f'action="{follow_action}"' in list_page
    assert f'action="{follow_action}"' in client.get(software.get_absolute_url()).content.decode()
    client.post(follow_action)
    mine = client.get(reverse("catalogue:mine")).content.decode()
    assert 'id="my-alerts"' in mine
    assert reverse("catalogue:unfollow-category", args=[office.slug]) in mine
    # No button for a visitor, or for someone without a verified address.
    client.logout()
    assert follow_action not in client.get(software.get_absolute_url()).content.decode()
    client.force_login(make_person("unverified"))
    assert follow_action not in client.get(software.get_absolute_url()).content.decode()


# The digest ----------------------------------------------------------------------------


def test_the_digest_announces_published_news_once(setup):
    office, mail_cat = setup
    rita = make_agent("rita")
    make_agent("sam")  # follows nothing: hears nothing
    follow(rita, office, language="en")
    entry("Old", office, T0 - 10 * HOUR)
    entry("Writer", office, T0 + HOUR)
    entry("Sheet", office, T0 - 10 * HOUR, updated=T0 + 2 * HOUR, function="Tableur")
    entry("Thunderbird", mail_cat, T0 + HOUR)
    entry("Secret", office, T0 + HOUR, moderation=Moderation.PROPOSED)

    summary = alerts.send_alerts(now=T0 + 3 * HOUR, site_url=SITE)
    assert (summary.sent, summary.entries) == (1, 2)
    (message,) = mail.outbox
    assert message.to == ["rita@culture.gouv.fr"]
    assert message.cc == [] and message.bcc == []
    body = message.body
    assert f"{SITE}/catalogue/software/writer/" in body
    new_part, updated_part = body.split("Updated software:")
    assert "- Writer" in new_part and "- Sheet: Tableur" in updated_part
    assert "Old" not in body and "Thunderbird" not in body and "Secret" not in body
    # No other person's address anywhere.
    assert re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", body + message.subject) == []
    assert message.extra_headers["List-Unsubscribe"].startswith(f"<{SITE}/catalogue/alerts/stop/")

    # Run again: nothing new, nothing sent.
    assert alerts.send_alerts(now=T0 + 4 * HOUR, site_url=SITE).sent == 0
    assert len(mail.outbox) == 1

    # A later change is news again; the proposal, once published, too.
    entry("Calc", office, T0 + 5 * HOUR)
    secret = office.software.get(slug="secret")
    secret.moderation = Moderation.PUBLISHED
    secret.updated_at = T0 + 5 * HOUR
    secret.save()
    assert alerts.send_alerts(now=T0 + 6 * HOUR, site_url=SITE).entries == 2
    latest = mail.outbox[-1].body
    assert "Calc" in latest and "Secret" in latest and "Writer" not in latest


def test_an_entry_in_two_followed_categories_and_a_sub_category(setup):
    office, mail_cat = setup
    child = Category.objects.create(slug="tableurs", name_fr="Tableurs", parent=office)
    rita = make_agent("rita")
    follow(rita, office)
    follow(rita, mail_cat)
    both = entry("Suite", office, T0 + HOUR)
    both.categories.add(mail_cat)
    entry("Calc", child, T0 + HOUR)
    alerts.send_alerts(now=T0 + 2 * HOUR, site_url=SITE)
    (message,) = mail.outbox
    assert message.body.count("Suite") == 1
    assert "Calc" in message.body


def test_the_digest_speaks_the_follower_language(setup):
    office, _mail = setup
    follow(make_agent("rita"), office, language="en")
    follow(make_agent("sam"), office)
    entry("Writer", office, T0 + HOUR)
    alerts.send_alerts(now=T0 + 2 * HOUR, site_url=SITE)
    by_address = {message.to[0]: message for message in mail.outbox}
    english = by_address["rita@culture.gouv.fr"]
    french = by_address["sam@culture.gouv.fr"]
    assert "Office" in english.body and "Bureautique" not in english.body
    # French when the language is not known.
    assert "Bureautique" in french.body and "Office" not in french.body


def test_an_interrupted_run_then_a_rerun_sends_each_entry_once(setup, settings):
    office, _mail = setup
    people = [make_agent(name) for name in ("ana", "ben", "cyd", "dan")]
    for person in people:
        follow(person, office)
    entry("Writer", office, T0 + HOUR)

    settings.EMAIL_BACKEND = "tests.catalogue.test_alerts.FailingOnSecondMessage"
    FailingOnSecondMessage.sent_in_run = 0
    with pytest.raises(ConnectionError):
        alerts.send_alerts(now=T0 + 2 * HOUR, site_url=SITE, batch_size=2)
    assert [message.to for message in mail.outbox] == [["ana@culture.gouv.fr"]]

    entry("Calc", office, T0 + 3 * HOUR)
    summary = alerts.send_alerts(now=T0 + 4 * HOUR, site_url=SITE, batch_size=2)
    assert summary.sent == 4
    received: dict[str, list[str]] = {}
    for message in mail.outbox:
        for name in ("Writer", "Calc"):
            if name in message.body:
                received.setdefault(message.to[0], []).append(name)
    assert received == {
        "ana@culture.gouv.fr": ["Writer", "Calc"],
        "ben@culture.gouv.fr": ["Writer", "Calc"],
        "cyd@culture.gouv.fr": ["Writer", "Calc"],
        "dan@culture.gouv.fr": ["Writer", "Calc"],
    }
    # And the mail of ana's second message holds only the new entry.
    ana = [m.body for m in mail.outbox if m.to == ["ana@culture.gouv.fr"]]
    assert len(ana) == 2 and "Writer" not in ana[1]


def test_the_command_sends_then_sends_nothing(setup):
    office, _mail = setup
    follow(make_agent("rita"), office, since=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    entry("Writer", office, T0)
    out = io.StringIO()
    call_command("catalogue", "send-alerts", "--site-url", SITE, stdout=out)
    assert len(mail.outbox) == 1
    call_command("catalogue", "send-alerts", stdout=out)
    assert len(mail.outbox) == 1


def test_following_does_not_send_the_back_catalogue(client, setup):
    office, _mail = setup
    entry("Writer", office, T0)
    client.force_login(make_agent("rita"))
    client.post(reverse("catalogue:follow-category", args=[office.slug]))
    assert alerts.send_alerts(site_url=SITE).sent == 0


# Unsubscribing -------------------------------------------------------------------------


def _stop_path(message) -> str:
    found = re.search(rf"{re.escape(SITE)}(/catalogue/alerts/stop/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_the_unsubscribe_link_stops_every_alert_without_signing_in(setup):
    from django.test import Client

    # As a mail client's one-click POST: no session, no CSRF token.
    client = Client(enforce_csrf_checks=True)
    office, mail_cat = setup
    rita = make_agent("rita")
    sam = make_agent("sam")
    follow(rita, office)
    follow(rita, mail_cat)
    follow(sam, office)
    entry("Writer", office, T0 + HOUR)
    alerts.send_alerts(now=T0 + 2 * HOUR, site_url=SITE)
    message = next(m for m in mail.outbox if m.to == ["rita@culture.gouv.fr"])
    path = _stop_path(message)

    page = client.get(path)
    assert page.status_code == 200 and "<form" in page.content.decode()
    # Opening the link (as a mail gateway's scanner does) changes nothing.
    assert CategoryFollow.objects.filter(user=rita).count() == 2
    assert client.post(path).status_code == 200
    assert not CategoryFollow.objects.filter(user=rita).exists()
    assert CategoryFollow.objects.filter(user=sam).count() == 1


def test_the_unsubscribe_link_is_tamper_proof(client, setup):
    office, _mail = setup
    rita = make_agent("rita")
    sam = make_agent("sam")
    follow(sam, office)
    token = alerts.unsubscribe_token(rita)
    signature = token.partition(":")[2]
    forged = alerts.unsubscribe_token(sam).partition(":")[0] + ":" + signature
    for bad in (forged, token[:-2] + "xx", "nonsense"):
        path = reverse("catalogue:alerts-unsubscribe", args=[bad])
        assert client.post(path).status_code == 404
    assert CategoryFollow.objects.filter(user=sam).count() == 1
    assert alerts.user_for_token(alerts.unsubscribe_token(sam)) == sam
