"""The dashboard's numbers, each one or two aggregate queries over an index.

``posts per day``  posts that went out (``posted``, and ``dry_run`` rehearsals),
                   per UTC day and platform, over ``ix_posts_created``;
``per legislator`` who was addressed most, over ``ix_post_targets_cooldown``'s
                   leading column and the post's status;
``by status``      how many posts are in each state (failures, held, waiting);
``spend``          each X account's charges this calendar month (UTC) against
                   its cap (:func:`bot.guard.policy_for`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import ConfigError, Settings
from bot.store.models import Post, PostTarget, Status

SENT_STATES = (Status.POSTED.value, Status.DRY_RUN.value)
PLATFORMS = ("x", "facebook", "bluesky", "mastodon")


@dataclass
class DayCounts:
    day: date
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def posts_per_day(session: Session, now: datetime, days: int = 14) -> list[DayCounts]:
    """The last ``days`` UTC days (oldest first), each with its posts per platform."""
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), UTC)
    buckets = {first + timedelta(days=i): DayCounts(first + timedelta(days=i)) for i in range(days)}
    rows = session.execute(
        select(Post.created_at, Post.platform)
        .where(Post.created_at >= start, Post.status.in_(SENT_STATES))
        .order_by(Post.created_at)
    )
    for created, platform in rows:
        bucket = buckets.get(created.astimezone(UTC).date())
        if bucket is not None:
            bucket.counts[platform] = bucket.counts.get(platform, 0) + 1
    return list(buckets.values())


@dataclass(frozen=True)
class PersonCount:
    person_id: str
    name: str
    posts: int


def per_legislator(
    session: Session, now: datetime, days: int = 30, limit: int = 10
) -> list[PersonCount]:
    """Who the posts that went out in the last ``days`` addressed most."""
    start = now - timedelta(days=days)
    count = func.count(PostTarget.id)
    rows = session.execute(
        select(PostTarget.person_id, func.max(PostTarget.name), count)
        .join(Post, Post.id == PostTarget.post_id)
        .where(PostTarget.created_at >= start, Post.status.in_(SENT_STATES))
        .group_by(PostTarget.person_id)
        .order_by(count.desc(), PostTarget.person_id)
        .limit(limit)
    )
    return [PersonCount(person_id, name, posts) for person_id, name, posts in rows]


def by_status(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Post.status, func.count()).group_by(Post.status)).all())


@dataclass(frozen=True)
class Spend:
    account: str
    spent: float
    cap: float | None
    problem: str | None = None


def spend(
    session: Session, settings: Settings, now: datetime, accounts: Iterable[str]
) -> list[Spend]:
    """Each X account's live charges this month, with its monthly cap."""
    from bot.guard import month_start, policy_for

    spent = dict(
        session.execute(
            select(Post.account, func.coalesce(func.sum(Post.cost), 0.0))
            .where(Post.platform == "x", Post.mode == "live")
            .where(Post.updated_at >= month_start(now))
            .group_by(Post.account)
        ).all()
    )
    rows = []
    for account in sorted({*accounts, *spent}):
        try:
            cap = policy_for("x", account, settings).monthly_spend_cap
            problem = None
        except ConfigError as exc:
            cap, problem = None, str(exc)
        rows.append(Spend(account, float(spent.get(account, 0.0)), cap, problem))
    return rows


def recent(session: Session, statuses: Iterable[str], limit: int = 5) -> list[Post]:
    """The newest posts in ``statuses`` (over ``ix_posts_status_due``)."""
    return list(
        session.scalars(
            select(Post)
            .where(Post.status.in_(list(statuses)))
            .order_by(Post.updated_at.desc(), Post.id.desc())
            .limit(limit)
        )
    )
