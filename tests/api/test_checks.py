"""`communs check` reports a wrong API setting instead of the API failing later."""

from __future__ import annotations

from typing import Any

from communs.api.checks import check_api_settings


def test_it_accepts_the_defaults(settings: Any) -> None:
    settings.API_RATE_LIMIT = "60/minute"
    settings.TRUSTED_PROXY_HEADER = ""
    assert check_api_settings() == []


def test_it_reports_a_wrong_rate(settings: Any) -> None:
    settings.API_RATE_LIMIT = "sixty a minute"
    errors = check_api_settings()
    assert [error.id for error in errors] == ["communs.api.E001"]
    assert "60/minute" in errors[0].msg


def test_it_reports_a_header_that_is_no_header(settings: Any) -> None:
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For: 1.2.3.4"
    assert [error.id for error in check_api_settings()] == ["communs.api.E002"]
