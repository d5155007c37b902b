"""Campaign runs: resolve targets, plan, and write posts to the log.

A run answers to one fire time of a campaign's schedule and is recorded in
``campaign_runs`` in the same transaction as its posts, so a fire time is
planned once, whatever the number of processes. Publishing is separate
(:mod:`bot.schedule.worker`): a run only queues.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.campaigns.loaded import LoadedCampaign
from bot.campaigns.schema import Approval, Campaign, MissedRuns, Platform
from bot.compose.plan import Plan, plan_run
from bot.config import Mode
from bot.directory.people import Person
from bot.directory.resolve import resolve_targets
from bot.schedule.timing import (
    due,
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
    with db.new_session() as session:
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
    """The campaign as its fired steps leave it, notes, and why it stopped (or None)."""
    if not loaded.campaign.steps:
        return loaded, [], None
    from bot.bills.stage import current_stage

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


def run_due(
    db: Database, campaigns: Iterable[LoadedCampaign], *, mode: Mode, now: datetime
) -> list[RunReport]:
    """Run every enabled campaign whose schedule is due at ``now``.

    A campaign that fails is reported and skipped; the others run. Runs missed
    while the bot was down follow the campaign's ``schedule.missed`` policy:
    ``skip`` records them as skipped, ``catch_up_once`` runs once now.
    """
    reports = []
    for loaded in campaigns:
        campaign = loaded.campaign
        if not campaign.enabled:
            continue
        try:
            reports.extend(_run_if_due(db, loaded, mode=mode, now=now))
        except Exception as exc:  # one broken campaign must not stop the others
            log.exception("campaign %s failed", campaign.id)
            reports.append(RunReport(campaign.id, None, error=f"{type(exc).__name__}: {exc}"))
    return reports


def _run_if_due(
    db: Database, loaded: LoadedCampaign, *, mode: Mode, now: datetime
) -> list[RunReport]:
    campaign = loaded.campaign
    schedule = campaign.schedule
    with db.new_session() as session:
        last = queries.last_fire_time(session, campaign.id, mode)
    found = due(schedule, now, last)
    if found is None:
        return []
    missed = (
        f"{found.missed} earlier run(s) missed while the bot was down" if found.missed else None
    )
    if in_quiet_hours(schedule, found.fire_time):
        note = f"run at {_local(found.fire_time, schedule.tz)} falls in quiet hours; nothing posted"
        return [
            record_skipped_run(
                db, campaign.id, mode=mode, now=now, fire_time=found.fire_time, note=note
            )
        ]
    if found.late and schedule.missed is MissedRuns.SKIP:
        note = (
            f"run due at {_local(found.fire_time, schedule.tz)} was missed while the bot was down; "
            "skipped (schedule.missed: skip)"
        )
        if missed:
            note += f"; {missed}"
        return [
            record_skipped_run(
                db, campaign.id, mode=mode, now=now, fire_time=found.fire_time, note=note
            )
        ]
    note: str | None = None
    if found.late:
        note = "catching up once on a run missed while the bot was down (missed: catch_up_once)"
    elif missed:
        note = missed
    return [run_campaign(db, loaded, mode=mode, now=now, fire_time=found.fire_time, note=note)]


def _local(moment: datetime, tz) -> str:  # type: ignore[no-untyped-def]
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
