"""The real APScheduler 3 scheduler runs a campaign at its time and publishes it.

Time is stopped and moved by the test (see :func:`scheduled`), never waited for."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import select

from bot.campaigns.loaded import LoadedCampaign
from bot.clock import FrozenClock, SystemClock
from bot.config import Mode
from bot.platforms.dryrun import DryRunPublisher
from bot.schedule.service import PUBLISH_EVERY_SECONDS, BotService
from bot.store import queries
from bot.store.models import CampaignRun, Post
from tests.guards import allow_all
from tests.support import make_campaign, people

#: A Monday, 10:00 in Chicago; the scheduler's and the service's "now" in these tests.
FIRE_AT = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


@contextmanager
def scheduled(service: BotService, at: datetime) -> Iterator[Scheduled]:
    """The service's real APScheduler scheduler, started at ``at`` on a stopped clock.

    APScheduler 3 reads ``datetime.now()`` itself (it takes no clock), so the process's
    clock is stopped at ``at`` with time-machine, and the service's clock, a
    :class:`SystemClock`, reads the same instant. ``move_to`` moves both and wakes the
    scheduler; ``ran(job)`` waits (on an event, not a sleep) until that job finished.
    """
    with time_machine.travel(at, tick=False) as traveller:
        scheduler = service.scheduler(blocking=False)
        done: dict[str, threading.Event] = {}

        def finished(event: JobExecutionEvent) -> None:
            done.setdefault(event.job_id, threading.Event()).set()

        scheduler.add_listener(finished, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        scheduler.start()
        try:
            yield Scheduled(scheduler, traveller, done)
        finally:
            scheduler.shutdown(wait=True)


@dataclass
class Scheduled:
    scheduler: BaseScheduler
    traveller: time_machine.Traveller
    done: dict[str, threading.Event]

    def move_to(self, moment: datetime) -> None:
        for event in self.done.values():
            event.clear()
        self.traveller.move_to(moment)
        self.scheduler.wakeup()

    def ran(self, job_id: str) -> bool:
        return self.done.setdefault(job_id, threading.Event()).wait(30)


def logged(db) -> list[tuple[str, str]]:
    with db.new_session() as session:
        return [tuple(row) for row in session.execute(select(Post.platform, Post.status))]


def test_the_scheduler_fires_a_campaign_at_its_time(db):
    campaign = make_campaign(
        schedule={"cron": "0 10 * * *", "timezone": "America/Chicago"}, platforms=["x", "bluesky"]
    )
    service = BotService(
        db,
        [LoadedCampaign(campaign, Path("t.yaml"), tuple(people(2)))],
        lambda platform, account: DryRunPublisher(platform, account),
        mode=Mode.DRY_RUN,
        clock=SystemClock(),
        guard=allow_all,
    )
    with scheduled(service, FIRE_AT - timedelta(minutes=1)) as running:
        jobs = {job.id: job.next_run_time for job in running.scheduler.get_jobs()}
        assert jobs["campaign:test-campaign"] == FIRE_AT  # APScheduler's reading of the cron
        assert set(jobs) == {"campaign:test-campaign", "publish"}
        assert logged(db) == []  # nothing before its time

        running.move_to(FIRE_AT + timedelta(seconds=1))
        assert running.ran("campaign:test-campaign")

    assert sorted(logged(db)) == [("bluesky", "dry_run"), ("x", "dry_run")]
    with db.new_session() as session:
        assert session.scalars(select(CampaignRun.fire_time)).all() == [FIRE_AT]


def test_a_tick_that_fails_does_not_stop_the_service(db, caplog):
    """A publisher that cannot be built fails one round of publishing; the post stays
    queued, and the scheduler's next round publishes it."""
    broken = [True]

    def publisher_for(platform, account):
        if broken[0]:
            raise RuntimeError("publisher construction failed")
        return DryRunPublisher(platform, account)

    service = BotService(
        db,
        [LoadedCampaign(make_campaign(), Path("t.yaml"), tuple(people(1)))],
        publisher_for,
        mode=Mode.DRY_RUN,
        clock=SystemClock(),
        guard=allow_all,
    )
    with scheduled(service, FIRE_AT - timedelta(seconds=1)) as running:
        running.move_to(FIRE_AT)
        assert running.ran("campaign:test-campaign")  # planned; publishing failed
        assert logged(db) == [("x", "queued")]
        assert "publishing failed" in caplog.text

        broken[0] = False
        running.move_to(FIRE_AT + timedelta(seconds=PUBLISH_EVERY_SECONDS))
        assert running.ran("publish")
    assert logged(db) == [("x", "dry_run")]


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
