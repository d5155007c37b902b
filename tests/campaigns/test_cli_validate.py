"""``advocacy-bot validate``: exit codes, one line per problem, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.campaigns.conftest import WriteCampaign


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


def test_good_campaigns(write_campaign: WriteCampaign, tmp_path: Path) -> None:
    path = write_campaign()
    code, output = run(str(tmp_path))
    assert code == 0
    assert output.splitlines() == [
        f"✓ us-s1693 ({path}): 1 bill, 2 messages, 2 platforms",
        "1 campaign OK",
    ]


def test_errors_and_summary(write_campaign: WriteCampaign, tmp_path: Path) -> None:
    good = write_campaign(name="a.yaml")
    bad = write_campaign(
        {"id: us-s1693": "id: other", "cooldown: 7d": "cooldown: 7 days", "America/": "Amerca/"},
        name="b.yaml",
    )
    code, output = run(str(tmp_path))
    assert code == 1
    assert output.splitlines() == [
        f"✓ us-s1693 ({good}): 1 bill, 2 messages, 2 platforms",
        f"error: {bad}:28: schedule.timezone: unknown timezone 'Amerca/Chicago'. "
        "Fix: did you mean 'America/Chicago'?",
        f"error: {bad}:32: cooldown: '7 days' is not a duration. Fix: write 7d",
        "1 campaign OK, 1 file with 2 errors",
    ]


def test_yaml_syntax_error_and_missing_path(write_campaign: WriteCampaign, tmp_path: Path) -> None:
    bad = write_campaign({"cooldown: 7d": 'cooldown: "7d'})
    code, output = run(str(bad), str(tmp_path / "nope.yaml"))
    assert code == 1
    assert output.splitlines()[-1] == "0 campaigns OK, 2 files with 2 errors"
    assert f"error: {tmp_path / 'nope.yaml'}: no such file or folder" in output


def test_defaults_to_the_campaigns_folder(
    write_campaign: WriteCampaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_campaign(name="campaigns/s1693.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAMPAIGNS_DIR", raising=False)
    code, output = run()
    assert code == 0
    assert output.splitlines()[0].startswith("✓ us-s1693 (campaigns/s1693.yaml)")


def test_campaigns_dir_setting(
    write_campaign: WriteCampaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_campaign(name="elsewhere/s1693.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAMPAIGNS_DIR", "elsewhere")
    code, output = run()
    assert (code, output.splitlines()[-1]) == (0, "1 campaign OK")


def test_does_not_load_the_database_scheduler_or_platform_clients(
    write_campaign: WriteCampaign,
) -> None:
    path = write_campaign()
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    heavy = ("sqlalchemy", "apscheduler", "tweepy", "atproto", "mastodon", "facebook", "requests")
    assert sorted(name for name in imported if name.split(".")[0] in heavy) == []
