"""What every answer under ``/api/`` shares, around whatever view answers it.

In order, for a request whose path starts with ``/api/``:

1. ``OPTIONS`` (a CORS preflight, or a client asking what it may do) is answered at
   once, 204, with the methods and headers allowed, and is not counted;
2. the client's address spends one request of its budget (``API_RATE_LIMIT``, counted
   in Django's cache per fixed window); past it the answer is 429 with
   ``Retry-After`` and a JSON body saying the limit and when to retry;
3. ``HEAD`` is answered as ``GET`` without the body (ninja routes only ``GET``);
4. any error the view layer gave as HTML (a URL no operation matches, a method not
   allowed, a server error) becomes ``{"detail": ...}`` with the same status;
5. a successful ``GET`` gets an ``ETag``, a hash of its body, and becomes a 304 when
   ``If-None-Match`` (or ``If-Modified-Since`` against the view's ``Last-Modified``)
   says the client holds it already;
6. every answer allows reading from any origin, without credentials; the one operation
   that takes a body (``POST /api/publiccode/validate``, which stores nothing) may be
   called from any origin too, still without credentials.

The counters live in the default cache: with the local-memory cache each server
process counts on its own (see docs/api.md), a shared cache makes the budget global.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import parse_http_date_safe, quote_etag
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from communs.api.ratelimit import Rate, client_address, parse_rate, window

PREFIX = "/api/"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# The operations that read a body rather than the index (by URL name: the publiccode.yml
# validator, at both its addresses). They store nothing, so a page on any site may call
# them as it may read the rest; a preflight must say POST for the browser to send it.
POST_OPERATIONS = frozenset({"validate_publiccode", "api-publiccode-validate"})
POST_METHODS = "POST, OPTIONS"
ALLOWED_HEADERS = "Accept, Accept-Language, Content-Type, If-Modified-Since, If-None-Match"
EXPOSED_HEADERS = (
    "ETag, Last-Modified, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)
# Browsers may keep a preflight's answer this long (seconds) before asking again.
PREFLIGHT_MAX_AGE = 86400
# How long a client may reuse an answer before asking again (with its ETag).
MAX_AGE = 60

PERIOD_NAMES = {
    "second": pgettext_lazy("rate limit period", "second"),
    "minute": pgettext_lazy("rate limit period", "minute"),
    "hour": pgettext_lazy("rate limit period", "hour"),
    "day": pgettext_lazy("rate limit period", "day"),
}


@lru_cache(maxsize=8)
def current_rate(text: str) -> Rate | None:
    """The budget the setting says; a wrong setting is reported by ``manage.py check``
    (``communs.api.checks``), and meanwhile limits nothing rather than failing."""
    try:
        return parse_rate(text)
    except ValueError:
        return None


class ApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS":
            # A CORS preflight, or a client asking what it may do: the same answer.
            response: HttpResponseBase = HttpResponse(status=204)
            methods = allowed_methods(request.path_info)
            response["Allow"] = methods
            response["Access-Control-Allow-Methods"] = methods
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
            return _allow_cors(response)
        budget = self._spend(request)
        if budget is not None and budget.exceeded:
            response = budget.refusal()
        else:
            head = request.method == "HEAD"
            if head:
                request.method = "GET"
            response = self.get_response(request)
            response = _conditional(request, response)
            response = _as_json_error(response, allowed_methods(request.path_info))
            if head:
                request.method = "HEAD"
                _drop_body(response)
        if budget is not None:
            budget.annotate(response)
        return _allow_cors(response)

    def _spend(self, request: HttpRequest) -> Budget | None:
        rate = current_rate(getattr(settings, "API_RATE_LIMIT", ""))
        if rate is None:
            return None
        address = client_address(request.META, getattr(settings, "TRUSTED_PROXY_HEADER", ""))
        number, retry_after = window(time.time(), rate)
        # Hashed: an IPv6 address holds colons, and keys must suit any cache backend.
        client = hashlib.blake2b(address.encode(), digest_size=12).hexdigest()
        key = f"communs.api.rate.{rate.requests}.{rate.period}.{number}.{client}"
        # add() is a no-op when the key exists; incr() is atomic in every Django backend.
        cache.add(key, 0, timeout=rate.period + 1)
        try:
            used = cache.incr(key)
        except ValueError:  # the key expired between the two calls
            cache.set(key, 1, timeout=rate.period + 1)
            used = 1
        return Budget(rate=rate, used=used, retry_after=retry_after)


def allowed_methods(path: str) -> str:
    """The methods the operation at ``path`` answers (reading ones for an unknown path)."""
    try:
        match = resolve(path)
    except Resolver404:
        return ALLOWED_METHODS
    return POST_METHODS if match.url_name in POST_OPERATIONS else ALLOWED_METHODS


class Budget:
    """One client's use of its budget in the current window."""

    def __init__(self, rate: Rate, used: int, retry_after: int) -> None:
        self.rate = rate
        self.used = used
        self.retry_after = retry_after

    @property
    def exceeded(self) -> bool:
        return self.used > self.rate.requests

    def refusal(self) -> HttpResponse:
        detail = _(
            "Too many requests: this API answers %(requests)d requests per %(period)s "
            "from one address. Retry in %(seconds)d seconds."
        ) % {
            "requests": self.rate.requests,
            "period": PERIOD_NAMES[self.rate.period_name],
            "seconds": self.retry_after,
        }
        body = {
            "detail": detail,
            "limit": self.rate.requests,
            "period": self.rate.period,
            "retry_after": self.retry_after,
        }
        response = JsonResponse(body, status=429)
        response["Retry-After"] = str(self.retry_after)
        response["Cache-Control"] = "no-store"
        return response

    def annotate(self, response: HttpResponseBase) -> None:
        response["X-RateLimit-Limit"] = str(self.rate.requests)
        response["X-RateLimit-Remaining"] = str(max(0, self.rate.requests - self.used))
        response["X-RateLimit-Reset"] = str(self.retry_after)


