"""Markdown written by people, turned into HTML that is safe to show on a public page.

Descriptions of catalogue entries (and, later, any text a person writes) are Markdown.
Rendering them is done in two independent steps, so that a bug in one is not enough:

1. **markdown-it-py** parses CommonMark with raw HTML *off*: ``<script>`` in the source
   is text, never a tag. Tables and strikethrough are on; nesting is capped
   (:data:`MAX_NESTING`), so ``>>>>>>…`` or a thousand nested lists cost nothing. On the
   token stream, headings move down two levels (the page owns ``h1`` and ``h2``),
   images become plain links (a remote image would tell a third party who reads the
   page), and ``mailto:`` links lose their link (the text stays, then is redacted).
2. **nh3** (ammonia) cleans the result against an allow-list of tags and attributes:
   links keep only absolute ``http``/``https`` targets and get
   ``rel="nofollow noopener noreferrer"``.

Then no e-mail address of a person may appear: addresses are replaced by a note, and
the visible text is checked once more with every tag removed, since Markdown can split
an address across tags (``a@b**.**fr``); when an address survives that way, the text is
shown plain, without formatting. Sources longer than :data:`MAX_SOURCE_CHARS` are cut.

Pure Python: no Django. The template filter is ``{% load markup %}{{ text|markdown }}``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from communs.web.present import contains_email, http_url, redact_emails

MAX_SOURCE_CHARS = 20_000
"""Longer sources are cut there: a description is a few paragraphs, not a book."""
MAX_NESTING = 12
"""Blocks and inline spans deeper than this are left as text by the parser."""
HEADING_SHIFT = 2
HIDDEN_EMAIL = "[e-mail address hidden]"
"""The note that replaces an address; the template filter passes a translated one."""

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "em", "strong", "s", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
LINK_REL = "nofollow noopener noreferrer"

_PARSER = MarkdownIt(
    "commonmark", {"html": False, "linkify": False, "maxNesting": MAX_NESTING}
).enable(["table", "strikethrough"])
_TAG = re.compile(r"<[^>]*>")
_START = re.compile(r"[0-9]{1,9}")


def _attribute(tag: str, name: str, value: str) -> str | None:
    """nh3's last word on each attribute kept by the allow-list."""
    if tag == "a" and name == "href":
        # Absolute http(s) only: no javascript:, data:, mailto: nor relative tricks.
        return value if http_url(value) else None
    if name == "start":
        return value if _START.fullmatch(value) else None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_attribute,
    link_rel=LINK_REL,
    url_schemes={"http", "https"},
    filter_style_properties={"text-align"},
    strip_comments=True,
)


def _linkable(href: object) -> bool:
    """An absolute http(s) target holding nothing that looks like an e-mail address,
    even percent-encoded (``jane.doe%40example.gouv.fr``)."""
    target = unquote(http_url(href))
    return bool(target) and not contains_email(target)


def _inline(children: Sequence[Token]) -> list[Token]:
    """Inline tokens with images turned into links and ``mailto:`` links unlinked."""
    kept: list[Token] = []
    dropped_links = 0
    for token in children:
        if token.type == "image":
            source = str(token.attrGet("src") or "")
            words = _inline(token.children or [])
            if _linkable(source):
                opening = Token("link_open", "a", 1, attrs={"href": source})
                words = [opening, *words, Token("link_close", "a", -1)]
            kept += words
        elif token.type == "link_open" and not _linkable(token.attrGet("href")):
            # Only http(s) targets stay links; the others (mailto: above all) keep their text.
            dropped_links += 1
        elif token.type == "link_close" and dropped_links:
            # Links do not nest in CommonMark, so a close after a dropped open is its own.
            dropped_links -= 1
        else:
            kept.append(token)
    return kept


def _transform(tokens: list[Token], shift: int) -> list[Token]:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            # Never h1: the page's own title is its only h1.
            level = max(2, min(6, int(token.tag[1:]) + shift))
            token.tag = f"h{level}"
        elif token.type == "inline" and token.children:
            token.children = _inline(token.children)
    return tokens


def visible_text(fragment: str) -> str:
    """What a reader sees of an HTML fragment: tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", fragment))


def render_markdown(
    text: str | None, *, hidden_email: str = HIDDEN_EMAIL, heading_shift: int = HEADING_SHIFT
) -> str:
    """Sanitised HTML for the Markdown ``text`` (see the module doc); ``""`` for nothing.

    ``heading_shift``: levels added to each heading. The default suits text shown under a
    page's h2 sections (a description); a whole document under the page's h1 (a
    newsletter whose sections are ``##``) passes 0, so its outline has no gap.
    """
    if not text or not isinstance(text, str):
        return ""
    source = text[:MAX_SOURCE_CHARS].replace("\x00", "\ufffd")
    tokens = _transform(_PARSER.parse(source), heading_shift)
    rendered = _PARSER.renderer.render(tokens, _PARSER.options, {})
    cleaned = _CLEANER.clean(rendered)
    note = html.escape(hidden_email)
    # The note holds no address and no markup, so replacing inside the HTML is safe.
    cleaned = redact_emails(cleaned, note)
    seen = visible_text(cleaned)
    if contains_email(seen):
        # An address split across tags: show the words, not the formatting.
        return plain_html(seen, hidden_email=hidden_email)
    return cleaned.strip()


def plain_html(text: str, *, hidden_email: str = HIDDEN_EMAIL) -> str:
    """``text`` as escaped paragraphs with its addresses hidden, with no formatting."""
    words = redact_emails(text[:MAX_SOURCE_CHARS], hidden_email)
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", words) if part.strip()]
    return "\n".join(
        "<p>" + html.escape(part).replace("\n", "<br>\n") + "</p>" for part in paragraphs
    )
