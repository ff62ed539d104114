"""From a downloaded archive to a verdict: unpack, analyse, validate, score. Pure Python.

The Django pipeline (:mod:`communs.analysis.pipeline`) downloads and stores; everything
between is here, so that it runs and is tested without a database:

    verdict = examine_archive(Path("repo.tar.gz"), Path("work"), fields={"license": "MIT"})
    verdict.status, verdict.reason, verdict.scores["codegouv"].total

A verdict's ``status`` is ``analysed`` when the tree was read (a partial read says why
in ``reason``), ``skipped`` when there was nothing worth reading (an empty or
binary-only tree, an archive bomb) and ``failed`` for a damaged archive.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from communs.analysis.archives import ArchiveBomb, ArchiveError, safe_extract
from communs.analysis.licensing import LicenseCache
from communs.analysis.limits import Limits
from communs.analysis.model import Analysis, Skipped
from communs.analysis.tree import analyse_tree
from communs.scoring import Score, all_scores

ANALYSED = "analysed"
SKIPPED = "skipped"
FAILED = "failed"

# Reasons of analyse_tree that mean "nothing to read": the repository is skipped.
_NOTHING_TO_READ = ("not a readable folder", "empty:", "binary only:")


@dataclass
class Verdict:
    """What one repository's archive gave: status, reason, analysis, publiccode, scores."""

    status: str
    reason: str = ""
    analysis: Analysis | None = None
    publiccode: dict[str, Any] | None = None
    scores: dict[str, Score] = field(default_factory=dict)

    @property
    def publiccode_valid(self) -> bool | None:
        return self.publiccode.get("valid") if self.publiccode else None


def publiccode_verdict(root: Path, analysis: Analysis) -> dict[str, Any] | None:
    """The validator's verdict on the tree's publiccode.yml, or None without one.

    ``{"file", "valid", "results": [...]}``; ``valid`` is None when the file could not
    be read. Relative paths in it (logo) are read from the tree; no network.
    """
    from communs.publiccode import validate
    from communs.publiccode.yamltree import MAX_BYTES

    paths = analysis.files.get("publiccode") or []
    if not paths:
        return None
    path = root / paths[0]
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        return {"file": paths[0], "valid": None, "error": error.strerror, "results": []}
    report = validate(data, base_url=str(root))
    verdict: dict[str, Any] = {
        "file": paths[0],
        "valid": report.valid,
        "version": report.version,
        "results": [result.to_dict() for result in report.results],
    }
    if report.valid:
        verdict["summary"] = publiccode_summary(data)
    return verdict


# What a catalogue entry proposed from a valid publiccode.yml starts from.
_SUMMARY_KEYS = ("name", "url", "landingURL", "softwareType", "developmentStatus", "logo")
_SUMMARY_LISTS = ("platforms", "categories")


def publiccode_summary(data: bytes) -> dict[str, Any]:
    """The fields of a valid publiccode.yml a catalogue entry starts from: name, URLs,
    type, status, licence, platforms, categories, and each language's short description."""
    from communs.publiccode import yamltree

    try:
        root = yamltree.parse(data)
    except yamltree.YamlFailure:
        return {}
    if root is None or root.kind != yamltree.MAPPING:
        return {}

    def scalar(node: Any) -> str | None:
        return node.text[:500] if node is not None and node.kind == yamltree.SCALAR else None

    def value(parent: Any, key: str) -> Any:
        found = parent.get(key) if parent is not None and parent.kind == yamltree.MAPPING else None
        return found[1] if found else None

    summary: dict[str, Any] = {key: scalar(value(root, key)) for key in _SUMMARY_KEYS}
    summary["license"] = scalar(value(value(root, "legal"), "license"))
    for key in _SUMMARY_LISTS:
        node = value(root, key)
        items = node.items if node is not None and node.kind == yamltree.SEQUENCE else []
        summary[key] = [text for item in items[:50] if (text := scalar(item))]
    descriptions = value(root, "description")
    summary["short_descriptions"] = {
        language.text[:35]: text
        for language, node in (
            descriptions.pairs[:30]
            if descriptions is not None and descriptions.kind == yamltree.MAPPING
            else []
        )
        if (text := scalar(value(node, "shortDescription")))
    }
    return summary


def tree_root(folder: Path) -> Path:
    """The folder an archive's tree starts in: forges wrap it in one top folder
    (``owner-name-sha/``), which is not part of the repository."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return folder
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0]
    return folder


def scores_of(
    fields: Mapping[str, Any], analysis: Analysis | None, publiccode_valid: bool | None
) -> dict[str, Score]:
    """Every score of a repository: its forge fields plus what the analysis found."""
    record = dict(fields)
    record["analysis"] = analysis
    record["publiccode_valid"] = publiccode_valid
    return all_scores(record)


def examine_archive(
    archive: Path,
    work: Path,
    *,
    fields: Mapping[str, Any],
    limits: Limits | None = None,
    now: datetime | None = None,
    cache: LicenseCache | None = None,
    history: Callable[[Path], str | None] | None = None,
) -> Verdict:
    """Unpack ``archive`` under ``work`` (removed afterwards), analyse and score it.

    ``fields`` are the repository's forge fields the scores read (``license``,
    ``description``, ``is_fork``…); ``license`` is also compared with the licence files.
    ``history``, when given, is called with the tree's root before the analysis to put a
    git history at ``root/.git`` (an archive has none); it returns None, or why it could
    not, which the analysis lists among what it skipped. Never raises on a bad archive
    or tree: the verdict says why.
    """
    limits = limits or Limits()
    folder = work / "tree"
    try:
        try:
            safe_extract(archive, folder, limits)
        except ArchiveBomb as error:
            return _without_tree(SKIPPED, f"archive refused: {error}", fields)
        except ArchiveError as error:
            return _without_tree(FAILED, f"archive unreadable: {error}", fields)
        root = tree_root(folder)
        # A forge's archive never holds ".git"; one that does would forge a history.
        _remove(root / ".git")
        missing_history = history(root) if history is not None else None
        declared = str(fields.get("license") or "") or None
        analysis = analyse_tree(
            root, limits=limits, declared_license=declared, now=now, cache=cache
        )
        # The work folder's name means nothing to a reader of the stored analysis.
        analysis.root = ""
        if missing_history:
            analysis.skipped.append(Skipped(".git", f"history not read: {missing_history}"))
        publiccode = publiccode_verdict(root, analysis)
        status = ANALYSED
        if analysis.reason and analysis.reason.startswith(_NOTHING_TO_READ):
            status = SKIPPED
        valid = publiccode.get("valid") if publiccode else None
        return Verdict(
            status,
            analysis.reason or "",
            analysis,
            publiccode,
            scores_of(fields, analysis, valid),
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def _without_tree(status: str, reason: str, fields: Mapping[str, Any]) -> Verdict:
    return Verdict(status, reason, None, None, scores_of(fields, None, None))
