"""``communs wikidata refresh``: the cache, and catalogue entries' empty fields filled."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from communs.audit.log import history_of
from communs.catalogue.models import Software
from communs.wikidata.client import WikidataClient, WikidataError
from communs.wikidata.models import WikidataEntity
from communs.wikidata.refresh import FILL_ACTION, refresh

pytestmark = pytest.mark.django_db


def software(name: str, qid: str, **fields: object) -> Software:
    return Software.objects.create(name=name, slug=name.lower(), wikidata_id=qid, **fields)


def test_it_caches_the_facts_and_fills_empty_fields(client: WikidataClient) -> None:
    seven = software("7-Zip", "Q215051")
    summary = refresh(client=client)
    assert summary.read == ["Q215051"] and summary.failed == {}
    cached = WikidataEntity.objects.get(qid="Q215051")
    assert cached.error == "" and cached.fetched_at is not None
    assert cached.facts["licence"] == "LGPL-2.1-or-later OR BSD-3-Clause"
    seven.refresh_from_db()
    assert seven.website == "https://www.7-zip.org/"
    assert seven.repository_url == "https://github.com/ip7z/7zip"
    assert seven.logo_url.endswith("/7-Zip_Icon.svg")
    assert seven.licence == "LGPL-2.1-or-later OR BSD-3-Clause"
    assert seven.is_free is True
    assert seven.description_fr == "logiciel libre de compression de données"
    assert seven.description_en == "open-source file archiver"
    assert summary.filled == {
        seven.pk: sorted(
            ["description_en", "description_fr", "licence", "logo_url", "repository_url", "website"]
        )
    }


def test_it_never_overwrites_what_a_person_wrote(client: WikidataClient) -> None:
    office = software(
        "LibreOffice",
        "Q10135",
        website="https://fr.libreoffice.org/",
        licence="MPL-2.0",
        description_fr="La suite bureautique **libre**.",
    )
    refresh(client=client)
    office.refresh_from_db()
    assert office.website == "https://fr.libreoffice.org/"
    assert office.licence == "MPL-2.0"
    assert office.description_fr == "La suite bureautique **libre**."
    # Only the empty ones were filled.
    assert office.repository_url == "https://git.libreoffice.org/core"
    assert office.description_en == "free and open-source office suite"


def test_each_fill_is_in_the_audit_log_and_a_second_run_changes_nothing(
    client: WikidataClient,
) -> None:
    seven = software("7-Zip", "Q215051", website="https://7-zip.org/")
    refresh(client=client)
    entries = list(history_of(seven))
    assert [entry.action for entry in entries] == [FILL_ACTION]
    changes = entries[0].changes
    assert changes["wikidata"] == "Q215051"
    assert changes["licence"] == {"before": "", "after": "LGPL-2.1-or-later OR BSD-3-Clause"}
    assert "website" not in changes
    assert entries[0].actor is None
    second = refresh(client=client)
    assert second.filled == {}
    assert history_of(seven).count() == 1


def test_recently_read_items_are_skipped(client: WikidataClient, wikidata) -> None:
    software("7-Zip", "Q215051")
    software("LibreOffice", "Q10135")
    now = timezone.now()
    WikidataEntity.objects.create(qid="Q10135", fetched_at=now - timedelta(days=1), facts={})
    summary = refresh(client=client, older_than=timedelta(days=7), now=now)
    assert summary.read == ["Q215051"]
    assert summary.skipped == ["Q10135"]
    assert not any("Q10135" in path for path in wikidata.requests)
    old = refresh(client=client, older_than=timedelta(days=7), now=now + timedelta(days=8))
    assert sorted(old.read) == ["Q10135", "Q215051"]


def test_a_failed_read_keeps_the_facts_read_before(client: WikidataClient) -> None:
    software("7-Zip", "Q215051")
    refresh(client=client)
    client.api_url = "http://www.wikidata.org/status500/api.php"
    summary = refresh(client=client)
    assert "HTTP 500" in summary.failed["Q215051"]
    cached = WikidataEntity.objects.get(qid="Q215051")
    assert "HTTP 500" in cached.error
    assert cached.facts["website"] == "https://www.7-zip.org/"


def test_ids_given_are_read_even_without_an_entry(client: WikidataClient) -> None:
    summary = refresh(["q7002"], client=client)
    assert summary.read == ["Q7002"]
    assert WikidataEntity.objects.get(qid="Q7002").facts["free"] is False
    with pytest.raises(WikidataError):
        refresh(["not-an-id"], client=client)


def test_the_command_reports_what_it_did(client: WikidataClient) -> None:
    software("7-Zip", "Q215051")
    out = StringIO()
    with translation.override("en"):
        call_command("wikidata", "refresh", client=client, stdout=out)
    assert "Items read: 1;" in out.getvalue()
    assert "Empty fields filled: 6, in catalogue entries: 1." in out.getvalue()


def test_the_command_fails_when_an_item_cannot_be_read(wikidata) -> None:
    # No rerouting here: the real guard refuses the local server's loopback address.
    software("7-Zip", "Q215051")
    err = StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="1 item could not be read"):
        call_command(
            "wikidata",
            "refresh",
            "Q215051",
            "--api-url",
            f"http://127.0.0.1:{wikidata.port}/w/api.php",
            stderr=err,
            stdout=StringIO(),
        )
    assert "non-public address" in err.getvalue()
    assert "non-public address" in WikidataEntity.objects.get(qid="Q215051").error
    assert wikidata.requests == []


def test_the_command_refuses_bad_ids() -> None:
    with pytest.raises(CommandError, match="not a Wikidata item id"):
        call_command("wikidata", "refresh", "Q0", stdout=StringIO())


def test_the_cache_is_read_only_in_the_admin(client: WikidataClient, django_user_model) -> None:
    from django.test import Client

    refresh(["Q215051"], client=client)
    browser = Client()
    browser.force_login(django_user_model.objects.create_superuser("root", password="x"))
    listing = browser.get("/admin/wikidata/wikidataentity/")
    assert listing.status_code == 200 and "Q215051" in listing.content.decode()
    page = browser.get("/admin/wikidata/wikidataentity/Q215051/change/")
    assert page.status_code == 200 and "LGPL-2.1-or-later" in page.content.decode()
    assert browser.get("/admin/wikidata/wikidataentity/add/").status_code == 403
