"""``advocacy-bot notify status|test|send``, and the sweep beside ``run`` and ``worker``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from bot.config import ConfigError, Settings
from bot.notify.background import start_sweeper
from bot.store import queries
from bot.store.db import Database
from tests.notify.conftest import SMTP_PASSWORD, WEBHOOK_TOKEN, free_port, smtp_env
from tests.support import ROOT

REASON = (
    "credentials rejected: auth (HTTP 401): Unauthorized. Fix the account, then "
    "`advocacy-bot resume --account x:default`"
)


@pytest.fixture
def log_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def paused(url: str) -> None:
    db = Database(url)
    with db.session() as session:
        queries.set_pause(session, "account:x:default", REASON, datetime.now(UTC))
    db.dispose()


def invoke(*args: str, env: dict[str, str] | None = None):
    from bot.cli import cli

    return CliRunner().invoke(cli, ["notify", *args], env=env, catch_exceptions=False)


def test_status_shows_the_channels_with_secrets_masked(log_url, smtp, webhook):
    env = {**smtp_env(smtp), "NOTIFY_WEBHOOK_URL": webhook.url}
    result = invoke("status", env=env)
    assert result.exit_code == 0, result.output
    assert f"email: 127.0.0.1:{smtp.port} (plain, login bot@example.org (password set))" in (
        result.output
    )
    assert "to organizers@example.org, ops@example.org" in result.output
    assert f"webhook: {webhook.url.split('/services')[0]}/***" in result.output
    assert "told: 0 notice(s)" in result.output
    assert SMTP_PASSWORD not in result.output and WEBHOOK_TOKEN not in result.output


def test_status_without_channels_says_how_to_set_one(log_url):
    result = invoke("status")
    assert result.exit_code == 0
    assert "channels: none. No notification channel is configured" in result.output


def test_test_sends_to_every_channel(log_url, smtp, webhook):
    result = invoke("test", env={**smtp_env(smtp), "NOTIFY_WEBHOOK_URL": webhook.url})
    assert result.exit_code == 0, result.output
    assert "email: sent (email to organizers@example.org, ops@example.org)" in result.output
    assert "webhook: sent (webhook at 127.0.0.1)" in result.output
    assert smtp.messages[0].message["Subject"] == "[advocacy-bot] test notice"
    assert webhook.requests[0]["json"]["kind"] == "test"


def test_test_exits_1_and_says_which_channel_failed(log_url, smtp, webhook):
    webhook.statuses.append(404)
    result = invoke("test", env={**smtp_env(smtp), "NOTIFY_WEBHOOK_URL": webhook.url})
    assert result.exit_code == 1
    assert "email: sent" in result.output
    assert "error: webhook: 127.0.0.1 answered HTTP 404 Not Found: invalid_token ***" in (
        result.output
    )
    assert WEBHOOK_TOKEN not in result.output


def test_test_without_channels_and_with_a_bad_setting(log_url):
    result = invoke("test")
    assert result.exit_code == 1 and "no notification channel is configured" in result.output
    result = invoke("test", env={"NOTIFY_WEBHOOK_URL": f"ftp://example.org/{WEBHOOK_TOKEN}"})
    assert result.exit_code == 1 and "NOTIFY_WEBHOOK_URL is not an http://" in result.output
    assert WEBHOOK_TOKEN not in result.output


def test_send_runs_one_sweep_and_tells_once(log_url, webhook):
    paused(log_url)
    env = {"NOTIFY_WEBHOOK_URL": webhook.url}
    first = invoke("send", env=env)
    assert first.exit_code == 0, first.output
    assert "told: x account 'default' paused: credentials rejected" in first.output
    second = invoke("send", env=env)
    assert (second.exit_code, second.output.strip()) == (0, "nothing new to tell")
    assert len(webhook.requests) == 1
    assert "told: 1 notice(s), the last at" in invoke("status", env=env).output


def test_send_exits_1_when_a_notice_could_not_go(log_url, smtp):
    paused(log_url)
    result = invoke("send", env=smtp_env(smtp, NOTIFY_SMTP_PORT=str(free_port())))
    assert result.exit_code == 1
    assert "not sent: x account 'default' paused" in result.output
    assert "1 notice(s) not sent; the next sweep tries again" in result.output
    status = invoke("status", env=smtp_env(smtp)).output
    assert "not sent yet: x account 'default' paused: credentials rejected (1 attempt(s);" in status


def test_the_sweeper_runs_when_a_channel_is_configured(sqlite_url, webhook):
    paused(sqlite_url)
    db = Database(sqlite_url)
    assert start_sweeper(Settings(env={}), db) is None
    with pytest.raises(ConfigError):
        start_sweeper(Settings(env={"NOTIFY_SMTP_HOST": "smtp.example.org"}), db)
    sweeper = start_sweeper(Settings(env={"NOTIFY_WEBHOOK_URL": webhook.url}), db, every=0.05)
    assert sweeper is not None
    deadline = time.monotonic() + 10
    while sweeper.sweeps < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    sweeper.stop(5)
    assert sweeper.sweeps >= 3 and not sweeper.is_alive()
    assert len(webhook.requests) == 1  # told once, however many sweeps
    db.dispose()


@pytest.mark.parametrize("command", [["worker"], ["run"]])
def test_the_long_running_commands_tell_the_organisation(command, tmp_path, webhook):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    paused(url)
    (tmp_path / "campaigns").mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CAMPAIGNS_DIR": str(tmp_path / "campaigns"),
        "NOTIFY_WEBHOOK_URL": webhook.url,
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *command],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not webhook.requests and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert [r["json"]["key"] for r in webhook.requests] == ["pause:account:x:default:auth"], output
    assert WEBHOOK_TOKEN not in output
