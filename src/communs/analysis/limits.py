"""The bounds every analysis and every archive extraction stays within.

A source tree comes from a stranger: a forge archive, a clone, a folder someone points
at. Each bound below turns a hostile or merely huge input (a million files, a 50 MB
licence, a zip bomb, a symlink loop) into a result that says what was left out, in
bounded time and memory, instead of a crash or a full disk.
"""

from __future__ import annotations

from dataclasses import dataclass

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds for :func:`~communs.analysis.analyse_tree` and :func:`safe_extract`.

    Reading: no file is read past ``max_file_bytes`` (licence files past
    ``max_licence_bytes``, manifests past ``max_manifest_bytes``) and all reads together
    stop at ``max_total_read_bytes``; what was cut is listed in ``Analysis.skipped``.
    Walking: at most ``max_entries`` files and folders, ``max_depth`` levels, and
    ``time_budget`` seconds; past one of them the walk stops and ``Analysis.reason``
    says which. History: each ``git`` command gets ``git_timeout`` seconds and reads at
    most ``max_commits`` commits; a clone of the history stops once its folder holds
    ``max_history_bytes`` (the pipeline's watchdog). Archives: see
    :mod:`communs.analysis.archives`.
    """

    max_entries: int = 50_000
    max_depth: int = 48
    max_file_bytes: int = 1 * MIB
    max_licence_bytes: int = 256 * KIB
    max_manifest_bytes: int = 1 * MIB
    max_total_read_bytes: int = 64 * MIB
    # REUSE headers count only near the top of a file, as the specification's tools do.
    header_bytes: int = 4 * KIB
    max_manifests: int = 500
    max_dependencies: int = 20_000
    # Lists in the result (skipped entries, secrets) keep this many items and a count.
    max_listed: int = 200
    time_budget: float = 30.0
    git_timeout: float = 20.0
    max_commits: int = 200_000
    # A commits-only clone of a large project (150,000 commits) takes about this much.
    max_history_bytes: int = 64 * MIB
    # Archives: members, bytes once unpacked (all and per member), and the ratio of
    # unpacked to packed bytes beyond which an archive is taken for a bomb.
    max_archive_members: int = 50_000
    max_archive_bytes: int = 1024 * MIB
    max_member_bytes: int = 256 * MIB
    max_compression_ratio: float = 200.0
