"""``advocacy-bot accounts check`` and ``accounts list`` against the fakes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.fakes import bluesky as fb_bsky
from tests.fakes import facebook as fb_fb
from tests.fakes import mastodon as fb_masto
from tests.fakes import x as fb_x


@pytest.fixture
def environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    x_app, x_user = fb_x.DEFAULT_CONFIG["app"], fb_x.DEFAULT_CONFIG["users"][0]
    page = fb_fb.DEFAULT_CONFIG["pages"][0]
    bsky = fb_bsky.DEFAULT_CONFIG["accounts"][0]
    masto = fb_masto.DEFAULT_CONFIG["accounts"][0]
    with (
        fb_x.FakeX() as fx,
        fb_fb.FakeFacebook() as ff,
        fb_bsky.FakeBluesky() as fbs,
        fb_masto.FakeMastodon() as fm,
    ):
        env = {
            "X_API_BASE": fx.url,
            "X_API_KEY": x_app["consumer_key"],
            "X_API_SECRET": x_app["consumer_secret"],
            "X_ACCESS_TOKEN": x_user["access_token"],
            "X_ACCESS_TOKEN_SECRET": x_user["access_token_secret"],
            "FACEBOOK_PAGE_ID": page["id"],
            "FACEBOOK_PAGE_TOKEN": page["token"],
            "FACEBOOK_GRAPH_URL": ff.url,
            "BLUESKY_HANDLE": bsky["handle"],
            "BLUESKY_APP_PASSWORD": bsky["password"],
            "BLUESKY_SERVICE": fbs.url,
            "BOT_STATE_DIR": str(tmp_path / "state"),
            "MASTODON_API_BASE": fm.url,
            "MASTODON_ACCESS_TOKEN": masto["token"],
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        yield env, (fx, ff, fbs, fm)


def secrets(env: dict[str, str]) -> list[str]:
    names = (
        "X_API_KEY",
        "X_API_SECRET",
        "X_ACCESS_TOKEN",
        "X_ACCESS_TOKEN_SECRET",
        "FACEBOOK_PAGE_TOKEN",
        "BLUESKY_APP_PASSWORD",
        "MASTODON_ACCESS_TOKEN",
    )
    return [env[n] for n in names]


def test_check_verifies_every_account_without_posting(environment) -> None:
    env, fakes = environment
    result = CliRunner().invoke(cli, ["accounts", "check"])

    assert result.exit_code == 0, result.output
    for line in (
        "ok   x/default  @moadvocacy",
        "ok   facebook/default  Missouri Child Advocacy",
        "ok   bluesky/default  @moadvocacy.bsky.social",
        "ok   mastodon/default  @moadvocacy",
    ):
        assert line in result.output
    assert "'Automated' label" in result.output
    for secret in secrets(env):
        assert secret not in result.output
    fx, ff, fbs, fm = fakes
    assert (fx.tweets, ff.posts, fbs.posts(), fm.statuses) == ([], [], [], [])


def test_check_fails_loudly_for_a_bad_token(environment, monkeypatch) -> None:
    env, _ = environment
    monkeypatch.setenv("MASTODON_ACCESS_TOKEN", "revoked-token-0000")
    result = CliRunner().invoke(cli, ["accounts", "check", "--platform", "mastodon"])
    assert result.exit_code == 1
    assert "FAIL mastodon/default" in result.output
    assert "revoked-token-0000" not in result.output


def test_check_reports_a_missing_variable(environment, monkeypatch) -> None:
    monkeypatch.delenv("X_ACCESS_TOKEN_SECRET")
    result = CliRunner().invoke(cli, ["accounts", "check", "--platform", "x"])
    assert result.exit_code == 1
    assert "X_ACCESS_TOKEN_SECRET is not set" in result.output


def test_list_masks_values(environment) -> None:
    env, _ = environment
    result = CliRunner().invoke(cli, ["accounts", "list"])
    assert result.exit_code == 0
    assert "x/default: X_API_KEY=***" in result.output
    for secret in secrets(env):
        assert secret not in result.output


def test_no_accounts(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("X_API_KEY", "FACEBOOK_PAGE_ID", "BLUESKY_HANDLE", "MASTODON_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["accounts", "check"])
    assert result.exit_code == 1
    assert ".env.example" in result.output
