"""The emulator's HTTP server: routing, ETags and 304s, budgets, faults, statistics.

:class:`Emulator` decides every answer (no sockets: tests may call
:meth:`Emulator.respond` directly); :class:`EmulatorServer` puts it behind the standard
library's ``ThreadingHTTPServer`` with HTTP/1.1 keep-alive, in a thread of its own::

    server = EmulatorServer(build_world(repositories=200, owners=20)).start()
    ...  # server.url is "http://127.0.0.1:PORT"
    server.stop()

Order of the checks for a request to a forge:

1. control endpoints (``/_emulator/…``) answer at once, free and never faulted;
2. a fault may be drawn (API requests and archives; not git): a failing fault answers
   without touching any state;
3. the forge's dialect answers (pure: reading the world only);
4. budgets (GitHub- and GitLab-shaped APIs): a spent budget answers 403 (GitHub), 429
   (GitLab) or a ``RATE_LIMITED`` GraphQL error, whatever the request;
5. a JSON answer gets a weak ETag from its body; an ``If-None-Match`` that matches gets a
   304 which spends nothing; any other answer spends its cost and carries the
   ``X-RateLimit-*`` (GitHub) or ``RateLimit-*`` (GitLab) headers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
import socket
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from communs.emulator import gitea, github, gitlab, gitlab_graphql, graphql
from communs.emulator.budget import Budgets, State
from communs.emulator.faults import KINDS, Fault, FaultPlan
from communs.emulator.git import GitStore
from communs.emulator.protocol import (
    Answer,
    Request,
    Urls,
    api_path,
    codeload_path,
    json_answer,
    web_path,
)
from communs.emulator.sourcesfile import sources_yaml
from communs.emulator.world import ForgeWorld, World

logger = logging.getLogger(__name__)

CONTROL = "/_emulator"
DEFAULT_PAGE_CAP = 50
GITHUB_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
    "again. If you reach out to GitHub Support for help, please include the request ID "
    "0000:0000:0000000:0000000:00000000."
)


@dataclass(frozen=True)
class Settings:
    """How the emulator behaves; every delay is configurable so tests cost no time."""

    page_cap: int = DEFAULT_PAGE_CAP
    rate_limit: int = 5000
    anonymous_rate_limit: int | None = None
    rate_window: float = 3600.0
    faults: float = 0.0
    fault_seed: int = 0
    fault_kinds: tuple[str, ...] = ()
    retry_after: int = 1
    slow_seconds: float = 1.0
    # When set, only these tokens are accepted (others get 401); any token otherwise.
    tokens: tuple[str, ...] = ()
    # GitLab's GraphQL: off as on an old or locked-down instance (404), and its maximum
    # query complexity when an administrator changed it (None: GitLab's 200 and 250).
    gitlab_graphql: bool = True
    gitlab_max_complexity: int | None = None


@dataclass
class Route:
    """Where a path leads: a forge, the area of it (api, web, codeload), and the prefix."""

    forge: ForgeWorld
    area: str
    prefix: str


class Emulator:
    """Answers requests for a :class:`World`; thread-safe."""

    def __init__(
        self,
        world: World,
        settings: Settings | None = None,
        *,
        git_root: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.world = world
        self.settings = settings or Settings()
        self.clock = clock
        self.budgets = Budgets(
            self.settings.rate_limit,
            anonymous_limit=self.settings.anonymous_rate_limit,
            window=self.settings.rate_window,
            clock=clock,
        )
        self.faults = FaultPlan(
            self.settings.faults, self.settings.fault_seed, self.settings.fault_kinds or KINDS
        )
        self._own_git_root = git_root is None
        self.git = GitStore(git_root or Path(tempfile.mkdtemp(prefix="communs-emulator-git-")))
        self._stats_lock = threading.Lock()
        self.stats: Counter[str] = Counter()
        self.routes: dict[str, Route] = {}
        for forge in world.forges.values():
            if forge.dialect == "github":
                self.routes[forge.name] = Route(forge, "api", api_path(forge.name, "github"))
                self.routes[f"{forge.name}-web"] = Route(
                    forge, "web", web_path(forge.name, "github")
                )
                self.routes[f"{forge.name}-codeload"] = Route(
                    forge, "codeload", codeload_path(forge.name)
                )
            else:
                self.routes[forge.name] = Route(forge, "web", web_path(forge.name, forge.dialect))

    def close(self) -> None:
        """Remove the git repositories if they live in a temporary folder of our own."""
        if self._own_git_root:
            shutil.rmtree(self.git.root, ignore_errors=True)

    # Statistics.

    def count(self, *names: str) -> None:
        with self._stats_lock:
            for name in names:
                self.stats[name] += 1

    def stats_json(self) -> dict[str, Any]:
        with self._stats_lock:
            stats = dict(self.stats)

        def group(prefix: str) -> dict[str, int]:
            return {k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}

        return {
            "requests": stats.get("requests", 0),
            "not_modified": stats.get("not_modified", 0),
            "rate_limited": stats.get("rate_limited", 0),
            "faults_injected": sum(group("fault:").values()),
            "faults": group("fault:"),
            "endpoints": group("endpoint:"),
            "statuses": group("status:"),
            "git_repositories_built": self.git.built,
            "repositories": self.world.repository_count,
            "touched": len(self.world.touched),
        }

    # Routing.

    def route(self, path: str) -> Route | None:
        first = path.strip("/").split("/", 1)[0]
        route = self.routes.get(first)
        if route is None:
            return None
        if route.area == "web" and route.forge.dialect != "github":
            api = api_path(route.forge.name, route.forge.dialect)
            if path == api or path.startswith(api + "/"):
                return Route(route.forge, "api", api)
        return route

    def urls(self, request: Request, forge: ForgeWorld) -> Urls:
        return Urls.of(request.base_url, forge.name, forge.dialect)

    def respond(self, request: Request) -> tuple[Answer, Fault | None]:
        """The answer to ``request`` and the fault drawn for it (the transport acts on
        ``cut`` and ``slow``; other faults are already in the answer)."""
        if request.path == CONTROL or request.path.startswith(CONTROL + "/"):
            return self.control(request), None
        self.count("requests")
        route = self.route(request.path)
        if route is None:
            return self._finish(
                json_answer({"message": "Not Found"}, status=404, endpoint="unknown")
            ), None
        request.with_segments(route.prefix)
        git_route = route.area == "web" and any(s.endswith(".git") for s in request.segments)
        fault = (
            None
            if git_route
            else self.faults.decide(request.method, request.path + "?" + _query(request))
        )
        if fault is not None:
            self.count(f"fault:{fault.kind}")
            if fault.kind not in ("cut", "slow"):
                return self._finish(self.fault_answer(fault, route.forge)), fault
        try:
            answer = self.dispatch(route, request, git_route)
        except Exception:
            logger.exception("the emulator failed on %s %s", request.method, request.path)
            answer = json_answer(
                {"message": "emulator error"}, status=500, endpoint="error", resource=None
            )
        if fault is not None and fault.kind == "cut":
            # A cut answer is only sent in part: it spends nothing and counts no 304.
            return self._finish(answer), fault
        return self._finish(self.account(route.forge, request, answer)), fault

    def _finish(self, answer: Answer) -> Answer:
        self.count(f"endpoint:{answer.endpoint or 'unknown'}", f"status:{answer.status}")
        return answer

    def dispatch(self, route: Route, request: Request, git_route: bool) -> Answer:
        forge = route.forge
        urls = self.urls(request, forge)
        dialect = forge.dialect
        answer: Answer | None = None
        if git_route:
            answer = self.git_answer(forge, request)
        elif route.area == "codeload":
            answer = github.codeload(forge, request, urls, self.git)
        elif dialect == "github" and route.area == "api":
            if request.segments == ["graphql"] and request.method == "POST":
                answer = self.graphql(forge, request, urls)
            elif request.segments == ["rate_limit"] and request.method == "GET":
                answer = self.rate_limit(forge, request)
            else:
                answer = github.api(forge, request, urls)
        elif dialect == "github":
            answer = github.web(forge, request, urls)
        elif dialect == "gitlab" and route.area == "api":
            answer = gitlab.api(forge, request, urls, self.git)
        elif dialect == "gitea" and route.area == "api":
            answer = gitea.api(forge, request, urls, self.git, self.settings.page_cap)
        elif dialect == "gitea":
            answer = gitea.web(forge, request, self.git)
        elif (
            dialect == "gitlab"
            and route.area == "web"
            and request.segments == ["api", "graphql"]
            and self.settings.gitlab_graphql
        ):
            answer = self.gitlab_graphql(forge, request, urls)
        elif dialect == "gitlab" and route.area == "web":
            answer = _gitlab_web_archive(forge, request, urls, self.git)
        if answer is None:
            if route.area == "api" and dialect == "github":
                return github.not_found(f"{dialect}.unknown")
            if route.area == "api" and dialect == "gitlab":
                return json_answer(
                    {"error": "404 Not Found"}, status=404, endpoint=f"{dialect}.unknown"
                )
            return json_answer(
                {"message": "Not Found"}, status=404, endpoint=f"{dialect}.unknown", resource=None
            )
        return answer

    def git_answer(self, forge: ForgeWorld, request: Request) -> Answer:
        segments = request.segments
        end = next(i for i, s in enumerate(segments) if s.endswith(".git"))
        full_path = "/".join(segments[: end + 1])[: -len(".git")]
        rest = "/".join(segments[end + 1 :])
        index = forge.find(full_path)
        if index is None:
            return Answer(
                404,
                b"Repository not found\n",
                [("Content-Type", "text/plain")],
                endpoint="git",
                resource=None,
            )
        return self.git.http_backend(forge, index, request, rest)

    # Tokens, budgets and conditional requests.

    def identity(self, request: Request) -> str:
        token = request.token()
        return f"token:{token}" if token else f"anonymous:{request.client}"

    def refused_token(self, request: Request) -> bool:
        token = request.token()
        return bool(token and self.settings.tokens and token not in self.settings.tokens)

    def account(self, forge: ForgeWorld, request: Request, answer: Answer) -> Answer:
        dialect = forge.dialect
        metered = answer.resource is not None and dialect in ("github", "gitlab")
        if self.refused_token(request):
            return _unauthorized(dialect)
        identity = self.identity(request)
        if metered:
            assert answer.resource is not None
            state = self.budgets.peek(forge.name, answer.resource, identity)
            if state.remaining < answer.cost:
                self.count("rate_limited")
                return self.exhausted(forge, request, state)
        etag = None
        if answer.cacheable and request.method == "GET":
            etag = 'W/"' + hashlib.blake2b(answer.body, digest_size=16).hexdigest() + '"'
            answer.headers.append(("ETag", etag))
            if dialect == "github":
                answer.headers.append(("Cache-Control", "private, max-age=60, s-maxage=60"))
            if _matches(request.headers.get("If-None-Match"), etag):
                self.count("not_modified")
                kept = [(k, v) for k, v in answer.headers if k.lower() in _KEPT_ON_304]
                answer = Answer(304, b"", kept, endpoint=answer.endpoint, resource=answer.resource)
                if metered:
                    assert answer.resource is not None
                    state = self.budgets.peek(forge.name, answer.resource, identity)
                    answer.headers += _rate_headers(dialect, state)
                return answer
        if metered:
            assert answer.resource is not None
            allowed, state = self.budgets.spend(forge.name, answer.resource, identity, answer.cost)
            if not allowed:
                self.count("rate_limited")
                return self.exhausted(forge, request, state)
            answer.headers += _rate_headers(dialect, state)
        return answer

    def exhausted(self, forge: ForgeWorld, request: Request, state: State) -> Answer:
        """The answer of a spent budget, in the forge's own words."""
        headers = _rate_headers(forge.dialect, state)
        if forge.dialect == "gitlab":
            wait = max(state.reset - int(self.clock()), 0)
            body = b"Retry later\n"
            headers += [("Retry-After", str(wait)), ("Content-Type", "text/plain")]
            return Answer(429, body, headers, endpoint="rate_limited", resource=None)
        if state.resource == "graphql":
            who = request.token() or request.client
            return json_answer(
                {
                    "errors": [
                        {
                            "type": "RATE_LIMITED",
                            "message": f"API rate limit exceeded for {_who(who)}.",
                        }
                    ]
                },
                endpoint="rate_limited",
                headers=headers,
                resource=None,
            )
        if request.token():
            message = f"API rate limit exceeded for {_who(request.token() or '')}."
        else:
            message = (
                f"API rate limit exceeded for {request.client}. (But here's the good news: "
                "Authenticated requests get a higher rate limit. Check out the documentation "
                "for more details.)"
            )
        answer = json_answer(
            {
                "message": message,
                "documentation_url": f"{GITHUB_DOCS}#about-the-primary-rate-limit",
            },
            status=403,
            endpoint="rate_limited",
            headers=headers,
            resource=None,
        )
        answer.cacheable = False
        return answer

    def rate_limit(self, forge: ForgeWorld, request: Request) -> Answer:
        """``GET /rate_limit``: free, as on GitHub."""
        identity = self.identity(request)
        budgets = {}
        for resource in ("core", "graphql", "search"):
            state = self.budgets.peek(forge.name, resource, identity)
            budgets[resource] = (state.limit, state.remaining, state.reset)
        answer = json_answer(
            github.rate_limit_json(budgets), endpoint="github.rate_limit", resource=None
        )
        answer.cacheable = False
        return answer

    def graphql(self, forge: ForgeWorld, request: Request, urls: Urls) -> Answer:
        if not request.token():
            return json_answer(
                {
                    "message": "This endpoint requires you to be authenticated.",
                    "documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql",
                },
                status=401,
                endpoint="github.graphql",
                resource=None,
            )
        try:
            payload = json.loads(request.body or b"null")
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return json_answer(
                {"message": "Problems parsing JSON"},
                status=400,
                endpoint="github.graphql",
                resource=None,
            )
        state = self.budgets.peek(forge.name, "graphql", self.identity(request))
        context = graphql.Context(
            forge=forge,
            web_url=urls.web,
            api_url=urls.api,
            limit=state.limit,
            remaining=state.remaining,
            reset_at=state.reset,
        )
        outcome = graphql.execute(payload, context)
        answer = json_answer(outcome.body, endpoint="github.graphql", resource="graphql")
        answer.cost = outcome.cost
        answer.cacheable = False
        return answer

    def gitlab_graphql(self, forge: ForgeWorld, request: Request, urls: Urls) -> Answer | None:
        """GitLab's ``/api/graphql``: a query by GET (cacheable: ETags and 304s, as Rails
        gives them) or by POST; anonymous visitors too."""
        if request.method == "GET":
            payload: Any = dict(request.query)
        elif request.method == "POST":
            try:
                payload = json.loads(request.body or b"null")
            except ValueError:
                payload = None
        else:
            return None
        if not isinstance(payload, dict):
            return json_answer(
                {"errors": [{"message": "Unexpected end of input"}]},
                status=422,
                endpoint="gitlab.graphql",
            )
        outcome = gitlab_graphql.execute(
            payload,
            forge,
            urls.web,
            token=bool(request.token()),
            limit=self.settings.gitlab_max_complexity,
        )
        answer = json_answer(outcome.body, status=outcome.status, endpoint="gitlab.graphql")
        answer.cacheable = request.method == "GET" and outcome.status == 200
        return answer

    # Faults.

    def fault_answer(self, fault: Fault, forge: ForgeWorld) -> Answer:
        wait = self.settings.retry_after
        endpoint = f"fault.{fault.kind}"
        if fault.kind == "500":
            return json_answer(
                {"message": "Server Error"}, status=500, endpoint=endpoint, resource=None
            )
        if fault.kind == "502":
            # Proxies in front of forges answer a gateway error in HTML.
            body = b"<html><head><title>502 Bad Gateway</title></head>"
            body += b"<body><h1>502 Bad Gateway</h1></body></html>\n"
            return Answer(
                502, body, [("Content-Type", "text/html")], endpoint=endpoint, resource=None
            )
        if fault.kind == "503":
            answer = json_answer(
                {"message": "Service Unavailable"}, status=503, endpoint=endpoint, resource=None
            )
            answer.headers.append(("Retry-After", str(wait)))
            return answer
        if fault.kind == "429":
            answer = json_answer(
                {"message": "Too Many Requests"}, status=429, endpoint=endpoint, resource=None
            )
            answer.headers.append(("Retry-After", str(wait)))
            return answer
        # "403": a secondary rate limit, said every way clients look for it.
        answer = json_answer(
            {
                "message": SECONDARY_MESSAGE,
                "documentation_url": f"{GITHUB_DOCS}#about-secondary-rate-limits",
            },
            status=403,
            endpoint=endpoint,
            resource=None,
        )
        answer.headers += [
            ("Retry-After", str(wait)),
            ("X-RateLimit-Remaining", "0"),
            # A reset in the past reads as a broken clock to clients: one second at least.
            ("X-RateLimit-Reset", str(int(self.clock()) + max(wait, 1))),
        ]
        return answer

    # Control endpoints.

    def control(self, request: Request) -> Answer:
        action = request.path[len(CONTROL) :].strip("/")
        endpoint = f"control.{action or 'index'}"
        if action in ("", "index"):
            return json_answer(self.describe(request.base_url), endpoint=endpoint, resource=None)
        if action == "stats":
            return json_answer(self.stats_json(), endpoint=endpoint, resource=None)
        if action == "sources.yml":
            text = sources_yaml(self.world, request.base_url).encode()
            return Answer(
                200, text, [("Content-Type", "application/yaml; charset=utf-8")], endpoint, None
            )
        if action == "top_organizations.yml":
            text = self.world.data.ministries_yaml().encode()
            return Answer(
                200, text, [("Content-Type", "application/yaml; charset=utf-8")], endpoint, None
            )
        if action == "touch":
            try:
                fraction = float(request.query.get("fraction", "0.01"))
                seed = int(request.query.get("seed", "0"))
                touched = self.world.touch(fraction, seed)
            except ValueError as error:
                return json_answer(
                    {"message": str(error)}, status=400, endpoint=endpoint, resource=None
                )
            repositories = [{"forge": name, "full_path": path} for name, path in touched]
            return json_answer(
                {
                    "touched": len(touched),
                    "total": self.world.repository_count,
                    "repositories": repositories,
                },
                endpoint=endpoint,
                resource=None,
            )
        if action == "reset":
            self.reset()
            return json_answer({"reset": True}, endpoint=endpoint, resource=None)
        return json_answer({"message": "Not Found"}, status=404, endpoint=endpoint, resource=None)

    def reset(self) -> None:
        """Back to the world as generated: no touch, full budgets, no count, no fault drawn."""
        self.world.reset()
        self.budgets.reset()
        self.faults.reset()
        with self._stats_lock:
            self.stats.clear()

    def describe(self, base_url: str) -> dict[str, Any]:
        forges = []
        for forge in self.world.forges.values():
            urls = Urls.of(base_url, forge.name, forge.dialect)
            forges.append(
                {
                    "name": forge.name,
                    "kind": forge.kind,
                    "dialect": forge.dialect,
                    "url": urls.web,
                    "api_url": urls.api,
                    "repositories": forge.count,
                    "owners": len(forge.owners),
                    "whole": forge.whole,
                    "generated_as": forge.origin_host,
                }
            )
        return {
            "seed": self.world.seed,
            "repositories": self.world.repository_count,
            "forges": forges,
            "sources": f"{base_url}{CONTROL}/sources.yml",
        }


