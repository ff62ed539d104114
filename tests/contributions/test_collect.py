"""``communs contributions collect``: real histories, fetched with git over HTTP."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from tests.accounts.people import make_agent, make_software

from communs.accounts.models import profile_of
from communs.contributions import git
from communs.contributions.collect import collect
from communs.contributions.models import CommitCount, TrackedRepository
from communs.repositories.models import Repository
from communs.sources.models import Organisation

HISTORY = [
    ("alice@culture.gouv.fr", "2023-02-01T10:00:00"),
    ("stranger@example.org", "2023-03-01T10:00:00"),
    ("Alice@Culture.gouv.fr", "2023-04-01T10:00:00"),
    ("alice.home@example.com", "2024-01-05T10:00:00"),
    ("bob@interieur.gouv.fr", "2024-02-01T10:00:00"),
    ("eve@notgouv.fr", "2024-03-01T10:00:00"),
    ("stranger@example.org", "2024-04-01T10:00:00"),
]


@pytest.fixture(autouse=True)
def english():
    """The commands' messages as an English terminal shows them (the site's default is French)."""
    with translation.override("en"):
        yield


@pytest.fixture
def alice(db, settings):
    """An agent of the DINUM with a second, personal address she verified too."""
    settings.AGENT_DOMAINS = ["gouv.fr"]
    settings.PUBLIC_SECTOR_DOMAINS = ["gouv.fr"]
    user = make_agent("alice")
    EmailAddress.objects.create(user=user, email="alice.home@example.com", verified=True)
    profile = profile_of(user)
    profile.organisation = Organisation.objects.create(key="dinum", name="DINUM")
    profile.save()
    return user


def rows() -> list[tuple]:
    return sorted(
        CommitCount.objects.values_list(
            "tracked__url", "year", "public_sector", "domain", "person_id",
            "organisation__key", "commits", "authors",
        )
    )  # fmt: skip


def test_it_counts_public_sector_commits_from_a_real_history(alice, git_server, local_forge):
    url = git_server.repository("tableur", HISTORY)
    make_software("Tableur", repository_url=url)

    result = collect()

    assert (result.counted, result.failed) == (1, 0)
    assert rows() == [
        (url, 2023, False, "", None, None, 1, 1),
        # Two spellings of one address are one author.
        (url, 2023, True, "culture.gouv.fr", alice.pk, "dinum", 2, 1),
        (url, 2024, False, "", None, None, 2, 2),
        # Her personal address counts because her account verified it; its domain,
        # which could name her, is not kept.
        (url, 2024, True, "", alice.pk, "dinum", 1, 1),
        # A public-sector domain without a Communs account: counted, nobody named.
        (url, 2024, True, "interieur.gouv.fr", None, None, 1, 1),
    ]
    tracked = TrackedRepository.objects.get()
    assert tracked.commits == len(HISTORY)
    assert len(tracked.head) == 40
    assert [s.slug for s in tracked.software.all()] == ["tableur"]


def test_no_author_address_is_stored(alice, git_server, local_forge):
    make_software("Tableur", repository_url=git_server.repository("tableur", HISTORY))
    collect()
    stored = [str(value) for row in CommitCount.objects.values_list() for value in row]
    stored += [str(value) for row in TrackedRepository.objects.values_list() for value in row]
    for email, _when in HISTORY:
        assert not any(email.lower() in value.lower() for value in stored)
    assert not any("@" in value for value in stored)


def test_a_second_run_gives_the_same_counts_and_skips_what_did_not_move(
    alice, git_server, local_forge
):
    url = git_server.repository("tableur", HISTORY)
    make_software("Tableur", repository_url=url)
    collect()
    first = rows()

    again = collect()

    assert (again.counted, again.unchanged) == (0, 1)
    assert rows() == first

    # A new commit: the history is read again, and only the new commit is added.
    git_server.repository("tableur", [("bob@interieur.gouv.fr", "2024-06-01T10:00:00")])
    moved = collect()
    assert moved.counted == 1
    assert CommitCount.objects.get(year=2024, domain="interieur.gouv.fr").commits == 2
    assert TrackedRepository.objects.get().commits == len(HISTORY) + 1


def test_a_newly_verified_address_is_matched_without_a_new_commit(alice, git_server, local_forge):
    make_software("Tableur", repository_url=git_server.repository("tableur", HISTORY))
    collect()
    bob = make_agent("bob", domain="interieur.gouv.fr")

    result = collect()

    assert result.counted == 1
    assert CommitCount.objects.get(year=2024, domain="interieur.gouv.fr").person == bob


def test_a_harvested_repository_is_fetched_from_its_forge(alice, git_server, local_forge):
    git_server.repository("dinum/outil", HISTORY[:2])
    repository = Repository.objects.create(
        forge=local_forge, full_path="dinum/outil", name="outil", url="http://x.invalid/"
    )
    make_software("Outil", repository=repository)

    assert collect().counted == 1
    assert TrackedRepository.objects.get().repository == repository
    assert sum(CommitCount.objects.values_list("commits", flat=True)) == 2


def test_a_repository_url_on_a_private_address_is_refused(alice, git_server):
    # No forge lists this server: the address came from a person and is loopback.
    url = git_server.repository("tableur", HISTORY)
    make_software("Tableur", repository_url=url)

    result = collect()

    assert (result.counted, result.failed) == (0, 1)
    assert "port" in result.errors[0][1] or "non-public" in result.errors[0][1]
    assert not CommitCount.objects.exists()
    assert TrackedRepository.objects.get().error


@pytest.mark.parametrize(
    ("url", "addresses", "reason"),
    [
        ("http://git.example.org/a/b.git", ["127.0.0.1"], "non-public"),
        ("https://git.example.org/a/b.git", ["10.1.2.3"], "non-public"),
        ("https://git.example.org/a/b.git", ["93.184.216.34", "192.168.1.2"], "non-public"),
        ("https://git.example.org/a/b.git", ["::1"], "non-public"),
        ("https://git.example.org:8443/a/b.git", ["93.184.216.34"], "port"),
        ("https://user:secret@git.example.org/a/b.git", ["93.184.216.34"], "credentials"),
        ("ssh://git.example.org/a/b.git", ["93.184.216.34"], "http"),
        ("file:///etc/passwd", [], "http"),
    ],
)
def test_addresses_from_people_must_be_public(url, addresses, reason):
    with pytest.raises(git.HistoryError, match=reason):
        git.check_url(url, trusted=False, resolver=lambda host, port: addresses)


def test_a_public_address_is_pinned_and_redirects_are_not_followed():
    target = git.check_url(
        "https://git.example.org/a/b.git",
        trusted=False,
        resolver=lambda host, port: ["93.184.216.34"],
    )
    assert "http.curloptResolve=git.example.org:443:93.184.216.34" in target.config
    assert "http.followRedirects=false" in target.config


def test_a_history_over_the_byte_budget_is_refused(alice, git_server, local_forge):
    make_software("Tableur", repository_url=git_server.repository("tableur", HISTORY))
    result = collect(max_bytes=10)
    assert result.failed == 1
    assert "larger than" in result.errors[0][1]


def test_the_command_collects_one_entry(alice, git_server, local_forge, capsys):
    make_software("Tableur", repository_url=git_server.repository("tableur", HISTORY))
    make_software("Autre", repository_url=git_server.repository("autre", HISTORY[:1]))

    call_command("contributions", "collect", "--software", "tableur")

    assert "1 counted, 0 unchanged, 0 failed" in capsys.readouterr().out
    assert list(TrackedRepository.objects.values_list("software__slug", flat=True)) == ["tableur"]
    with pytest.raises(CommandError):
        call_command("contributions", "collect", "--software", "nothing-here")
