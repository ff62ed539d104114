"""Real git repositories: cloned over smart HTTP, with the promised files, commits and tags."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from communs.emulator import EmulatorServer, World
from communs.emulator.content import plan_for
from communs.emulator.git import GitStore

GIT_ENV = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1"}


def git(*args: str, cwd: Path | None = None) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=GIT_ENV,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    ("forge_name", "web"), [("github", "github-web"), ("gitlab", "gitlab"), ("gitea", "gitea")]
)
@pytest.mark.parametrize("protocol", ["2", "0"])
def test_it_serves_clones_with_the_promised_files(
    server: EmulatorServer, world: World, tmp_path: Path, forge_name: str, web: str, protocol: str
) -> None:
    forge = world.forges[forge_name]
    record = max((forge.record(i) for i in forge.all()), key=lambda r: len(plan_for(r).tags))
    plan = plan_for(record)
    target = tmp_path / "clone"
    git(
        "-c",
        f"protocol.version={protocol}",
        "clone",
        "--quiet",
        f"{server.url}/{web}/{record.full_path}.git",
        str(target),
    )
    files = {
        str(path.relative_to(target)): path.read_text()
        for path in target.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(target).parts
    }
    assert files == plan.files
    assert {"README.md"} <= set(files)
    if record.license:
        assert "LICENSE" in files
    log = git("log", "--format=%an|%at|%s", cwd=target).splitlines()
    assert len(log) == len(plan.commits)
    assert {line.split("|")[0] for line in log} == {c.author.name for c in plan.commits}
    assert int(log[0].split("|")[1]) == int(plan.commits[-1].when.timestamp())
    assert git("tag", cwd=target).split() == sorted(tag.name for tag in plan.tags)
    assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=target).strip() == plan.branch


def test_it_refuses_pushes_and_unknown_repositories(server: EmulatorServer, world: World) -> None:
    import httpx

    record = world.forges["gitea"].record(0)
    base = f"{server.url}/gitea/{record.full_path}.git"
    assert httpx.get(f"{base}/info/refs?service=git-receive-pack").status_code == 403
    assert (
        httpx.get(
            f"{server.url}/gitea/nobody/nothing.git/info/refs?service=git-upload-pack"
        ).status_code
        == 404
    )
    refs = httpx.get(f"{base}/info/refs?service=git-upload-pack")
    assert refs.status_code == 200
    assert refs.headers["content-type"] == "application/x-git-upload-pack-advertisement"


def test_it_builds_the_same_commits_every_time(world: World, tmp_path: Path) -> None:
    forge = world.forges["github"]
    heads = []
    for name in ("one", "two"):
        store = GitStore(tmp_path / name)
        repository, _ = store.ensure(forge, 3)
        heads.append(git("rev-parse", "HEAD", cwd=repository).strip())
        assert store.ensure(forge, 3)[0] == repository and store.built == 1
    assert heads[0] == heads[1]


def test_it_builds_again_after_a_touch(world: World, tmp_path: Path) -> None:
    forge = world.forges["github"]
    store = GitStore(tmp_path)
    before, _ = store.ensure(forge, 0)
    world.touch(1.0, seed=1)
    after, _ = store.ensure(forge, 0)
    assert before != after and store.built == 2
    last = git("log", "-1", "--format=%at", cwd=after).strip()
    pushed = forge.record(0).pushed_at
    assert pushed is not None and int(last) == int(pushed.timestamp())
