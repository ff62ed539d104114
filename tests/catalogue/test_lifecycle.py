"""The referent lifecycle: yearly reminders, confirmation by a signed link, hand-over
to a colleague, and the lapse of referents who do not answer."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from tests.accounts.people import AGENT_DOMAINS, make_agent, make_person, make_software

from communs.audit.log import history_of
from communs.catalogue import lifecycle
from communs.catalogue.models import Referent

DAY = datetime.timedelta(days=1)
YEAR = 365 * DAY
MONTH = 30 * DAY
T0 = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("now", "since", "reminded", "lapsed", "expected"),
    [
        (T0 + 100 * DAY, T0, None, False, None),
        (T0 + YEAR, T0, None, False, lifecycle.REMIND),
        (T0 + YEAR + 10 * DAY, T0, T0 + YEAR, False, None),
        (T0 + YEAR + MONTH, T0, T0 + YEAR, False, lifecycle.LAPSE),
        # Confirmed after the reminder: the reminder is answered, a new year starts.
        (T0 + YEAR + MONTH, T0 + YEAR + DAY, T0 + YEAR, False, None),
        (T0 + 2 * YEAR + DAY, T0 + YEAR + DAY, T0 + YEAR, False, lifecycle.REMIND),
        (T0 + 5 * YEAR, T0, T0 + YEAR, True, None),
    ],
)
def test_next_step(now, since, reminded, lapsed, expected):
    assert lifecycle.next_step(now, since, reminded, lapsed, YEAR, MONTH) == expected


@pytest.fixture
def referent(db, settings):
    settings.AGENT_DOMAINS = AGENT_DOMAINS
    settings.REFERENT_CONFIRM_EVERY_DAYS = 365
    settings.REFERENT_LAPSE_AFTER_DAYS = 30
    settings.SITE_URL = "https://communs.example.fr"
    software = make_software("Thunderbird")
    agent = make_agent("rita")
    return Referent.objects.create(software=software, agent=agent, created_at=T0, confirmed_at=T0)


def _confirm_path(message) -> str:
    found = re.search(
        r"https://communs\.example\.fr(/catalogue/referents/confirm/\S+/)", message.body
    )
    assert found, message.body
    return found.group(1)


def test_a_referent_is_reminded_once_a_year_then_lapses(referent):
    assert lifecycle.remind_referents(now=T0 + 300 * DAY).reminded == 0
    assert mail.outbox == []

    summary = lifecycle.remind_referents(now=T0 + YEAR)
    assert (summary.reminded, summary.lapsed) == (1, 0)
    (message,) = mail.outbox
    assert message.to == ["rita@culture.gouv.fr"]
    assert "Thunderbird" in message.subject
    _confirm_path(message)

    # Run every day: no second reminder while one is pending.
    assert lifecycle.remind_referents(now=T0 + YEAR + 10 * DAY).reminded == 0
    assert len(mail.outbox) == 1

    summary = lifecycle.remind_referents(now=T0 + YEAR + MONTH)
    assert (summary.reminded, summary.lapsed) == (0, 1)
    referent.refresh_from_db()
    assert referent.lapsed
    assert [entry.action for entry in history_of(referent)] == ["referent.lapse", "referent.remind"]
    # Flagged once.
    assert lifecycle.remind_referents(now=T0 + 3 * YEAR).lapsed == 0


def test_the_link_confirms_only_when_the_button_is_pressed(client, referent):
    lifecycle.remind_referents(now=T0 + YEAR)
    path = _confirm_path(mail.outbox[0])
    page = client.get(path)
    assert page.status_code == 200
    assert "Thunderbird" in page.content.decode()
    referent.refresh_from_db()
    assert referent.confirmed_at == T0
    client.post(path)
    referent.refresh_from_db()
    assert referent.confirmed_at > T0 + YEAR
    assert [entry.action for entry in history_of(referent)][0] == "referent.confirm"
    # Answered: no lapse a month later.
    assert lifecycle.remind_referents(now=T0 + YEAR + MONTH).lapsed == 0


def test_confirming_late_lifts_the_lapse(client, referent):
    lifecycle.remind_referents(now=T0 + YEAR)
    lifecycle.remind_referents(now=T0 + YEAR + MONTH)
    referent.refresh_from_db()
    assert referent.lapsed
    client.post(_confirm_path(mail.outbox[0]))
    referent.refresh_from_db()
    assert not referent.lapsed


@pytest.mark.parametrize("token", ["nonsense", "eyJyIjoxLCJhIjoxfQ:forged:signature"])
def test_a_forged_link_confirms_nothing(client, referent, token):
    response = client.post(reverse("catalogue:referent-confirm", args=[token]))
    assert response.status_code == 404
    referent.refresh_from_db()
    assert referent.confirmed_at == T0


def _token_signed_days_ago(referent, days: int) -> str:
    """A genuine token, as the reminder of ``days`` days ago carried it."""
    import time

    from django.core import signing

    class Then(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - days * 86400)

    payload = {"r": referent.pk, "a": referent.agent_id}
    return Then(salt=lifecycle.TOKEN_SALT).sign_object(payload)


def test_a_link_expires_after_the_year_and_the_lapse(client, referent):
    fresh = _token_signed_days_ago(referent, 394)
    assert lifecycle.referent_for_token(fresh) == referent
    stale = _token_signed_days_ago(referent, 396)
    response = client.post(reverse("catalogue:referent-confirm", args=[stale]))
    assert response.status_code == 404
    referent.refresh_from_db()
    assert referent.confirmed_at == T0


def test_a_link_confirms_only_its_own_referent(client, referent):
    other = Referent.objects.create(
        software=make_software("Firefox"),
        agent=referent.agent,
        created_at=T0,
        confirmed_at=T0,
    )
    client.post(reverse("catalogue:referent-confirm", args=[lifecycle.confirmation_token(other)]))
    referent.refresh_from_db()
    other.refresh_from_db()
    assert referent.confirmed_at == T0 and other.confirmed_at > T0
    # A value signed for another purpose with the same key names no referent.
    from django.core import signing

    elsewhere = signing.dumps({"r": referent.pk, "a": referent.agent_id}, salt="elsewhere")
    assert lifecycle.referent_for_token(elsewhere) is None


def _accept_path(message) -> str:
    found = re.search(r"https?://testserver(/catalogue/referents/hand-over/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_a_referent_hands_over_to_a_colleague_who_accepts(client, referent):
    colleague = make_agent("camille", "culture.gouv.fr")
    old_token = lifecycle.confirmation_token(referent)
    client.force_login(referent.agent)
    url = reverse("catalogue:hand-over", args=[referent.software.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, {"colleague": "Camille@culture.gouv.fr"})
    assert response.status_code == 302
    # Nothing changes until the colleague accepts.
    referent.refresh_from_db()
    assert referent.agent.username == "rita"
    (invitation,) = mail.outbox
    assert invitation.to == ["camille@culture.gouv.fr"]
    # The colleague is told who asks, by name, never by address.
    assert "rita" in invitation.body and "rita@" not in invitation.body
    accept = _accept_path(invitation)
    client.logout()
    # Following the link changes nothing (mail scanners follow links); the button does.
    assert client.get(accept).status_code == 200
    referent.refresh_from_db()
    assert referent.agent.username == "rita"
    assert client.post(accept).status_code == 200
    referent.refresh_from_db()
    assert referent.agent == colleague
    assert referent.confirmed_at is not None and not referent.lapsed
    # The previous referent is told, by the colleague's name.
    told = mail.outbox[1]
    assert told.to == ["rita@culture.gouv.fr"] and "camille" in told.body
    assert "camille@" not in told.body
    entry = history_of(referent).first()
    assert entry.action == "referent.hand_over"
    assert entry.changes == {"agent": {"before": "rita", "after": "camille"}}
    # The previous referent's link no longer confirms anything, nor does the invitation
    # accept twice.
    assert lifecycle.referent_for_token(old_token) is None
    assert lifecycle.referent_for_token(lifecycle.confirmation_token(referent)) == referent
    assert client.post(accept).status_code == 404
    # Their year starts now: no reminder due for months.
    assert lifecycle.remind_referents(now=timezone.now() + 300 * DAY).reminded == 0


@pytest.mark.parametrize(
    ("address", "make"),
    [
        ("nobody@culture.gouv.fr", None),
        ("olivier@example.com", "outsider"),
        ("camille@culture.gouv.fr", "agent"),
        ("already@culture.gouv.fr", "referent"),
    ],
)
def test_the_answer_never_says_whether_an_address_has_an_account(client, referent, address, make):
    """Whoever owns the address (nobody, a visitor, an agent, another referent), the
    referent sees the same answer; only an agent who may take the role is e-mailed."""
    if make == "outsider":
        make_person("outsider")
    elif make:
        local = address.partition("@")[0]
        other = make_agent(local)
        if make == "referent":
            Referent.objects.create(software=referent.software, agent=other)
    client.force_login(referent.agent)
    url = reverse("catalogue:hand-over", args=[referent.software.slug])
    response = client.post(url, {"colleague": address}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.redirect_chain == [(referent.software.get_absolute_url(), 302)]
    text = response.content.decode()
    assert "If this address belongs to an agent" in text
    referent.refresh_from_db()
    assert referent.agent.username == "rita"
    assert [m.to for m in mail.outbox] == ([[address]] if make == "agent" else [])
    # Recorded the same way every time, without the address.
    entry = history_of(referent).first()
    assert entry.action == "referent.hand_over_invite" and entry.changes == {}


def test_a_referent_cannot_hand_over_to_themselves(client, referent):
    client.force_login(referent.agent)
    url = reverse("catalogue:hand-over", args=[referent.software.slug])
    response = client.post(url, {"colleague": "RITA@culture.gouv.fr"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "your own address" in response.content.decode()
    assert mail.outbox == []


def test_the_hand_over_page_lists_no_one(client, referent):
    """The page offers no list of accounts: no address, no user name but the
    referent's own menu."""
    others = [make_agent(name) for name in ("camille", "dominique", "eloise")]
    make_person("outsider")
    client.force_login(referent.agent)
    url = reverse("catalogue:hand-over", args=[referent.software.slug])
    for response in (client.get(url), client.post(url, {"colleague": "not an address"})):
        text = response.content.decode()
        assert "@" not in text.replace("rita@culture.gouv.fr", "")
        for person in [*others]:
            assert person.username not in text
        assert "olivier" not in text
        assert "<select" not in text and "<datalist" not in text


