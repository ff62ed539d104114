"""The stats page and the ministries' pages: thin shells over ``communs.web.stats``.

Every chart is drawn in the browser by the vendored Chart.js from a JSON island the
page carries, and every chart's numbers are also a table in the HTML, so the page says
everything without JavaScript and to a screen reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from communs.analysis.queries import publiccode_figures
from communs.history.display import stats_trends
from communs.sources.models import Organisation
from communs.web import queries, stats
from communs.web.charts import Bar


@dataclass(frozen=True, slots=True)
class BarChart:
    """What the ``_bar_chart.html`` fragment shows: a title, the bars, their links."""

    key: str
    title: str
    caption: str
    value_header: str
    bars: list[Bar]
    total: int
    # Where a bar's row links to: a URL per bar value ("" for no link).
    links: dict[str, str]
    horizontal: bool = True

    @property
    def rows(self) -> list[tuple[Bar, str, float]]:
        """Each bar with its link and its share of ``total`` in percent."""
        return [
            (bar, self.links.get(bar.value, ""), 100 * bar.count / self.total if self.total else 0)
            for bar in self.bars
        ]

    @property
    def data(self) -> dict[str, object]:
        """The JSON the chart script reads (``static/web/js/charts.js``)."""
        return {
            "type": "bar",
            "horizontal": self.horizontal,
            "labels": [bar.label for bar in self.bars],
            "series": [{"label": _("Repositories"), "data": [bar.count for bar in self.bars]}],
        }


def _list_links(parameter: str, bars: list[Bar]) -> dict[str, str]:
    base = reverse("repository-list")
    return {bar.value: f"{base}?{urlencode({parameter: bar.value})}" for bar in bars if bar.value}


def _ministry_links(bars: list[Bar]) -> dict[str, str]:
    return {bar.value: reverse("ministry-detail", args=[bar.value]) for bar in bars if bar.value}


def stats_page(request: HttpRequest) -> HttpResponse:
    figures = stats.statistics()
    total = figures.repositories
    charts = [
        BarChart(
            "ministry",
            _("Repositories by ministry"),
            _("Repositories of each ministry and of the organisations under it"),
            _("Ministry"),
            figures.by_ministry,
            total,
            _ministry_links(figures.by_ministry),
        ),
        BarChart(
            "license",
            _("Repositories by licence"),
            _("Repositories by licence, the most frequent first"),
            _("Licence"),
            figures.by_license,
            total,
            _list_links("license", figures.by_license),
        ),
        BarChart(
            "language",
            _("Repositories by main language"),
            _("Repositories by main language, the most frequent first"),
            _("Language"),
            figures.by_language,
            total,
            _list_links("language", figures.by_language),
        ),
        BarChart(
            "forge",
            _("Repositories by forge"),
            _("Repositories by forge, the most frequent first"),
            _("Forge"),
            figures.by_forge,
            total,
            _list_links("forge", figures.by_forge),
        ),
        BarChart(
            "year",
            _("Repositories by year of creation"),
            _("Repositories by the year their forge says they were created"),
            _("Year"),
            figures.by_year,
            total,
            {},
            horizontal=False,
        ),
    ]
    months = figures.months
    timeline = {
        "type": "line",
        "labels": [row.month for row in months],
        "series": [
            {"label": _("Created, in all"), "data": [row.created_total for row in months]},
            {
                "label": _("First seen by Communs, in all"),
                "data": [row.first_seen_total for row in months],
            },
        ],
    }
    per_month = {
        "type": "bar",
        "horizontal": False,
        "labels": [row.month for row in months],
        "series": [
            {"label": _("Created"), "data": [row.created for row in months]},
            {"label": _("First seen by Communs"), "data": [row.first_seen for row in months]},
        ],
    }
    context = {
        "section": "stats",
        "figures": queries.site_figures(),
        # Counted from the stored analyses (issue: "counted in the stats").
        "publiccode": queries.cached_statistic("publiccode", publiccode_figures),
        "statistics": figures,
        "charts": charts,
        "months": months,
        "timeline": timeline,
        "per_month": per_month,
        # The daily snapshots' trends (communs.history), [] before the first one.
        "trends": stats_trends(),
    }
    return render(request, "web/stats.html", context)


def organisation_tree(steps: list[stats.TreeStep]) -> SafeString:
    """A ministry's tree as nested list items (inside the template's ``<ul>``).

    Written here rather than in a template loop: a big ministry has a thousand
    organisations, and the template engine spends about a millisecond on each.
    """
    # One reverse() for all: it costs more than the rest of an item.
    link = reverse("organisation-detail", args=["KEY"])
    parts: list[str] = []
    for step in steps:
        organisation = step.organisation
        if organisation is None:
            parts.append("</ul></li>")
            continue
        total = organisation.subtree_repository_count
        count = ngettext("(%(total)s repository)", "(%(total)s repositories)", total) % {
            "total": number_format(total, force_grouping=True)
        }
        parts.append(
            format_html(
                '<li><a href="{}">{}</a> <span class="count">{}</span>',
                link.replace("KEY", organisation.key),
                organisation.name,
                count,
            )
        )
        parts.append("<ul>" if step.has_children else "</li>")
    return mark_safe("\n".join(parts))  # noqa: S308 - every part is escaped above


def ministry_tree_html(summary: stats.MinistrySummary) -> SafeString:
    """The ministry's tree in the active language, kept with the figures it shows: a
    thousand organisations take longer to walk and write than the rest of the page."""
    return queries.cached_statistic(
        f"ministry.{summary.ministry.pk}.tree.{get_language()}",
        lambda: organisation_tree(stats.ministry_tree(summary)),
    )


def ministry_list(request: HttpRequest) -> HttpResponse:
    context = {"section": "ministries", "ministries": stats.ministry_rows()}
    return render(request, "web/ministry_list.html", context)


def ministry_detail(request: HttpRequest, key: str) -> HttpResponse:
    ministry = get_object_or_404(Organisation, key=key)
    if ministry.level != Organisation.Level.MINISTRY:
        raise Http404(_("There is no such ministry."))
    summary = stats.ministry_summary(ministry)
    base = reverse("repository-list")

    def links(parameter: str, bars: list[Bar]) -> dict[str, str]:
        return {
            bar.value: f"{base}?{urlencode({'ministry': ministry.key, parameter: bar.value})}"
            for bar in bars
            if bar.value
        }

    charts = [
        BarChart(
            "license",
            _("Licences"),
            _("Repositories of the ministry by licence, the most frequent first"),
            _("Licence"),
            summary.licenses,
            summary.repositories,
            links("license", summary.licenses),
        ),
        BarChart(
            "language",
            _("Main languages"),
            _("Repositories of the ministry by main language, the most frequent first"),
            _("Language"),
            summary.languages,
            summary.repositories,
            links("language", summary.languages),
        ),
    ]
    context = {
        "section": "ministries",
        "ministry": ministry,
        "summary": summary,
        "tree": ministry_tree_html(summary),
        "charts": charts,
        "list_url": f"{base}?{urlencode({'ministry': ministry.key})}",
    }
    return render(request, "web/ministry_detail.html", context)
