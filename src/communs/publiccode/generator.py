"""A first ``publiccode.yml`` drafted from what Communs knows about a repository.

    from communs.publiccode.generator import Facts, draft
    text = draft(Facts(name="medusa", url="https://github.com/italia/medusa"))

The draft always passes ``validate()``: a placeholder that fails validation until a
person fills it in would make the draft useless as a starting point, and would teach
that the validator is in the way. What Communs cannot know is therefore written as a
cautious but valid value (``maintenance.type: none``, ``developmentStatus:
development``, a licence ``LicenseRef-unknown`` when none was detected) or left out as
a commented-out suggestion, and every such place carries a ``# TODO:`` comment saying
what to check. Comments and values are plain text: no value ever holds a marker that
could be published by mistake, except the long description, which says in its own
words that it was drafted and must be rewritten.

Pure Python, no Django: the command and the page turn a Repository into ``Facts``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from communs.publiccode import LATEST_VERSION
from communs.publiccode.checks import (
    URI_VALID,
    is_http_url,
    is_language_tag,
    is_spdx_expression,
    organisation_uri,
)

TODO = "# TODO:"
# The standard's bounds, in grapheme clusters; a character is never less than one, so
# cutting by characters keeps a text within them.
SHORT_DESCRIPTION_MAX = 150
LONG_DESCRIPTION_MIN = 150
LONG_DESCRIPTION_KEPT = 4000

# Words frequent in French and rare in English: enough to pick the language of a
# description a forge gives, which is all the draft needs (a person checks it).
_FRENCH_WORDS = frozenset({
    "le", "la", "les", "des", "du", "une", "pour", "avec", "dans", "est", "sur", "et", "aux",
    "par", "pas", "qui", "que", "ce", "cette", "son", "ses", "outil", "logiciel",
    "application", "données", "site", "gestion", "projet",
})  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# What the long description says when the forge gave little, in the file's language.
_DRAFTED = {
    "fr": (
        "Cette description a été rédigée automatiquement par Communs à partir de ce que "
        "la forge indique sur le dépôt. Remplacez-la par une description complète : ce "
        "que fait le logiciel, pour qui, et comment l'utiliser."
    ),
    "en": (
        "This description was drafted automatically by Communs from what the forge says "
        "about the repository. Replace it with a full description: what the software "
        "does, for whom, and how to use it."
    ),
}


@dataclass(frozen=True)
class Facts:
    """What is known of a repository; everything but ``name`` and ``url`` may be empty."""

    name: str
    url: str
    description: str = ""
    licence: str = ""
    homepage: str = ""
    organisation_name: str = ""
    # A URL or URN naming the organisation (its website), as ``organisation.uri`` wants.
    organisation_uri: str = ""
    # A BCP 47 tag for the description; guessed from the description when empty.
    language: str = ""
    release_date: date | None = None
    software_version: str = ""
    archived: bool = False
    topics: list[str] = field(default_factory=list)


def draft(facts: Facts) -> str:
    """The text of a valid publiccode.yml with ``# TODO:`` comments where a person must look."""
    language = facts.language or guess_language(facts.description)
    if not is_language_tag(language):
        language = "en"
    name = _clean(facts.name) or _name_from_url(facts.url) or "software"
    description = _clean(facts.description)
    lines = [
        "# publiccode.yml drafted by Communs: check every line marked TODO, then validate it",
        "# (communs publiccode validate publiccode.yml). The standard:",
        "# https://yml.publiccode.tools/",
        f"publiccodeYmlVersion: {_quote(LATEST_VERSION)}",
        "",
        f"name: {_quote(name)}",
        f"url: {_quote(facts.url)}",
    ]
    if facts.homepage and is_http_url(facts.homepage):
        lines.append(f"landingURL: {_quote(facts.homepage)}")
    if facts.software_version and facts.release_date is not None:
        lines += [
            f"softwareVersion: {_quote(_clean(facts.software_version))}",
            f"releaseDate: {_quote(facts.release_date.isoformat())}",
        ]
    else:
        lines += [
            f"{TODO} the version and date of the latest release, once there is one",
            '# softwareVersion: "1.0.0"',
            '# releaseDate: "YYYY-MM-DD"',
        ]
    lines.append("")
    if (
        _clean(facts.organisation_name)
        and facts.organisation_uri
        and organisation_uri(facts.organisation_uri) == URI_VALID
    ):
        lines += [
            "organisation:",
            f"  name: {_quote(_clean(facts.organisation_name))}",
            f"  uri: {_quote(facts.organisation_uri)}",
            "",
        ]
    lines += [
        f"{TODO} the platforms it runs on: web, linux, windows, mac, android, ios…",
        "platforms:",
        f"  - {_quote('web')}",
        "",
        f"{TODO} concept, development, beta, stable or obsolete",
        f"developmentStatus: {_quote('obsolete' if facts.archived else 'development')}",
        f"{TODO} standalone/web, standalone/desktop, standalone/mobile, library, addon,",
        "# configurationFiles, standalone/iot, standalone/backend or standalone/other",
        f"softwareType: {_quote('standalone/other')}",
        "",
        "description:",
        f"  {_key(language)}:",
    ]
    short = _shorten(description.split("\n\n")[0].replace("\n", " ")) if description else ""
    lines += [
        f"    {TODO} one sentence, at most {SHORT_DESCRIPTION_MAX} characters",
        f"    shortDescription: {_quote(short or name)}",
        f"    {TODO} rewrite: what it does, for whom, how (at least "
        f"{LONG_DESCRIPTION_MIN} characters)",
        "    longDescription: |",
        *_block(_long_description(description, language), indent=6),
        f"    {TODO} the main features, one per item (this one repeats the description)",
        "    features:",
        f"      - {_quote(short or name)}",
        "",
        "legal:",
    ]
    licence = facts.licence.strip()
    if licence and licence != "NOASSERTION" and is_spdx_expression(licence):
        lines.append(f"  {TODO} check the licence Communs detected")
        lines.append(f"  license: {_quote(licence)}")
    else:
        lines.append(f"  {TODO} the SPDX identifier of the licence: none was detected")
        lines.append(f"  license: {_quote('LicenseRef-unknown')}")
    if _clean(facts.organisation_name):
        lines.append(f"  mainCopyrightOwner: {_quote(_clean(facts.organisation_name))}")
    lines += [
        "",
        "maintenance:",
        f"  {TODO} internal or community (then list contacts), contract (then list",
        "  # contractors), or none",
        f"  type: {_quote('none')}",
        "",
        "localisation:",
        f"  {TODO} true when the interface can be translated",
        "  localisationReady: false",
        f"  {TODO} every language the interface is available in",
        "  availableLanguages:",
        f"    - {_quote(language)}",
    ]
    return "\n".join(lines) + "\n"


