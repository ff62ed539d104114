"""Roles in templates: ``{% load roles %}{% if user|is_agent %}…{% endif %}``, and
``{% software_actions_state software as state %}`` for the software page's buttons."""

from __future__ import annotations

from typing import Any

from django import template

from communs.accounts import roles

register = template.Library()


@register.filter
def is_agent(user: Any) -> bool:
    return roles.is_agent(user)


@register.filter
def is_moderator(user: Any) -> bool:
    return roles.is_moderator(user)


@register.filter
def is_administrator(user: Any) -> bool:
    return roles.is_administrator(user)


@register.simple_tag(takes_context=True)
def software_actions_state(context: template.Context, software: Any) -> dict[str, Any]:
    """What the signed-in person may do on this software, and what they did already."""
    from communs.catalogue.models import Referent, Usage

    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    agent = roles.is_agent(user) if signed_in else False
    from communs.catalogue.lifecycle import primary_address

    referents = Referent.objects.filter(software=software, lapsed=False)
    return {
        # Writing to referents needs a verified address, whatever the role.
        "can_contact": signed_in and user.is_active and bool(primary_address(user)),
        "signed_in": signed_in,
        "agent": agent,
        "moderator": roles.is_moderator(user) if signed_in else False,
        "uses": agent and Usage.objects.filter(software=software, agent=user).exists(),
        "referent": agent and referents.filter(agent=user).exists(),
        "referent_count": referents.count(),
    }
