"""Facts about a software read from Wikidata: names, descriptions, logo, links, licence.

Pure Python, no Django. :func:`entity_facts` turns Wikidata's JSON into
:class:`WikidataFacts` and does no I/O; :class:`WikidataClient` fetches that JSON.

What is read, from the statements of the item (``claims``), best rank only (the
*preferred* statements when there are some, else the *normal* ones; *deprecated* ones
never), which is what Wikidata itself calls the "truthy" values:

========  =====================  ==================================================
property  meaning                becomes
========  =====================  ==================================================
labels    name (fr, en)          ``labels``
descr.    one-line summary       ``descriptions``
P154      logo image             ``logo_url``, a Commons ``Special:FilePath`` URL
P856      official website       ``website`` (http or https only)
P1324     source code repository ``repository_url`` (http or https only)
P275      copyright licence      ``licence``: each licence item is fetched too, and
                                 its *SPDX licence ID* (P2479) read
========  =====================  ==================================================

Wikidata lists the licences of a software without saying how they combine; several
become ``A OR B`` (the software may be used under either), the reading of dual
licensing. A licence item without an SPDX id is reported in ``unmapped_licences``
rather than guessed. Whether the software is free then follows from that SPDX
expression and the SPDX list's OSI and FSF flags (``communs.search.licences``,
``communs.analysis.licensing``), never from a list of Wikidata ids kept by hand.

The client asks the ``wbgetentities`` API (the same entity JSON as
``Special:EntityData/Q….json``, with only the labels, descriptions and statements in
French and English instead of every sitelink and language: a tenth of the size). It
goes through ``communs.publiccode.network.SafeFetcher``, which refuses private and
loopback addresses, follows redirects by hand and bounds the time and the body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from communs.analysis import licensing
from communs.publiccode.network import Fetcher, FetchError, SafeFetcher
from communs.search.licences import is_free_licence
from communs.web.present import http_url

QID = re.compile(r"Q[1-9][0-9]{0,9}")
API_URL = "https://www.wikidata.org/w/api.php"
COMMONS_FILE_URL = "https://commons.wikimedia.org/wiki/Special:FilePath/"
# Wikimedia asks every client to say who it is (its User-Agent policy).
USER_AGENT = "communs-wikidata/1 (free-software catalogue of public administrations)"
LANGUAGES = ("fr", "en")

MAX_ENTITY_BYTES = 8 * 1024 * 1024
"""A software item with hundreds of versions (P348) weighs about a megabyte."""
MAX_LICENCES = 12
MAX_LABEL = 200
MAX_DESCRIPTION = 500
MAX_URL = 600

LOGO, WEBSITE, REPOSITORY, LICENCE, SPDX_ID = "P154", "P856", "P1324", "P275", "P2479"


class WikidataError(Exception):
    """The facts could not be read: bad id, no such item, network, or broken answer."""


@dataclass
class WikidataFacts:
    """What Communs keeps of a Wikidata item; ``to_dict`` is what the cache stores."""

    qid: str
    labels: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    logo_url: str = ""
    website: str = ""
    repository_url: str = ""
    licence: str = ""
    licence_items: list[str] = field(default_factory=list)
    unmapped_licences: list[str] = field(default_factory=list)
    osi_approved: bool | None = None
    fsf_libre: bool | None = None
    free: bool = False
    # The item this one was merged into, when Wikidata answered for another id.
    redirected_to: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WikidataFacts:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


def check_qid(value: object) -> str:
    """``value`` as a Wikidata item id (``Q42``), or :class:`WikidataError`."""
    text = value.strip().upper() if isinstance(value, str) else ""
    if not QID.fullmatch(text):
        raise WikidataError(f"not a Wikidata item id: {str(value)[:40]!r}")
    return text


# --- reading the entity JSON (pure) -------------------------------------------------------


def best_statements(claims: object, prop: str) -> list[dict[str, Any]]:
    """The statements of ``prop`` Wikidata calls truthy: preferred ones, else normal ones."""
    statements = claims.get(prop) if isinstance(claims, Mapping) else None
    if not isinstance(statements, list):
        return []
    ranked = [s for s in statements if isinstance(s, Mapping)]
    preferred = [s for s in ranked if s.get("rank") == "preferred"]
    return preferred or [s for s in ranked if s.get("rank", "normal") == "normal"]


def _value(statement: Mapping[str, Any]) -> Any:
    snak = statement.get("mainsnak")
    if not isinstance(snak, Mapping) or snak.get("snaktype") != "value":
        return None  # "somevalue" (unknown) and "novalue" carry nothing
    datavalue = snak.get("datavalue")
    return datavalue.get("value") if isinstance(datavalue, Mapping) else None


def string_values(claims: object, prop: str) -> list[str]:
    return [v.strip() for s in best_statements(claims, prop) if isinstance(v := _value(s), str)]


def item_values(claims: object, prop: str) -> list[str]:
    """The item ids a ``wikibase-item`` property points at, valid ones only, each once."""
    found: list[str] = []
    for statement in best_statements(claims, prop):
        value = _value(statement)
        qid = value.get("id") if isinstance(value, Mapping) else None
        if isinstance(qid, str) and QID.fullmatch(qid) and qid not in found:
            found.append(qid)
    return found


def _texts(entity: Mapping[str, Any], key: str, limit: int) -> dict[str, str]:
    values = entity.get(key)
    texts: dict[str, str] = {}
    for language in LANGUAGES:
        entry = values.get(language) if isinstance(values, Mapping) else None
        text = entry.get("value") if isinstance(entry, Mapping) else None
        if isinstance(text, str) and text.strip():
            texts[language] = " ".join(text.split())[:limit]
    return texts


def _first_url(claims: object, prop: str) -> str:
    for value in string_values(claims, prop):
        url = http_url(value)
        if url and len(url) <= MAX_URL:
            return url
    return ""


def commons_file_url(name: str) -> str:
    """The address that serves a Commons file by its name (``7-Zip Icon.svg``)."""
    title = "_".join(name.strip().split())
    if not title or "/" in title or len(title) > 240:
        return ""
    return COMMONS_FILE_URL + quote(title, safe="()_-.,!")


def spdx_of_licence(entity: Mapping[str, Any]) -> str:
    """A licence item's SPDX id (P2479), in its current SPDX form; ``""`` without one.

    Items often carry the deprecated id too (``LGPL-2.1+`` beside ``LGPL-2.1-or-later``),
    usually at a lower rank; both normalise to the same current id.
    """
    for value in string_values(entity.get("claims"), SPDX_ID):
        normalised = licensing.normalise_expression(value)
        if normalised:
            return normalised
    return ""


def licence_expression(spdx_ids: Sequence[str]) -> str:
    """Several licences as one SPDX expression: ``A OR B``, each once, in order."""
    distinct = [item for i, item in enumerate(spdx_ids) if item and item not in spdx_ids[:i]]
    if len(distinct) <= 1:
        return distinct[0] if distinct else ""
    joined = " OR ".join(f"({item})" if " " in item else item for item in distinct)
    return licensing.normalise_expression(joined) or joined


def find_entity(entities: object, qid: str) -> tuple[str, Mapping[str, Any]]:
    """The entity answered for ``qid``, and its own id (another one after a merge)."""
    if not isinstance(entities, Mapping):
        raise WikidataError("the answer holds no entities")
    entity = entities.get(qid)
    if not isinstance(entity, Mapping):
        # A merged item is answered under the id it was merged into.
        others = [e for e in entities.values() if isinstance(e, Mapping)]
        if len(others) != 1:
            raise WikidataError(f"{qid} is not in the answer")
        entity = others[0]
    if "missing" in entity:
        raise WikidataError(f"{qid} does not exist on Wikidata")
    own = entity.get("id")
    if not isinstance(own, str) or not QID.fullmatch(own):
        raise WikidataError(f"the answer for {qid} is not an item")
    return own, entity


def entity_facts(
    qid: str, entity: Mapping[str, Any], licences: Mapping[str, Mapping[str, Any]]
) -> WikidataFacts:
    """The facts of an item, given its entity JSON and those of its licence items."""
    claims = entity.get("claims")
    own = str(entity.get("id") or qid)
    facts = WikidataFacts(
        qid=qid,
        labels=_texts(entity, "labels", MAX_LABEL),
        descriptions=_texts(entity, "descriptions", MAX_DESCRIPTION),
        website=_first_url(claims, WEBSITE),
        repository_url=_first_url(claims, REPOSITORY),
        redirected_to=own if own != qid else "",
    )
    for name in string_values(claims, LOGO):
        if url := commons_file_url(name):
            facts.logo_url = url
            break
    spdx_ids: list[str] = []
    for item in item_values(claims, LICENCE)[:MAX_LICENCES]:
        facts.licence_items.append(item)
        spdx = spdx_of_licence(licences.get(item) or {})
        if spdx:
            spdx_ids.append(spdx)
        else:
            facts.unmapped_licences.append(item)
    facts.licence = licence_expression(spdx_ids)
    if facts.licence:
        facts.osi_approved = licensing.osi_approved(facts.licence)
        facts.fsf_libre = licensing.fsf_libre(facts.licence)
        facts.free = is_free_licence(facts.licence)
    return facts


# --- fetching ------------------------------------------------------------------------------


class WikidataClient:
    """Reads items from Wikidata's API through a fetcher that refuses private addresses.

    ``api_url`` is Wikidata's ``api.php`` (another Wikibase works as well); ``fetcher``
    defaults to a ``SafeFetcher``. One item costs two requests: the item, then all its
    licence items at once.
    """

    def __init__(
        self,
        *,
        api_url: str = API_URL,
        fetcher: Fetcher | None = None,
        max_bytes: int = MAX_ENTITY_BYTES,
    ) -> None:
        self.api_url = api_url
        self.max_bytes = max_bytes
        self._own_fetcher = fetcher is None
        if fetcher is None:
            fetcher = SafeFetcher()
            fetcher.client.headers["User-Agent"] = USER_AGENT
        self.fetcher = fetcher

    def close(self) -> None:
        if self._own_fetcher and isinstance(self.fetcher, SafeFetcher):
            self.fetcher.close()

    def __enter__(self) -> WikidataClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def entities_url(self, ids: Iterable[str], props: str) -> str:
        query = {
            "action": "wbgetentities",
            "ids": "|".join(ids),
            "props": props,
            "languages": "|".join(LANGUAGES),
            "format": "json",
        }
        return f"{self.api_url}?{urlencode(query)}"

    def entities(self, ids: Sequence[str], props: str) -> Mapping[str, Any]:
        """The ``entities`` of one ``wbgetentities`` answer (at most 50 ids, as the API)."""
        url = self.entities_url(ids[:50], props)
        try:
            response = self.fetcher.get(url, max_bytes=self.max_bytes + 1)
        except FetchError as error:
            raise WikidataError(f"Wikidata could not be reached: {error}") from None
        if response.status != 200:
            raise WikidataError(f"Wikidata answered HTTP {response.status}")
        if len(response.body) > self.max_bytes:
            raise WikidataError(f"the answer is larger than {self.max_bytes} bytes")
        try:
            answer = json.loads(response.body)
        except (ValueError, RecursionError):
            raise WikidataError("the answer is not JSON") from None
        if not isinstance(answer, dict):
            raise WikidataError("the answer is not a JSON object")
        if isinstance(answer.get("error"), Mapping):
            info = str(answer["error"].get("info") or answer["error"].get("code") or "")
            raise WikidataError(f"Wikidata refused the request: {info[:200]}")
        entities = answer.get("entities")
        if not isinstance(entities, dict):
            raise WikidataError("the answer holds no entities")
        return entities

    def facts(self, qid: str) -> WikidataFacts:
        """The facts of item ``qid`` (see the module doc); :class:`WikidataError` if none."""
        qid = check_qid(qid)
        own, entity = find_entity(self.entities([qid], "labels|descriptions|claims"), qid)
        licence_ids = item_values(entity.get("claims"), LICENCE)[:MAX_LICENCES]
        licences: Mapping[str, Any] = {}
        if licence_ids:
            # Only the statements: the SPDX id is one of them.
            licences = self.entities(licence_ids, "claims")
        facts = entity_facts(qid, entity, licences)
        facts.redirected_to = own if own != qid else ""
        return facts
