"""Fixtures for the compose tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import SHARED_DATA, unavailable


@pytest.fixture
def shared_data() -> Path:
    """The shared reference data folder (``../shared/data``); skips the test if absent."""
    if not SHARED_DATA.is_dir():
        unavailable(f"reference data not found at {SHARED_DATA} (../shared/data by the project)")
    return SHARED_DATA
