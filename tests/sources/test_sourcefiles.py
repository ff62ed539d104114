"""The pure reader of sources files: formats, positions of problems, safety bounds."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from communs.sources import sourcefiles
from communs.sources.sourcefiles import (
    ERROR,
    HOST_KEYED,
    MINISTRIES,
    PLATFORMS,
    URL_KEYED,
    URL_LIST,
    WARNING,
    combine,
    detect_format,
    name_key,
    read_file,
)

CULTURE = "da1d6275-6710-485d-a249-282cac69dfe7"
ETALAB = "db2b74d4-4dbc-4d7d-ba1b-5762e2cb06b8"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def errors(result: sourcefiles.SourcesFile | sourcefiles.Sources) -> list[sourcefiles.Problem]:
    return [p for p in result.problems if p.severity == ERROR]


def real(shared: Path, name: str) -> Path:
    return shared / "data" / "sources" / name


# Formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("comptes-organismes-publics.yml", HOST_KEYED),
        ("comptes-organismes-publics-2024-url-keyed.yml", URL_KEYED),
        ("comptes-organismes-publics-2021-url-list.txt", URL_LIST),
        ("top_organizations.yml", MINISTRIES),
        ("platforms.csv", PLATFORMS),
        # Keyed by URL too, but not a list of forges: not taken for the 2024 format.
        ("fr-public-sector-ospo.yml", None),
        ("awesome-codegouvfr.yml", None),
    ],
)
def test_it_detects_the_format_of_each_real_file(shared: Path, name: str, expected: str) -> None:
    assert detect_format(real(shared, name).read_text("utf-8")) == expected


def test_it_reads_the_2025_file_whole(shared: Path) -> None:
    result = read_file(real(shared, "comptes-organismes-publics.yml"))
    assert errors(result) == []
    assert len(result.forges) == 93
    assert sum(len(forge.owners) for forge in result.forges) == 300
    # The file gives gitlab.mim-libre.fr two pso_ids: a warning, the last one wins.
    [warning] = result.problems
    assert (warning.severity, warning.line) == (WARNING, 773)
    mim = next(f for f in result.forges if f.host == "gitlab.mim-libre.fr")
    assert mim.organisations[0].pso_id == "3ed2f725-e077-4973-a531-498e13fc7861"
    assert mim.scope == "instance"
    gitlab = next(f for f in result.forges if f.host == "gitlab.com")
    assert gitlab.scope == "owners"
    assert (gitlab.url, gitlab.kind) == ("https://gitlab.com", "gitlab")
    ignored = [f.host for f in result.forges if f.ignored_since == date(2024, 8, 9)]
    assert "gitlab.u-psud.fr" in ignored and len(ignored) == 17


def test_it_reports_the_malformed_key_of_the_2024_file_with_its_line(shared: Path) -> None:
    path = real(shared, "comptes-organismes-publics-2024-url-keyed.yml")
    result = read_file(path)
    [problem] = errors(result)
    assert (problem.file, problem.line, problem.column) == (path, 1, 1)
    assert "Ddhttps://git.lias-lab.fr" in problem.message
    assert str(problem).startswith(f"{path}:1:1: malformed key")


def test_it_reads_the_2024_chain_of_organisations(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources.yml",
        f"""
https://github.com/etalab:
  service_of:
    - Département Etalab
    - Direction interministérielle du numérique
  pso_id:
    - {ETALAB}
  floss_policy:
    - https://www.etalab.gouv.fr/accompagnement-logiciels-libres#policy
https://forge.example.org:
  service_of: [Lyon Métropole]
  pso_id: [00000000-0000-0000-0000-000000000000]
  ignored_since: 2024-08-09
