"""Refreshing the Wikidata cache, and filling catalogue entries from it.

``refresh()`` is what ``communs wikidata refresh`` runs: read each item again (those of
every catalogue entry with a Wikidata id, or the ids given), store the facts in
``WikidataEntity``, then fill the *empty* fields of the entries that point at them.

A field a person wrote is never overwritten: each field is filled by its own
conditional ``UPDATE … WHERE field = ''``, so even a moderator saving the entry while the
command runs keeps their text. Each fill is written to the audit log by the system
(no actor), as ``software.wikidata_fill`` with the fields' before and after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from communs.wikidata.client import WikidataClient, WikidataError, WikidataFacts, check_qid
from communs.wikidata.models import WikidataEntity

FILL_ACTION = "software.wikidata_fill"
# Field lengths of the catalogue entry: longer values are left out rather than cut.
_LIMITS = {"website": 600, "repository_url": 600, "logo_url": 600, "licence": 300}


def fill_values(facts: WikidataFacts) -> dict[str, str]:
    """The catalogue fields Wikidata's facts can fill, and their values (pure)."""
    values = {
        "description_fr": facts.descriptions.get("fr", ""),
        "description_en": facts.descriptions.get("en", ""),
        "website": facts.website,
        "repository_url": facts.repository_url,
        "logo_url": facts.logo_url,
        "licence": facts.licence,
    }
    return {
        name: value
        for name, value in values.items()
        if value and len(value) <= _LIMITS.get(name, 10_000)
    }


def fill_software(software_id: int, facts: WikidataFacts, now: datetime | None = None) -> dict:
    """Fill the empty fields of one entry from ``facts``; the changes made, as the audit
    log records them (``{}`` when every field was already written)."""
    from communs.audit.log import record
    from communs.catalogue.models import Software
    from communs.search.licences import is_free_licence

    now = now or timezone.now()
    changes: dict[str, dict[str, str]] = {}
    with transaction.atomic():
        for name, value in fill_values(facts).items():
            update: dict[str, object] = {name: value, "updated_at": now}
            if name == "licence":
                # update() skips Software.save(), which keeps is_free in step.
                update["is_free"] = is_free_licence(value)
            if Software.objects.filter(pk=software_id, **{name: ""}).update(**update):
                changes[name] = {"before": "", "after": value}
        if changes:
            software = Software.objects.get(pk=software_id)
            record(None, FILL_ACTION, software, {**changes, "wikidata": facts.qid})
    return changes


@dataclass
class RefreshSummary:
    read: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    # Software primary key → the fields filled.
    filled: dict[int, list[str]] = field(default_factory=dict)


def _software_ids_by_qid(qids: Iterable[str] | None) -> dict[str, list[int]]:
    from communs.catalogue.models import Software

    rows = Software.objects.exclude(wikidata_id="")
    if qids is not None:
        rows = rows.filter(wikidata_id__in=list(qids))
    found: dict[str, list[int]] = {}
    for pk, qid in rows.order_by("pk").values_list("pk", "wikidata_id"):
        try:
            found.setdefault(check_qid(qid), []).append(pk)
        except WikidataError:
            continue  # an id the model's validator would refuse: nothing to read
    return found


def store(qid: str, outcome: WikidataFacts | WikidataError, now: datetime) -> WikidataEntity:
    """Remember one read: new facts, or the error beside the facts read before."""
    entity, _created = WikidataEntity.objects.get_or_create(qid=qid)
    entity.fetched_at = now
    if isinstance(outcome, WikidataFacts):
        entity.facts = outcome.to_dict()
        entity.error = ""
    else:
        entity.error = str(outcome)[:1000]
    entity.save()
    return entity


def refresh(
    qids: Iterable[str] | None = None,
    *,
    older_than: timedelta | None = None,
    client: WikidataClient | None = None,
    now: datetime | None = None,
) -> RefreshSummary:
    """Read again the items of ``qids`` (every catalogue entry's when None) whose cache is
    older than ``older_than`` (all when None), then fill the entries' empty fields.

    Raises :class:`WikidataError` for an id that is not one, before reading anything.
    """
    now = now or timezone.now()
    wanted = None if qids is None else list(dict.fromkeys(check_qid(q) for q in qids))
    targets = _software_ids_by_qid(wanted)
    to_read = wanted if wanted is not None else sorted(targets, key=lambda q: int(q[1:]))
    cached: Mapping[str, WikidataEntity] = WikidataEntity.objects.in_bulk(to_read)
    summary = RefreshSummary()
    own_client = client is None
    client = client or WikidataClient()
    try:
        for qid in to_read:
            entity = cached.get(qid)
            fresh = (
                older_than is not None
                and entity is not None
                and entity.fetched_at is not None
                and entity.fetched_at > now - older_than
            )
            if fresh:
                summary.skipped.append(qid)
            else:
                try:
                    outcome: WikidataFacts | WikidataError = client.facts(qid)
                    summary.read.append(qid)
                except WikidataError as error:
                    outcome = error
                    summary.failed[qid] = str(error)
                entity = store(qid, outcome, now)
            facts = entity.read_facts() if entity is not None else None
            if facts is None:
                continue
            for software_id in targets.get(qid, []):
                changes = fill_software(software_id, facts, now)
                if changes:
                    summary.filled[software_id] = sorted(changes)
    finally:
        if own_client:
            client.close()
    return summary