def _gitlab_web_archive(
    forge: ForgeWorld, request: Request, urls: Urls, git: GitStore
) -> Answer | None:
    """``/{path}/-/archive/{ref}/{name}-{ref}.tar.gz``: GitLab's web archive route."""
    parts = request.segments
    if "-" not in parts:
        return None
    cut = parts.index("-")
    if parts[cut + 1 : cut + 2] != ["archive"] or len(parts) < cut + 4:
        return None
    index = forge.find("/".join(parts[:cut]))
    if index is None:
        return None
    ref = "/".join(parts[cut + 2 : -1])
    made = git.archive(
        forge, index, ref, f"{forge.record(index).name}-{ref.replace('/', '-')}-{{full_sha}}"
    )
    if made is None:
        return None
    return Answer(
        200,
        made[0],
        [("Content-Type", "application/octet-stream")],
        endpoint="gitlab.web_archive",
        resource=None,
    )


_KEPT_ON_304 = {"etag", "cache-control", "link", "x-next-page", "x-page", "x-per-page", "x-total",
                "x-total-pages", "x-prev-page", "x-total-count"}  # fmt: skip


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(candidate.strip().removeprefix("W/") == bare for candidate in header.split(","))


def _rate_headers(dialect: str, state: State) -> list[tuple[str, str]]:
    if dialect == "gitlab":
        return [
            ("RateLimit-Limit", str(state.limit)),
            ("RateLimit-Observed", str(state.used)),
            ("RateLimit-Remaining", str(state.remaining)),
            ("RateLimit-Reset", str(state.reset)),
            ("RateLimit-ResetTime", formatdate(state.reset, usegmt=True)),
        ]
    return [
        ("X-RateLimit-Limit", str(state.limit)),
        ("X-RateLimit-Remaining", str(state.remaining)),
        ("X-RateLimit-Reset", str(state.reset)),
        ("X-RateLimit-Used", str(state.used)),
        ("X-RateLimit-Resource", state.resource),
    ]


