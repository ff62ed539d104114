"""Markdown files with a YAML front matter, as the BlueHats site writes them (pure).

A file starts with ``---``, a YAML mapping, ``---``, then the Markdown body. The YAML is
read with ruamel.yaml's safe loader (no Python objects, YAML 1.2 rules). The bodies were
written for a site that allowed raw HTML; Communs renders Markdown with raw HTML off
(``communs.markup``), where ``<iframe …>`` would show as text. :func:`tidy_body` turns
the few tags the files use into Markdown: links stay links, embedded videos and slides
become links (and their addresses are returned, so the video links are kept), images
keep their words (their addresses are relative to a site that is not ours), and so do
the old site's Eleventy image shortcodes (``{% imageContent "./x.jpg", "words" %}``);
line breaks and ``<blockquote>`` wrappers go.

No Django here: the importers in ``events`` and ``newsletters`` are thin shells.
"""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

MAX_FILE_BYTES = 1_000_000
"""A page of the site is a few kilobytes; anything this big is not one."""


class FrontMatterError(ValueError):
    """A file that cannot be read as front matter and Markdown; the message names it."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


@dataclass(frozen=True)
class Document:
    path: Path
    meta: dict[str, Any]
    body: str


@dataclass
class TidyBody:
    text: str
    videos: list[str] = field(default_factory=list)
    slides: list[str] = field(default_factory=list)


def _loader() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_duplicate_keys = False
    return yaml


def split(text: str, path: Path | str = "<text>") -> tuple[dict[str, Any], str]:
    """The front matter (a mapping) and the body of ``text``."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise FrontMatterError(path, "no front matter (the file must start with ---)")
    end = re.search(r"^---[ \t]*$", text[4:], re.MULTILINE)
    if end is None:
        raise FrontMatterError(path, "the front matter is not closed by a --- line")
    raw = text[4 : 4 + end.start()]
    body = text[4 + end.end() :].lstrip("\n")
    try:
        meta = _loader().load(raw)
    except (YAMLError, ValueError, TypeError, RecursionError) as error:
        # ruamel raises ValueError for a date that does not exist (2020-13-01).
        reason = " ".join(str(error).split())
        raise FrontMatterError(path, f"the front matter is not valid YAML ({reason})") from None
    if not isinstance(meta, dict):
        raise FrontMatterError(path, "the front matter is not a mapping of keys to values")
    return {str(key): value for key, value in meta.items()}, body


def read(path: Path) -> Document:
    """One file, read and split; every failure is a :class:`FrontMatterError`."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FrontMatterError(path, f"larger than {MAX_FILE_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FrontMatterError(path, "not UTF-8 text") from None
    except OSError as error:
        raise FrontMatterError(path, f"cannot be read ({error.strerror})") from None
    meta, body = split(text, path)
    return Document(path=path, meta=meta, body=body)


def required_text(document: Document, key: str, limit: int) -> str:
    value = document.meta.get(key)
    if not isinstance(value, str) or not value.strip():
        raise FrontMatterError(document.path, f"'{key}' is missing or is not text")
    if len(value.strip()) > limit:
        raise FrontMatterError(document.path, f"'{key}' is longer than {limit} characters")
    return value.strip()


def optional_text(document: Document, key: str, limit: int) -> str:
    value = document.meta.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise FrontMatterError(document.path, f"'{key}' is not text")
    return str(value).strip()[:limit]


def required_date(document: Document, key: str = "date") -> datetime.date:
    """A date (``2024-11-08``); a date-time keeps its date."""
    value = document.meta.get(key)
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise FrontMatterError(document.path, f"'{key}' is missing or is not a date (YYYY-MM-DD)")


def source_url(document: Document, key: str) -> str:
    """The address of a ``{src, title}`` block (``video``, ``slides``), or ``""``.

    One file of the archive has its ``src`` and ``title`` swapped (france-brevets.md):
    the address is taken from ``title`` when ``src`` holds words and ``title`` an
    address."""
    value = document.meta.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        value = {"src": value}
    if not isinstance(value, dict) or not isinstance(value.get("src"), str):
        raise FrontMatterError(document.path, f"'{key}' has no 'src' address")
    for candidate in (value.get("src"), value.get("title")):
        if isinstance(candidate, str) and candidate.strip().startswith(("https://", "http://")):
            return candidate.strip()
    raise FrontMatterError(document.path, f"'{key}' is not an http(s) address")


_ATTRIBUTE = r"""\s{name}\s*=\s*(?:"([^"]*)"|'([^']*)')"""
_LINK = re.compile(r"<a\s[^>]*?href\s*=\s*[\"']([^\"']+)[\"'][^>]*>(.*?)</a\s*>", re.I | re.S)
_IFRAME = re.compile(r"<iframe\b([^>]*)>\s*(?:</iframe\s*>)?", re.I | re.S)
_IMAGE = re.compile(r"<img\b([^>]*?)/?>", re.I | re.S)
# Eleventy shortcodes of the old site: {% imageContent "./photo.jpg", "its words" %}.
_SHORTCODE = re.compile(r"\{%-?\s*(\w+)((?:[^%]|%(?!\}))*)-?%\}")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_DROPPED = re.compile(r"</?(?:br|blockquote|div|span|p)\b[^>]*?/?>", re.I)


def _attribute(attributes: str, name: str) -> str:
    found = re.search(_ATTRIBUTE.format(name=name), attributes, re.I)
    if not found:
        return ""
    return html.unescape(found.group(1) if found.group(1) is not None else found.group(2))


def _label(text: str) -> str:
    """Words safe inside ``[…]``."""
    return re.sub(r"[\[\]\n]+", " ", html.unescape(text)).strip()


def is_video(url: str) -> bool:
    """PeerTube (``/videos/embed/``, ``/w/``) and the usual video hosts."""
    return (
        "/videos/" in url
        or "/w/" in url
        or any(host in url for host in ("youtube.com", "youtu.be", "vimeo.com", "dailymotion.com"))
    )


def tidy_body(body: str) -> TidyBody:
    """The body as Markdown without raw HTML, and the embedded videos and slides."""
    found = TidyBody(text="")

    def link(match: re.Match[str]) -> str:
        words = _label(re.sub(r"<[^>]+>", "", match.group(2))) or match.group(1)
        return f"[{words}]({match.group(1).strip()})"

    def frame(match: re.Match[str]) -> str:
        source = _attribute(match.group(1), "src").strip()
        if source.startswith("//"):
            source = "https:" + source
        if not source.startswith(("https://", "http://")):
            return ""
        title = _label(_attribute(match.group(1), "title"))
        if is_video(source):
            found.videos.append(source)
            return f"[{title or 'Vidéo'}]({source})"
        found.slides.append(source)
        return f"[{title or 'Diapositives'}]({source})"

    def image(match: re.Match[str]) -> str:
        return _label(_attribute(match.group(1), "alt"))

    def shortcode(match: re.Match[str]) -> str:
        words = re.findall(r'"([^"]*)"', match.group(2))
        # The last quoted string of an image shortcode is its description.
        return _label(words[-1]) if match.group(1).startswith("image") and len(words) > 1 else ""

    text = _SHORTCODE.sub(shortcode, body)
    text = _LINK.sub(link, text)
    text = _IFRAME.sub(frame, text)
    text = _IMAGE.sub(image, text)
    text = _DROPPED.sub("", text)
    found.text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return found


def plain_words(text: str) -> str:
    """A one-paragraph summary written with a little HTML, as plain words."""
    words = _MARKDOWN_LINK.sub(lambda m: m.group(1), tidy_body(text).text)
    return " ".join(words.split())