def _conditional(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """An ETag on a successful GET, and a 304 when the client's copy is current."""
    if request.method != "GET" or response.status_code != 200:
        return response
    if not isinstance(response, HttpResponse):  # streamed: no body to hash
        return response
    if not response.has_header("ETag"):
        digest = hashlib.blake2b(response.content, digest_size=16).hexdigest()
        response["ETag"] = quote_etag(digest)
    if not response.has_header("Cache-Control"):
        response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    # The body depends on the language asked for (messages, hidden e-mail addresses).
    patch_vary_headers(response, ("Accept-Language",))
    last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
    return get_conditional_response(
        request, etag=response["ETag"], last_modified=last_modified, response=response
    )


# What an error means, when the layer that answered gave it as an HTML page.
STATUS_MESSAGES = {
    400: gettext_lazy("Bad request."),
    403: gettext_lazy("Forbidden."),
    404: gettext_lazy("Not found: no operation of this API answers at this address."),
    405: gettext_lazy("Method not allowed: this API only reads (GET, HEAD, OPTIONS)."),
    412: gettext_lazy("Precondition failed."),
    500: gettext_lazy("Internal error: the API could not answer; try again later."),
}


# What a 405 says at the address of an operation that only takes a body.
POST_ONLY = gettext_lazy("Method not allowed: this operation only accepts POST (and OPTIONS).")


def _as_json_error(response: HttpResponseBase, methods: str = ALLOWED_METHODS) -> HttpResponseBase:
    """An error that is not JSON yet, as ``{"detail": ...}`` with the same status;
    a 405 says ``methods`` in ``Allow``."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith(
        "application/json"
    ):
        return response
    status = response.status_code
    message = STATUS_MESSAGES.get(status) or STATUS_MESSAGES[500 if status >= 500 else 400]
    if status == 405 and methods == POST_METHODS:
        message = POST_ONLY
    replacement = HttpResponse(
        json.dumps({"detail": str(message)}, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )
    for header in ("Retry-After", "Vary", "Content-Language"):
        if response.has_header(header):
            replacement[header] = response[header]
    if status == 405:
        replacement["Allow"] = methods
    return replacement


def _drop_body(response: HttpResponseBase) -> None:
    """A HEAD answer: the GET answer's headers, its length, no body."""
    if isinstance(response, HttpResponse):
        length = len(response.content)
        response.content = b""
        if length:
            response["Content-Length"] = str(length)


def _allow_cors(response: HttpResponseBase) -> HttpResponseBase:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response
