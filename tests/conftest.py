"""Fixtures every test folder can use: real databases."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from bot.store.db import Database


def _reset_postgres(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def postgres_url() -> str:
    """A real, empty PostgreSQL database (``bash scripts/postgres`` starts one).

    ``scripts/test`` sets TEST_POSTGRES_URL; without it the test is skipped,
    except in CI, where a missing PostgreSQL is an error.
    """
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("TEST_POSTGRES_URL is not set in CI: scripts/test should start PostgreSQL")
        pytest.skip("no PostgreSQL: run `bash scripts/test`, or set TEST_POSTGRES_URL")
    _reset_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'log.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request):
    """The same test on a temporary SQLite file and on a real PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    database = Database(request.getfixturevalue(name))
    yield database
    database.dispose()
