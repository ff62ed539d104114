"""A stored analysis as the repository page shows it: labels in the reader's language.

Scores and the analysis are stored with stable keys (criteria, file kinds) and evidence
in English, as the pure core writes it; the page names each key in French or English.
Evidence stays as written: it quotes paths and licence ids more than it speaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from communs.analysis.models import RepositoryAnalysis
from communs.analysis.queries import Package

CRITERIA = {
    # code.gouv.fr
    "known_license": _("Known licence"),
    "template": _("Template repository"),
    "publiccode": _("publiccode.yml"),
    "readme": _("README"),
    "contributing": _("Contribution guide"),
    "changelog": _("Changelog"),
    "description": _("Description"),
    "archived": _("Archived"),
    "fork": _("Fork"),
    "forks": _("Forks"),
    "subscribers": _("Subscribers"),
    # vitality
    "history": _("History"),
    "user_community": _("User community"),
    "code_activity": _("Code activity"),
    "release_history": _("Release history"),
    "longevity": _("Longevity"),
    "cap": _("Cap and rounding"),
    # readiness
    "license_detected": _("Licence file recognised"),
    "license_approved": _("Licence approved"),
    "publiccode_valid": _("Valid publiccode.yml"),
    "no_secrets": _("No secret committed"),
}

FILE_LABELS = {
    "readme": _("README"),
    "license": _("Licence"),
    "contributing": _("Contribution guide"),
    "changelog": _("Changelog"),
    "code_of_conduct": _("Code of conduct"),
    "security": _("Security policy"),
    "governance": _("Governance"),
    "roadmap": _("Roadmap"),
    "authors": _("Authors"),
    "publiccode": _("publiccode.yml"),
    "codemeta": _("codemeta.json"),
}

# The usual reasons, translated; others are shown as the pipeline wrote them.
REASONS = {
    "empty: no file to analyse": _("The repository is empty: there is no file to analyse."),
    "binary only: no text file to read": _("The repository holds only binary files."),
}


@dataclass
class ScoreView:
    name: str
    title: Any
    total: float
    maximum: float | None
    known: bool
    rows: list[dict[str, Any]]


@dataclass
class AnalysisView:
    """Everything the repository page shows about a stored analysis."""

    stored: RepositoryAnalysis
    status_label: Any
    reason: Any
    scores: list[ScoreView]
    files: list[tuple[Any, list[str]]]
    missing_files: list[Any]
    languages: list[tuple[str, int, float]]
    dependencies: list[dict[str, Any]]
    activity: dict[str, Any] | None
    license: dict[str, Any]
    publiccode: dict[str, Any] | None
    secrets: list[dict[str, Any]]
    skipped: list[dict[str, Any]]


def _score_views(scores: dict[str, Any]) -> list[ScoreView]:
    titles = {
        "codegouv": _("code.gouv.fr score"),
        "vitality": _("Vitality index (last 60 days)"),
        "readiness": _("Publication readiness checklist"),
    }
    views = []
    for name, title in titles.items():
        score = scores.get(name)
        if not score:
            continue
        rows = [
            {
                "criterion": row["criterion"],
                "label": CRITERIA.get(row["criterion"], row["criterion"]),
                "points": row["points"],
                "evidence": row["evidence"],
            }
            for row in score.get("rows", [])
        ]
        views.append(
            ScoreView(
                name, title, score["total"], score.get("maximum"), score.get("known", True), rows
            )
        )
    return views


def analysis_view(stored: RepositoryAnalysis | None) -> AnalysisView | None:
    """The page's view of ``stored``; None when the repository was never analysed."""
    if stored is None:
        return None
    data = stored.analysis or {}
    files = data.get("files") or {}
    found = [(FILE_LABELS[kind], files[kind]) for kind in FILE_LABELS if files.get(kind)]
    missing = [FILE_LABELS[kind] for kind in FILE_LABELS if not files.get(kind)] if data else []
    languages = data.get("languages") or {}
    total = sum(languages.values()) or 1
    dependencies = []
    for dependency in data.get("dependencies") or []:
        row = dict(dependency)
        base = dependency.get("purl", "").split("@", 1)[0].split("?", 1)[0]
        row["package_path"] = _package_path(base)
        dependencies.append(row)
    return AnalysisView(
        stored=stored,
        status_label=RepositoryAnalysis.Status(stored.status).label,
        reason=REASONS.get(stored.reason, stored.reason),
        scores=_score_views(stored.scores or {}),
        files=found,
        missing_files=missing,
        languages=[(name, size, 100 * size / total) for name, size in languages.items()],
        dependencies=dependencies,
        activity=data.get("activity"),
        license=data.get("license") or {},
        publiccode=stored.publiccode,
        secrets=data.get("secrets") or [],
        skipped=data.get("skipped") or [],
    )


def _package_path(purl: str) -> str:
    """``pkg:npm/%40angular/core`` as the dependency page's path, or "" for no purl."""
    from packageurl import PackageURL

    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return ""
    return Package(parsed.type, parsed.namespace or "", parsed.name).path