""",
    )
    result = read_file(path)
    assert result.format == URL_KEYED and result.problems == []
    github, forge = result.forges
    [owner] = github.owners
    assert (github.host, github.url, github.kind, owner.path) == (
        "github.com",
        "https://github.com",
        None,
        "etalab",
    )
    body, parent = owner.organisations
    assert (body.pso_id, body.name) == (ETALAB, "Département Etalab")
    assert body.floss_policy_url.endswith("#policy")
    assert (parent.pso_id, parent.name) == (None, "Direction interministérielle du numérique")
    assert forge.scope == "instance" and forge.ignored_since == date(2024, 8, 9)
    assert forge.organisations[0].pso_id is None  # all zeros means unknown


def test_it_reads_the_2021_list_with_comments_and_blank_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "list.txt",
        "# forges\nhttps://github.com/etalab\n\nhttps://github.com/DINUM/\nnot a url\n"
        "https://git.example.org\n",
    )
    result = read_file(path, sourcefiles.URL_LIST)
    [problem] = errors(result)
    assert problem.line == 5 and "not a url" in problem.message
    github, forge = result.forges
    assert [o.path for o in github.owners] == ["etalab", "DINUM"]
    assert forge.scope == "instance" and forge.line == 6


def test_it_reads_ministries_and_platforms(tmp_path: Path) -> None:
    ministries = read_file(
        write(tmp_path, "m.yml", f"{CULTURE.upper()}: Ministère de la Culture\n")
    )
    assert ministries.ministries == {CULTURE: "Ministère de la Culture"}
    platforms = read_file(
        write(tmp_path, "p.csv", "domain_name,platform\nGit.Example.org,gitea\nx.org,fossil\n")
    )
    assert platforms.platforms == {"git.example.org": "gitea"}
    [problem] = errors(platforms)
    assert problem.line == 3 and "fossil" in problem.message


# URLs of self-hosted forges ------------------------------------------------------------


def test_it_honours_url_and_api_url_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources.yml",
        """
127.0.0.1:8123/gitlab:
  forge: gitlab
  url: http://127.0.0.1:8123/gitlab
local-gitea:
  forge: gitea
  url: http://localhost:3000/
  api_url: http://localhost:3000/custom/api
git.example.org:8443/prefix:
  forge: forgejo
""",
    )
    result = read_file(path)
    assert result.problems == []
    forges = {forge.host: forge for forge in combine([result]).forges.values()}
    assert (forges["127.0.0.1:8123/gitlab"].url, forges["127.0.0.1:8123/gitlab"].api_url) == (
        "http://127.0.0.1:8123/gitlab",
        "http://127.0.0.1:8123/gitlab/api/v4",
    )
    assert forges["local-gitea"].api_url == "http://localhost:3000/custom/api"
    assert forges["git.example.org:8443/prefix"].api_url == (
        "https://git.example.org:8443/prefix/api/v1"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ftp://git.example.org", "https://"),
        ("https://git.example.org/?page=2", "query"),
        ("https://user:secret@git.example.org", "password"),
        ("https://git.example.org:99999", "port"),
        ("https://bad_host.example.org", "not a host name"),
        ("https://git .example.org", "spaces"),
    ],
)
def test_it_refuses_bad_forge_urls(tmp_path: Path, value: str, message: str) -> None:
    path = write(tmp_path, "sources.yml", f"git.example.org:\n  forge: gitlab\n  url: {value}\n")
    [problem] = errors(read_file(path))
    assert (problem.line, problem.column) == (3, 8)
    assert message in problem.message


# Bad input: every problem with its file and line -----------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        # Truncated inside a quoted value.
        (
            'gitlab.com:\n  forge: gitlab\n  owners:\n    etalab:\n      floss_policy: "https://ex',
            5,
            "truncated",
        ),
        # Truncated inside a flow list.
        ("gitlab.com:\n  forge: gitlab\n  owners: [a, b", 3, "truncated"),
        ("gitlab.com:\n  forge: fossil\n", 2, "unknown forge kind `fossil`"),
        ("gitlab.com:\n  forge: [gitlab]\n", 2, "must be text, not a list"),
        ("gitlab.com:\n  forge: gitlab\n  owners: [a, b]\n", 3, "owners must be a mapping"),
        ("gitlab.com:\n  forge: gitlab\n  owners:\n    a:\n      pso_id: 12\n", 5, "a number"),
        ("gitlab.com:\n  forge: gitlab\n  owners:\n    a:\n      pso_id: abc\n", 5, "UUID"),
        ("gitlab.com:\n  forge: gitlab\n  ignored_since: 2024-13-45\n", 3, "YYYY-MM-DD"),
        ("gitlab.com:\n  forge: gitlab\n  ignored_since: yesterday\n", 3, "YYYY-MM-DD"),
        ("gitlab.com:\n  pso_id: " + ETALAB + "\n", 1, "`forge:` is missing"),
        ("gitlab.com:\n  forge: gitlab\n  owners:\n    'a b':\n", 4, "owner path"),
        ("- gitlab.com\n- github.com\n", 1, "must be a mapping"),
        ("gitlab.com: !!python/object/apply:os.system [echo]\n", 1, "tag"),
    ],
)
def test_it_reports_bad_input_with_its_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = write(tmp_path, "sources.yml", text)
    problems = errors(read_file(path, HOST_KEYED))
    assert problems, "expected an error"
    assert (problems[0].file, problems[0].line) == (path, line)
    assert message in problems[0].message


def test_it_reports_a_real_file_cut_in_the_middle_of_a_line(shared: Path, tmp_path: Path) -> None:
    text = real(shared, "comptes-organismes-publics.yml").read_text("utf-8")
    cut = text.index("pso_id: db2b74d4") + len("pso_id: db2b74d4")
    path = write(tmp_path, "cut.yml", text[:cut])
    [problem] = errors(read_file(path))
    assert problem.line == text[:cut].count("\n") + 1
    assert "db2b74d4" in problem.message


def test_it_marks_only_the_entries_with_errors_invalid(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources.yml",
        f"""
