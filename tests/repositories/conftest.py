"""Helpers for the repository tests: rows of code.gouv.fr's files, written under tmp_path."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation

from communs.repositories.opendata import REPOSITORY_COLUMNS


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English whatever LANGUAGE_CODE says, so that tests can read them."""
    with translation.override("en"):
        yield


def repository_row(**values: str) -> dict[str, str]:
    """A valid row of repositories.csv; ``values`` override its columns."""
    row = {
        "name": "tool",
        "organization_name": "etalab",
        "platform": "GitHub",
        "repository_url": "https://github.com/etalab/tool",
        "description": "A tool",
        "is_fork": "False",
        "is_archived": "False",
        "creation_date": "2019-01-02T03:04:05Z",
        "last_update": "2020-01-02T03:04:05Z",
        "last_modification": "2020-01-01T00:00:00Z",
        "homepage": "",
        "stars_count": "3",
        "forks_count": "1",
        "license": "MIT License",
        "open_issues_count": "0",
        "language": "Python",
        "topics": "",
    }
    row.update(values)
    if "repository_url" in values and "name" not in values:
        row["name"] = values["repository_url"].rstrip("/").rsplit("/", 1)[-1]
    return row


def write_csv(
    path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = REPOSITORY_COLUMNS
) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path
