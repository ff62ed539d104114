"""Format checks: dates, languages, countries, licences, URLs, e-mail addresses, lengths.

Each check answers as the reference validator does, including where it is strict in
unusual ways (a URL is parsed as Go's ``net/url`` parses it; a language tag must be a
registered BCP 47 tag written with hyphens, so ``en_GB`` and ``eng`` are refused).
Pure functions; the IANA language registry and the SPDX licence list are read once,
from the packages that ship them, without any network access.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

import regex

from communs.publiccode.vocabularies import COUNTRIES

_GRAPHEME = regex.compile(r"\X")


def grapheme_count(text: str) -> int:
    """User-perceived characters (extended grapheme clusters), as the standard counts."""
    return sum(1 for _ in _GRAPHEME.finditer(text))


_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def is_date(text: str) -> bool:
    """``YYYY-MM-DD`` naming a real day (2023-02-29 is not one)."""
    match = _DATE.fullmatch(text)
    if not match:
        return False
    try:
        datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return False
    return True


def is_country(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code, all upper or all lower case (``Fr`` is refused)."""
    if code not in (code.upper(), code.lower()):
        return False
    return code.upper() in COUNTRIES


_MIME = re.compile(
    r" *([A-Za-z0-9][A-Za-z0-9!#$&^_-]{0,126})/([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}) *"
)


def is_mime_type(text: str) -> bool:
    return _MIME.fullmatch(text) is not None


# --- e-mail addresses (the HTML5-like grammar of the reference's validator) -----------

_U = "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
_ATEXT = rf"[a-zA-Z0-9!#$%&'*+\-/=?^_`{{|}}~{_U}]"
_QTEXT = rf"(?:[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\x21\x23-\x5b\x5d-\x7e{_U}]|\\[\x01-\x7f])"
_LABEL = rf"[a-zA-Z0-9{_U}](?:[a-zA-Z0-9\-.~{_U}]*[a-zA-Z0-9{_U}])?"
_TLD = rf"[a-zA-Z{_U}](?:[a-zA-Z0-9\-.~{_U}]*[a-zA-Z{_U}])?"
_EMAIL = re.compile(
    rf'(?:{_ATEXT}+(?:\.{_ATEXT}+)*|"(?:[ \t]*{_QTEXT})*[ \t]*")@(?:{_LABEL}\.)+{_TLD}\.?'
)


def is_email(text: str) -> bool:
    return _EMAIL.fullmatch(text) is not None


# --- URLs, parsed as Go's net/url parses them ------------------------------------------


@dataclass(frozen=True)
class ParsedURL:
    scheme: str
    opaque: str
    host: str
    path: str
    query: str
    fragment: str


class URLError(ValueError):
    """The text is not a URL at all for Go's ``url.Parse`` (the reference refuses it)."""


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_CHARS = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:\[\]%\x80-\U0010ffff]*")


def parse_url(text: str, *, request_uri: bool = False) -> ParsedURL:
    """Split ``text`` like Go's ``url.Parse`` (``url.ParseRequestURI`` if asked).

    Raises ``URLError`` where Go returns an error: control characters, a colon before
    any scheme, a bad percent-escape, an invalid host or port.
    """
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise URLError("net/url: invalid control character in URL")
    rest, fragment = text, ""
    if not request_uri and "#" in rest:
        rest, fragment = rest.split("#", 1)
        if _BAD_ESCAPE.search(fragment):
            raise URLError(f"invalid URL escape in {fragment!r}")
    scheme = ""
    colon = rest.find(":")
    if colon == 0:
        raise URLError("missing protocol scheme")
    if colon > 0 and _SCHEME.fullmatch(rest[:colon]):
        scheme, rest = rest[:colon].lower(), rest[colon + 1 :]
    query = ""
    if "?" in rest:
        rest, query = rest.split("?", 1)
    if scheme and not rest.startswith("/"):
        return ParsedURL(scheme, rest, "", "", query, fragment)
    if request_uri and not rest.startswith("/"):
        raise URLError("invalid URI for request")
    host = ""
    if rest.startswith("//") and (scheme or not request_uri):
        authority, slash, path = rest[2:].partition("/")
        rest = slash + path
        host = authority.rpartition("@")[2]
        _check_host(host)
    elif not scheme:
        segment = rest.split("/", 1)[0]
        if ":" in segment:
            raise URLError("first path segment in URL cannot contain colon")
    if _BAD_ESCAPE.search(rest):
        raise URLError(f"invalid URL escape in {rest!r}")
    return ParsedURL(scheme, "", host, rest, query, fragment)