def _unauthorized(dialect: str) -> Answer:
    if dialect == "gitlab":
        return json_answer(
            {"message": "401 Unauthorized"}, status=401, endpoint="unauthorized", resource=None
        )
    return json_answer(
        {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
        status=401,
        endpoint="unauthorized",
        resource=None,
    )


def _who(token: str) -> str:
    """GitHub names the owner of a token by a user id: a stable one per token here."""
    number = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "big")
    return f"user ID {1 + number % 10_000_000}"


def _query(request: Request) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(request.query.items()))


# ---------------------------------------------------------------------------------------
# The transport


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CommunsEmulator/1"
    emulator: Emulator

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; without this, Nagle's algorithm and the
        # client's delayed ACK hold every answer about 40 ms on a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        logger.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        self.handle_one()

    def do_POST(self) -> None:  # noqa: N802
        self.handle_one()

    def do_HEAD(self) -> None:  # noqa: N802
        self.handle_one()

    def read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # Trailers, if any, end with a blank line.
                    while self.rfile.readline().strip():
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_one(self) -> None:
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        # HEAD is answered as GET is, and the transport leaves the body out.
        request = Request.parse(
            "GET" if self.command == "HEAD" else self.command,
            self.path,
            self.headers,
            self.read_body(),
            base_url=f"http://{host}",
            client=self.client_address[0],
        )
        answer, fault = self.emulator.respond(request)
        if fault is not None and fault.kind == "slow":
            time.sleep(self.emulator.settings.slow_seconds)
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        if fault is not None and fault.kind == "cut" and len(answer.body) > 1:
            # Promise the whole body, send half of it, and hang up.
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body[: len(answer.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD" and answer.status != 304:
            self.wfile.write(answer.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class EmulatorServer:
    """An :class:`Emulator` on a port (0: any free one), served from a background thread."""

    def __init__(
        self,
        world: World,
        settings: Settings | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        git_root: Path | None = None,
    ) -> None:
        self.emulator = Emulator(world, settings, git_root=git_root)
        handler = type("Handler", (_Handler,), {"emulator": self.emulator})
        self.httpd = _Server((host, port), handler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        """``http://host:port``, with 127.0.0.1 for a server listening on every address."""
        host = str(self.httpd.server_address[0])
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 - naming the wildcard, not binding it
            host = "127.0.0.1"
        return f"http://{host}:{self.port}"

    def sources_yaml(self) -> str:
        return sources_yaml(self.emulator.world, self.url)

    def write_sources(self, folder: Path) -> Path:
        """Write the sources file (and the ministries beside it) into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "top_organizations.yml").write_text(
            self.emulator.world.data.ministries_yaml(), encoding="utf-8"
        )
        path = folder / "comptes-organismes-publics.yml"
        path.write_text(self.sources_yaml(), encoding="utf-8")
        return path

    def start(self) -> str:
        """Serve in a daemon thread; returns the base URL."""
        # A short poll keeps stop() quick: shutdown waits for the loop's next look.
        self._thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="communs-emulator",
            daemon=True,
        )
        self._thread.start()
        return self.url

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving, close the socket, and remove the git cache if it was a temporary one."""
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self.httpd.server_close()
        self.emulator.close()

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
