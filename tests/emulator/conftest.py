"""A small emulated world, and servers that tests start and always stop."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from communs.emulator import EmulatorServer, Settings, World, build_world

NOW = datetime(2025, 6, 1, tzinfo=UTC)
# Small enough to build in a few hundredths of a second, large enough for several pages
# and for all three dialects (the one whole forge is served as a Gitea).
REPOSITORIES = 240
OWNERS = 24
SEED = 3


def small_world(**overrides: Any) -> World:
    arguments = {"repositories": REPOSITORIES, "owners": OWNERS, "seed": SEED, "now": NOW}
    return build_world(**(arguments | overrides))


@pytest.fixture
def world() -> World:
    return small_world()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., EmulatorServer]]:
    """Start servers with ``serve(world, settings)``; every one is stopped after the test."""
    servers: list[EmulatorServer] = []

    def start(world: World | None = None, settings: Settings | None = None) -> EmulatorServer:
        server = EmulatorServer(
            world or small_world(), settings, git_root=tmp_path / f"git{len(servers)}"
        )
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def server(serve: Callable[..., EmulatorServer], world: World) -> EmulatorServer:
    return serve(world)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30, follow_redirects=False) as client:
        yield client


def recorded(shared: Path, *parts: str) -> Any:
    """A recorded answer of a real forge, under shared/data/forge-api."""
    return json.loads((shared / "data" / "forge-api").joinpath(*parts).read_text(encoding="utf-8"))


def assert_same_shape(real: dict[str, Any], emulated: dict[str, Any], where: str = "") -> None:
    """Every key of the real answer is in the emulated one, with the same JSON type where
    both have a value; nested objects are compared the same way."""
    missing = sorted(set(real) - set(emulated))
    assert not missing, f"{where or 'item'} lacks {missing}"
    for key, value in real.items():
        other = emulated[key]
        if value is None or other is None:
            continue
        assert type(other) is type(value), (
            f"{where}{key}: {type(other).__name__} != {type(value).__name__}"
        )
        if isinstance(value, dict):
            assert_same_shape(value, other, f"{where}{key}.")
        elif isinstance(value, list) and value and other and isinstance(value[0], dict):
            assert_same_shape(value[0], other[0], f"{where}{key}[0].")


def untar(content: bytes, folder: Path) -> tuple[str, dict[str, str]]:
    """Extract a tar.gz into ``folder``: its one top-level folder, and the files under it."""
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
        archive.extractall(folder, filter="data")
    (top,) = [path for path in folder.iterdir()]
    files = {str(p.relative_to(top)): p.read_text() for p in top.rglob("*") if p.is_file()}
    return top.name, files
