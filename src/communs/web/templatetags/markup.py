"""``{% load markup %}{{ software.description_fr|markdown }}``: Markdown shown safely.

A thin Django shell over ``communs.markup.render_markdown`` (markdown-it-py, then nh3,
then e-mail addresses hidden): it adds the translated note and marks the result safe.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from communs.markup import render_markdown

register = template.Library()


@register.filter(is_safe=True)
def markdown(value: object) -> SafeString:
    """The Markdown ``value`` as sanitised HTML, e-mail addresses hidden."""
    text = value if isinstance(value, str) else ""
    # Safe: render_markdown's output went through nh3's allow-list (see communs.markup).
    return mark_safe(render_markdown(text, hidden_email=_("[e-mail address hidden]")))  # noqa: S308
