"""The archive pages and feed; no subscriber's address anywhere public."""

from __future__ import annotations

from django.urls import reverse

from .conftest import confirmed


def test_no_subscriber_address_is_on_a_public_page_or_feed(client, issue) -> None:
    readers = confirmed(3, prefix="secret.reader")
    for url in (
        reverse("newsletters:issue-list"),
        issue.get_absolute_url(),
        reverse("newsletters:newsletters-feed"),
        reverse("newsletters:newsletter-subscribe"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"secret.reader" not in response.content, url
    assert readers


def test_the_issue_page_renders_markdown_safely(client, issue) -> None:
    page = client.get(issue.get_absolute_url()).content.decode()
    assert "<strong>gras</strong>" in page
    assert "<script>alert" not in page
    assert "jean.dupont@example.org" not in page


def test_the_feed_lists_the_issues(client, issue) -> None:
    response = client.get(reverse("newsletters:newsletters-feed"))
    assert issue.title.encode() in response.content
    assert b"jean.dupont@example.org" not in response.content
    assert b"&lt;script&gt;" not in response.content or b"alert(1)" not in response.content


def test_an_unknown_issue_is_404(client, db) -> None:
    assert client.get("/newsletters/nothing-here/").status_code == 404
