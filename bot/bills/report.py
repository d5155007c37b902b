"""What ``bills show`` and ``bills steps`` print: the cached bill, its roles, its steps."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.bills import store
from bot.bills.campaign_stage import Stage, current_stage
from bot.bills.events import events_of
from bot.bills.ident import BillRef, bill_matches
from bot.bills.models import BillEvent, BillStepFiring
from bot.bills.post import event_view, plan_step_posts
from bot.bills.roles import run as run_role
from bot.bills.status import label
from bot.bills.triggers import fire_campaign, post_time
from bot.campaigns.loaded import LoadedCampaign
from bot.config import Mode
from bot.directory.models import PersonRow
from bot.directory.people import Person
from bot.directory.selectors import BILL_ROLES, Selector
from bot.errors import AdvocacyBotError


class UnknownBill(AdvocacyBotError, LookupError):
    """BILL names no bill, or several; the message says which there are."""


def find_key(session: Session, text: str, campaign_keys: Iterable[str] = ()) -> str:
    """The key of the bill ``text`` names: a key (``us/117/HR 21``) or an identifier (``HR 21``)."""
    if text.count("/") == 2:
        try:
            return BillRef.from_key(text).key
        except ValueError as exc:
            raise UnknownBill(str(exc)) from None
    known = sorted({*store.all_keys(session), *campaign_keys})
    found = [key for key in known if bill_matches(text, key)]
    if len(found) == 1:
        return found[0]
    if found:
        raise UnknownBill(f"{text!r} fits several bills: {', '.join(found)}; give the full key")
    listed = ", ".join(known) if known else "none yet: run `advocacy-bot bills sync`"
    raise UnknownBill(f"no bill {text!r}; known bills: {listed}")


def describe(session: Session, key: str, now: datetime) -> dict[str, Any]:
    """Everything known about one bill, and whom each bill role resolves to."""
    cached = store.load(session, key)
    if cached is None:
        raise UnknownBill(f"bill {key} has not been synced yet: run `advocacy-bot bills sync`")
    record = cached.record
    ids = {s.person_id for s in record.sponsors if s.person_id}
    people = _people(session, ids)
    data: dict[str, Any] = {
        "bill": key,
        "title": record.title,
        "source": record.source,
        "source_id": record.source_id,
        "url": record.url,
        "status": record.status,
        "status_label": label(record),
        "status_date": record.status_date,
        "current_chamber": record.current_chamber,
        "passed_chambers": record.passed_chambers,
        "fetched_at": cached.fetched_at,
        "age": store.human_age(cached.age(now)),
        "stale": cached.age(now) > store.STALE_AFTER,
        "sponsors": [],
        "cosponsors": [],
        "committees": [
            {
                "id": c.id,
                "name": c.name,
                "chamber": c.chamber,
                "referred": c.referred,
                "current": c.current,
                "activity": c.activity,
            }
            for c in record.committees
        ],
        "latest_actions": [
            {"date": a.date, "chamber": a.chamber, "text": a.text, "kinds": list(a.kinds)}
            for a in reversed(record.actions[-10:])
        ],
        "hearings": [
            {
                "id": h.id,
                "day": h.day,
                "starts": h.starts,
                "title": h.title,
                "committees": list(h.committee_names or h.committees),
                "location": h.location,
                "status": h.status,
                "url": h.url,
            }
            for h in record.hearings
        ],
    }
    for sponsor in record.sponsors:
        person = people.get(sponsor.person_id or "")
        item = {
            "id": sponsor.person_id,
            "name": sponsor.name,
            "since": sponsor.since,
            "withdrawn": sponsor.withdrawn,
            "original": sponsor.original,
            "directory": None
            if person is None
            else ("in office" if person.active else "left office"),
        }
        data["sponsors" if sponsor.role == "sponsor" else "cosponsors"].append(item)
    data["events"] = _events(session, key)
    data["roles"], data["role_notes"] = roles_of(session, key)
    return data


def _people(session: Session, ids: Iterable[str]) -> dict[str, PersonRow]:
    wanted = list(ids)
    if not wanted:
        return {}
    return {p.id: p for p in session.scalars(select(PersonRow).where(PersonRow.id.in_(wanted)))}


def roles_of(session: Session, key: str) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Role → the directory people it resolves to (in office), and notes."""
    found: dict[str, list[dict[str, Any]]] = {}
    notes: list[str] = []
    for role in BILL_ROLES:
        match = run_role(session, Selector(bill_role=(role,)), [key])
        notes += [f"{role}: {p}" for p in match.problems if f"{role}: {p}" not in notes]
        people = _people(session, match.ids)
        found[role] = [
            {
                "id": i,
                "name": people[i].name,
                "title": people[i].title,
                "party": people[i].party,
                "state": people[i].state,
                "chamber": people[i].chamber,
            }
            for i in match.ids
        ]
    return found, notes


