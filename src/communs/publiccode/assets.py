"""Checks on what a publiccode.yml points at: logos, screenshots, the authors file, URLs.

Relative paths are read against the folder of the publiccode.yml (``base``), and only
inside it: a path that climbs out is refused rather than probed. Remote URLs are only
fetched when network checks are on, through the injected ``Fetcher``; without them a
remote logo or screenshot is taken as it is, as the reference does.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from communs.publiccode import checks
from communs.publiccode.network import MAX_BODY, Fetcher, FetchError

LOGO_EXTENSIONS = (".svg", ".svgz", ".png")
SCREENSHOT_EXTENSIONS = (".jpg", ".jpeg", ".png")
# The standard asks for 1000 px; the reference accepts 120 px for now, and so do we.
MIN_LOGO_WIDTH = 120
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Hosts whose URLs name a code repository as ``host/owner/name``.
_FORGE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "framagit.org")


def png_problem(head: bytes, shown: str) -> str | None:
    """What is wrong with a PNG logo, from its first 33 bytes (None when it is fine)."""
    if not head.startswith(_PNG_SIGNATURE):
        return "image: unknown format"
    if len(head) < 33 or head[12:16] != b"IHDR":
        return "png: invalid format: IHDR chunk missing"
    if zlib.crc32(head[12:29]) != struct.unpack(">I", head[29:33])[0]:
        return "png: invalid format: invalid checksum"
    width = struct.unpack(">I", head[16:20])[0]
    if width < MIN_LOGO_WIDTH:
        return f"invalid image size of {width} (min {MIN_LOGO_WIDTH}px of width): {shown}"
    return None


def is_code_repository(url: str) -> bool:
    """Whether a URL looks like a code repository (a forge's owner/name, or ``.git``)."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    if path.endswith(".git"):
        return True
    host = (parts.hostname or "").lower()
    segments = [s for s in path.split("/") if s]
    if host in _FORGE_HOSTS or host.startswith(("gitlab.", "git.", "forge.", "code.")):
        return len(segments) >= 2
    return False


class AssetChecker:
    """Answers the file and URL questions of the rules, as lists of problems."""

    def __init__(self, base: str | None, *, network: bool, fetcher: Fetcher | None) -> None:
        self.network = network and fetcher is not None
        self.fetcher = fetcher
        self.base_dir: Path | None = None
        self.base_url: str | None = None
        if base is not None:
            if base.startswith(("http://", "https://")):
                self.base_url = base if base.endswith("/") else base + "/"
            else:
                self.base_dir = Path(base.removeprefix("file://")).resolve()

    # -- URLs -------------------------------------------------------------------------

    def reachable(self, url: str) -> list[str]:
        if not self.network:
            return []
        if not _has_scheme(url):
            return [f"'{url}' not reachable: missing URL scheme"]
        try:
            response = self._get(url, 64 * 1024)
        except FetchError as error:
            return [f"'{url}' not reachable: HTTP GET failed for {url}: {error}"]
        if response.status != 200:
            return [
                f"'{url}' not reachable: HTTP GET returned {response.status} for {url}; "
                "200 was expected"
            ]
        return []

    def code_repository(self, url: str) -> list[str]:
        if not self.network or is_code_repository(url):
            return []
        return ["is not a valid code repository"]

    def _get(self, url: str, max_bytes: int):  # type: ignore[no-untyped-def]
        assert self.fetcher is not None
        return self.fetcher.get(url, max_bytes=max_bytes)

    # -- files --------------------------------------------------------------------------

    def logo(self, value: str | None) -> list[str]:
        if not value:
            return []
        problem = _path_form(value)
        if problem:
            return [problem]
        where = self._locate(value)
        if where is None:
            return []
        shown, local = where
        if Path(urlsplit(shown).path).suffix.lower() not in LOGO_EXTENSIONS:
            return [f"invalid file extension for: {shown}"]
        head = self._read_head(shown, local)
        if isinstance(head, str):
            return [head]
        if head is None or not shown.lower().endswith(".png"):
            return []
        problem = png_problem(head, shown)
        return [problem] if problem else []

    def screenshot(self, value: str) -> list[str]:
        problem = _path_form(value)
        if problem:
            return [problem]
        where = self._locate(value)
        if where is None:
            return []
        shown, local = where
        if Path(urlsplit(shown).path).suffix.lower() not in SCREENSHOT_EXTENSIONS:
            return [f"'{value}' is not an image: invalid file extension for: {shown}"]
        head = self._read_head(shown, local)
        if isinstance(head, str):
            return [f"'{value}' is not an image: {head}"]
        return []

    def authors_file(self, value: str) -> list[str]:
        problem = _path_form(value)
        if problem:
            return [problem]
        where = self._locate(value)
        if where is None:
            return []
        shown, local = where
        head = self._read_head(shown, local)
        if isinstance(head, str):
            return [f"'{shown}' does not exist: {head}"]
        return []

    def _locate(self, value: str) -> tuple[str, Path | None] | None:
        """Where a referenced file is: (shown name, local path or None for remote).

        None when it cannot be checked: remote without network checks, or no base.
        """
        if _has_scheme(value):
            return (value, None) if self.network else None
        if self.base_dir is not None:
            joined = Path(os.path.normpath(self.base_dir / value))
            return str(joined), joined
        if self.base_url is not None and self.network:
            return urljoin(self.base_url, value), None
        return None

    def _read_head(self, shown: str, local: Path | None) -> bytes | str | None:
        """The first bytes of the file, or a problem ("no such file: …")."""
        if local is None:
            try:
                response = self._get(shown, MAX_BODY)
            except FetchError as error:
                return f"no such file: {shown} ({error})"
            if response.status != 200:
                return f"no such file: {shown}"
            return response.body[:64]
        assert self.base_dir is not None
        resolved = local.resolve()
        if not resolved.is_relative_to(self.base_dir):
            return f"no such file: {shown} (outside the folder of the publiccode.yml)"
        try:
            with resolved.open("rb") as handle:
                return handle.read(64)
        except (FileNotFoundError, NotADirectoryError):
            return f"no such file: {shown}"
        except IsADirectoryError:
            return f"no such file: {shown} (a folder)"
        except OSError as error:
            return f"no such file: {shown} ({error.strerror})"


def _has_scheme(value: str) -> bool:
    try:
        return bool(checks.parse_url(value).scheme)
    except checks.URLError:
        return False


def _path_form(value: str) -> str | None:
    """Only relative paths and HTTP(S) URLs may name a file."""
    if value.startswith("/"):
        return "is an absolute path. Only relative paths or HTTP(s) URLs allowed"
    if value.startswith("file:"):
        return "is a file:// URL. Only relative paths or HTTP(s) URLs allowed"
    return None
