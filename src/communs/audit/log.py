"""Write and read the audit log: the one way every change to the catalogue is recorded.

    record(request.user, "software.publish", software, {"state": {"before": "proposed",
           "after": "published"}})
    history_of(software)  # newest first

``diff`` and ``snapshot`` build the ``changes`` mapping from an object's fields before
and after an edit, with values made JSON-safe.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from communs.audit.models import AuditEntry


def actor_label(actor: Any) -> str:
    """How the log names a person: never an e-mail address (the history is public)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    name = (actor.get_full_name() or "").strip() or actor.get_username()
    if "@" in name:
        # Usernames copied from an address keep only the part before it.
        name = name.split("@", 1)[0]
    return name[:200]


def record(
    actor: Any, action: str, target: models.Model, changes: dict | None = None
) -> AuditEntry:
    """Store one change made by ``actor`` (a user, or None for the system) to ``target``."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_label=actor_label(user),
        action=action[:64],
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=str(target.pk),
        target_label=str(target)[:300],
        changes=_json_safe(changes or {}),
    )


def history_of(target: models.Model) -> QuerySet[AuditEntry]:
    """Every entry about ``target``, newest first."""
    return AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=str(target.pk),
    ).order_by("-at", "-id")


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The JSON-safe values of ``fields`` of ``instance`` (foreign keys as their text,
    many-to-many fields as the sorted texts of their members)."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            if instance.pk is None:
                values[name] = []
            else:
                values[name] = sorted(str(item) for item in getattr(instance, name).all())
        elif field.is_relation:
            related = getattr(instance, name)
            values[name] = None if related is None else str(related)
        else:
            values[name] = getattr(instance, name)
    return _json_safe(values)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields whose value changed, as {"field": {"before": …, "after": …}}."""
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def _json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def public_history_of(target: models.Model) -> QuerySet[AuditEntry]:
    """The history a public page shows, newest first: private actions (writing to the
    referents) left out, and ``entry.public_actor`` naming the actor only when their
    profile is public (empty otherwise; the actor of a system entry is empty too).

    The public name is the person's first and last name, never ``actor_label``: that
    falls back on the username, which allauth makes from the e-mail address
    (``alice.durand`` for alice.durand@culture.gouv.fr), and would give the address
    away beside the organisation's domain.
    """
    from django.db.models import Case, CharField, F, Value, When
    from django.db.models.functions import Concat, Trim

    from communs.audit.labels import PRIVATE_ACTIONS

    return (
        history_of(target)
        .exclude(action__in=PRIVATE_ACTIONS)
        .annotate(
            public_actor=Case(
                When(
                    actor__profile__public=True,
                    then=Trim(
                        Concat(
                            F("actor__first_name"),
                            Value(" "),
                            F("actor__last_name"),
                            output_field=CharField(),
                        )
                    ),
                ),
                default=Value(""),
                output_field=CharField(),
            )
        )
    )
