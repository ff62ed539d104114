"""The tracked repositories' admin pages open, with their counts read-only."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from communs.contributions.models import CommitCount, TrackedRepository


def test_an_administrator_finds_a_tracked_repository_and_its_counts(client, db):
    tracked = TrackedRepository.objects.create(
        url="https://git.example.org/tableur.git", error="git clone failed: 404"
    )
    CommitCount.objects.create(
        tracked=tracked, year=2024, public_sector=True, domain="culture.gouv.fr",
        commits=7, authors=2,
    )  # fmt: skip
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org"))

    listing = client.get("/admin/contributions/trackedrepository/?q=tableur")
    assert listing.status_code == 200
    assert "git clone failed: 404" in listing.content.decode()
    page = client.get(f"/admin/contributions/trackedrepository/{tracked.pk}/change/")
    assert page.status_code == 200
    assert "culture.gouv.fr" in page.content.decode()
