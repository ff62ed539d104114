"""/contributions/: the yearly report, and the contributions of one organisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from communs.contributions import queries
from communs.sources.models import Organisation
from communs.web.charts import Bar

# Bars a chart shows before the rest is folded into "other".
TOP = 15
FIRST_YEAR = 1970


@dataclass(frozen=True, slots=True)
class Chart:
    """A bar chart of commits, drawn by the stats page's ``web/_bar_chart.html``."""

    key: str
    title: str
    caption: str
    value_header: str
    # (label, link, commits)
    entries: list[tuple[str, str, int]]
    total: int
    horizontal: ClassVar[bool] = True

    @property
    def count_header(self) -> str:
        return _("Commits")

    @property
    def bars(self) -> list[Bar]:
        return [Bar(link, label, n) for label, link, n in self.entries]

    @property
    def rows(self) -> list[tuple[Bar, str, float]]:
        """Each bar with its link and its share of ``total`` in percent."""
        return [
            (bar, bar.value, 100 * bar.count / self.total if self.total else 0.0)
            for bar in self.bars
        ]

    @property
    def data(self) -> dict[str, Any]:
        """What ``static/web/js/charts.js`` reads."""
        return {
            "type": "bar",
            "horizontal": True,
            "labels": [label for label, _link, _n in self.entries],
            "series": [{"label": _("Commits"), "data": [n for _l, _k, n in self.entries]}],
        }


def _folded(rows: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    rest = sum(n for _label, _link, n in rows[TOP:])
    return rows[:TOP] + ([(_("Other"), "", rest)] if rest else [])


def latest(request: HttpRequest) -> HttpResponse:
    years = queries.report_years()
    return redirect("contributions:contributions-year", years[-1] if years else timezone.now().year)


def year_page(request: HttpRequest, year: int) -> HttpResponse:
    if not FIRST_YEAR <= year <= timezone.now().year + 1:
        raise Http404
    report = queries.year_report(year)
    years = queries.report_years()
    charts = [
        Chart(
            "software",
            _("Public-sector commits by software"),
            _("Commits by public-sector people in the repository of each catalogue entry"),
            _("Software"),
            _folded([(s.name, s.get_absolute_url(), n) for s, n in report.software]),
            sum(n for _s, n in report.software),
        ),
        Chart(
            "organisation",
            _("Public-sector commits by organisation"),
            _("Commits by people whose profile names their organisation"),
            _("Organisation"),
            _folded([(o.name, _organisation_link(o), n) for o, n in report.organisations]),
            report.public,
        ),
        Chart(
            "domain",
            _("Public-sector commits by address domain"),
            _("Commits by the domain of their author's address"),
            _("Domain"),
            _folded([(domain, "", n) for domain, n in report.domains]),
            report.public,
        ),
    ]
    return render(
        request,
        "contributions/year.html",
        {
            "section": "contributions",
            "report": report,
            "charts": charts,
            "years": years,
            "previous": max((y for y in years if y < year), default=None),
            "next": min((y for y in years if y > year), default=None),
            "share": 100 * report.public / report.total if report.total else 0.0,
        },
    )


def _organisation_link(organisation: Organisation) -> str:
    return reverse("contributions:contributions-organisation", args=[organisation.key])


def organisation_page(request: HttpRequest, key: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, key=key)
    rows = queries.for_organisation(organisation)
    return render(
        request,
        "contributions/organisation.html",
        {
            "section": "contributions",
            "organisation": organisation,
            "rows": rows,
            "total": sum(row.commits for row in rows),
        },
    )
