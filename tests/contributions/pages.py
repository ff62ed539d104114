"""Pages of the directory and of the contributions, filled for the browser tests
(tests/browser/test_accessibility.py): rows written directly, no git involved."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from communs.accounts.models import profile_of
from communs.catalogue.models import Moderation, Referent, Software
from communs.contributions.models import CommitCount, TrackedRepository
from communs.sources.models import Organisation


def _world() -> tuple[Organisation, object]:
    organisation = Organisation.objects.order_by("key").first() or Organisation.objects.create(
        key="dinum", name="DINUM"
    )
    user = get_user_model().objects.filter(username="annuaire").first()
    if user is not None:
        return organisation, user
    user = get_user_model().objects.create_user(
        username="annuaire", first_name="Anne", last_name="Nuaire"
    )
    EmailAddress.objects.create(
        user=user, email="anne.nuaire@culture.gouv.fr", verified=True, primary=True
    )
    profile = profile_of(user)
    profile.organisation, profile.directory = organisation, True
    profile.skills, profile.about = ["Python", "PostgreSQL"], "Développeuse."
    profile.save()
    software, _created = Software.objects.get_or_create(
        slug="tableur-annuaire",
        defaults={"name": "Tableur", "moderation": Moderation.PUBLISHED},
    )
    Referent.objects.create(software=software, agent=user, organisation=organisation)
    tracked = TrackedRepository.objects.create(url="https://git.example.org/tableur.git")
    tracked.software.add(software)
    for year, public, domain, person, commits in (
        (2024, True, "culture.gouv.fr", user, 12),
        (2024, True, "interieur.gouv.fr", None, 4),
        (2024, False, "", None, 30),
        (2025, True, "culture.gouv.fr", user, 3),
    ):
        CommitCount.objects.create(
            tracked=tracked, year=year, public_sector=public, domain=domain, person=person,
            organisation=organisation if person else None, commits=commits, authors=1,
        )  # fmt: skip
    return organisation, user


def agent_list() -> str:
    _world()
    return "/agents/"


def agent_detail() -> str:
    _organisation, user = _world()
    return f"/agents/{user.profile.pk}/"


def contributions_year() -> str:
    _world()
    return "/contributions/2024/"


def contributions_organisation() -> str:
    organisation, _user = _world()
    return f"/contributions/organisations/{organisation.key}/"
