"""Fixtures every test folder can use: real databases, and a sealed working directory."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from bot.store.db import Database

#: settings the bot reads from the environment (and a ``.env``): none of the
#: developer's may reach a test
_BOT_SETTINGS = ("DATABASE_URL", "BOT_MODE", "CAMPAIGNS_DIR", "PORT", "BOT_STATE_DIR")
_BOT_PREFIXES = ("X_", "FACEBOOK_", "BLUESKY_", "MASTODON_", "DASHBOARD_", "CONGRESS_API_")
_BOT_PREFIXES += ("OPENSTATES_API_", "NOTIFY_")


@pytest.fixture(autouse=True)
def sealed_working_directory(tmp_path_factory, monkeypatch) -> None:
    """Run every test in an empty folder, with none of the bot's settings set.

    The bot reads ``.env``, ``advocacy-bot.db`` and ``campaigns/`` from the
    working directory, and its settings from the environment. A developer who
    followed the README's quick start has all three in the checkout, and tests
    run there must not see them: each test starts in a new empty folder, and
    sets whatever it needs itself.
    """
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    for name in list(os.environ):
        if name in _BOT_SETTINGS or name.startswith(_BOT_PREFIXES):
            monkeypatch.delenv(name)


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
