"""The pipeline against the forge emulator: real archives downloaded, analysed, stored;
only moved repositories analysed again; bad archives stored with their reason."""

from __future__ import annotations

import gzip
import io
import random
import subprocess
import tarfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from communs.analysis.limits import Limits
from communs.analysis.models import DeclaredDependency, RepositoryAnalysis
from communs.analysis.pipeline import (
    Options,
    analyse_pending,
    analyse_repositories,
    clone_history,
    clone_url,
    pending,
)
from communs.emulator import EmulatorServer
from communs.repositories.models import Repository
from communs.repositories.storage import upsert_repositories
from communs.search.models import RepositoryEntry
from communs.sources.models import Forge

from .conftest import NOW, load_world, small_world
from .conftest import no_sleep as _no_sleep

pytestmark = pytest.mark.django_db


def run(**options: object) -> object:
    options.setdefault("sleep", _no_sleep)
    return analyse_pending(**options)  # type: ignore[arg-type]


def test_it_analyses_every_emulated_repository_and_stores_what_it_found(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world()
    server = serve(world)
    load_world(server, world, tmp_path)
    total = Repository.objects.count()

    result = run()

    assert result.counts == {"analysed": total}
    assert result.failed == 0
    stored = {a.repository_id: a for a in RepositoryAnalysis.objects.select_related("repository")}
    assert len(stored) == total
    for analysis in stored.values():
        repo = analysis.repository
        assert analysis.status == "analysed"
        assert analysis.pushed_at == repo.pushed_at
        assert analysis.analysis["files"]["readme"] == ["README.md"]
        # The emulator's LICENSE names the record's licence: no mismatch when it has one.
        if repo.license and repo.license != "NOASSERTION":
            assert analysis.license_mismatch is False, (repo.license, analysis.license_expression)
        assert analysis.codegouv_score == analysis.scores["codegouv"]["total"]
        rows = analysis.scores["codegouv"]["rows"]
        assert sum(row["points"] for row in rows) == analysis.codegouv_score
        assert analysis.archive_bytes and analysis.archive_bytes > 100
        # The history cloned beside the archive gives the activity and the vitality index.
        activity = analysis.analysis["activity"]
        assert activity is not None, analysis.analysis["skipped"]
        assert datetime.fromisoformat(activity["first_commit_at"]) <= repo.pushed_at
        assert analysis.scores["vitality"]["known"] is True
        assert analysis.vitality == analysis.scores["vitality"]["total"]
        has_publiccode = bool(analysis.analysis["files"]["publiccode"])
        assert analysis.has_publiccode is has_publiccode
        assert (analysis.publiccode is not None) is has_publiccode
        if has_publiccode:
            assert analysis.publiccode_valid is not None
    # Dependencies are split from their package URLs, one row per declared package.
    declared = {(d.repository_id, d.purl) for d in DeclaredDependency.objects.all()}
    expected = {
        (pk, dep["purl"].split("@")[0])
        for pk, a in stored.items()
        for dep in a.analysis["dependencies"]
    }
    assert declared and {(pk, purl) for pk, purl in declared} >= {
        (pk, purl) for pk, purl in expected if "%" not in purl
    }
    # The search entries follow the stored analysis.
    entries = {e.pk: e for e in RepositoryEntry.objects.all()}
    for pk, analysis in stored.items():
        assert entries[pk].codegouv_score == analysis.codegouv_score
        assert entries[pk].has_publiccode is analysis.has_publiccode
        assert entries[pk].publiccode_valid is analysis.publiccode_valid


def test_the_history_counts_the_commits_of_the_last_year(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world(8)
    load_world(serve(world), world, tmp_path)

    analyse_repositories(
        Repository.objects.all(),
        options=Options.from_settings(history=True),
        now=NOW,
        sleep=_no_sleep,
    )

    for analysis in RepositoryAnalysis.objects.select_related("repository"):
        activity = analysis.analysis["activity"]
        pushed = analysis.repository.pushed_at
        assert pushed is not None
        if pushed >= NOW - timedelta(days=365):
            assert activity["commits_365d"] >= 1
            assert datetime.fromisoformat(activity["last_commit_at"]) <= pushed
        assert activity["authors_365d"] <= activity["commits_365d"]
        assert analysis.vitality is not None and 0 < analysis.vitality <= 100


def test_it_analyses_again_only_the_repositories_whose_push_date_moved(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world()
    server = serve(world)
    forges = load_world(server, world, tmp_path)
    run()
    first = dict(RepositoryAnalysis.objects.values_list("repository_id", "analysed_at"))

    assert not pending().exists()
    assert run().counts == {}

    touched = world.touch(0.25, seed=1)
    for name, forge_world in world.forges.items():
        upsert_repositories(
            forges[name], [forge_world.record(i) for i in forge_world.all()], harvested=True
        )
    moved = set(
        Repository.objects.filter(full_path__in=[path for _, path in touched]).values_list(
            "pk", flat=True
        )
    )
    assert set(pending().values_list("pk", flat=True)) == moved

    result = run()

    assert result.counts == {"analysed": len(moved)}
    after = dict(RepositoryAnalysis.objects.values_list("repository_id", "analysed_at"))
    assert {pk for pk in after if after[pk] != first[pk]} == moved


def test_it_skips_an_archive_over_the_size_bound_and_says_why(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world(6)
    server = serve(world)
    load_world(server, world, tmp_path)

    result = run(options=Options(max_archive_bytes=50, timeout=30, per_host=2))

    assert result.counts == {"skipped": Repository.objects.count()}
    for analysis in RepositoryAnalysis.objects.all():
        assert analysis.status == "skipped"
        assert analysis.reason == "archive larger than 50 bytes"
        assert analysis.analysis is None
        # The score from the forge's fields alone is still stored and explained.
        assert analysis.scores["codegouv"]["rows"]
    # Skipped repositories wait for their content to move.
    assert not pending().exists()


def test_it_records_a_forge_that_cannot_be_reached_as_failed_and_retries_it(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world(6)
    server = serve(world)
    load_world(server, world, tmp_path)
    server.stop()

    result = run()

    assert result.failed == Repository.objects.count()
    reasons = set(RepositoryAnalysis.objects.values_list("reason", flat=True))
    assert all(reason.startswith("download failed:") for reason in reasons), reasons
    assert pending().count() == Repository.objects.count()


# -- bad archives, served by a small real HTTP server ---------------------------------------


class ArchiveServer:
    """Serves ``archives[path] = bytes`` over HTTP, like a Gitea's web archive route."""

    def __init__(self) -> None:
        self.archives: dict[str, bytes] = {}
        archives = self.archives

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the standard library's name
                body = archives.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def archives() -> Iterator[ArchiveServer]:
    server = ArchiveServer()
    yield server
    server.stop()


def tar_gz(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def member(name: str, data: bytes = b"", **fields: object) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in fields.items():
        setattr(info, key, value)
    return info, data


def zero_bomb(size: int) -> bytes:
    """A tar.gz of one file of ``size`` zero bytes, written without holding it."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=1) as packed:
        info = tarfile.TarInfo("repo-main/zeros.bin")
        info.size = size
        packed.write(info.tobuf(format=tarfile.GNU_FORMAT))
        chunk = bytes(1024 * 1024)
        for _ in range(size // len(chunk)):
            packed.write(chunk)
        packed.write(bytes(2 * 512 + (-size) % 512))
    return buffer.getvalue()


def licence_of(size: int) -> bytes:
    """Licence-like text of ``size`` bytes that compresses about as well as prose does
    (a random megabyte repeated: gzip's window is far smaller than the period)."""
    words = [b"licence", b"software", b"copy", b"terms", b"public", b"grant", b"notice"]
    pick = random.Random(0).choice
    block = bytearray()
    while len(block) < 1024 * 1024:
        block += b" ".join(pick(words) for _ in range(4096)) + b"\n"
    return (b"MIT License\n\n" + bytes(block) * (size // len(block) + 1))[:size]


def test_it_stores_bad_archives_with_the_reason_and_writes_nothing_outside(
    archives: ArchiveServer, tmp_path: Path
) -> None:
    forge = Forge.objects.create(
        host="bad.example.test", kind="gitea", url=archives.url, api_url=f"{archives.url}/api/v1"
    )
    escape_target = tmp_path / "escaped.txt"
    zip_buffer = io.BytesIO()
    with zipfile.ZipFile(zip_buffer, "w") as packed:
        packed.writestr("repo/README.md", "# Zip\n")
        packed.writestr("../../../../../../" + str(escape_target).lstrip("/"), "owned\n")
    cases: dict[str, bytes] = {
        "bomb": zero_bomb(64 * 1024 * 1024),
        "damaged": b"\x1f\x8b\x08\x00not really gzip",
        "empty": tar_gz([]),
        "escapes": tar_gz(
            [
                member("repo-main/README.md", b"# Escapes\n"),
                member(str(escape_target), b"absolute\n"),
                member("repo-main/../../escaped.txt", b"parent\n"),
                member("repo-main/link", type=tarfile.SYMTYPE, linkname="/etc/passwd"),
            ]
        ),
        "zipped": zip_buffer.getvalue(),
        "biglicence": tar_gz(
            [
                member("repo-main/README.md", b"# Big\n"),
                member("repo-main/LICENSE", licence_of(50 * 1024 * 1024)),
            ]
        ),
        "binary": tar_gz([member("repo-main/blob.bin", bytes(range(256)) * 64)]),
        # Names in Latin-1, as old tools wrote them: not UTF-8.
        "latin": tar_gz(
            [
                member("repo-main/README.md", b"# Latin\n"),
                member("repo-main/d\udce9p\udcf4t/caf\udce9.py", b"print('ok')\n"),
                member(
                    "repo-main/d\udce9p\udcf4t/package.json",
                    b'{"dependencies": {"left-pad": "^1.3.0"}}',
                ),
            ]
        ),
    }
    for name, body in cases.items():
        archives.archives[f"/org/{name}/archive/main.tar.gz"] = body
        Repository.objects.create(
            forge=forge, native_id=name, full_path=f"org/{name}", name=name,
            url=f"{archives.url}/org/{name}", default_branch="main",
            pushed_at=NOW - timedelta(days=1),
        )  # fmt: skip
    Repository.objects.create(
        forge=forge, native_id="missing", full_path="org/missing", name="missing",
        url=f"{archives.url}/org/missing", default_branch="main",
    )  # fmt: skip

    result = analyse_repositories(
        Repository.objects.all(),
        options=Options(max_archive_bytes=200 * 1024 * 1024, timeout=60, per_host=2),
        sleep=_no_sleep,
    )

    stored = {a.repository.name: a for a in RepositoryAnalysis.objects.select_related("repository")}
    assert set(stored) == {*cases, "missing"}
    assert stored["bomb"].status == "skipped"
    assert stored["bomb"].reason.startswith("archive refused:")
    assert stored["damaged"].status == "failed"
    assert stored["damaged"].reason.startswith("archive unreadable:")
    assert (stored["empty"].status, stored["empty"].reason) == (
        "skipped",
        "empty: no file to analyse",
    )
    assert stored["binary"].status == "skipped"
    assert stored["binary"].reason.startswith("binary only")
    assert stored["missing"].status == "skipped"
    assert "404" in stored["missing"].reason
    for name in ("escapes", "zipped"):
        assert stored[name].status == "analysed"
        assert stored[name].analysis["files"]["readme"] == ["README.md"]
    assert not escape_target.exists()
    latin = stored["latin"]
    assert latin.status == "analysed"
    assert latin.analysis["languages"] == {"Python": 12}
    (dependency,) = DeclaredDependency.objects.filter(repository=latin.repository)
    assert (dependency.name, dependency.manifest) == ("left-pad", "d\ufffdp\ufffdt/package.json")
    big = stored["biglicence"]
    assert big.status == "analysed"
    (finding,) = big.analysis["license"]["files"]
    assert finding["truncated"] is True
    assert result.counts["failed"] == 1


def _grow_history(bare: Path, branch: str, commits: int, rng: random.Random) -> None:
    """Add ``commits`` commits with long, incompressible messages on top of ``branch``."""
    head = subprocess.run(
        ["git", "--git-dir", str(bare), "rev-parse", f"refs/heads/{branch}"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    stream = io.BytesIO()
    for number in range(commits):
        message = rng.randbytes(1500).hex().encode()
        stream.write(f"commit refs/heads/{branch}\n".encode())
        stream.write(f"committer Big <big@example.org> {1_700_000_000 + number} +0000\n".encode())
        stream.write(f"data {len(message)}\n".encode() + message + b"\n")
        if number == 0:
            stream.write(f"from {head}\n".encode())
        stream.write(b"\n")
    subprocess.run(
        ["git", "--git-dir", str(bare), "fast-import", "--quiet", "--force"],
        input=stream.getvalue(), capture_output=True, check=True,
    )  # fmt: skip


def test_a_history_over_its_byte_budget_is_stopped_and_the_reason_kept(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world(4)
    server = serve(world)
    load_world(server, world, tmp_path)
    big, *others = list(Repository.objects.select_related("forge").order_by("pk"))
    # The emulator builds a repository's git history when first asked; then it grows.
    assert clone_history(clone_url(big), tmp_path / "first.git", 60, big.default_branch) is None
    (bare,) = server.emulator.git.root.glob(f"*/{big.full_path}@*.git")
    _grow_history(bare, big.default_branch or "main", 300, random.Random(7))
    budget = 64 * 1024

    why = clone_history(clone_url(big), tmp_path / "second.git", 60, big.default_branch, budget)

    assert why == f"history larger than {budget} bytes: the clone was stopped"
    assert not (tmp_path / "second.git").exists()
    # The pipeline's clones keep to the same budget; the repository is still analysed
    # from its archive, and its analysis says why it has no history.
    analyse_repositories(
        Repository.objects.all(),
        options=Options.from_settings(history=True, limits=Limits(max_history_bytes=budget)),
        now=NOW,
        sleep=_no_sleep,
    )
    stored = RepositoryAnalysis.objects.get(repository=big)
    assert stored.status == "analysed"
    assert stored.analysis["activity"] is None
    assert {"path": ".git", "reason": f"history not read: {why}"} in stored.analysis["skipped"]
    assert stored.vitality is None and stored.scores["vitality"]["known"] is False
    for repo in others:
        assert RepositoryAnalysis.objects.get(repository=repo).analysis["activity"] is not None
