"""Pure helpers for following a forge's pages: ``Link`` headers and query strings.

Forges say where the next page is in one of four ways: a ``Link: <…>; rel="next"``
header (GitHub, GitLab, Gitea, Gogs), an ``X-Next-Page`` number (GitLab), a ``next``
URL in the body (Bitbucket Cloud), or ``isLastPage``/``nextPageStart`` in the body
(Bitbucket Server). The adapters turn each into the URL of the next page, which is the
opaque cursor a caller saves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_LINK = re.compile(r"<([^>]*)>\s*((?:;[^,<]*)*)")
_REL = re.compile(r"""rel\s*=\s*"?([^";]+)"?""", re.IGNORECASE)


def parse_link_header(value: str | None, base: str = "") -> dict[str, str]:
    """``{rel: url}`` from an RFC 8288 ``Link`` header; relative URLs resolved on ``base``."""
    links: dict[str, str] = {}
    for match in _LINK.finditer(value or ""):
        url, params = match.group(1).strip(), match.group(2)
        rel = _REL.search(params)
        if not rel:
            continue
        # A link may carry several relations at once: rel="next last".
        for name in rel.group(1).split():
            links.setdefault(name.lower(), urljoin(base, url) if base else url)
    return links


def next_link(headers: Mapping[str, str], base: str = "") -> str | None:
    """The ``rel="next"`` URL of a response's ``Link`` header, or None."""
    return parse_link_header(headers.get("link"), base).get("next")


def query_value(url: str, name: str) -> str | None:
    """The value of query parameter ``name`` in ``url`` (the last one if repeated)."""
    found = None
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key == name:
            found = value
    return found


def with_query(url: str, **params: object) -> str:
    """``url`` with the given query parameters set (replacing any of the same name).

    A value of None removes the parameter. Other parameters keep their order.
    """
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    pairs += [(k, str(v)) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def host_of(url: str) -> str:
    """The host (with its port, if any) a URL points at: the key of budgets and counts."""
    # Credentials in a URL are never part of the key (nor logged through it).
    return urlsplit(url).netloc.rsplit("@", 1)[-1].lower()
