from __future__ import annotations

import pytest


@pytest.fixture
def db(any_db):
    """Scheduling and publishing behave the same on SQLite and PostgreSQL."""
    return any_db
