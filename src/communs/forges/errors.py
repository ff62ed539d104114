"""What can go wrong when Communs talks to a forge.

Every error names the URL it concerns, so a harvest log line says which request failed::

    ForgeError                 any failure talking to a forge (carries .url, .status)
    ├── NotFound               404 / 410: the repository or owner is gone
    ├── Unauthorized           401: the token was refused (or one is needed)
    ├── Forbidden              403 that is not a rate limit: the owner is private, blocked…
    ├── RateLimited            the limit will not lift soon enough to wait (carries .reset_at)
    ├── BadResponse            HTML instead of JSON, invalid or truncated JSON, wrong shape
    │   └── PaginationLoop     the forge sent us back to a page we already read
    ├── TooLarge               a body or archive over the size cap
    ├── ServerError            5xx that outlasted the retries
    ├── Unreachable            connection errors and timeouts that outlasted the retries
    └── NotSupported           the forge (or its anonymous API) cannot do this; says why
"""

from __future__ import annotations


class ForgeError(Exception):
    """A failure talking to a forge; ``url`` says where, ``status`` the HTTP status if any."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None) -> None:
        self.url = url
        self.status = status
        text = f"{message} ({url})" if url and url not in message else message
        super().__init__(text)


class NotFound(ForgeError):
    """The forge says the thing is not there (404, 410): gone, renamed away, or private."""


class Unauthorized(ForgeError):
    """The forge refused the credentials, or wants some (401)."""


class Forbidden(ForgeError):
    """The forge refuses access for a reason that waiting will not fix (403)."""


class RateLimited(ForgeError):
    """Rate limited for longer than the client may wait; ``reset_at`` is a Unix time or None."""

    def __init__(
        self,
        message: str,
        *,
        url: str = "",
        status: int | None = None,
        reset_at: float | None = None,
    ) -> None:
        super().__init__(message, url=url, status=status)
        self.reset_at = reset_at


class BadResponse(ForgeError):
    """The answer is not what the API promises: HTML, invalid JSON, the wrong shape."""


class PaginationLoop(BadResponse):
    """Following the forge's next links led back to a page already read."""


class TooLarge(ForgeError):
    """A body or an archive is larger than the cap the caller allowed."""


class ServerError(ForgeError):
    """The forge kept answering 5xx after every retry."""


class Unreachable(ForgeError):
    """The forge could not be reached (connection refused, timeout) after every retry."""


class NotSupported(ForgeError):
    """This adapter cannot do this on this forge; the message says why."""
