"""The daily digest: what happened to the campaigns' bills, emailed to confirmed subscribers.

:func:`send_digest` mails each confirmed subscriber **one** email a day
listing, for the campaigns they follow (the organisation-wide list follows
them all), the bill events recorded since the last digest
(:mod:`bot.bills.triggers`: a bill referred, a hearing scheduled, passed,
signed...) and the hearings **tomorrow**: never one email per event or post.

At most one digest a day (UTC) per subscriber, whoever sends it: the day's row
in ``update_digests`` fixes what the day's digest says (the events up to
``last_event_id``), and each subscriber's email is claimed by a unique row in
``update_digest_sends`` before it is handed to the mail server. A second run,
a restart or another process sends only to those not yet claimed (say, after
the mail server failed half-way); with no news, nothing is sent and the day
stays free. The first digest ever covers only the last day's events (turning
it on does not mail the history).

Who sends it: the long-running service (``advocacy-bot run``, through
:class:`DigestJob`, once a day from ``UPDATES_DIGEST_AT``) and
``advocacy-bot updates digest`` (cron). No web framework is imported here.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.bills.models import BillEvent
from bot.campaigns.loaded import LoadedCampaign
from bot.config import ConfigError
from bot.notify.channels import DeliveryError
from bot.store import subscribers as store
from bot.store.db import Database
from bot.web import mail

log = logging.getLogger(__name__)

#: Must match the sign-up blueprint's route (bot.web.signup).
UNSUBSCRIBE_PATH = "/updates/unsubscribe/"
FIRST_DIGEST_LOOKBACK = timedelta(days=1)
#: When the service sends the day's digest (UTC; ``UPDATES_DIGEST_AT``): mid-morning in the U.S.
DIGEST_AT = time(16, 0)
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
    found: dict[str, list[Happening]] = {}
    for campaign_id, event, identifier in _per_campaign(events, campaigns):
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


def _window(session: Session, day: date, now: datetime) -> tuple[list[BillEvent], int]:
    """The new events a digest of ``day`` covers, and the id of the newest one it may cover.

    The day's record, once made, fixes the end; the previous day's digest fixes the start.
    """
    record = session.scalar(select(store.DigestRecord).where(store.DigestRecord.day == day))
    before = session.scalar(
        select(func.max(store.DigestRecord.last_event_id)).where(store.DigestRecord.day < day)
    )
    if record is not None:
        last = record.last_event_id
    else:
        last = session.scalar(select(func.max(BillEvent.id))) or 0
    query = select(BillEvent).where(BillEvent.id <= last).order_by(BillEvent.id)
    if before is None:
        started = record.started_at if record is not None else now
        query = query.where(BillEvent.seen_at >= started - FIRST_DIGEST_LOOKBACK)
    else:
        query = query.where(BillEvent.id > before)
    return list(session.scalars(query)), max(last, before or 0)


def _hearings_on(session: Session, day: date) -> list[BillEvent]:
    """Hearings taking place on ``day`` (recorded by ``bills sync``), whenever they were seen."""
    query = select(BillEvent).where(BillEvent.kind == "hearing", BillEvent.day == day)
    return list(session.scalars(query.order_by(BillEvent.id)))


def reminders(
    hearings: list[BillEvent], campaigns: list[LoadedCampaign]
) -> dict[str, list[Happening]]:
    """Per campaign id, "SB 792 has a committee hearing tomorrow (2026-03-06)"."""
    found: dict[str, list[Happening]] = {}
    for campaign_id, event, identifier in _per_campaign(hearings, campaigns):
        text = f"{identifier} has a committee hearing tomorrow ({event.day})"
        found.setdefault(campaign_id, []).append(Happening(campaign_id, text))
    return found


def _per_campaign(
    events: list[BillEvent], campaigns: list[LoadedCampaign]
) -> list[tuple[str, BillEvent, str]]:
    by_bill: dict[str, list[tuple[str, str]]] = {}
    for loaded in campaigns:
        if not loaded.campaign.enabled:
            continue
        for bill in loaded.campaign.bills:
            by_bill.setdefault(bill.key, []).append((loaded.campaign.id, bill.identifier))
    return [
        (campaign_id, event, identifier)
        for event in events
        for campaign_id, identifier in by_bill.get(event.bill_key, [])
    ]


def _news(
    session: Session, campaigns: list[LoadedCampaign], day: date, now: datetime
) -> tuple[dict[str, list[Happening]], int]:
    """What the day's digest says, per campaign: new events, then tomorrow's hearings."""
    events, last = _window(session, day, now)
    tomorrow = _hearings_on(session, day + timedelta(days=1))
    reminded = {event.id for event in tomorrow}
    news = happenings([e for e in events if e.id not in reminded], campaigns)
    for campaign_id, items in reminders(tomorrow, campaigns).items():
        news.setdefault(campaign_id, []).extend(items)
    return news, last


@dataclass(frozen=True)
class _Person:
    subscriber_id: int
    """The row whose unsubscribe link the email carries (the claim is made on it)."""
    token: str
    follows: frozenset[str]


def _people(session: Session, news: dict[str, list[Happening]]) -> dict[str, _Person]:
    """Each confirmed address following a campaign with news, once (its oldest row)."""
    lists = [*news, store.EVERYTHING]
    rows = session.scalars(
        select(store.Subscriber)
        .where(
            store.Subscriber.status == store.SubscriberStatus.CONFIRMED.value,
            store.Subscriber.campaign_id.in_(lists),
        )
        .order_by(store.Subscriber.id)
    )
    found: dict[str, _Person] = {}
    for row in rows:
        follows = set(news) if row.campaign_id == store.EVERYTHING else {row.campaign_id}
        known = found.get(row.email)
        if known is None:
            found[row.email] = _Person(row.id, row.token, frozenset(follows))
        else:
            found[row.email] = _Person(known.subscriber_id, known.token, known.follows | follows)
    return found


def _claim(db: Database, day: date, subscriber_id: int, now: datetime) -> int | None:
    """Claim one subscriber's digest of the day; None when another run already did."""
    try:
        with db.session() as session:
            claim = store.DigestSend(day=day, subscriber_id=subscriber_id, at=now)
            session.add(claim)
            session.flush()
            return claim.id
    except IntegrityError:  # claimed already (or unsubscribed meanwhile)
        return None


