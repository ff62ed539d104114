"""``communs newsletters send``: batches, resuming after an interruption, never twice."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from communs.newsletters import sending
from communs.newsletters.models import Delivery, Subscriber

from .conftest import confirmed


class Interrupted(Exception):
    pass


def received() -> Counter:
    return Counter(address for message in mail.outbox for address in message.to)


def test_it_sends_to_confirmed_subscribers_only_in_batches(issue, monkeypatch) -> None:
    readers = confirmed(7)
    Subscriber.objects.create(email="pending@example.org")
    connections = []
    real = sending.get_connection

    def counting(*args, **kwargs):
        connections.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sending, "get_connection", counting)
    report = sending.send_issue(issue, batch_size=3)
    assert report.sent == 7 and report.planned == 7
    assert received() == Counter({r.email: 1 for r in readers})
    assert len(connections) == 3  # 3 + 3 + 1
    message = mail.outbox[0]
    assert message.subject == issue.title
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.alternatives[0][0]
    assert "<strong>gras</strong>" in html and "<script>" not in html
    assert "jean.dupont@example.org" not in html
    # Everyone served: another run sends nothing.
    assert sending.send_issue(issue).sent == 0
    assert len(mail.outbox) == 7


@pytest.mark.parametrize("fail_after", [0, 1, 4, 9])
def test_an_interrupted_send_resumes_and_nobody_gets_two(issue, monkeypatch, fail_after) -> None:
    readers = confirmed(10)
    original = mail.backends.locmem.EmailBackend.send_messages
    sent = []

    def flaky(self, messages):
        # The mail server dies after ``fail_after`` messages went out.
        if len(sent) >= fail_after:
            raise Interrupted
        sent.extend(messages)
        return original(self, messages)

    monkeypatch.setattr(mail.backends.locmem.EmailBackend, "send_messages", flaky)
    with pytest.raises(Interrupted):
        sending.send_issue(issue, batch_size=3)
    assert len(mail.outbox) == fail_after
    assert Delivery.objects.filter(sent_at__isnull=False).count() == fail_after

    monkeypatch.undo()
    Subscriber.objects.create(email="late@example.org", confirmed_at="2026-01-01T00:00:00Z")
    report = sending.send_issue(issue, batch_size=3)
    assert report.sent == 11 - fail_after and report.already_sent == fail_after
    expected = {r.email: 1 for r in readers} | {"late@example.org": 1}
    assert received() == Counter(expected)


def test_an_exception_after_the_send_in_the_callers_loop_loses_nothing(issue) -> None:
    """Killed between two messages (e.g. SIGTERM): the committed rows stay sent."""
    confirmed(5)

    def stop_after_two(delivery, seen=[]):  # noqa: B006 (a counter for this test only)
        seen.append(delivery)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sending.send_issue(issue, batch_size=2, on_sent=stop_after_two)
    assert len(mail.outbox) == 2
    call_command("newsletters", "send", str(issue.number))
    assert sorted(received().values()) == [1] * 5


def test_an_unsubscribed_reader_is_skipped_on_resume(issue) -> None:
    readers = confirmed(3)
    sending.plan(issue)
    readers[1].delete()
    assert sending.send_issue(issue).sent == 2
    assert readers[1].email not in received()


def test_the_command_finds_an_issue_by_slug_or_number(issue) -> None:
    confirmed(1)
    call_command("newsletters", "send", issue.slug)
    assert len(mail.outbox) == 1
    with pytest.raises(CommandError):
        call_command("newsletters", "send", "999")
