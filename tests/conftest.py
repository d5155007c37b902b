"""Fixtures every test folder can use: real databases, and a sealed working directory."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Generator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from bot.store.db import Database
from tests.offline import refuse_the_internet
from tests.support import unavailable

#: settings the bot reads from the environment (and a ``.env``): none of the
#: developer's may reach a test
_BOT_SETTINGS = ("DATABASE_URL", "BOT_MODE", "CAMPAIGNS_DIR", "PORT", "BOT_STATE_DIR")
_BOT_PREFIXES = ("X_", "FACEBOOK_", "BLUESKY_", "MASTODON_", "DASHBOARD_", "CONGRESS_API_")
_BOT_PREFIXES += ("OPENSTATES_API_", "NOTIFY_", "PHOTO_", "GEOCODER_", "UPDATES_", "ORG_")


@pytest.fixture(autouse=True, scope="session")
def no_internet() -> Generator[None, None, None]:
    """Every connection to another machine is refused at once (tests/offline.py)."""
    undo = refuse_the_internet()
    yield
    undo()


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


@functools.cache
def _own_database(url: str, worker: str | None) -> str:
    """The database of this test process: ``url``'s own, or one per xdist worker.

    Tests on PostgreSQL empty the database's schema before each test, so two
    processes must never share one: the worker ``gw1`` uses ``<database>_gw1`` on
    the same server, created here (from ``url``) the first time and kept for the
    next run.
    """
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if not exists:
            quoted = connection.dialect.identifier_preparer.quote(name)
            connection.execute(text(f"CREATE DATABASE {quoted}"))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def postgres_url() -> str:
    """A real, empty PostgreSQL database (``bash scripts/postgres`` starts one).

    ``scripts/test`` sets TEST_POSTGRES_URL; without it the test is skipped,
    except in CI, where a missing PostgreSQL is an error. Run in parallel
    (``pytest -n``), each worker has a database of its own beside that one.
    """
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        unavailable("no PostgreSQL: run `bash scripts/test`, or set TEST_POSTGRES_URL")
    url = _own_database(url, os.environ.get("PYTEST_XDIST_WORKER"))
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
#: backend -> outcome -> how many tests (in this process, or all workers' in xdist's)
_RAN: dict[str, dict[str, int]] = {}
#: every backend a collected test uses (in xdist's controller: every worker's)
_COLLECTED: set[str] = set()
_ITEM_BACKENDS = pytest.StashKey[list[str]]()


def _backends_of(item: pytest.Item) -> list[str]:
    names = getattr(item, "fixturenames", ())
    backends = {label for name, label in _BACKENDS.items() if name in names}
    if "any_db" in names:
        backends.add("PostgreSQL" if "[postgresql" in item.nodeid else "SQLite")
    return sorted(backends)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Each report carries its test's backends, so xdist's controller can count them."""
    report = yield
    report.backends = item.stash.get(_ITEM_BACKENDS, [])  # type: ignore[attr-defined]
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count each test once, by its outcome, under every backend its fixtures use."""
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    for backend in getattr(report, "backends", ()):
        counts = _RAN.setdefault(backend, {})
        counts[report.outcome] = counts.get(report.outcome, 0) + 1


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker hands the backends its tests use to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["backends"] = sorted(_COLLECTED)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:  # type: ignore[no-untyped-def]  # noqa: ANN001
    """xdist's controller: a worker finished; add the backends it collected."""
    _COLLECTED.update(getattr(node, "workeroutput", {}).get("backends", ()))


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:  # noqa: ANN001
    """One line saying what ran where, so a run that skipped a backend cannot pass unseen.

    Printed once, by the process that reports the run (xdist's controller, with
    every worker's tests counted; the workers print nothing).
    """
    if hasattr(config, "workerinput"):
        return
    parts = []
    for backend in sorted(_COLLECTED | set(_RAN)):
        counts = _RAN.get(backend, {})
        ran = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "none run"
        parts.append(f"{backend}: {ran}")
    if parts:
        terminalreporter.write_line("backends: " + " · ".join(parts))


# -- the order of the run, and what runs apart under xdist ----------------------

#: Tests that time what they do, side by side or against deadlines (the bench's
#: ratios, the multi-process reliability proofs): under ``pytest -n`` they run one
#: after another on one worker (``--dist loadgroup``), never two at a time.
_TIMED = ("tests/reliability/", "tests/test_bench.py")


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Note each test's backends; group the timed tests; the real PDS's tests go last.

    The PDS may still be installing in the background when the run starts
    (``scripts/test``): its tests wait for it (:func:`pytest_runtest_setup`), so
    they run after everything else.
    """
    xdist = config.pluginmanager.hasplugin("xdist")
    for item in items:
        backends = _backends_of(item)
        item.stash[_ITEM_BACKENDS] = backends
        _COLLECTED.update(backends)
        if xdist and item.nodeid.startswith(_TIMED):
            item.add_marker(pytest.mark.xdist_group("timed"))
    items.sort(key=lambda item: "real_pds" in getattr(item, "fixturenames", ()))


# -- the real PDS, when scripts/test is still installing it --------------------


@functools.cache
def _pending_pds(path: str, timeout: float = 1800.0) -> str | None:
    """Wait for ``scripts/test``'s background ``scripts/pds``; why it failed, or None.

    ``scripts/test`` starts the pytest run while the PDS installs (the first
    install compiles for minutes) and writes ``path`` when it is up
    (``TEST_PDS_URL`` and ``TEST_PDS_ADMIN_PASSWORD`` lines) or failed
    (``failed`` and the script's last lines).
    """
    ready = Path(path)
    deadline = time.monotonic() + timeout
    while not ready.exists():
        if time.monotonic() > deadline:
            return f"scripts/pds did not finish in {timeout / 60:.0f} minutes"
        time.sleep(0.1)  # a file scripts/test writes: looked for ten times a second
    lines = ready.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0] == "failed":
        return "scripts/pds failed: " + " / ".join(lines[1:])[-1500:]
    for line in lines:
        name, _, value = line.partition("=")
        if name in ("TEST_PDS_URL", "TEST_PDS_ADMIN_PASSWORD") and value:
            os.environ[name] = value
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a test of the real PDS: wait for it if ``scripts/test`` is still starting it."""
    pending = os.environ.get("TEST_PDS_PENDING")
    needs_pds = "real_pds" in getattr(item, "fixturenames", ())
    if pending and needs_pds and not os.environ.get("TEST_PDS_URL"):
        why = _pending_pds(pending)
        if why:
            unavailable(f"no real Bluesky PDS ({why})")
