"""The catalogue's read side: filters, sorts and the facts a software page shows.

Pages, the API, feeds and exports read through these functions, so that a filter means
the same everywhere. Only published entries are public. People appear only as counts
per organisation: no query here returns an agent, let alone an address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from communs.catalogue.models import (
    Category,
    Environment,
    Instance,
    Referent,
    Software,
    Status,
    Usage,
)
from communs.search.text import clean_text
from communs.sources.models import Organisation

# Sort key → (label, ordering); the counts are annotations of search_software().
SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("name", ("name", "pk")),
    "added": ("added", ("-added_at", "-pk")),
    "updated": ("updated", ("-updated_at", "-pk")),
    "users": ("users", ("-user_count", "name", "pk")),
    "referents": ("referents", ("-referent_count", "name", "pk")),
}
YES_NO = ("yes", "no")


@dataclass(frozen=True)
class CatalogueFilters:
    """What a visitor asked for, cleaned: unknown values are dropped, never trusted."""

    q: str = ""
    category: str = ""
    organisation: str = ""
    environment: str = ""
    licence: str = ""
    free: str = ""
    status: str = ""
    referents: str = ""
    expert: str = ""
    sort: str = "name"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CatalogueFilters:
        def one(name: str, limit: int = 200) -> str:
            return clean_text(params.get(name), limit)

        def choice(name: str, allowed: tuple[str, ...] | list[str]) -> str:
            value = one(name, 50)
            return value if value in allowed else ""

        sort = one("sort", 20)
        return cls(
            q=one("q"),
            category=one("category", 120),
            organisation=one("organisation"),
            environment=choice("environment", Environment.values),
            licence=one("licence", 300),
            free=choice("free", YES_NO),
            status=choice("status", Status.values),
            referents=choice("referents", YES_NO),
            expert=choice("expert", YES_NO),
            sort=sort if sort in SORTS else "name",
        )

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self) if f.name != "sort") or (
            self.sort != "name"
        )


def _active_referents() -> QuerySet[Referent]:
    return Referent.objects.filter(software=OuterRef("pk"), lapsed=False)


def published() -> QuerySet[Software]:
    return Software.objects.published()


def search_software(filters: CatalogueFilters) -> QuerySet[Software]:
    """Published entries matching ``filters``, with ``user_count`` and ``referent_count``.

    An unknown category or organisation matches nothing, rather than silently listing
    everything.
    """
    rows = published()
    if filters.q:
        rows = rows.filter(
            Q(name__icontains=filters.q)
            | Q(function__icontains=filters.q)
            | Q(description_fr__icontains=filters.q)
            | Q(description_en__icontains=filters.q)
        )
    if filters.category:
        category = Category.objects.filter(slug=filters.category).first()
        if category is None:
            return rows.none()
        # A sector lists the software of its categories too (one level, as the SILL has).
        ids = [category.pk, *category.children.values_list("pk", flat=True)]
        rows = rows.filter(categories__in=ids)
    if filters.organisation:
        organisation = Organisation.objects.filter(key=filters.organisation).first()
        if organisation is None:
            return rows.none()
        rows = rows.filter(
            Exists(Usage.objects.filter(software=OuterRef("pk"), organisation=organisation))
            | Exists(Instance.objects.filter(software=OuterRef("pk"), organisation=organisation))
        )
    if filters.environment:
        # The JSON list as text: '"linux"' is in it or not (both databases do this).
        rows = rows.filter(environments__icontains=f'"{filters.environment}"')
    if filters.licence:
        rows = rows.filter(licence=filters.licence)
    if filters.free:
        rows = rows.filter(is_free=filters.free == "yes")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.referents == "yes":
        rows = rows.filter(Exists(_active_referents()))
    elif filters.referents == "no":
        rows = rows.filter(~Exists(_active_referents()))
    if filters.expert == "yes":
        rows = rows.filter(Exists(_active_referents().filter(is_expert=True)))
    elif filters.expert == "no":
        rows = rows.filter(~Exists(_active_referents().filter(is_expert=True)))
    # The category join may repeat a row: keep one per software before counting.
    rows = Software.objects.filter(pk__in=rows.values("pk"))
    return with_counts(rows).order_by(*SORTS[filters.sort][1])


def _count_of(model: type[Usage] | type[Referent], **conditions: Any) -> Coalesce:
    # A subquery per count: joining usages and referents at once would multiply rows.
    counted = (
        model.objects.filter(software=OuterRef("pk"), **conditions)
        .order_by()
        .values("software")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted), Value(0))


def user_count() -> Coalesce:
    """How many uses are declared for the row's software (an expression)."""
    return _count_of(Usage)


