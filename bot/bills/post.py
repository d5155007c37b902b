"""A step's post: its own text, for every platform of the campaign, fitted to each limit.

Like a run's posts (:mod:`bot.compose.plan`): the text is rendered in the
sandbox, measured as the platform counts it, and mentions are dropped from
the end until it fits; a text the account already sent is not planned
again. Unlike a run, a step's post ignores rotation and cooldown (a thank-you
reaches the sponsors however recently they were asked) and its template may
also use ``event`` (:class:`EventView`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.bills.models import BillEvent
from bot.bills.status import CHAMBER_NAMES
from bot.campaigns.schema import Bill, Campaign
from bot.compose import length
from bot.compose.mentions import tag_handle
from bot.compose.plan import PlannedPost, PlannedTarget, post_key, template_context, text_hash
from bot.compose.render import TemplateProblem, join_names, render
from bot.compose.views import EventView
from bot.directory.people import Person


def event_view(event: BillEvent, tz: ZoneInfo) -> EventView:
    detail = json.loads(event.detail or "{}")
    starts = detail.get("starts")
    when = datetime.fromisoformat(starts).astimezone(tz) if starts else None
    day = when.date() if when else event.day
    chamber = str(detail.get("chamber") or "")
    return EventView(  # str only: what a template sees is plain text
        kind=str(event.kind),
        date=_long_date(day),
        time=when.strftime("%I:%M %p").lstrip("0") if when else "",
        committee=join_names([str(name) for name in detail.get("committee_names") or []]),
        chamber=CHAMBER_NAMES.get(chamber, chamber),
        title=str(detail.get("title") or detail.get("text") or ""),
        location=str(detail.get("location") or ""),
        url=str(detail.get("url") or ""),
        day=day.isoformat() if day else "",
    )


def _long_date(day: date | None) -> str:
    return f"{day:%A, %B} {day.day}" if day else ""


def plan_step_posts(
    campaign: Campaign,
    bill: Bill,
    step_name: str,
    source: str,
    people: Sequence[Person],
    event: EventView,
    *,
    mentions: int,
    text_used: Callable[[str, str, str], bool] = lambda platform, account, digest: False,
) -> tuple[list[PlannedPost], list[str]]:
    """One post per platform of ``campaign`` (see the module's doc), and notes."""
    posts: list[PlannedPost] = []
    notes: list[str] = []
    candidates = list(people)[:mentions]
    for platform in campaign.platforms:
        name = platform.value
        account = campaign.account_for(platform)
        limit = length.limit(name)
        post = None
        for count in range(len(candidates), 0 if candidates else -1, -1):
            pairs = [
                (p, tag_handle(p, name, name_on_x=campaign.x_mentions == "name"))
                for p in candidates[:count]
            ]
            context = template_context(campaign, bill, name, pairs)
            context["event"] = event
            try:
                text = render(source, context)
            except TemplateProblem as exc:
                notes.append(f"{name}: step {step_name!r} skipped: {exc}")
                break
            size = length.count(name, text)
            if size > limit:
                continue
            digest = text_hash(text)
            if text_used(name, account, digest):
                notes.append(f"{name}: step {step_name!r}: the account already sent this text")
                break
            targets = tuple(PlannedTarget(p.id, p.display_name, h) for p, h in pairs)
            post = PlannedPost(
                key=post_key(name, account, campaign.id, bill.key, [p.id for p, _ in pairs], text),
                campaign_id=campaign.id,
                bill=bill.key,
                platform=name,
                account=account,
                variant=f"step:{step_name}"[:100],
                text=text,
                text_hash=digest,
                length=size,
                limit=limit,
                targets=targets,
                link=bill.url,
            )
            break
        else:
            notes.append(f"{name}: step {step_name!r}: the text does not fit {limit}")
        if post is not None:
            posts.append(post)
    return posts, notes
