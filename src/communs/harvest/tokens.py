"""Forge tokens from the environment, mapped to the API hosts the client sends them to.

``COMMUNS_GITHUB_TOKENS`` is a comma-separated list of github.com tokens (the client
rotates through them as each one's budget is spent). ``COMMUNS_FORGE_TOKENS`` gives
tokens for other forges as ``host=token,host=token``: the host may be a forge's host
key (``gitlab.example.org``, ``127.0.0.1:8123/gitlab``), its web host or its API host,
and a host may appear several times. Tokens are secrets: nothing here logs them, and
errors name the entry by its position, never by its value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from communs.forges.paging import host_of

GITHUB_API_HOST = "api.github.com"


class TokenError(ValueError):
    """A malformed ``COMMUNS_FORGE_TOKENS`` entry."""


@dataclass(frozen=True)
class ForgeAddress:
    """What names a forge: its host key, and its web and API URLs."""

    host: str
    url: str
    api_url: str

    @property
    def names(self) -> set[str]:
        return {self.host.lower(), host_of(self.url), host_of(self.api_url)}


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_forge_tokens(value: str) -> dict[str, list[str]]:
    """``host=token,host=token`` as ``{host: [tokens]}`` (hosts lowercased)."""
    tokens: dict[str, list[str]] = {}
    for position, item in enumerate(split_list(value), start=1):
        host, separator, token = item.partition("=")
        host, token = host.strip().lower().rstrip("/"), token.strip()
        if not separator or not host or not token:
            raise TokenError(f"COMMUNS_FORGE_TOKENS: entry {position} is not written host=token")
        host = host.removeprefix("https://").removeprefix("http://")
        tokens.setdefault(host, []).append(token)
    return tokens


def client_tokens(
    forges: Iterable[ForgeAddress], github_tokens: str, forge_tokens: str
) -> dict[str, list[str]]:
    """``{API host: [tokens]}`` for :class:`~communs.forges.http.ForgeClient`.

    GitHub tokens go to api.github.com only: a github.com token must never reach a
    GitHub Enterprise server, nor anything else.
    """
    given = parse_forge_tokens(forge_tokens)
    result: dict[str, list[str]] = {}
    if split_list(github_tokens):
        result[GITHUB_API_HOST] = split_list(github_tokens)
    claimed: set[str] = set()
    for forge in forges:
        names = forge.names
        for name in sorted(names & given.keys()):
            api_host = host_of(forge.api_url)
            bucket = result.setdefault(api_host, [])
            bucket += [token for token in given[name] if token not in bucket]
            claimed.add(name)
    # A host that names no known forge is taken as an API host as it is written.
    for name, tokens in given.items():
        if name not in claimed:
            bucket = result.setdefault(name.split("/", 1)[0], [])
            bucket += [token for token in tokens if token not in bucket]
    return result
