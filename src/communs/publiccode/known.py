"""What the database knows that the pure parts need: a repository's facts for the
generator, and the forge (kind, default branch) behind a URL someone gives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from communs.publiccode.generator import Facts
from communs.repositories.models import Repository
from communs.sources.models import Forge
from communs.web.present import redact_emails


@dataclass(frozen=True)
class Source:
    """Where to read a repository's file: its URL, its forge's kind, its default branch."""

    url: str
    kind: str | None = None
    branch: str = ""
    # A forge Communs lists may use any port; a stranger's host may not.
    known_forge: bool = False


def repository_facts(repository: Repository) -> Facts:
    """The facts of a row, e-mail addresses hidden: the draft page is public, as the
    repository's page is, and says no more than it does."""
    hidden = _("[e-mail address hidden]")

    def public(text: str) -> str:
        return redact_emails(text, hidden) if "@" in text else text

    organisation = repository.account.organisation if repository.account else None
    if organisation is None:
        organisation = repository.forge.organisation
    release = repository.latest_release or {}
    return Facts(
        name=public(repository.name),
        url=repository.url,
        description=public(repository.description),
        licence=repository.license,
        homepage=repository.homepage,
        organisation_name=public(organisation.name) if organisation else "",
        organisation_uri=organisation.website if organisation else "",
        release_date=_date(release.get("published_at")),
        software_version=public(str(release.get("tag") or release.get("name") or "")),
        archived=repository.is_archived,
        topics=[public(str(topic)) for topic in repository.topics or []],
    )


def find_repository(url: str) -> Repository | None:
    """The repository at ``url`` (its web address, with or without ``.git`` or a slash)."""
    trimmed = url.strip().rstrip("/").removesuffix(".git")
    if not trimmed.startswith(("http://", "https://")) or "\x00" in trimmed:
        return None
    candidates = {trimmed, trimmed + ".git", trimmed + "/"}
    return (
        Repository.objects.select_related("forge__organisation", "account__organisation")
        .filter(url__in=candidates)
        .order_by("gone_since", "pk")
        .first()
    )


def source_for(url: str) -> Source:
    """How to fetch the file of the repository at ``url``, from what Communs knows."""
    repository = find_repository(url)
    if repository is not None:
        return Source(
            url=repository.url,
            kind=repository.forge.kind,
            branch=repository.default_branch,
            known_forge=True,
        )
    forge = _forge_for(url)
    if forge is not None:
        return Source(url=url, kind=forge.kind, known_forge=True)
    return Source(url=url)


def _forge_for(url: str) -> Forge | None:
    """The forge whose web URL the address starts with (the longest, for forges under a path)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if not parts.netloc or "\x00" in url:
        return None
    found = None
    for forge in Forge.objects.filter(host__startswith=parts.netloc.lower().split("@")[-1]):
        base = forge.url.rstrip("/")
        if url.strip().startswith(base + "/") and (found is None or len(base) > len(found.url)):
            found = forge
    return found


def _date(value: object) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None
