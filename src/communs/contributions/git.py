"""A repository's commit history, fetched with real git over HTTP(S): no Django.

``check_url`` decides whether and how an address may be fetched. Addresses on a forge
Communs lists (administrators configure those, as the harvest and the archive downloads
trust them; tests reach a local server or the emulator this way) are fetched as they
are. Any other address came from a person (a catalogue entry's repository URL), so it
gets SafeFetcher's rule: http or https on ports 80 or 443, no credentials, and every
address the host resolves to must be public. git is then pinned to the address that was
checked (``http.curloptResolve``), so a second DNS answer cannot swap it, and follows no
redirect.

``fetch_history`` clones the default branch without trees or file contents
(``--filter=tree:0``; a server that cannot filter, such as a dumb HTTP one, sends them
anyway) within a time and a byte budget, then reads ``git log``. ``remote_head`` asks
for the default branch's commit alone, so a collect can skip a repository that has not
moved.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from communs.contributions.counting import LOG_FORMAT
from communs.publiccode.network import FetchError, Resolver, is_public_address, resolve

TIMEOUT_SECONDS = 120.0
MAX_BYTES = 200 * 1024 * 1024
# How often the watchdog measures the clone's folder, in seconds.
WATCH_INTERVAL = 0.1


class HistoryError(Exception):
    """The history could not be fetched: refused address, git failure, over budget."""


@dataclass(frozen=True, slots=True)
class Target:
    """An address git may fetch, with the configuration that keeps it to that address."""

    url: str
    config: tuple[str, ...] = ()


def check_url(url: str, *, trusted: bool, resolver: Resolver = resolve) -> Target:
    """``Target`` for ``url``, or ``HistoryError`` saying why it may not be fetched."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise HistoryError(f"not a URL: {url}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HistoryError(f"only http and https repositories are fetched: {url}")
    if trusted:
        return Target(url.strip())
    if parts.username or parts.password:
        raise HistoryError("a repository address may not carry credentials")
    port = port or (443 if parts.scheme == "https" else 80)
    if port not in (80, 443):
        raise HistoryError(f"port {port} is only fetched on a forge Communs lists")
    try:
        addresses = resolver(parts.hostname, port)
    except FetchError as error:
        raise HistoryError(str(error)) from None
    if not addresses:
        raise HistoryError(f"{parts.hostname} has no address")
    for address in addresses:
        if not is_public_address(address):
            raise HistoryError(f"{parts.hostname} resolves to a non-public address ({address})")
    pinned = f"[{addresses[0]}]" if ":" in addresses[0] else addresses[0]
    return Target(
        url.strip(),
        ("http.followRedirects=false", f"http.curloptResolve={parts.hostname}:{port}:{pinned}"),
    )


def _git(target: Target, *args: str) -> list[str]:
    options: list[str] = []
    for item in (
        "protocol.allow=never",
        "protocol.https.allow=always",
        "protocol.http.allow=always",
        "http.lowSpeedLimit=1024",
        "http.lowSpeedTime=30",
        *target.config,
    ):
        options += ["-c", item]
    return ["git", *options, *args]


def _env(home: Path) -> dict[str, str]:
    # No system or user configuration (no credential helper, no URL rewriting), no prompt.
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
    }


def _folder_bytes(folder: Path) -> int:
    total = 0
    for parent, _folders, names in os.walk(folder):
        for name in names:
            try:
                total += os.lstat(os.path.join(parent, name)).st_size
            except OSError:
                continue  # git renames its temporary files as it goes
    return total


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1][:300] if lines else ""


def _stop(process: subprocess.Popen) -> None:
    """Kill git and the helpers it started (its whole process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def remote_head(target: Target, *, timeout: float = 30.0) -> str:
    """The commit id of the default branch (``HEAD``), "" when the server names none."""
    with tempfile.TemporaryDirectory(prefix="communs-ls-remote-") as home:
        try:
            result = subprocess.run(  # noqa: S603 - fixed command; the URL comes after "--"
                _git(target, "ls-remote", "--", target.url, "HEAD"),
                env=_env(Path(home)),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise HistoryError(f"git ls-remote took longer than {timeout:g} s") from None
    if result.returncode:
        raise HistoryError(f"git ls-remote failed: {_last_line(result.stderr)}")
    first = result.stdout.decode("utf-8", "replace").split("\t", 1)[0].strip()
    return first if len(first) in (40, 64) else ""


def fetch_history(
    target: Target, *, timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES
) -> tuple[str, str]:
    """``(head, log)``: the default branch's commit id and its ``git log`` in
    ``LOG_FORMAT``. The clone lives in a temporary folder, removed before returning."""
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="communs-history-", ignore_cleanup_errors=True) as work:
        git_dir = Path(work) / "repository.git"
        command = _git(
            target,
            "clone", "--bare", "--quiet", "--filter=tree:0", "--single-branch", "--no-tags",
            "--", target.url, str(git_dir),
        )  # fmt: skip
        with tempfile.TemporaryFile() as errors:
            # A session of its own: git fetches through a helper (git-remote-http) that
            # must be stopped with it, or it goes on writing into the folder.
            process = subprocess.Popen(  # noqa: S603 - fixed command; the URL comes after "--"
                command, env=_env(Path(work)), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True,
            )  # fmt: skip
            why = ""
            while True:
                try:
                    process.wait(min(WATCH_INTERVAL, max(deadline - time.monotonic(), 0.001)))
                    break
                except subprocess.TimeoutExpired:
                    # git has no byte limit of its own: measure what it wrote.
                    if _folder_bytes(git_dir) > max_bytes:
                        why = f"history larger than {max_bytes} bytes: the clone was stopped"
                    elif time.monotonic() >= deadline:
                        why = f"git clone took longer than {timeout:g} s"
                    if why:
                        _stop(process)
                        raise HistoryError(why) from None
            if process.returncode:
                errors.seek(0)
                raise HistoryError(f"git clone failed: {_last_line(errors.read(64 * 1024))}")
        if _folder_bytes(git_dir) > max_bytes:
            raise HistoryError(f"history larger than {max_bytes} bytes")
        env = _env(Path(work))
        # The clone is partial: were git to miss an object it would fetch it again by
        # itself, without the pinned address. Reading commits needs nothing more, and no
        # network is allowed from here on.
        local = ["git", "-c", "protocol.allow=never", "--git-dir", str(git_dir)]
        try:
            head = subprocess.run(  # noqa: S603
                [*local, "rev-parse", "--verify", "--quiet", "HEAD"],
                env=env, capture_output=True, timeout=30, check=False,
            )  # fmt: skip
            if head.returncode:
                return "", ""  # an empty repository: no commit yet
            log = subprocess.run(  # noqa: S603
                [*local, "log", f"--format={LOG_FORMAT}", "HEAD"],
                env=env, capture_output=True,
                timeout=max(deadline - time.monotonic(), 5.0), check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise HistoryError("git log took too long") from None
        if log.returncode:
            raise HistoryError(f"git log failed: {_last_line(log.stderr)}")
        return head.stdout.decode().strip(), log.stdout.decode("utf-8", "replace")