def guess_language(text: str) -> str:
    """``"fr"`` when the text reads as French, else ``"en"``."""
    words = [word.lower() for word in _WORD.findall(text)]
    if not words:
        return "en"
    french = sum(word in _FRENCH_WORDS for word in words)
    accented = any(letter in text for letter in "éèêàçùâîôû")
    return "fr" if french * 6 >= len(words) or (accented and french) else "en"


def _long_description(description: str, language: str) -> str:
    drafted = _DRAFTED.get(language.split("-")[0], _DRAFTED["en"])
    kept = description[:LONG_DESCRIPTION_KEPT].strip()
    return f"{kept}\n\n{drafted}" if kept else drafted


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= SHORT_DESCRIPTION_MAX:
        return text
    cut = text[: SHORT_DESCRIPTION_MAX - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


def _clean(text: str) -> str:
    """Text without control characters (YAML refuses most), paragraphs kept."""
    text = text.replace("\r\n", "\n").replace("\t", " ")
    # Line breaks YAML (or one of its versions) reads as such, and Python too.
    text = re.sub("[\r\x85\u2028\u2029]", "\n", text)
    kept = "".join(char for char in text if char == "\n" or unicodedata.category(char)[0] != "C")
    return "\n".join(line.rstrip() for line in kept.strip().split("\n"))


def _quote(value: str) -> str:
    """A YAML double-quoted scalar on one line (JSON's escapes are YAML's too)."""
    return json.dumps(_clean(value).replace("\n", " "), ensure_ascii=False)


def _key(language: str) -> str:
    return language if re.fullmatch(r"[A-Za-z]+", language) else _quote(language)


def _block(text: str, *, indent: int) -> list[str]:
    """The lines of a literal block scalar; its first line may not start with a space."""
    pad = " " * indent
    return [pad + line.lstrip() if line.strip() else "" for line in text.split("\n")]


def _name_from_url(url: str) -> str:
    path = url.split("://", 1)[-1].rstrip("/")
    last = path.rsplit("/", 1)[-1] if "/" in path else ""
    return last.removesuffix(".git")