def test_hand_over_requests_are_limited_per_day(client, referent):
    colleague = make_agent("camille")
    client.force_login(referent.agent)
    url = reverse("catalogue:hand-over", args=[referent.software.slug])
    for _ in range(lifecycle.HAND_OVER_INVITATIONS_PER_DAY):
        assert client.post(url, {"colleague": colleague.email}).status_code == 302
    assert client.post(url, {"colleague": colleague.email}).status_code == 429
    assert len(mail.outbox) == lifecycle.HAND_OVER_INVITATIONS_PER_DAY


def test_an_invitation_is_only_the_colleagues(client, referent):
    colleague = make_agent("camille")
    token = lifecycle.hand_over_token(referent, colleague)
    accept = reverse("catalogue:hand-over-accept", args=[token])
    # Someone else signed in cannot take it; a forged or stale token names nothing.
    client.force_login(make_agent("intruder"))
    assert client.post(accept).status_code == 404
    client.force_login(colleague)
    assert client.post(accept + "x/").status_code == 404
    assert client.post(reverse("catalogue:hand-over-accept", args=["x"])).status_code == 404
    referent.refresh_from_db()
    assert referent.agent.username == "rita"
    # A colleague who stopped being an agent is refused at acceptance.
    colleague.emailaddress_set.update(verified=False)
    assert client.post(accept).status_code == 409
    referent.refresh_from_db()
    assert referent.agent.username == "rita"


