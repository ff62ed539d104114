"""Reading code.gouv.fr's open-data files (the pure core: no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from communs.licences import NOASSERTION
from communs.repositories.opendata import (
    REPOSITORY_COLUMNS,
    OpenDataError,
    RowError,
    owner_path,
    parse_bool,
    parse_count,
    parse_datetime,
    parse_topics,
    read_organisations,
    read_repositories,
    split_url,
)

from .conftest import repository_row, write_csv

# --- values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("True", True), ("False", False), ("", None), ("true", True), (False, False), (None, None)],
)
def test_it_reads_booleans(value: object, expected: bool | None) -> None:
    assert parse_bool(value, "is_fork") is expected


def test_it_refuses_a_word_that_is_not_a_boolean() -> None:
    with pytest.raises(RowError, match="is_fork: 'peut-être' is not a boolean"):
        parse_bool("peut-être", "is_fork")


def test_it_reads_iso_dates_in_utc() -> None:
    assert parse_datetime("2018-08-29T16:00:02Z", "d") == datetime(
        2018, 8, 29, 16, 0, 2, tzinfo=UTC
    )
    assert parse_datetime("2018-08-29T18:00:02+02:00", "d") == datetime(
        2018, 8, 29, 16, 0, 2, tzinfo=UTC
    )
    assert parse_datetime("", "d") is None
    with pytest.raises(RowError, match="creation_date: '2018-02-30T00:00:00Z' is not an ISO"):
        parse_datetime("2018-02-30T00:00:00Z", "creation_date")


@pytest.mark.parametrize("bad", ["many", "1.5", "-1", "--2", "9" * 12, True])
def test_it_refuses_counts_that_are_not_whole_numbers_of_zero_or_more(bad: object) -> None:
    with pytest.raises(RowError, match="stars_count"):
        parse_count(bad, "stars_count")


def test_it_reads_counts_and_takes_empty_as_zero() -> None:
    assert [parse_count(v, "n") for v in ("42", " 7 ", 5, "", None)] == [42, 7, 5, 0, 0]


def test_it_splits_topics_and_drops_blanks_and_repeats() -> None:
    assert parse_topics("a, b,,a", "topics") == ["a", "b"]
    assert parse_topics(["x", "y"], "topics") == ["x", "y"]
    assert parse_topics("", "topics") == []


def test_it_splits_repository_urls_into_a_host_key_and_a_path() -> None:
    assert split_url("https://GitLab.Example.org/a/b/c/", "u", 2) == ("gitlab.example.org", "a/b/c")
    assert split_url("https://git.example.org:8443/a/b.git", "u", 2) == (
        "git.example.org:8443",
        "a/b",
    )
    assert split_url("https://example.org:443/a/b", "u", 2)[0] == "example.org"
    for bad in ("github.com/a/b", "ftp://github.com/a/b", "https://github.com/a", "https:///a/b"):
        with pytest.raises(RowError, match="repository_url"):
            split_url(bad, "repository_url", 2)


@pytest.mark.parametrize(
    ("kind", "path", "listed_under", "owner"),
    [
        ("github", "etalab/tool", ["etalab"], "etalab"),
        ("github", "Etalab/tool", [], "Etalab"),
        # A group harvested with its sub-groups owns the repositories of those sub-groups.
        ("gitlab", "OSUG/RESIF/ws-eidaauth", ["OSUG"], "OSUG"),
        ("gitlab", "OSUG/RESIF/ws-eidaauth", ["osug"], "OSUG"),
        # Listed under a name that is not in its path: a group id, or a personal namespace.
        ("gitlab", "OSUG/RESIF/ws-eidaauth", ["10"], "OSUG/RESIF"),
        ("gitlab", "OSUG/RESIF/ws-eidaauth", ["10", "OSUG"], "OSUG"),
        ("gitlab", "fnicol/x86-tools", ["altair"], "fnicol"),
        # The longest listed prefix wins.
        ("gitlab", "a/b/c/d", ["a", "a/b"], "a/b"),
        # A prefix must end at a slash: "OSU" is not the owner of "OSUG/x".
        ("gitlab", "OSUG/x", ["OSU"], "OSUG"),
    ],
)
def test_it_finds_the_owner_of_a_repository(
    kind: str, path: str, listed_under: list[str], owner: str
) -> None:
    assert owner_path(kind, path, listed_under) == owner


# --- files --------------------------------------------------------------------------------


def test_it_reads_a_repository_row_into_a_record(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "repositories.csv",
        [
            repository_row(
                license="GNU Affero General Public License v3.0",
                topics="opendata,france",
                is_fork="",
                is_archived="True",
            )
        ],
    )
    listing = read_repositories(path)
    assert (listing.rows_read, listing.repeated, listing.problems) == (1, 0, [])
    [listed] = listing.repositories
    record = listed.record
    assert (listed.host, listed.kind, listed.owner) == ("github.com", "github", "etalab")
    assert (record.full_path, record.name, record.url) == (
        "etalab/tool",
        "tool",
        "https://github.com/etalab/tool",
    )
    assert (record.license, record.topics) == ("AGPL-3.0", ["opendata", "france"])
    assert (record.is_fork, record.is_archived) == (None, True)
    assert record.created_at == datetime(2019, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert record.updated_at == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert record.pushed_at == datetime(2020, 1, 1, tzinfo=UTC)
    assert (record.stars, record.forks, record.open_issues) == (3, 1, 0)


def test_a_repository_listed_twice_is_read_once_with_both_listers(tmp_path: Path) -> None:
    url = "https://gitlab.example.org/OSUG/RESIF/tool"
    path = write_csv(
        tmp_path / "r.csv",
        [
            repository_row(
                platform="GitLab", repository_url=url, organization_name="10", stars_count="1"
            ),
            repository_row(
                platform="GitLab", repository_url="https://gitlab.example.org/OSUG/other"
            ),
            repository_row(
                platform="GitLab",
                repository_url=url.upper().replace("HTTPS", "https"),
                organization_name="OSUG",
                stars_count="2",
            ),
        ],
    )
    listing = read_repositories(path)
    assert (listing.rows_read, len(listing.repositories), listing.repeated) == (3, 2, 1)
    tool = next(r for r in listing.repositories if r.record.full_path.lower().endswith("/tool"))
    assert tool.listed_under == ["10", "OSUG"]
    assert tool.record.stars == 2  # the last row wins
    assert tool.owner == "OSUG"


def test_an_unknown_licence_becomes_noassertion_and_is_counted(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [repository_row(license="Licence maison")])
    listing = read_repositories(path)
    assert listing.repositories[0].record.license == NOASSERTION
    assert listing.unknown_licences == {"Licence maison": 1}


def test_row_problems_name_the_file_the_line_and_the_row(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        [
            # A description over two lines: the next row starts two lines further down.
            repository_row(description="line one\nline two"),
            repository_row(
                repository_url="https://github.com/etalab/other",
                creation_date="yesterday",
                stars_count="lots",
            ),
        ],
    )
    listing = read_repositories(path, name="r.csv")
    [problem] = listing.problems
    assert (problem.file, problem.line, problem.row) == ("r.csv", 4, 2)
    assert "creation_date: 'yesterday' is not an ISO 8601 date" in problem.message
    assert "stars_count: 'lots' is not a whole number" in problem.message
    assert str(problem).startswith("r.csv, line 4, row 2: ")
    assert len(listing.repositories) == 1


def test_a_file_without_a_required_column_is_refused(tmp_path: Path) -> None:
    columns = tuple(c for c in REPOSITORY_COLUMNS if c not in {"repository_url", "stars_count"})
    path = write_csv(tmp_path / "r.csv", [repository_row()], columns)
    with pytest.raises(OpenDataError, match="line 1: missing columns: repository_url, stars_count"):
        read_repositories(path, name="r.csv")


def test_a_file_that_is_not_utf8_is_refused_at_its_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [repository_row(), repository_row(description="Données")])
    path.write_bytes(path.read_bytes().replace("Données".encode(), "Données".encode("latin-1")))
    with pytest.raises(OpenDataError, match=r"r\.csv, line 3: not UTF-8 \(byte 0xe9"):
        read_repositories(path, name="r.csv")


def test_a_row_cut_short_is_a_row_problem(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [repository_row(), repository_row()])
    text = path.read_text()
    path.write_text(text[: text.rindex("2019-01-02")])
    listing = read_repositories(path, name="r.csv")
    [problem] = listing.problems
    assert (problem.line, problem.row) == (3, 2)
    assert "is the file truncated?" in problem.message


def test_a_file_cut_inside_a_quoted_field_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [repository_row(), repository_row(description="a, b")])
    text = path.read_text()
    path.write_text(text[: text.index('"a, b') + 3])
    with pytest.raises(OpenDataError, match="ends inside a quoted field"):
        read_repositories(path, name="r.csv")


def test_it_reads_the_json_variant_with_line_numbers(tmp_path: Path) -> None:
    good = repository_row()
    bad = repository_row(repository_url="https://github.com/etalab/x", is_archived="maybe")
    path = tmp_path / "r.json"
    path.write_text(json.dumps([good, bad], indent=2), encoding="utf-8")
    listing = read_repositories(path, name="r.json")
    assert [r.record.full_path for r in listing.repositories] == ["etalab/tool"]
    [problem] = listing.problems
    assert (problem.row, problem.line) == (2, 2 + len(good) + 2)
    assert "is_archived: 'maybe' is not a boolean" in problem.message


def test_json_values_may_be_native_types(tmp_path: Path) -> None:
    row = repository_row()
    row.update(is_fork=None, is_archived=True, stars_count=12, topics=["a", "b"])
    path = tmp_path / "r.json"
    path.write_text(json.dumps([row]), encoding="utf-8")
    record = read_repositories(path).repositories[0].record
    assert (record.is_fork, record.is_archived, record.stars, record.topics) == (
        None,
        True,
        12,
        ["a", "b"],
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"name": "x"}', "expected a JSON list"),
        ('[{"name": "x"}, ', "the list is not closed"),
        ('[{"name": "x"', "bad JSON"),
        ("[] []", "unexpected text after the end of the list"),
    ],
)
def test_broken_json_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OpenDataError, match=message):
        read_repositories(path)


def test_a_json_entry_missing_keys_is_a_row_problem(tmp_path: Path) -> None:
    row = repository_row()
    del row["creation_date"]
    path = tmp_path / "r.json"
    path.write_text(json.dumps([row]), encoding="utf-8")
    [problem] = read_repositories(path).problems
    assert problem.message == "missing keys: creation_date"


def test_it_reads_accounts_from_an_organisations_file(tmp_path: Path) -> None:
    path = tmp_path / "organizations.json"
    entries = [
        {
            "login": "etalab",
            "name": "Etalab",
            "organization_url": "https://github.com/etalab",
            "platform": "GitHub",
            "email": "contact@example.org",
            "website": "https://etalab.gouv.fr",
            "avatar_url": None,
            "description": "",
        },
        {
            "login": "sub",
            "name": "Sub",
            "organization_url": "https://gitlab.example.org/groups/group/sub",
            "platform": "GitLab",
        },
    ]
    path.write_text(json.dumps(entries), encoding="utf-8")
    listing = read_organisations(path)
    etalab, sub = listing.accounts
    assert (etalab.host, etalab.path, etalab.display_name, etalab.website) == (
        "github.com",
        "etalab",
        "Etalab",
        "https://etalab.gouv.fr",
    )
    assert (sub.host, sub.kind, sub.path) == ("gitlab.example.org", "gitlab", "group/sub")
    assert not hasattr(etalab, "email")
