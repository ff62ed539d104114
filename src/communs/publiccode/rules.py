"""The standard's rules, applied to a decoded publiccode.yml.

Two passes, as in the reference validator. ``check_values`` applies the per-key rules
(required keys, conditional keys, vocabularies, formats, lengths) and reports at most
one problem per key, the first rule it breaks. ``check_extras`` adds what needs more than
the value: deprecated keys (warnings), files next to the publiccode.yml (logos,
screenshots, authors file), video providers, and, when network checks are on, URLs that
must answer.

Results are ``(level, key, message)``; keys are dotted paths with ``[n]`` for list
items, and ``[en-GB]`` for a language key that is not a plain word (``description.en``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from communs.publiccode import checks, vocabularies
from communs.publiccode.assets import AssetChecker

ERROR = "error"
WARNING = "warning"

Raw = tuple[str, str, str]

CATEGORIES_DOC = (
    "https://github.com/publiccodeyml/publiccode.yml/blob/main/docs/standard/categories-list.rst"
)
SCOPES_DOC = (
    "https://github.com/publiccodeyml/publiccode.yml/blob/main/docs/standard/scope-list.rst"
)
ALIASES_DOC = (
    "https://github.com/publiccodeyml/publiccode.yml/blob/main/docs/standard/aliases-list.rst"
)
IPA_DOC = "https://github.com/publiccodeyml/italian-organizations-ipa-vocabulary"
DEPRECATED = "This key is DEPRECATED and will be removed in the future."


def one_of(values: Collection[str]) -> str:
    """``"a", "b" or "c"``: how the reference lists allowed values."""
    quoted = [f'"{v}"' for v in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def map_key(prefix: str, key: str) -> str:
    # The reference turns ``description[en]`` into ``description.en`` only for keys made
    # of ASCII letters; ``description[en-GB]`` keeps its brackets.
    if key.isascii() and key.isalpha():
        return f"{prefix}.{key}"
    return f"{prefix}[{key}]"


class ValueRules:
    """Per-key rules; ``errors`` collects ``(key, message)``."""

    def __init__(self, ipa_codes: Collection[str] | None) -> None:
        self.ipa_codes = ipa_codes
        self.results: list[Raw] = []

    def error(self, key: str, message: str) -> None:
        self.results.append((ERROR, key, message))

    def check(self, doc: dict[str, Any]) -> list[Raw]:
        self._root(doc)
        return self.results

    # -- helpers: each returns False when it reported, so callers stop at the first ----

    def required(self, value: object, key: str, name: str) -> bool:
        if value is None or value == "":
            self.error(key, f"{name} is a required field")
            return False
        return True

    def not_empty(self, value: list[object] | dict[str, object] | None, key: str) -> bool:
        if not value:
            self.error(key, f"{key.rsplit('.', 1)[-1]} must contain more than 0 items")
            return False
        return True

    def each(
        self,
        values: list[Any] | None,
        key: str,
        valid: Callable[[str], bool],
        message: str,
    ) -> None:
        name = key.rsplit(".", 1)[-1]
        for index, value in enumerate(values or ()):
            if isinstance(value, str) and not valid(value):
                self.error(f"{key}[{index}]", f"{name}[{index}] {message}")

    def url(self, value: str | None, key: str, *, http: bool = True) -> None:
        if value is None:
            return
        name = key.rsplit(".", 1)[-1]
        if http and not checks.is_http_url(value):
            self.error(key, f"{name} must be an HTTP URL")
        elif not http and not checks.is_url(value):
            self.error(key, f"{name} must be a valid URL")

    def length(self, value: str, key: str, *, at_least: int = 0, at_most: int) -> bool:
        name = key.rsplit(".", 1)[-1]
        count = checks.grapheme_count(value)
        if count < at_least:
            self.error(key, f"{name} must be at least {at_least} characters in length")
            return False
        if count > at_most:
            self.error(key, f"{name} must be a maximum of {at_most} characters in length")
            return False
        return True

    def choice(self, value: str, key: str, allowed: Collection[str]) -> None:
        if value not in allowed:
            name = key.rsplit(".", 1)[-1]
            self.error(key, f"{name} must be one of the following: {one_of(allowed)}")

    def organisation_uri(self, value: str | None, key: str) -> None:
        if not self.required(value, key, "uri"):
            return
        verdict = checks.organisation_uri(str(value), self.ipa_codes)
        if verdict == checks.URI_INVALID:
            self.error(key, "uri is not a valid URI")
        elif verdict == checks.URI_UNKNOWN_IPA:
            self.error(
                key,
                "uri must be a valid Italian Public Administration Code (iPA) with format "
                f"'urn:x-italian-pa:[codiceIPA]' (see {IPA_DOC})",
            )

    # -- the document --------------------------------------------------------------------

    def _root(self, doc: dict[str, Any]) -> None:
        self.required(doc.get("name"), "name", "name")
        # An empty ``url`` is present (the reference reads it into a URL), so it is
        # reported as not a URL rather than as missing.
        url = doc.get("url")
        if url is None:
            self.error("url", "url is a required field")
        else:
            self.url(url, "url", http=False)
        self.url(doc.get("landingURL"), "landingURL")
        for index, based_on in enumerate(doc.get("isBasedOn") or ()):
            if based_on is not None and not checks.is_url(based_on):
                self.error(f"isBasedOn[{index}]", f"isBasedOn[{index}] must be a valid URL")
        release = doc.get("releaseDate")
        if release is not None and not checks.is_date(release):
            self.error("releaseDate", "releaseDate must be a date with format 'YYYY-MM-DD'")
        if doc.get("organisation") is not None:
            self.organisation_uri(doc["organisation"].get("uri"), "organisation.uri")
        for key in ("inputTypes", "outputTypes"):
            self.each(doc.get(key), key, checks.is_mime_type, "is not a valid MIME type")
        self.not_empty(doc.get("platforms"), "platforms")
        self.each(
            doc.get("categories"),
            "categories",
            vocabularies.CATEGORIES.__contains__,
            f"must be a valid category (see {CATEGORIES_DOC})",
        )
        for index, funder in enumerate(doc.get("fundedBy") or ()):
            self.organisation_uri(funder.get("uri"), f"fundedBy[{index}].uri")
        self.url(doc.get("roadmap"), "roadmap")
        status = doc.get("developmentStatus")
        if self.required(status, "developmentStatus", "developmentStatus"):
            self.choice(status, "developmentStatus", vocabularies.DEVELOPMENT_STATUSES)
        software_type = doc.get("softwareType")
        if self.required(software_type, "softwareType", "softwareType"):
            self.choice(software_type, "softwareType", vocabularies.SOFTWARE_TYPES)
        self._audience(doc.get("intendedAudience"))
        for index, support in enumerate(doc.get("supports") or ()):
            self._support(support, f"supports[{index}].id")
        self._descriptions(doc.get("description"))
        legal = doc.get("legal") or {}
        license_ok = self.required(legal.get("license"), "legal.license", "license")
        if license_ok and not checks.is_spdx_expression(legal["license"]):
            self.error(
                "legal.license",
                "license must be a valid license (see https://spdx.org/licenses)",
            )
        self._maintenance(doc.get("maintenance") or {})
        localisation = doc.get("localisation") or {}
        self.required(
            localisation.get("localisationReady"),
            "localisation.localisationReady",
            "localisationReady",
        )
        languages = localisation.get("availableLanguages")
        key = "localisation.availableLanguages"
        if self.required(languages, key, "availableLanguages") and self.not_empty(languages, key):
            self.each(languages, key, checks.is_language_tag, "must be a valid BCP 47 language")
        depends_on = doc.get("dependsOn")
        if depends_on is not None:
            for kind in ("open", "proprietary", "hardware"):
                for index, dependency in enumerate(depends_on.get(kind) or ()):
                    self.required(dependency.get("name"), f"dependsOn.{kind}[{index}].name", "name")
        for section in ("IT", "it"):
            if doc.get(section) is not None:
                self._italy(doc[section], section)

    def _audience(self, audience: dict[str, Any] | None) -> None:
        if audience is None:
            return
        self.each(
            audience.get("scope"),
            "intendedAudience.scope",
            vocabularies.SCOPES.__contains__,
            f"must be a valid scope (see {SCOPES_DOC})",
        )
        for key in ("countries", "unsupportedCountries"):
            self.each(
                audience.get(key),
                f"intendedAudience.{key}",
                checks.is_country,
                "must be a valid ISO 3166-1 alpha-2 two-letter country code",
            )

    def _support(self, support: dict[str, Any], key: str) -> None:
        identifier = support.get("id")
        if not self.required(identifier, key, "id"):
            return
        alias = identifier.removeprefix("alias:")
        if alias != identifier and alias not in vocabularies.SUPPORTS_ALIASES:
            self.error(key, f"id contains an unknown alias (see {ALIASES_DOC})")

    def _descriptions(self, descriptions: dict[str, Any] | None) -> None:
        if not self.not_empty(descriptions, "description"):
            return
        assert descriptions is not None
        if not all(checks.is_language_tag(language) for language in descriptions):
            self.error("description", "description must be a valid BCP 47 language")
            return
        for language, description in descriptions.items():
            self._description(description or {}, map_key("description", language))

    def _description(self, desc: dict[str, Any], prefix: str) -> None:
        generic = desc.get("genericName")
        if generic:
            self.length(generic, f"{prefix}.genericName", at_most=35)
        short = desc.get("shortDescription")
        if self.required(short, f"{prefix}.shortDescription", "shortDescription"):
            self.length(short, f"{prefix}.shortDescription", at_most=150)
        long = desc.get("longDescription")
        if self.required(long, f"{prefix}.longDescription", "longDescription"):
            self.length(long, f"{prefix}.longDescription", at_least=150, at_most=10_000)
        self.url(desc.get("documentation"), f"{prefix}.documentation")
        self.url(desc.get("apiDocumentation"), f"{prefix}.apiDocumentation")
        self.not_empty(desc.get("features"), f"{prefix}.features")
        for index, video in enumerate(desc.get("videos") or ()):
            if video is not None and not checks.is_http_url(video):
                self.error(f"{prefix}.videos[{index}]", f"videos[{index}] must be an HTTP URL")

    def _maintenance(self, maintenance: dict[str, Any]) -> None:
        kind = maintenance.get("type")
        if self.required(kind, "maintenance.type", "type"):
            self.choice(kind, "maintenance.type", vocabularies.MAINTENANCE_TYPES)
        contractors = maintenance.get("contractors")
        if kind == "contract" and contractors is None:
            self.error(
                "maintenance.contractors",
                'contractors is a required field when "type" is "contract"',
            )
        elif kind != "contract" and contractors is not None:
            # A contractor for software that is not maintained under contract is refused,
            # and not checked any further.
            self.error(
                "maintenance.contractors",
                'contractors must not be present unless "type" is "contract"',
            )
        else:
            for index, contractor in enumerate(contractors or ()):
                key = f"maintenance.contractors[{index}]"
                self.required(contractor.get("name"), f"{key}.name", "name")
                self._email(contractor.get("email"), f"{key}.email")
                self.url(contractor.get("website"), f"{key}.website")
                until = contractor.get("until")
                if self.required(until, f"{key}.until", "until") and not checks.is_date(until):
                    self.error(f"{key}.until", "until must be a date with format 'YYYY-MM-DD'")
        contacts = maintenance.get("contacts")
        if kind in ("community", "internal") and contacts is None:
            self.error(
                "maintenance.contacts", f'contacts is a required field when "type" is "{kind}"'
            )
            return
        for index, contact in enumerate(contacts or ()):
            key = f"maintenance.contacts[{index}]"
            self.required(contact.get("name"), f"{key}.name", "name")
            self._email(contact.get("email"), f"{key}.email")

    def _email(self, value: str | None, key: str) -> None:
        if value and not checks.is_email(value):
            self.error(key, "email must be a valid email address")

    def _italy(self, section: dict[str, Any], prefix: str) -> None:
        version = section.get("countryExtensionVersion")
        if version is not None:
            self.choice(
                version, f"{prefix}.countryExtensionVersion", vocabularies.IT_EXTENSION_VERSIONS
            )
        code = (section.get("riuso") or {}).get("codiceIPA")
        if code and not checks.is_italian_ipa_code(code, self.ipa_codes):
            self.error(
                f"{prefix}.riuso.codiceIPA",
                "codiceIPA must be a valid Italian Public Administration Code (iPA) "
                f"(see {IPA_DOC})",
            )


def check_extras(
    doc: dict[str, Any], assets: AssetChecker, ipa_codes: Collection[str] | None
) -> list[Raw]:
    """Deprecations, files, video providers and (when on) URLs that must answer."""
    results: list[Raw] = []

    def warn(key: str, message: str) -> None:
        results.append((WARNING, key, message))

    def error(key: str, message: str) -> None:
        results.append((ERROR, key, message))

    for key in ("url", "landingURL", "roadmap"):
        if doc.get(key) is not None:
            for problem in assets.reachable(doc[key]):
                error(key, problem)
    if doc.get("url") is not None:
        for problem in assets.code_repository(doc["url"]):
            error("url", problem)
    for problem in assets.logo(doc.get("logo")):
        error("logo", problem)
    if doc.get("monochromeLogo"):
        warn("monochromeLogo", f"{DEPRECATED} Use 'logo' instead")
        for problem in assets.logo(doc["monochromeLogo"]):
            error("monochromeLogo", problem)
    audience = doc.get("intendedAudience") or {}
    for list_key in ("countries", "unsupportedCountries"):
        for index, code in enumerate(audience.get(list_key) or ()):
            if isinstance(code, str) and checks.is_country(code) and code == code.lower():
                warn(
                    f"intendedAudience.{list_key}[{index}]",
                    f"Lowercase country codes are DEPRECATED. Use uppercase instead "
                    f"('{code.upper()}')",
                )
    legal = doc.get("legal") or {}
    if legal.get("authorsFile") is not None:
        warn("legal.authorsFile", f"{DEPRECATED} It's safe to drop it")
        for problem in assets.authors_file(legal["authorsFile"]):
            error("legal.authorsFile", problem)
    if legal.get("repoOwner") is not None:
        warn("legal.repoOwner", f"{DEPRECATED} Use 'organisation.name' instead")
    for key in ("inputTypes", "outputTypes"):
        if doc.get(key) is not None:
            warn(key, f"{DEPRECATED} It's safe to drop it")
    for language, desc in (doc.get("description") or {}).items():
        desc = desc or {}
        prefix = f"description.{language}"
        if desc.get("genericName"):
            warn(f"{prefix}.genericName", f"{DEPRECATED} It's safe to drop it")
        for key in ("documentation", "apiDocumentation"):
            if desc.get(key) is not None:
                for problem in assets.reachable(desc[key]):
                    error(f"{prefix}.{key}", problem)
        for index, screenshot in enumerate(desc.get("screenshots") or ()):
            if screenshot is not None:
                for problem in assets.screenshot(screenshot):
                    error(f"{prefix}.screenshots[{index}]", problem)
        for index, video in enumerate(desc.get("videos") or ()):
            if video is not None and not _is_video(video):
                error(
                    f"{prefix}.videos[{index}]",
                    f"'{video}' is not a valid video URL supporting oEmbed: "
                    f"invalid oEmbed link: {video}",
                )
    italy = doc.get("IT")
    if doc.get("it") is not None:
        warn(
            "it",
            "Lowercase country codes are DEPRECATED and will be removed in the future. "
            "Use 'IT' instead",
        )
        if italy is not None:
            error("it", "'IT' key already present. Remove this key")
        else:
            italy = doc["it"]
    if italy is not None:
        if italy.get("conforme") is not None:
            warn("IT.conforme", f"{DEPRECATED} It's safe to drop it")
        code = (italy.get("riuso") or {}).get("codiceIPA")
        if code and checks.is_italian_ipa_code(code, ipa_codes):
            warn(
                "IT.riuso.codiceIPA",
                f"{DEPRECATED} Use 'organisation.uri' and set it to 'urn:x-italian-pa:{code}' "
                "instead",
            )
    return results


def _is_video(url: str) -> bool:
    from communs.publiccode.oembed import is_oembed_url

    return is_oembed_url(url)
