"""The analysis pipeline: download each repository's archive, examine it, store the verdict.

    from communs.analysis.pipeline import analyse_pending
    result = analyse_pending(forges=["github.com"])   # what `communs analyse` runs
    result.counts["analysed"], result.failed

Which repositories: :func:`pending` selects those never analysed, those whose
``pushed_at`` or ``content_changed_at`` moved since their analysis, and those whose last
attempt *failed* (a forge error may pass; a *skipped* one waits for its content to move).
Repositories gone from their forge are left alone.

How: archives are downloaded a few at a time per forge host (the forge adapters'
``archive_url``, through :class:`~communs.forges.http.ForgeClient`: retries, tokens,
bounded bodies), each within ``max_archive_bytes`` and ``timeout`` seconds; too large
is *skipped* with the reason, a forge error or a timeout *failed*. Each archive is then
unpacked into a temporary folder, analysed and scored (:mod:`communs.analysis.examine`,
pure) and the verdict stored with the repository's dependencies in one transaction,
then the search entries of the batch are refreshed. The temporary folder is removed
whatever happens. Database work runs in the calling thread; only downloads run in the
event loop, one batch at a time.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from communs.analysis.examine import FAILED, SKIPPED, Verdict, examine_archive, scores_of
from communs.analysis.licensing import DEFAULT_CACHE, LicenseCache
from communs.analysis.limits import Limits
from communs.analysis.models import DeclaredDependency, RepositoryAnalysis
from communs.forges.errors import ForgeError, NotFound, NotSupported, TooLarge
from communs.forges.http import ForgeClient
from communs.forges.records import RepositoryRecord
from communs.forges.registry import ADAPTERS, adapter_class, adapter_kind
from communs.repositories.models import Repository
from communs.sources.models import Forge

# Repositories whose archives are fetched together before they are examined one by one.
BATCH_SIZE = 16


@dataclass(frozen=True)
class Options:
    """Bounds of a run; the defaults come from the settings."""

    max_archive_bytes: int = 0
    timeout: float = 0.0
    per_host: int = 0
    limits: Limits = field(default_factory=Limits)
    # Also clone the history (commits and tags only where the forge can filter), for the
    # activity and the vitality index: an archive has no history.
    history: bool = False

    @classmethod
    def from_settings(cls, **overrides: Any) -> Options:
        values = {
            "max_archive_bytes": settings.ANALYSIS_MAX_ARCHIVE_BYTES,
            "timeout": float(settings.ANALYSIS_TIMEOUT),
            "per_host": max(1, settings.ANALYSIS_PER_HOST),
            "history": settings.ANALYSIS_HISTORY,
        }
        return cls(**(values | overrides))


@dataclass
class ForgeSummary:
    """What a run did on one forge."""

    host: str
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    # A few reasons of failures, for the summary ("repository: why").
    failures: list[str] = field(default_factory=list)
    # Seconds per repository: its share of the batch's downloads, then unpacking,
    # analysing, scoring and storing it (for the benchmark).
    timings: list[float] = field(default_factory=list)
    # Seconds spent in each stage: "download", "examine" (unpack, history, analyse,
    # score), "store"; and each repository's seconds per stage, for medians.
    stages: Counter[str] = field(default_factory=Counter)
    stage_timings: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class AnalyseResult:
    """What a run did: per forge, in all, and whether it was interrupted."""

    forges: dict[str, ForgeSummary] = field(default_factory=dict)
    interrupted: bool = False

    @property
    def counts(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for summary in self.forges.values():
            total.update(summary.counts)
        return total

    @property
    def failed(self) -> int:
        return self.counts[FAILED]


# -- which repositories ------------------------------------------------------------------


def _moved(name: str) -> Q:
    """The repository's ``name`` date differs from the one its analysis was made from."""
    stored = f"analysis__{name}"
    return (
        Q(**{f"{name}__gt": F(stored)})
        | Q(**{f"{name}__lt": F(stored)})
        | Q(**{f"{name}__isnull": False, f"{stored}__isnull": True})
        | Q(**{f"{name}__isnull": True, f"{stored}__isnull": False})
    )


def pending(queryset: QuerySet[Repository] | None = None) -> QuerySet[Repository]:
    """Repositories to analyse: never analysed, content moved since, or last attempt failed."""
    queryset = Repository.objects.all() if queryset is None else queryset
    return queryset.filter(gone_since__isnull=True).filter(
        Q(analysis__isnull=True)
        | Q(analysis__status=RepositoryAnalysis.Status.FAILED)
        | _moved("pushed_at")
        | _moved("content_changed_at")
    )


