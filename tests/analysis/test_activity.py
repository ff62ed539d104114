"""Activity read from a real git history with known dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from communs.analysis import analyse_tree

from .conftest import git

Tree = Callable[[dict[str, str | bytes]], Path]
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _commit(root: Path, name: str, days_ago: float, email: str) -> str:
    (root / name).write_text(f"{name} {days_ago}\n")
    when = NOW - timedelta(days=days_ago)
    git(root, "add", name, when=when, email=email)
    git(root, "commit", "-q", "-m", name, when=when, email=email)
    return git(root, "rev-parse", "HEAD").strip()


def _history(root: Path) -> None:
    """alice 800 days ago, bob 100, carol 9.9 (v1) and 8.9, dave 8.9 on a branch merged at 7.9."""
    git(root, "init", "-q", "-b", "main")
    _commit(root, "first", 800, "alice@example.org")
    second = _commit(root, "second", 100, "Bob@Example.org")
    _commit(root, "third", 9.9, "carol@example.org")
    git(root, "tag", "v1")
    git(root, "checkout", "-q", "-b", "feature")
    _commit(root, "feature", 8.9, "dave@example.org")
    git(root, "checkout", "-q", "main")
    _commit(root, "fourth", 8.9, "carol@example.org")
    when = NOW - timedelta(days=7.9)
    git(root, "merge", "-q", "--no-ff", "feature", "-m", "merge", when=when,
        email="carol@example.org")  # fmt: skip
    git(root, "tag", "-a", "v0.9", "-m", "v0.9", second, when=NOW - timedelta(days=99))


def test_it_reads_commits_authors_tags_and_age(tree: Tree) -> None:
    root = tree({})
    _history(root)

    activity = analyse_tree(root, now=NOW).activity

    assert activity is not None
    assert activity.first_commit_at == NOW - timedelta(days=800)
    assert round(activity.age_days or 0) == 800
    assert (activity.commits_60d, activity.merges_60d, activity.authors_60d) == (4, 1, 2)
    assert (activity.commits_365d, activity.authors_365d) == (5, 3)  # emails ignore case
    assert (activity.tags_60d, activity.tags_365d) == (1, 2)
    days = {day.offset: day for day in activity.days}
    assert len(days) == 60
    # Day i is the calendar day of now - i days; 9.9 days ago is that of now - 10 days.
    assert (days[10].commits, days[10].tags) == (1, 1)
    assert (days[9].commits, days[9].merges) == (2, 0)
    assert (days[8].commits, days[8].merges) == (1, 1)
    assert sum(day.commits for day in days.values()) == 4
    assert days[0].authors_before == days[8].authors_before == 4
    assert days[9].authors_before == 3  # carol committed before that day's cutoff, dave after
    assert days[10].authors_before == days[59].authors_before == 2


def test_it_has_no_activity_for_a_plain_folder(tree: Tree) -> None:
    root = tree({"README.md": "x\n"})

    analysis = analyse_tree(root, now=NOW)

    assert analysis.activity is None
    assert analysis.skipped == []


def test_it_refuses_a_git_file_pointing_elsewhere(tree: Tree, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _history(elsewhere)
    root = tree({".git": f"gitdir: {elsewhere / '.git'}\n", "README.md": "x\n"})

    assert analyse_tree(root, now=NOW).activity is None


def test_it_says_why_an_empty_history_gives_no_activity(tree: Tree) -> None:
    root = tree({"README.md": "x\n"})
    git(root, "init", "-q")

    analysis = analyse_tree(root, now=NOW)

    assert analysis.activity is None
    (skipped,) = [
        item for item in analysis.skipped if item.path == ".git/" and "history" in item.reason
    ]
    assert skipped.reason.startswith("history not read: git log failed")


def test_it_does_not_run_the_programs_a_checkouts_config_names(tree: Tree) -> None:
    root = tree({})
    _history(root)
    # A signed commit on top (its signature is junk: git still hands it to gpg.program).
    tree_id = git(root, "rev-parse", "HEAD^{tree}").strip()
    parent = git(root, "rev-parse", "HEAD").strip()
    stamp = int((NOW - timedelta(days=1)).timestamp())
    body = (
        f"tree {tree_id}\nparent {parent}\nauthor e <e@example.org> {stamp} +0000\n"
        f"committer e <e@example.org> {stamp} +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n"
        " \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\nsigned\n"
    )
    (root.parent / "commit.txt").write_text(body)
    signed = git(root, "hash-object", "-t", "commit", "-w", str(root.parent / "commit.txt"))
    git(root, "update-ref", "HEAD", signed.strip())
    witness = root.parent / "ran"
    program = root.parent / "evil.sh"
    program.write_text(f"#!/bin/sh\ntouch {witness}\nexit 1\n")
    program.chmod(0o755)
    # The checkout asks git to verify signatures with its own program: git log would run it.
    git(root, "config", "log.showSignature", "true")
    git(root, "config", "gpg.program", str(program))
    git(root, "log", "-1", "--format=%H")
    assert witness.exists()  # the trap works for a plain git log...
    witness.unlink()

    activity = analyse_tree(root, now=NOW).activity

    assert activity is not None and activity.commits_365d == 6
    assert not witness.exists()  # ...and the analysis does not fall into it


def test_it_says_a_shallow_clone_holds_only_part_of_the_history(tree: Tree) -> None:
    origin = tree({})
    _history(origin)
    clone = origin.parent / "shallow"
    git(origin.parent, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))

    full = analyse_tree(origin, now=NOW).activity
    shallow = analyse_tree(clone, now=NOW).activity

    assert full is not None and full.truncated is False
    assert shallow is not None and shallow.truncated is True
    assert shallow.commits_365d == 1
