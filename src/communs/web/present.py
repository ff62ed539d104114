"""Presentation helpers without Django: safe links, hidden e-mail addresses, shares, pages.

The pages show text that forges and sources files wrote, not us. These helpers decide
what of it is safe to show: only ``http(s)`` links become links (a ``javascript:`` URL
in a homepage field must not run), and e-mail addresses in free text are hidden
because a public index never shows a person's address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

# Deliberately broad: hiding a string that only looks like an address costs little,
# showing a real one is what must not happen. An address is what the pattern
# ``[\w.+%-]+@[\w-]+(?:\.[\w-]+)+`` matches, but the pattern is not run as is: a
# regex engine tries it from every position, so 200,000 characters without "@" cost
# quadratic time (a form field, a README). ``_addresses`` starts from each "@" instead.
_LOCAL = re.compile(r"[\w.+%-]+", re.UNICODE)
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+", re.UNICODE)


def http_url(value: object) -> str:
    """``value`` when it is an absolute ``http`` or ``https`` URL with a host, else ``""``."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return ""
    return text


def _addresses(text: str) -> Iterator[tuple[int, int]]:
    """The ``(start, end)`` of each address in ``text``, as ``re.sub`` with the pattern
    above would find them, in linear time.

    "@" is in neither part, so a match always spans one "@": its local part is the run
    of local characters just before it (cut where the previous address ended, as a
    leftmost search resumes there) and its domain the labels just after it. The runs
    between two "@" do not overlap, so each character is read a bounded number of times.
    """
    # The local part is read backwards: a forward match on the reversed text.
    backwards = text[::-1]
    size = len(text)
    resume = 0
    at = text.find("@")
    while at != -1:
        local = _LOCAL.match(backwards, size - at)
        start = max(resume, at - (local.end() - local.start()) if local else at)
        domain = _DOMAIN.match(text, at + 1) if start < at else None
        if domain:
            yield start, domain.end()
            resume = domain.end()
            at = text.find("@", resume)
        else:
            at = text.find("@", at + 1)


# Slugs are 200 characters at most; room is kept for the "-N" that frees one.
SLUG_STEM = 190


def free_slug(wanted: str, taken: set[str]) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``… whichever is not in ``taken``."""
    slug, number = wanted, 2
    while slug in taken:
        slug = f"{wanted[:SLUG_STEM]}-{number}"
        number += 1
    return slug


def contains_email(text: str) -> bool:
    """Whether ``text`` holds something that looks like an e-mail address."""
    return next(_addresses(text), None) is not None


def redact_emails(text: str, replacement: str) -> str:
    """``text`` with every e-mail address replaced by ``replacement`` (taken literally)."""
    pieces = []
    kept = 0
    for start, end in _addresses(text):
        pieces += [text[kept:start], replacement]
        kept = end
    if not pieces:
        return text
    pieces.append(text[kept:])
    return "".join(pieces)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis ending what was cut.

    What Django's ``truncatechars`` does, without reading every character of a text
    that already fits (it walks them one by one: a list page writes fifty).
    """
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


@dataclass(frozen=True, slots=True)
class LanguageShare:
    name: str
    bytes: int
    percent: float


def language_shares(languages: object) -> list[LanguageShare]:
    """The languages of a repository, largest first, with their share of the bytes.

    ``languages`` is the stored ``{"Python": 12345}`` mapping; anything else (a forge
    that sent a list, negative sizes) is skipped rather than failing the page.
    """
    if not isinstance(languages, dict):
        return []
    sizes = {
        str(name): int(size)
        for name, size in languages.items()
        if isinstance(size, int | float) and not isinstance(size, bool) and size >= 0
    }
    total = sum(sizes.values())
    ordered = sorted(sizes.items(), key=lambda item: (-item[1], item[0].lower()))
    return [
        LanguageShare(name, size, round(100 * size / total, 1) if total else 0.0)
        for name, size in ordered
    ]


def page_window(current: int, last: int, radius: int = 2) -> list[int | None]:
    """The page numbers a pager shows: the first, the last, and ``radius`` around ``current``.

    ``None`` stands for a gap (an ellipsis). ``page_window(7, 20)`` is
    ``[1, None, 5, 6, 7, 8, 9, None, 20]``; a gap of one page shows that page instead.
    """
    if last < 1:
        return []
    current = min(max(current, 1), last)
    shown = {1, last, *range(max(1, current - radius), min(last, current + radius) + 1)}
    window: list[int | None] = []
    previous = 0
    for number in sorted(shown):
        if number - previous == 2:
            window.append(number - 1)
        elif number - previous > 2:
            window.append(None)
        window.append(number)
        previous = number
    return window


LAST_PAGE = -1


def parse_page_number(raw: object) -> int | None:
    """A page number from a query string: a positive integer, ``LAST_PAGE``, or ``None``.

    ``"3"`` is 3 and ``"last"`` is ``LAST_PAGE``; ``"0"``, ``"-1"``, ``"abc"`` and
    ``"1e9"`` are ``None`` (not a page). Absurdly long numbers are ``None`` too, so nobody
    makes the server parse megabytes.
    """
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        return None
    text = str(raw).strip()
    if text == "last":
        return LAST_PAGE
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    number = int(text)
    return number if number >= 1 else None
