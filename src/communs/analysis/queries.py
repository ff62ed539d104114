"""Reading stored analyses: one repository's, and dependencies across public code.

The pages and the API call the same functions (one query, two representations).
Repositories gone from their forge are left out of the dependency figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from communs.analysis.models import DeclaredDependency, RepositoryAnalysis, package_purl

# Package types the manifests give, in the order the pages offer them.
PACKAGE_TYPES = ("npm", "pypi", "maven", "composer", "cargo", "golang", "gem")
MAX_QUERY = 200


@dataclass(frozen=True)
class Package:
    """A package as the dependency pages name it: ``type/namespace/name`` in URLs."""

    purl_type: str
    namespace: str
    name: str
    repositories: int = 0

    @property
    def purl(self) -> str:
        return package_purl(self.purl_type, self.namespace, self.name)

    @property
    def path(self) -> str:
        """The package's part of a URL: ``npm/@angular/core``, ``pypi/django``."""
        parts = [self.purl_type, *([self.namespace] if self.namespace else []), self.name]
        return "/".join(parts)

    @property
    def label(self) -> str:
        separator = ":" if self.purl_type in ("maven", "gradle") else "/"
        return f"{self.namespace}{separator}{self.name}" if self.namespace else self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "purl": self.purl,
            "type": self.purl_type,
            "namespace": self.namespace or None,
            "name": self.name,
            "repositories": self.repositories,
        }


def package_from_path(path: str) -> Package | None:
    """The package a URL path names (``npm/@angular/core``), or None when it names none."""
    parts = [part for part in path.strip("/").split("/") if part]
    if len(parts) < 2 or any("\x00" in part for part in parts):
        return None
    purl_type, *namespace, name = parts
    return Package(purl_type.lower()[:32], "/".join(namespace)[:255], name[:255])


def analysis_of(repository_id: int) -> RepositoryAnalysis | None:
    return RepositoryAnalysis.objects.select_related("repository").filter(pk=repository_id).first()


def _live() -> QuerySet[DeclaredDependency]:
    return DeclaredDependency.objects.filter(repository__gone_since__isnull=True)


def most_used_packages(purl_type: str = "", q: str = "") -> QuerySet:
    """Packages by how many public repositories declare them, most used first.

    Rows are ``{"purl_type", "namespace", "name", "repositories"}``; ``q`` keeps the
    packages whose name holds it (without regard to case).
    """
    rows = _live()
    if purl_type:
        rows = rows.filter(purl_type=purl_type)
    if q:
        rows = rows.filter(name__icontains=q[:MAX_QUERY])
    return (
        rows.values("purl_type", "namespace", "name")
        .annotate(repositories=Count("repository", distinct=True))
        .order_by("-repositories", "purl_type", "namespace", "name")
    )


def packages(rows: Any) -> list[Package]:
    return [Package(**row) for row in rows]


def dependents(package: Package) -> QuerySet[DeclaredDependency]:
    """The declarations of ``package`` by public repositories, by repository path."""
    return (
        _live()
        .filter(purl_type=package.purl_type, namespace=package.namespace, name=package.name)
        .select_related("repository__forge")
        .order_by("repository__forge__host", "repository__full_path", "manifest")
    )


def dependents_count(package: Package) -> int:
    return (
        _live()
        .filter(purl_type=package.purl_type, namespace=package.namespace, name=package.name)
        .values("repository")
        .distinct()
        .count()
    )


def publiccode_figures() -> dict[str, int]:
    """Live repositories whose analysis found a publiccode.yml, and how many are valid:
    ``{"with_publiccode", "valid", "invalid"}`` (for the statistics)."""
    rows = RepositoryAnalysis.objects.filter(
        repository__gone_since__isnull=True, has_publiccode=True
    )
    found = rows.aggregate(
        with_publiccode=Count("pk"),
        valid=Count("pk", filter=Q(publiccode_valid=True)),
        invalid=Count("pk", filter=Q(publiccode_valid=False)),
    )
    return {key: int(value or 0) for key, value in found.items()}


def catalogue_candidates() -> QuerySet[RepositoryAnalysis]:
    """Analyses of live repositories with a valid publiccode.yml: what a catalogue entry
    can be proposed from (``publiccode["summary"]`` holds its name, URLs, licence…)."""
    return (
        RepositoryAnalysis.objects.filter(
            repository__gone_since__isnull=True, publiccode_valid=True
        )
        .select_related("repository__forge")
        .order_by("repository__forge__host", "repository__full_path")
    )
