"""Settings from the environment and .env; secrets never reach output."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Mode, Settings, mask_url


def test_defaults_are_safe():
    settings = Settings.load(environ={})
    assert settings.mode is Mode.DRY_RUN
    assert settings.database_url == "sqlite:///advocacy-bot.db"


def test_live_mode_must_be_asked_for_by_name():
    assert Settings.load(environ={"BOT_MODE": "live"}).mode is Mode.LIVE
    assert Settings.load(environ={"BOT_MODE": "dry-run"}).mode is Mode.DRY_RUN
    with pytest.raises(ConfigError, match="BOT_MODE='yes' is not a mode"):
        Settings.load(environ={"BOT_MODE": "yes"})


def test_dotenv_is_read_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOT_MODE", raising=False)
    (tmp_path / ".env").write_text("BOT_MODE=live\nX_API_KEY=abc123\n")
    settings = Settings.load()
    assert settings.mode is Mode.LIVE
    assert settings.get("X_API_KEY") == "abc123"
    assert "abc123" not in repr(settings)
    assert "abc123" not in str(settings.describe())


def test_database_passwords_are_masked():
    assert mask_url("postgresql://bot:s3cret@db.example/advocacy") == (
        "postgresql://bot:***@db.example/advocacy"
    )
    assert mask_url("sqlite:///advocacy-bot.db") == "sqlite:///advocacy-bot.db"


def test_a_database_that_cannot_be_opened_is_explained_without_the_password(cli, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:s3cret@127.0.0.1:1/advocacy")
    result = cli("log")
    assert result.exit_code == 1
    assert "cannot open the database at postgresql://bot:***@127.0.0.1:1/advocacy" in result.output
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output
