"""``{% load audit %}``: an action's words (``entry.action|action_label``) and a field's
change (``entry.changes|change_rows``)."""

from __future__ import annotations

from typing import Any

from django import template

from communs.audit.labels import ACTION_LABELS

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@register.filter
def change_rows(changes: Any) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for the fields that changed; other notes as (key, "", value)."""
    rows: list[tuple[str, Any, Any]] = []
    if not isinstance(changes, dict):
        return rows
    for name, value in changes.items():
        if isinstance(value, dict) and set(value) == {"before", "after"}:
            rows.append((name, _text(value["before"]), _text(value["after"])))
        else:
            rows.append((name, "", _text(value)))
    return rows


def _text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)
