"""A bounded, read-only walk of a source tree that never follows a link out of it.

The walk visits folders in name order (so two runs over the same tree agree), descends
into no symbolic link, no version-control folder and no vendored folder, and stops at
``Limits.max_entries`` entries, ``Limits.max_depth`` levels or the deadline. A link to a
file is kept only when its target is a regular file inside the tree (a README linked
from ``docs/``); a link to a folder, out of the tree, broken or looping, is skipped.
Devices, pipes and sockets are skipped without being opened: reading a pipe would block.

:class:`Reader` reads files the same careful way: no following of a last-moment
symbolic link, regular files only, never past a bound, and never more than the total
read budget over the whole walk.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass

from communs.analysis.conventions import VCS_FOLDERS, VENDORED_FOLDERS
from communs.analysis.limits import Limits
from communs.analysis.model import Skipped


def display(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class Skips:
    """The list of what was skipped and why, bounded: past ``limit`` only a count."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: list[Skipped] = []
        self.more = 0

    def add(self, path: str, reason: str) -> None:
        if len(self.items) < self.limit:
            self.items.append(Skipped(path, reason))
        else:
            self.more += 1


@dataclass(slots=True)
class Entry:
    """A file met by the walk. ``path`` is what to open; ``relative`` what to show."""

    path: str
    relative: str
    folder: str
    name: str
    size: int
    link: bool = False


class Walk:
    """Iterate the files under ``root``; afterwards ``stopped`` says why it ended early."""

    def __init__(self, root: str, limits: Limits, deadline: float, skips: Skips) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.limits = limits
        self.deadline = deadline
        self.skips = skips
        self.entries = 0
        self.folders = 0
        self.stopped: str | None = None

    def __iter__(self) -> Iterator[Entry]:
        # (path on disk, relative display path, depth)
        stack: list[tuple[str, str, int]] = [(self.root, "", 0)]
        while stack:
            path, relative, depth = stack.pop()
            try:
                with os.scandir(path) as scan:
                    children = sorted(scan, key=lambda entry: entry.name)
            except OSError as error:
                self.skips.add(relative or ".", f"folder cannot be read: {error.strerror}")
                continue
            folders: list[tuple[str, str, int]] = []
            for child in children:
                self.entries += 1
                if self.entries > self.limits.max_entries:
                    self.stopped = f"stopped after {self.limits.max_entries} files and folders"
                    return
                if time.monotonic() > self.deadline:
                    self.stopped = f"stopped after the time budget of {self.limits.time_budget:g} s"
                    return
                name = display(child.name)
                child_relative = f"{relative}/{name}" if relative else name
                found = self._visit(child, name, relative, child_relative, depth, folders)
                if found is not None:
                    yield found
            # Reversed so that the stack pops folders in name order.
            stack.extend(reversed(folders))

    def _visit(
        self,
        child: os.DirEntry[str],
        name: str,
        folder: str,
        relative: str,
        depth: int,
        folders: list[tuple[str, str, int]],
    ) -> Entry | None:
        try:
            if child.is_symlink():
                return self._link(child, name, folder, relative)
            if child.is_dir(follow_symlinks=False):
                if child.name in VCS_FOLDERS:
                    self.skips.add(relative + "/", "version control data")
                elif child.name in VENDORED_FOLDERS:
                    self.skips.add(relative + "/", "vendored or generated files")
                elif depth + 1 > self.limits.max_depth:
                    self.skips.add(relative + "/", f"deeper than {self.limits.max_depth} levels")
                else:
                    self.folders += 1
                    folders.append((child.path, relative, depth + 1))
                return None
            info = child.stat(follow_symlinks=False)
        except OSError as error:
            self.skips.add(relative, f"cannot be read: {error.strerror}")
            return None
        if not stat.S_ISREG(info.st_mode):
            self.skips.add(relative, "device file, pipe or socket")
            return None
        return Entry(child.path, relative, folder, name, info.st_size)

    def _link(self, child: os.DirEntry[str], name: str, folder: str, relative: str) -> Entry | None:
        target = os.path.realpath(child.path)
        inside = target.startswith(self.real_root + os.sep)
        try:
            info = os.stat(target) if inside else None
        except OSError:
            info = None
        if not inside:
            self.skips.add(relative, "symbolic link pointing outside the tree")
        elif info is None:
            self.skips.add(relative, "broken or looping symbolic link")
        elif stat.S_ISDIR(info.st_mode):
            self.skips.add(relative, "symbolic link to a folder: not followed")
        elif not stat.S_ISREG(info.st_mode):
            self.skips.add(relative, "symbolic link to a device file, pipe or socket")
        else:
            return Entry(target, relative, folder, name, info.st_size, link=True)
        return None


class Reader:
    """Bounded reads of regular files, within a total budget for the whole analysis."""

    def __init__(self, limits: Limits, skips: Skips) -> None:
        self.limits = limits
        self.skips = skips
        self.bytes_read = 0
        self.exhausted = False

    def read(self, entry: Entry, limit: int) -> bytes | None:
        """At most ``limit`` bytes of the file, or None when it cannot or may not be read."""
        budget = self.limits.max_total_read_bytes - self.bytes_read
        if budget <= 0:
            if not self.exhausted:
                self.exhausted = True
                self.skips.add(
                    entry.relative,
                    f"read budget of {self.limits.max_total_read_bytes} bytes spent: "
                    "this and the remaining files were not read",
                )
            return None
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(entry.path, flags)
        except OSError as error:
            self.skips.add(entry.relative, f"cannot be opened: {error.strerror}")
            return None
        try:
            # The file may have been swapped for a pipe since the walk saw it.
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                self.skips.add(entry.relative, "not a regular file when opened")
                return None
            wanted = min(limit, budget)
            chunks: list[bytes] = []
            got = 0
            while got < wanted:
                chunk = os.read(fd, min(wanted - got, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                got += len(chunk)
        except OSError as error:
            self.skips.add(entry.relative, f"cannot be read: {error.strerror}")
            return None
        finally:
            os.close(fd)
        self.bytes_read += got
        return b"".join(chunks)