github.com:
  forge: github
  owners:
    good:
      pso_id: {ETALAB}
    bad:
      ignored_since: someday
bad.example.org:
  forge: fossil
  owners:
    team:
""",
    )
    result = read_file(path)
    github, bad = result.forges
    assert github.valid and [o.valid for o in github.owners] == [True, False]
    assert not bad.valid
    sources = combine([result])
    assert list(sources.forges) == ["github.com"]
    assert [o.path for o in sources.forges["github.com"].owners] == ["good"]
    # Entries left out are kept from being taken as gone.
    assert sources.kept_forges == {"bad.example.org"}
    assert sources.kept_owners == {("github.com", "bad"), ("bad.example.org", "team")}


def test_it_warns_about_duplicates_and_unknown_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources.yml",
        "gitlab.com:\n  forge: gitlab\n  colour: blue\n  owners:\n    Team:\n    team:\n",
    )
    result = read_file(path)
    assert errors(result) == []
    assert [(p.line, p.severity) for p in result.problems] == [(3, WARNING), (6, WARNING)]
    assert [o.path for o in result.forges[0].owners] == ["team"]


# Bounds ----------------------------------------------------------------------------------


def test_it_refuses_an_alias_bomb_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    path = write(tmp_path, "bomb.yml", "\n".join(lines) + "\n")
    started = time.perf_counter()
    result = read_file(path, HOST_KEYED)
    # A hang guard, not a timing: expanding the bomb would take hours and gigabytes.
    assert time.perf_counter() - started < 10
    [problem] = errors(result)
    assert "alias bomb" in problem.message and not result.readable


def test_it_refuses_a_recursive_alias(tmp_path: Path) -> None:
    path = write(tmp_path, "loop.yml", "a: &a [*a]\n")
    [problem] = errors(read_file(path, HOST_KEYED))
    assert "contains it" in problem.message or "nested" in problem.message


def test_it_refuses_files_over_the_size_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sourcefiles, "MAX_FILE_BYTES", 100)
    path = write(tmp_path, "big.yml", "gitlab.com:\n  forge: gitlab\n" + "#" * 100)
    [problem] = errors(read_file(path))
    assert "refused" in problem.message and problem.line is None


def test_it_reports_a_missing_file_and_non_utf8_text(tmp_path: Path) -> None:
    [missing] = errors(read_file(tmp_path / "nope.yml"))
    assert "cannot read" in missing.message
    path = tmp_path / "latin1.yml"
    path.write_bytes("gitlab.com:\n  forge: gitlab\n# é\n".encode("latin-1"))
    [problem] = errors(read_file(path))
    assert (problem.line, problem.message) == (3, "the file is not UTF-8 text")


# Combining files: software of forges, organisations ----------------------------------------


def test_it_resolves_kinds_from_platforms_then_database_then_host_name(tmp_path: Path) -> None:
    sources_file = read_file(
        write(
            tmp_path,
            "list.txt",
            "https://code.example.org/a\nhttps://known.example.org/b\n"
            "https://gitlab.example.org/c\nhttps://mystery.example.org/d\n",
        )
    )
    platforms = read_file(write(tmp_path, "platforms.csv", "code.example.org,gitea\n"), PLATFORMS)
    sources = combine([sources_file, platforms], known_kinds={"known.example.org": "gogs"})
    kinds = {host: forge.kind for host, forge in sources.forges.items()}
    assert kinds == {
        "code.example.org": "gitea",
        "known.example.org": "gogs",
        "gitlab.example.org": "gitlab",
    }
    [problem] = sources.errors
    assert problem.line == 4
    assert "cannot tell which software forge mystery.example.org runs" in problem.message
    assert sources.forges["code.example.org"].api_url == "https://code.example.org/api/v1"


def test_it_links_a_chain_up_to_a_ministry_named_differently(tmp_path: Path) -> None:
    sources_file = read_file(
        write(
            tmp_path,
            "sources.yml",
            """
