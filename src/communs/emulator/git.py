"""Real git repositories for emulated records: built on demand, served over smart HTTP.

:class:`GitStore` turns a record's :func:`~communs.emulator.content.plan_for` into a bare
repository with ``git fast-import`` (no working tree, fixed dates: the same record gives
the same commit ids on every run), serves it through ``git http-backend`` (the CGI
program git ships, so clones speak the real protocol, v0 and v2) and makes source
archives with ``git archive``.

Repositories live under ``root/<forge>/<full path>@<digest>.git``; the digest covers the
whole record, so a repository whose record ``touch`` changed is built again, beside the
old one. A build writes to a temporary folder and renames it into place, so concurrent
requests for one repository never see half of it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from communs.emulator.content import Plan, plan_for
from communs.emulator.protocol import Answer, Request
from communs.emulator.world import ForgeWorld, stable_int
from communs.forges.records import RepositoryRecord

GIT_TIMEOUT = 60
# Services a client may ask for: read only, as for an anonymous visitor of a forge.
UPLOAD_PACK = "git-upload-pack"


class GitError(RuntimeError):
    """A git command failed; the message carries its standard error."""


def _run(args: list[str], *, cwd: Path | None = None, data: bytes = b"", env: dict | None = None):
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        input=data,
        capture_output=True,
        timeout=GIT_TIMEOUT,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise GitError(f"git {args[0]} failed: {result.stderr.decode(errors='replace')[:500]}")
    return result


def fast_import_stream(plan: Plan) -> bytes:
    """The ``git fast-import`` input that writes ``plan``'s commits and tags."""
    chunks: list[bytes] = []
    marks: dict[str, int] = {}

    def blob(text: str) -> int:
        if text not in marks:
            marks[text] = len(marks) + 1
            data = text.encode()
            chunks.append(b"blob\nmark :%d\ndata %d\n%s\n" % (marks[text], len(data), data))
        return marks[text]

    commit_marks: list[int] = []
    for number, commit in enumerate(plan.commits):
        modes = {path: ("100755" if path.endswith(".sh") else "100644") for path in commit.files}
        blobs = {path: blob(text) for path, text in sorted(commit.files.items())}
        mark = 1_000_000 + number
        commit_marks.append(mark)
        when = int(commit.when.timestamp())
        who = f"{commit.author.name} <{commit.author.email}> {when} +0000".encode()
        message = (commit.message + "\n").encode()
        lines = [
            f"commit refs/heads/{plan.branch}".encode(),
            b"mark :%d" % mark,
            b"author " + who,
            b"committer " + who,
            b"data %d" % len(message),
        ]
        chunks.append(b"\n".join(lines) + b"\n" + message)
        if number:
            chunks.append(b"from :%d\n" % commit_marks[number - 1])
        chunks.append(b"deleteall\n")
        for path, mark_of_blob in blobs.items():
            chunks.append(f"M {modes[path]} :{mark_of_blob} {path}\n".encode())
        chunks.append(b"\n")
    for tag in plan.tags:
        author = plan.commits[tag.commit].author
        when = int(tag.when.timestamp())
        message = f"Version {tag.name}\n".encode()
        chunks.append(
            f"tag {tag.name}\nfrom :{commit_marks[tag.commit]}\n".encode()
            + f"tagger {author.name} <{author.email}> {when} +0000\n".encode()
            + b"data %d\n%s\n" % (len(message), message)
        )
    return b"".join(chunks)


class GitStore:
    """Bare repositories under ``root``, made when first asked for."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.built = 0

    def relative_path(self, forge: ForgeWorld, record: RepositoryRecord) -> str:
        digest = f"{stable_int(repr(record)):016x}"[:12]
        return f"{forge.name}/{record.full_path}@{digest}.git"

    def ensure(self, forge: ForgeWorld, index: int) -> tuple[Path, str]:
        """The bare repository of ``forge``'s repository at ``index``, and its relative path."""
        record = forge.record(index)
        relative = self.relative_path(forge, record)
        target = self.root / relative
        if target.is_dir():
            return target, relative
        with self._guard:
            lock = self._locks.setdefault(relative, threading.Lock())
        with lock:
            if not target.is_dir():
                self._build(record, target)
        return target, relative

    def _build(self, record: RepositoryRecord, target: Path) -> None:
        plan = plan_for(record)
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
        try:
            _run(["init", "--quiet", "--bare", f"--initial-branch={plan.branch}", str(work)])
            _run(
                ["fast-import", "--quiet", "--date-format=raw"],
                cwd=work,
                data=fast_import_stream(plan),
            )
            os.rename(work, target)
            self.built += 1
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)

    def resolve(self, repository: Path, ref: str) -> str | None:
        """The commit id ``ref`` names (a branch, ``refs/heads/…``, a tag, HEAD, an id)."""
        if not ref or ref.startswith("-"):
            return None
        result = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
            cwd=repository,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def archive(
        self, forge: ForgeWorld, index: int, ref: str, prefix: str
    ) -> tuple[bytes, str] | None:
        """A tar.gz of ``ref`` whose entries start with ``prefix`` (``{sha}`` is replaced by
        the short commit id), and the full commit id; None when ``ref`` names nothing."""
        repository, _ = self.ensure(forge, index)
        sha = self.resolve(repository, ref)
        if sha is None:
            return None
        folder = prefix.replace("{sha}", sha[:7]).replace("{full_sha}", sha).strip("/") + "/"
        result = _run(["archive", "--format=tar.gz", f"--prefix={folder}", sha], cwd=repository)
        return result.stdout, sha

    def http_backend(self, forge: ForgeWorld, index: int, request: Request, rest: str) -> Answer:
        """Answer a smart-HTTP request (``rest`` is ``info/refs`` or ``git-upload-pack``)."""
        service = request.query.get("service", "")
        if rest == "git-receive-pack" or service == "git-receive-pack":
            return Answer(403, b"pushing is not allowed here\n", endpoint="git.push", resource=None)
        _, relative = self.ensure(forge, index)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": f"/{relative}/{rest}",
            "REQUEST_METHOD": request.method,
            "QUERY_STRING": "&".join(f"{k}={v}" for k, v in request.query.items()),
            "CONTENT_TYPE": request.headers.get("Content-Type") or "",
            "CONTENT_LENGTH": str(len(request.body)),
            "REMOTE_ADDR": request.client,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "GATEWAY_INTERFACE": "CGI/1.1",
        }
        encoding = request.headers.get("Content-Encoding")
        if encoding:
            env["HTTP_CONTENT_ENCODING"] = encoding
        protocol = request.headers.get("Git-Protocol")
        if protocol:
            # Protocol v2 travels in this header; http-backend reads it from both names.
            env["HTTP_GIT_PROTOCOL"] = protocol
            env["GIT_PROTOCOL"] = protocol
        result = subprocess.run(
            ["git", "http-backend"],
            input=request.body,
            capture_output=True,
            env=env,
            timeout=GIT_TIMEOUT,
            check=False,
        )
        return _cgi_answer(result.stdout)


def _cgi_answer(output: bytes) -> Answer:
    """A CGI program's output (headers, blank line, body) as an answer."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, body = output.partition(separator)
        if found:
            break
    else:
        return Answer(502, b"git http-backend gave no headers\n", endpoint="git", resource=None)
    status = 200
    headers: list[tuple[str, str]] = []
    for line in head.decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.strip().split()[0])
        elif name:
            headers.append((name.strip(), value.strip()))
    return Answer(status, body, headers, endpoint="git", resource=None)