def _events(session: Session, key: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(BillEvent).where(BillEvent.bill_key == key).order_by(BillEvent.id)
    ).all()
    firings: dict[int, list[dict[str, Any]]] = {}
    ids = [e.id for e in rows]
    if ids:
        for f in session.scalars(select(BillStepFiring).where(BillStepFiring.event_id.in_(ids))):
            firings.setdefault(f.event_id, []).append(
                {
                    "campaign": f.campaign_id,
                    "step": f.step,
                    "mode": f.mode,
                    "fired_at": f.fired_at,
                    "posts": f.posts,
                    "scheduled_for": f.scheduled_for,
                    "note": f.note,
                }
            )
    return [
        {
            "key": e.key,
            "kind": e.kind,
            "day": e.day,
            "seen_at": e.seen_at,
            "detail": json.loads(e.detail or "{}"),
            "fired": firings.get(e.id, []),
        }
        for e in rows
    ]


# -- bills steps -----------------------------------------------------------------------------

_WHEN = {
    "referred": "when the bill is referred to a committee",
    "hearing": "when a hearing on the bill is scheduled",
    "reported": "when a committee reports the bill",
    "reported_unfavorably": "when a committee reports the bill unfavorably",
    "failed_committee": "when a committee votes the bill down",
    "discharge_petition": "when a discharge petition is filed",
    "failed_vote": "when a vote on the bill fails",
    "deferred": "when the bill is deferred or tabled",
    "passed_chamber": "when a chamber passes the bill",
    "passed": "when every chamber has passed the bill",
    "presented": "when the bill is sent to the executive",
    "vetoed": "when the bill is vetoed",
    "line_item_veto": "when items of the bill are vetoed",
    "override_passed": "when a chamber votes to override the veto",
    "veto_overridden": "when the veto is overridden",
    "veto_upheld": "when the veto stands",
    "signed": "when the bill is signed into law",
    "withdrawn": "when the bill is withdrawn",
}


def steps_preview(
    session: Session, loaded: LoadedCampaign, mode: Mode, now: datetime
) -> list[dict[str, Any]]:
    """Per step: what fired, what the next sync would fire, and what its post would say and when.

    Reads only (the session is rolled back by the caller).
    """
    campaign = loaded.campaign
    fired_rows = session.execute(
        select(BillStepFiring, BillEvent)
        .join(BillEvent, BillEvent.id == BillStepFiring.event_id)
        .where(BillStepFiring.campaign_id == campaign.id, BillStepFiring.mode == mode.value)
        .order_by(BillStepFiring.fired_at, BillStepFiring.id)
    ).all()
    due = fire_campaign(session, loaded, mode=mode, now=now, write=False)
    stage = current_stage(session, loaded, mode)
    result = []
    for step in campaign.steps:
        item: dict[str, Any] = {
            "step": step.name,
            "on": list(step.on),
            "does": [n for n in ("targets", "messages", "post", "stop") if getattr(step, n)],
            "fired": [
                {
                    "bill": event.bill_key,
                    "event": event.key,
                    "fired_at": firing.fired_at,
                    "posts": firing.posts,
                    "scheduled_for": firing.scheduled_for,
                    "note": firing.note,
                }
                for firing, event in fired_rows
                if firing.step == step.name
            ],
            "next_sync": [
                {
                    "bill": f.bill,
                    "event": f.event_key,
                    "scheduled_for": f.scheduled_for,
                    "posts": [_post(p) for p in f.posts],
                    "notes": f.notes,
                }
                for f in due
                if f.step == step.name
            ],
        }
        if step.targets is not None:
            item["targets_now"] = {
                bill.key: [
                    f"{p.display_name} ({p.id})"
                    for p in _resolve(
                        session, Stage(targets=step.targets, bill=bill.key).apply(loaded), now
                    )
                ]
                for bill in campaign.bills
            }
        if step.post is not None and not item["next_sync"]:
            item["preview"] = _preview_post(session, loaded, step, stage, now)
        result.append(item)
    return result


