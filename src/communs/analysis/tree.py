"""``analyse_tree``: one bounded pass over a source tree, and everything read from it.

One walk visits every file once. From the name alone: community files, languages (by
size, from the file system, without reading), manifests. From the first bytes of each
text file: the REUSE header and committed secrets. Licence files and manifests are then
read in full, within their bounds. The history comes from ``git`` when the folder is a
checkout. Nothing is written anywhere; the result says what was skipped and why.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from communs.analysis import licensing, reuse, secrets
from communs.analysis.activity import ActivityError, is_checkout, read_activity
from communs.analysis.conventions import community_kind, is_generated, is_licence_file
from communs.analysis.languages import language_of
from communs.analysis.licensing import NOASSERTION, LicenseCache
from communs.analysis.limits import Limits
from communs.analysis.manifests import ManifestError, parser_for
from communs.analysis.model import (
    FILE_KINDS,
    Analysis,
    Dependency,
    DetectedLicense,
    LicenseFile,
    SecretFinding,
)
from communs.analysis.walk import Entry, Reader, Skips, Walk

_BINARY_PROBE = 8192


def _kind_order(path: str) -> tuple[int, str]:
    # The root's file first, then .github/, docs/ and the rest.
    return (path.count("/"), path.lower())


def _detect_license(
    texts: list[tuple[str, bytes, bool]],
    reuse_ids: list[str],
    declared: str | None,
    cache: LicenseCache,
) -> DetectedLicense:
    files: list[LicenseFile] = []
    for path, data, truncated in texts:
        spdx, confidence, method, candidate = licensing.identify_text(
            data.decode("utf-8", "replace"), cache=cache
        )
        files.append(LicenseFile(path, spdx, confidence, method, candidate, truncated))
    # A REUSE tree may have no LICENSE file, only LICENSES/<id>.txt: the names say it.
    if not files:
        for path in reuse_ids:
            stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            spdx = licensing.normalise_expression(stem)
            if spdx:
                files.append(LicenseFile(path, spdx, 1.0, "filename"))
    expression = licensing.join_expressions(item.spdx for item in files)
    if files and not expression:
        expression = NOASSERTION
    return DetectedLicense(
        expression=expression,
        files=tuple(files),
        osi_approved=licensing.osi_approved(expression),
        fsf_libre=licensing.fsf_libre(expression),
        declared=declared,
        mismatch=licensing.license_mismatch(declared, expression),
    )


def analyse_tree(
    root: Path,
    *,
    limits: Limits | None = None,
    declared_license: str | None = None,
    now: datetime | None = None,
    cache: LicenseCache | None = None,
) -> Analysis:
    """Analyse the source tree at ``root``: a folder, a checkout or an unpacked archive.

    ``declared_license`` is the forge's licence (an SPDX id), compared with what the
    licence files say; ``now`` (default: the current time) anchors the history windows;
    ``cache`` the licence verdicts (default: one shared by the process). Never raises on
    a bad tree: an unreadable root, an empty or binary-only tree, a bound reached are
    said in ``Analysis.reason`` and ``Analysis.skipped``.
    """
    limits = limits or Limits()
    cache = cache or licensing.DEFAULT_CACHE
    started = time.monotonic()
    analysis = Analysis(root=str(root))
    if not root.is_dir() or not os.access(root, os.R_OK | os.X_OK):
        analysis.reason = "not a readable folder"
        return analysis

    skips = Skips(limits.max_listed)
    walk = Walk(str(root), limits, started + limits.time_budget, skips)
    reader = Reader(limits, skips)
    stats = analysis.stats
    files: dict[str, list[str]] = {kind: [] for kind in FILE_KINDS}
    languages: Counter[str] = Counter()
    licence_texts: list[tuple[str, bytes, bool]] = []
    manifests: list[tuple[Entry, bytes]] = []
    reuse_files: list[tuple[str, bool]] = []
    reuse_ids: list[str] = []
    sidecars: set[str] = set()
    reuse_toml: str | None = None
    dep5: str | None = None

    for entry in walk:
        stats.files += 1
        kind = community_kind(entry.folder, entry.name)
        if kind:
            files[kind].append(entry.relative)
        generated = is_generated(entry.name)
        if generated:
            stats.vendored_files += 1
        elif not entry.link:
            language = language_of(entry.name)
            if language:
                languages[language] += entry.size
        parse = parser_for(entry.folder, entry.name) if not generated else None
        if entry.size == 0:
            # Nothing to read; an empty licence file still says "a licence, unknown".
            # REUSE leaves empty files alone too.
            if kind == "license":
                licence_texts.append((entry.relative, b"", False))
            continue
        limit = limits.max_file_bytes
        data = reader.read(entry, limit)
        if data is None:
            continue
        if entry.size > limit and kind != "license":
            skips.add(entry.relative, f"larger than {limit} bytes: only the first {limit} read")
        binary = b"\0" in data[:_BINARY_PROBE]
        if binary:
            stats.binary_files += 1
        else:
            stats.text_files += 1
        if kind == "license":
            cut = data[: limits.max_licence_bytes]
            truncated = entry.size > limits.max_licence_bytes
            if truncated:
                skips.add(
                    entry.relative,
                    f"licence file larger than {limits.max_licence_bytes} bytes: "
                    "only its start was matched",
                )
            licence_texts.append((entry.relative, cut, truncated))
        if parse is not None and not binary:
            if len(manifests) < limits.max_manifests:
                manifests.append((entry, data[: limits.max_manifest_bytes]))
            else:
                skips.add(entry.relative, f"more than {limits.max_manifests} manifests")
        lowered = entry.relative.lower()
        if lowered == "reuse.toml":
            reuse_toml = data.decode("utf-8", "replace")
        elif lowered == ".reuse/dep5":
            dep5 = data.decode("utf-8", "replace")
        if entry.folder == "LICENSES":
            reuse_ids.append(entry.relative)
        elif entry.name.endswith(".license"):
            sidecars.add(entry.relative[: -len(".license")])
        elif not (entry.link or generated or is_licence_file(entry.relative)) and lowered not in {
            "reuse.toml",
            ".reuse/dep5",
        }:
            reuse_files.append(
                (entry.relative, not binary and reuse.has_header(data[: limits.header_bytes]))
            )
        if not binary and not entry.link:
            for line, secret_kind in secrets.scan(entry.name, data):
                if len(analysis.secrets) < limits.max_listed:
                    analysis.secrets.append(SecretFinding(entry.relative, line, secret_kind))

    stats.folders = walk.folders
    analysis.files = {kind: sorted(paths, key=_kind_order) for kind, paths in files.items()}
    analysis.languages = dict(sorted(languages.items(), key=lambda item: (-item[1], item[0])))
    licence_texts.sort(key=lambda item: _kind_order(item[0]))
    analysis.license = _detect_license(licence_texts, sorted(reuse_ids), declared_license, cache)
    analysis.dependencies = _dependencies(manifests, limits, skips)
    analysis.reuse = reuse.compliance(
        reuse_files,
        sidecars=sidecars,
        licenses_folder=bool(reuse_ids) or (root / "LICENSES").is_dir(),
        reuse_toml=reuse_toml,
        dep5=dep5,
        max_listed=limits.max_listed,
    )
    if is_checkout(root):
        try:
            analysis.activity = read_activity(root, now=now or datetime.now(UTC), limits=limits)
        except ActivityError as error:
            skips.add(".git/", f"history not read: {error}")

    stats.bytes_read = reader.bytes_read
    analysis.skipped = skips.items
    analysis.skipped_more = skips.more
    if walk.stopped:
        analysis.reason = walk.stopped
    elif stats.files == 0:
        analysis.reason = "empty: no file to analyse"
    elif stats.text_files == 0 and stats.binary_files > 0:
        analysis.reason = "binary only: no text file to read"
    stats.seconds = time.monotonic() - started
    return analysis


def _dependencies(
    manifests: list[tuple[Entry, bytes]], limits: Limits, skips: Skips
) -> list[Dependency]:
    found: list[Dependency] = []
    seen: set[tuple[str, str, str]] = set()
    for entry, data in manifests:
        parse = parser_for(entry.folder, entry.name)
        if parse is None:
            continue
        try:
            parsed = parse(data.decode("utf-8", "replace"), entry.relative)
        except ManifestError as error:
            skips.add(entry.relative, f"manifest not read: {error}")
            continue
        except RecursionError:
            skips.add(entry.relative, "manifest not read: nested too deeply")
            continue
        for dependency in parsed:
            key = (dependency.purl, dependency.scope, dependency.manifest)
            if key in seen:
                continue
            if len(found) >= limits.max_dependencies:
                skips.add(entry.relative, f"more than {limits.max_dependencies} dependencies")
                return found
            seen.add(key)
            found.append(dependency)
    return found
