"""The long-running scheduler: APScheduler 3 in one process.

APScheduler only decides *when*: one job per enabled campaign, on the
campaign's own trigger, and one job that publishes due posts every few
seconds. *What* ran is decided by the post log (:func:`bot.schedule.runner.run_due`),
so a late or repeated wake-up never plans a fire time twice, and runs missed
while the bot was down follow each campaign's policy instead of APScheduler's
(which silently drops runs more than a second late by default).

Where supporters' updates by email are set up, one more job sends the daily
digest of bill events (:class:`bot.web.digest.DigestJob`, passed in as
``digest``): it runs at start and every few minutes, and sends once a day from
its time; the database records each subscriber's digest of the day, so a
restart or a second process never sends one twice.

The job store is APScheduler's in-memory one, rebuilt from the campaign files
at every start; it is never shared between processes.

Stopping (SIGTERM from a deploy, Ctrl-C) sets :attr:`BotService.stopping`: the
post in flight is finished and recorded, no other is started, the scheduler
shuts down once its running job returns, and :meth:`BotService.run_forever`
returns, well within a host's grace period (one call's timeouts).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.campaigns.loaded import LoadedCampaign
from bot.clock import Clock
from bot.config import Mode
from bot.schedule.runner import PlanningRetries, RunReport, run_due
from bot.schedule.timing import build_trigger
from bot.schedule.worker import (
    GuardCheck,
    Outcome,
    PublisherFor,
    publish_due,
    reconcile_stale,
)
from bot.store.db import Database
from bot.store.spool import Spool

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger(__name__)

PUBLISH_EVERY_SECONDS = 15
#: How often the digest job looks whether today's digest is due (it sends once a day).
DIGEST_EVERY_MINUTES = 15


class BotService:
    """Plans campaigns on their schedules and publishes what is due."""

    def __init__(
        self,
        db: Database,
        campaigns: Sequence[LoadedCampaign],
        publisher_for: PublisherFor,
        *,
        mode: Mode,
        clock: Clock,
        guard: GuardCheck,
        on_report: Callable[[RunReport], None] = lambda report: None,
        on_outcome: Callable[[Outcome], None] = lambda outcome: None,
        spool: Spool | None = None,
        stopping: threading.Event | None = None,
        digest: Callable[[datetime], object] | None = None,
    ) -> None:
        self.db = db
        self.campaigns = [c for c in campaigns if c.campaign.enabled]
        self.publisher_for = publisher_for
        self.mode = mode
        self.clock = clock
        self.guard = guard
        self.on_report = on_report
        self.on_outcome = on_outcome
        self.spool = spool
        """Where answers the database could not record yet are kept (``BOT_SPOOL_DIR``)."""
        self.stopping = stopping or threading.Event()
        """Set it to stop: nothing new starts, the post in flight is recorded."""
        self.retries = PlanningRetries()
        self.digest = digest
        """The daily digest (:class:`bot.web.digest.DigestJob`); None: no updates by email."""

    def tick(self, campaigns: Sequence[LoadedCampaign] | None = None) -> None:
        """Run what is due now, then publish what is due now. Never raises."""
        if self.stopping.is_set():
            return
        try:
            for report in run_due(
                self.db,
                campaigns or self.campaigns,
                mode=self.mode,
                now=self.clock.now(),
                retries=self.retries,
            ):
                self.on_report(report)
        except Exception:
            log.exception("planning failed; will try again at the next tick")
        self.publish()

    def retry_planning(self) -> None:
        """Plan again the runs whose planning failed, once their retry is due. Never raises.

        Called by :meth:`publish`, every few seconds (see
        :class:`~bot.schedule.runner.PlanningRetries`).
        """
        due_now = self.retries.due(self.clock.now())
        campaigns = [c for c in self.campaigns if c.campaign.id in due_now]
        if not campaigns:
            return
        try:
            for report in run_due(
                self.db, campaigns, mode=self.mode, now=self.clock.now(), retries=self.retries
            ):
                self.on_report(report)
        except Exception:
            log.exception("planning failed; will try again at the next tick")

    def publish(self) -> None:
        """Settle posts a dead worker left ``sending``, then publish what is due.

        First, runs whose planning failed and whose retry is due are planned again.
        """
        stopping = self.stopping.is_set
        if not stopping():
            self.retry_planning()
        try:
            for outcome in reconcile_stale(
                self.db, self.publisher_for, clock=self.clock, stopping=stopping, spool=self.spool
            ):
                self.on_outcome(outcome)
            for outcome in publish_due(
                self.db,
                self.publisher_for,
                mode=self.mode,
                clock=self.clock,
                guard=self.guard,
                stopping=stopping,
                spool=self.spool,
            ):
                self.on_outcome(outcome)
        except Exception:
            log.exception("publishing failed; will try again at the next tick")

    def send_digest(self) -> None:
        """Send today's digest to subscribers if it is due and not sent yet. Never raises."""
        if self.digest is None or self.stopping.is_set():
            return
        try:
            self.digest(self.clock.now())
        except Exception:
            log.exception("the daily digest failed; will try again at the next check")

    def scheduler(self, *, blocking: bool = True) -> BaseScheduler:
        """An APScheduler 3 scheduler: one job per campaign, the publisher, and the digest."""
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.schedulers.blocking import BlockingScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        cls = BlockingScheduler if blocking else BackgroundScheduler
        scheduler = cls(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        for loaded in self.campaigns:
            scheduler.add_job(
                self.tick,
                build_trigger(loaded.campaign.schedule),
                args=[[loaded]],
                id=f"campaign:{loaded.campaign.id}",
                name=loaded.campaign.title,
            )
        scheduler.add_job(
            self.publish,
            IntervalTrigger(seconds=PUBLISH_EVERY_SECONDS),
            id="publish",
            name="publish due posts",
        )
        if self.digest is not None:
            scheduler.add_job(
                self.send_digest,
                IntervalTrigger(minutes=DIGEST_EVERY_MINUTES),
                id="digest",
                name="the daily digest to subscribers",
            )
        return scheduler

    def run_forever(self) -> None:
        """Catch up (per each campaign's missed-run policy), then run until :attr:`stopping`.

        The scheduler runs in the background and this thread waits, so a signal
        handler that sets :attr:`stopping` is all it takes to stop cleanly.
        """
        self.tick()
        self.send_digest()  # a digest due while the bot was down goes now
        if self.stopping.is_set():
            return
        scheduler = self.scheduler(blocking=False)
        scheduler.start()
        try:
            while not self.stopping.wait(1.0):
                pass
        finally:
            self.stopping.set()
            scheduler.shutdown(wait=True)  # the job in flight ends after its current post
