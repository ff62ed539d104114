"""A repository's ``publiccode.yml``, fetched from its forge's raw-file URL.

A person gives a repository's web address; Communs asks the forge for the file at the
root of the default branch. Each forge software writes that address its own way, so
``raw_urls`` lists where to look, for a known kind of forge or, when the kind is not
known, for the usual ones in turn (at most ``MAX_CANDIDATES`` requests, so a wrong
address costs little). Everything goes through a ``Fetcher``: the page uses the
``SafeFetcher`` of ``network.py``, which refuses private and loopback addresses (also
after a redirect), bounds the body and the time. Pure Python, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from communs.forges.kinds import guess_kind
from communs.publiccode.network import Fetcher, FetchError, SafeFetcher, is_public_address
from communs.publiccode.yamltree import MAX_BYTES

FILE_NAME = "publiccode.yml"
MAX_CANDIDATES = 3
# Per request; the validator's own network checks allow more.
TIMEOUT_SECONDS = 8.0


# Why a file could not be fetched: the page words each reason in the reader's language.
INVALID_URL = "invalid-url"
NOT_HTTP = "not-http"
CREDENTIALS = "credentials"
PORT = "port"
PRIVATE = "private"
NOT_A_REPOSITORY = "not-a-repository"
UNREACHABLE = "unreachable"
NOT_FOUND = "not-found"
HTTP_STATUS = "http-status"


class RemoteError(Exception):
    """The file could not be fetched: ``reason`` is one of the constants above, ``detail``
    the technical part (the address asked, the status, the network error)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Fetched:
    url: str
    content: bytes


def check_repository_url(url: str, *, any_port: bool = False) -> str:
    """The URL, trimmed (no ``.git``, no trailing slash), or ``RemoteError`` saying why not.

    Only ports 80 and 443 unless ``any_port`` (a forge Communs knows may use another):
    a stranger's address should not make Communs knock on every port of a host.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RemoteError(INVALID_URL, url) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteError(NOT_HTTP, url)
    if parts.username or parts.password:
        raise RemoteError(CREDENTIALS)
    if port is not None and port not in (80, 443) and not any_port:
        raise RemoteError(PORT, str(port))
    host = parts.hostname
    # An address written as an IP is checked at once; names are checked once resolved.
    try:
        literal = is_public_address(host)
    except ValueError:
        literal = None
    if literal is False:
        raise RemoteError(PRIVATE, host)
    # A page inside the repository (GitLab's /-/tree/…, GitHub's /tree/…) names it too.
    path = parts.path.split("/-/", 1)[0].rstrip("/")
    if host in ("github.com", "www.github.com"):
        path = "/".join(path.split("/")[:3])
    path = path.removesuffix(".git")
    if path.count("/") < 2 and host != "git.sr.ht":
        raise RemoteError(NOT_A_REPOSITORY, url)
    return f"{parts.scheme}://{parts.netloc}{path}"


def raw_urls(
    repository_url: str, kind: str | None = None, branch: str = "", *, any_port: bool = False
) -> list[str]:
    """Where the forge serves the ``publiccode.yml`` of the repository at ``repository_url``.

    ``kind`` is the forge software (``communs.forges.kinds.KINDS``), ``None`` when not
    known; ``branch`` the default branch when known (``HEAD`` otherwise, which GitHub,
    GitLab, Bitbucket and SourceHut resolve to it).
    """
    base = check_repository_url(repository_url, any_port=any_port)
    parts = urlsplit(base)
    if kind is None:
        kind = guess_kind(parts.hostname or "")
    ref = quote(branch, safe="/") if branch else "HEAD"
    name = FILE_NAME
    if kind == "github":
        if parts.hostname == "github.com":
            return [f"https://raw.githubusercontent.com{parts.path}/{ref}/{name}"]
        return [f"{base}/raw/{ref}/{name}"]  # GitHub Enterprise Server
    if kind == "gitlab":
        return [f"{base}/-/raw/{ref}/{name}"]
    if kind in ("gitea", "forgejo"):
        if branch:
            return [f"{base}/raw/branch/{ref}/{name}"]
        # Without a branch name: Gitea's older route, which serves the default branch.
        return [f"{base}/raw/branch/HEAD/{name}", f"{base}/raw/{name}"]
    if kind == "gogs":
        return [f"{base}/raw/{quote(branch, safe='/') if branch else 'master'}/{name}"]
    if kind == "bitbucket":
        return [f"{base}/raw/{ref}/{name}"]
    if kind == "sourcehut":
        return [f"{base}/blob/{ref}/{name}"]
    # Unknown software: GitLab's form first (the most frequent self-hosted forge), then
    # Gitea's and Forgejo's.
    return [f"{base}/-/raw/{ref}/{name}", f"{base}/raw/branch/{ref}/{name}", f"{base}/raw/{name}"]


def open_fetcher() -> Fetcher:
    """The fetcher pages use: public addresses only (the one seam tests replace)."""
    return SafeFetcher(timeout=TIMEOUT_SECONDS)


def fetch_publiccode(urls: list[str], fetcher: Fetcher) -> Fetched:
    """The first of ``urls`` that answers 200, read up to one byte past the validator's bound.

    A 404 moves on to the next address; anything else stops: a refused address, a
    timeout, a server error. ``RemoteError`` when none answered.
    """
    last = RemoteError(NOT_FOUND)
    for url in urls[:MAX_CANDIDATES]:
        try:
            response = fetcher.get(url, max_bytes=MAX_BYTES + 1)
        except FetchError as error:
            # A refused address and an unreachable one read alike to the person: say which.
            reason = PRIVATE if "non-public address" in str(error) else UNREACHABLE
            raise RemoteError(reason, f"{url}: {error}") from None
        if response.status == 200:
            return Fetched(response.url, response.body)
        if response.status not in (404, 410):
            raise RemoteError(HTTP_STATUS, f"{url}: HTTP {response.status}")
        last = RemoteError(NOT_FOUND, f"{url}: HTTP {response.status}")
    raise last
