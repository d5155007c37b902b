"""`advocacy-bot run --once`, `preview` and `log` on the example campaigns, on real SQLite."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
import yaml

from tests.support import ROOT


def example_campaigns() -> dict[str, dict]:
    campaigns = {}
    for path in sorted((ROOT / "campaigns").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        campaigns[data["id"]] = data
    return campaigns


def test_run_once_on_the_examples_logs_the_expected_posts(cli, directory):
    result = cli("run", "--once", "--all")
    assert result.exit_code == 0, result.output
    log = json.loads(cli("log", "--json", "--limit", "500").output)
    campaigns = example_campaigns()
    for campaign_id, data in campaigns.items():
        rows = [row for row in log if row["campaign"] == campaign_id]
        per_run = data["schedule"]["posts_per_run"]
        assert len(rows) == per_run * len(data["platforms"]), campaign_id
        if data["approval"] == "required":
            assert {row["status"] for row in rows} == {"held"}
        for row in rows:
            assert row["platform"] in data["platforms"]
            assert 1 <= len(row["targets"]) <= data["mentions_per_post"]
            # a tagged handle always comes from the campaign; nobody gets an invented one
            for target in row["targets"]:
                if target["handle"]:
                    assert f"@{target['handle']}" in row["text"]
                else:
                    assert target["name"] in row["text"]
    # the guard spaces posts from one account: one goes out now, the others wait
    for platform in ("x", "facebook", "bluesky", "mastodon"):
        mine = [row for row in log if row["platform"] == platform and row["status"] != "held"]
        assert [row["status"] for row in mine].count("dry_run") == 1
        for row in mine:
            if row["status"] == "queued":
                assert row["reason"].startswith(f"posts on {platform} are spaced by at least")
    # S 1693 tags the Judiciary Committee's X handles on X, and names them elsewhere
    s1693 = [row for row in log if row["campaign"] == "us-s1693-online-trafficking"]
    x_rows = [row for row in s1693 if row["platform"] == "x"]
    assert all(t["handle"] for row in x_rows for t in row["targets"])
    others = [row for row in s1693 if row["platform"] != "x"]
    assert all(t["handle"] is None for row in others for t in row["targets"])


def test_output_says_dry_run_and_shows_what_would_be_posted(cli):
    result = cli("run", "--once", "--campaign", "mo-sb792-expungement")
    assert "Dry run: nothing leaves this machine" in result.output
    assert "mo-sb792-expungement: 4 post(s) planned" in result.output
    assert "[x:default] queued" in result.output
    assert "targets: Sen. Nick Schroer (named), Sen. David Gregory (named)" in result.output
    assert "→ dry_run" in result.output


def test_no_repeats_and_rotation_across_two_processes(bot_process, cli):
    campaign_id = "mo-sb792-expungement"  # one post a run, two a day, two targets a post
    first = bot_process("run", "--once", "--campaign", campaign_id)
    second = bot_process("run", "--once", "--campaign", campaign_id)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    log = json.loads(cli("log", "--json", "--platform", "x").output)
    assert len(log) == 2
    first_text, second_text = (row["text"] for row in reversed(log))
    assert first_text != second_text  # never the same text twice from one account
    tagged = [t["id"] for row in reversed(log) for t in row["targets"]]
    assert len(tagged) == len(set(tagged)) == 4  # nobody addressed twice within the cooldown
    # least recently addressed first: the second process moved on down the roster
    roster = yaml.safe_load((ROOT / "campaigns/rosters/mo-senate-judiciary.yaml").read_text())
    assert tagged == [person["id"] for person in roster["people"]][:4]
    # and the second process took the next message variant
    assert first_text.startswith("Sen. Nick Schroer and Sen. David Gregory: survivors")
    assert second_text.startswith("A job, an apartment, a classroom")
    # a third run the same day is held back by the campaign's daily cap
    third = bot_process("run", "--once", "--campaign", campaign_id)
    assert "x: daily cap of 2 posts reached; nothing more today" in third.stdout


def test_a_broken_campaign_is_reported_and_the_others_run(cli, env, tmp_path):
    folder = tmp_path / "campaigns"
    folder.mkdir()
    good = (ROOT / "campaigns" / "us-s1693-online-trafficking.yaml").read_text()
    (folder / "good.yaml").write_text(good)
    (folder / "broken.yaml").write_text(
        good.replace("id: us-s1693", "id: other").replace(
            "timezone: America/New_York", "timezone: Mars/Olympus_Mons"
        )
    )
    result = cli("run", "--once", "--all", "--campaigns-dir", str(folder))
    assert result.exit_code == 1  # cron must notice, after the good campaign ran
    assert "skipped: " in result.output and "broken.yaml" in result.output
    assert "unknown timezone 'Mars/Olympus_Mons'" in result.output
    assert (
        "us-s1693-online-trafficking: 3 post(s) planned" in result.output
    )  # no directory: 2 named
    assert result.output.rstrip().endswith(
        "1 campaign ran; 1 file skipped: campaigns/broken.yaml (see above)"
    )


def test_preview_json_has_the_documented_shape(cli, directory):
    result = cli("preview", "us-s1693-online-trafficking", "--platform", "x", "--json")
    data = json.loads(result.output)
    assert set(data) == {"campaign", "generated_at", "posts", "notes"}
    assert data["campaign"] == "us-s1693-online-trafficking"
    assert len(data["posts"]) == 2
    for post in data["posts"]:
        assert set(post) == {
            "key",
            "platform",
            "account",
            "bill",
            "variant",
            "text",
            "length",
            "limit",
            "link",
            "targets",
        }
        assert post["platform"] == "x" and post["limit"] == 280
        assert post["length"] <= 280
        assert len(post["key"]) == 64
        for target in post["targets"]:
            assert set(target) == {"id", "name", "handle", "tagged"}
    # preview writes nothing
    assert json.loads(cli("log", "--json").output) == []


def test_preview_counts_length_the_way_each_platform_does(cli, directory):
    data = json.loads(cli("preview", "us-s1693-online-trafficking", "--json").output)
    by_platform = {post["platform"]: post for post in data["posts"]}
    x = by_platform["x"]
    url = "https://www.congress.gov/bill/115th-congress/senate-bill/1693"
    assert url in x["text"]
    assert x["length"] == len(x["text"]) - len(url) + 23  # URLs count 23 on X
    assert by_platform["bluesky"]["length"] == len(by_platform["bluesky"]["text"])
    assert by_platform["bluesky"]["limit"] == 300


def test_preview_of_an_unknown_campaign_names_the_known_ones(cli):
    result = cli("preview", "nope")
    assert result.exit_code == 1
    assert "us-s1693-online-trafficking" in result.output
    assert "Traceback" not in result.output


def test_log_filters_and_csv(cli, directory):
    cli("run", "--once", "--all")
    rows = list(csv.DictReader(io.StringIO(cli("log", "--csv", "--platform", "mastodon").output)))
    assert rows and {row["platform"] for row in rows} == {"mastodon"}
    assert set(rows[0]) >= {"created_at", "campaign", "bill", "status", "targets", "text"}
    held = json.loads(cli("log", "--json", "--status", "held").output)
    assert held and {row["campaign"] for row in held} == {"us-s1693-online-trafficking"}
    assert json.loads(cli("log", "--json", "--since", "2099-01-01").output) == []


def test_approve_releases_held_posts_to_publishing(cli, directory):
    cli("run", "--once", "--campaign", "us-s1693-online-trafficking")
    held = json.loads(cli("log", "--json", "--status", "held").output)
    result = cli("approve", str(held[0]["id"]))
    assert result.output.strip() == "approved 1 post(s)"
    cli("run", "--once", "--campaign", "us-s1693-online-trafficking")
    published = json.loads(cli("log", "--json", "--status", "dry_run").output)
    assert [row["id"] for row in published] == [held[0]["id"]]
    assert cli("reject", "--all").output.startswith("rejected ")


def test_live_mode_is_never_the_default(cli, env):
    result = cli("run", "--once", "--campaign", "mo-sb792-expungement")
    assert "LIVE" not in result.output
    assert {row["status"] for row in json.loads(cli("log", "--json").output)} == {"dry_run"}


def test_validate_checks_selectors_against_the_imported_directory(cli, directory, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    text = (ROOT / "campaigns" / "us-s1693-online-trafficking.yaml").read_text()
    text = text.replace(
        "{jurisdiction: us, committee: SSJU}", "{committee: Senate Judicary Comittee}"
    )
    (folder / "typo.yaml").write_text(text)
    result = cli("validate", str(folder))
    assert result.exit_code == 0  # warnings only
    warnings = [line for line in result.output.splitlines() if line.startswith("warning")]
    assert any("Senate Judicary Comittee" in line and "Judiciary" in line for line in warnings)
    assert cli("validate", "--strict", str(folder)).exit_code == 1


def test_validate_without_a_database_creates_none(cli, env, tmp_path):
    result = cli("validate")
    assert result.exit_code == 0
    assert "warning" not in result.output
    assert not (tmp_path / "log.db").exists()


def test_run_live_with_a_half_configured_account_stops_before_planning(cli, env, monkeypatch):
    """Clients are built at start, outside any transaction: a missing setting is named
    there (never the values around it) and nothing is planned or claimed."""
    monkeypatch.setenv("X_API_KEY", "key-only-value")
    result = cli("run", "--once", "--live", "--campaign", "mo-sb792-expungement")
    assert result.exit_code != 0
    assert "X_API_SECRET is not set" in result.output
    assert "key-only-value" not in result.output
    assert json.loads(cli("log", "--json").output) == []


def test_log_offers_every_post_status_and_no_other():
    from bot.cli.log import STATUSES
    from bot.store.models import Status

    assert [status.value for status in Status] == STATUSES


# --- schedules hold, the exit status tells, the notes are true --------------------------------


@pytest.fixture
def at(monkeypatch):
    """Run the CLI at a chosen moment (``at(datetime)``)."""
    from bot.cli import run as run_module
    from bot.clock import FrozenClock

    def set_clock(moment: datetime) -> None:
        monkeypatch.setattr(run_module, "CLOCK", lambda: FrozenClock(moment))

    return set_clock


def dated_campaigns(folder, **schedules):
    """One copy of S 1693 per id, each with its schedule's fields changed."""
    data = yaml.safe_load((ROOT / "campaigns" / "us-s1693-online-trafficking.yaml").read_text())
    folder.mkdir(exist_ok=True)
    for campaign_id, changes in schedules.items():
        copy = {**data, "id": campaign_id, "schedule": {**data["schedule"], **changes}}
        copy.pop("steps", None)
        (folder / f"{campaign_id}.yaml").write_text(yaml.safe_dump(copy, sort_keys=False))
    return folder


