"""Fixtures every test folder can use: real databases, and a sealed working directory."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from bot.store.db import Database
from tests.support import unavailable

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
        unavailable("no PostgreSQL: run `bash scripts/test`, or set TEST_POSTGRES_URL")
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


# -- what ran on which backend -------------------------------------------------

#: fixture name -> the backend or data it stands for, in the summary's order
_BACKENDS = {
    "postgres_url": "PostgreSQL",
    "browser": "Chromium",
    "real_pds": "the real Bluesky PDS",
    "shared_data": "shared data",
    "imported_directory": "shared data",
}
_RAN: dict[str, dict[str, int]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count each test once, by its outcome, under every backend its fixtures use."""
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    item_backends = _ITEM_BACKENDS.get(report.nodeid, ())
    for backend in item_backends:
        counts = _RAN.setdefault(backend, {})
        counts[report.outcome] = counts.get(report.outcome, 0) + 1


_ITEM_BACKENDS: dict[str, tuple[str, ...]] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        backends = {label for name, label in _BACKENDS.items() if name in names}
        if "any_db" in names:
            backends.add("PostgreSQL" if "[postgresql" in item.nodeid else "SQLite")
        _ITEM_BACKENDS[item.nodeid] = tuple(sorted(backends))


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001
    """One line saying what ran where, so a run that skipped a backend cannot pass unseen."""
    parts = []
    for backend in sorted({b for bs in _ITEM_BACKENDS.values() for b in bs}):
        counts = _RAN.get(backend, {})
        ran = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "none run"
        parts.append(f"{backend}: {ran}")
    if parts:
        terminalreporter.write_line("backends: " + " · ".join(parts))
