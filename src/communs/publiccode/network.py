"""Fetching what a publiccode.yml points at, for the optional network checks.

``Fetcher`` is the one seam: the validator asks it for a URL and gets a status and the
first bytes of the body. ``SafeFetcher`` is the real one, and it will not be turned into
a way to reach the machine's own network (a validator is often run on files written by
strangers): the host is resolved first and every address must be public (no private,
loopback, link-local, shared, reserved, multicast or unspecified address); the request
goes to that checked address, so a second DNS answer cannot swap it; redirects are
followed by hand, each one checked the same way; bodies and times are bounded.
Tests give the validator a fake fetcher and never touch the network.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import httpx

MAX_BODY = 4 * 1024 * 1024
MAX_REDIRECTS = 5
TIMEOUT_SECONDS = 10.0
USER_AGENT = "communs-publiccode-validator"


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    body: bytes


class FetchError(Exception):
    """The URL could not be fetched (refused, unreachable, too slow, too big)."""


class Fetcher(Protocol):
    def get(self, url: str, *, max_bytes: int = MAX_BODY) -> Response:
        """GET ``url``; the body is cut at ``max_bytes``. Raises ``FetchError``."""
        ...


Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    """The addresses of ``host`` (the system resolver)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(f"cannot resolve {host}: {error}") from None
    return [str(info[4][0]) for info in infos]


def is_public_address(address: str) -> bool:
    """Whether an IP address may be fetched: a global unicast address."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


class SafeFetcher:
    """A ``Fetcher`` that refuses private and loopback addresses (see the module doc)."""

    def __init__(
        self,
        *,
        timeout: float = TIMEOUT_SECONDS,
        resolver: Resolver = resolve,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.timeout = timeout
        self.resolver = resolver
        self.client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            transport=transport,
            headers={"User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, *, max_bytes: int = MAX_BODY) -> Response:
        deadline = time.monotonic() + self.timeout
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            status, location, body = self._once(current, max_bytes, deadline)
            if status in (301, 302, 303, 307, 308) and location:
                current = urljoin(current, location)
                continue
            return Response(current, status, body)
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")

    def _once(self, url: str, max_bytes: int, deadline: float) -> tuple[int, str, bytes]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"only http and https URLs are fetched: {url}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = self.resolver(parts.hostname, port)
        if not addresses:
            raise FetchError(f"{parts.hostname} has no address")
        refused = [a for a in addresses if not is_public_address(a)]
        if refused:
            raise FetchError(f"{parts.hostname} resolves to a non-public address ({refused[0]})")
        address = addresses[0]
        netloc = f"[{address}]" if ":" in address else address
        target = parts._replace(netloc=f"{netloc}:{port}").geturl()
        host_header = parts.netloc.rpartition("@")[2]
        try:
            with self.client.stream(
                "GET",
                target,
                headers={"Host": host_header},
                # TLS still checks the certificate against the real host name.
                extensions={"sni_hostname": parts.hostname},
            ) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) >= max_bytes:
                        del body[max_bytes:]
                        break
                    if time.monotonic() > deadline:
                        raise FetchError(f"timed out after {self.timeout:.0f} s")
                return response.status_code, response.headers.get("location", ""), bytes(body)
        except httpx.HTTPError as error:
            raise FetchError(str(error) or type(error).__name__) from None
