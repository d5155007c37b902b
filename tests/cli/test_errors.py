"""Commands tell the truth and never fail silently (issue 12, §3).

One table of wrong command lines: each exits 1, says what was wrong and
what to do, prints no traceback, and leaves the post log exactly as it was
(a typo'd pause adds no pause row, a bad approve approves nothing). Then
the right command lines beside them still work, and every read command
has --json.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support import ROOT

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
NOWHERE = "sqlite:////nonexistent/dir/x.db"


@dataclass
class World:
    """A campaigns folder, a post log with a few posts, and the settings pointing at them."""

    root: Path
    env: dict[str, str]
    db_path: Path
    runner: CliRunner = field(default_factory=CliRunner)

    def run(self, *args: str, **env: str):  # type: ignore[no-untyped-def]
        from bot.cli import cli

        return self.runner.invoke(cli, list(args), env={**self.env, **env}, catch_exceptions=False)

    def snapshot(self) -> dict[str, list[tuple[object, ...]]]:
        """Everything an organizer's command can change in the log."""
        queries = {
            "posts": "SELECT id, status, approved_by, reason, remote_id, remote_url FROM posts",
            "pauses": "SELECT scope, reason FROM pauses",
            "do_not_tag": "SELECT person_id, platform, handle, reason FROM do_not_tag",
        }
        with sqlite3.connect(self.db_path) as connection:
            return {
                name: sorted(connection.execute(sql).fetchall()) for name, sql in queries.items()
            }


def _post(post_id: int, campaign: str, platform: str, account: str, status: str):  # type: ignore[no-untyped-def]
    from bot.store.models import Post

    text = f"post {post_id} of {campaign}"
    return Post(
        id=post_id,
        key=f"{post_id:064d}",
        created_at=NOW,
        scheduled_for=NOW,
        updated_at=NOW,
        mode="dry_run",
        campaign_id=campaign,
        bill="mo/2026/SB 792",
        platform=platform,
        account=account,
        variant="main",
        text=text,
        text_hash=f"{post_id:064x}",
        length=len(text),
        status=status,
    )


@pytest.fixture
def world(tmp_path, monkeypatch) -> World:
    """Posts #1 held, #2 posted (x:default), #3 unknown (mastodon:default, only in the log)."""
    from bot.store.db import Database

    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    for name in list(__import__("os").environ):
        if name.startswith(("BOT_", "X_", "FACEBOOK_", "BLUESKY_", "MASTODON_", "DASHBOARD_")):
            monkeypatch.delenv(name)
    shutil.copytree(ROOT / "campaigns", tmp_path / "campaigns")
    db_path = tmp_path / "log.db"
    env = {
        "DATABASE_URL": f"sqlite:///{db_path}",
        "CAMPAIGNS_DIR": str(tmp_path / "campaigns"),
        "X_API_KEY": "not-a-real-key",  # x:default is configured
        "PORT": "",
    }
    db = Database(env["DATABASE_URL"])
    with db.session() as session:
        session.add_all(
            [
                _post(1, "mo-sb792-expungement", "x", "default", "held"),
                _post(2, "mo-sb792-expungement", "x", "default", "posted"),
                _post(3, "mo-sb792-expungement", "mastodon", "default", "unknown"),
            ]
        )
    db.dispose()
    return World(tmp_path, env, db_path)


