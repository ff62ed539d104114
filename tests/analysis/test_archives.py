"""safe_extract against archive bombs and escapes: nothing lands outside, bounds hold."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from communs.analysis import ArchiveBomb, ArchiveError, Limits, analyse_tree, safe_extract

MIB = 1024 * 1024


def _everything(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*")}


def _zip(path: Path, members: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def _tar(
    path: Path, entries: list[tarfile.TarInfo | tuple[str, bytes]], mode: str = "w:gz"
) -> Path:
    with tarfile.open(path, mode) as archive:
        for entry in entries:
            if isinstance(entry, tuple):
                info = tarfile.TarInfo(entry[0])
                info.size = len(entry[1])
                archive.addfile(info, io.BytesIO(entry[1]))
            else:
                archive.addfile(entry)
    return path


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


@pytest.fixture
def work(tmp_path: Path) -> tuple[Path, Path]:
    """(the archives' folder, the destination), siblings inside one temporary folder."""
    archives = tmp_path / "archives"
    archives.mkdir()
    return archives, tmp_path / "dest"


def test_it_extracts_an_ordinary_archive_that_analyse_tree_can_read(
    work: tuple[Path, Path],
) -> None:
    archives, dest = work
    archive = _tar(
        archives / "repo.tar.gz",
        [("repo-main/README.md", b"# Repo\n"), ("repo-main/src/app.py", b"print(1)\n")],
    )

    extraction = safe_extract(archive, dest)

    assert (extraction.members, extraction.files, extraction.skipped) == (2, 2, [])
    analysis = analyse_tree(dest / "repo-main")
    assert analysis.files["readme"] == ["README.md"]
    assert analysis.languages == {"Python": 9}


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_it_stops_a_compression_ratio_bomb_and_cleans_up(
    kind: str, work: tuple[Path, Path]
) -> None:
    archives, dest = work
    zeros = b"\0" * (40 * MIB)
    if kind == "zip":
        archive = _zip(archives / "bomb.zip", {"a.txt": b"ok", "bomb.bin": zeros})
    else:
        archive = _tar(archives / "bomb.tar.gz", [("a.txt", b"ok"), ("bomb.bin", zeros)])
    assert archive.stat().st_size < 200_000

    with pytest.raises(ArchiveBomb, match="compression ratio over 200 at bomb.bin"):
        safe_extract(archive, dest)

    assert _everything(dest) == set()


def test_it_stops_at_the_total_size_counting_real_bytes(work: tuple[Path, Path]) -> None:
    archives, dest = work
    members = {f"f{i}.bin": os.urandom(300_000) for i in range(5)}
    archive = _zip(archives / "big.zip", members)

    with pytest.raises(ArchiveBomb, match="more than 1000000 bytes"):
        safe_extract(archive, dest, Limits(max_archive_bytes=1_000_000))

    assert _everything(dest) == set()


def test_it_stops_a_member_over_its_bound(work: tuple[Path, Path]) -> None:
    archives, dest = work
    archive = _tar(archives / "one.tar", [("huge.bin", os.urandom(200_000))], mode="w")

    with pytest.raises(ArchiveBomb, match="huge.bin unpacks to more than 100000 bytes"):
        safe_extract(archive, dest, Limits(max_member_bytes=100_000))


def test_it_stops_at_too_many_members(work: tuple[Path, Path]) -> None:
    archives, dest = work
    archive = _zip(archives / "many.zip", {f"f{i}": b"" for i in range(101)})

    with pytest.raises(ArchiveBomb, match="more than 100 members"):
        safe_extract(archive, dest, Limits(max_archive_members=100))

    assert _everything(dest) == set()


def test_it_does_not_trust_a_zip_header_that_lies_about_sizes(work: tuple[Path, Path]) -> None:
    archives, dest = work
    data = b"A" * 100_000
    archive = _zip(archives / "liar.zip", {"liar.txt": data})
    raw = bytearray(archive.read_bytes())
    declared = (100_000).to_bytes(4, "little")
    # Make both headers claim 10 bytes once unpacked.
    raw[:] = raw.replace(declared, (10).to_bytes(4, "little"))
    archive.write_bytes(bytes(raw))

    with pytest.raises(ArchiveError):
        safe_extract(archive, dest)

    assert _everything(dest) == set()


def test_it_skips_absolute_and_parent_paths(work: tuple[Path, Path], tmp_path: Path) -> None:
    archives, dest = work
    archive = _zip(
        archives / "escape.zip",
        {
            "/tmp/evil-absolute": b"x",
            "../evil-parent": b"x",
            "ok/../../evil-nested": b"x",
            "C:/evil-drive": b"x",
            "ok/fine.txt": b"fine",
        },
    )
    before = _everything(tmp_path)

    extraction = safe_extract(archive, dest)

    assert {(s.path, s.reason) for s in extraction.skipped} == {
        ("/tmp/evil-absolute", "absolute path"),
        ("../evil-parent", "path with '..'"),
        ("ok/../../evil-nested", "path with '..'"),
        ("C:/evil-drive", "absolute path"),
    }
    assert (dest / "ok" / "fine.txt").read_bytes() == b"fine"
    assert _everything(tmp_path) - before == {"dest", "dest/ok", "dest/ok/fine.txt"}


def test_it_keeps_links_inside_the_tree_and_refuses_the_others(
    work: tuple[Path, Path], tmp_path: Path
) -> None:
    archives, dest = work
    archive = _tar(
        archives / "links.tar",
        [
            ("README.md", b"# hello\n"),
            ("sub/file.txt", b"inner\n"),
            _link("docs-readme", "README.md"),
            _link("into-sub", "sub"),
            _link("etc", "/etc/passwd"),
            _link("up", "../outside"),
            _link("climb", "sub/../.."),
            _link("hard-ok", "README.md", tarfile.LNKTYPE),
            _link("hard-out", "/etc/passwd", tarfile.LNKTYPE),
            _link("hard-up", "../outside", tarfile.LNKTYPE),
            # Written through the link made above, this would land wherever it points.
            ("into-sub/through.txt", b"no\n"),
        ],
        mode="w",
    )
    before = _everything(tmp_path)

    extraction = safe_extract(archive, dest)

    reasons = {item.path: item.reason for item in extraction.skipped}
    assert reasons == {
        "etc": "symbolic link pointing outside its folder",
        "up": "symbolic link pointing outside its folder",
        "climb": "symbolic link pointing outside its folder",
        "hard-out": "hard link to a file outside the tree or not yet extracted",
        "hard-up": "hard link to a file outside the tree or not yet extracted",
        "into-sub/through.txt": "a parent folder is a symbolic link",
    }
    assert os.readlink(dest / "docs-readme") == "README.md"
    assert (dest / "hard-ok").read_bytes() == b"# hello\n"
    assert not (dest / "hard-ok").is_symlink()
    assert os.stat(dest / "hard-ok").st_ino != os.stat(dest / "README.md").st_ino
    assert not (dest / "sub" / "through.txt").exists()
    assert {path for path in _everything(tmp_path) - before if not path.startswith("dest")} == set()


def test_it_refuses_a_zip_symlink_out_of_the_tree(work: tuple[Path, Path]) -> None:
    archives, dest = work
    archive = _zip(archives / "l.zip", {"a.txt": b"a"}, links={"evil": "../../etc", "ok": "a.txt"})

    extraction = safe_extract(archive, dest)

    assert [(s.path, s.reason) for s in extraction.skipped] == [
        ("evil", "symbolic link pointing outside its folder")
    ]
    assert os.readlink(dest / "ok") == "a.txt"


def test_it_skips_device_files_and_pipes(work: tuple[Path, Path]) -> None:
    archives, dest = work
    entries: list[tarfile.TarInfo | tuple[str, bytes]] = [("a.txt", b"a")]
    for name, kind in (
        ("null", tarfile.CHRTYPE),
        ("disk", tarfile.BLKTYPE),
        ("fifo", tarfile.FIFOTYPE),
    ):
        info = tarfile.TarInfo(name)
        info.type = kind
        entries.append(info)
    archive = _tar(archives / "dev.tar", entries, mode="w")

    extraction = safe_extract(archive, dest)

    assert [(s.path, s.reason) for s in extraction.skipped] == [
        (name, "device file, pipe or socket") for name in ("null", "disk", "fifo")
    ]
    assert _everything(dest) == {"a.txt"}


def test_it_drops_special_permission_bits(work: tuple[Path, Path]) -> None:
    archives, dest = work
    info = tarfile.TarInfo("tool")
    info.mode = 0o4777
    info.size = 2
    with tarfile.open(archives / "suid.tar", "w") as archive:
        archive.addfile(info, io.BytesIO(b"#!"))

    safe_extract(archives / "suid.tar", dest)

    assert stat.S_IMODE((dest / "tool").stat().st_mode) & 0o7000 == 0


@pytest.mark.parametrize("content", [b"", b"not an archive at all", b"PK\x03\x04broken"])
def test_it_says_what_is_no_archive(content: bytes, work: tuple[Path, Path]) -> None:
    archives, dest = work
    archive = archives / "junk.bin"
    archive.write_bytes(content)

    with pytest.raises(ArchiveError):
        safe_extract(archive, dest)
