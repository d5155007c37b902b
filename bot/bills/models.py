"""SQL tables of bill data, bill events and the campaign steps they fired.

``bills``             one row per bill: where it stands, when it was fetched, and the
                      whole :class:`~bot.bills.records.BillRecord` as JSON
``bill_sponsors``     sponsors and cosponsors (``person_id``: bioguide or ``ocd-person/...``,
                      the directory's ids), with dates and withdrawals
``bill_committees``   committees of referral (``committee_id``: the directory's), ``current``
``bill_events``       each bill event once (``uq_bill_events``): referred to X, passed a
                      chamber, a hearing on a day...
``bill_step_firings`` which campaign step each event fired, per mode (``uq_bill_step_firings``)
``bill_http_cache``   answers that carried ``ETag``/``Last-Modified``, for conditional requests
``bill_scans``        when each hearing scan (a state's events, a chamber's meetings) last ran
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base
from bot.store.types import UTCDateTime


class BillRow(Base):
    __tablename__ = "bills"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    """``us/117/HR 21``, ``mo/2026/SB 792`` (a campaign bill's ``key``)."""
    jurisdiction: Mapped[str] = mapped_column(String(8))
    session: Mapped[str] = mapped_column(String(40))
    identifier: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20))
    """``congress.gov`` or ``openstates``."""
    source_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    status_date: Mapped[date | None] = mapped_column(Date, default=None)
    current_chamber: Mapped[str | None] = mapped_column(String(20), default=None)
    """Where the bill is now (``house``, ``senate``, ``legislature``); None once it left them."""
    remote_updated: Mapped[str | None] = mapped_column(String(40), default=None)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """When the source last answered for this bill."""
    data: Mapped[str] = mapped_column(Text)
    """The :class:`~bot.bills.records.BillRecord` as JSON."""


class BillSponsor(Base):
    __tablename__ = "bill_sponsors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_key: Mapped[str] = mapped_column(ForeignKey("bills.key", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(12))
    """``sponsor`` or ``cosponsor``."""
    person_id: Mapped[str | None] = mapped_column(String(100), default=None)
    name: Mapped[str] = mapped_column(String(200))
    since: Mapped[date | None] = mapped_column(Date, default=None)
    withdrawn: Mapped[date | None] = mapped_column(Date, default=None)
    original: Mapped[bool | None] = mapped_column(Boolean, default=None)

    __table_args__ = (
        Index("ix_bill_sponsors_bill", "bill_key", "role"),
        Index("ix_bill_sponsors_person", "person_id"),
    )


class BillCommittee(Base):
    __tablename__ = "bill_committees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_key: Mapped[str] = mapped_column(ForeignKey("bills.key", ondelete="CASCADE"))
    committee_id: Mapped[str | None] = mapped_column(String(100), default=None)
    """The directory's id (``SSGA``, ``ocd-organization/...``); None if only a name is known."""
    name: Mapped[str] = mapped_column(String(300))
    chamber: Mapped[str | None] = mapped_column(String(20), default=None)
    referred: Mapped[date | None] = mapped_column(Date, default=None)
    current: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_bill_committees_bill", "bill_key", "current"),)


class BillEvent(Base):
    """Something that happened to a bill, recorded the first time a sync saw it."""

    __tablename__ = "bill_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_key: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(300))
    """``referred:senate:SSGA``, ``passed:house``, ``hearing:<id>:<day>``, ``signed``..."""
    kind: Mapped[str] = mapped_column(String(20))
    """``referred``, ``hearing``, ``passed_chamber``, ``passed``, ``signed``, ``vetoed``,
    ``failed`` or ``withdrawn``."""
    day: Mapped[date | None] = mapped_column(Date, default=None)
    """When it happened (a hearing: the day it takes place)."""
    detail: Mapped[str] = mapped_column(Text, default="{}")
    """JSON: chamber, committees, the hearing's time and place..."""
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("bill_key", "key", name="uq_bill_events"),)


class BillStepFiring(Base):
    """A campaign step fired by a bill event (once per campaign, step, event and mode)."""

    __tablename__ = "bill_step_firings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(100))
    step: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[int] = mapped_column(ForeignKey("bill_events.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(8))
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """When its post goes out (None: the step posts nothing)."""
    posts: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (
        UniqueConstraint("campaign_id", "step", "event_id", "mode", name="uq_bill_step_firings"),
        Index("ix_bill_step_firings_campaign", "campaign_id", "mode", "fired_at"),
    )


class BillHttpCache(Base):
    __tablename__ = "bill_http_cache"

    url: Mapped[str] = mapped_column(String(1000), primary_key=True)
    """Without any key (keys travel in headers)."""
    etag: Mapped[str | None] = mapped_column(String(300), default=None)
    last_modified: Mapped[str | None] = mapped_column(String(100), default=None)
    body: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BillScan(Base):
    __tablename__ = "bill_scans"

    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    """``congress.gov:119:senate`` or ``openstates:mo``."""
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime())
