"""The one HTTP client under every forge adapter.

:class:`ForgeClient` wraps ``httpx.AsyncClient`` and owns everything a harvest needs
to be polite and robust, so that adapters only build URLs and map JSON:

- retries with exponential backoff and full jitter on 5xx, connection errors, timeouts
  and bodies cut short or not JSON (bounded by ``max_attempts``);
- ``Retry-After`` honoured on 429, 503 and GitHub's secondary-limit 403;
- rate-limit budgets per host and token (:mod:`communs.forges.ratelimit`): a spent
  token is swapped for the next one, and when all are spent the client sleeps until
  the earliest reset (or raises :class:`RateLimited` if that is beyond ``max_wait``);
- conditional requests: ``If-None-Match`` from an :class:`ETagStore`; a 304 answer
  returns the stored body with ``not_modified=True``;
- a body cap (50 MB by default) enforced while streaming, so memory stays bounded;
- at most ``per_host`` requests in flight per host;
- counts per host and endpoint kind (:class:`ClientStats`);
- a User-Agent naming Communs and the adapter.

Tokens are only ever sent to the host they are configured for, including across
redirects (which the client follows itself, to report renames). The transport, the
sleep function, the clock and the jitter source are injectable: tests pass an
``httpx.MockTransport`` and a fake sleep, and cost no time.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

from communs.forges.errors import (
    BadResponse,
    Forbidden,
    ForgeError,
    NotFound,
    RateLimited,
    ServerError,
    TooLarge,
    Unauthorized,
    Unreachable,
)
from communs.forges.etags import ETagStore, MemoryETagStore
from communs.forges.paging import host_of, with_query
from communs.forges.ratelimit import (
    DEFAULT_WAIT,
    SharedBudgets,
    TokenPool,
    parse_retry_after,
    read_rate_limit,
)
from communs.forges.stats import ClientStats, RequestCounts

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 50 * 1024 * 1024
# Error bodies are only read for their message.
MAX_ERROR_BODY_BYTES = 64 * 1024
MAX_REDIRECTS = 5
# Headers a 304 replay needs besides the body: where the next page is, and totals.
REPLAYED_HEADERS = ("link", "x-next-page", "x-page", "x-per-page", "x-total", "x-total-count")
# Words GitHub puts in the body of a 403 that is a secondary limit rather than a refusal.
SECONDARY_LIMIT_WORDS = ("secondary rate limit", "abuse detection", "rate limit exceeded")

Sleep = Callable[[float], Awaitable[Any]]


def _version() -> str:
    try:
        return metadata.version("communs")
    except metadata.PackageNotFoundError:
        return "dev"


@dataclass(frozen=True)
class ForgeResponse:
    """A decoded JSON answer.

    ``url`` is the URL that finally answered (after redirects); ``redirected_from`` is
    the URL first asked when a permanent redirect (301/308: a rename) was followed;
    ``not_modified`` says the body came from the ETag store after a 304.
    """

    url: str
    status: int
    headers: httpx.Headers
    data: Any
    not_modified: bool = False
    redirected_from: str | None = None


@dataclass(frozen=True)
class Download:
    """A file written by :meth:`ForgeClient.download`."""

    path: Path
    size: int
    url: str


class _Retry(Exception):
    """An attempt failed in a way worth another try; ``error`` is raised if none is left."""

    def __init__(self, error: ForgeError, delay: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.delay = delay


@dataclass(frozen=True)
class _Redirect:
    url: str
    permanent: bool


class _Switch:
    """The token was spent or refused: choose again without counting a failed attempt."""


Consume = Callable[[httpx.Response, str], Awaitable[Any]]


class ForgeClient:
    """One client for all forges of a harvest. Use as ``async with ForgeClient(...) as c``.

    A client lives inside one event loop (its connection pool and per-host semaphores
    belong to it): create it in the coroutine that runs the harvest.

    ``tokens`` maps an API host (``"api.github.com"``) to its tokens; other hosts are
    queried anonymously. ``etags`` defaults to an in-memory store; pass ``None`` through
    ``conditional=False`` on a request to skip it. ``budgets`` shares the rate-limit
    budgets with other processes (Celery workers: ``communs.tasks.budgets``).
    """

    def __init__(
        self,
        *,
        tokens: Mapping[str, Sequence[str]] | None = None,
        etags: ETagStore | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
        max_attempts: int = 5,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        max_wait: float = 3700.0,
        max_body_bytes: int = MAX_BODY_BYTES,
        per_host: int = 4,
        timeout: float = 30.0,
        contact: str = "",
        budgets: SharedBudgets | None = None,
    ) -> None:
        self.stats = ClientStats()
        self.budgets = budgets
        self.etags: ETagStore = etags if etags is not None else MemoryETagStore()
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_wait = max_wait
        self.max_body_bytes = max_body_bytes
        self.per_host = per_host
        self.contact = contact
        self._tokens = {host.lower(): list(values) for host, values in (tokens or {}).items()}
        self._pools: dict[str, TokenPool] = {}
        self._limits: dict[str, asyncio.Semaphore] = {}
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        # Redirects are followed by hand: to report renames, and to attach tokens per host.
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False)

    async def __aenter__(self) -> ForgeClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def has_token(self, url: str) -> bool:
        """Whether requests to the host of ``url`` are sent with a token."""
        return bool(self._tokens.get(host_of(url)))

    def user_agent(self, adapter: str) -> str:
        contact = f"; +{self.contact}" if self.contact else ""
        return f"Communs/{_version()} ({adapter} adapter{contact})"

    async def get_json(
        self,
        url: str,
        *,
        adapter: str,
        kind: str = "list",
        params: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        auth_scheme: str = "Bearer",
        conditional: bool = True,
    ) -> ForgeResponse:
        """GET ``url`` and decode its JSON; raises a :class:`ForgeError` subclass on failure."""
        if params:
            url = with_query(url, **params)
        return await self._json(
            "GET",
            url,
            adapter=adapter,
            kind=kind,
            headers=headers,
            auth_scheme=auth_scheme,
            conditional=conditional,
        )

    async def post_json(
        self,
        url: str,
        payload: object,
        *,
        adapter: str,
        kind: str = "graphql",
        headers: Mapping[str, str] | None = None,
        auth_scheme: str = "Bearer",
    ) -> ForgeResponse:
        """POST ``payload`` as JSON (a GraphQL query) and decode the JSON answer."""
        return await self._json(
            "POST",
            url,
            adapter=adapter,
            kind=kind,
            headers=headers,
            auth_scheme=auth_scheme,
            conditional=False,
            payload=payload,
        )

    async def _json(
        self,
        method: str,
        url: str,
        *,
        adapter: str,
        kind: str,
        headers: Mapping[str, str] | None,
        auth_scheme: str,
        conditional: bool,
        payload: object = None,
    ) -> ForgeResponse:
        """One JSON exchange; a conditional one stores the answer's ETag and body."""

        async def consume(response: httpx.Response, final_url: str) -> ForgeResponse:
            raw = await self._read(response, final_url, self.max_body_bytes)
            data = _decode_json(raw, response, final_url)
            etag = response.headers.get("etag")
            if conditional and etag:
                await _maybe_await(self.etags.put(final_url, etag, _pack(response.headers, raw)))
            return ForgeResponse(final_url, response.status_code, response.headers, data)

        return await self._exchange(
            method,
            url,
            adapter=adapter,
            kind=kind,
            headers=headers,
            auth_scheme=auth_scheme,
            conditional=conditional,
            consume=consume,
            payload=payload,
        )

    async def download(
        self,
        url: str,
        dest: Path,
        *,
        adapter: str,
        max_bytes: int,
        kind: str = "archive",
        auth_scheme: str = "Bearer",
    ) -> Download:
        """Stream ``url`` to ``dest`` (through ``dest.part``), refusing more than ``max_bytes``.

        Raises :class:`TooLarge` as soon as the size is known to exceed the cap (from
        ``Content-Length`` or while counting), and leaves no partial file behind.
        """
        dest = Path(dest)
        part = dest.with_name(dest.name + ".part")

        async def consume(response: httpx.Response, final_url: str) -> Download:
            _refuse_declared_size(response, final_url, max_bytes)
            size = 0
            # Plain blocking writes: chunks are small and the disk is faster than the network.
            with part.open("wb") as handle:
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"archive over {max_bytes} bytes", url=final_url, status=200)
                    handle.write(chunk)
            part.replace(dest)
            return Download(dest, size, final_url)

        try:
            return await self._exchange(
                "GET",
                url,
                adapter=adapter,
                kind=kind,
                headers={"Accept": "*/*"},
                auth_scheme=auth_scheme,
                conditional=False,
                consume=consume,
            )
        finally:
            part.unlink(missing_ok=True)

    # The exchange loop: one request at a time until an answer, an error, or no attempt left.

    async def _exchange(
        self,
        method: str,
        url: str,
        *,
        adapter: str,
        kind: str,
        headers: Mapping[str, str] | None,
        auth_scheme: str,
        conditional: bool,
        consume: Consume,
        payload: object = None,
    ) -> Any:
        try:
            return await self._loop(
                method,
                url,
                adapter=adapter,
                kind=kind,
                headers=headers,
                auth_scheme=auth_scheme,
                conditional=conditional,
                consume=consume,
                payload=payload,
            )
        except NotFound as exc:
            self.stats.of(host_of(exc.url or url), kind).not_found += 1
            raise
        except ForgeError as exc:
            self.stats.of(host_of(exc.url or url), kind).errors += 1
            raise

    async def _loop(
        self,
        method: str,
        url: str,
        *,
        adapter: str,
        kind: str,
        headers: Mapping[str, str] | None,
        auth_scheme: str,
        conditional: bool,
        consume: Consume,
        payload: object,
    ) -> Any:
        resource = "graphql" if kind == "graphql" else "core"
        failures = 0
        waits = 0
        switches = 0
        redirects = 0
        redirected_from: str | None = None
        while True:
            host = host_of(url)
            counts = self.stats.of(host, kind)
            pool = self._pool(host)
            choice = pool.choose(resource)
            if choice is None:
                raise Unauthorized(f"every token for {host} was refused", url=url, status=401)
            if choice.wait:
                waits += 1
                if choice.wait > self.max_wait or waits > self.max_attempts:
                    raise RateLimited(
                        f"rate limit of {host} spent; it resets in {choice.wait:.0f} s",
                        url=url,
                        reset_at=self._clock() + choice.wait,
                    )
                logger.info("rate limit of %s spent: sleeping %.0f s", host, choice.wait)
                await self._pause(counts, choice.wait, rate_limit=True)
                continue

            cached = None
            if conditional and method == "GET":
                cached = await _maybe_await(self.etags.get(url))
            request_headers = {
                "User-Agent": self.user_agent(adapter),
                "Accept": "application/json",
                **(headers or {}),
            }
            if choice.token is not None:
                request_headers["Authorization"] = f"{auth_scheme} {choice.token}"
            if cached is not None:
                request_headers["If-None-Match"] = cached[0]

            counts.requests += 1
            try:
                async with (
                    self._limit(host),
                    self._http.stream(
                        method,
                        url,
                        headers=request_headers,
                        json=payload if method == "POST" else None,
                    ) as response,
                ):
                    pool.update(choice.token, response.headers, resource)
                    outcome = await self._handle(
                        response, url, cached, choice.token, pool, resource, consume
                    )
            except _Retry as retry:
                outcome = retry
            except httpx.UnsupportedProtocol as exc:
                raise ForgeError(f"cannot fetch: {exc}", url=url) from exc
            except httpx.TransportError as exc:
                outcome = _Retry(Unreachable(f"{type(exc).__name__}: {exc}", url=url))

            if isinstance(outcome, _Switch):
                # Each switch spends or drops a token; a forge that keeps refusing fresh
                # tokens must not keep us here forever.
                switches += 1
                if switches > self.max_attempts * (len(self._tokens.get(host, ())) + 1):
                    raise RateLimited(f"{host} refuses every token", url=url)
                continue
            if isinstance(outcome, _Redirect):
                redirects += 1
                counts.redirects += 1
                if redirects > MAX_REDIRECTS or method != "GET":
                    raise BadResponse(f"redirected too often or on a {method}", url=url)
                # Never follow HTTPS down to plain HTTP: tokens and bodies would travel bare.
                if url.startswith("https:") and outcome.url.startswith("http:"):
                    raise BadResponse(f"redirected to insecure {outcome.url}", url=url)
                if outcome.permanent and redirected_from is None:
                    redirected_from = url
                logger.info("%s redirects to %s", url, outcome.url)
                url = outcome.url
                continue
            if isinstance(outcome, _Retry):
                failures += 1
                if failures >= self.max_attempts:
                    raise outcome.error
                delay = outcome.delay if outcome.delay is not None else self._backoff(failures)
                if delay > self.max_wait:
                    raise RateLimited(
                        f"asked to wait {delay:.0f} s, more than {self.max_wait:.0f} s",
                        url=url,
                        status=outcome.error.status,
                        reset_at=self._clock() + delay,
                    )
                counts.retries += 1
                logger.info("retrying in %.1f s: %s", delay, outcome.error)
                await self._pause(counts, delay, rate_limit=outcome.delay is not None)
                continue
            if isinstance(outcome, ForgeResponse):
                if outcome.not_modified:
                    counts.not_modified += 1
                if redirected_from is not None:
                    outcome = _with_origin(outcome, redirected_from)
            return outcome

    async def _handle(
        self,
        response: httpx.Response,
        url: str,
        cached: tuple[str, bytes] | None,
        token: str | None,
        pool: TokenPool,
        resource: str,
        consume: Consume,
    ) -> Any:
        """Decide what one answer means: a result, a redirect, a retry, or an error."""
        status = response.status_code
        if status == 304 and cached is not None:
            return _replay(url, response, cached[1])
        if status in (301, 302, 303, 307, 308):
            location = response.headers.get("location")
            if not location:
                raise BadResponse(f"{status} redirect without a Location", url=url, status=status)
            return _Redirect(urljoin(url, location), permanent=status in (301, 308))
        if 200 <= status < 300:
            return await consume(response, url)

        body = await self._read(response, url, MAX_ERROR_BODY_BYTES, truncate=True)
        message = _forge_message(body)
        now = self._clock()
        if status == 401:
            if token is not None and pool.revoke(token):
                logger.warning("a token for %s was refused; trying the next one", host_of(url))
                return _Switch()
            raise Unauthorized(f"401 unauthorized: {message}", url=url, status=status)
        if status in (403, 429):
            limit = read_rate_limit(response.headers, now)
            if limit is not None and limit.remaining == 0:
                pool.exhaust(token, limit.resource or resource, limit.reset_at)
                return _Switch()
            retry_after = parse_retry_after(response.headers.get("retry-after"), now)
            secondary = any(word in message.lower() for word in SECONDARY_LIMIT_WORDS)
            if retry_after is not None or status == 429 or secondary:
                error = RateLimited(f"{status} rate limited: {message}", url=url, status=status)
                return _Retry(error, DEFAULT_WAIT if retry_after is None else retry_after)
            raise Forbidden(f"403 forbidden: {message}", url=url, status=status)
        if status in (404, 410):
            raise NotFound(f"{status} not found", url=url, status=status)
        if status >= 500:
            retry_after = None
            if status == 503:
                retry_after = parse_retry_after(response.headers.get("retry-after"), now)
            return _Retry(ServerError(f"{status}: {message}", url=url, status=status), retry_after)
        raise ForgeError(f"{status}: {message}", url=url, status=status)

    async def _read(
        self, response: httpx.Response, url: str, limit: int, *, truncate: bool = False
    ) -> bytes:
        """The body, streamed; over ``limit`` bytes it is cut (``truncate``) or refused."""
        if not truncate:
            _refuse_declared_size(response, url, limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                if truncate:
                    chunks.append(chunk[: limit - (size - len(chunk))])
                    break
                raise TooLarge(f"body over {limit} bytes", url=url, status=response.status_code)
            chunks.append(chunk)
        return b"".join(chunks)

    def _backoff(self, failures: int) -> float:
        # Full jitter (a uniform draw below the exponential bound) spreads the retries
        # of many workers hitting the same failing forge.
        bound = min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1))
        return self._jitter() * bound

    async def _pause(self, counts: RequestCounts, seconds: float, *, rate_limit: bool) -> None:
        counts.slept_seconds += seconds
        if rate_limit:
            counts.rate_limit_waits += 1
        await self._sleep(seconds)

    def _pool(self, host: str) -> TokenPool:
        if host not in self._pools:
            self._pools[host] = TokenPool(
                self._tokens.get(host, ()), clock=self._clock, shared=self.budgets, host=host
            )
        return self._pools[host]

    def _limit(self, host: str) -> asyncio.Semaphore:
        if host not in self._limits:
            self._limits[host] = asyncio.Semaphore(self.per_host)
        return self._limits[host]


