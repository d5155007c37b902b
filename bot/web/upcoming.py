"""What goes out next: each campaign's coming runs, planned as the scheduler will plan them.

:func:`outlook` resolves a campaign's targets and reads the post log's
history once, then plans each fire time of the coming days in turn with
:func:`bot.compose.plan.plan_run`, carrying the history forward (rotation,
cooldown, daily caps, no repeated text) exactly as the real runs will. It
writes nothing. Posts already in the log and waiting (``queued``, ``held``)
are listed too.

What it cannot know: posts other processes add meanwhile, and when the guard
lets each post out (spacing, caps and pauses are checked when publishing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select

from bot.campaigns.loaded import LoadedCampaign
from bot.compose.plan import PlannedPost, plan_run
from bot.config import Mode
from bot.directory.resolve import resolve_targets
from bot.schedule.timing import fire_times, in_quiet_hours, local_day_start
from bot.store import queries
from bot.store.db import Database
from bot.store.models import Pause, Post, Status


@dataclass
class UpcomingRun:
    fire_time: datetime
    posts: list[PlannedPost] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None
    """Why this fire time posts nothing (quiet hours)."""


@dataclass
class Outlook:
    loaded: LoadedCampaign
    zone: tzinfo
    runs: list[UpcomingRun] = field(default_factory=list)
    waiting: list[Post] = field(default_factory=list)
    """Posts already in the log, ``queued`` or ``held``, soonest first."""
    paused: list[Pause] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def outlook(
    db: Database,
    loaded: LoadedCampaign,
    *,
    mode: Mode,
    now: datetime,
    days: int = 7,
    max_runs: int = 6,
    waiting_limit: int = 50,
) -> Outlook:
    """The campaign's next ``max_runs`` runs within ``days``, and what is waiting in the log."""
    campaign = loaded.campaign
    schedule = campaign.schedule
    result = Outlook(loaded, schedule.tz)
    with db.read_session() as session:
        result.waiting = list(
            session.scalars(
                select(Post)
                .where(Post.campaign_id == campaign.id, Post.mode == mode.value)
                .where(Post.status.in_([Status.QUEUED.value, Status.HELD.value]))
                .order_by(Post.scheduled_for, Post.id)
                .limit(waiting_limit)
            )
        )
        result.paused = [
            pause
            for pause in session.scalars(
                select(Pause).where(Pause.scope.in_(["all", f"campaign:{campaign.id}"]))
            )
            if pause.until is None or pause.until > now
        ]
        if not campaign.enabled:
            result.notes.append("this campaign is disabled (enabled: false): it never runs")
            return result
        times = fire_times(schedule, now, now + timedelta(days=days), limit=max_runs)
        if not times:
            result.notes.append(f"no run is scheduled in the next {days} days")
            return result
        resolution = resolve_targets(loaded, session)
        result.notes.extend(resolution.notes)
        day = local_day_start(schedule, times[0])
        history = queries.plan_history(
            session,
            campaign,
            [p.id for p in resolution.people],
            mode,
            day,
        )
        in_log = queries.text_checker(session, mode)
        planned: set[tuple[str, str, str]] = set()

        def used(platform: str, account: str, digest: str) -> bool:
            return (platform, account, digest) in planned or in_log(platform, account, digest)

        for moment in times:
            run = UpcomingRun(moment)
            result.runs.append(run)
            if in_quiet_hours(schedule, moment):
                run.skipped = "falls in quiet hours: nothing is posted"
                continue
            if local_day_start(schedule, moment) != day:
                day = local_day_start(schedule, moment)
                history.posts_today = {}
            plan = plan_run(campaign, resolution.people, history, moment, text_used=used)
            run.posts, run.notes = plan.posts, plan.notes
            planned.update((p.platform, p.account, p.text_hash) for p in plan.posts)
    return result
