"""A person's data: what each app holds about them, to download, and to erase.

Each app that stores rows about a person registers one ``Provider`` (usually from its
``AppConfig.ready()``)::

    from communs.accounts import personal_data

    personal_data.register("events", export=export_registrations, erase=erase_registrations)

``export(user)`` returns what the app holds about the person, as JSON-ready values
(lists of dicts with plain strings, numbers, booleans and ISO dates); it must not leak
other people's data. ``erase(user)`` runs inside the deletion's transaction, before the
account itself is deleted: it deletes the person's rows, or cuts them from the person
where an anonymous count must stay. Rows whose foreign key to the user is ``CASCADE`` go
with the account anyway; an eraser is only needed to keep something anonymous (or to
clear a frozen copy of the person's name, as the audit log's label).

``export_data(user)`` gathers every provider's part; ``delete_account(user)`` runs every
eraser, then deletes the account (its addresses, profile and OpenID Connect links go
with it). The accounts' own parts (account, profile, catalogue, audit log) are
registered at the end of this module; see docs/community.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

Export = Callable[[Any], Any]
Erase = Callable[[Any], None]


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    export: Export
    erase: Erase | None = None


_providers: dict[str, Provider] = {}


def register(name: str, *, export: Export, erase: Erase | None = None) -> None:
    """Add (or replace, for a module imported twice) the provider called ``name``."""
    _providers[name] = Provider(name, export, erase)


def providers() -> list[Provider]:
    return list(_providers.values())


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_data(user: Any) -> dict[str, Any]:
    """Everything the registered providers hold about ``user``, by provider name."""
    return {
        "generated_at": iso(timezone.now()),
        "data": {provider.name: provider.export(user) for provider in providers()},
    }


def delete_account(user: Any) -> None:
    """Erase the person's data and delete the account, in one transaction."""
    with transaction.atomic():
        for provider in providers():
            if provider.erase is not None:
                provider.erase(user)
        user.delete()


# -- the accounts' own parts ---------------------------------------------------------------


def _account(user: Any) -> dict[str, Any]:
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    return {
        "username": user.get_username(),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": iso(user.date_joined),
        "last_login": iso(user.last_login),
        "addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "connected_accounts": [
            {"provider": s.provider, "uid": s.uid, "last_login": iso(s.last_login)}
            for s in SocialAccount.objects.filter(user=user).order_by("pk")
        ],
    }


def _profile(user: Any) -> dict[str, Any] | None:
    from communs.accounts.models import Profile

    profile = Profile.objects.filter(user=user).select_related("organisation").first()
    if profile is None:
        return None
    return {
        "organisation": profile.organisation.key if profile.organisation else None,
        "about": profile.about,
        "skills": list(profile.skills),
        "public": profile.public,
        "directory": profile.directory,
        "moderator": profile.moderator,
    }


def _catalogue(user: Any) -> dict[str, Any]:
    from communs.catalogue.models import CategoryFollow, Referent, Software, Usage

    return {
        "usages": [
            {
                "software": u.software.slug,
                "organisation": u.organisation.key if u.organisation else None,
                "use_case": u.use_case,
                "version": u.version,
                "os": u.os,
                "service_url": u.service_url,
                "declared": iso(u.created_at),
            }
            for u in Usage.objects.filter(agent=user).select_related("software", "organisation")
        ],
        "referent_roles": [
            {
                "software": r.software.slug,
                "organisation": r.organisation.key if r.organisation else None,
                "expert": r.is_expert,
                "use_case": r.use_case,
                "since": iso(r.created_at),
                "last_confirmed": iso(r.confirmed_at),
                "lapsed": r.lapsed,
            }
            for r in Referent.objects.filter(agent=user).select_related("software", "organisation")
        ],
        "proposed_software": list(
            Software.objects.filter(proposed_by=user).order_by("pk").values_list("slug", flat=True)
        ),
        "followed_categories": [
            {"category": f.category.slug, "since": iso(f.created_at), "language": f.language}
            for f in CategoryFollow.objects.filter(user=user).select_related("category")
        ],
    }


def _erase_catalogue(user: Any) -> None:
    from communs.catalogue.models import Usage

    # A use stays as its organisation's (the counts per organisation do not move), without
    # the person or their words; a use that names no organisation counts for nobody and
    # goes. Referent roles and follows go with the account (CASCADE).
    mine = Usage.objects.filter(agent=user)
    mine.filter(organisation=None, organisation_name="").delete()
    mine.update(agent=None, use_case="")


def _audit(user: Any) -> list[dict[str, Any]]:
    from communs.audit.models import AuditEntry

    return [
        {"action": e.action, "target": e.target_label, "at": iso(e.at), "changes": e.changes}
        for e in AuditEntry.objects.filter(actor=user).order_by("at", "pk")
    ]


# Keys of ``AuditEntry.changes`` whose texts are states, versions, dates or organisation
# names, never words a person wrote: they stay when the actor's account is deleted.
NON_PERSONAL_CHANGES = frozenset(
    {"state", "status", "moderation", "version", "os", "organisation", "expires_on", "sent"}
)


def blank_texts(value: Any) -> Any:
    """``value`` with every string, at any depth, replaced by ``""`` (keys kept)."""
    if isinstance(value, str):
        return ""
    if isinstance(value, dict):
        return {key: blank_texts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [blank_texts(item) for item in value]
    return value


def anonymous_changes(changes: Any) -> Any:
    """The ``changes`` of an entry whose author leaves: which fields changed stays, the
    texts they wrote (a use case, a description, a message) go."""
    if not isinstance(changes, dict):
        return blank_texts(changes)
    return {
        key: item if key in NON_PERSONAL_CHANGES else blank_texts(item)
        for key, item in changes.items()
    }


def _erase_audit(user: Any) -> None:
    from communs.audit.models import AuditEntry

    # The entries stay (what changed, and when), but no longer say who did it nor
    # keep the words they wrote.
    for entry in AuditEntry.objects.filter(actor=user).only("pk", "changes").iterator():
        blanked = anonymous_changes(entry.changes)
        if blanked != entry.changes:
            AuditEntry.objects.filter(pk=entry.pk).update(changes=blanked)
    AuditEntry.objects.filter(actor=user).update(actor=None, actor_label="")


register("account", export=_account)
register("profile", export=_profile)
register("catalogue", export=_catalogue, erase=_erase_catalogue)
register("audit_log", export=_audit, erase=_erase_audit)
