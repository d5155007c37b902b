from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support import ROOT, SHARED_DATA, unavailable


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A clean environment: a temporary SQLite log, dry-run mode, no .env."""
    values = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'log.db'}",
        "CAMPAIGNS_DIR": str(ROOT / "campaigns"),
    }
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    for name in ("BOT_MODE",):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def cli(env):
    """Invoke ``advocacy-bot`` in-process; returns click's Result."""
    from bot.cli import cli as command

    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(command, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def bot_process(env, tmp_path):
    """Run ``advocacy-bot`` as a separate process, as cron would."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def example(name: str) -> Path:
    return ROOT / "campaigns" / name


@pytest.fixture(scope="session")
def imported_directory(tmp_path_factory) -> Path:
    """A post log whose directory holds Congress and Missouri, imported once per session."""
    sources = [SHARED_DATA / "congress-legislators", SHARED_DATA / "openstates" / "mo"]
    if not all(source.is_dir() for source in sources):
        unavailable(f"the reference data is not in {SHARED_DATA}")
    path = tmp_path_factory.mktemp("directory") / "template.db"
    from bot.cli import cli as command

    result = CliRunner(env={"DATABASE_URL": f"sqlite:///{path}"}).invoke(
        command, ["directory", "import", *map(str, sources)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    import sqlite3

    with sqlite3.connect(path) as connection:  # fold the WAL in, so one file is the whole log
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def directory(imported_directory, env):
    """This test's post log starts with the imported directory."""
    shutil.copy(imported_directory, env["DATABASE_URL"].removeprefix("sqlite:///"))
