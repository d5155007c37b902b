"""Campaign runs on a real SQLite log: no repeats, rotation, quiet hours, missed runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

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


# --- a planning that fails at its fire time is tried again within the misfire grace ------------


def locked(*args, **kwargs):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    raise OperationalError(
        "INSERT INTO posts ...", {}, sqlite3.OperationalError("database is locked")
    )


class Flaky:
    """``plan_in_session`` that fails ``failures`` times (a locked database), then plans."""

    def __init__(self, failures: int, clock: FrozenClock) -> None:
        self.failures = failures
        self.clock = clock
        self.calls: list[str] = []

    def __call__(self, *args, **kwargs):
        self.calls.append(self.clock.now().astimezone(CHICAGO).strftime("%H:%M:%S"))
        if len(self.calls) <= self.failures:
            locked()
        return PLAN_IN_SESSION(*args, **kwargs)


PLAN_IN_SESSION = runner.plan_in_session
CHICAGO = ZoneInfo("America/Chicago")


def service_at(db, clock: FrozenClock, reports: list, campaign: LoadedCampaign | None = None):
    from bot.schedule.service import BotService

    return BotService(
        db,
        [campaign or loaded()],
        dry_run_publishers,
        mode=Mode.DRY_RUN,
        clock=clock,
        guard=allow_all,
        on_report=reports.append,
    )


def heartbeats(service, clock: FrozenClock, until: datetime) -> None:
    """The publish job, every 15 seconds, until ``until``."""
    while clock.now() < until:
        clock.advance(timedelta(seconds=15))
        service.publish()


def runs(db) -> list[tuple[datetime, int, str | None]]:
    with db.new_session() as session:
        rows = session.execute(
            select(CampaignRun.fire_time, CampaignRun.planned, CampaignRun.note).order_by(
                CampaignRun.id
            )
        )
        return [tuple(row) for row in rows]


def test_a_planning_that_fails_at_its_fire_time_is_tried_again_within_the_grace(
    db, monkeypatch, caplog
):
    clock = FrozenClock(TEN_AM + timedelta(seconds=1))
    flaky = Flaky(2, clock)
    monkeypatch.setattr(runner, "plan_in_session", flaky)
    reports: list = []
    service = service_at(db, clock, reports)
    service.tick()  # the campaign's job at 10:00
    (first,) = reports
    assert first.fire_time == TEN_AM
    assert first.error == (
        "OperationalError: (sqlite3.OperationalError) database is locked; "
        "planning is tried again at 2026-03-02 10:00:16 CST"
    )
    assert runs(db) == []
    heartbeats(service, clock, TEN_AM + timedelta(minutes=2))
    assert flaky.calls == ["10:00:01", "10:00:16", "10:00:46"]
    assert [r.error is None for r in reports] == [False, False, True]
    assert len(reports[-1].posts) == 1
    assert runs(db) == [
        (
            TEN_AM,
            1,
            "planned at attempt 3, within the misfire grace; the first 2 failed "
            "(OperationalError: (sqlite3.OperationalError) database is locked)",
        )
    ]
    assert statuses(db) == ["dry_run"]  # and published by the same heartbeat
    assert "trying again at 2026-03-02 10:00:16 CST" in caplog.text
    # nothing is tried again after that, and the fire time is planned once
    heartbeats(service, clock, TEN_AM + timedelta(minutes=20))
    assert len(flaky.calls) == 3 and len(runs(db)) == 1


def test_a_planning_that_fails_throughout_the_grace_is_recorded_as_skipped(db, monkeypatch):
    clock = FrozenClock(TEN_AM + timedelta(seconds=1))
    flaky = Flaky(100, clock)
    monkeypatch.setattr(runner, "plan_in_session", flaky)
    reports: list = []
    service = service_at(db, clock, reports)
    service.tick()
    heartbeats(service, clock, TEN_AM + timedelta(minutes=30))
    # backing off 15 s, 30 s, 1, 2 and 4 minutes, the last try as the grace ends
    # (the first heartbeat after 10:15:00)
    assert flaky.calls == [
        "10:00:01",
        "10:00:16",
        "10:00:46",
        "10:01:46",
        "10:03:46",
        "10:07:46",
        "10:11:46",
        "10:15:01",
    ]
    note = (
        "run due at 2026-03-02 10:00 CST could not be planned: OperationalError: "
        "(sqlite3.OperationalError) database is locked (8 attempt(s) within the 15-minute "
        "misfire grace); skipped"
    )
    assert runs(db) == [(TEN_AM, 0, note)]
    assert reports[-1].notes == [note] and not reports[-1].ran and reports[-1].error is None
    # the next day runs as usual, and no run is counted missed
    monkeypatch.setattr(runner, "plan_in_session", PLAN_IN_SESSION)
    clock.set(TEN_AM + timedelta(days=1, seconds=1))
    service.tick()
    assert len(reports[-1].posts) == 1 and reports[-1].notes == []


def test_a_skipped_run_the_database_would_not_record_is_recorded_at_the_next_run(db, monkeypatch):
    from bot.store import queries

    clock = FrozenClock(TEN_AM + timedelta(seconds=1))
    monkeypatch.setattr(runner, "plan_in_session", Flaky(100, clock))
    record_run = queries.record_run
    monkeypatch.setattr(queries, "record_run", locked)
    reports: list = []
    service = service_at(db, clock, reports)
    service.tick()
    heartbeats(service, clock, TEN_AM + timedelta(minutes=30))
    assert reports[-1].error.endswith("; skipped; recorded when the database answers")
    assert runs(db) == []
    monkeypatch.setattr(runner, "plan_in_session", PLAN_IN_SESSION)
    monkeypatch.setattr(queries, "record_run", record_run)
    clock.set(TEN_AM + timedelta(days=1, seconds=1))
    service.tick()
    assert [(fire, planned) for fire, planned, _ in runs(db)] == [
        (TEN_AM, 0),
        (TEN_AM + timedelta(days=1), 1),
    ]
    assert runs(db)[0][2].startswith("run due at 2026-03-02 10:00 CST could not be planned")


def test_an_error_that_is_not_the_database_s_is_not_tried_again(db, monkeypatch):
    clock = FrozenClock(TEN_AM + timedelta(seconds=1))
    calls = []

    def broken(*args, **kwargs):
        calls.append(clock.now())
        raise ValueError("a bug")

    monkeypatch.setattr(runner, "plan_in_session", broken)
    reports: list = []
    service = service_at(db, clock, reports)
    service.tick()
    heartbeats(service, clock, TEN_AM + timedelta(minutes=20))
    assert len(calls) == 1
    assert [r.error for r in reports] == ["ValueError: a bug"]
