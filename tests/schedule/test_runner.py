"""Campaign runs on a real SQLite log: no repeats, rotation, quiet hours, missed runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.campaigns.loaded import LoadedCampaign
from bot.clock import FrozenClock
from bot.config import Mode
from bot.platforms.dryrun import DryRunPublisher
from bot.schedule import runner
from bot.schedule.worker import publish_due
from bot.store.models import CampaignRun, Post, PostTarget, Status
from tests.guards import allow_all
from tests.support import make_campaign, people

TEN_AM = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 10:00 in Chicago


def loaded(count: int = 4, **changes) -> LoadedCampaign:
    return LoadedCampaign(make_campaign(**changes), Path("test.yaml"), tuple(people(count)))


def statuses(db) -> list[str]:
    with db.new_session() as session:
        return list(session.scalars(select(Post.status).order_by(Post.id)))


def dry_run_publishers(platform, account):
    return DryRunPublisher(platform, account)


def test_a_due_run_queues_posts_and_records_its_fire_time(db):
    reports = runner.run_due(db, [loaded()], mode=Mode.DRY_RUN, now=TEN_AM + timedelta(minutes=1))
    (report,) = reports
    assert report.fire_time == TEN_AM
    assert [post.status for post in report.posts] == ["queued"]
    with db.new_session() as session:
        assert session.scalar(select(CampaignRun.fire_time)) == TEN_AM


def test_running_twice_in_a_row_makes_no_second_set_of_posts(db):
    campaign = loaded()
    first = runner.run_due(db, [campaign], mode=Mode.DRY_RUN, now=TEN_AM + timedelta(minutes=1))
    second = runner.run_due(db, [campaign], mode=Mode.DRY_RUN, now=TEN_AM + timedelta(minutes=2))
    assert len(first[0].posts) == 1
    assert second == []
    with db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 1


def test_nothing_is_due_between_fire_times(db):
    assert runner.run_due(db, [loaded()], mode=Mode.DRY_RUN, now=TEN_AM - timedelta(hours=1)) == []


def test_successive_days_rotate_targets_and_variants(db):
    campaign = loaded(count=3, mentions_per_post=1, cooldown="1d")
    seen = []
    for day in range(4):
        (report,) = runner.run_due(
            db, [campaign], mode=Mode.DRY_RUN, now=TEN_AM + timedelta(days=day, minutes=1)
        )
        (post,) = report.posts
        seen.append((post.targets[0].person_id, post.variant))
    assert seen == [("P0", "a"), ("P1", "b"), ("P2", "a"), ("P0", "b")]


def test_cooldown_is_per_bill_and_platform(db):
    campaign = loaded(count=1, platforms=["x", "bluesky"], cooldown="7d")
    runner.run_due(db, [campaign], mode=Mode.DRY_RUN, now=TEN_AM + timedelta(minutes=1))
    (report,) = runner.run_due(
        db, [campaign], mode=Mode.DRY_RUN, now=TEN_AM + timedelta(days=1, minutes=1)
    )
    assert report.posts == []
    assert "x: every target was addressed within the cooldown (7d)" in report.notes[0]
    with db.new_session() as session:
        tagged = session.execute(select(PostTarget.person_id, PostTarget.platform)).all()
    assert sorted(tagged) == [("P0", "bluesky"), ("P0", "x")]


def test_quiet_hours_record_a_run_that_posts_nothing(db):
    campaign = loaded(
        schedule={
            "cron": "0 22 * * *",
            "timezone": "America/Chicago",
            "quiet_hours": {"start": "21:00", "end": "08:00"},
        }
    )
    ten_pm = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)
    (report,) = runner.run_due(db, [campaign], mode=Mode.DRY_RUN, now=ten_pm + timedelta(minutes=1))
    assert report.posts == []
    assert report.notes == ["run at 2026-03-02 22:00 CST falls in quiet hours; nothing posted"]
    assert statuses(db) == []


def test_a_missed_run_is_skipped_and_said_so_by_default(db):
    campaign = loaded()
    runner.run_due(db, [campaign], mode=Mode.DRY_RUN, now=TEN_AM + timedelta(minutes=1))
    (report,) = runner.run_due(
        db, [campaign], mode=Mode.DRY_RUN, now=TEN_AM + timedelta(days=3, hours=2)
    )
    assert report.posts == []
    assert report.notes == [
        "run due at 2026-03-05 10:00 CST was missed while the bot was down; skipped "
        "(schedule.missed: skip); 2 earlier run(s) missed while the bot was down"
    ]
    with db.new_session() as session:
        notes = list(session.scalars(select(CampaignRun.note).order_by(CampaignRun.id)))
    assert notes[-1] == report.notes[0]


def test_catch_up_once_runs_once_after_downtime(db):
    campaign = loaded(
        schedule={"cron": "0 10 * * *", "timezone": "America/Chicago", "missed": "catch_up_once"}
    )
    runner.run_due(db, [campaign], mode=Mode.DRY_RUN, now=TEN_AM + timedelta(minutes=1))
    later = TEN_AM + timedelta(days=3, hours=2)
    (report,) = runner.run_due(db, [campaign], mode=Mode.DRY_RUN, now=later)
    again = runner.run_due(db, [campaign], mode=Mode.DRY_RUN, now=later + timedelta(minutes=5))
    assert len(report.posts) == 1
    assert report.notes[0].startswith("catching up once")
    assert again == []


def test_approval_required_holds_posts(db):
    (report,) = runner.run_due(
        db, [loaded(approval="required")], mode=Mode.DRY_RUN, now=TEN_AM + timedelta(minutes=1)
    )
    assert [p.status for p in report.posts] == ["held"]
    assert report.posts[0].reason == runner.AWAITING_APPROVAL
    outcomes = publish_due(
        db,
        dry_run_publishers,
        mode=Mode.DRY_RUN,
        clock=FrozenClock(TEN_AM + timedelta(hours=1)),
        guard=allow_all,
    )
    assert outcomes == []


def test_dry_run_publishing_records_each_post_and_an_attempt(db):
    runner.run_due(
        db,
        [loaded(platforms=["x", "mastodon"])],
        mode=Mode.DRY_RUN,
        now=TEN_AM + timedelta(minutes=1),
    )
    clock = FrozenClock(TEN_AM + timedelta(minutes=2))
    outcomes = publish_due(db, dry_run_publishers, mode=Mode.DRY_RUN, clock=clock, guard=allow_all)
    assert [o.status for o in outcomes] == ["dry_run", "dry_run"]
    with db.new_session() as session:
        posts = list(session.scalars(select(Post)))
        assert all(p.remote_id and p.remote_id.startswith("dry-run:") for p in posts)
        assert [len(p.attempts) for p in posts] == [1, 1]
    # nothing left to publish
    assert (
        publish_due(db, dry_run_publishers, mode=Mode.DRY_RUN, clock=clock, guard=allow_all) == []
    )


def test_dry_runs_never_hold_back_live_posts(db):
    campaign = loaded(count=1)
    now = TEN_AM + timedelta(minutes=1)
    runner.run_campaign(db, campaign, mode=Mode.DRY_RUN, now=now, fire_time=now)
    live = runner.run_campaign(db, campaign, mode=Mode.LIVE, now=now, fire_time=now)
    assert [p.text for p in live.posts] == [
        "@Sen0 please support S 1693. https://www.congress.gov/bill/115th-congress/senate-bill/1693"
    ]


def test_the_same_fire_time_is_planned_once(db):
    campaign = loaded()
    now = TEN_AM + timedelta(minutes=1)
    first = runner.run_campaign(db, campaign, mode=Mode.DRY_RUN, now=now, fire_time=TEN_AM)
    second = runner.run_campaign(db, campaign, mode=Mode.DRY_RUN, now=now, fire_time=TEN_AM)
    assert len(first.posts) == 1 and second.posts == []
    assert second.notes[-1] == "this fire time was already run by another process; nothing planned"


def test_a_paused_campaign_publishes_nothing_until_resumed(db):
    from bot.store import queries

    runner.run_due(db, [loaded()], mode=Mode.DRY_RUN, now=TEN_AM + timedelta(minutes=1))
    clock = FrozenClock(TEN_AM + timedelta(minutes=2))
    with db.session() as session:
        queries.set_pause(session, "campaign:test-campaign", "hearing postponed", clock.now())
    assert (
        publish_due(db, dry_run_publishers, mode=Mode.DRY_RUN, clock=clock, guard=allow_all) == []
    )
    assert statuses(db) == ["queued"]
    with db.session() as session:
        queries.clear_pause(session, "campaign:test-campaign")
    (outcome,) = publish_due(
        db, dry_run_publishers, mode=Mode.DRY_RUN, clock=clock, guard=allow_all
    )
    assert outcome.status == Status.DRY_RUN.value


# --- `run --once --all` / `--campaign`: the schedule's dates and quiet hours still hold ---------

QUIET = {"start": "21:00", "end": "08:00"}
TEN_PM = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # 22:00 in Chicago, March 2nd


def test_a_forced_run_of_an_ended_campaign_plans_nothing_and_says_so(db):
    ended = loaded(
        schedule={"cron": "0 10 * * *", "timezone": "America/Chicago", "end": "2026-03-01"}
    )
    report = runner.run_now(db, ended, mode=Mode.DRY_RUN, now=TEN_AM)
    assert (report.ran, report.posts) == (False, [])
    assert report.notes == [
        "not run: the campaign ended on 2026-03-01 (schedule.end); nothing is planned after it"
    ]
    assert statuses(db) == []


def test_a_forced_run_before_the_start_date_plans_nothing(db):
    future = loaded(
        schedule={"cron": "0 10 * * *", "timezone": "America/Chicago", "start": "2026-04-01"}
    )
    report = runner.run_now(db, future, mode=Mode.LIVE, now=TEN_AM)
    assert not report.ran
    assert "starts on 2026-04-01 (schedule.start)" in report.notes[0]
    assert statuses(db) == []


def test_a_forced_live_run_in_quiet_hours_plans_nothing_and_records_why(db):
    quiet = loaded(
        schedule={"cron": "0 10 * * *", "timezone": "America/Chicago", "quiet_hours": QUIET}
    )
    report = runner.run_now(db, quiet, mode=Mode.LIVE, now=TEN_PM)
    assert not report.ran
    assert report.notes == [
        "not run: now (22:00 CST) falls in the quiet hours (21:00-08:00 America/Chicago); "
        "nothing is posted live before 2026-03-03 08:00 CST"
    ]
    assert statuses(db) == []
    with db.new_session() as session:
        assert session.scalar(select(CampaignRun.note)) == report.notes[0]


def test_a_forced_dry_run_in_quiet_hours_plans_and_says_a_live_run_would_not(db):
    quiet = loaded(
        schedule={"cron": "0 10 * * *", "timezone": "America/Chicago", "quiet_hours": QUIET}
    )
    report = runner.run_now(db, quiet, mode=Mode.DRY_RUN, now=TEN_PM)
    assert report.ran and len(report.posts) == 1
    assert report.notes[0].startswith("dry run past quiet hours: now (22:00 CST) falls in")
    assert report.notes[0].endswith("a live run now would plan nothing")


def test_preview_of_an_ended_campaign_shows_no_posts(db):
    ended = loaded(
        schedule={"cron": "0 10 * * *", "timezone": "America/Chicago", "end": "2026-03-01"}
    )
    plan = runner.preview(db, ended, mode=Mode.DRY_RUN, now=TEN_AM)
    assert plan.posts == []
    assert plan.notes == [
        "the campaign ended on 2026-03-01 (schedule.end); nothing is planned after it"
    ]


# --- run notes are true of what was planned ---------------------------------------------------


def test_a_run_that_runs_out_of_targets_says_how_many_it_planned(db):
    """Two posts a run, two people, two mentions a post: the first post addresses both."""
    campaign = loaded(
        count=2, mentions_per_post=2, schedule={"cron": "0 10 * * *", "posts_per_run": 2}
    )
    report = runner.run_now(db, campaign, mode=Mode.DRY_RUN, now=TEN_AM)
    assert len(report.posts) == 1
    assert report.notes == [
        "x: 1 of 2 post(s) planned; every other target was addressed within the cooldown "
        "(7d), this run included, for every bill"
    ]
    assert not any("nothing to post" in note for note in report.notes)


def test_the_daily_cap_is_named_only_when_it_is_what_stopped_the_run(db):
    # two a run, but one person and a 7-day cooldown: one post, and not for the cap
    campaign = loaded(
        count=1, schedule={"cron": "0 10 * * *", "posts_per_run": 2, "posts_per_day": 3}
    )
    report = runner.run_now(db, campaign, mode=Mode.DRY_RUN, now=TEN_AM)
    assert len(report.posts) == 1
    assert not any("daily cap" in note for note in report.notes), report.notes
    assert report.notes == [
        "x: 1 of 2 post(s) planned; every other target was addressed within the cooldown "
        "(7d), this run included, for every bill"
    ]
    # with people to spare, the second run of the day meets the cap, and says so
    plenty = loaded(
        count=5, schedule={"cron": "0 10 * * *", "posts_per_run": 2, "posts_per_day": 3}
    )
    day = TEN_AM + timedelta(days=1)
    report = runner.run_now(db, plenty, mode=Mode.DRY_RUN, now=day)
    assert len(report.posts) == 2
    assert report.notes == []
    report = runner.run_now(db, plenty, mode=Mode.DRY_RUN, now=day + timedelta(hours=1))
    assert len(report.posts) == 1
    assert report.notes == ["x: 1 post(s) held back by the daily cap"]


def test_preview_before_the_start_date_shows_the_posts_and_when_it_starts(db):
    future = loaded(
        schedule={"cron": "0 10 * * *", "timezone": "America/Chicago", "start": "2026-04-01"}
    )
    plan = runner.preview(db, future, mode=Mode.DRY_RUN, now=TEN_AM)
    assert len(plan.posts) == 1
    assert plan.notes[0] == (
        "the campaign starts on 2026-04-01 (schedule.start); nothing is planned before it"
    )
