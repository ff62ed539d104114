"""``{% load markup %}{{ software.description_fr|markdown }}``: Markdown shown safely.

A thin Django shell over ``communs.markup.render_markdown`` (markdown-it-py, then nh3,
then e-mail addresses hidden): it adds the translated note and marks the result safe.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from communs.markup import HEADING_SHIFT, render_markdown

register = template.Library()


@register.filter(is_safe=True)
def markdown(value: object, heading_shift: object = None) -> SafeString:
    """The Markdown ``value`` as sanitised HTML, e-mail addresses hidden.

    ``{{ issue.body|markdown:0 }}`` keeps ``##`` as h2 (a whole document under the page's
    h1); without an argument headings move down two levels (see communs.markup).
    """
    text = value if isinstance(value, str) else ""
    shift = HEADING_SHIFT if heading_shift in (None, "") else int(heading_shift)
    # Safe: render_markdown's output went through nh3's allow-list (see communs.markup).
    html = render_markdown(text, hidden_email=_("[e-mail address hidden]"), heading_shift=shift)
    return mark_safe(html)  # noqa: S308
