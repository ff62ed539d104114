"""The directory of agents: who is listed, and what a listing shows.

A person is listed when they ticked the directory consent on their profile
(``Profile.directory``, off by default), their account is active and they are an agent
by address (a verified address in the agents' domains). A listing shows a name (first
and last, or "an agent"), the organisation, skills and a few words, the software the
person is a referent for and the public repositories they contribute to; never an
address or a username (allauth makes usernames from addresses).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Q, QuerySet

from communs.accounts.models import Profile
from communs.accounts.roles import agent_domains


def _agent_addresses() -> Q:
    """Verified addresses in the agents' domains, as a filter on ``EmailAddress``."""
    match = Q(pk__in=[])
    for domain in agent_domains():
        domain = domain.strip().lower().lstrip("@").strip(".")
        if domain:
            match |= Q(email__iendswith="@" + domain) | Q(email__iendswith="." + domain)
    return match & Q(verified=True)


def listed() -> QuerySet[Profile]:
    agents = EmailAddress.objects.filter(_agent_addresses()).values("user_id")
    return (
        Profile.objects.filter(directory=True, user__is_active=True, user_id__in=agents)
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def display_name(profile: Profile) -> str:
    """First and last name ("" when neither is set), any address in them hidden."""
    from django.utils.translation import gettext as _

    from communs.web.present import redact_emails

    name = " ".join(part for part in (profile.user.first_name, profile.user.last_name) if part)
    return redact_emails(name, _("[e-mail address hidden]")) if "@" in name else name


def search(organisation: str = "", skill: str = "") -> list[Profile]:
    """Listed profiles of the organisation with key ``organisation`` and with the skill
    ``skill`` (case does not matter); skills are matched in Python, the same on SQLite
    and PostgreSQL (the directory holds hundreds of people, not millions)."""
    profiles = listed()
    if organisation:
        profiles = profiles.filter(organisation__key=organisation)
    found = list(profiles)
    for profile in found:
        profile.display_name = display_name(profile)
    if skill:
        wanted = skill.casefold()
        found = [p for p in found if any(s.casefold() == wanted for s in p.skills)]
    return found


@dataclass(frozen=True, slots=True)
class Facets:
    organisations: list[tuple[str, str, int]]  # key, name, count
    skills: list[tuple[str, int]]


def facets() -> Facets:
    organisations: Counter[tuple[str, str]] = Counter()
    skills: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for profile in listed():
        if profile.organisation is not None:
            organisations[(profile.organisation.key, profile.organisation.name)] += 1
        for skill in profile.skills:
            spelling.setdefault(skill.casefold(), skill)
            skills[skill.casefold()] += 1
    return Facets(
        sorted(((k, n, c) for (k, n), c in organisations.items()), key=lambda i: i[1].lower()),
        sorted(((spelling[s], c) for s, c in skills.items()), key=lambda i: i[0].lower()),
    )


def listing(profile: Profile) -> dict[str, Any]:
    """What one agent's page shows."""
    from communs.catalogue.models import Moderation, Referent
    from communs.contributions import queries

    referent_of = (
        Referent.objects.filter(
            agent=profile.user, lapsed=False, software__moderation=Moderation.PUBLISHED
        )
        .select_related("software")
        .order_by("software__name")
    )
    return {
        "referent_of": referent_of,
        "repositories": queries.for_person(profile.user),
    }
