"""REUSE compliance (reuse.software): does every file say under which licence it is?

The walk reports, for each file it considers, whether an ``SPDX-License-Identifier:``
appears in its first bytes; this module adds the other two ways REUSE lets a file be
covered, a ``FILE.license`` sidecar and a bulk declaration: ``REUSE.toml`` annotations
(globs where ``*`` stays within a folder and ``**`` crosses folders) or the older
``.reuse/dep5`` (Debian copyright format, where ``*`` matches anything, slashes too).
A bulk declaration that cannot be read covers nothing.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import lru_cache

from communs.analysis.model import Reuse

_HEADER = re.compile(rb"SPDX-License-Identifier:[ \t]*\S")


def has_header(head: bytes) -> bool:
    return _HEADER.search(head) is not None


@lru_cache(maxsize=1024)
def _glob(pattern: str, dep5: bool) -> re.Pattern[str]:
    out = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            if pattern.startswith("**", index):
                out.append(".*")
                index += 2
                continue
            out.append(".*" if dep5 else "[^/]*")
        elif char == "?":
            out.append("." if dep5 else "[^/]")
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out) + r"\Z")


def toml_globs(text: str) -> list[str]:
    """The path globs of a ``REUSE.toml`` that declare a licence."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    globs: list[str] = []
    annotations = data.get("annotations")
    for annotation in annotations if isinstance(annotations, list) else []:
        if not isinstance(annotation, dict) or not annotation.get("SPDX-License-Identifier"):
            continue
        paths = annotation.get("path")
        if isinstance(paths, str):
            globs.append(paths)
        elif isinstance(paths, list):
            globs.extend(path for path in paths if isinstance(path, str))
    return globs


def dep5_globs(text: str) -> list[str]:
    """The ``Files:`` globs of the ``.reuse/dep5`` paragraphs that carry a ``License:``."""
    globs: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        files = re.search(r"^Files:(.*(?:\n[ \t].*)*)", paragraph, re.MULTILINE)
        if files and re.search(r"^License:\s*\S", paragraph, re.MULTILINE):
            globs.extend(files.group(1).split())
    return globs


def compliance(
    files: Iterable[tuple[str, bool]],
    *,
    sidecars: set[str],
    licenses_folder: bool,
    reuse_toml: str | None,
    dep5: str | None,
    max_listed: int,
) -> Reuse:
    """The REUSE verdict for ``(path, has_header)`` pairs of the files considered.

    ``sidecars`` holds the paths that have a ``.license`` file next to them;
    ``reuse_toml`` and ``dep5`` the text of those files when the tree has them.
    """
    patterns = [_glob(glob, dep5=False) for glob in toml_globs(reuse_toml or "")]
    patterns += [_glob(glob, dep5=True) for glob in dep5_globs(dep5 or "")]
    considered = with_header = covered = 0
    uncovered: list[str] = []
    for path, header in files:
        considered += 1
        with_header += header
        if header or path in sidecars or any(p.match(path) for p in patterns):
            covered += 1
        elif len(uncovered) < max_listed:
            uncovered.append(path)
    return Reuse(
        licenses_folder=licenses_folder,
        dep5=dep5 is not None,
        reuse_toml=reuse_toml is not None,
        files_considered=considered,
        files_with_header=with_header,
        files_covered=covered,
        uncovered=tuple(uncovered),
    )
