"""The pure side of rate limits: the setting's syntax, windows, and whom to count."""

from __future__ import annotations

import pytest

from communs.api.ratelimit import Rate, client_address, parse_rate, window


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("60/minute", Rate(60, 60, "minute")),
        ("60", Rate(60, 60, "minute")),
        (" 1000 / hour ", Rate(1000, 3600, "hour")),
        ("5/seconds", Rate(5, 1, "second")),
        ("10000/DAY", Rate(10000, 86400, "day")),
        ("0", None),
        ("", None),
        ("off", None),
        ("0/minute", None),
    ],
)
def test_it_reads_the_setting(text: str, expected: Rate | None) -> None:
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["sixty", "60/fortnight", "-5/minute", "60/", "1.5/minute"])
def test_it_says_what_a_rate_looks_like(text: str) -> None:
    with pytest.raises(ValueError, match="60/minute"):
        parse_rate(text)


def test_it_counts_seconds_until_the_next_window() -> None:
    rate = Rate(60, 60, "minute")
    assert window(120.0, rate) == (2, 60)
    assert window(179.2, rate) == (2, 1)
    assert window(150.5, rate) == (2, 30)
    # Never 0: a client told to retry in 0 seconds would retry at once.
    assert window(179.99, rate)[1] == 1


def test_it_ignores_forwarding_headers_unless_told_to_trust_one() -> None:
    meta = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client_address(meta) == "10.0.0.1"
    assert client_address(meta, "X-Forwarded-For") == "203.0.113.9"


def test_it_takes_the_address_the_proxy_added_not_those_the_client_wrote() -> None:
    meta = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.7"}
    assert client_address(meta, "X-Forwarded-For") == "198.51.100.7"
    meta = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_REAL_IP": "2001:db8::1"}
    assert client_address(meta, "x-real-ip") == "2001:db8::1"


@pytest.mark.parametrize("value", ["", "not-an-address", "1.2.3.4, garbage"])
def test_it_falls_back_on_the_peer_when_the_header_is_no_address(value: str) -> None:
    meta = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": value}
    assert client_address(meta, "X-Forwarded-For") == "10.0.0.1"
