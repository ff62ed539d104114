"""``communs publiccode init``: a valid draft, from the database when it knows the URL."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from communs.publiccode import validate
from communs.repositories.models import Repository


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        with translation.override("en"):
            call_command("publiccode", "init", *args, stdout=out, stderr=err)
        status = 0
    except CommandError as error:
        status, err = error.returncode, io.StringIO(str(error))
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_it_drafts_from_a_known_repository(repository: Repository, tmp_path: Path) -> None:
    target = tmp_path / "publiccode.yml"
    status, out, err = run("--repo", repository.url + "/", "--output", str(target))
    assert status == 0 and out == ""
    assert "what Communs knows" in err
    text = target.read_text(encoding="utf-8")
    assert validate(text).valid
    assert 'license: "EUPL-1.2"' in text and 'landingURL: "https://outil.exemple.gouv.fr"' in text
    assert 'mainCopyrightOwner: "Direction du numérique"' in text


@pytest.mark.django_db
def test_it_drafts_a_minimal_file_for_an_unknown_url() -> None:
    status, out, _ = run("--repo", "https://gitlab.com/group/outil")
    assert status == 0
    assert validate(out).valid
    assert 'url: "https://gitlab.com/group/outil"' in out and 'name: "outil"' in out


@pytest.mark.django_db
def test_it_reads_the_origin_remote_without_repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(
        ["git", "-C", str(tmp_path), "remote", "add", "origin", "git@github.com:italia/medusa.git"],
        check=True,
    )
    monkeypatch.chdir(tmp_path)
    status, out, _ = run()
    assert status == 0 and 'url: "https://github.com/italia/medusa"' in out


@pytest.mark.django_db
def test_without_repo_or_remote_it_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    status, _, err = run()
    assert status == 2 and "--repo" in err


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["ftp://example.org/a/b", "not a url", "https://example.org/one", "http://[::1/a/b"]
)
def test_a_bad_url_exits_2(url: str) -> None:
    status, out, err = run("--repo", url)
    assert status == 2 and out == "" and "not a repository's web address" in err


@pytest.mark.django_db
def test_it_never_overwrites_a_file_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "publiccode.yml"
    target.write_text("mine\n")
    status, _, err = run("--repo", "https://gitlab.com/group/outil", "--output", str(target))
    assert status == 2 and "--force" in err and target.read_text() == "mine\n"
    status, _, _ = run(
        "--repo", "https://gitlab.com/group/outil", "--output", str(target), "--force"
    )
    assert status == 0 and validate(target.read_text(encoding="utf-8")).valid


@pytest.mark.django_db
def test_an_unwritable_output_exits_2(tmp_path: Path) -> None:
    status, _, err = run(
        "--repo", "https://gitlab.com/group/outil", "--output", str(tmp_path / "no" / "such.yml")
    )
    assert status == 2 and "cannot write" in err


def test_unknown_arguments_exit_2() -> None:
    # The real console script: argparse's own status for arguments it does not know.
    found = subprocess.run(
        [
            str(Path(__file__).parents[2] / ".venv" / "bin" / "communs"),
            "publiccode",
            "init",
            "--nope",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert found.returncode == 2 and "--nope" in found.stderr
