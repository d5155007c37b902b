"""Campaign runs: resolve targets, plan, and write posts to the log.

A run answers to one fire time of a campaign's schedule and is recorded in
``campaign_runs`` in the same transaction as its posts, so a fire time is
planned once, whatever the number of processes. Publishing is separate
(:mod:`bot.schedule.worker`): a run only queues.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from bot.campaigns.loaded import LoadedCampaign
from bot.campaigns.schema import Approval, Campaign, MissedRuns, Platform
from bot.compose.plan import Plan, plan_run
from bot.config import Mode
from bot.directory.people import Person
from bot.directory.resolve import resolve_targets
from bot.schedule.timing import (
    MISFIRE_GRACE,
    Due,
    due,
    fire_times,
    has_ended,
    in_quiet_hours,
    local_day_start,
    outside_dates,
    quiet_hours_note,
)
from bot.store import queries
from bot.store.db import Database
from bot.store.models import Status

log = logging.getLogger(__name__)

AWAITING_APPROVAL = "awaiting approval: this campaign requires an organizer to approve each post"


@dataclass
class RunReport:
    """What one campaign run did (or why it did nothing)."""

    campaign_id: str
    fire_time: datetime | None
    posts: list[queries.LoggedPost] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    ran: bool = True
    """False when the campaign was not run at all (its dates, quiet hours); the notes say why."""


def plan_posts(
    session: Session,
    campaign: Campaign,
    people: Sequence[Person],
    *,
    mode: Mode,
    now: datetime,
    platforms: Sequence[Platform] | None = None,
    posts_per_run: int | None = None,
) -> Plan:
    """Plan a run of ``campaign`` for ``people`` against what the post log holds.

    Whether an account already sent a text is asked of the log in batches
    (:class:`~bot.store.queries.TextChecker`): the run is planned, the texts it
    used are looked up at once, and in the rare case one was sent before, the
    run is planned again knowing it, until the plan stands.
    """
    history = queries.plan_history(
        session,
        campaign,
        [p.id for p in people],
        mode,
        local_day_start(campaign.schedule, now),
    )
    checker = queries.TextChecker(session, mode)
    while True:
        plan = plan_run(
            campaign,
            people,
            replace(
                history,
                last_tagged=dict(history.last_tagged),
                last_variant=dict(history.last_variant),
                last_bill=dict(history.last_bill),
                posts_today=dict(history.posts_today),
            ),
            now,
            text_used=checker,
            platforms=platforms,
            posts_per_run=posts_per_run,
        )
        if not checker.verify():
            return plan


def plan_in_session(
    session: Session,
    loaded: LoadedCampaign,
    *,
    mode: Mode,
    now: datetime,
    platforms: list[Platform] | None = None,
) -> tuple[LoadedCampaign, Plan, str | None]:
    """Plan a run inside ``session``: bill steps, targets, history, then the planner.

    Returns the campaign as its fired bill steps leave it, the plan (its notes
    include the steps' and the targets'), and why the campaign stopped (or None).
    """
    loaded, notes, stopped = _bill_stage(session, loaded, mode)
    if stopped:
        return loaded, Plan(posts=[], notes=notes), stopped
    resolution = resolve_targets(loaded, session, now=now)
    plan = plan_posts(
        session, loaded.campaign, resolution.people, mode=mode, now=now, platforms=platforms
    )
    plan.notes[:0] = [*notes, *resolution.notes]
    return loaded, plan, None


def preview(
    db: Database,
    loaded: LoadedCampaign,
    *,
    mode: Mode,
    now: datetime,
    platforms: list[Platform] | None = None,
) -> Plan:
    """The posts the campaign's next run would make, without writing anything.

    A campaign past its ``end`` date makes none; one before its ``start`` is
    planned as if it ran now, with a note saying it will not run until then.
    """
    dates = outside_dates(loaded.campaign.schedule, now)
    if has_ended(loaded.campaign.schedule, now):
        return Plan(posts=[], notes=[dates] if dates else [])
    with db.read_session() as session:
        _, plan, stopped = plan_in_session(session, loaded, mode=mode, now=now, platforms=platforms)
        session.rollback()
    if stopped:
        plan.notes.append(stopped)
    if dates:
        plan.notes.insert(0, dates)
    return plan


def run_now(db: Database, loaded: LoadedCampaign, *, mode: Mode, now: datetime) -> RunReport:
    """Run a campaign at ``now`` whatever its fire times (``run --once --all/--campaign``).

    What the schedule says beyond its fire times still holds: outside its
    ``start``/``end`` dates the campaign does not run; in its quiet hours a live
    run plans nothing (and records the run, so it is never silent), while a dry
    run plans and says, on the campaign, that a live run would not.
    """
    schedule = loaded.campaign.schedule
    campaign_id = loaded.campaign.id
    dates = outside_dates(schedule, now)
    if dates:
        return RunReport(campaign_id, None, notes=[f"not run: {dates}"], ran=False)
    quiet = quiet_hours_note(schedule, now)
    if quiet and mode is Mode.LIVE:
        report = record_skipped_run(
            db, campaign_id, mode=mode, now=now, fire_time=now, note=f"not run: {quiet}"
        )
        report.ran = False
        return report
    note = (
        f"dry run past quiet hours: {quiet}; a live run now would plan nothing" if quiet else None
    )
    return run_campaign(db, loaded, mode=mode, now=now, fire_time=now, note=note)


def run_campaign(
    db: Database,
    loaded: LoadedCampaign,
    *,
    mode: Mode,
    now: datetime,
    fire_time: datetime,
    note: str | None = None,
) -> RunReport:
    """Plan one run of a campaign and queue its posts (held if approval is required)."""
    report = RunReport(loaded.campaign.id, fire_time)
    if note:
        report.notes.append(note)
    try:
        with db.session() as session:
            loaded, plan, stopped = plan_in_session(session, loaded, mode=mode, now=now)
            report.notes.extend(plan.notes)
            if stopped:
                report.notes.append(stopped)
                queries.record_run(session, report.campaign_id, mode, fire_time, now, 0, stopped)
                return report
            held = loaded.campaign.approval is Approval.REQUIRED
            report.posts = queries.insert_planned(
                session,
                plan.posts,
                mode=mode,
                now=now,
                scheduled_for=now,
                status=Status.HELD if held else Status.QUEUED,
                reason=AWAITING_APPROVAL if held else None,
            )
            queries.record_run(
                session,
                report.campaign_id,
                mode,
                fire_time,
                now,
                len(report.posts),
                "; ".join(report.notes) or None,
            )
    except IntegrityError:
        report.posts = []
        report.notes.append("this fire time was already run by another process; nothing planned")
    return report


# --- bill steps (bot.bills) --------------------------------------------------------------------
# A campaign's `steps:` fire on bill events (`advocacy-bot bills sync`); a fired step may
# change whom and with which messages the campaign's runs post, or stop the campaign.


def _bill_stage(
    session: Session, loaded: LoadedCampaign, mode: Mode
) -> tuple[LoadedCampaign, list[str], str | None]:
    """The campaign as its fired steps leave it, notes, and why it stopped (or None).

    Asked of every campaign, steps or not: ``stop_on`` (by default, the bill became
    law, its veto stands or it was withdrawn) ends any campaign about the bill.
    """
    from bot.bills.campaign_stage import current_stage

    stage = current_stage(session, loaded, mode)
    return stage.apply(loaded), stage.notes, stage.stopped


# -----------------------------------------------------------------------------------------------


def record_skipped_run(
    db: Database, campaign_id: str, *, mode: Mode, now: datetime, fire_time: datetime, note: str
) -> RunReport:
    """Record a fire time that plans nothing (quiet hours, a missed run), so it is never silent."""
    try:
        with db.session() as session:
            queries.record_run(session, campaign_id, mode, fire_time, now, 0, note)
    except IntegrityError:
        pass
    return RunReport(campaign_id, fire_time, notes=[note])


# --- planning again what failed to plan ---------------------------------------------------------

#: Planning errors worth another try: the database was locked, busy or out of reach.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, PoolTimeoutError)
#: The first retry of a failed planning waits this long, each next one twice as long as the
#: last, at most :data:`RETRY_MAX`; the last is at the end of the misfire grace.
RETRY_FIRST = timedelta(seconds=15)
RETRY_MAX = timedelta(minutes=4)


@dataclass
class FailedPlanning:
    """A fire time whose planning failed, and when to try it again."""

    fire_time: datetime
    attempts: int
    error: str
    retry_at: datetime | None
    """None once the misfire grace is spent: the run is to be recorded as skipped."""


class PlanningRetries:
    """Fire times whose planning failed with a transient error, tried again within the grace.

    A daily run whose planning meets a locked database is otherwise lost until
    tomorrow. Kept in memory by the long-running service: after a restart the
    fire time is one missed while the bot was down, and ``schedule.missed``
    decides.
    """

    def __init__(self) -> None:
        self._failed: dict[str, FailedPlanning] = {}
        self._lock = threading.Lock()  # the campaign jobs and the publish job share it

    def get(self, campaign_id: str) -> FailedPlanning | None:
        with self._lock:
            return self._failed.get(campaign_id)

    def due(self, now: datetime) -> set[str]:
        """The campaigns whose retry is due at ``now``."""
        with self._lock:
            return {
                campaign_id
                for campaign_id, failed in self._failed.items()
                if failed.retry_at is not None and failed.retry_at <= now
            }

    def failed(
        self, campaign_id: str, fire_time: datetime, *, now: datetime, error: str
    ) -> FailedPlanning:
        """Count a failed attempt at ``fire_time`` and say when to try again (or not)."""
        with self._lock:
            earlier = self._failed.get(campaign_id)
            attempts = earlier.attempts + 1 if earlier and earlier.fire_time == fire_time else 1
            deadline = fire_time + MISFIRE_GRACE
            retry_at: datetime | None = now + min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_MAX)
            if retry_at is not None and retry_at > deadline:
                retry_at = deadline if now < deadline else None
            failed = FailedPlanning(fire_time, attempts, error, retry_at)
            self._failed[campaign_id] = failed
            return failed

    def clear(self, campaign_id: str) -> None:
        with self._lock:
            self._failed.pop(campaign_id, None)


def _describe(exc: Exception) -> str:
    """``OperationalError: (sqlite3.OperationalError) database is locked`` (without the SQL)."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _gave_up_note(failed: FailedPlanning, tz: tzinfo) -> str:
    minutes = int(MISFIRE_GRACE.total_seconds() // 60)
    return (
        f"run due at {_local(failed.fire_time, tz)} could not be planned: {failed.error} "
        f"({failed.attempts} attempt(s) within the {minutes}-minute misfire grace); skipped"
    )


def _planning_failed(
    db: Database,
    loaded: LoadedCampaign,
    retries: PlanningRetries,
    exc: Exception,
    *,
    mode: Mode,
    now: datetime,
) -> RunReport | None:
    """Schedule another try of the fire time being planned, or record it skipped after the
    grace; None when no fire time was on time (nothing to try again)."""
    campaign = loaded.campaign
    tz = campaign.schedule.tz
    on_time = fire_times(campaign.schedule, now - MISFIRE_GRACE, now)
    earlier = retries.get(campaign.id)
    if on_time:
        fire_time = on_time[-1]
    elif earlier is not None and earlier.retry_at is not None:
        fire_time = earlier.fire_time  # the last try, a heartbeat after the grace ended
    else:
        return None
    error = _describe(exc)
    failed = retries.failed(campaign.id, fire_time, now=now, error=error)
    if failed.retry_at is not None:
        log.warning(
            "planning campaign %s for %s failed (attempt %d): %s; trying again at %s",
            campaign.id,
            _local(fire_time, tz),
            failed.attempts,
            error,
            _local(failed.retry_at, tz, seconds=True),
            exc_info=failed.attempts == 1,
        )
        again = _local(failed.retry_at, tz, seconds=True)
        return RunReport(
            campaign.id, fire_time, error=f"{error}; planning is tried again at {again}"
        )
    note = _gave_up_note(failed, tz)
    log.error("campaign %s: %s", campaign.id, note)
    try:
        report = record_skipped_run(
            db, campaign.id, mode=mode, now=now, fire_time=fire_time, note=note
        )
    except Exception as record_exc:  # still failing: recorded at the campaign's next run
        log.warning(
            "campaign %s: could not record the skipped run yet: %s", campaign.id, record_exc
        )
        return RunReport(
            campaign.id, fire_time, error=f"{note}; recorded when the database answers"
        )
    retries.clear(campaign.id)
    report.ran = False
    return report


# -----------------------------------------------------------------------------------------------


def run_due(
    db: Database,
    campaigns: Iterable[LoadedCampaign],
    *,
    mode: Mode,
    now: datetime,
    retries: PlanningRetries | None = None,
) -> list[RunReport]:
    """Run every enabled campaign whose schedule is due at ``now``.

    A campaign that fails is reported and skipped; the others run. Runs missed
    while the bot was down follow the campaign's ``schedule.missed`` policy:
    ``skip`` records them as skipped, ``catch_up_once`` runs once now. Given
    ``retries`` (the long-running service), a run whose planning fails with a
    transient database error is tried again within the misfire grace, and
    recorded as skipped after it.
    """
    reports = []
    for loaded in campaigns:
        campaign = loaded.campaign
        if not campaign.enabled:
            continue
        try:
            reports.extend(_run_if_due(db, loaded, mode=mode, now=now, retries=retries))
        except Exception as exc:  # one broken campaign must not stop the others
            if retries is not None and isinstance(exc, TRANSIENT_ERRORS):
                report = _planning_failed(db, loaded, retries, exc, mode=mode, now=now)
                if report is not None:
                    reports.append(report)
                    continue
            log.exception("campaign %s failed", campaign.id)
            reports.append(RunReport(campaign.id, None, error=f"{type(exc).__name__}: {exc}"))
    return reports


def _run_if_due(
    db: Database,
    loaded: LoadedCampaign,
    *,
    mode: Mode,
    now: datetime,
    retries: PlanningRetries | None = None,
) -> list[RunReport]:
    campaign = loaded.campaign
    schedule = campaign.schedule
    failed = retries.get(campaign.id) if retries is not None else None
    with db.new_session() as session:
        last = queries.last_fire_time(session, campaign.id, mode)
    found = due(schedule, now, last)
    reports: list[RunReport] = []
    if retries is not None and failed is not None and failed.retry_at is None:
        # given up on after the grace, when the database would not even record that
        report = record_skipped_run(
            db,
            campaign.id,
            mode=mode,
            now=now,
            fire_time=failed.fire_time,
            note=_gave_up_note(failed, schedule.tz),
        )
        report.ran = False
        reports.append(report)
        retries.clear(campaign.id)
        if found is not None and found.fire_time == failed.fire_time:
            return reports
        failed = None
    if (
        failed is not None
        and (last is None or last < failed.fire_time)
        and (found is None or found.fire_time < failed.fire_time)
    ):
        # a retry past the grace of a campaign with no earlier run: due() looks back no further
        found = Due(failed.fire_time, late=now - failed.fire_time > MISFIRE_GRACE, missed=0)
    if found is None:
        return reports
    retrying = failed is not None and failed.fire_time == found.fire_time
    missed = (
        f"{found.missed} earlier run(s) missed while the bot was down" if found.missed else None
    )
    if in_quiet_hours(schedule, found.fire_time):
        note = f"run at {_local(found.fire_time, schedule.tz)} falls in quiet hours; nothing posted"
        reports.append(
            record_skipped_run(
                db, campaign.id, mode=mode, now=now, fire_time=found.fire_time, note=note
            )
        )
    elif found.late and not retrying and schedule.missed is MissedRuns.SKIP:
        note = (
            f"run due at {_local(found.fire_time, schedule.tz)} was missed while the bot was down; "
            "skipped (schedule.missed: skip)"
        )
        if missed:
            note += f"; {missed}"
        reports.append(
            record_skipped_run(
                db, campaign.id, mode=mode, now=now, fire_time=found.fire_time, note=note
            )
        )
    else:
        run_note: str | None = None
        if failed is not None and retrying:
            run_note = (
                f"planned at attempt {failed.attempts + 1}, within the misfire grace; "
                f"the first {failed.attempts} failed ({failed.error})"
            )
        elif found.late:
            run_note = (
                "catching up once on a run missed while the bot was down (missed: catch_up_once)"
            )
        elif missed:
            run_note = missed
        reports.append(
            run_campaign(db, loaded, mode=mode, now=now, fire_time=found.fire_time, note=run_note)
        )
    if retries is not None and failed is not None and failed.fire_time <= found.fire_time:
        retries.clear(campaign.id)
    return reports


def _local(moment: datetime, tz: tzinfo, *, seconds: bool = False) -> str:
    return moment.astimezone(tz).strftime(
        "%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z"
    )