def _check_host(host: str) -> None:
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            raise URLError("missing ']' in host")
        port = host[end + 1 :]
        if port and not re.fullmatch(r":[0-9]*", port):
            raise URLError(f"invalid port {port!r} after host")
        return
    if not _HOST_CHARS.fullmatch(host):
        raise URLError(f"invalid character in host name {host!r}")
    if ":" in host:
        port = host[host.rfind(":") :]
        if not re.fullmatch(r":[0-9]*", port):
            raise URLError(f"invalid port {port!r} after host")


def is_url(text: str) -> bool:
    """A URL with a scheme and a host (or an opaque part or fragment), or a file URL."""
    lowered = text.lower()
    if not lowered:
        return False
    try:
        parsed = parse_url(lowered)
    except URLError:
        return False
    if lowered.startswith("file:/"):
        return True
    if not parsed.scheme:
        return False
    return bool(parsed.host or parsed.fragment or parsed.opaque)


def is_http_url(text: str) -> bool:
    """An ``http`` or ``https`` URL with a host."""
    if not is_url(text):
        return False
    parsed = parse_url(text.lower())
    return bool(parsed.host) and parsed.scheme in ("http", "https")


_URN = re.compile(
    r"urn:(?!urn:)[A-Za-z0-9][A-Za-z0-9\-]{0,31}:(?:[A-Za-z0-9()+,\-.:=@;$_!*'/]|%[0-9A-Fa-f]{2})+",
    re.IGNORECASE,
)
_IPA_CODE = re.compile(r"[A-Za-z0-9_]+")
ITALIAN_PA_PREFIX = "x-italian-pa:"

URI_VALID = "valid"
URI_INVALID = "invalid"
URI_UNKNOWN_IPA = "unknown-ipa"


def organisation_uri(text: str, ipa_codes: Collection[str] | None = None) -> str:
    """``URI_VALID``, ``URI_INVALID``, or ``URI_UNKNOWN_IPA`` for an organisation URI.

    An organisation is named by an absolute URL with a host or by a URN; an Italian
    public body by ``urn:x-italian-pa:CODE``, CODE being one of its iPA codes. Without
    the list of codes (``ipa_codes``), any code of the iPA's alphabet is taken.
    """
    try:
        parsed = parse_url(text, request_uri=True)
    except URLError:
        return URI_INVALID
    if parsed.scheme == "urn":
        if not _URN.fullmatch(text):
            return URI_INVALID
        if parsed.opaque.lower().startswith(ITALIAN_PA_PREFIX):
            code = parsed.opaque[len(ITALIAN_PA_PREFIX) :]
            if not is_italian_ipa_code(code, ipa_codes):
                return URI_UNKNOWN_IPA
        return URI_VALID
    if not parsed.scheme or not parsed.host:
        return URI_INVALID
    return URI_VALID


def is_italian_ipa_code(code: str, ipa_codes: Collection[str] | None = None) -> bool:
    """Whether ``code`` is an iPA code; ``ipa_codes``, when given, are in lower case."""
    if ipa_codes is not None:
        # The iPA writes its codes in either case (``PCM``, ``A690_bpe``), files too.
        return code.lower() in ipa_codes
    return _IPA_CODE.fullmatch(code) is not None


# --- SPDX licence expressions ----------------------------------------------------------

_LICENSE_REF = re.compile(r"(?:DocumentRef-[A-Za-z0-9.\-]+:)?LicenseRef-[A-Za-z0-9.\-]+")


@lru_cache(maxsize=1)
def _spdx_licensing():  # type: ignore[no-untyped-def]
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def is_spdx_expression(text: str) -> bool:
    """A valid SPDX licence expression: known identifiers joined by AND, OR, WITH."""
    if not text.strip():
        return False
    # User-defined ``LicenseRef-…`` identifiers are valid SPDX but unknown to the
    # licence list: stand a known identifier in for them so the grammar is still checked.
    expression = _LICENSE_REF.sub("MIT", text)
    try:
        info = _spdx_licensing().validate(expression, strict=True)
    except Exception:  # noqa: BLE001 - the library raises many kinds on bad grammar
        return False
    return not info.errors


