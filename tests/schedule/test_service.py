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
from tests.notify.conftest import SMTPServer, smtp, smtp_env  # noqa: F401
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


# -- the daily digest to supporters (bot.web.digest) ------------------------------------------

SITE = "https://act.example.org"


DIGEST_DAY = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


def _digest_world(db, server: SMTPServer):  # type: ignore[no-untyped-def]
    """The example campaigns, two confirmed subscribers of SB 792, and SB 792 signed."""
    import json
    from datetime import date

    from bot.bills.models import BillEvent
    from bot.campaigns.loader import load_campaigns
    from bot.store import subscribers as store
    from bot.web.mail import UpdatesSettings
    from tests.support import ROOT

    campaigns, errors = load_campaigns([ROOT / "campaigns"])
    assert not errors
    (sb792,) = [c for c in campaigns if c.campaign.id == "mo-sb792-expungement"]
    with db.session() as session:
        for address in ("a@example.org", "b@example.org"):
            row = store.sign_up(session, address, sb792.campaign.id, DIGEST_DAY)
            store.confirm(session, row.token, DIGEST_DAY)
        session.add(
            BillEvent(
                bill_key=sb792.campaign.bills[0].key,
                key="signed",
                kind="signed",
                day=date(2026, 3, 5),
                detail=json.dumps({}),
                seen_at=DIGEST_DAY,
            )
        )
    settings = UpdatesSettings.from_env(smtp_env(server) | {"UPDATES_SITE_URL": SITE})
    assert settings is not None
    return campaigns, settings


class Runs:
    """Counts the digest job's runs, as the real scheduler reports them; waits on a condition."""

    def __init__(self) -> None:
        import threading

        self.count = 0
        self.changed = threading.Condition()

    def __call__(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.job_id == "digest":
            with self.changed:
                self.count += 1
                self.changed.notify_all()

    def reach(self, wanted: int) -> bool:
        """Wait (at most 30 s, never polling) until the job has run ``wanted`` times."""
        with self.changed:
            return self.changed.wait_for(lambda: self.count >= wanted, timeout=30)


def test_the_service_sends_the_daily_digest_once_per_subscriber_even_from_two_processes(
    db,
    smtp,  # noqa: F811
) -> None:
    from datetime import time as day_time

    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    from bot.web.digest import DigestJob

    campaigns, settings = _digest_world(db, smtp)
    clock = FrozenClock(datetime(2026, 3, 5, 15, 0, tzinfo=UTC))  # before the digest's time
    job = DigestJob(db, settings, campaigns, "Survivors' Network", day_time(16, 0))
    runs = Runs()

    def start():  # type: ignore[no-untyped-def]
        service = BotService(
            db,
            [],
            lambda platform, account: DryRunPublisher(platform, account),
            mode=Mode.DRY_RUN,
            clock=clock,
            guard=allow_all,
            digest=job,
        )
        scheduler = service.scheduler(blocking=False)
        scheduler.add_listener(runs, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        scheduler.start()
        return scheduler

    schedulers = [start(), start()]  # two processes, one database

    def check_now() -> None:
        """Both schedulers run the digest job now (instead of in 15 minutes), and finish."""
        wanted = runs.count + len(schedulers)
        for scheduler in schedulers:
            scheduler.modify_job("digest", next_run_time=datetime.now(UTC))
        assert runs.reach(wanted)

    try:
        assert {j.id for j in schedulers[0].get_jobs()} == {"publish", "digest"}
        check_now()
        assert smtp.messages == []  # 15:00: not yet
        clock.set(datetime(2026, 3, 5, 16, 5, tzinfo=UTC))
        check_now()
        assert sorted(m.rcpt_tos[0] for m in smtp.messages) == ["a@example.org", "b@example.org"]
        assert "SB 792 was signed into law" in smtp.messages[0].message.get_content()
        clock.set(datetime(2026, 3, 5, 20, 0, tzinfo=UTC))
        check_now()
        # a restart: a new process, the same day
        for scheduler in schedulers:
            scheduler.shutdown(wait=True)
        schedulers = [start()]
        check_now()
        assert len(smtp.messages) == 2  # once a day per subscriber, whoever runs it
        # The next day, with no news: nothing.
        clock.set(datetime(2026, 3, 6, 16, 0, tzinfo=UTC))
        check_now()
        assert len(smtp.messages) == 2
    finally:
        for scheduler in schedulers:
            if scheduler.running:
                scheduler.shutdown(wait=True)


def test_the_digest_is_off_unless_updates_by_email_are_set_up(db, smtp) -> None:  # noqa: F811
    from bot.cli.run import daily_digest
    from bot.config import Settings

    base = {"DATABASE_URL": "sqlite://", "NOTIFY_EMAIL_TO": "organizers@example.org"}
    off = Settings.load(environ=base, dotenv=False)
    assert daily_digest(off, db, []) is None
    no_smtp = Settings.load(environ={**base, "UPDATES_SITE_URL": SITE}, dotenv=False)
    assert daily_digest(no_smtp, db, []) is None
    on = Settings.load(
        environ={**base, **smtp_env(smtp), "UPDATES_SITE_URL": SITE},
        dotenv=False,
    )
    job = daily_digest(on, db, [])
    assert job is not None
    service = BotService(
        db,
        [],
        lambda p, a: DryRunPublisher(p, a),
        mode=Mode.DRY_RUN,
        clock=FrozenClock(DIGEST_DAY),
        guard=allow_all,
        digest=job,
    )
    assert "digest" in {j.id for j in service.scheduler(blocking=False).get_jobs()}
