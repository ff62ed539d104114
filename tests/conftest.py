"""Test set-up shared by every folder: where the real data of ../shared are."""

from __future__ import annotations

from pathlib import Path

import pytest

# The environment (data folder, database) is arranged by communs.settings_test, which
# pytest-django imports before this file runs.

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture
def shared() -> Path:
    """The ../shared folder of real data; tests that need it skip on a user's clone."""
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared is missing: real-data tests run only where it sits beside the clone")
    return SHARED
