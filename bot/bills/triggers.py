"""Bill events, recorded once, fire campaign steps once.

:func:`record_events` stores the events a synced bill's state implies
(:func:`bot.bills.events.events_of`) whose key is new for that bill; the
unique key makes a second sync of an unchanged bill record nothing.

:func:`fire_steps` then fires, for every campaign, each step whose ``on``
names an event of one of its bills that the step has not fired yet in this
mode (``bill_step_firings`` is unique on campaign, step, event and mode):

- ``targets``/``messages``/``stop`` take effect from then on (read by
  :mod:`bot.bills.campaign_stage` when the campaign runs);
- ``post`` writes one post per platform to the post log, scheduled now, or
  the day before / the day of a hearing at the step's time (held for
  approval if the campaign requires it). A post is skipped (with a note)
  for an event older than the step's ``max_age`` (a bill's history at its
  first sync) or a hearing already past.

A step fired by ``passed``, ``presented``, ``signed``, ``vetoed``,
``veto_overridden``, ``veto_upheld`` or ``withdrawn`` fires once per bill,
whichever of its events comes first; events that can repeat (a failed vote, a
report, a referral) fire it each time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.bills.campaign_stage import Stage, current_stage
from bot.bills.events import FIRING_ORDER, events_of
from bot.bills.models import BillEvent, BillStepFiring
from bot.bills.post import event_view, plan_step_posts
from bot.bills.records import BillRecord
from bot.bills.steps import Step
from bot.campaigns.loaded import LoadedCampaign
from bot.campaigns.schema import Approval, Bill
from bot.compose.plan import PlannedPost
from bot.config import Mode
from bot.directory.people import Person
from bot.store import queries
from bot.store.db import Database
from bot.store.models import Status

#: Events after which a step fires no more for that bill (a step on several of them fires
#: for the first only). ``failed``: events recorded before 2026-12.
ONCE_PER_BILL = frozenset(
    {
        "passed",
        "presented",
        "signed",
        "vetoed",
        "veto_overridden",
        "veto_upheld",
        "withdrawn",
        "failed",
    }
)
AWAITING_APPROVAL = "awaiting approval: this campaign requires an organizer to approve each post"


def record_events(session: Session, record: BillRecord, now: datetime) -> list[BillEvent]:
    """Store the events of ``record`` not seen before; return the new ones."""
    known = set(session.scalars(select(BillEvent.key).where(BillEvent.bill_key == record.key)))
    new = []
    for event in events_of(record, now.date()):
        if event.key in known:
            continue
        row = BillEvent(
            bill_key=record.key,
            key=event.key,
            kind=event.kind,
            day=event.day,
            detail=json.dumps(event.detail, sort_keys=True),
            seen_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # another sync recorded it a moment ago
            continue
        new.append(row)
    return new


@dataclass
class Firing:
    """One step fired (or previewed) for one event."""

    campaign_id: str
    step: str
    bill: str
    event_key: str
    kind: str
    scheduled_for: datetime | None = None
    posts: list[PlannedPost] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    effects: list[str] = field(default_factory=list)
    """``targets``, ``messages``, ``post``, ``stop``: what the step does."""

    def summary(self) -> str:
        what = ", ".join(self.effects) or "nothing"
        text = (
            f"{self.campaign_id}: step {self.step!r} fired by {self.bill} {self.event_key} ({what})"
        )
        if self.posts and self.scheduled_for:
            text += f"; {len(self.posts)} post(s) for {self.scheduled_for:%Y-%m-%d %H:%M} UTC"
        return text


def fire_steps(
    db: Database, campaigns: Iterable[LoadedCampaign], *, mode: Mode, now: datetime
) -> list[Firing]:
    """Fire every step due for an event not yet fired (see the module's doc)."""
    firings: list[Firing] = []
    for loaded in campaigns:
        if not loaded.campaign.steps or not loaded.campaign.enabled:
            continue
        with db.session() as session:
            firings += fire_campaign(session, loaded, mode=mode, now=now)
    return firings


def pending(session: Session, loaded: LoadedCampaign, mode: Mode) -> list[tuple[Step, BillEvent]]:
    """(step, event) pairs not fired yet, in the order they would fire."""
    campaign = loaded.campaign
    events = list(
        session.scalars(
            select(BillEvent).where(BillEvent.bill_key.in_([b.key for b in campaign.bills]))
        )
    )
    rank = {kind: index for index, kind in enumerate(FIRING_ORDER)}
    events.sort(key=lambda e: (e.day or date.min, rank.get(e.kind, 99), e.id))
    rows = session.execute(
        select(BillStepFiring.step, BillStepFiring.event_id).where(
            BillStepFiring.campaign_id == campaign.id, BillStepFiring.mode == mode.value
        )
    )
    done = {(step, event_id) for step, event_id in rows}
    return [
        (step, event)
        for event in events
        for step in campaign.steps
        if event.kind in step.events and (step.name, event.id) not in done
    ]


def fire_campaign(
    session: Session, loaded: LoadedCampaign, *, mode: Mode, now: datetime, write: bool = True
) -> list[Firing]:
    """Fire ``loaded``'s pending steps (with ``write=False``: only say what would happen)."""
    campaign = loaded.campaign
    bills = {bill.key: bill for bill in campaign.bills}
    firings = []
    once_done = _once_fired(session, campaign.id, mode)
    for step, event in pending(session, loaded, mode):
        firing = Firing(campaign.id, step.name, event.bill_key, event.key, event.kind)
        if event.kind in ONCE_PER_BILL and (step.name, event.bill_key) in once_done:
            firing.notes.append(f"already fired for {event.bill_key}; nothing more to do")
        else:
            if event.kind in ONCE_PER_BILL:
                once_done.add((step.name, event.bill_key))
            _act(session, loaded, step, event, bills[event.bill_key], firing, mode, now)
        if write:
            row = BillStepFiring(
                campaign_id=campaign.id,
                step=step.name,
                event_id=event.id,
                mode=mode.value,
                fired_at=now,
                scheduled_for=firing.scheduled_for if firing.posts else None,
                posts=len(firing.posts),
                note="; ".join(firing.notes) or None,
            )
            try:
                with session.begin_nested():
                    session.add(row)
                    if firing.posts:
                        _queue(session, campaign.approval, firing, mode, now)
            except IntegrityError:  # another process fired it first
                continue
        firings.append(firing)
    return firings


def _once_fired(session: Session, campaign_id: str, mode: Mode) -> set[tuple[str, str]]:
    rows = session.execute(
        select(BillStepFiring.step, BillEvent.bill_key)
        .join(BillEvent, BillEvent.id == BillStepFiring.event_id)
        .where(
            BillStepFiring.campaign_id == campaign_id,
            BillStepFiring.mode == mode.value,
            BillEvent.kind.in_(ONCE_PER_BILL),
        )
    )
    return {(step, bill_key) for step, bill_key in rows}


def _act(
    session: Session,
    loaded: LoadedCampaign,
    step: Step,
    event: BillEvent,
    bill: Bill,
    firing: Firing,
    mode: Mode,
    now: datetime,
) -> None:
    firing.effects = [
        name for name in ("targets", "messages", "post", "stop") if getattr(step, name)
    ]
    if step.post is None:
        return
    when, note = post_time(step, event, loaded, now)
    if when is None:
        firing.notes.append(note or "no post")
        return
    if note:
        firing.notes.append(note)
    stage = current_stage(session, loaded, mode)
    if step.targets is not None:
        stage.targets, stage.bill = step.targets, event.bill_key
    if step.post.targets is not None:
        stage.targets, stage.bill = step.post.targets, event.bill_key
    people = _people(
        session, Stage(targets=stage.targets, bill=stage.bill).apply(loaded), now, firing
    )
    campaign = loaded.campaign
    mentions = campaign.mentions_per_post if step.post.mentions is None else step.post.mentions
    posts, notes = plan_step_posts(
        campaign,
        bill,
        step.name,
        step.post.text,
        people,
        event_view(event, campaign.schedule.tz),
        mentions=mentions,
        text_used=queries.text_checker(session, mode),
    )
    firing.posts, firing.scheduled_for = posts, when
    firing.notes.extend(notes)


def _people(
    session: Session, loaded: LoadedCampaign, now: datetime, firing: Firing
) -> list[Person]:
    from bot.directory.resolve import resolve_targets

    resolution = resolve_targets(loaded, session, now=now)
    firing.notes.extend(resolution.notes)
    return resolution.people


def post_time(
    step: Step, event: BillEvent, loaded: LoadedCampaign, now: datetime
) -> tuple[datetime | None, str | None]:
    """When the step's post goes out, or (None, why not)."""
    assert step.post is not None
    tz = loaded.campaign.schedule.tz
    if event.kind != "hearing":
        if event.day and now.astimezone(tz).date() - event.day > step.max_age:
            return None, (
                f"not posted: the event happened on {event.day}, more than "
                f"{step.max_age.days} days ago (max_age)"
            )
        return now, None
    detail = json.loads(event.detail or "{}")
    starts = datetime.fromisoformat(detail["starts"]) if detail.get("starts") else None
    day = starts.astimezone(tz).date() if starts else event.day
    assert day is not None
    if step.post.when == "now":
        wanted = now
    else:
        local_day = day - timedelta(days=1) if step.post.when == "day_before" else day
        wanted = datetime.combine(local_day, step.post.time, tzinfo=tz)
    begun = starts is not None and starts <= now
    if begun or (starts is None and now.astimezone(tz).date() > day):
        return None, f"not posted: the hearing on {day} has already taken place"
    if wanted < now:
        return (
            now,
            f"the planned time ({wanted.astimezone(tz):%Y-%m-%d %H:%M}) has passed; posting now",
        )
    return wanted, None


def _queue(session: Session, approval: Approval, firing: Firing, mode: Mode, now: datetime) -> None:
    held = approval is Approval.REQUIRED
    assert firing.scheduled_for is not None
    queries.insert_planned(
        session,
        firing.posts,
        mode=mode,
        now=now,
        scheduled_for=firing.scheduled_for,
        status=Status.HELD if held else Status.QUEUED,
        reason=AWAITING_APPROVAL if held else None,
    )
