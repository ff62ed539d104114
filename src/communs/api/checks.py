"""System checks of the API's settings, run by ``communs check`` and at start-up."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.checks import Error, register

from communs.api.ratelimit import parse_rate

# A header name as RFC 9110 allows it (a "token"), e.g. X-Forwarded-For.
_HEADER = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")


@register()
def check_api_settings(app_configs: object = None, **kwargs: object) -> list[Error]:
    errors = []
    try:
        parse_rate(getattr(settings, "API_RATE_LIMIT", ""))
    except ValueError as error:
        errors.append(Error(str(error), hint="Set COMMUNS_API_RATE_LIMIT.", id="communs.api.E001"))
    header = getattr(settings, "TRUSTED_PROXY_HEADER", "")
    if header and not _HEADER.fullmatch(header.strip()):
        errors.append(
            Error(
                f"not a header name: {header!r}",
                hint="Set COMMUNS_TRUSTED_PROXY_HEADER to a name such as X-Forwarded-For.",
                id="communs.api.E002",
            )
        )
    return errors
