"""SQLAlchemy models of the post log.

``posts``        one row per composed post, whatever became of it
``post_targets`` who each post tags or names (cooldown, rotation, filters)
``attempts``     one row per platform call for a post
``campaign_runs`` when each campaign last planned (missed-run policy, "due")
``pauses``       the kill switch: a flag per scope, read before every publish
``notices``      what the organisation was told (:mod:`bot.notify`), so it is told once

A post's ``status`` follows the states in DESIGN.md (see :class:`bot.posts.Status`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.posts import LIVE_STATES as LIVE_STATES  # re-exported: the log's states live in
from bot.posts import Status as Status  # bot.posts, which needs no SQLAlchemy
from bot.store.types import UTCDateTime


class Base(DeclarativeBase):
    pass


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    """sha256 of platform, account, campaign, bill, sorted target ids and text.

    Unique per mode: a dry run of a post never stands in for the real one.
    """
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    mode: Mapped[str] = mapped_column(String(8))
    """``dry_run`` or ``live``: dry runs never block live posts."""
    campaign_id: Mapped[str] = mapped_column(String(100))
    bill: Mapped[str] = mapped_column(String(100))
    platform: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(100))
    variant: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    """sha256 of the text alone: the same text never goes out twice from one account."""
    length: Mapped[int] = mapped_column(Integer)
    """The text's length as its platform counts it."""
    link: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    """Why a post was skipped or held."""
    error: Mapped[str | None] = mapped_column(Text, default=None)
    remote_id: Mapped[str | None] = mapped_column(String(200), default=None)
    remote_url: Mapped[str | None] = mapped_column(Text, default=None)
    cost: Mapped[float] = mapped_column(Float, default=0.0)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    """Attempts that count towards giving up: the platform answered with a temporary
    error while the account was otherwise working. Interruptions (a kill, a timeout)
    and failures during an outage of the whole account do not count."""
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(100), default=None)
    lease_expires: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """By the database's clock (:class:`bot.store.clock.DatabaseClock`), renewed while
    the holder's call is in flight."""
    claim_token: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Goes up at every claim, take-over and re-check; a write after a platform call
    must match the token it was claimed under (fencing: a stale worker's write is refused)."""
    approved_by: Mapped[str | None] = mapped_column(String(100), default=None)

    targets: Mapped[list[PostTarget]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="PostTarget.position"
    )
    attempts: Mapped[list[Attempt]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="Attempt.id"
    )

    __table_args__ = (
        UniqueConstraint("key", "mode", name="uq_posts_key_mode"),
        Index("ix_posts_account_text", "platform", "account", "text_hash"),
        Index("ix_posts_status_due", "status", "scheduled_for"),
        # A campaign's held and queued posts, soonest due first: the approvals page
        # filtered on a campaign, what goes out next (0020_queue).
        Index("ix_posts_campaign_status_due", "campaign_id", "status", "scheduled_for"),
        Index("ix_posts_campaign_created", "campaign_id", "created_at"),
        Index("ix_posts_created", "created_at"),
        # The log's and the dashboard's filtered listings, newest first (0004).
        Index(
            "ix_posts_campaign_platform_status_created",
            "campaign_id",
            "platform",
            "status",
            "created_at",
        ),
        Index("ix_posts_status_created", "status", "created_at"),
        # The worker's claim: each account's oldest due post, a seek per account, and
        # whether it has one in flight (0018; bot.store.queries.lock_next_due).
        Index(
            "ix_posts_claim",
            "status",
            "platform",
            "account",
            "mode",
            "next_attempt_at",
            "scheduled_for",
            "id",
        ),
        # The unknown posts due for a re-check (0006).
        Index("ix_posts_status_next_attempt", "status", "next_attempt_at"),
        # The guard's recent posts of a platform, every account: X's mention budget and
        # near-duplicate check (migration 0008).
        Index("ix_posts_platform_status_updated", "platform", "status", "updated_at"),
        # The overview's latest failures and month's spend, by when finalised (0012).
        Index("ix_posts_status_updated", "status", "updated_at"),
        # The planner's rotation: the newest post per platform, bill and variant (0005).
        Index(
            "ix_posts_campaign_rotation", "campaign_id", "platform", "bill", "variant", "created_at"
        ),
    )


class PostTarget(Base):
    __tablename__ = "post_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    handle: Mapped[str | None] = mapped_column(String(200), default=None)
    """The handle tagged, or None when the post names the person in plain text."""
    # Denormalised from the post so the cooldown check is one index lookup.
    platform: Mapped[str] = mapped_column(String(16))
    bill: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    post: Mapped[Post] = relationship(back_populates="targets")

    __table_args__ = (
        # Covering: the planner walks it newest first to each key's post (0005).
        Index("ix_post_targets_cooldown", "person_id", "bill", "platform", "created_at", "post_id"),
        # Covering for the exports' targets subquery (migration 0016_exports).
        Index("ix_post_targets_post", "post_id", "position", "person_id", "name", "handle"),
        # The log filtered to one person, newest first, by key (0018_filters); created_at
        # is the post's, so this is the log's order.
        Index("ix_post_targets_person_created", "person_id", "created_at", "post_id", "position"),
    )


class Attempt(Base):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    outcome: Mapped[str] = mapped_column(String(20))
    """``ok``, or a :class:`bot.platforms.base.Failure` value, or ``not_sent`` (a check
    confirmed an interrupted call left nothing), or ``late`` (an answer recorded after
    another worker had taken the post over)."""
    http_status: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    rate_limit_remaining: Mapped[int | None] = mapped_column(Integer, default=None)
    rate_limit_reset: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    worker: Mapped[str | None] = mapped_column(String(100), default=None)

    post: Mapped[Post] = relationship(back_populates="attempts")

    __table_args__ = (Index("ix_attempts_post", "post_id"),)


class CampaignRun(Base):
    __tablename__ = "campaign_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(100))
    mode: Mapped[str] = mapped_column(String(8))
    fire_time: Mapped[datetime] = mapped_column(UTCDateTime())
    """The scheduled time this run answers to."""
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime())
    planned: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (
        UniqueConstraint("campaign_id", "mode", "fire_time", name="uq_campaign_runs_fire"),
    )


class Pause(Base):
    __tablename__ = "pauses"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    """``all``, ``campaign:<id>`` or ``account:<platform>:<name>``."""
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """For automatic pauses (rate limits): paused until then."""


class NoticeRecord(Base):
    """One thing the organisation is (to be) told: a pause, an unknown post, a skipped run.

    Written by :func:`bot.notify.sweep`. A row is claimed (``claimed_until``) by the
    process sending it, so several processes sweeping at once send it once; ``sent_at``
    is set when every channel took it. When what it tells of is over (the account was
    resumed, the post resolved) the row is closed (``cleared_at``) and its key freed
    by appending ``#<id>``, so the same trouble happening again is told again.
    """

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    """What the notice is about: ``pause:<scope>:<kind>``, ``unknown:<post id>``,
    ``run:<campaign run id>``."""
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    delivered: Mapped[str] = mapped_column(String(100), default="", server_default="")
    """The channels that took it, comma-separated (``email,webhook``): a retry after one
    channel failed goes only to the others."""
    outcome: Mapped[str | None] = mapped_column(Text, default=None)
    """The last attempt, per channel (``email: sent; webhook: failed (HTTP 500)``);
    never a secret."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (UniqueConstraint("key", name="uq_notices_key"),)
