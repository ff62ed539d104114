"""A real git repository, written by the test and served over dumb HTTP.

``git update-server-info`` writes the files a dumb-HTTP client reads (``info/refs``,
``objects/info/packs``), so the standard library's static file server is enough: git
clones from it as from any forge. The server listens on 127.0.0.1; a ``Forge`` row for
it makes it a forge Communs lists, which is what lets the collect reach a loopback
address (as the harvest and the archive downloads reach the emulator).
"""

from __future__ import annotations

import functools
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from communs.sources.models import Forge


def _git(args: list[str], cwd: Path, **env: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(cwd),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            **env,
        },
    )


@dataclass
class GitServer:
    root: Path
    base: str  # http://127.0.0.1:PORT

    def repository(self, name: str, commits: list[tuple[str, str]]) -> str:
        """A repository ``name`` with one commit per ``(author address, ISO date)``, in
        order; more commits may be added by calling it again. Its clone URL."""
        work = self.root / "work" / name
        if not work.exists():
            work.mkdir(parents=True)
            _git(["init", "-q", "-b", "main"], work)
        for number, (email, when) in enumerate(commits):
            (work / "file.txt").write_text(f"{email} {when} {number}\n")
            _git(["add", "file.txt"], work)
            _git(
                ["commit", "-q", "-m", f"change {number}"],
                work,
                GIT_AUTHOR_NAME="Author",
                GIT_AUTHOR_EMAIL=email,
                GIT_AUTHOR_DATE=when,
                GIT_COMMITTER_NAME="Committer",
                GIT_COMMITTER_EMAIL="ci@example.org",
                GIT_COMMITTER_DATE=when,
            )
        served = self.root / "served" / f"{name}.git"
        if served.exists():
            _git(["push", "-q", str(served), "main"], work)
        else:
            served.parent.mkdir(parents=True, exist_ok=True)
            _git(["clone", "-q", "--bare", str(work), str(served)], self.root)
        _git(["update-server-info"], served)
        return f"{self.base}/{name}.git"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def git_server(tmp_path: Path) -> Iterator[GitServer]:
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(_Quiet, directory=str(served))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield GitServer(tmp_path, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def local_forge(db, git_server: GitServer) -> Forge:
    """The test's server as a forge Communs lists."""
    host = git_server.base.removeprefix("http://")
    return Forge.objects.create(
        host=host, kind="gitea", url=git_server.base, api_url=f"{git_server.base}/api/v1"
    )
