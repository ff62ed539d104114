"""The analysis in the API: a repository's stored analysis and scores, and dependencies
across public code. A router that ``communs.api.v1`` mounts; it reads
:mod:`communs.analysis.queries`, as the pages do.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from communs.analysis import queries
from communs.analysis.display import localised_scores
from communs.api.cursor import MAX_INTEGER
from communs.api.schemas import BadRequest, Error

router = Router(tags=["analysis"])

ERRORS: dict[int, Any] = {304: None, 400: BadRequest, 404: Error, 429: Error}
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000


class ScoreRowOut(Schema):
    criterion: str = Field(description="The criterion's stable key.", examples=["known_license"])
    label: str = Field(description="The criterion's name, in the request's language.")
    points: float
    evidence: str = Field(
        description="What the points were given for, in the request's language "
        "(`Accept-Language`: French or English)."
    )
    evidence_id: str | None = Field(
        description="The evidence's stable id, for programs (null on analyses stored "
        "before evidence had ids).",
        examples=["license_declared"],
    )
    evidence_params: dict[str, Any] = Field(
        description="The values the evidence names (paths, licence ids, counts).",
        examples=[{"license": "MIT"}],
    )


class ScoreOut(Schema):
    name: str
    title: str = Field(description="The score's name, in the request's language.")
    total: float
    maximum: float | None = None
    known: bool = Field(description="False when the repository lacked what the score needs.")
    provisional: bool = Field(
        False, description="True for a score from the forge's metadata alone, before analysis."
    )
    rows: list[ScoreRowOut]


class LicenseOut(Schema):
    declared: str | None = Field(description="The forge's licence.")
    detected: str | None = Field(description="The SPDX expression the licence files give.")
    confidence: float | None = Field(description="The weakest confidence of the files, 0–1.")
    mismatch: bool | None = Field(description="Whether declared and detected differ.")


class AnalysisOut(Schema):
    repository: int
    status: str = Field(description="`analysed`, `skipped` or `failed`.")
    reason: str | None = Field(description="Why it was skipped, failed, or is partial.")
    analysed_at: str | None
    duration_ms: float
    archive_bytes: int | None
    pushed_at: str | None = Field(description="The push the analysis was made from.")
    content_changed_at: str | None
    license: LicenseOut
    scores: dict[str, ScoreOut] = Field(
        description="`codegouv` (code.gouv.fr), `vitality` (0–100), `readiness` (0–7)."
    )
    publiccode: dict[str, Any] | None = Field(
        description="The validator's verdict on the tree's publiccode.yml: "
        "`file`, `valid`, `results`; null without one."
    )
    analysis: dict[str, Any] | None = Field(
        description="Files, licence, REUSE, languages, dependencies (package URLs), "
        "activity, secrets (file, line and kind only), what was skipped."
    )


class PackageOut(Schema):
    purl: str = Field(examples=["pkg:npm/%40angular/core"])
    type: str = Field(examples=["npm"])
    namespace: str | None = Field(examples=["@angular"])
    name: str = Field(examples=["core"])
    repositories: int = Field(description="Public repositories that declare it.")


class PackagePage(Schema):
    count: int
    results: list[PackageOut]


class DependentOut(Schema):
    repository: int
    url: str
    forge: str
    full_path: str
    constraint: str
    scope: str
    manifest: str


class DependentPage(Schema):
    package: PackageOut
    count: int
    results: list[DependentOut]


class PackageQuery(Schema):
    type: str = Field("", max_length=32, description="A package type: npm, pypi, maven…")
    q: str = Field("", max_length=queries.MAX_QUERY, description="Part of the package name.")
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="How many results, at most.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many results to skip.")


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="How many results, at most.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many results to skip.")


def _clean(text: str) -> str:
    return text.replace("\x00", "").strip()


@router.get(
    "/repositories/{id}/analysis",
    response={200: AnalysisOut, **ERRORS},
    operation_id="get_repository_analysis",
    summary="A repository's analysis and scores",
)
def get_repository_analysis(
    request: HttpRequest,
    id: int = Path(description="The repository's `id`.", examples=[1234]),
) -> dict[str, Any]:
    """What its code contains and its three scores, each with the rows that explain it.
    404 when the repository does not exist or has not been analysed yet."""
    stored = queries.analysis_of(id) if 1 <= id <= MAX_INTEGER else None
    if stored is None:
        raise Http404(_("This repository has not been analysed."))
    body = stored.to_dict()
    body["scores"] = localised_scores(body["scores"] or {})
    return body


@router.get(
    "/dependencies",
    response={200: PackagePage, **ERRORS},
    operation_id="list_packages",
    summary="The most used packages in public code",
)
def list_packages(request: HttpRequest, filters: Query[PackageQuery]) -> dict[str, Any]:
    """Packages declared by public repositories' manifests, the most used first."""
    rows = queries.most_used_packages(_clean(filters.type).lower(), _clean(filters.q))
    chosen = rows[filters.offset : filters.offset + filters.limit]
    return {
        "count": rows.count(),
        "results": [package.to_dict() for package in queries.packages(chosen)],
    }


@router.get(
    "/dependencies/{path:package}",
    response={200: DependentPage, **ERRORS},
    operation_id="list_dependents",
    summary="Public repositories that depend on a package",
)
def list_dependents(
    request: HttpRequest,
    filters: Query[PageQuery],
    package: str = Path(
        description="The package as `type/name` or `type/namespace/name`.",
        examples=["pypi/django", "npm/@angular/core"],
    ),
) -> dict[str, Any]:
    """The repositories whose manifests declare the package, with their constraints."""
    found = queries.package_from_path(package)
    if found is None:
        raise Http404(_("There is no such package."))
    count = queries.dependents_count(found)
    rows = queries.dependents(found)[filters.offset : filters.offset + filters.limit]
    return {
        "package": {**found.to_dict(), "repositories": count},
        "count": count,
        "results": [
            {
                "repository": row.repository_id,
                "url": row.repository.url,
                "forge": row.repository.forge.host,
                "full_path": row.repository.full_path,
                "constraint": row.constraint,
                "scope": row.scope,
                "manifest": row.manifest,
            }
            for row in rows
        ],
    }


class CandidateOut(Schema):
    repository: int
    url: str
    forge: str
    full_path: str
    publiccode_file: str
    summary: dict[str, Any] = Field(
        description="From the valid publiccode.yml: name, url, landingURL, softwareType, "
        "developmentStatus, logo, license, platforms, categories, short_descriptions."
    )


class CandidatePage(Schema):
    count: int
    results: list[CandidateOut]


@router.get(
    "/catalogue/candidates",
    response={200: CandidatePage, **ERRORS},
    operation_id="list_catalogue_candidates",
    summary="Repositories whose valid publiccode.yml can become a catalogue entry",
)
def list_catalogue_candidates(request: HttpRequest, filters: Query[PageQuery]) -> dict[str, Any]:
    """Public repositories whose publiccode.yml the analysis found valid, with what a
    catalogue entry would start from."""
    rows = queries.catalogue_candidates()
    chosen = rows[filters.offset : filters.offset + filters.limit]
    return {
        "count": rows.count(),
        "results": [
            {
                "repository": row.repository_id,
                "url": row.repository.url,
                "forge": row.repository.forge.host,
                "full_path": row.repository.full_path,
                "publiccode_file": (row.publiccode or {}).get("file", ""),
                "summary": (row.publiccode or {}).get("summary") or {},
            }
            for row in chosen
        ],
    }