# --- BCP 47 language tags ----------------------------------------------------------------

_LANGUAGE_TAG = re.compile(
    r"^(EN-GB-OED|I-AMI|I-BNN|I-DEFAULT|I-ENOCHIAN|I-HAK|I-KLINGON|I-LUX|I-MINGO|I-NAVAJO"
    r"|I-PWN|I-TAO|I-TAY|I-TSU|SGN-BE-FR|SGN-BE-NL|SGN-CH-DE|ART-LOJBAN|CEL-GAULISH|NO-BOK"
    r"|NO-NYN|ZH-GUOYU|ZH-HAKKA|ZH-MIN|ZH-MIN-NAN|ZH-XIANG|X-[A-Z0-9]{1,8})$"
    r"|^((?:[A-Z]{2,3}(?:-[A-Z]{3}){0,3})|[A-Z]{4}|[A-Z]{5,8})"
    r"(?:-([A-Z]{4}))?"
    r"(?:-([A-Z]{2}|[0-9]{3}))?"
    r"(?:-((?:[A-Z0-9]{5,8}|[0-9][A-Z0-9]{3})(?:-(?:[A-Z0-9]{5,8}|[0-9][A-Z0-9]{3}))*))?"
    r"(?:-((?:[A-WYZ0-9](?:-[A-Z0-9]{2,8})+)(?:-(?:[A-WYZ0-9](?:-[A-Z0-9]{2,8})+))*))?"
    r"(?:-X(?:-[A-Z0-9]{1,8})+)?$"
)


@dataclass(frozen=True)
class _Registry:
    languages: frozenset[str]
    extlangs: dict[str, tuple[str, ...]]
    scripts: frozenset[str]
    regions: frozenset[str]
    variants: dict[str, tuple[str, ...]]


@lru_cache(maxsize=1)
def _registry() -> _Registry:
    """The IANA language subtag registry, as shipped (offline) by ``langcodes``."""
    from langcodes.registry_parser import parse_registry

    languages: set[str] = set()
    extlangs: dict[str, tuple[str, ...]] = {}
    scripts: set[str] = set()
    regions: set[str] = set()
    variants: dict[str, tuple[str, ...]] = {}
    for entry in parse_registry():
        subtag = entry.get("Subtag", "").lower()
        kind = entry.get("Type")
        prefixes = tuple(p.lower() for p in entry.get("Prefix", []))
        if kind == "language":
            languages.add(subtag)
        elif kind == "extlang":
            extlangs[subtag] = prefixes
        elif kind == "script":
            scripts.add(subtag)
        elif kind == "region":
            regions.add(subtag)
        elif kind == "variant":
            variants[subtag] = prefixes
    return _Registry(
        frozenset(languages), extlangs, frozenset(scripts), frozenset(regions), variants
    )


def is_language_tag(tag: str) -> bool:
    """A well-formed BCP 47 tag whose language, script, region and variants are registered.

    Case does not matter; ``_`` separators (POSIX style) and three-letter codes that have
    a two-letter form (``eng``) are refused, as in the reference.
    """
    upper = tag.upper()
    match = _LANGUAGE_TAG.match(upper)
    if not match:
        return False
    if match[1]:
        return True
    registry = _registry()
    lowered = tag.lower()
    language, script, region, variant = (match[i] or "" for i in (2, 3, 4, 5))
    parts = language.lower().split("-")
    if len(parts[0]) > 3 or parts[0] not in registry.languages:
        return False
    for extlang in parts[1:]:
        prefixes = registry.extlangs.get(extlang)
        if prefixes is None or not _has_prefix(lowered, prefixes):
            return False
    if script and script.lower() not in registry.scripts:
        return False
    if region and region.lower() not in registry.regions:
        return False
    for name in variant.lower().split("-") if variant else ():
        prefixes = registry.variants.get(name)
        if prefixes is None or not _has_prefix(lowered, prefixes):
            return False
    return True


def _has_prefix(tag: str, prefixes: tuple[str, ...]) -> bool:
    return not prefixes or any((tag + "-").startswith(p) for p in prefixes)