#: (command line, extra environment, what the error must say)
WRONG: list[tuple[list[str], dict[str, str], str]] = [
    # the emergency stop
    (
        ["pause", "--campaign", "mo-sb792-expungment"],
        {},
        "no campaign 'mo-sb792-expungment'",
    ),
    (["pause", "--campaign", "mo-sb792-expungment"], {}, "did you mean 'mo-sb792-expungement'?"),
    (["pause", "--account", "myspace:default"], {}, "no platform 'myspace'"),
    (["pause", "--account", "twitter:default"], {}, "X is called 'x'"),
    (["pause", "--account", "x:defualt"], {}, "did you mean 'x:default'?"),
    (["pause", "--account", "bluesky:default"], {}, "no account 'bluesky:default'"),
    (["pause", "--account", "x"], {}, "write PLATFORM:NAME, e.g. x:default"),
    (["pause", "--campaign", "mo-sb792-expungement", "--all"], {}, "exactly one of"),
    (["pause"], {}, "exactly one of"),
    (["resume", "--campaign", "mo-sb792-expungement"], {}, "is not paused: nothing resumed"),
    (["resume", "--all"], {}, "nothing is paused"),
    # the review queue
    (["approve", "999"], {}, "no post #999 in the log. Nothing was approved"),
    (["approve", "2"], {}, "post #2 is posted, not held"),
    (["approve", "1", "999"], {}, "no post #999 in the log. Nothing was approved"),
    (["approve", "--campaign", "mo-sb792-expungment"], {}, "did you mean 'mo-sb792-expungement'?"),
    (["approve", "1", "--all"], {}, "only one of them"),
    (["approve", "1", "--campaign", "mo-sb792-expungement"], {}, "only one of them"),
    (["approve"], {}, "name post ids, or --campaign ID, or --all"),
    (["approve", "0"], {}, "0 is not in the range x>=1"),
    (["reject", "999"], {}, "no post #999 in the log. Nothing was rejected"),
    (["reject", "--campaign", "mo-sb792"], {}, "did you mean 'mo-sb792-expungement'?"),
    # resolve
    (["resolve", "3", "--posted", "--not-posted"], {}, "say --posted or --not-posted, not both"),
    (["resolve", "3"], {}, "say --posted or --not-posted"),
    (["resolve", "3", "--not-posted", "--url", "https://x.com/a/1"], {}, "go with --posted"),
    (["resolve", "3", "--posted", "--url", "javascript:alert(1)"], {}, "http(s):// address"),
    (["resolve", "999", "--posted"], {}, "no post #999 in the log"),
    (["resolve", "1", "--posted"], {}, "post #1 is held, not unknown"),
    # numbers out of range, flags that contradict each other
    (["log", "--limit", "-5"], {}, "-5 is not in the range x>=1"),
    (["log", "--limit", "0"], {}, "0 is not in the range x>=1"),
    (["log", "--json", "--csv"], {}, "choose one of --json and --csv"),
    (["log", "--campaign", "mo-sb792-expungment"], {}, "did you mean 'mo-sb792-expungement'?"),
    (["log", "--since", "yesterday"], {}, "give a duration (7d, 12h) or a date"),
    (["serve", "--port", "99999"], {}, "99999 is not in the range 1<=x<=65535"),
    (["serve", "--threads", "0"], {}, "0 is not in the range 1<=x<=256"),
    (["worker", "--interval", "0"], {}, "0.0 is not in the range x>0"),
    (["worker", "--lease", "-1"], {}, "-1.0 is not in the range x>0"),
    (["directory", "search", "Hawley", "--limit", "0"], {}, "0 is not in the range x>=1"),
    (["directory", "search", " "], {}, "give a name, a state (MO)"),
    (["directory", "sync", "--timeout", "0"], {}, "0.0 is not in the range x>0"),
    (["bills", "sync", "--timeout", "-1"], {}, "-1.0 is not in the range x>0"),
    (["bills", "sync", "--campaign", "mo-sb792"], {}, "did you mean 'mo-sb792-expungement'?"),
    # the do-not-tag list
    (
        ["directory", "do-not-tag", "@SenOffice", "--platform", "x", "--remove"],
        {},
        "no do-not-tag entry for @SenOffice on x, so nothing was removed",
    ),
    (["directory", "do-not-tag", "--list", "--remove"], {}, "--list takes no TARGET"),
    (["directory", "do-not-tag", "--remove"], {}, "need a TARGET"),
    (
        ["directory", "do-not-tag", "@SenOffice", "--platform", "x", "--remove", "--reason", "r"],
        {},
        "--reason goes with adding an entry",
    ),
    (["directory", "do-not-tag", "@", "--platform", "x"], {}, "name a person (id or name)"),
    (["directory", "set-handle", "H001089", "x", "--clear", "--note", "n"], {}, "--note goes with"),
    # settings and files
    (["pause", "--all"], {"BOT_MODE": "maybe"}, "BOT_MODE='maybe' is not a mode"),
    (["log"], {"DATABASE_URL": NOWHERE}, f"cannot open the database at {NOWHERE}"),
    (["db", "current"], {"DATABASE_URL": NOWHERE}, "the folder /nonexistent/dir does not exist"),
    (["db", "upgrade"], {"DATABASE_URL": NOWHERE}, f"cannot open the database at {NOWHERE}"),
    (["db", "current"], {"DATABASE_URL": "notaurl"}, "Could not parse SQLAlchemy URL"),
    (["log"], {"DATABASE_URL": "mysql://bot:s3cret@db/x"}, "its driver is not installed"),
    (["targets", "mo-sb792-expungement"], {"CAMPAIGNS_DIR": "/nonexistent"}, "does not exist"),
    (["targets", "mo-sb792-expungment"], {}, "did you mean 'mo-sb792-expungement'?"),
    (
        ["bills", "steps", "us-s1693-online-trafficking"],
        {"CAMPAIGNS_DIR": "/etc/hostname"},
        "is not a folder",
    ),
    (["accounts", "check", "--account", "defualt"], {}, "did you mean 'default'?"),
    (["no-such-command"], {}, "No such command 'no-such-command'"),
]


