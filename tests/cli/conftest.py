from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support import ROOT


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
