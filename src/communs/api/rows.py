"""The objects the API answers with, as plain dictionaries built from stored rows.

A repository is the JSON export's row (``repository_to_dict``) plus its ``id``, so a
client can move between the export and the API without renaming a field. An
organisation carries the export row's fields too, with its counts taken from
``communs.web.queries`` so that the API and the pages show the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from django.db.models import Count, Q

from communs.repositories.exports import Hierarchy, repository_to_dict
from communs.repositories.models import Repository
from communs.sources.models import Account, Forge, Organisation
from communs.web import queries, stats
from communs.web.charts import month_rows, year_bars


def repository_row(repo: Repository) -> dict[str, object]:
    """The export row of ``repo`` with its ``id``; reads its forge, account and their
    organisations (load them with ``select_related``).

    ``languages`` and ``topics`` are what forges sent, stored as JSON: anything but
    ``{name: bytes}`` and a list of names is left out rather than failing the answer.
    """
    row = {"id": repo.pk, **repository_to_dict(repo)}
    languages = repo.languages if isinstance(repo.languages, dict) else {}
    row["languages"] = {
        str(name): int(size)
        for name, size in languages.items()
        if isinstance(size, int | float) and not isinstance(size, bool) and math.isfinite(size)
    }
    topics = repo.topics if isinstance(repo.topics, list) else []
    row["topics"] = [topic for topic in topics if isinstance(topic, str)]
    return row


def organisation_rows(organisations: Iterable[Organisation]) -> list[dict[str, object]]:
    """The rows of ``organisations``, annotated by ``queries.with_account_and_child_counts``
    and with their parent loaded, in the order given."""
    counts = queries.organisation_counts()
    hierarchy = Hierarchy()
    return [
        {
            "key": organisation.key,
            "name": organisation.name,
            "pso_id": organisation.pso_id,
            "level": organisation.level,
            "parent": organisation.parent.key if organisation.parent else None,
            "ministry": hierarchy.ministry_key(organisation.pk),
            "website": organisation.website,
            "floss_policy_url": organisation.floss_policy_url,
            "ospo_url": organisation.ospo_url,
            "accounts": organisation.account_count,
            "repositories": counts.own.get(organisation.pk, 0),
            "repositories_with_descendants": counts.total.get(organisation.pk, 0),
            "sub_organisations": organisation.child_count,
        }
        for organisation in organisations
    ]


def organisation_detail(organisation: Organisation) -> dict[str, object]:
    """One organisation with its description, ancestors, children, accounts and forges."""
    annotated = queries.with_account_and_child_counts(
        Organisation.objects.filter(pk=organisation.pk).select_related("parent")
    ).get()
    children = queries.with_account_and_child_counts(
        organisation.children.select_related("parent")
    ).order_by(*queries.ORGANISATION_SORTS["name"].ordering)
    return {
        **organisation_rows([annotated])[0],
        "description": organisation.description,
        "identifiers": organisation.identifiers
        if isinstance(organisation.identifiers, dict)
        else {},
        "ancestors": [
            {"key": node.key, "name": node.name, "level": node.level}
            for node in organisation.ancestors()
        ],
        "children": organisation_rows(children),
        "forge_accounts": [
            account_row(account) for account in queries.organisation_accounts(organisation)
        ],
        "forges": list(organisation.forges.order_by("host").values_list("host", flat=True)),
    }


def account_row(account: Account) -> dict[str, object]:
    """An account as ``organisation_accounts`` returns it (forge loaded, count annotated)."""
    return {
        "forge": account.forge.host,
        "path": account.path,
        "url": account.url,
        "display_name": account.display_name,
        "ignored_since": account.ignored_since.isoformat() if account.ignored_since else None,
        "repositories": account.repository_count,
    }


def forges_with_counts(host: str | None = None) -> list[Forge]:
    """Every forge by host (or the one of ``host``), with its organisation and its
    followed accounts counted."""
    forges = Forge.objects.all() if host is None else Forge.objects.filter(host=host)
    return list(
        forges.select_related("organisation")
        .annotate(
            account_count=Count("accounts", filter=Q(accounts__ignored_since__isnull=True)),
        )
        .order_by("host")
    )


def forge_rows(forges: Iterable[Forge]) -> list[dict[str, object]]:
    """The rows of ``forges`` (from :func:`forges_with_counts`), with their present
    repositories counted as the pages count them (cached whole-index figures)."""
    repositories = dict(queries.forge_counts())
    return [
        {
            "host": forge.host,
            "kind": forge.kind,
            "url": forge.url,
            "api_url": forge.api_url,
            "scope": forge.scope,
            "organisation": forge.organisation.key if forge.organisation else None,
            "ignored_since": forge.ignored_since.isoformat() if forge.ignored_since else None,
            "ignored_reason": forge.ignored_reason,
            "accounts": forge.account_count,
            "repositories": repositories.get(forge.host, 0),
        }
        for forge in forges
    ]


def statistics() -> dict[str, object]:
    """The home page's figures, and repositories counted by licence, language, forge
    and ministry (with everything under each ministry)."""
    figures = queries.site_figures()
    totals = queries.organisation_counts().total
    return {
        "repositories": figures.repositories,
        "licensed": figures.licensed,
        "licensed_percent": round(figures.licensed_percent, 2),
        "forks": figures.forks,
        "archived": figures.archived,
        "stars": figures.stars,
        "organisations": figures.organisations,
        "ministries": figures.ministries,
        "forges": figures.forges,
        "accounts": figures.accounts,
        "by_license": [
            {"value": value or queries.UNKNOWN_LICENSE, "count": n}
            for value, n in queries.value_counts("license")
        ],
        "by_language": [
            {"value": value, "count": n}
            for value, n in queries.top_values("language", queries.FACET_LIMIT)
        ],
        "by_forge": [{"value": host, "count": n} for host, n in queries.forge_counts()],
        "by_ministry": [
            {"value": ministry.key, "name": ministry.name, "count": totals.get(ministry.pk, 0)}
            for ministry in queries.ministries()
        ],
        **_timeline(),
    }


def _timeline() -> dict[str, object]:
    """Repositories by year and month of creation (and of first sight), as the stats
    page draws them (``communs.web.stats``)."""
    counts = stats.raw_counts()
    return {
        "by_year": [
            {"year": int(bar.value), "count": bar.count} for bar in year_bars(counts["created"])
        ],
        "by_month": [
            {
                "month": row.month,
                "created": row.created,
                "first_seen": row.first_seen,
                "created_total": row.created_total,
                "first_seen_total": row.first_seen_total,
            }
            for row in month_rows(counts["created"], counts["first_seen"])
        ],
    }
