"""Template filters and tags of the public pages: ``{% load communs_web %}``.

They wrap ``communs.web.present`` (safe links, hidden e-mail addresses, language shares,
page windows) and add what needs Django: translation and localised dates and numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from django import template
from django.core.paginator import Page
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from communs.web import present
from communs.web.queries import OTHER_LICENSE

register = template.Library()


@register.filter
def http_url(value: object) -> str:
    """The URL when it is an ``http(s)`` one, else ``""``: use it in ``href`` attributes."""
    return present.http_url(value)


@register.filter
def hide_emails(value: object) -> str:
    """The text with every e-mail address replaced by a note that it was hidden."""
    return present.redact_emails(str(value or ""), _("[e-mail address hidden]"))


@register.filter
def shorten(value: object, limit: int) -> str:
    """At most ``limit`` characters, an ellipsis ending what was cut (``truncatechars``,
    cheaper on texts that fit)."""
    return present.shorten(str(value or ""), int(limit))


@register.filter
def license_label(value: object) -> str:
    """A licence as visitors read it: the SPDX expression, or what its absence means."""
    if not value:
        return pgettext("licence", "Unknown")
    if value == OTHER_LICENSE:
        return _("Other (not identified)")
    return str(value)


@register.filter
def language_shares(value: object) -> list[present.LanguageShare]:
    return present.language_shares(value)


@register.filter
def percent(value: object, decimals: int = 0) -> str:
    """A localised percentage: ``42%`` in English, ``42 %`` in French."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return _("%(number)s%%") % {"number": number_format(number, int(decimals))}


@register.filter
def time_tag(value: object, format_name: str = "DATE_FORMAT") -> SafeString:
    """A ``<time>`` element with the localised date, or a readable "unknown" when empty."""
    if not isinstance(value, datetime):
        return format_html(
            '<span aria-hidden="true">—</span><span class="visually-hidden">{}</span>',
            _("unknown"),
        )
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    if format_name == "DATE_FORMAT":
        shown = _day(local.date(), get_language())
    else:
        shown = date_format(local, format_name)
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), shown)


@lru_cache(maxsize=8192)
def _day(day: date, language: str | None) -> str:
    """A day as ``DATE_FORMAT`` writes it in ``language`` (the active one, passed to be
    part of the key). Kept: a list of fifty repositories writes fifty dates, most of
    them seen before, and formatting one costs more than the rest of its table cell."""
    return date_format(day, "DATE_FORMAT")


@register.simple_tag
def page_window(page: Page) -> list[int | None]:
    """The page numbers to link to around ``page`` (``None`` for a gap)."""
    return present.page_window(page.number, page.paginator.num_pages)