@pytest.mark.parametrize(
    ("args", "env", "says"), WRONG, ids=lambda v: " ".join(v) if isinstance(v, list) else None
)
def test_a_wrong_command_exits_1_says_why_and_changes_nothing(world, args, env, says):
    before = world.snapshot()
    result = world.run(*args, **env)
    assert result.exit_code == 1, result.output
    assert says in result.output
    assert "Traceback" not in result.output
    assert "s3cret" not in result.output
    assert len(result.output.strip().splitlines()) <= 4  # one line (click adds its usage)
    assert world.snapshot() == before


def test_the_right_commands_beside_them_work(world):
    assert world.run("pause", "--campaign", "mo-sb792-expungement").output == (
        "paused campaign:mo-sb792-expungement\n"
    )
    assert world.run("pause", "--account", "x:default").exit_code == 0  # configured
    assert world.run("pause", "--account", "mastodon:default").exit_code == 0  # in the log
    assert ("campaign:mo-sb792-expungement", "paused by an organizer") in world.snapshot()["pauses"]
    result = world.run("resume", "--account", "x:defualt")
    assert result.exit_code == 1
    assert "did you mean 'account:x:default'?" in result.output
    assert world.run("resume", "--account", "x:default").output == "resumed account:x:default\n"
    assert world.run("approve", "1").output == "approved 1 post(s)\n"
    assert world.run("resolve", "3", "--not-posted").output == "post #3 is now queued\n"
    assert world.run("log", "--campaign", "mo-sb792-expungement", "--limit", "1").exit_code == 0
    assert world.run("directory", "do-not-tag", "@SenOffice", "--platform", "x").exit_code == 0
    result = world.run("directory", "do-not-tag", "@SenOffice", "--platform", "bluesky", "--remove")
    assert result.exit_code == 1
    assert "found: @SenOffice on x: (no reason given) [do-not-tag]" in result.output
    result = world.run("directory", "do-not-tag", "@SenOffice", "--platform", "x")
    assert result.output.startswith("@SenOffice is already on the do-not-tag list")
    result = world.run("directory", "do-not-tag", "@SenOffice", "--platform", "x", "--remove")
    assert result.output == "removed 1 do-not-tag entry\n"


