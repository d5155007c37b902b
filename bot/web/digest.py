"""The daily digest: what happened to the campaigns' bills, emailed to confirmed subscribers.

When a bills sync records events (:mod:`bot.bills.triggers`: a bill referred,
a hearing scheduled, passed, signed...), :func:`send_digest` mails each
confirmed subscriber **one** email listing what happened to the bills of the
campaigns they follow (the organisation-wide list follows them all): never
one email per event or per post, and **at most one digest a day** (UTC): the
day's row in ``update_digests`` is claimed before anything is sent, so a
second run, or another process, sends nothing. With no new event, nothing is
sent and the day stays free. The first digest ever covers only the last day's
events (turning it on does not mail the history).

``advocacy-bot updates digest`` runs it (from cron, once or a few times a
day). No web framework is imported here.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.bills.models import BillEvent
from bot.campaigns.loaded import LoadedCampaign
from bot.notify.channels import DeliveryError
from bot.store import subscribers as store
from bot.store.db import Database
from bot.web import mail

log = logging.getLogger(__name__)

#: Must match the sign-up blueprint's route (bot.web.signup).
UNSUBSCRIBE_PATH = "/updates/unsubscribe/"
FIRST_DIGEST_LOOKBACK = timedelta(days=1)
#: What an event's kind says, in words (docs/bills.md lists the kinds).
PHRASES = {
    "referred": "was sent to committee",
    "hearing": "has a committee hearing",
    "reported": "was reported out of committee",
    "reported_unfavorably": "was reported unfavorably by the committee",
    "failed_committee": "failed in committee",
    "discharge_petition": "has a discharge petition",
    "failed_vote": "failed a vote",
    "deferred": "was put off",
    "passed_chamber": "passed a chamber",
    "passed": "passed the legislature",
    "presented": "went to the executive for signature",
    "vetoed": "was vetoed",
    "line_item_veto": "was partly vetoed",
    "override_passed": "had a veto override pass one chamber",
    "veto_overridden": "became law over the veto",
    "veto_upheld": "had its veto upheld",
    "signed": "was signed into law",
    "withdrawn": "was withdrawn",
}
CHAMBERS = {"house": "the House", "senate": "the Senate", "legislature": "the legislature"}


@dataclass(frozen=True)
class Happening:
    """One line of a digest: a bill event, in words, for a campaign."""

    campaign_id: str
    text: str


@dataclass
class Digest:
    """What one run did."""

    day: str
    events: int = 0
    sent: int = 0
    failed: int = 0
    skipped: str | None = None
    """Why nothing was sent (already sent today, no new event, no subscriber)."""
    recipients: list[str] = field(default_factory=list, repr=False)


def describe(event: BillEvent, identifier: str) -> str:
    """``SB 792 passed the Senate (2026-03-05)``: an event as a sentence."""
    try:
        detail = json.loads(event.detail or "{}")
    except ValueError:
        detail = {}
    phrase = PHRASES.get(event.kind, event.kind.replace("_", " "))
    chamber = detail.get("chamber") if isinstance(detail, dict) else None
    if event.kind == "passed_chamber" and chamber in CHAMBERS:
        phrase = f"passed {CHAMBERS[chamber]}"
    when = ""
    if event.day is not None:
        when = f" on {event.day.isoformat()}" if event.kind == "hearing" else f" ({event.day})"
    return f"{identifier} {phrase}{when}"


def happenings(
    events: list[BillEvent], campaigns: list[LoadedCampaign]
) -> dict[str, list[Happening]]:
    """Per campaign id, what happened to its bills (a bill in two campaigns is in both)."""
    by_bill: dict[str, list[tuple[str, str]]] = {}
    for loaded in campaigns:
        if not loaded.campaign.enabled:
            continue
        for bill in loaded.campaign.bills:
            by_bill.setdefault(bill.key, []).append((loaded.campaign.id, bill.identifier))
    found: dict[str, list[Happening]] = {}
    for event in events:
        for campaign_id, identifier in by_bill.get(event.bill_key, []):
            found.setdefault(campaign_id, []).append(
                Happening(campaign_id, describe(event, identifier))
            )
    return found


def compose(
    org: str,
    site_url: str,
    titles: dict[str, str],
    news: dict[str, list[Happening]],
) -> tuple[str, str]:
    """The digest's subject and text (before the unsubscribe footer)."""
    lines = []
    for campaign_id, items in news.items():
        lines.append(titles.get(campaign_id, campaign_id))
        lines += [f"  - {item.text}" for item in items]
        lines.append(f"  What you can do: {site_url}/c/{campaign_id}")
        lines.append("")
    count = sum(len(items) for items in news.values())
    subject = f"{org}: {count} update{'s' if count != 1 else ''} on the bills we follow"
    return subject, "\n".join(lines).rstrip()


def send_digest(
    db: Database,
    settings: mail.UpdatesSettings,
    campaigns: list[LoadedCampaign],
    org: str,
    now: datetime,
) -> Digest:
    """Send today's digest if there is news and none went out today (see the module doc)."""
    day = now.date()
    result = Digest(day.isoformat())
    with db.session() as session:
        if session.scalar(select(store.DigestRecord.id).where(store.DigestRecord.day == day)):
            result.skipped = "a digest already went out today"
            return result
        last = session.scalar(select(func.max(store.DigestRecord.last_event_id)))
        query = select(BillEvent).order_by(BillEvent.id)
        if last is None:
            query = query.where(BillEvent.seen_at >= now - FIRST_DIGEST_LOOKBACK)
        else:
            query = query.where(BillEvent.id > last)
        events = list(session.scalars(query))
        news = happenings(events, campaigns)
        result.events = sum(len(v) for v in news.values())
        if not news:
            result.skipped = "no new bill event for an enabled campaign"
            return result
        per_person: dict[str, tuple[str, set[str]]] = {}
        for campaign_id in news:
            for person in store.recipients(session, campaign_id):
                token, wanted = per_person.setdefault(person.email, (person.token, set()))
                wanted.add(campaign_id)
        if not per_person:
            result.skipped = "no confirmed subscriber follows these campaigns"
            return result
        last_event_id = events[-1].id
    try:  # the claim: one digest a day, whoever else is trying
        with db.session() as session:
            record = store.DigestRecord(
                day=day, started_at=now, last_event_id=last_event_id, sent=0, failed=0
            )
            session.add(record)
            session.flush()
            record_id = record.id
    except IntegrityError:
        result.skipped = "a digest already went out today"
        return result
    titles = {c.campaign.id: c.campaign.title for c in campaigns}
    try:
        with mail.outbox(settings) as box:
            for address, (token, wanted) in sorted(per_person.items()):
                theirs = {c: news[c] for c in news if c in wanted}
                subject, body = compose(org, settings.site_url, titles, theirs)
                link = settings.site_url + UNSUBSCRIBE_PATH + token
                try:
                    box.send(mail.update(settings, org, address, subject, body, link))
                    result.sent += 1
                    result.recipients.append(address)
                except DeliveryError as problem:
                    result.failed += 1
                    log.warning("digest: one address was refused: %s", problem)
    except DeliveryError as problem:
        log.error("digest: the mail server failed: %s", problem)
        result.failed = len(per_person) - result.sent
    with db.session() as session:
        saved = session.get(store.DigestRecord, record_id)
        if saved is not None and result.sent == 0:
            session.delete(saved)  # nothing went out: free the day, the next run retries
            result.skipped = "the mail server took nothing; the next run tries again"
        elif saved is not None:
            saved.sent, saved.failed = result.sent, result.failed
    return result