async def _maybe_await(value: Any) -> Any:
    """Stores may be sync or async: await what needs awaiting."""
    return await value if inspect.isawaitable(value) else value


def _refuse_declared_size(response: httpx.Response, url: str, limit: int) -> None:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(
            f"body of {declared} bytes over the {limit}-byte cap",
            url=url,
            status=response.status_code,
        )


def _decode_json(raw: bytes, response: httpx.Response, url: str) -> Any:
    """The JSON of a body; HTML or invalid JSON is a failure worth a retry."""
    status = response.status_code
    if not raw.strip():
        if status == 204:
            return None
        raise _Retry(BadResponse(f"empty body with status {status}", url=url, status=status))
    content_type = response.headers.get("content-type", "")
    # Proxies, login walls and maintenance pages answer HTML with a 200.
    if "html" in content_type or raw.lstrip()[:1] == b"<":
        error = BadResponse(f"HTML instead of JSON ({len(raw)} bytes)", url=url, status=status)
        raise _Retry(error)
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise _Retry(
            BadResponse(f"invalid or truncated JSON: {exc}", url=url, status=status)
        ) from exc


def _forge_message(body: bytes) -> str:
    """The forge's own words about an error: its JSON ``message``, else the start of the body."""
    try:
        data = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace").strip() or "no message"
    if isinstance(data, dict):
        for key in ("message", "error", "error_description", "errors"):
            if data.get(key):
                value = data[key]
                if isinstance(value, dict):
                    value = value.get("message", value)
                return str(value)[:300]
    return str(data)[:200]


def _pack(headers: httpx.Headers, raw: bytes) -> bytes:
    """What the ETag store keeps: the paging headers on one line, then the raw body."""
    kept = {name: headers[name] for name in REPLAYED_HEADERS if name in headers}
    return json.dumps(kept).encode() + b"\n" + raw


def _replay(url: str, response: httpx.Response, packed: bytes) -> ForgeResponse:
    head, _, raw = packed.partition(b"\n")
    headers = httpx.Headers(json.loads(head))
    # A 304 may carry fresh paging headers; they win over the stored ones.
    for name in REPLAYED_HEADERS:
        if name in response.headers:
            headers[name] = response.headers[name]
    return ForgeResponse(url, 304, headers, json.loads(raw), not_modified=True)


def _with_origin(response: ForgeResponse, origin: str) -> ForgeResponse:
    return ForgeResponse(
        response.url,
        response.status,
        response.headers,
        response.data,
        response.not_modified,
        redirected_from=origin,
    )
