"""Hostile and broken trees: bounded in time and memory, no crash, the result says why."""

from __future__ import annotations

import json
import os
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from communs.analysis import LicenseCache, Limits, analyse_tree

from .conftest import git

Tree = Callable[[dict[str, str | bytes]], Path]


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path): (path.lstat().st_size, path.lstat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
    }


def test_it_reads_only_the_start_of_a_huge_file(tree: Tree) -> None:
    root = tree({"data.sql": "INSERT INTO t VALUES (1);\n" * 200_000})  # about 5 MB

    analysis = analyse_tree(root, limits=Limits(max_file_bytes=64 * 1024))

    assert analysis.stats.bytes_read == 64 * 1024
    assert analysis.languages == {"SQL": 5_200_000}  # sizes come from the file system
    (skipped,) = analysis.skipped
    assert skipped.path == "data.sql"
    assert skipped.reason == "larger than 65536 bytes: only the first 65536 read"


def test_it_matches_only_the_start_of_a_50_mb_licence_file(
    tree: Tree, spdx_texts: dict[str, str]
) -> None:
    root = tree({})
    with (root / "LICENSE").open("w") as handle:
        handle.write(spdx_texts["MIT"] + "\n")
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing on disk
    tracemalloc.start()
    started = time.monotonic()

    analysis = analyse_tree(root, cache=LicenseCache())

    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    (found,) = analysis.license.files
    assert found.truncated is True
    assert analysis.stats.bytes_read <= Limits().max_file_bytes
    assert peak < 16 * 1024 * 1024
    assert elapsed < 10
    assert [item.reason for item in analysis.skipped] == [
        "licence file larger than 262144 bytes: only its start was matched"
    ]


def test_it_says_a_tree_of_binaries_has_no_text(tree: Tree) -> None:
    root = tree({"a.bin": b"\0\1\2" * 100, "img/logo.png": b"\x89PNG\r\n\0\0", "b.o": b"\0"})

    analysis = analyse_tree(root)

    assert analysis.reason == "binary only: no text file to read"
    assert (analysis.stats.binary_files, analysis.stats.text_files) == (3, 0)
    assert analysis.languages == {}


def test_it_handles_names_that_are_not_utf8(tree: Tree) -> None:
    root = tree({})
    folder = os.fsencode(root) + b"/d\xe9p\xf4t"
    os.mkdir(folder)
    with open(folder + b"/caf\xe9.py", "wb") as handle:
        handle.write(b"print('ok')\n")
    with open(os.fsencode(root) + b"/README-\xff.md", "wb") as handle:
        handle.write(b"# hello\n")

    analysis = analyse_tree(root)

    assert analysis.languages == {"Python": 12}
    assert analysis.files["readme"] == ["README-\ufffd.md"]
    assert "d\ufffdp\ufffdt/caf\ufffd.py" in analysis.reuse.uncovered
    json.dumps(analysis.to_dict())


def test_it_says_an_empty_folder_is_empty(tree: Tree) -> None:
    analysis = analyse_tree(tree({}))

    assert analysis.reason == "empty: no file to analyse"
    assert analysis.license.expression == ""
    assert analysis.dependencies == []


def test_it_says_an_empty_repository_is_empty(tree: Tree) -> None:
    root = tree({})
    git(root, "init", "-q")

    analysis = analyse_tree(root)

    assert analysis.reason == "empty: no file to analyse"
    assert analysis.activity is None
    assert [item.path for item in analysis.skipped] == [".git/", ".git/"]


def test_it_never_follows_symbolic_link_loops_or_links_out(tree: Tree, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("AKIAQWERTYUIOPASDFGH\n")
    root = tree({"docs/README.md": "# real\n", "src/main.py": "x = 1\n"})
    os.symlink("b", root / "a")
    os.symlink("a", root / "b")
    os.symlink("self", root / "self")
    os.symlink("..", root / "src" / "up")
    os.symlink(str(outside), root / "leak.txt")
    os.symlink("docs/README.md", root / "README.md")
    os.symlink(str(tmp_path), root / "escape")

    analysis = analyse_tree(root)

    reasons = {item.path: item.reason for item in analysis.skipped}
    assert reasons == {
        "a": "broken or looping symbolic link",
        "b": "broken or looping symbolic link",
        "self": "broken or looping symbolic link",
        "escape": "symbolic link pointing outside the tree",
        "leak.txt": "symbolic link pointing outside the tree",
        "src/up": "symbolic link pointing outside the tree",
    }
    assert analysis.files["readme"] == ["README.md", "docs/README.md"]
    assert analysis.secrets == []
    assert analysis.languages == {"Python": 6}


def test_it_does_not_open_pipes(tree: Tree) -> None:
    root = tree({"README.md": "x\n"})
    os.mkfifo(root / "LICENSE")
    os.mkfifo(root / "package.json")

    analysis = analyse_tree(root)

    assert analysis.files["license"] == []
    assert {item.path: item.reason for item in analysis.skipped} == {
        "LICENSE": "device file, pipe or socket",
        "package.json": "device file, pipe or socket",
    }


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (Limits(max_entries=40), "stopped after 40 files and folders"),
        (Limits(time_budget=0), "stopped after the time budget of 0 s"),
    ],
)
def test_it_stops_at_its_bounds_and_says_so(limits: Limits, reason: str, tree: Tree) -> None:
    root = tree({f"f{i:03}.txt": "x" for i in range(100)})

    analysis = analyse_tree(root, limits=limits)

    assert analysis.reason == reason
    assert analysis.stats.files < 100


def test_it_goes_no_deeper_than_its_bound(tree: Tree) -> None:
    root = tree({"a/b/c/d/e/deep.py": "x\n", "a/top.py": "y\n"})

    analysis = analyse_tree(root, limits=Limits(max_depth=3))

    assert analysis.languages == {"Python": 2}
    assert [(s.path, s.reason) for s in analysis.skipped] == [("a/b/c/d/", "deeper than 3 levels")]


def test_it_stops_reading_when_its_read_budget_is_spent(tree: Tree) -> None:
    root = tree({f"f{i}.py": "x" * 400 for i in range(10)})

    analysis = analyse_tree(root, limits=Limits(max_total_read_bytes=1000))

    assert analysis.stats.bytes_read == 1000
    assert analysis.languages == {"Python": 4000}
    assert "read budget of 1000 bytes spent" in analysis.skipped[0].reason


def test_it_keeps_its_lists_bounded(tree: Tree) -> None:
    root = tree({f"k{i}.pem": "-----BEGIN PRIVATE KEY-----\n" + "A" * 64 + "\n" for i in range(9)})

    analysis = analyse_tree(root, limits=Limits(max_listed=3, max_file_bytes=10))

    assert len(analysis.secrets) <= 3
    assert len(analysis.skipped) == 3 and analysis.skipped_more == 6


def test_it_says_what_is_not_a_folder(tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("x")

    for root in (file, tmp_path / "missing"):
        analysis = analyse_tree(root)
        assert analysis.reason == "not a readable folder"
        assert analysis.stats.files == 0


def test_it_writes_nothing(tree: Tree, spdx_texts: dict[str, str]) -> None:
    root = tree({"LICENSE": spdx_texts["MIT"], "package.json": '{"dependencies": {"a": "1"}}'})
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "x")
    before = _snapshot(root.parent)

    analyse_tree(root)

    assert _snapshot(root.parent) == before
