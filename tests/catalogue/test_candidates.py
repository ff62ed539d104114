"""Catalogue entries proposed from valid publiccode.yml files: the mapping and the page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from tests.accounts.people import AGENT_DOMAINS, ROLES, make_person, sign_in
from tests.fixtures_data import create_instance, create_sector_core, repository_factory

from communs.analysis.examine import publiccode_summary
from communs.analysis.models import RepositoryAnalysis
from communs.audit.log import history_of
from communs.catalogue.candidate_views import PROPOSE_ACTION
from communs.catalogue.from_publiccode import from_summary, logo_url, software_fields
from communs.catalogue.models import Category, Moderation, Software
from communs.markup import HIDDEN_EMAIL
from communs.publiccode import validate
from communs.repositories.models import Repository

LONG_FR = "Une longue description en français, avec du **Markdown**. " * 4
PUBLICCODE = f"""\
publiccodeYmlVersion: "0.7"
name: Médusa
url: "https://github.com/direction-numerique/medusa"
landingURL: "https://medusa.exemple.gouv.fr"
logo: img/logo.svg
platforms:
  - web
  - linux
categories:
  - office
  - document-management
developmentStatus: stable
softwareType: "standalone/web"
description:
  fr:
    shortDescription: Gestion du courrier (écrire à jean.dupont@exemple.gouv.fr)
    longDescription: >
      {LONG_FR}
    features:
      - Courrier
  en:
    shortDescription: Mail management
    longDescription: >
      {"A long description in English. " * 6}
    features:
      - Mail
legal:
  license: AGPL-3.0-or-later
maintenance:
  type: "community"
  contacts:
    - name: Jean Dupont
localisation:
  localisationReady: true
  availableLanguages:
    - fr
    - en