def _settle(db: Database, claim_id: int, status: str | None) -> None:
    """Record how a claimed send ended; ``None`` frees it for the next run."""
    with db.session() as session:
        claim = session.get(store.DigestSend, claim_id)
        if claim is None:
            return
        if status is None:
            session.delete(claim)
        else:
            claim.status = status


def send_digest(
    db: Database,
    settings: mail.UpdatesSettings,
    campaigns: list[LoadedCampaign],
    org: str,
    now: datetime,
) -> Digest:
    """Send today's digest to every follower not sent it yet today (see the module doc)."""
    day = now.astimezone(UTC).date()
    result = Digest(day.isoformat())
    with db.session() as session:
        news, last_event_id = _news(session, campaigns, day, now)
        result.events = sum(len(v) for v in news.values())
        if not news:
            result.skipped = "no new bill event or hearing tomorrow for an enabled campaign"
            return result
        people = _people(session, news)
        already = set(
            session.scalars(
                select(store.DigestSend.subscriber_id).where(store.DigestSend.day == day)
            )
        )
        if not people:
            result.skipped = "no confirmed subscriber follows these campaigns"
            return result
        if already.issuperset(p.subscriber_id for p in people.values()):
            result.skipped = "a digest already went out today"
            return result
        if not session.scalar(select(store.DigestRecord.id).where(store.DigestRecord.day == day)):
            try:  # fixes what today's digest says, for every run and process
                with session.begin_nested():
                    session.add(
                        store.DigestRecord(
                            day=day, started_at=now, last_event_id=last_event_id, sent=0, failed=0
                        )
                    )
            except IntegrityError:  # another process made it first: use its window
                news, _ = _news(session, campaigns, day, now)
                people = _people(session, news)
    titles = {c.campaign.id: c.campaign.title for c in campaigns}
    todo = [(a, p) for a, p in sorted(people.items()) if p.subscriber_id not in already]
    try:
        with mail.outbox(settings) as box:
            for address, person in todo:
                claim = _claim(db, day, person.subscriber_id, now)
                if claim is None:
                    continue
                theirs = {c: news[c] for c in news if c in person.follows}
                subject, body = compose(org, settings.site_url, titles, theirs)
                link = settings.site_url + UNSUBSCRIBE_PATH + person.token
                try:
                    box.send(mail.update(settings, org, address, subject, body, link))
                except mail.AddressRefused as problem:  # for good: not retried today
                    _settle(db, claim, "refused")
                    result.failed += 1
                    log.warning("digest: one address was refused: %s", problem)
                    continue
                except DeliveryError as problem:  # the server's trouble: the next run retries
                    _settle(db, claim, None)
                    result.failed += 1
                    log.warning("digest: not sent, to be tried again: %s", problem)
                    continue
                except BaseException:
                    _settle(db, claim, None)
                    raise
                _settle(db, claim, "sent")
                result.sent += 1
                result.recipients.append(address)
    except DeliveryError as problem:
        # the server failed (down, or dropped us): those not sent are tried at the next run
        log.error("digest: the mail server failed: %s", problem)
        result.failed = len(todo) - result.sent
    with db.session() as session:
        record = session.scalar(select(store.DigestRecord).where(store.DigestRecord.day == day))
        sends = session.scalar(select(func.count()).where(store.DigestSend.day == day))
        if record is not None and not sends:
            session.delete(record)  # nothing went out: free the day, the next run starts afresh
            result.skipped = "the mail server took nothing; the next run tries again"
        elif record is not None:
            record.sent += result.sent
            record.failed += result.failed
    return result


@dataclass(frozen=True)
class DigestJob:
    """The service's daily digest (``advocacy-bot run``): :meth:`__call__` it as often as
    you like; from ``at`` (UTC) each day it sends that day's digest, once."""

    db: Database
    settings: mail.UpdatesSettings
    campaigns: list[LoadedCampaign]
    org: str
    at: time = DIGEST_AT

    def due(self, now: datetime) -> bool:
        """Whether today's digest time has come (UTC)."""
        return now.astimezone(UTC).time() >= self.at

    def __call__(self, now: datetime) -> Digest | None:
        """Send today's digest if its time has come; what happened (None: not yet)."""
        if not self.due(now):
            return None
        result = send_digest(self.db, self.settings, self.campaigns, self.org, now)
        if result.sent or result.failed:
            log.info(
                "digest %s: %d events, sent to %d, %d refused",
                result.day,
                result.events,
                result.sent,
                result.failed,
            )
        return result


def digest_time(text: str | None) -> time:
    """``UPDATES_DIGEST_AT`` (``HH:MM``, UTC) as a time; the default when unset."""
    if not text or not text.strip():
        return DIGEST_AT
    try:
        hours, _, minutes = text.strip().partition(":")
        return time(int(hours), int(minutes or 0))
    except ValueError:
        raise ConfigError(
            f"UPDATES_DIGEST_AT={text[:20]!r}: give the time of day (UTC) the daily digest "
            "goes out, as HH:MM (e.g. 16:00)"
        ) from None
