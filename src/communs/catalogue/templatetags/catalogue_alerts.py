"""Alerts in templates: ``{% category_follow_state category as state %}`` says whether
the person may follow the category and whether they do (``communs.catalogue.alerts``)."""

from __future__ import annotations

from typing import Any

from django import template

from communs.catalogue import alerts
from communs.catalogue.models import Category, CategoryFollow

register = template.Library()


@register.simple_tag(takes_context=True)
def category_follow_state(context: Any, category: Category | str) -> dict | None:
    """None when there is no button to show; else the category and whether it is followed."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    # Remembered on the request: a page may show several buttons.
    allowed = getattr(request, "_communs_may_follow", None)
    if allowed is None:
        allowed = alerts.may_follow(user)
        request._communs_may_follow = allowed
    if not allowed:
        return None
    if not isinstance(category, Category):
        category = Category.objects.filter(slug=category).first()
        if category is None:
            return None
    followed = CategoryFollow.objects.filter(user=user, category=category).exists()
    return {"category": category, "followed": followed}


@register.simple_tag(takes_context=True)
def my_followed_categories(context: Any) -> list[Category]:
    request = context.get("request")
    return alerts.followed_categories(getattr(request, "user", None))
