"""The real APScheduler 3 scheduler runs a campaign at its time and publishes it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.campaigns.loaded import LoadedCampaign
from bot.clock import FrozenClock, SystemClock
from bot.config import Mode
from bot.platforms.dryrun import DryRunPublisher
from bot.schedule.service import BotService
from bot.store import queries
from bot.store.models import CampaignRun, Post
from tests.guards import allow_all
from tests.support import make_campaign, people


def wait_for(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_the_scheduler_fires_a_campaign_at_its_time(db):
    fire_at = (datetime.now(UTC) + timedelta(seconds=1)).replace(microsecond=0)
    fire_at += timedelta(seconds=1)
    campaign = make_campaign(
        schedule={"at": [fire_at.isoformat()], "timezone": "UTC"}, platforms=["x", "bluesky"]
    )
    service = BotService(
        db,
        [LoadedCampaign(campaign, Path("t.yaml"), tuple(people(2)))],
        lambda platform, account: DryRunPublisher(platform, account),
        mode=Mode.DRY_RUN,
        clock=SystemClock(),
        guard=allow_all,
    )
    scheduler = service.scheduler(blocking=False)
    scheduler.start()
    try:
        assert {job.id for job in scheduler.get_jobs()} == {"campaign:test-campaign", "publish"}

        def published() -> list[str]:
            with db.new_session() as session:
                return list(session.scalars(select(Post.status)))

        assert wait_for(lambda: published() == ["dry_run", "dry_run"] or len(published()) > 2)
    finally:
        scheduler.shutdown(wait=True)
    assert published() == ["dry_run", "dry_run"]
    with db.new_session() as session:
        assert session.scalar(select(CampaignRun.fire_time)) == fire_at


def test_a_tick_that_fails_does_not_stop_the_service(db, caplog):
    def broken(platform, account):
        raise RuntimeError("publisher construction failed")

    campaign = make_campaign()
    service = BotService(
        db,
        [LoadedCampaign(campaign, Path("t.yaml"), tuple(people(1)))],
        broken,
        mode=Mode.DRY_RUN,
        clock=SystemClock(),
        guard=allow_all,
    )
    now = SystemClock().now()
    from bot.schedule.runner import run_campaign

    run_campaign(db, service.campaigns[0], mode=Mode.DRY_RUN, now=now, fire_time=now)
    service.publish()  # logs, never raises
    assert "publishing failed" in caplog.text


def test_a_catch_up_run_in_quiet_hours_posts_nothing_live_until_they_end(db):
    """The bot was down at 10:00 and comes back at 22:00: it catches up, but quietly."""
    from bot.config import Settings
    from bot.guard import guard_for
    from tests.schedule.test_worker import ScriptedPlatform

    campaign = make_campaign(
        schedule={
            "cron": "0 10 * * *",
            "timezone": "America/Chicago",
            "quiet_hours": {"start": "21:00", "end": "08:00"},
            "missed": "catch_up_once",
        }
    )
    loaded = LoadedCampaign(campaign, Path("t.yaml"), tuple(people(1)))
    settings = Settings(env={"X_REQUIRE_APPROVAL_FOR_MENTIONS": "0"}, mode=Mode.LIVE)
    platform = ScriptedPlatform()
    clock = FrozenClock(datetime(2026, 3, 2, 15, 59, tzinfo=UTC))  # 09:59, before the fire time
    with db.session() as session:  # the last run the bot made was yesterday's
        queries.record_run(
            session,
            campaign.id,
            Mode.LIVE,
            datetime(2026, 3, 1, 16, 0, tzinfo=UTC),
            clock.now(),
            0,
            None,
        )
    service = BotService(
        db,
        [loaded],
        lambda p, a: platform,
        mode=Mode.LIVE,
        clock=clock,
        guard=guard_for(settings, Mode.LIVE, schedules={campaign.id: campaign.schedule}),
    )
    clock.set(datetime(2026, 3, 3, 4, 0, tzinfo=UTC))  # 22:00
    service.tick()
    with db.new_session() as session:
        (row,) = session.scalars(select(Post)).all()
    assert row.status == "queued" and platform.sent == []
    assert row.reason == "quiet hours of campaign test-campaign (21:00-08:00 America/Chicago)"
    clock.set(datetime(2026, 3, 3, 14, 0, tzinfo=UTC))  # 08:00
    service.publish()
    assert len(platform.sent) == 1
