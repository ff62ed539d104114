"""A small public sector and a varied set of repositories, indexed for search.

The repositories are drawn from a seeded generator so that every filter value, tie and
unknown (no licence, fork unknown, root files never read, never pushed) occurs, and so
that the expected answers can be computed again with the ORM, independently.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from tests.fixtures_data import create_github, create_instance

from communs.repositories.models import Repository
from communs.search import index_organisations, index_repositories, wordindex
from communs.search.models import WordSegment
from communs.sources.models import Account, Forge, Organisation

LANGUAGES = ("Python", "Go", "Rust", "")
LICENSES = ("MIT", "", "EUPL-1.2", "NOASSERTION", "etalab-2.0", "GPL-3.0")
# Of the licences above, those the OSI or the FSF approve (etalab-2.0: neither).
FREE_LICENSES = {"MIT", "EUPL-1.2", "GPL-3.0"}
WORDS = ("cartographie", "budget", "transport", "élections", "santé")
ROOT_FILES = (
    [],
    ["README.md", "publiccode.yml"],
    ["CONTRIBUTING.md", "LICENSE"],
    ["publiccode.yaml", "contributing.rst", "docs/"],
    ["contributing/", "README"],
)


@dataclass
class Sector:
    ministry: Organisation
    other_ministry: Organisation
    directorate: Organisation
    lab: Organisation
    github: Forge
    gitlab: Forge
    directorate_account: Account
    lab_account: Account
    other_account: Account


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """Cached facet counts and hierarchy never leak from one test into another."""
    cache.clear()


# The current test's way of searching (see ``word_index``).
WORD_INDEX_MODE = ["statements"]


@pytest.fixture(autouse=True, params=["statements", "word index", "changed documents"])
def word_index(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every search test runs three ways, which must give the same answers:

    - ``statements``: FTS5 or the tsvector and the entry table, as without a word index;
    - ``word index``: a segment built once the fixture's repositories are indexed (or
      before the first search, for tests that make their own), what a test changes
      afterwards read as changed documents;
    - ``changed documents``: an empty segment built before any data, so every
      repository is read from the changed documents beside it.
    """
    mode = request.param
    WORD_INDEX_MODE[0] = mode
    # Its arrays are per process; a test's database is new.
    wordindex._ARRAYS.clear()
    wordindex._CODES.clear()
    if mode == "statements":
        monkeypatch.setattr(wordindex, "find", lambda terms: None)
        monkeypatch.setattr(wordindex, "find_all", lambda: None)
        return mode
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        return mode
    request.getfixturevalue("db")
    if mode == "changed documents":
        wordindex.build_segment()
        return mode
    find, find_all = wordindex.find, wordindex.find_all

    def build_first() -> None:
        if not WordSegment.objects.filter(ready=True).exists():
            wordindex.build_segment()

    def built_first(terms: list[wordindex.Term]) -> wordindex.Matches | None:
        build_first()
        return find(terms)

    def all_built_first() -> wordindex.Matches | None:
        build_first()
        return find_all()

    monkeypatch.setattr(wordindex, "find", built_first)
    monkeypatch.setattr(wordindex, "find_all", all_built_first)
    return mode


@pytest.fixture
def sector(db: None) -> Sector:
    ministry = Organisation.objects.create(
        key="ministere-exemple", name="Ministère de l'Exemple", level="ministry"
    )
    other_ministry = Organisation.objects.create(
        key="ministere-autre", name="Ministère de l'Autre", level="ministry"
    )
    directorate = Organisation.objects.create(
        key="direction-numerique", name="Direction du numérique", parent=ministry
    )
    lab = Organisation.objects.create(
        key="laboratoire", name="Laboratoire d'innovation", parent=directorate
    )
    github = create_github()
    gitlab = create_instance("gitlab.exemple.gouv.fr", lab)
    return Sector(
        ministry=ministry,
        other_ministry=other_ministry,
        directorate=directorate,
        lab=lab,
        github=github,
        gitlab=gitlab,
        directorate_account=Account.objects.create(
            forge=github, path="direction-numerique", organisation=directorate
        ),
        lab_account=Account.objects.create(forge=github, path="labo", organisation=lab),
        other_account=Account.objects.create(
            forge=github, path="autre", organisation=other_ministry
        ),
    )


def make_repositories(sector: Sector, total: int, seed: int = 7) -> list[Repository]:
    """``total`` repositories with every combination the filters care about, indexed."""
    rng = random.Random(seed)
    now = timezone.now()
    accounts = (sector.directorate_account, sector.lab_account, sector.other_account, None)
    rows = []
    for number in range(total):
        account = accounts[number % len(accounts)]
        forge = account.forge if account else sector.gitlab
        owner = account.path if account else "groupe"
        name = f"projet-{number}"
        words = rng.sample(WORDS, 2)
        root_files = rng.choice(ROOT_FILES)
        pushed = rng.choice([None, 5, 40, 200, 800])
        rows.append(
            Repository(
                forge=forge,
                account=account,
                native_id=str(number),
                full_path=f"{owner}/{name}",
                name=name,
                url=f"{forge.url}/{owner}/{name}",
                description=f"Outil de {words[0]} et de {words[1]}",
                language=rng.choice(LANGUAGES),
                license=rng.choice(LICENSES),
                is_fork=rng.choice([True, False, None]),
                is_archived=rng.random() < 0.3,
                is_template=rng.random() < 0.2,
                stars=rng.randrange(4),  # few values: many ties
                forks=rng.randrange(3),
                pushed_at=None if pushed is None else now - timedelta(days=pushed),
                created_at=rng.choice([None, datetime(2020, 1, 1, tzinfo=UTC)]),
                gone_since=now if rng.random() < 0.1 else None,
                root_files=root_files,
                enriched_at=now if root_files or rng.random() < 0.5 else None,
            )
        )
    created = Repository.objects.bulk_create(rows)
    index_repositories([row.pk for row in created])
    if WORD_INDEX_MODE[0] == "word index":
        # The segment holds what the fixture indexed; what a test changes afterwards is
        # read from the changed documents beside it.
        wordindex.build_segment()
    index_organisations()
    return created


@pytest.fixture
def catalogue(sector: Sector) -> list[Repository]:
    return make_repositories(sector, 120)
