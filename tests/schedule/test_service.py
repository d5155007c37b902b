"""The real APScheduler 3 scheduler runs a campaign at its time and publishes it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.campaigns.loaded import LoadedCampaign
from bot.clock import SystemClock
from bot.config import Mode
from bot.platforms.dryrun import DryRunPublisher
from bot.schedule.service import BotService
from bot.store.models import CampaignRun, Post
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
    )
    now = SystemClock().now()
    from bot.schedule.runner import run_campaign

    run_campaign(db, service.campaigns[0], mode=Mode.DRY_RUN, now=now, fire_time=now)
    service.publish()  # logs, never raises
    assert "publishing failed" in caplog.text
