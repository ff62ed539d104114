"""From an archive to a verdict, without a database; cloning a history."""

from __future__ import annotations

import io
import socket
import tarfile
from pathlib import Path

from communs.analysis.examine import examine_archive, tree_root
from communs.analysis.pipeline import clone_history

from .conftest import git


def _tar(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_a_git_folder_inside_an_archive_is_not_taken_for_the_history(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "README.md").write_text("# A\n")
    git(source, "init", "-q")
    git(source, "add", ".")
    git(source, "commit", "-q", "-m", "one")
    files = {
        f"top/{path.relative_to(source)}": path.read_bytes()
        for path in source.rglob("*")
        if path.is_file()
    }
    archive = _tar(tmp_path / "a.tar.gz", files)

    verdict = examine_archive(archive, tmp_path / "work", fields={"description": "d"})

    assert verdict.status == "analysed"
    assert verdict.analysis is not None
    assert verdict.analysis.files["readme"] == ["README.md"]
    assert verdict.analysis.activity is None
    assert verdict.scores["vitality"].known is False
    assert not (tmp_path / "work" / "tree").exists()


def test_a_history_callback_that_fails_is_listed_among_what_was_skipped(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "a.tar.gz", {"top/README.md": b"# A\n"})

    verdict = examine_archive(
        archive, tmp_path / "work", fields={}, history=lambda root: "git clone failed: nope"
    )

    assert verdict.analysis is not None
    assert [s.to_dict() for s in verdict.analysis.skipped] == [
        {"path": ".git", "reason": "history not read: git clone failed: nope"}
    ]


def test_tree_root_steps_into_the_one_top_folder_only(tmp_path: Path) -> None:
    (tmp_path / "one" / "top").mkdir(parents=True)
    assert tree_root(tmp_path / "one") == tmp_path / "one" / "top"
    (tmp_path / "one" / "file").write_text("x")
    assert tree_root(tmp_path / "one") == tmp_path / "one"


def test_clone_history_says_why_it_failed_and_leaves_nothing(tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    target = tmp_path / "h" / ".git"
    target.parent.mkdir()

    why = clone_history(f"http://127.0.0.1:{port}/a/b.git", target, timeout=20)

    assert why is not None and why.startswith("git clone failed:")
    assert not target.exists()
    assert clone_history("file:///etc", target, timeout=20) is not None
    assert not target.exists()