"""


def verdict(text: str, file: str = "publiccode.yml") -> dict:
    """What the analysis stores for a publiccode.yml (as ``examine.publiccode_verdict``)."""
    report = validate(text.encode())
    assert report.valid, report.results
    return {
        "file": file,
        "valid": True,
        "version": report.version,
        "results": [result.to_dict() for result in report.results],
        "summary": publiccode_summary(text.encode()),
    }


# --- the pure mapping ---------------------------------------------------------------------


def parsed() -> dict:
    return {
        "name": "Médusa",
        "url": "https://github.com/direction-numerique/medusa",
        "landingURL": "https://medusa.exemple.gouv.fr",
        "logo": "img/logo.svg",
        "platforms": ["web", "linux", "mac", "amiga"],
        "categories": ["office", "Document-Management", "office"],
        "softwareType": "standalone/backend",
        "description": {
            "fr-FR": {"shortDescription": "Courrier", "longDescription": LONG_FR},
            "en": {"shortDescription": "Mail management"},
            "it": {"shortDescription": "Posta"},
        },
        "legal": {"license": "agpl-3.0+"},
    }


def test_it_maps_a_publiccode_file_to_catalogue_fields() -> None:
    proposed = software_fields(parsed(), logo_base="https://raw.example.org/repo/HEAD")
    assert proposed.fields == {
        "name": "Médusa",
        "description_fr": LONG_FR.strip(),
        "description_en": "Mail management",
        "function": "Courrier",
        # Deprecated spellings become the current SPDX id.
        "licence": "AGPL-3.0-or-later",
        "website": "https://medusa.exemple.gouv.fr",
        "repository_url": "https://github.com/direction-numerique/medusa",
        "logo_url": "https://raw.example.org/repo/HEAD/img/logo.svg",
        "environments": ["linux", "macos", "browser", "server"],
        "software_type": "stack",
    }
    assert proposed.categories == ["office", "document-management"]


def test_the_function_falls_back_to_english_then_any_language() -> None:
    data = parsed()
    del data["description"]["fr-FR"]
    assert software_fields(data).fields["function"] == "Mail management"
    del data["description"]["en"]
    fields = software_fields(data).fields
    assert fields["function"] == "Posta"
    assert fields["description_fr"] == "" and fields["description_en"] == ""


@pytest.mark.parametrize(
    ("logo", "base", "expected"),
    [
        ("https://cdn.example.org/logo.png", "", "https://cdn.example.org/logo.png"),
        ("img/logo.svg", "", ""),
        ("./img/../logo.svg", "https://raw.example.org/r", "https://raw.example.org/r/logo.svg"),
        ("../../etc/passwd", "https://raw.example.org/r", ""),
        ("/etc/passwd", "https://raw.example.org/r", ""),
        ("javascript:alert(1)", "https://raw.example.org/r", ""),
        ("file:///etc/passwd", "https://raw.example.org/r", ""),
        (42, "https://raw.example.org/r", ""),
    ],
)
def test_logos_are_absolute_http_urls_inside_the_repository(
    logo: object, base: str, expected: str
) -> None:
    assert logo_url(logo, base) == expected


def test_hostile_values_give_empty_fields_not_exceptions() -> None:
    proposed = software_fields(
        {
            "name": ["not", "text"],
            "url": "javascript:alert(1)",
            "landingURL": "https://x.example/" + "a" * 700,
            "platforms": "web",
            "categories": [None, "x" * 500, "ok"],
            "softwareType": {"a": 1},
            "description": {"fr": "not a mapping", 3: {"shortDescription": "x"}},
            "legal": {"license": "not a licence at all"},
        }
    )
    fields = proposed.fields
    assert fields["name"] == "" and fields["repository_url"] == "" and fields["website"] == ""
    assert fields["environments"] == [] and fields["software_type"] == ""
    assert fields["licence"] == "" and fields["function"] == ""
    assert proposed.categories == ["ok"]


def test_addresses_with_a_user_or_a_local_host_are_left_out() -> None:
    fields = software_fields(
        {
            "url": "https://jean.dupont@culture.gouv.fr/medusa.git",
            "landingURL": "http://127.0.0.1:8000/admin/",
            "logo": "https://user:secret@cdn.example.org/logo.svg",
        }
    ).fields
    assert fields["repository_url"] == "" and fields["website"] == ""
    assert fields["logo_url"] == ""
    # A public address is kept as it is.
    kept = software_fields({"landingURL": "https://medusa.example.gouv.fr/"}).fields
    assert kept["website"] == "https://medusa.example.gouv.fr/"


def test_email_addresses_are_hidden() -> None:
    fields = software_fields(from_summary(verdict(PUBLICCODE)["summary"])).fields
    assert "jean.dupont" not in fields["function"]
    assert fields["function"] == f"Gestion du courrier (écrire à {HIDDEN_EMAIL})"


def test_the_analysis_summary_goes_through_the_same_mapping() -> None:
    fields = software_fields(from_summary(verdict(PUBLICCODE)["summary"])).fields
    assert fields["name"] == "Médusa"
    assert fields["licence"] == "AGPL-3.0-or-later"
    assert fields["environments"] == ["linux", "browser"]
    assert fields["software_type"] == "cloud"
    # The summary keeps the short descriptions only.
    assert fields["description_en"] == "Mail management"


# --- the moderators' page -----------------------------------------------------------------


@pytest.fixture
def world(db, settings) -> dict:
    settings.AGENT_DOMAINS = AGENT_DOMAINS
    core = create_sector_core(
        directorate_description="La direction.", directorate_display_name="DNUM"
    )
    make = repository_factory(
        core.directorate_account, create_instance("gitlab.exemple.gouv.fr", core.lab)
    )
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def analysed(name: str, text: str | None, **values: object) -> Repository:
        repository = make(name, default_branch="main", **values)
        valid = text is not None
        RepositoryAnalysis.objects.create(
            repository=repository,
            status=RepositoryAnalysis.Status.ANALYSED,
            has_publiccode=True,
            publiccode_valid=valid,
            publiccode=verdict(text, "docs/publiccode.yml")
            if valid
            else {"file": "publiccode.yml", "valid": False, "results": []},
            analysed_at=now,
        )
        return repository

    medusa = analysed("medusa", PUBLICCODE)
    linked = analysed("linked", PUBLICCODE.replace("Médusa", "Liée"))
    Software.objects.create(name="Liée", slug="liee", repository=linked)
    analysed("broken", None)
    analysed("gone", PUBLICCODE.replace("Médusa", "Partie"), gone_since=now)
    office = Category.objects.create(slug="office", name_fr="Bureautique", name_en="Office")
    documents = Category.objects.create(
        slug="ged", name_fr="Gestion documentaire", name_en="Document management"
    )
    Category.objects.create(slug="other", name_fr="Autre")
    return {"medusa": medusa, "office": office, "documents": documents}


MODERATORS = {"moderator", "administrator"}


@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_see_the_candidates(client, world, role: str) -> None:
    sign_in(client, make_person(role))
    response = client.get(reverse("catalogue:candidates"))
    if role in MODERATORS:
        assert response.status_code == 200
        text = response.content.decode()
        assert "Médusa" in text
        # Already in the catalogue, invalid, gone: not candidates.
        assert "Liée" not in text and "broken" not in text and "Partie" not in text
        assert "jean.dupont" not in text
    elif role == "visitor":
        assert response.status_code == 302
        assert "login" in response["Location"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_propose_from_a_candidate(client, world, role: str) -> None:
    sign_in(client, make_person(role))
    url = reverse("catalogue:candidate-propose", args=[world["medusa"].pk])
    before = Software.objects.count()
    response = client.post(url)
    if role in MODERATORS:
        assert response.status_code == 302
        assert Software.objects.count() == before + 1
    else:
        assert response.status_code == (302 if role == "visitor" else 403)
        assert Software.objects.count() == before


def test_proposing_drafts_an_entry_from_the_file(client, world) -> None:
    moderator = make_person("moderator")
    sign_in(client, moderator)
    medusa = world["medusa"]
    response = client.post(reverse("catalogue:candidate-propose", args=[medusa.pk]))
    software = Software.objects.get(repository=medusa)
    assert response["Location"] == software.get_absolute_url()
    assert software.moderation == Moderation.PROPOSED
    assert software.proposed_by == moderator
    assert software.name == "Médusa" and software.slug == "medusa"
    assert software.licence == "AGPL-3.0-or-later" and software.is_free
    assert software.website == "https://medusa.exemple.gouv.fr"
    assert software.repository_url == "https://github.com/direction-numerique/medusa"
    # The logo's relative path is read beside the file, in the repository's raw files.
    assert software.logo_url == (
        "https://raw.githubusercontent.com/direction-numerique/medusa/main/docs/img/logo.svg"
    )
    assert software.environments == ["linux", "browser"]
    assert software.software_type == "cloud"
    assert software.function == f"Gestion du courrier (écrire à {HIDDEN_EMAIL})"
    # "office" matches a slug, "document-management" an English name.
    assert set(software.categories.all()) == {world["office"], world["documents"]}
    entry = history_of(software).get()
    assert entry.action == PROPOSE_ACTION and entry.actor == moderator
    assert entry.changes["name"] == {"before": None, "after": "Médusa"}
    assert entry.changes["publiccode"]["after"] == f"github.com/{medusa.full_path}"
    # Proposed, it is no candidate any more.
    page = client.get(reverse("catalogue:candidates"), HTTP_ACCEPT_LANGUAGE="en")
    page = page.content.decode()
    assert reverse("catalogue:candidate-propose", args=[medusa.pk]) not in page
    assert "is waiting" in page


def test_proposing_twice_makes_one_entry(client, world) -> None:
    sign_in(client, make_person("moderator"))
    url = reverse("catalogue:candidate-propose", args=[world["medusa"].pk])
    client.post(url)
    second = client.post(url)
    assert second.status_code == 302
    assert second["Location"] == reverse("catalogue:candidates")
    assert Software.objects.filter(repository=world["medusa"]).count() == 1


def test_proposing_is_a_post(client, world) -> None:
    sign_in(client, make_person("moderator"))
    url = reverse("catalogue:candidate-propose", args=[world["medusa"].pk])
    assert client.get(url).status_code == 405
    assert not Software.objects.filter(repository=world["medusa"]).exists()


def test_an_unknown_or_invalid_repository_is_no_candidate(client, world) -> None:
    sign_in(client, make_person("moderator"))
    missing = reverse("catalogue:candidate-propose", args=[10**9])
    assert client.post(missing).status_code == 404
    broken = Repository.objects.get(name="broken")
    response = client.post(reverse("catalogue:candidate-propose", args=[broken.pk]))
    assert response.status_code == 302
    assert not Software.objects.filter(repository=broken).exists()


def test_values_the_model_refuses_are_left_for_the_moderator(client, world) -> None:
    # Stored summaries are data like any other: one with a URL Django refuses still
    # makes an entry, without that URL.
    analysis = RepositoryAnalysis.objects.get(repository=world["medusa"])
    analysis.publiccode["summary"]["landingURL"] = "https://exa mple.org/"
    analysis.publiccode["summary"]["name"] = ""
    analysis.save()
    sign_in(client, make_person("moderator"))
    client.post(reverse("catalogue:candidate-propose", args=[world["medusa"].pk]))
    software = Software.objects.get(repository=world["medusa"])
    assert software.website == ""
    assert software.name == "medusa"  # the repository's name
    assert software.licence == "AGPL-3.0-or-later"