def analyse_pending(
    forges: Sequence[str] = (),
    *,
    options: Options | None = None,
    tokens: dict[str, list[str]] | None = None,
    progress: Callable[[Repository, Verdict], None] | None = None,
    install_signals: bool = False,
    **client_options: Any,
) -> AnalyseResult:
    """Analyse the :func:`pending` repositories of ``forges`` (host keys; all when empty).

    What ``communs harvest`` may call once its forges are stored.
    """
    selection = Repository.objects.all()
    if forges:
        selection = selection.filter(forge__host__in=list(forges))
    return analyse_repositories(
        pending(selection),
        options=options,
        tokens=tokens,
        progress=progress,
        install_signals=install_signals,
        **client_options,
    )


# -- the run -----------------------------------------------------------------------------


class _Stop:
    """Set by SIGINT or SIGTERM: the run finishes the repository at hand and stops."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True


def analyse_repositories(
    repositories: QuerySet[Repository] | Iterable[Repository],
    *,
    options: Options | None = None,
    tokens: dict[str, list[str]] | None = None,
    progress: Callable[[Repository, Verdict], None] | None = None,
    install_signals: bool = False,
    now: datetime | None = None,
    cache: LicenseCache | None = None,
    **client_options: Any,
) -> AnalyseResult:
    """Analyse these repositories whatever their dates, and store each verdict.

    ``client_options`` go to :class:`ForgeClient` (tests pass ``sleep``); ``tokens``
    maps API hosts to tokens, as for a harvest. With ``install_signals`` (a command in
    the main thread), SIGINT and SIGTERM end the run after the current repository.
    """
    options = options or Options.from_settings()
    cache = cache or DEFAULT_CACHE
    result = AnalyseResult()
    stop = _Stop()
    previous: list[tuple[int, Any]] = []
    if install_signals:
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous.append((signum, signal.signal(signum, stop)))
    if isinstance(repositories, QuerySet):
        repositories = repositories.select_related("forge").order_by("forge__host", "pk")
    try:
        with tempfile.TemporaryDirectory(prefix="communs-analysis-") as scratch:
            work = Path(scratch)
            for batch in _batches(repositories):
                if stop.requested:
                    result.interrupted = True
                    break
                started = time.monotonic()
                downloads = asyncio.run(
                    _download_batch(batch, work, options, tokens or {}, client_options)
                )
                fetched = time.monotonic() - started
                done_ids = []
                for repo, download in zip(batch, downloads, strict=True):
                    begun = time.monotonic()
                    verdict = _examine(repo, download, work, options, now, cache)
                    examined = time.monotonic()
                    share = fetched / len(batch) + examined - begun
                    store_verdict(repo, verdict, download, duration=share)
                    stored = time.monotonic()
                    summary = result.forges.setdefault(
                        repo.forge.host, ForgeSummary(repo.forge.host)
                    )
                    summary.counts[verdict.status] += 1
                    spent = share + stored - examined
                    summary.seconds += spent
                    summary.timings.append(spent)
                    for stage, seconds in (
                        ("download", fetched / len(batch)),
                        ("examine", examined - begun),
                        ("store", stored - examined),
                    ):
                        summary.stages[stage] += seconds
                        summary.stage_timings.setdefault(stage, []).append(seconds)
                    if verdict.status == FAILED and len(summary.failures) < 10:
                        summary.failures.append(f"{repo.full_path}: {verdict.reason}")
                    done_ids.append(repo.pk)
                    if progress is not None:
                        progress(repo, verdict)
                _reindex(done_ids)
    finally:
        for signum, handler in previous:
            signal.signal(signum, handler)
    return result


def _batches(repositories: Iterable[Repository]) -> Iterator[list[Repository]]:
    """Batches of repositories. A queryset is read as ids first: its rows are fetched a
    batch at a time, and what the run writes meanwhile (the analyses its filter may
    read) cannot move it under the reading cursor."""
    if isinstance(repositories, QuerySet):
        ids = list(repositories.values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start : start + BATCH_SIZE]
            rows = Repository.objects.select_related("forge").in_bulk(chunk)
            batch = [rows[pk] for pk in chunk if pk in rows]
            if batch:
                yield batch
        return
    batch: list[Repository] = []
    for repo in repositories:
        batch.append(repo)
        if len(batch) == BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class Download:
    """An archive on disk, or why there is none (``status`` skipped or failed)."""

    path: Path | None = None
    size: int | None = None
    status: str = ""
    reason: str = ""
    # The cloned history (a bare repository), or why there is none.
    history: Path | None = None
    history_error: str | None = None


def _record(repo: Repository) -> RepositoryRecord:
    return RepositoryRecord(
        full_path=repo.full_path,
        url=repo.url,
        native_id=repo.native_id,
        default_branch=repo.default_branch,
    )


async def _download_batch(
    batch: list[Repository],
    work: Path,
    options: Options,
    tokens: dict[str, list[str]],
    client_options: dict[str, Any],
) -> list[Download]:
    client_options = {"per_host": options.per_host, "max_attempts": 3} | client_options
    async with ForgeClient(tokens=tokens, **client_options) as client:
        adapters: dict[int, Any] = {}

        async def one(index: int, repo: Repository) -> Download:
            forge: Forge = repo.forge
            key = adapter_kind(forge.kind, forge.api_url)
            if key not in ADAPTERS:
                return Download(status=SKIPPED, reason=f"no adapter for forge kind {forge.kind!r}")
            if forge.pk not in adapters:
                adapters[forge.pk] = adapter_class(key)(client, forge.url, forge.api_url)
            adapter = adapters[forge.pk]
            why = adapter.why_not("fetch_archive")
            if why:
                return Download(status=SKIPPED, reason=why)
            dest = work / f"{repo.pk}.archive"
            try:
                got = await asyncio.wait_for(
                    adapter.fetch_archive(_record(repo), dest, options.max_archive_bytes),
                    options.timeout,
                )
            except TooLarge:
                return Download(
                    status=SKIPPED,
                    reason=f"archive larger than {options.max_archive_bytes} bytes",
                )
            except NotFound:
                return Download(
                    status=SKIPPED,
                    reason="no archive: the forge answers 404 (an empty repository?)",
                )
            except NotSupported as error:
                return Download(status=SKIPPED, reason=str(error))
            except TimeoutError:
                dest.unlink(missing_ok=True)
                return Download(
                    status=FAILED, reason=f"download took longer than {options.timeout:g} s"
                )
            except ForgeError as error:
                return Download(status=FAILED, reason=f"download failed: {error}")
            download = Download(path=got.path, size=got.size)
            if options.history:
                # Clones run beside the other downloads, a few per forge host at once.
                limit = clones.setdefault(forge.host, asyncio.Semaphore(options.per_host))
                git_dir = work / f"{repo.pk}.history"
                async with limit:
                    why = await clone_history_async(
                        clone_url(repo),
                        git_dir,
                        options.timeout,
                        repo.default_branch,
                        options.limits.max_history_bytes,
                    )
                if why is None:
                    download.history = git_dir
                else:
                    download.history_error = why
            return download

        clones: dict[str, asyncio.Semaphore] = {}
        return list(await asyncio.gather(*(one(i, repo) for i, repo in enumerate(batch))))


def _fields(repo: Repository) -> dict[str, Any]:
    """The repository's forge fields the scores read."""
    return {
        "license": repo.license,
        "description": repo.description,
        "is_fork": repo.is_fork,
        "is_archived": repo.is_archived,
        "is_template": repo.is_template,
        "forks": repo.forks,
        "watchers": repo.watchers,
        "root_files": repo.root_files or None,
    }


