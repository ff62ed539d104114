"""The counts the pages show: per software, per organisation, per person, per year.

Every figure is a sum of ``CommitCount`` rows; people appear by name only when they are
listed in the directory of agents (``Profile.directory``), and addresses never appear
(only their domains, which are organisations', for public-sector commits).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max, Min, Q, QuerySet, Sum

from communs.catalogue.models import Moderation, Software
from communs.contributions.models import CommitCount, TrackedRepository
from communs.sources.models import Organisation

PUBLISHED = Q(tracked__software__moderation=Moderation.PUBLISHED)


@dataclass(frozen=True, slots=True)
class YearRow:
    year: int
    public: int
    total: int

    @property
    def share(self) -> float:
        return 100 * self.public / self.total if self.total else 0.0


def _years(rows: QuerySet[CommitCount]) -> list[YearRow]:
    public: dict[int, int] = {}
    total: dict[int, int] = {}
    for year, is_public, commits in rows.values_list("year", "public_sector").annotate(
        n=Sum("commits")
    ):
        total[year] = total.get(year, 0) + commits
        if is_public:
            public[year] = public.get(year, 0) + commits
    return [YearRow(year, public.get(year, 0), total[year]) for year in sorted(total)]


@dataclass(frozen=True, slots=True)
class SoftwareContributions:
    public: int
    total: int
    years: list[YearRow]
    # (organisation, commits), most first
    organisations: list[tuple[Organisation, int]]
    # (domain, commits), most first
    domains: list[tuple[str, int]]
    collected: bool


def for_software(software: Software) -> SoftwareContributions:
    rows = CommitCount.objects.filter(tracked__software=software)
    years = _years(rows)
    public_rows = rows.filter(public_sector=True)
    organisations = _organisations(public_rows)
    domains = _domains(public_rows)
    return SoftwareContributions(
        public=sum(y.public for y in years),
        total=sum(y.total for y in years),
        years=years,
        organisations=organisations,
        domains=domains,
        # Counted at least once without an error (a failed fetch shows nothing).
        collected=TrackedRepository.objects.filter(software=software, error="")
        .exclude(head="")
        .exists(),
    )


def _organisations(rows: QuerySet[CommitCount]) -> list[tuple[Organisation, int]]:
    sums = dict(
        rows.exclude(organisation=None)
        .values_list("organisation")
        .annotate(n=Sum("commits"))
        .values_list("organisation", "n")
    )
    found = Organisation.objects.in_bulk(list(sums))
    return sorted(
        ((found[pk], n) for pk, n in sums.items() if pk in found),
        key=lambda item: (-item[1], item[0].name.lower()),
    )


def _domains(rows: QuerySet[CommitCount]) -> list[tuple[str, int]]:
    return list(
        rows.exclude(domain="")
        .values_list("domain")
        .annotate(n=Sum("commits"))
        .order_by("-n", "domain")
    )


@dataclass(frozen=True, slots=True)
class RepositoryRow:
    tracked: TrackedRepository
    software: list[Software]
    commits: int
    first_year: int
    last_year: int


def _repository_rows(rows: QuerySet[CommitCount]) -> list[RepositoryRow]:
    sums = {
        pk: (n, first, last)
        for pk, n, first, last in rows.values_list("tracked")
        .annotate(n=Sum("commits"), first=Min("year"), last=Max("year"))
        .values_list("tracked", "n", "first", "last")
    }
    tracked = (
        TrackedRepository.objects.filter(pk__in=list(sums))
        .select_related("repository__forge")
        .prefetch_related("software")
    )
    result = []
    for item in tracked:
        software = [s for s in item.software.all() if s.moderation == Moderation.PUBLISHED]
        if not software:
            continue  # only the repositories of public catalogue entries are shown
        n, first, last = sums[item.pk]
        result.append(RepositoryRow(item, software, n, first, last))
    return sorted(result, key=lambda row: (-row.commits, row.tracked.url))


def for_person(user) -> list[RepositoryRow]:
    """The repositories a person's verified addresses committed to."""
    return _repository_rows(CommitCount.objects.filter(person=user, public_sector=True))


def for_organisation(organisation: Organisation) -> list[RepositoryRow]:
    return _repository_rows(
        CommitCount.objects.filter(organisation=organisation, public_sector=True)
    )


def report_years() -> list[int]:
    return list(
        CommitCount.objects.filter(PUBLISHED, public_sector=True)
        .values_list("year", flat=True)
        .distinct()
        .order_by("year")
    )


@dataclass(frozen=True, slots=True)
class YearReport:
    year: int
    public: int
    total: int
    # (software, commits), most first
    software: list[tuple[Software, int]]
    organisations: list[tuple[Organisation, int]]
    domains: list[tuple[str, int]]


def year_report(year: int) -> YearReport:
    # Per entry: the filter and the sum share their joins (one filter() call), so each
    # entry sums only its own repositories' public-sector rows of the year.
    software = (
        Software.objects.filter(
            moderation=Moderation.PUBLISHED,
            tracked_repositories__counts__year=year,
            tracked_repositories__counts__public_sector=True,
        )
        .annotate(n=Sum("tracked_repositories__counts__commits"))
        .order_by("-n", "name")
    )
    # The year's figures are read once per repository: one shared by two entries would
    # count twice through the entries.
    per_repository = CommitCount.objects.filter(
        year=year,
        tracked__in=TrackedRepository.objects.filter(software__moderation=Moderation.PUBLISHED),
    )
    public_rows = per_repository.filter(public_sector=True)
    return YearReport(
        year=year,
        public=public_rows.aggregate(n=Sum("commits"))["n"] or 0,
        total=per_repository.aggregate(n=Sum("commits"))["n"] or 0,
        software=[(entry, entry.n) for entry in software],
        organisations=_organisations(public_rows),
        domains=_domains(public_rows),
    )
