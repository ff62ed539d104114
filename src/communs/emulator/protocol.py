"""What the forge dialects and the server exchange: a request, an answer, and the URL layout.

A dialect module (``github``, ``gitlab``, ``gitea``) turns a :class:`Request` into a
:class:`Answer` without any I/O; the server owns sockets, ETags, budgets and faults.

URL layout of an emulated forge named ``N`` (its path prefix) on ``http://host:port``:

=========  ====================  =====================  ======================
dialect    web pages, git        API base               other
=========  ====================  =====================  ======================
github     ``/N-web``            ``/N``                 ``/N-codeload`` (archives)
gitlab     ``/N``                ``/N/api/v4``
gitea      ``/N``                ``/N/api/v1``
=========  ====================  =====================  ======================

GitHub's API sits on its own host (``api.github.com``), so its web pages need a
prefix of their own; GitLab and Gitea serve their API under the web URL, as they do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

API_SUFFIX = {"gitlab": "/api/v4", "gitea": "/api/v1"}


def web_path(name: str, dialect: str) -> str:
    """The path of a forge's web pages (and git repositories) under the server's root."""
    return f"/{name}-web" if dialect == "github" else f"/{name}"


def api_path(name: str, dialect: str) -> str:
    """The path of a forge's API base under the server's root."""
    return f"/{name}" if dialect == "github" else f"/{name}{API_SUFFIX[dialect]}"


def codeload_path(name: str) -> str:
    """Where a GitHub-shaped forge serves archives, as ``codeload.github.com`` does."""
    return f"/{name}-codeload"


@dataclass(frozen=True)
class Urls:
    """The absolute URLs of one forge as a client reached it (``base`` is ``http://host:port``)."""

    base: str
    web: str
    api: str
    codeload: str

    @classmethod
    def of(cls, base: str, name: str, dialect: str) -> Urls:
        return cls(
            base=base,
            web=base + web_path(name, dialect),
            api=base + api_path(name, dialect),
            codeload=base + codeload_path(name),
        )


@dataclass
class Request:
    """One HTTP request, decoded: ``segments`` are the path's parts after the forge's base,
    each percent-decoded (``group%2Fsub`` stays one segment, as GitLab wants)."""

    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes = b""
    base_url: str = ""
    client: str = "127.0.0.1"
    segments: list[str] = field(default_factory=list)

    @classmethod
    def parse(
        cls,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes = b"",
        base_url: str = "",
        client: str = "127.0.0.1",
    ) -> Request:
        path, _, query = target.partition("?")
        return cls(
            method=method.upper(),
            path=path,
            query=dict(parse_qsl(query, keep_blank_values=True)),
            headers=headers,
            body=body,
            base_url=base_url,
            client=client,
        )

    def token(self) -> str | None:
        """The token sent (``Authorization: Bearer|token …`` or GitLab's ``PRIVATE-TOKEN``)."""
        value = self.headers.get("Authorization") or ""
        scheme, _, token = value.strip().partition(" ")
        if scheme.lower() in {"bearer", "token"} and token.strip():
            return token.strip()
        private = self.headers.get("PRIVATE-TOKEN")
        return private.strip() if private and private.strip() else None

    def with_segments(self, prefix: str) -> Request:
        """This request with ``segments`` set to the path's parts after ``prefix``."""
        rest = self.path[len(prefix) :].strip("/")
        self.segments = [unquote(part) for part in rest.split("/")] if rest else []
        return self

    def number(self, name: str, default: int, *, low: int = 1, high: int | None = None) -> int:
        """A numeric query parameter clamped to ``[low, high]``; bad values give ``default``."""
        try:
            value = int(self.query.get(name, default))
        except ValueError:
            value = default
        value = max(value, low)
        return min(value, high) if high is not None else value


@dataclass
class Answer:
    """An answer before the server adds ETags, budgets and faults.

    ``endpoint`` names it in the statistics (``github.list_owner``); ``resource`` is the
    rate-limit budget it spends (None: free); ``cacheable`` asks for an ETag and 304s.
    """

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    endpoint: str = ""
    resource: str | None = "core"
    cacheable: bool = False
    cost: int = 1

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


def json_answer(
    data: Any,
    *,
    status: int = 200,
    endpoint: str,
    headers: list[tuple[str, str]] | None = None,
    resource: str | None = "core",
) -> Answer:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Answer(
        status=status,
        body=body,
        headers=[("Content-Type", "application/json; charset=utf-8"), *(headers or [])],
        endpoint=endpoint,
        resource=resource,
        cacheable=status == 200,
    )


def link_header(links: list[tuple[str, str]]) -> str:
    """An RFC 8288 ``Link`` value: ``<url>; rel="next", <url>; rel="last"``."""
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links)


def github_time(moment: datetime | None) -> str | None:
    """``2015-07-06T02:08:07Z``: GitHub's and Gitea's way of writing a date."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def gitlab_time(moment: datetime | None) -> str | None:
    """``2012-10-15T17:26:53.000Z``: GitLab's way, with milliseconds."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z") if moment else None