def _examine(
    repo: Repository,
    download: Download,
    work: Path,
    options: Options,
    now: datetime | None,
    cache: LicenseCache,
) -> Verdict:
    fields = _fields(repo)
    if download.path is None:
        return Verdict(download.status, download.reason, None, None, scores_of(fields, None, None))
    folder = work / f"{repo.pk}"
    history = None
    if options.history:

        def history(root: Path) -> str | None:
            if download.history is None:
                return download.history_error or "no history"
            shutil.move(download.history, root / ".git")
            return None

    try:
        return examine_archive(
            download.path,
            folder,
            fields=fields,
            limits=options.limits,
            now=now,
            cache=cache,
            history=history,
        )
    finally:
        download.path.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        if download.history is not None:
            shutil.rmtree(download.history, ignore_errors=True)


def clone_url(repo: Repository) -> str:
    """Where git clones the repository over HTTPS: the forge's web URL and the path,
    with ``.git`` (SourceHut's URLs take none)."""
    base = f"{repo.forge.url.rstrip('/')}/{repo.full_path}"
    return base if repo.forge.kind == "sourcehut" else f"{base}.git"


def _clone_command(url: str, git_dir: Path, branch: str) -> list[str]:
    return [
        "git",
        "-c", "protocol.allow=never",
        "-c", "protocol.https.allow=always",
        "-c", "protocol.http.allow=always",
        "-c", "http.lowSpeedLimit=1024",
        "-c", "http.lowSpeedTime=30",
        "clone", "--bare", "--quiet", "--filter=tree:0", "--single-branch",
        *(["--branch", branch] if branch and not branch.startswith("-") else []),
        "--", url, str(git_dir),
    ]  # fmt: skip


