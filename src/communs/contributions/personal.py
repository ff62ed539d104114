"""What the contributions hold about a person, for their data download."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from communs.contributions.models import CommitCount


def export_contributions(user: Any) -> list[dict[str, Any]]:
    """The person's commits counted per repository, year and domain."""
    rows = (
        CommitCount.objects.filter(person=user)
        .values_list("tracked__url", "year", "domain", "organisation__key")
        .annotate(n=Sum("commits"))
        .order_by("tracked__url", "year", "domain")
    )
    return [
        {"repository": url, "year": year, "domain": domain, "organisation": org, "commits": n}
        for url, year, domain, org, n in rows
    ]