def test_only_the_referent_may_hand_over(client, referent):
    client.force_login(make_agent("intruder"))
    url = reverse("catalogue:hand-over", args=[referent.software.slug])
    assert client.post(url, {"colleague": "intruder@culture.gouv.fr"}).status_code == 404


def test_the_command_reminds_and_reports(referent):
    referent.confirmed_at = referent.created_at = timezone.now() - 2 * YEAR
    referent.save()
    out = io.StringIO()
    call_command("catalogue", "remind-referents", "--dry-run", stdout=out)
    assert "1" in out.getvalue()
    assert mail.outbox == []
    call_command("catalogue", "remind-referents", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    assert "https://communs.example.fr/catalogue/referents/confirm/" in mail.outbox[0].body


def test_the_catalogue_command_mounts_the_same_reminder(referent):
    referent.confirmed_at = referent.created_at = timezone.now() - 2 * YEAR
    referent.save()
    call_command("catalogue", "remind-referents", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rita@culture.gouv.fr"]


def test_of_two_colleagues_accepting_at_once_the_second_is_refused(referent):
    first, second = make_agent("camille"), make_agent("dominique")
    stale = Referent.objects.get(pk=referent.pk)
    lifecycle.hand_over(referent, first, referent.agent)
    with pytest.raises(lifecycle.HandOverRefused):
        lifecycle.hand_over(stale, second, stale.agent)
    assert Referent.objects.get(pk=referent.pk).agent == first
