"""Unpack a zip or tar archive from a stranger without letting it escape or explode.

:func:`safe_extract` writes only under ``dest`` and stops at the bounds of
:class:`~communs.analysis.limits.Limits`, counting the bytes it actually writes rather
than the sizes the archive's headers claim:

- members with an absolute path, a ``..`` part, a NUL, or a parent folder that is a
  symbolic link are skipped (a link inside the tree could otherwise carry a later
  member outside it);
- symbolic links are created only when their target goes down from their folder (no
  ``..``, not absolute), so that no chain of links can climb out; hard links are copied
  from a member already extracted inside the tree; device files, pipes and
  sockets are skipped; nothing keeps its setuid bits or owner;
- more than ``max_archive_members`` members, a member over ``max_member_bytes``, more
  than ``max_archive_bytes`` written in all, or more than ``max_compression_ratio``
  bytes written per byte of archive (once past a few megabytes, so that ordinary small
  archives of text never trip it) stop the extraction: :class:`ArchiveBomb` is raised
  and what was written is removed.

Skipped members are listed with their reason in the :class:`Extraction` returned.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from lzma import LZMAError
from pathlib import Path
from typing import IO

from communs.analysis.limits import MIB, Limits
from communs.analysis.model import Skipped

_CHUNK = 64 * 1024
# Below this many bytes written, the ratio check stays quiet: small text archives
# legitimately compress 20 to 50 times, and a few megabytes harm nobody.
_RATIO_FLOOR = 8 * MIB
_MAX_LINK_TARGET = 4096


class ArchiveError(ValueError):
    """The archive cannot be read (corrupt, truncated, neither zip nor tar)."""


class ArchiveBomb(ArchiveError):
    """The archive went past a bound; the message names the member and the bound."""


@dataclass(slots=True)
class Extraction:
    """What :func:`safe_extract` wrote: members, bytes, and what it skipped and why."""

    members: int = 0
    files: int = 0
    bytes_written: int = 0
    skipped: list[Skipped] = field(default_factory=list)


def _display(name: str) -> str:
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class _Writer:
    """Writes members under ``dest`` and keeps the running totals and bounds."""

    def __init__(self, dest: Path, limits: Limits, archive_size: int) -> None:
        self.dest = dest
        self.real = os.path.realpath(dest)
        self.limits = limits
        self.archive_size = max(archive_size, 1)
        self.result = Extraction()
        self.created: list[str] = []

    # -- bounds -------------------------------------------------------------------------

    def count_member(self, name: str) -> None:
        self.result.members += 1
        if self.result.members > self.limits.max_archive_members:
            raise ArchiveBomb(
                f"more than {self.limits.max_archive_members} members (at {_display(name)})"
            )

    def _count_bytes(self, name: str, member_bytes: int, added: int) -> None:
        self.result.bytes_written += added
        limits = self.limits
        if member_bytes > limits.max_member_bytes:
            raise ArchiveBomb(
                f"{_display(name)} unpacks to more than {limits.max_member_bytes} bytes"
            )
        if self.result.bytes_written > limits.max_archive_bytes:
            raise ArchiveBomb(f"the archive unpacks to more than {limits.max_archive_bytes} bytes")
        written = self.result.bytes_written
        if written > _RATIO_FLOOR and written / self.archive_size > limits.max_compression_ratio:
            raise ArchiveBomb(
                f"compression ratio over {limits.max_compression_ratio:g} at {_display(name)}"
            )

    # -- paths --------------------------------------------------------------------------

    def resolve(self, name: str) -> tuple[str, list[str]] | str:
        """The member's path under ``dest`` and its parts, or why it may not be written."""
        if "\0" in name:
            return "its name holds a NUL character"
        cleaned = name.replace("\\", "/")
        if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
            return "absolute path"
        parts = [part for part in cleaned.split("/") if part not in ("", ".")]
        if ".." in parts:
            return "path with '..'"
        if not parts:
            return "empty name"
        # Every parent must be a real folder inside dest, never a link made earlier.
        parent = os.path.join(self.real, *parts[:-1])
        if os.path.realpath(parent) != os.path.normpath(parent):
            return "a parent folder is a symbolic link"
        return os.path.join(self.real, *parts), parts

    def target(self, name: str) -> tuple[str, list[str]] | None:
        """:meth:`resolve`, recording a refused member as skipped (None then)."""
        found = self.resolve(name)
        if isinstance(found, str):
            if found != "empty name":
                self.skip(name, found)
            return None
        return found

    def skip(self, name: str, reason: str) -> None:
        self.result.skipped.append(Skipped(_display(name), reason))

    def makedirs(self, name: str, path: str) -> bool:
        """Create ``path`` and its missing parents, each remembered for :meth:`undo`."""
        missing = []
        current = path
        while not os.path.isdir(current):
            missing.append(current)
            current = os.path.dirname(current)
        try:
            for folder in reversed(missing):
                os.mkdir(folder, 0o755)
                self.created.append(folder)
        except OSError as error:
            self.skip(name, f"its folder cannot be made: {error.strerror}")
            return False
        return True

    # -- writing ------------------------------------------------------------------------

    def write(self, name: str, path: str, source: IO[bytes]) -> None:
        if not self.makedirs(name, os.path.dirname(path)):
            return
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as error:
            self.skip(name, f"cannot be written: {error.strerror}")
            return
        self.created.append(path)
        member_bytes = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(_CHUNK):
                out.write(chunk)
                member_bytes += len(chunk)
                self._count_bytes(name, member_bytes, len(chunk))
        self.result.files += 1

    def symlink(self, name: str, path: str, link: str) -> None:
        # Only links that go down from their folder: a "..", even one that looks inside,
        # can climb out once combined with another link (c -> "x/..", then x -> ".").
        parts = link.replace("\\", "/").split("/")
        refused = not link or len(link) > _MAX_LINK_TARGET or link.startswith("/")
        if refused or "\0" in link or ".." in parts:
            self.skip(name, "symbolic link pointing outside its folder")
            return
        if not self.makedirs(name, os.path.dirname(path)):
            return
        try:
            os.symlink(link, path)
        except OSError as error:
            self.skip(name, f"symbolic link cannot be made: {error.strerror}")
            return
        self.created.append(path)

    def hardlink(self, name: str, path: str, link: str) -> None:
        found = self.resolve(link)
        if isinstance(found, str) or not os.path.isfile(found[0]) or os.path.islink(found[0]):
            self.skip(name, "hard link to a file outside the tree or not yet extracted")
            return
        # A copy, never a real link: a link would share the inode with whatever it names.
        with open(found[0], "rb") as source:
            self.write(name, path, source)

    def undo(self) -> None:
        # Newest first, so each folder is empty of our files by the time it is removed.
        for created in reversed(self.created):
            try:
                if os.path.isdir(created) and not os.path.islink(created):
                    shutil.rmtree(created, ignore_errors=True)
                else:
                    os.unlink(created)
            except OSError:
                continue


