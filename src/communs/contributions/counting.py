"""Commits counted per year and per public-sector author: pure, no Django.

``git log`` gives one line per commit (its id, the author's address, the author's time);
``count_commits`` sorts them into tallies keyed by year, whether the author is a
public-sector person, the address's domain, and the Communs account and organisation the
address belongs to. Only these keys and numbers are kept: no address leaves this module.

A commit is a public-sector one when its author's address is in one of the public-sector
domains (subdomains included) or is a verified address of a public-sector person's
Communs account (a personal address they added to their account counts too).
Other commits are only counted, per year, so that a share can be shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from communs.accounts.roles import address_in_domains

# What ``parse_log`` reads: id, author address, author time (seconds), tab-separated.
LOG_FORMAT = "%H%x09%ae%x09%at"


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    email: str
    year: int


@dataclass(frozen=True, slots=True)
class Person:
    """A Communs account one or more addresses belong to."""

    user_id: int
    organisation_id: int | None = None


@dataclass(frozen=True, slots=True, order=True)
class Key:
    year: int
    public_sector: bool
    # The address's domain when it is a public-sector one, "" for the others.
    domain: str
    user_id: int | None
    organisation_id: int | None


@dataclass(slots=True)
class Tally:
    commits: int = 0
    # Addresses are held here only while counting; what is stored is their number.
    addresses: set[str] = field(default_factory=set)

    @property
    def authors(self) -> int:
        return len(self.addresses)


def parse_log(text: str) -> list[Commit]:
    """The commits of ``git log --format=LOG_FORMAT`` output; malformed lines are skipped."""
    commits: list[Commit] = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or not parts[2].strip().lstrip("-").isdigit():
            continue
        sha, email, seconds = parts
        year = datetime.fromtimestamp(int(seconds), tz=UTC).year
        commits.append(Commit(sha.strip(), email.strip().lower(), year))
    return commits


def domain_of(address: str) -> str:
    _local, at, domain = address.rpartition("@")
    return domain.lower().rstrip(".") if at and _local else ""


def count_commits(
    commits: Iterable[Commit], domains: Iterable[str], people: Mapping[str, Person]
) -> dict[Key, Tally]:
    """Tallies per ``Key``. ``people`` maps lower-cased verified addresses to accounts."""
    domains = list(domains)
    tallies: dict[Key, Tally] = {}
    for commit in commits:
        person = people.get(commit.email)
        in_domains = address_in_domains(commit.email, domains)
        if person is not None or in_domains:
            key = Key(
                commit.year,
                True,
                # A personal address's domain may name its owner (jean-dupont.fr): only
                # public-sector domains are kept.
                domain_of(commit.email) if in_domains else "",
                person.user_id if person else None,
                person.organisation_id if person else None,
            )
        else:
            key = Key(commit.year, False, "", None, None)
        tally = tallies.setdefault(key, Tally())
        tally.commits += 1
        tally.addresses.add(commit.email)
    return tallies