def test_a_campaign_only_in_the_log_can_be_paused(world):
    (world.root / "campaigns" / "mo-sb792-expungement.yaml").unlink()
    assert world.run("pause", "--campaign", "mo-sb792-expungement").exit_code == 0


def test_a_campaign_given_in_two_files_can_be_paused(world):
    """Neither file runs, but the emergency stop must still know the name."""
    folder = world.root / "campaigns"
    text = (folder / "mo-sb792-expungement.yaml").read_text()
    (folder / "copy.yaml").write_text(text)
    result = world.run(
        "pause",
        "--campaign",
        "mo-sb792-expungement",
        DATABASE_URL=f"sqlite:///{world.root / 'empty.db'}",
    )
    assert result.exit_code == 0, result.output


def test_an_unexpected_error_is_one_line_naming_the_bug(world, monkeypatch):
    import bot.store.queries

    def broken(*_args, **_kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(bot.store.queries, "set_pause", broken)
    result = world.run("pause", "--all")
    assert result.exit_code == 1
    assert result.output.startswith("error: unexpected KeyError: 'boom' (a bug: please report it")
    with pytest.raises(KeyError):
        world.run("pause", "--all", ADVOCACY_BOT_DEBUG="1")


def test_any_error_of_the_bot_is_its_message_and_no_secret_is_shown(world, monkeypatch):
    """The handler catches the root (bot.errors.AdvocacyBotError), not a list of classes,
    and masks the environment's secrets, in a known error and in a bug alike."""
    import bot.store.queries
    from bot.directory.sync import SyncError

    token = "tok-3f9a8b7c6d5e"
    raised: list[Exception] = []

    def broken(*_args, **_kwargs):
        raise raised[0]

    monkeypatch.setattr(bot.store.queries, "set_pause", broken)
    raised.append(SyncError(f"https://a.example/?access_token={token} refused; try later"))
    result = world.run("pause", "--all", X_ACCESS_TOKEN=token)
    assert result.exit_code == 1
    assert result.output == "error: https://a.example/?access_token=*** refused; try later\n"

    raised[0] = KeyError(f"postgresql://bot:pw-8d7e6f5a@db/x {token}")
    result = world.run("pause", "--all", X_ACCESS_TOKEN=token)
    assert result.output.startswith(
        "error: unexpected KeyError: 'postgresql://bot:***@db/x ***' (a bug"
    )


# --- --json on every read command ---------------------------------------------------


def test_every_read_command_has_json(world):
    validate = json.loads(world.run("validate", "--json").output)
    assert validate["ok"] is True
    assert {c["id"] for c in validate["campaigns"]} >= {"mo-sb792-expungement"}
    status = json.loads(world.run("directory", "status", "--json").output)
    assert status == {"sources": [], "handle_overrides": 0, "do_not_tag": 0}
    world.run("directory", "do-not-tag", "@SenOffice", "--platform", "x", "--reason", "asked")
    entries = json.loads(world.run("directory", "do-not-tag", "--list", "--json").output)
    assert entries == [
        {
            "person": None,
            "handle": "SenOffice",
            "platform": "x",
            "reason": "asked",
            "source": "do-not-tag",
        }
    ]
    accounts = json.loads(world.run("accounts", "list", "--json").output)
    assert accounts == [
        {
            "platform": "x",
            "account": "default",
            "variables": {
                "X_API_KEY": True,
                "X_API_SECRET": False,
                "X_ACCESS_TOKEN": False,
                "X_ACCESS_TOKEN_SECRET": False,
            },
        }
    ]
    assert "not-a-real-key" not in world.run("accounts", "list", "--json").output
    current = json.loads(world.run("db", "current", "--json").output)
    assert current["up_to_date"] is True
    assert current["revision"] == current["head"]


def test_validate_json_carries_a_severity_for_every_problem(world):
    broken = world.root / "campaigns" / "broken.yaml"
    broken.write_text("id: broken\nshedule: {cron: '0 10 * * *'}\n")
    result = world.run("validate", "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False
    problems = [p for p in data["problems"] if p["path"] == str(broken)]
    assert problems
    assert {p["severity"] for p in problems} == {"error"}
    assert all({"line", "field", "message", "hint", "text"} <= set(p) for p in problems)


def test_db_current_changes_nothing(world):
    fresh = world.root / "fresh.db"
    result = world.run("db", "current", DATABASE_URL=f"sqlite:///{fresh}")
    assert result.exit_code == 0
    assert result.output.startswith("revision none: behind")
    assert not fresh.exists()


# --- Facebook names its targets in plain text; targets and validate say so ----------


def _facebook_campaign(world: World) -> None:
    text = (ROOT / "campaigns" / "us-s1693-online-trafficking.yaml").read_text()
    text = text.replace("platforms: [x, bluesky, mastodon]", "platforms: [x, facebook]")
    assert "platforms: [x, facebook]" in text
    (world.root / "campaigns" / "us-s1693-online-trafficking.yaml").write_text(text)


def test_targets_says_facebook_names_everyone_in_plain_text(world):
    _facebook_campaign(world)
    result = world.run("targets", "us-s1693-online-trafficking")
    assert result.exit_code == 0, result.output
    facebook = result.output[result.output.index("\nfacebook:") :]
    assert facebook.startswith("\nfacebook: 0 tagged, 2 named in plain text")
    assert "@SenatorHawley" not in facebook  # the campaign gives Hawley's Page
    assert (
        'named as "Sen. Josh Hawley" (H001089): named in plain text; Facebook does not tag '
        "(its Page: SenatorHawley)" in facebook
    )
    assert "@SenHawleyPress" in result.output  # X still tags
    data = json.loads(world.run("targets", "us-s1693-online-trafficking", "--json").output)
    hawley = next(t for t in data["targets"] if t["id"] == "H001089")
    assert hawley["platforms"]["facebook"]["tagged"] is False
    assert hawley["platforms"]["x"]["tagged"] is True
    assert data["counts"]["facebook"] == {"tagged": 0, "named": 2}


def test_validate_says_facebook_names_everyone_in_plain_text(world):
    _facebook_campaign(world)
    result = world.run("validate", "--strict")
    lines = result.output.splitlines()
    facebook = [line for line in lines if "us-s1693" in line and ": facebook: " in line]
    assert facebook == [
        f"note: {world.root / 'campaigns' / 'us-s1693-online-trafficking.yaml'}: targets: "
        "facebook: every target is named in plain text; Facebook does not tag (a Page cannot "
        "tag people by handle), so Facebook handles are not needed"
    ]


def test_an_unreadable_campaigns_folder_is_one_line_with_the_fix(world, monkeypatch):
    # Tests may run as root, whom permissions do not stop: make the folder refuse.
    import bot.campaigns.loader

    folder = world.root / "campaigns"

    def refuse(paths):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied", str(folder))

    monkeypatch.setattr(bot.campaigns.loader, "campaign_files", refuse)
    result = world.run("validate")
    assert result.exit_code == 1
    assert result.output == (
        f"error: {folder}: Permission denied; check the path and its permissions\n"
    )
    before = world.snapshot()
    result = world.run("pause", "--campaign", "mo-hb1526-protect-children")  # not in the log
    assert result.exit_code == 1
    assert "Permission denied" in result.output
    assert world.snapshot() == before
    # The emergency stop still works for a campaign that has posted.
    assert world.run("pause", "--campaign", "mo-sb792-expungement").exit_code == 0


def test_an_overrides_file_that_is_not_utf8_is_named(world):
    path = world.root / "overrides.yaml"
    path.write_bytes(b"handles:\n  \xff\xfe: x\n")
    result = world.run("directory", "load-overrides", str(path))
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {path}: not UTF-8 text; save it as UTF-8")