def _post(post: Any) -> dict[str, Any]:
    return {
        "platform": post.platform,
        "account": post.account,
        "text": post.text,
        "length": post.length,
        "limit": post.limit,
        "targets": [t.handle or t.name for t in post.targets],
    }


def _resolve(
    session: Session, loaded: LoadedCampaign, now: datetime, notes: list[str] | None = None
) -> list[Person]:
    from bot.directory.resolve import resolve_targets

    resolution = resolve_targets(loaded, session, now=now)
    if notes is not None:
        notes.extend(resolution.notes)
    return resolution.people


def _preview_post(
    session: Session, loaded: LoadedCampaign, step: Any, stage: Stage, now: datetime
) -> dict[str, Any]:
    """The step's post as it would be today, on a sample event built from the bill's state."""
    campaign = loaded.campaign
    bill = campaign.bills[0]
    cached = store.load(session, bill.key)
    tz = campaign.schedule.tz
    event = _sample_event(cached.record if cached else None, step.events[0], bill.key, now, tz)
    targets = step.post.targets or step.targets or stage.targets
    found: list[str] = []
    people = _resolve(session, Stage(targets=targets, bill=bill.key).apply(loaded), now, found)
    if not people:
        found.append("nobody to address yet")
    mentions = campaign.mentions_per_post if step.post.mentions is None else step.post.mentions
    posts, notes = plan_step_posts(
        campaign,
        bill,
        step.name,
        step.post.text,
        people,
        event_view(event, campaign.schedule.tz),
        mentions=mentions,
    )
    when, why = post_time(step, event, loaded, now)
    if step.post.when == "now":
        timing = f"at once, {_WHEN.get(step.events[0], step.events[0])}"
    else:
        timing = f"{step.post.when.replace('_', ' ')} the hearing, at {step.post.time:%H:%M}"
        timing += f" ({campaign.schedule.timezone})"
    return {
        "when": timing,
        "bill": bill.key,
        "sample_event": event.key,
        "sample_time": when if event.key != "sample" else None,
        "posts": [_post(p) for p in posts],
        "notes": [
            *found,
            *notes,
            *([why] if why else []),
            *([] if cached else [f"bill {bill.key} has not been synced; the sample is made up"]),
        ],
    }


def _sample_event(record: Any, kind: str, key: str, now: datetime, tz: ZoneInfo) -> BillEvent:
    """An upcoming event of ``kind`` from the cached bill if there is one, else a made-up one."""
    if record is not None:
        for event in events_of(record, now.date()):
            if event.kind == kind:
                return BillEvent(
                    bill_key=key,
                    key=event.key,
                    kind=kind,
                    day=event.day,
                    detail=json.dumps(event.detail, default=str),
                )
    detail: dict[str, Any] = {"committee_names": ["[committee]"], "chamber": "[chamber]"}
    if record is not None and record.current_committees:
        detail["committee_names"] = [c.name for c in record.current_committees]
    if record is not None and record.current_chamber:
        detail["chamber"] = record.current_chamber
    day = now.date() + timedelta(days=7) if kind == "hearing" else now.date()
    if kind == "hearing":
        detail["starts"] = datetime.combine(day, time(10, 0), tzinfo=tz).isoformat()
    return BillEvent(bill_key=key, key="sample", kind=kind, day=day, detail=json.dumps(detail))
