"""Supporters who asked for advocacy updates by email (double opt-in), and nothing else.

An address is stored only to send the updates it asked for: a row is made
``pending`` when someone signs up, becomes ``confirmed`` when the confirmation
link is followed, and is **deleted** when they unsubscribe (or when a pending
sign-up is never confirmed: :func:`forget_stale`). No page shows an address;
organizers see counts, send updates and export the confirmed list (CSV).

``campaign_id`` is the campaign whose page the sign-up came from, or ``""``
for the organisation-wide form (updates about every campaign). ``token`` is a
random secret per row: the unsubscribe link carries it, so it works without a
login, forever, and only for that row.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    delete,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.store.models import Base
from bot.store.types import UTCDateTime

#: The organisation-wide list (every campaign's updates).
EVERYTHING = ""
#: How long an unconfirmed sign-up (and its link) lives.
CONFIRM_WITHIN = timedelta(hours=48)


class SubscriberStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"


class Subscriber(Base):
    """One address on one list (a campaign's, or the organisation's: ``campaign_id == ""``)."""

    __tablename__ = "subscribers"
    __table_args__ = (UniqueConstraint("email", "campaign_id", name="uq_subscribers_email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    campaign_id: Mapped[str] = mapped_column(String(64), default=EVERYTHING)
    status: Mapped[str] = mapped_column(String(16), default=SubscriberStatus.PENDING.value)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def sign_up(
    session: Session, email: str, campaign_id: str, now: datetime, *, renew: bool = True
) -> Subscriber:
    """The row for ``email`` on that list: made pending, or the one already there.

    A confirmed row stays confirmed (signing up again changes nothing). With
    ``renew`` (a new confirmation email will go out) a pending one gets a fresh
    token and time, so only the newest link works; without, it is left alone so
    the link already sent still does.
    """
    found = session.scalar(
        select(Subscriber).where(Subscriber.email == email, Subscriber.campaign_id == campaign_id)
    )
    if found is None:
        made = Subscriber(
            email=email,
            campaign_id=campaign_id,
            status=SubscriberStatus.PENDING.value,
            token=new_token(),
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(made)
        except IntegrityError:  # the same sign-up, sent twice at once: use the other's row
            return sign_up(session, email, campaign_id, now, renew=renew)
        return made
    if renew and found.status == SubscriberStatus.PENDING.value:
        found.token = new_token()
        found.created_at = now
    session.flush()
    return found


def by_token(session: Session, token: str) -> Subscriber | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(Subscriber).where(Subscriber.token == token))


def confirm(session: Session, token: str, now: datetime) -> Subscriber | None:
    """Confirm the pending row with ``token`` (made within :data:`CONFIRM_WITHIN`)."""
    found = by_token(session, token)
    if found is None:
        return None
    if found.status == SubscriberStatus.PENDING.value:
        if found.created_at < now - CONFIRM_WITHIN:
            return None
        found.status = SubscriberStatus.CONFIRMED.value
        found.confirmed_at = now
    return found


def unsubscribe(session: Session, token: str) -> bool:
    """Delete the row with ``token`` (the address is forgotten); False if there was none."""
    found = by_token(session, token)
    if found is None:
        return False
    session.delete(found)
    return True


def forget_stale(session: Session, now: datetime) -> int:
    """Delete sign-ups never confirmed within :data:`CONFIRM_WITHIN`; how many."""
    result = session.execute(
        delete(Subscriber).where(
            Subscriber.status == SubscriberStatus.PENDING.value,
            Subscriber.created_at < now - CONFIRM_WITHIN,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Recipient:
    """A confirmed subscriber, as a sender needs it (their own unsubscribe token)."""

    email: str
    token: str
    campaign_id: str
    confirmed_at: datetime | None


def recipients(session: Session, campaign_id: str | None = None) -> list[Recipient]:
    """Confirmed addresses, each once: everyone (``None``), or a campaign's list plus
    the organisation-wide one. Where an address is on both, the campaign's row (and its
    unsubscribe link) is used."""
    query = select(Subscriber).where(Subscriber.status == SubscriberStatus.CONFIRMED.value)
    if campaign_id is not None:
        query = query.where(Subscriber.campaign_id.in_([campaign_id, EVERYTHING]))
    rows = session.scalars(query.order_by(Subscriber.email, Subscriber.campaign_id.desc()))
    found: dict[str, Recipient] = {}
    for row in rows:
        found.setdefault(
            row.email, Recipient(row.email, row.token, row.campaign_id, row.confirmed_at)
        )
    return list(found.values())


@dataclass(frozen=True)
class ListCount:
    campaign_id: str
    confirmed: int
    pending: int


def counts(session: Session) -> list[ListCount]:
    """How many confirmed and pending addresses each list has (no address)."""
    by: dict[str, dict[str, int]] = {}
    query = select(Subscriber.campaign_id, Subscriber.status, func.count()).group_by(
        Subscriber.campaign_id, Subscriber.status
    )
    for campaign_id, status, n in session.execute(query):
        by.setdefault(campaign_id, {})[status] = n
    return [
        ListCount(c, v.get(SubscriberStatus.CONFIRMED.value, 0), v.get("pending", 0))
        for c, v in sorted(by.items())
    ]


class DigestRecord(Base):
    """One digest day: made before the digest goes out, so a day has at most one digest
    whatever the number of processes (the unique day is the claim)."""

    __tablename__ = "update_digests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_event_id: Mapped[int] = mapped_column(Integer)
    """The newest bill event it covers; the next digest starts after it."""
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)


class DigestSend(Base):
    """One subscriber's digest of one day: claimed (made) before the email goes out.

    The unique (day, subscriber) is the claim: whichever run or process makes it
    sends, the others skip that subscriber, so nobody gets two digests a day,
    even across restarts and several processes. Deleted with the subscriber
    (an unsubscribe forgets everything); ``status`` is ``sending`` while the
    email is being handed over, then ``sent`` or ``refused``.
    """

    __tablename__ = "update_digest_sends"
    __table_args__ = (UniqueConstraint("day", "subscriber_id", name="uq_update_digest_sends"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="sending")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