https://github.com/musee:
  service_of:
    - Musée Saint-Raymond
    - Direction des musées
    - MINISTERE  de la culture
  pso_id: [00000000-0000-0000-0000-000000000000]
https://github.com/coowners:
  service_of: [Université A, Université B]
""",
        )
    )
    ministries = read_file(write(tmp_path, "top.yml", f"{CULTURE}: Ministère de la Culture\n"))
    sources = combine([sources_file, ministries], known_kinds={})
    organisations = sources.organisations
    musee = organisations[name_key("Musée Saint-Raymond")]
    directorate = organisations[musee.parent]
    assert directorate.name == "Direction des musées"
    assert directorate.parent == CULTURE
    assert organisations[CULTURE].name == "Ministère de la Culture"  # not the file's spelling
    # Without a ministry the list is not read as a hierarchy.
    assert organisations[name_key("Université A")].parent is None
    assert sources.forges["github.com"].owners[0].organisation == musee.key


def test_it_names_an_organisation_after_its_first_account_until_a_name_comes(
    tmp_path: Path,
) -> None:
    hosts = read_file(
        write(
            tmp_path,
            "sources.yml",
            f"github.com:\n  forge: github\n  owners:\n    etalab:\n      pso_id: {ETALAB}\n"
            f"    etalab-ia:\n      pso_id: {ETALAB}\n",
        )
    )
    alone = combine([hosts]).organisations[ETALAB]
    assert (alone.name, alone.name_origin) == ("etalab", sourcefiles.NAMED_AFTER_ACCOUNT)
    named = read_file(
        write(
            tmp_path,
            "named.yml",
            f"https://gitlab.com/etalab:\n  service_of: [Département Etalab]\n"
            f"  pso_id: [{ETALAB}]\n",
        )
    )
    both = combine([hosts, named]).organisations[ETALAB]
    assert (both.name, both.name_origin) == ("Département Etalab", sourcefiles.NAMED_BY_SOURCES)


def test_it_keeps_the_first_files_kind_when_two_files_disagree(tmp_path: Path) -> None:
    first = read_file(write(tmp_path, "a.yml", "git.example.org:\n  forge: gitea\n"))
    second = read_file(
        write(tmp_path, "b.yml", "https://git.example.org/team:\n  forge: gitlab\n"), URL_KEYED
    )
    sources = combine([first, second])
    assert sources.forges["git.example.org"].kind == "gitea"
    [problem] = sources.errors
    assert problem.file.name == "b.yml" and "a.yml:1" in problem.message
