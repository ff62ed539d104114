"""Dates in the pages: a ``<time>`` element, written in the visitor's language."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils import translation

from communs.web.templatetags.communs_web import time_tag

PUSHED = datetime(2026, 3, 14, 23, 30, tzinfo=UTC)


def test_a_date_is_written_in_each_language_even_when_kept() -> None:
    for _ in range(2):  # the second time from what was kept
        with translation.override("fr"):
            french = str(time_tag(PUSHED))
        with translation.override("en"):
            english = str(time_tag(PUSHED))
        assert "mars 2026" in french
        assert "March" in english
        assert 'datetime="2026-03-14T23:30:00+00:00"' in french


def test_a_date_is_the_day_in_the_sites_time_zone(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Paris"
    # 23:30 UTC is already the next day in Paris.
    with translation.override("fr"):
        assert ">15 mars 2026<" in str(time_tag(PUSHED))


def test_an_unknown_date_says_so() -> None:
    with translation.override("en"):
        assert "unknown" in str(time_tag(None))
