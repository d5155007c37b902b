"""Building publishers from settings; which accounts are configured."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.config import ConfigError, Settings
from bot.platforms.accounts import configured_accounts, env_name
from bot.platforms.dryrun import DryRunPublisher
from bot.platforms.registry import build_publisher
from tests.fakes import bluesky as fb_bsky
from tests.fakes import facebook as fb_fb
from tests.fakes import mastodon as fb_masto
from tests.fakes import x as fb_x
from tests.platforms.conftest import ROOT, make_post


def test_dry_run_needs_no_credentials() -> None:
    for platform in ("x", "facebook", "bluesky", "mastodon"):
        publisher = build_publisher(platform, "default", Settings(), live=False)
        assert isinstance(publisher, DryRunPublisher)
        assert not publisher.live
        assert publisher.reconcile(make_post(platform, "anything")) is None


def test_dry_run_imports_no_platform_library() -> None:
    code = (
        "import sys\n"
        "from bot.config import Settings\n"
        "from bot.platforms.registry import build_publisher\n"
        "for p in ('x', 'facebook', 'bluesky', 'mastodon'):\n"
        "    build_publisher(p, 'default', Settings(), live=False)\n"
        "heavy = ('atproto', 'tweepy', 'facebook', 'mastodon')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "[]"


def test_unknown_platform() -> None:
    with pytest.raises(ConfigError, match="unknown platform 'myspace'"):
        build_publisher("myspace", "default", Settings(), live=False)


@pytest.mark.parametrize(
    ("platform", "account", "env", "missing"),
    [
        ("x", "default", {}, "X_API_KEY"),
        ("x", "default", {"X_API_KEY": "key-value-0001"}, "X_API_SECRET"),
        ("x", "mo-coalition", {"X_API_KEY": "key-value-0001"}, "X_MO_COALITION_API_KEY"),
        ("facebook", "default", {}, "FACEBOOK_PAGE_ID"),
        ("bluesky", "default", {"BLUESKY_HANDLE": "org.bsky.social"}, "BLUESKY_APP_PASSWORD"),
        (
            "mastodon",
            "default",
            {"MASTODON_API_BASE": "https://m.example"},
            "MASTODON_ACCESS_TOKEN",
        ),
    ],
)
def test_live_publishers_name_the_missing_variable(platform, account, env, missing) -> None:
    with pytest.raises(ConfigError) as caught:
        build_publisher(platform, account, Settings(env=env), live=True)
    assert missing in str(caught.value)
    for value in env.values():
        assert value not in str(caught.value)


def test_live_publishers_are_built_from_the_environment(tmp_path) -> None:
    x_app, x_user = fb_x.DEFAULT_CONFIG["app"], fb_x.DEFAULT_CONFIG["users"][1]
    page = fb_fb.DEFAULT_CONFIG["pages"][1]
    bsky = fb_bsky.DEFAULT_CONFIG["accounts"][1]
    masto = fb_masto.DEFAULT_CONFIG["accounts"][0]
    with (
        fb_x.FakeX() as fx,
        fb_fb.FakeFacebook() as ff,
        fb_bsky.FakeBluesky() as fbs,
        fb_masto.FakeMastodon() as fm,
    ):
        settings = Settings(
            env={
                "X_API_BASE": fx.url,
                "X_COALITION_API_KEY": x_app["consumer_key"],
                "X_COALITION_API_SECRET": x_app["consumer_secret"],
                "X_COALITION_ACCESS_TOKEN": x_user["access_token"],
                "X_COALITION_ACCESS_TOKEN_SECRET": x_user["access_token_secret"],
                "FACEBOOK_COALITION_PAGE_ID": page["id"],
                "FACEBOOK_COALITION_PAGE_TOKEN": page["token"],
                "FACEBOOK_GRAPH_URL": ff.url,
                "BLUESKY_COALITION_HANDLE": bsky["handle"],
                "BLUESKY_COALITION_APP_PASSWORD": bsky["password"],
                "BLUESKY_SERVICE": fbs.url,
                "BOT_STATE_DIR": str(tmp_path),
                "MASTODON_COALITION_API_BASE": fm.url,
                "MASTODON_COALITION_ACCESS_TOKEN": masto["token"],
            }
        )
        assert configured_accounts(settings) == [
            ("x", "coalition"),
            ("facebook", "coalition"),
            ("bluesky", "coalition"),
            ("mastodon", "coalition"),
        ]
        for platform, account in configured_accounts(settings):
            publisher = build_publisher(platform, account, settings, live=True)
            assert publisher.live and publisher.account == "coalition"
            assert publisher.publish(make_post(platform, f"SB 792 via {platform}")).remote_id
        assert fx.texts("mocoalition") == ["SB 792 via x"]
        assert ff.messages(page["id"]) == ["SB 792 via facebook"]
        assert [p["value"]["text"] for p in fbs.posts(bsky["handle"])] == ["SB 792 via bluesky"]
        assert fm.texts() == ["SB 792 via mastodon"]


def test_configured_accounts_and_variable_names() -> None:
    settings = Settings(
        env={
            "X_API_KEY": "a1b2c3d4",
            "X_ACCESS_TOKEN": "ignored-not-a-key",
            "X_MO_COALITION_API_KEY": "e5f6g7h8",
            "BLUESKY_HANDLE": "org.bsky.social",
            "MASTODON_ORG2_ACCESS_TOKEN": "tok-0001",
            "FACEBOOK_PAGE_ID": "",
        }
    )
    assert configured_accounts(settings) == [
        ("x", "default"),
        ("x", "mo_coalition"),
        ("bluesky", "default"),
        ("mastodon", "org2"),
    ]
    assert env_name("x", "default", "API_KEY") == "X_API_KEY"
    assert env_name("x", "mo-coalition", "API_KEY") == "X_MO_COALITION_API_KEY"
    assert env_name("bluesky", "Org 2", "HANDLE") == "BLUESKY_ORG_2_HANDLE"


def test_dry_run_unless_live_is_asked_for_even_with_credentials() -> None:
    """The registry alone decides; the commands' publishers ask it with their mode."""
    from bot.cli.run import publishers
    from bot.config import Mode

    env = {
        "X_API_KEY": "k",
        "X_API_SECRET": "s",
        "X_ACCESS_TOKEN": "t",
        "X_ACCESS_TOKEN_SECRET": "a",
    }
    settings = Settings(env=env, mode=Mode.LIVE)
    assert isinstance(build_publisher("x", "default", settings), DryRunPublisher)
    assert isinstance(publishers(settings, Mode.DRY_RUN)("x", "default"), DryRunPublisher)
    assert publishers(settings, Mode.LIVE)("x", "default").live
