"""Forge kinds and where their APIs live by default.

A sources file may name ``url:`` and ``api_url:`` for any forge; these defaults apply
otherwise, so ``gitlab.example.org`` alone means ``https://gitlab.example.org`` with its
API at ``https://gitlab.example.org/api/v4``.
"""

from __future__ import annotations

KINDS: tuple[str, ...] = ("github", "gitlab", "gitea", "forgejo", "gogs", "bitbucket", "sourcehut")

# Hosts whose API lives somewhere other than under the web URL.
_WELL_KNOWN_API = {
    "github.com": "https://api.github.com",
    "bitbucket.org": "https://api.bitbucket.org/2.0",
    "git.sr.ht": "https://git.sr.ht/query",
}

# The API path under the web URL of a self-hosted forge, per kind.
_API_SUFFIX = {
    "github": "/api/v3",  # GitHub Enterprise Server
    "gitlab": "/api/v4",
    "gitea": "/api/v1",
    "forgejo": "/api/v1",
    "gogs": "/api/v1",
    "bitbucket": "/rest/api/1.0",  # Bitbucket Server / Data Center
    "sourcehut": "/query",
}


def default_web_url(host: str) -> str:
    """``https://`` + the host key (which may carry a port and a path prefix)."""
    return f"https://{host.strip('/')}"


def default_api_url(kind: str, web_url: str) -> str:
    """The API base of a forge of ``kind`` whose web pages are at ``web_url``."""
    if kind not in _API_SUFFIX:
        raise ValueError(f"unknown forge kind {kind!r}; expected one of {', '.join(KINDS)}")
    base = web_url.rstrip("/")
    host = base.split("://", 1)[-1]
    if host in _WELL_KNOWN_API:
        return _WELL_KNOWN_API[host]
    return base + _API_SUFFIX[kind]


def guess_kind(host: str) -> str | None:
    """The kind of a forge from its host name alone, when the name says it (``gitlab.inria.fr``)."""
    name = host.lower()
    if name in {"github.com"} or name.startswith("github."):
        return "github"
    if name == "bitbucket.org":
        return "bitbucket"
    if name.endswith("sr.ht"):
        return "sourcehut"
    if name == "codeberg.org" or "forgejo" in name:
        return "forgejo"
    for kind in ("gitlab", "gitea", "gogs"):
        if kind in name:
            return kind
    return None
