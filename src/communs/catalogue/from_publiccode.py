"""A catalogue entry drafted from a valid ``publiccode.yml`` (pure: no Django).

publiccode.yml describes one piece of software; a catalogue entry (``Software``) needs
most of the same facts. :func:`software_fields` maps them:

=======================================  ===============================================
publiccode.yml                           catalogue entry
=======================================  ===============================================
``name``                                 ``name``
``description.<fr…>.shortDescription``   ``function`` (French first, else English, else
                                         the first language)
``description.fr``, ``description.en``   ``description_fr``, ``description_en``:
                                         ``longDescription``, else ``shortDescription``
``legal.license``                        ``licence`` (canonical SPDX expression)
``landingURL``                           ``website``
``url``                                  ``repository_url``
``logo``                                 ``logo_url`` (a relative path is read from the
                                         repository's raw files when a base is given)
``platforms``                            ``environments`` (web → browser, mac → macos…)
``softwareType``                         ``software_type``, and ``server`` for backends
``categories``                           category slugs, kept when a category matches
=======================================  ===============================================

The analysis keeps a *summary* of each valid file (``communs.analysis.examine``
``publiccode_summary``); :func:`from_summary` turns it back into the publiccode.yml
shape, so both go through the same mapping. E-mail addresses in the text are hidden:
the entry is shown on public pages once published.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from communs.analysis import licensing
from communs.catalogue.weburls import has_user_info, is_local_url
from communs.markup import HIDDEN_EMAIL
from communs.web.present import http_url, redact_emails

MAX_NAME = 200
MAX_FUNCTION = 300
MAX_DESCRIPTION = 10_000
MAX_URL = 600
MAX_LICENCE = 300

# publiccode.yml's platforms (any string is allowed; these are the standard's examples).
PLATFORMS = {
    "web": "browser",
    "browser": "browser",
    "windows": "windows",
    "mac": "macos",
    "macos": "macos",
    "osx": "macos",
    "linux": "linux",
    "ios": "ios",
    "android": "android",
}
# publiccode.yml's softwareType → the catalogue's type (desktop/mobile, cloud, stack).
SOFTWARE_TYPES = {
    "standalone/desktop": "desktop",
    "standalone/mobile": "desktop",
    "standalone/iot": "desktop",
    "standalone/other": "desktop",
    "standalone/web": "cloud",
    "standalone/backend": "stack",
    "library": "stack",
    "configurationFiles": "stack",
    # "addon": a plugin of some other software, whose type it shares; not guessed.
}
_SCHEME = re.compile(r"\s*[a-zA-Z][a-zA-Z0-9+.-]*:")
ENVIRONMENT_ORDER = ("linux", "windows", "macos", "browser", "android", "ios", "server")


@dataclass
class ProposedSoftware:
    """What a catalogue entry starts from: ``fields`` of ``Software`` and category slugs."""

    fields: dict[str, Any] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)


def _text(value: object, limit: int) -> str:
    if not isinstance(value, str):
        return ""
    return redact_emails(value.strip(), HIDDEN_EMAIL)[:limit].strip()


def _url(value: object) -> str:
    """An http(s) URL the catalogue may show (``weburls``), else ``""``."""
    url = http_url(value)
    if len(url) > MAX_URL or has_user_info(url) or is_local_url(url):
        return ""
    return url


def _descriptions(description: object) -> dict[str, dict[str, Any]]:
    """The description per language (``fr-FR`` counts as ``fr``), the exact tag first."""
    if not isinstance(description, Mapping):
        return {}
    found: dict[str, dict[str, Any]] = {}
    for tag, entry in description.items():
        if not isinstance(tag, str) or not isinstance(entry, Mapping):
            continue
        language = tag.split("-")[0].lower()
        if language not in found or tag.lower() == language:
            found[language] = dict(entry)
    return found


def logo_url(logo: object, logo_base: str = "") -> str:
    """The logo as an absolute URL: an http(s) URL as it is, a relative path joined to
    ``logo_base`` (the folder of the publiccode.yml among the repository's raw files)."""
    if not isinstance(logo, str) or not logo.strip():
        return ""
    if absolute := _url(logo.strip()):
        return absolute
    if not logo_base or _SCHEME.match(logo) or logo.startswith("/") or "\\" in logo:
        return ""  # another scheme (javascript:, file:…) or an absolute path
    path = posixpath.normpath(logo.strip())
    if path.startswith("..") or path == ".":
        return ""  # outside the repository
    return _url(logo_base.rstrip("/") + "/" + quote(path, safe="/"))


def software_fields(publiccode: Mapping[str, Any], *, logo_base: str = "") -> ProposedSoftware:
    """The fields of a catalogue entry drafted from a publiccode.yml (see the module doc)."""
    proposed = ProposedSoftware()
    values = proposed.fields
    values["name"] = _text(publiccode.get("name"), MAX_NAME)

    descriptions = _descriptions(publiccode.get("description"))
    for language in ("fr", "en"):
        entry = descriptions.get(language, {})
        long = _text(entry.get("longDescription"), MAX_DESCRIPTION)
        values[f"description_{language}"] = long or _text(
            entry.get("shortDescription"), MAX_DESCRIPTION
        )
    ordered = [descriptions[k] for k in ("fr", "en") if k in descriptions] + list(
        descriptions.values()
    )
    values["function"] = next(
        (s for entry in ordered if (s := _text(entry.get("shortDescription"), MAX_FUNCTION))),
        "",
    )

    legal = publiccode.get("legal")
    licence = legal.get("license") if isinstance(legal, Mapping) else None
    if isinstance(licence, str) and licence.strip():
        normalised = licensing.normalise_expression(licence)
        values["licence"] = normalised if normalised and len(normalised) <= MAX_LICENCE else ""
    else:
        values["licence"] = ""

    values["website"] = _url(publiccode.get("landingURL"))
    values["repository_url"] = _url(publiccode.get("url"))
    values["logo_url"] = logo_url(publiccode.get("logo"), logo_base)

    environments: set[str] = set()
    platforms = publiccode.get("platforms")
    for platform in platforms if isinstance(platforms, list) else []:
        if isinstance(platform, str) and platform.strip().lower() in PLATFORMS:
            environments.add(PLATFORMS[platform.strip().lower()])
    software_type = publiccode.get("softwareType")
    software_type = software_type if isinstance(software_type, str) else ""
    if software_type == "standalone/backend":
        environments.add("server")
    values["environments"] = [e for e in ENVIRONMENT_ORDER if e in environments]
    values["software_type"] = SOFTWARE_TYPES.get(software_type, "")

    categories = publiccode.get("categories")
    for category in categories if isinstance(categories, list) else []:
        if isinstance(category, str) and category.strip() and len(category) <= 120:
            slug = category.strip().lower()
            if slug not in proposed.categories:
                proposed.categories.append(slug)
    return proposed


def from_summary(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The analysis's summary of a valid publiccode.yml in the publiccode.yml shape."""
    shorts = summary.get("short_descriptions")
    return {
        "name": summary.get("name"),
        "url": summary.get("url"),
        "landingURL": summary.get("landingURL"),
        "softwareType": summary.get("softwareType"),
        "logo": summary.get("logo"),
        "platforms": summary.get("platforms") or [],
        "categories": summary.get("categories") or [],
        "legal": {"license": summary.get("license")},
        "description": {
            tag: {"shortDescription": text}
            for tag, text in (shorts.items() if isinstance(shorts, Mapping) else [])
        },
    }
