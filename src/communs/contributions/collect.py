"""``communs contributions collect``: fetch each history, count, store (the Django shell).

Which repositories: every published catalogue entry with a harvested repository or a
repository URL (``targets``). For each one, ``collect`` asks the server for its default
branch's commit; when it and the matching fingerprint are what the last run stored, the
repository is skipped, otherwise its history is fetched again and its rows replaced in
one transaction. Counting the whole history each time (rather than adding the new
commits) is what makes a run idempotent: the same history and the same accounts always
give the same rows, whatever ran before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from communs.accounts.roles import address_in_domains
from communs.catalogue.models import Moderation, Software
from communs.contributions import git
from communs.contributions.counting import Person, count_commits, parse_log
from communs.contributions.models import CommitCount, TrackedRepository
from communs.repositories.models import Repository
from communs.sources.models import Forge


def public_sector_domains() -> list[str]:
    return list(getattr(settings, "PUBLIC_SECTOR_DOMAINS", None) or settings.AGENT_DOMAINS)


@dataclass
class Target:
    url: str
    trusted: bool
    repository: Repository | None = None
    software: list[Software] = field(default_factory=list)


def _clone_url(repository: Repository) -> str:
    from communs.analysis.pipeline import clone_url

    return clone_url(repository)


def _known_forge(url: str) -> bool:
    """Whether ``url`` is on a forge Communs lists (administrators configure those)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    host = (parts.netloc or "").lower().rpartition("@")[2]
    if not host:
        return False
    return any(
        url.strip().startswith(forge.url.rstrip("/") + "/")
        for forge in Forge.objects.filter(host__startswith=host)
    )


def normalise_url(url: str) -> str:
    """A repository URL as git clones it: no trailing slash; ``.git`` is left as given."""
    return url.strip().rstrip("/")


def targets(slug: str | None = None) -> list[Target]:
    """The repositories of published catalogue entries (of one entry with ``slug``)."""
    entries = Software.objects.filter(moderation=Moderation.PUBLISHED).select_related(
        "repository__forge"
    )
    if slug:
        entries = entries.filter(slug=slug)
    found: dict[str, Target] = {}
    for software in entries.order_by("pk"):
        if software.repository is not None:
            # A harvested repository sits on a forge Communs lists.
            url = _clone_url(software.repository)
            target = found.setdefault(url, Target(url, True, software.repository))
        elif software.repository_url:
            url = normalise_url(software.repository_url)
            target = found.setdefault(url, Target(url, _known_forge(url)))
        else:
            continue
        target.software.append(software)
    return list(found.values())


def public_sector_people(domains: list[str]) -> dict[str, Person]:
    """Verified addresses of accounts with a verified address in ``domains`` → the
    account and its profile's organisation. Their other verified addresses count too."""
    rows = list(
        EmailAddress.objects.filter(verified=True, user__is_active=True).values_list(
            "user_id", "email", "user__profile__organisation_id"
        )
    )
    public = {user_id for user_id, email, _org in rows if address_in_domains(email, domains)}
    return {
        email.strip().lower(): Person(user_id, organisation_id)
        for user_id, email, organisation_id in rows
        if user_id in public
    }


def fingerprint(domains: list[str], people: dict[str, Person]) -> str:
    """A digest of what the matching depends on; addresses enter it only hashed."""
    digest = hashlib.sha256()
    for domain in sorted(d.lower() for d in domains):
        digest.update(b"d" + domain.encode() + b"\0")
    for email in sorted(people):
        person = people[email]
        digest.update(f"p{email}\0{person.user_id}\0{person.organisation_id}\0".encode())
    return digest.hexdigest()


@dataclass
class CollectResult:
    counted: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)


def collect(
    slug: str | None = None,
    *,
    timeout: float = git.TIMEOUT_SECONDS,
    max_bytes: int = git.MAX_BYTES,
    progress: Callable[[str, str], None] | None = None,
) -> CollectResult:
    """Count the commits of every target; see the module's docstring."""
    domains = public_sector_domains()
    people = public_sector_people(domains)
    print_ = fingerprint(domains, people)
    result = CollectResult()
    for target in targets(slug):
        tracked, _created = TrackedRepository.objects.get_or_create(url=target.url)
        tracked.software.add(*target.software)
        if target.repository is not None and tracked.repository_id != target.repository.pk:
            tracked.repository = target.repository
            tracked.save(update_fields=["repository"])
        try:
            checked = git.check_url(target.url, trusted=target.trusted)
            if (
                tracked.head
                and tracked.fingerprint == print_
                and not tracked.error
                and git.remote_head(checked) == tracked.head
            ):
                result.unchanged += 1
                if progress:
                    progress(target.url, "unchanged")
                continue
            head, log = git.fetch_history(checked, timeout=timeout, max_bytes=max_bytes)
        except git.HistoryError as error:
            result.failed += 1
            result.errors.append((target.url, str(error)))
            TrackedRepository.objects.filter(pk=tracked.pk).update(
                error=str(error)[:400], collected_at=timezone.now()
            )
            if progress:
                progress(target.url, f"failed: {error}")
            continue
        commits = parse_log(log)
        tallies = count_commits(commits, domains, people)
        with transaction.atomic():
            tracked.counts.all().delete()
            CommitCount.objects.bulk_create(
                CommitCount(
                    tracked=tracked,
                    year=key.year,
                    public_sector=key.public_sector,
                    domain=key.domain,
                    person_id=key.user_id,
                    organisation_id=key.organisation_id,
                    commits=tally.commits,
                    authors=tally.authors,
                )
                for key, tally in sorted(tallies.items())
            )
            tracked.head = head
            tracked.fingerprint = print_
            tracked.commits = len(commits)
            tracked.error = ""
            tracked.collected_at = timezone.now()
            tracked.save(update_fields=["head", "fingerprint", "commits", "error", "collected_at"])
        result.counted += 1
        if progress:
            progress(target.url, f"{len(commits)} commits")
    return result
