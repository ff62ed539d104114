"""The pure counting: git log lines to tallies."""

from __future__ import annotations

from communs.contributions.counting import Key, Person, count_commits, parse_log


def test_parse_log_reads_id_address_and_year_and_skips_broken_lines():
    text = "a1\tA@X.gouv.fr\t1704067200\nbroken line\nb2\tb@y.org\tnot-a-time\nc3\tc@z.fr\t0\n"
    commits = parse_log(text)
    assert [(c.sha, c.email, c.year) for c in commits] == [
        ("a1", "a@x.gouv.fr", 2024),
        ("c3", "c@z.fr", 1970),
    ]


def test_domains_include_their_subdomains_only():
    commits = parse_log(
        "1\ta@gouv.fr\t1704067200\n2\tb@culture.gouv.fr\t1704067200\n3\tc@notgouv.fr\t1704067200\n"
    )
    tallies = count_commits(commits, ["gouv.fr"], {})
    assert {key: tally.commits for key, tally in tallies.items()} == {
        Key(2024, True, "gouv.fr", None, None): 1,
        Key(2024, True, "culture.gouv.fr", None, None): 1,
        Key(2024, False, "", None, None): 1,
    }


def test_an_account_address_counts_for_its_person_whatever_its_domain():
    commits = parse_log("1\tme@example.com\t1704067200\n2\tme@example.com\t1704067200\n")
    tallies = count_commits(commits, ["gouv.fr"], {"me@example.com": Person(7, 3)})
    [(key, tally)] = tallies.items()
    assert key == Key(2024, True, "", 7, 3)
    assert (tally.commits, tally.authors) == (2, 1)