NOON_NY = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)  # 12:00 in Washington, a Tuesday


def test_run_once_all_honours_start_and_end_dates(cli, tmp_path, at):
    folder = dated_campaigns(
        tmp_path / "campaigns",
        ended={"start": "2026-01-05", "end": "2026-02-27"},
        future={"start": "2026-06-01"},
        current={"start": "2026-01-05", "end": "2026-12-31"},
    )
    at(NOON_NY)
    result = cli("run", "--once", "--all", "--campaigns-dir", str(folder))
    assert result.exit_code == 0, result.output
    assert "○ ended: not run" in result.output
    assert "the campaign ended on 2026-02-27 (schedule.end)" in result.output
    assert "○ future: not run" in result.output
    assert "the campaign starts on 2026-06-01 (schedule.start)" in result.output
    assert "● current: 3 post(s) planned" in result.output
    assert result.output.rstrip().endswith("1 campaign ran; 2 not run (see their notes)")
    log = json.loads(cli("log", "--json").output)
    assert {row["campaign"] for row in log} == {"current"}
    # naming the campaign does not get round its dates either
    named = cli("run", "--once", "--campaign", "ended", "--campaigns-dir", str(folder))
    assert named.exit_code == 0 and "○ ended: not run" in named.output
    assert len(json.loads(cli("log", "--json").output)) == len(log)


