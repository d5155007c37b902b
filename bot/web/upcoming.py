"""What goes out next: each campaign's coming runs, planned as the scheduler will plan them.

:func:`outlooks` resolves each campaign's targets and reads the post log's
history once, then plans each fire time of the coming days in turn with
:func:`bot.compose.plan.plan_run`, carrying the history forward (rotation,
cooldown, daily caps, no repeated text) exactly as the real runs will. It
writes nothing. Posts already in the log and waiting (``queued``, ``held``)
are listed too.

The page sends statements per campaign (its targets, its history), never per
post: the waiting posts of every campaign come in one statement, the pauses
in one, and whether an account already sent a text is asked in batches after
planning (:class:`~bot.store.queries.TextChecker`, as the scheduler asks it),
where this page once asked once per planned post (a round trip each on
PostgreSQL).

What it cannot know: posts other processes add meanwhile, and when the guard
lets each post out (spacing, caps and pauses are checked when publishing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select

from bot.campaigns.loaded import LoadedCampaign
from bot.campaigns.schema import Campaign
from bot.compose.plan import PlannedPost, plan_run
from bot.config import Mode
from bot.directory.people import Person
from bot.directory.resolve import resolve_targets
from bot.posts import PlanHistory
from bot.schedule.timing import fire_times, in_quiet_hours, local_day_start
from bot.store import queries
from bot.store.db import Database
from bot.store.models import Pause, Post


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


def outlooks(
    db: Database,
    campaigns: Sequence[LoadedCampaign],
    *,
    mode: Mode,
    now: datetime,
    days: int = 7,
    max_runs: int = 6,
    waiting_limit: int = 50,
) -> list[Outlook]:
    """Each campaign's next ``max_runs`` runs within ``days``, and what is waiting in the log.

    One session for every campaign. Each campaign is planned on its own, as
    before: a campaign's runs carry its own earlier runs forward, not another
    campaign's.
    """
    results = [Outlook(loaded, loaded.campaign.schedule.tz) for loaded in campaigns]
    with db.read_session() as session:
        waiting = queries.waiting_posts(
            session, [loaded.campaign.id for loaded in campaigns], mode, waiting_limit
        )
        pauses = {pause.scope: pause for pause in session.scalars(select(Pause))}
        resolved: list[tuple[Outlook, Sequence[Person], list[datetime]]] = []
        plans: list[tuple[Outlook, Sequence[Person], PlanHistory, list[datetime]]] = []
        for result in results:
            campaign = result.loaded.campaign
            result.waiting = waiting.get(campaign.id, [])
            result.paused = [
                pause
                for scope in ("all", f"campaign:{campaign.id}")
                if (pause := pauses.get(scope)) is not None
                and (pause.until is None or pause.until > now)
            ]
            if not campaign.enabled:
                result.notes.append("this campaign is disabled (enabled: false): it never runs")
                continue
            schedule = campaign.schedule
            times = fire_times(schedule, now, now + timedelta(days=days), limit=max_runs)
            if not times:
                result.notes.append(f"no run is scheduled in the next {days} days")
                continue
            resolution = resolve_targets(result.loaded, session)
            result.notes.extend(resolution.notes)
            resolved.append((result, resolution.people, times))
        # The X tags of every campaign's people in one read of the week's X posts (each
        # read walks all of them), which each campaign's history then takes its own from.
        day_starts = [local_day_start(r.loaded.campaign.schedule, t[0]) for r, _, t in resolved]
        tags = (
            queries.x_tags_reader(
                session, [p.id for _, people, _ in resolved for p in people], mode, day_starts
            )
            if resolved
            else None
        )
        for (result, people, times), day_start in zip(resolved, day_starts, strict=True):
            history = queries.plan_history(
                session,
                result.loaded.campaign,
                [p.id for p in people],
                mode,
                day_start,
                x_tags_from=tags,
            )
            plans.append((result, people, history, times))
        # Whether an account already sent a text is asked of the log in batches, as
        # the scheduler asks it (bot.schedule.runner.plan_posts): every run is planned
        # with texts not asked about before answered "not used", the texts are then
        # looked up at once, and if one was in fact sent, every run is planned again
        # from the same history knowing it, until the plans stand. Each answer the
        # final plans got is then what asking the log for each text would have said
        # (a statement per planned post, as this page once did).
        checker = queries.TextChecker(session, mode)
        while True:
            for result, people, history, times in plans:
                campaign = result.loaded.campaign
                result.runs = _plan_runs(campaign, people, _copy(history), times, checker)
            if not checker.verify():
                break
    return results


def _copy(history: PlanHistory) -> PlanHistory:
    """A history to plan from, leaving ``history`` as it is (the planner updates its own)."""
    return replace(
        history,
        last_tagged=dict(history.last_tagged),
        last_variant=dict(history.last_variant),
        last_bill=dict(history.last_bill),
        posts_today=dict(history.posts_today),
    )


def _plan_runs(
    campaign: Campaign,
    people: Sequence[Person],
    history: PlanHistory,
    times: Sequence[datetime],
    in_log: Callable[[str, str, str], bool],
) -> list[UpcomingRun]:
    """Plan each of ``times`` in turn, each run carrying the previous ones' choices forward.

    ``history`` is updated as the runs are planned. A text an earlier run planned
    counts as sent for the later ones, as the log will hold it by then.
    """
    schedule = campaign.schedule
    day = local_day_start(schedule, times[0])
    planned: set[tuple[str, str, str]] = set()

    def used(platform: str, account: str, digest: str) -> bool:
        return (platform, account, digest) in planned or in_log(platform, account, digest)

    runs = []
    for moment in times:
        run = UpcomingRun(moment)
        runs.append(run)
        if in_quiet_hours(schedule, moment):
            run.skipped = "falls in quiet hours: nothing is posted"
            continue
        if local_day_start(schedule, moment) != day:
            day = local_day_start(schedule, moment)
            history.posts_today = {}
        plan = plan_run(campaign, people, history, moment, text_used=used)
        run.posts, run.notes = plan.posts, plan.notes
        planned.update((p.platform, p.account, p.text_hash) for p in plan.posts)
    return runs
