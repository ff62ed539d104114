"""A stored analysis as the repository page and the API show it, in the reader's language.

Scores and the analysis are stored with stable keys (criteria, file kinds) and each
row's evidence as an id with parameters (:mod:`communs.scoring.evidence`); here each key
gets its label and each piece of evidence its sentence, in French or English. Rows
stored before evidence had ids keep their English sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communs.analysis.models import RepositoryAnalysis
from communs.analysis.queries import Package
from communs.scoring import hidden_by_default, provisional_codegouv_score
from communs.scoring.evidence import MESSAGES, render

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
    "no archive: the forge answers 404 (an empty repository?)": _(
        "The forge has no source archive for it (404): the repository may be empty."
    ),
    "not a readable folder": _("The source archive held no readable folder."),
}
# Reasons with a value in them, as the pipeline and the core write them (English); what
# follows a colon (an error's own words) is quoted as it is.
REASON_PATTERNS = (
    (
        re.compile(r"archive larger than (?P<bytes>\d+) bytes"),
        _("The source archive is larger than %(bytes)s bytes."),
    ),
    (
        re.compile(r"download took longer than (?P<seconds>[\d.]+) s"),
        _("The download took longer than %(seconds)s s."),
    ),
    (re.compile(r"archive refused: (?P<why>.*)", re.S), _("The archive was refused: %(why)s")),
    (
        re.compile(r"archive unreadable: (?P<why>.*)", re.S),
        _("The archive could not be read: %(why)s"),
    ),
    (re.compile(r"download failed: (?P<why>.*)", re.S), _("The download failed: %(why)s")),
    (
        re.compile(r"stopped after (?P<count>\d+) files and folders"),
        _("Only the first %(count)s files and folders were read."),
    ),
    (
        re.compile(r"stopped after the time budget of (?P<seconds>[\d.]+) s"),
        _("The reading stopped at its time budget of %(seconds)s s."),
    ),
)


def reason_text(reason: str) -> str:
    """A stored reason in the active language when it is a usual one, else as written."""
    if reason in REASONS:
        return str(REASONS[reason])
    for pattern, template in REASON_PATTERNS:
        found = pattern.fullmatch(reason)
        if found:
            return str(template) % found.groupdict()
    return reason


SCORE_TITLES = {
    "codegouv": _("code.gouv.fr score"),
    "vitality": _("Vitality index (last 60 days)"),
    "readiness": _("Publication readiness checklist"),
}


@dataclass
class ScoreView:
    name: str
    title: Any
    total: float
    maximum: float | None
    known: bool
    rows: list[dict[str, Any]]
    provisional: bool = False
    # The code.gouv.fr score hides the repository from the default list.
    hidden: bool = False


def evidence_text(row: dict[str, Any]) -> str:
    """A stored row's evidence in the active language."""
    evidence_id = row.get("evidence_id")
    if isinstance(evidence_id, str) and evidence_id in MESSAGES:
        params = row.get("evidence_params")
        return render(evidence_id, params if isinstance(params, dict) else {}, gettext)
    return str(row.get("evidence") or "")


def localised_row(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row with its criterion's label and its evidence in the active language."""
    criterion = str(row.get("criterion") or "")
    evidence_id = row.get("evidence_id")
    return {
        "criterion": criterion,
        "label": str(CRITERIA.get(criterion, criterion)),
        "points": row.get("points", 0),
        "evidence": evidence_text(row),
        # Rows stored before evidence had ids have none.
        "evidence_id": evidence_id if isinstance(evidence_id, str) else None,
        "evidence_params": row.get("evidence_params") or {},
    }


def localised_scores(scores: dict[str, Any]) -> dict[str, Any]:
    """Stored scores (``Score.to_dict()`` by name) with every row localised: for the API."""
    return {
        name: {
            **score,
            "title": str(SCORE_TITLES.get(name, name)),
            "provisional": bool(score.get("provisional", False)),
            "rows": [localised_row(row) for row in score.get("rows", [])],
        }
        for name, score in scores.items()
        if isinstance(score, dict)
    }


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
    # "forge" when the forge gave its figures (preferred), "detected" otherwise.
    languages_source: str
    dependencies: list[dict[str, Any]]
    activity: dict[str, Any] | None
    license: dict[str, Any]
    publiccode: dict[str, Any] | None
    secrets: list[dict[str, Any]]
    skipped: list[dict[str, Any]]


def _score_views(scores: dict[str, Any]) -> list[ScoreView]:
    views = []
    for name, title in SCORE_TITLES.items():
        score = scores.get(name)
        if not score:
            continue
        views.append(
            ScoreView(
                name,
                title,
                score["total"],
                score.get("maximum"),
                score.get("known", True),
                [localised_row(row) for row in score.get("rows", [])],
                bool(score.get("provisional", False)),
                name == "codegouv" and score["total"] < 0,
            )
        )
    return views


def provisional_view(repository: Any) -> ScoreView:
    """The code.gouv.fr score of a repository never analysed, from its forge metadata."""
    score = provisional_codegouv_score(repository)
    (view,) = _score_views({"codegouv": score.to_dict()})
    # Hidden only when the files nobody has read could not lift it to zero.
    view.hidden = hidden_by_default(score)
    return view


def analysis_view(stored: RepositoryAnalysis | None) -> AnalysisView | None:
    """The page's view of ``stored``; None when the repository was never analysed."""
    if stored is None:
        return None
    data = stored.analysis or {}
    files = data.get("files") or {}
    found = [(FILE_LABELS[kind], files[kind]) for kind in FILE_LABELS if files.get(kind)]
    missing = [FILE_LABELS[kind] for kind in FILE_LABELS if not files.get(kind)] if data else []
    # The forge's figures where it gives them (it sees every file, the archive may be
    # cut short); the detector's otherwise.
    languages, source = _sizes(stored.repository.languages), "forge"
    if not languages:
        languages, source = _sizes(data.get("languages")), "detected"
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
        reason=reason_text(stored.reason or ""),
        scores=_score_views(stored.scores or {}),
        files=found,
        missing_files=missing,
        languages=[
            (name, size, 100 * size / total)
            for name, size in sorted(languages.items(), key=lambda item: -item[1])
        ],
        languages_source=source,
        dependencies=dependencies,
        activity=data.get("activity"),
        license=data.get("license") or {},
        publiccode=stored.publiccode,
        secrets=[_secret(item) for item in data.get("secrets") or [] if isinstance(item, dict)],
        skipped=data.get("skipped") or [],
    )


def _sizes(languages: object) -> dict[str, int]:
    """``{language: bytes}`` kept to the well-formed entries."""
    if not isinstance(languages, dict):
        return {}
    return {
        str(name): int(size)
        for name, size in languages.items()
        if isinstance(size, int | float) and not isinstance(size, bool) and size > 0
    }


def _secret(item: dict[str, Any]) -> dict[str, Any]:
    """A committed secret's place with its kind named in the active language."""
    kind = str(item.get("kind") or "")
    key = f"secret_{kind}"
    return {**item, "label": render(key, {}, gettext) if key in MESSAGES else kind}


def _package_path(purl: str) -> str:
    """``pkg:npm/%40angular/core`` as the dependency page's path, or "" for no purl."""
    from packageurl import PackageURL

    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return ""
    return Package(parsed.type, parsed.namespace or "", parsed.name).path