def _extract_zip(path: Path, writer: _Writer) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ArchiveError(f"not a readable zip archive: {error}") from None
    with archive:
        for info in archive.infolist():
            writer.count_member(info.filename)
            found = writer.target(info.filename)
            if found is None:
                continue
            target, _ = found
            # Unix tools keep the mode in the high bits; many store permissions alone,
            # with no file type, which means a regular file.
            kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0
            if info.is_dir():
                writer.makedirs(info.filename, target)
            elif info.flag_bits & 0x1:
                writer.skip(info.filename, "encrypted member")
            elif kind == stat.S_IFLNK:
                with archive.open(info) as source:
                    link = source.read(_MAX_LINK_TARGET + 1).decode("utf-8", "surrogateescape")
                writer.symlink(info.filename, target, link)
            elif kind not in (0, stat.S_IFREG):
                writer.skip(info.filename, "device file, pipe or socket")
            else:
                with archive.open(info) as source:
                    writer.write(info.filename, target, source)


def _extract_tar(path: Path, writer: _Writer) -> None:
    try:
        archive = tarfile.open(path, "r:*")  # noqa: SIM115 - closed in the with below
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ArchiveError(f"not a readable tar archive: {error}") from None
    with archive:
        # Iterating reads one header at a time: the member list is never loaded whole.
        for member in archive:
            writer.count_member(member.name)
            found = writer.target(member.name)
            if found is None:
                continue
            target, _ = found
            if member.isdir():
                writer.makedirs(member.name, target)
            elif member.isreg():
                source = archive.extractfile(member)
                if source is not None:
                    with source:
                        writer.write(member.name, target, source)
            elif member.issym():
                writer.symlink(member.name, target, member.linkname)
            elif member.islnk():
                writer.hardlink(member.name, target, member.linkname)
            else:
                writer.skip(member.name, "device file, pipe or socket")


def safe_extract(archive: Path, dest: Path, limits: Limits | None = None) -> Extraction:
    """Unpack ``archive`` (zip, or tar with or without gzip, bzip2, xz) into ``dest``.

    ``dest`` is created when missing. Raises :class:`ArchiveBomb` past a bound and
    :class:`ArchiveError` for an unreadable archive; in both cases everything this call
    wrote is removed again.
    """
    limits = limits or Limits()
    dest.mkdir(parents=True, exist_ok=True)
    try:
        size = archive.stat().st_size
    except OSError as error:
        raise ArchiveError(f"cannot read {archive}: {error.strerror}") from None
    writer = _Writer(dest, limits, size)
    try:
        if zipfile.is_zipfile(archive):
            _extract_zip(archive, writer)
        elif tarfile.is_tarfile(archive):
            _extract_tar(archive, writer)
        else:
            raise ArchiveError(f"{archive.name} is neither a zip nor a tar archive")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, RuntimeError, zlib.error,
            LZMAError) as error:  # fmt: skip
        writer.undo()
        raise ArchiveError(f"{archive.name} is damaged: {error}") from None
    except ArchiveError:
        writer.undo()
        raise
    return writer.result