def test_a_dry_run_in_quiet_hours_says_so_on_each_campaign_it_affects(cli, tmp_path, at):
    folder = dated_campaigns(
        tmp_path / "campaigns",
        quiet={"quiet_hours": {"start": "20:00", "end": "09:00"}},
        daytime={"quiet_hours": {"start": "23:00", "end": "06:00"}},
    )
    at(datetime(2026, 3, 4, 2, 0, tzinfo=UTC))  # 21:00 in Washington
    result = cli("run", "--once", "--all", "--campaigns-dir", str(folder))
    assert result.exit_code == 0, result.output
    daytime, rest = result.output.split("● quiet:")  # the files run in name order
    quiet = rest.split("publishing:")[0]
    assert (
        "note: dry run past quiet hours: now (21:00 EST) falls in the quiet hours "
        "(20:00-09:00 America/New_York); nothing is posted live before 2026-03-04 09:00 EST; "
        "a live run now would plan nothing"
    ) in quiet
    assert "● daytime: 3 post(s) planned" in daytime and "quiet hours" not in daytime


def test_every_planned_post_appears_with_its_outcome(cli, at):
    """The quick start: each post #N planned is in the `publishing:` summary."""
    at(NOON_NY)
    result = cli("run", "--once", "--all")
    assert result.exit_code == 0, result.output
    log = json.loads(cli("log", "--json", "--limit", "500").output)
    summary = result.output.split("publishing:")[1]
    for row in log:
        line = next(
            (x for x in summary.splitlines() if x.strip().startswith(f"post #{row['id']} →")), None
        )
        assert line is not None, f"post #{row['id']} is missing from:\n{summary}"
        assert f"→ {row['status']}" in line
        if row["status"] == "queued":
            assert " until 2026-03-03 " in line and row["reason"] in line
        if row["status"] == "held":
            assert row["reason"] in line


def test_no_note_says_nothing_was_posted_where_a_post_was_planned(cli, at):
    at(NOON_NY)
    result = cli("run", "--once", "--all")
    for block in result.output.split("● ")[1:]:
        planned = {line.split("]")[0][1:].split(":")[0] for line in block.splitlines()
                   if line.startswith("[")}  # fmt: skip
        for note in (line for line in block.splitlines() if "note: " in line):
            platform = note.split("note: ")[1].split(":")[0]
            if platform in planned:
                assert "nothing to post" not in note, note
                assert "daily cap" not in note, note


@pytest.mark.parametrize(
    "args, says",
    [
        (["--once", "--all", "--campaign", "mo-sb792-expungement"], "--all and --campaign"),
        (["--all"], "--all goes with --once"),
        (["--campaign", "mo-sb792-expungement"], "--campaign goes with --once"),
    ],
)
def test_conflicting_run_flags_are_usage_errors(cli, args, says):
    result = cli("run", *args)
    assert result.exit_code == 1  # usage errors exit 1 (docs/cli.md)
    assert says in result.output
    assert json.loads(cli("log", "--json").output) == []