def referent_count() -> Coalesce:
    """How many referents of the row's software are not lapsed (an expression)."""
    return _count_of(Referent, lapsed=False)


def with_counts(rows: QuerySet[Software]) -> QuerySet[Software]:
    return rows.annotate(user_count=user_count(), referent_count=referent_count())


def categories() -> list[Category]:
    """Every category, sectors first then theirs, for the filter's select."""
    rows = list(Category.objects.select_related("parent"))
    children: dict[int | None, list[Category]] = {}
    for category in rows:
        children.setdefault(category.parent_id, []).append(category)
    ordered: list[Category] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        # Each category is visited once: a cycle (refused by clean()) cannot loop.
        for category in sorted(children.get(parent, []), key=lambda c: c.name()):
            if category.pk in seen:
                continue
            seen.add(category.pk)
            category.depth = depth
            ordered.append(category)
            walk(category.pk, depth + 1)

    walk(None, 0)
    return ordered


def using_organisations() -> list[Organisation]:
    """Organisations that declare using or run published software, for the filter."""
    ids = set(
        Usage.objects.filter(organisation__isnull=False).values_list("organisation_id", flat=True)
    ) | set(
        Instance.objects.filter(organisation__isnull=False).values_list(
            "organisation_id", flat=True
        )
    )
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def licences() -> list[str]:
    return list(
        published()
        .exclude(licence="")
        .order_by("licence")
        .values_list("licence", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class OrganisationCount:
    """How many people of one organisation use (or help with) a software."""

    name: str
    count: int
    organisation: Organisation | None = None


def _per_organisation(rows: QuerySet, name_field: str | None) -> list[OrganisationCount]:
    values = ["organisation_id", "organisation__name", "organisation__key"]
    if name_field:
        values.append(name_field)
    counts: dict[tuple, list] = {}
    for row in rows.values(*values).annotate(n=Count("pk")):
        name = row["organisation__name"] or (row.get(name_field) if name_field else "") or ""
        key = (row["organisation_id"], "" if row["organisation_id"] else name.casefold())
        entry = counts.setdefault(key, [name, 0, row["organisation__key"]])
        entry[1] += row["n"]
    organisations = {
        o.pk: o
        for o in Organisation.objects.filter(pk__in=[k[0] for k in counts if k[0] is not None])
    }
    result = [
        OrganisationCount(name=name, count=n, organisation=organisations.get(key[0]))
        for key, (name, n, _key) in counts.items()
    ]
    return sorted(result, key=lambda c: (-c.count, c.name.casefold()))


def users_per_organisation(software: Software) -> list[OrganisationCount]:
    return _per_organisation(Usage.objects.filter(software=software), "organisation_name")


def referents_per_organisation(software: Software) -> list[OrganisationCount]:
    return _per_organisation(Referent.objects.filter(software=software, lapsed=False), None)


def has_expert(software: Software) -> bool:
    return software.referents.filter(lapsed=False, is_expert=True).exists()


def similar_of(software: Software) -> list[Software]:
    return list(software.similar.published().order_by("name"))


def plugins_of(software: Software) -> list[Software]:
    return list(software.plugins.published().order_by("name"))


def attributes_of(software: Software) -> list[tuple[Any, bool | str]]:
    """(definition, typed value) pairs, text attributes left out when empty."""
    rows = software.attribute_values.select_related("definition").order_by("definition__key")
    return [(v.definition, v.typed_value) for v in rows if v.typed_value != ""]


def instances(software: Software | None = None) -> QuerySet[Instance]:
    """Instances (all, or those of one software) whose software is published or absent."""
    rows = Instance.objects.select_related("software", "organisation").filter(
        Q(software__isnull=True) | Q(software__moderation="published")
    )
    if software is not None:
        rows = rows.filter(software=software)
    return rows.order_by("name", "pk")


# How many repositories of each kind a software page lists; the rest are counted.
LINKED_SHOWN = 20


@dataclass(frozen=True)
class LinkedRepositories:
    """The public repositories linked to an entry, by how they are linked.

    ``own``: the entry's repository (harvested at its URL); ``declaring``: others whose
    valid publiccode.yml gives the entry's repository as the software's URL;
    ``dependents``: repositories whose analysed manifests declare one of the entry's
    packages (the most starred first, at most ``LINKED_SHOWN``; ``dependents_total``
    counts them all); ``packages``: the packages moderators gave, each linking to every
    dependent; ``forks``: repositories copied from the entry's repository (the most
    starred first, at most ``LINKED_SHOWN``; ``forks_total`` counts them all).
    """

    own: list[Any]
    declaring: list[Any]
    dependents: list[Any]
    dependents_total: int
    packages: list[Any]
    forks: list[Any] = field(default_factory=list)
    forks_total: int = 0

    def __bool__(self) -> bool:
        return bool(self.own or self.declaring or self.dependents or self.forks)

    def __iter__(self) -> Any:
        # Read as a flat list by older callers (the API): own, declaring, dependents, forks.
        seen: set[int] = set()
        for repository in (*self.own, *self.declaring, *self.dependents, *self.forks):
            if repository.pk not in seen:
                seen.add(repository.pk)
                yield repository


def repositories_at(url: str) -> list[Any]:
    """Live repositories at ``url``: the forge whose web address starts it, then the path
    (through the ``(forge, lower(full_path))`` index; URLs themselves are not indexed)."""
    from urllib.parse import urlsplit

    from django.db.models.functions import Lower

    from communs.repositories.models import Repository
    from communs.sources.models import Forge

    trimmed = url.strip().rstrip("/").removesuffix(".git").rstrip("/")
    try:
        parts = urlsplit(trimmed)
    except ValueError:
        return []
    if parts.scheme not in ("http", "https") or not parts.netloc or "\x00" in trimmed:
        return []
    host = parts.netloc.lower().rsplit("@", 1)[-1]
    best, path = None, ""
    for forge in Forge.objects.filter(host__startswith=host.split(":")[0]):
        base = forge.url.rstrip("/").lower()
        base_host = urlsplit(base).netloc
        if base_host != host:
            continue
        base_path = urlsplit(base).path.rstrip("/")
        if not parts.path.lower().startswith(base_path + "/"):
            continue
        if best is None or len(base) > len(best.url):
            best, path = forge, parts.path[len(base_path) + 1 :]
    if best is None or not path:
        return []
    return list(
        Repository.objects.alias(path_lower=Lower("full_path"))
        .filter(forge=best, path_lower=path.lower(), gone_since__isnull=True)
        .select_related("forge")
        .order_by("pk")[:LINKED_SHOWN]
    )


def package_keys(software: Software) -> list[tuple[str, str, str]]:
    """The packages an entry is published as: those moderators gave, and its Go module
    when its repository is on a forge (a Go module's path is its repository's URL)."""
    from communs.catalogue.models import parse_package

    keys: list[tuple[str, str, str]] = []
    for value in software.packages or []:
        try:
            key = parse_package(value)
        except (ValueError, AttributeError):
            continue
        if key not in keys:
            keys.append(key)
    url = (software.repository_url or "").strip().rstrip("/").removesuffix(".git")
    if url.startswith(("https://", "http://")):
        module = url.split("://", 1)[1].lower()
        namespace, _, name = module.rpartition("/")
        # A forge's repository path: host, at least one owner, then the name.
        if namespace.count("/") >= 1 and name and ("golang", namespace, name) not in keys:
            keys.append(("golang", namespace, name))
    return keys


DECLARING_CACHE_SECONDS = 600


def _declaring_ids(repository_url: str, limit: int) -> list[int]:
    """Repositories whose valid publiccode.yml gives ``repository_url`` as its ``url``.

    The URL is a JSON key of the stored validation, which no index covers: the answer
    is cached a few minutes, so that a busy software page does not read every analysis.
    """
    import hashlib

    from django.core.cache import cache

    from communs.analysis.models import RepositoryAnalysis

    url = repository_url.strip().rstrip("/").removesuffix(".git")
    key = "communs.catalogue.declaring." + hashlib.blake2b(url.encode(), digest_size=16).hexdigest()
    found = cache.get(key)
    if found is None:
        found = list(
            RepositoryAnalysis.objects.filter(
                publiccode_valid=True, publiccode__summary__url__in=[url, url + "/", url + ".git"]
            )
            .order_by("pk")
            .values_list("repository_id", flat=True)[:limit]
        )
        cache.set(key, found, DECLARING_CACHE_SECONDS)
    return found


def forks_of(urls: list[str], exclude: list[int], shown: int) -> tuple[list[Any], int]:
    """Live repositories forked from one of ``urls`` (the most starred ``shown`` of them,
    and how many in all), leaving out the primary keys in ``exclude``.

    Parents are stored as :func:`~communs.forges.records.normal_url` writes them and
    compared lower-cased, as paths are (through the ``repository_fork_parent`` index);
    http and https name the same repository.
    """
    from django.db.models.functions import Lower

    from communs.forges.records import normal_url
    from communs.repositories.models import Repository

    keys: set[str] = set()
    for url in urls:
        normal = normal_url(url).lower()
        if normal:
            rest = normal.split("://", 1)[1]
            keys |= {f"https://{rest}", f"http://{rest}"}
    if not keys:
        return [], 0
    rows = (
        Repository.objects.alias(parent_lower=Lower("fork_parent_url"))
        # The empty test repeats the index's condition, so that the planner may use it.
        .filter(parent_lower__in=sorted(keys), gone_since__isnull=True)
        .exclude(fork_parent_url="")
        .exclude(pk__in=exclude)
    )
    total = rows.count()
    if not total:
        return [], 0
    return list(rows.select_related("forge").order_by("-stars", "pk")[:shown]), total


def repositories_of(software: Software, shown: int = LINKED_SHOWN) -> LinkedRepositories:
    """The public repositories linked to an entry: its own, those whose publiccode.yml
    declares it, those that depend on one of its packages and those forked from its
    repository (bounded: ``shown`` of each kind, dependents and forks counted)."""
    from communs.analysis.models import DeclaredDependency
    from communs.analysis.queries import Package
    from communs.repositories.models import Repository

    own: dict[int, Any] = {}
    if software.repository_id:
        repository = software.repository
        if repository is not None and repository.gone_since is None:
            own[repository.pk] = repository
    if software.repository_url:
        for repository in repositories_at(software.repository_url):
            own.setdefault(repository.pk, repository)

    declaring: list[Any] = []
    if software.repository_url:
        declaring = list(
            Repository.objects.filter(
                pk__in=_declaring_ids(software.repository_url, shown * 2),
                gone_since__isnull=True,
            )
            .exclude(pk__in=list(own))
            .select_related("forge")
            .order_by("-stars", "pk")[:shown]
        )

    keys = package_keys(software)
    dependents: list[Any] = []
    total = 0
    if keys:
        declared = Q()
        for purl_type, namespace, name in keys:
            declared |= Q(purl_type=purl_type, namespace=namespace, name=name)
        # The (purl_type, namespace, name, repository) index answers this alone.
        ids = DeclaredDependency.objects.filter(declared).values("repository")
        rows = Repository.objects.filter(pk__in=ids, gone_since__isnull=True).exclude(
            pk__in=list(own)
        )
        total = rows.count()
        if total:
            dependents = list(rows.select_related("forge").order_by("-stars", "pk")[:shown])
    # Shown: the packages moderators gave (the Go module is a guess, found or not).
    explicit = package_keys(Software(packages=software.packages))
    packages = [Package(*key) for key in explicit]
    # Forks name their parent by URL: the entry's, or its harvested repository's own
    # (the same repository under its current name after a rename).
    parents = [software.repository_url or "", *(r.url for r in own.values())]
    forks, forks_total = forks_of(parents, list(own), shown)
    return LinkedRepositories(
        list(own.values()), declaring, dependents, total, packages, forks, forks_total
    )


def history_of(software: Software) -> list[Any]:
    """The audit entries of an entry, newest first; empty when there is no audit log."""
    try:
        # What a public page may show: no contact entries, names only of public profiles.
        from communs.audit.log import public_history_of as audit_history
    except ImportError:  # the audit app is optional for reading the catalogue
        return []
    return list(audit_history(software)[:50])


def software_of_agent(user: Any) -> QuerySet[Software]:
    """Entries where ``user`` declared a use or is a referent (published or not)."""
    # Subqueries, not joins: a join on usages would make the counts count only this agent.
    return with_counts(
        Software.objects.filter(
            Q(pk__in=Usage.objects.filter(agent=user).values("software"))
            | Q(pk__in=Referent.objects.filter(agent=user).values("software"))
        )
    ).order_by("name")
