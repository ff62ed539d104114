"""Which web addresses the catalogue keeps (pure: no Django).

A URL shown on a public page must not hold a user name or password
(``https://jean.dupont@culture.gouv.fr/`` shows a person's address), nor name this
machine or a private network by itself (``localhost``, a literal private address).
Host names are resolved, and checked again, only by what fetches them
(``communs.publiccode.network.SafeFetcher``).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from communs.publiccode.network import is_public_address


def has_user_info(url: str) -> bool:
    """Whether the URL holds a user name or password before its host."""
    try:
        return "@" in urlsplit(url).netloc
    except ValueError:
        return True


def is_local_url(url: str) -> bool:
    """Whether the URL names ``localhost`` or a literal address that is not public."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return True
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return not is_public_address(host)