def _clone_env(git_dir: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(git_dir.parent),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
    }


def _clone_failure(git_dir: Path, returncode: int, stderr: bytes) -> str:
    shutil.rmtree(git_dir, ignore_errors=True)
    message = stderr.decode("utf-8", "replace").strip().splitlines()
    return f"git clone failed: {message[-1] if message else returncode}"[:300]


# How often the clone's watchdog looks at its folder, in seconds.
WATCH_INTERVAL = 0.1


def folder_bytes(folder: Path) -> int:
    """The bytes of the files under ``folder`` (links not followed; 0 when it is gone)."""
    total = 0
    for parent, _folders, names in os.walk(folder):
        for name in names:
            try:
                total += os.lstat(os.path.join(parent, name)).st_size
            except OSError:
                continue  # git renames its temporary files as it goes
    return total


def _too_large(max_bytes: int) -> str:
    return f"history larger than {max_bytes} bytes: the clone was stopped"


def _too_slow(timeout: float) -> str:
    return f"git clone took longer than {timeout:g} s"


def clone_history(
    url: str, git_dir: Path, timeout: float, branch: str = "", max_bytes: int = 0
) -> str | None:
    """Clone the history of ``url`` (one branch, its tags; no file contents where the
    server can filter) as a bare repository at ``git_dir``. None once done, else why not.

    git runs with no system or user configuration, HTTP(S) only, no prompt for
    credentials, within ``timeout`` seconds and, when ``max_bytes`` is set, until its
    folder holds that many bytes: git has no byte limit of its own, so a watchdog
    measures what it wrote and stops it. A stopped or failed clone leaves nothing behind.
    """
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(  # noqa: S603 - a fixed command; the URL comes after "--"
                _clone_command(url, git_dir, branch),
                env=_clone_env(git_dir),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        except OSError as error:
            return f"git cannot run: {error.strerror}"
        deadline = time.monotonic() + timeout
        why = None
        while why is None:
            try:
                process.wait(min(WATCH_INTERVAL, max(deadline - time.monotonic(), 0.001)))
                break
            except subprocess.TimeoutExpired:
                if max_bytes and folder_bytes(git_dir) > max_bytes:
                    why = _too_large(max_bytes)
                elif time.monotonic() >= deadline:
                    why = _too_slow(timeout)
        if why is not None:
            process.kill()
            process.wait()
            shutil.rmtree(git_dir, ignore_errors=True)
            return why
        if process.returncode:
            errors.seek(0)
            return _clone_failure(git_dir, process.returncode, errors.read(64 * 1024))
    if max_bytes and folder_bytes(git_dir) > max_bytes:
        # Finished between two looks, but over the budget all the same.
        shutil.rmtree(git_dir, ignore_errors=True)
        return _too_large(max_bytes)
    return None


async def clone_history_async(
    url: str, git_dir: Path, timeout: float, branch: str = "", max_bytes: int = 0
) -> str | None:
    """:func:`clone_history` in the event loop, so that a batch's clones run together."""
    try:
        process = await asyncio.create_subprocess_exec(
            *_clone_command(url, git_dir, branch),
            env=_clone_env(git_dir),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as error:
        return f"git cannot run: {error.strerror}"
    running = asyncio.ensure_future(process.communicate())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    why = None
    while why is None:
        done, _ = await asyncio.wait(
            {running}, timeout=min(WATCH_INTERVAL, max(deadline - loop.time(), 0.001))
        )
        if done:
            break
        if max_bytes and folder_bytes(git_dir) > max_bytes:
            why = _too_large(max_bytes)
        elif loop.time() >= deadline:
            why = _too_slow(timeout)
    if why is not None:
        process.kill()
        await running
        shutil.rmtree(git_dir, ignore_errors=True)
        return why
    _, stderr = running.result()
    if process.returncode:
        return _clone_failure(git_dir, process.returncode, stderr or b"")
    if max_bytes and folder_bytes(git_dir) > max_bytes:
        shutil.rmtree(git_dir, ignore_errors=True)
        return _too_large(max_bytes)
    return None


# -- storing -----------------------------------------------------------------------------


def _split_purl(purl: str) -> tuple[str, str, str] | None:
    from packageurl import PackageURL

    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return None
    return parsed.type, parsed.namespace or "", parsed.name


def _dependency_rows(repo: Repository, verdict: Verdict) -> list[DeclaredDependency]:
    if verdict.analysis is None:
        return []
    rows: list[DeclaredDependency] = []
    seen: set[tuple[str, str, str, str]] = set()
    for dependency in verdict.analysis.dependencies:
        parts = _split_purl(dependency.purl)
        if parts is None:
            continue
        purl_type, namespace, name = parts
        key = (purl_type, namespace, name, dependency.manifest)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            DeclaredDependency(
                repository=repo,
                purl_type=purl_type[:32],
                namespace=namespace[:255],
                name=name[:255],
                constraint=dependency.constraint[:255],
                scope=dependency.scope[:16],
                manifest=dependency.manifest[:500],
            )
        )
    return rows


def store_verdict(
    repo: Repository, verdict: Verdict, download: Download | None = None, *, duration: float = 0.0
) -> RepositoryAnalysis:
    """Store ``verdict`` as the repository's analysis and its dependencies, in one transaction."""
    analysis = verdict.analysis
    files = analysis.license.files if analysis else ()
    confidences = [item.confidence for item in files if item.spdx != "NOASSERTION"]
    scores = verdict.scores
    values = {
        "status": verdict.status,
        "reason": verdict.reason,
        "analysis": analysis.to_dict() if analysis else None,
        "license_expression": (analysis.license.expression if analysis else "")[:200],
        "license_confidence": min(confidences) if confidences else None,
        "license_mismatch": analysis.license.mismatch if analysis else None,
        "scores": {name: score.to_dict() for name, score in scores.items()},
        "codegouv_score": scores["codegouv"].total if "codegouv" in scores else None,
        "vitality": _known_total(scores.get("vitality")),
        "readiness": scores["readiness"].total if "readiness" in scores else None,
        "has_publiccode": analysis.has("publiccode") if analysis else None,
        "has_contributing": analysis.has("contributing") if analysis else None,
        "publiccode_valid": verdict.publiccode_valid,
        "publiccode": verdict.publiccode,
        "pushed_at": repo.pushed_at,
        "content_changed_at": repo.content_changed_at,
        "archive_bytes": download.size if download else None,
        "analysed_at": timezone.now(),
        "duration_ms": duration * 1000,
    }
    with transaction.atomic():
        stored, _ = RepositoryAnalysis.objects.update_or_create(repository=repo, defaults=values)
        DeclaredDependency.objects.filter(repository=repo).delete()
        DeclaredDependency.objects.bulk_create(_dependency_rows(repo, verdict))
    return stored


def _known_total(score: Any) -> int | None:
    if score is None or not getattr(score, "known", True):
        return None
    return int(score.total)


def _reindex(ids: list[int]) -> None:
    if not ids:
        return
    from communs.search.indexing import index_repositories

    index_repositories(ids)


# -- reporting ---------------------------------------------------------------------------


def summary(result: AnalyseResult) -> str:
    """A table of what the run did per forge, and the totals (for `communs analyse` and
    for `communs harvest` when it analyses after harvesting)."""
    headers = [
        _("forge"),
        _("analysed"),
        _("skipped"),
        _("failed"),
        _("time"),
    ]
    rows = [
        [
            forge.host,
            str(forge.counts["analysed"]),
            str(forge.counts["skipped"]),
            str(forge.counts["failed"]),
            f"{forge.seconds:.1f} s",
        ]
        for forge in result.forges.values()
    ]
    counts = result.counts
    rows.append(
        [
            _("total"),
            str(counts["analysed"]),
            str(counts["skipped"]),
            str(counts["failed"]),
            f"{sum(f.seconds for f in result.forges.values()):.1f} s",
        ]
    )
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
