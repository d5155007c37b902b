"""The dashboard's numbers, each read over an index and bounded by what it shows.

``posts per day``  posts that went out (``posted``, and ``dry_run`` rehearsals),
                   per UTC day and platform, counted by the database over
                   ``ix_posts_created`` (the last 14 days only);
``per legislator`` who was addressed most, from the posts of the last 30 days
                   (``ix_posts_created``) and their targets;
``by status``      how many posts are in each state, each count stopping at
                   :data:`COUNT_CAP` (the page says "more than"), so the
                   overview never counts the whole log;
``spend``          each X account's charges this calendar month (UTC) against
                   its cap (:func:`bot.guard.policy_for`), over
                   ``ix_posts_status_updated`` from the month's start;
``recent``         the latest failures, walking ``ix_posts_status_updated``
                   backwards per status.
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
    day = func.date(Post.created_at)  # stored in UTC: the UTC day, on SQLite and PostgreSQL
    rows = session.execute(
        select(day, Post.platform, func.count())
        .where(Post.created_at >= start, Post.status.in_(SENT_STATES))
        .group_by(day, Post.platform)
    )
    for when, platform, count in rows:
        bucket = buckets.get(when if isinstance(when, date) else date.fromisoformat(str(when)))
        if bucket is not None:
            bucket.counts[platform] = bucket.counts.get(platform, 0) + count
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
        # A post and its targets are written together: the posts' time index bounds the read.
        .where(Post.created_at >= start, PostTarget.created_at >= start)
        .where(Post.status.in_(SENT_STATES))
        .group_by(PostTarget.person_id)
        .order_by(count.desc(), PostTarget.person_id)
        .limit(limit)
    )
    return [PersonCount(person_id, name, posts) for person_id, name, posts in rows]


#: Each status's count on the overview stops here ("more than 10,000").
COUNT_CAP = 10_000

#: Every state a post can be in (bot.store.models.Status).
ALL_STATES = tuple(str(s) for s in Status)


def by_status(session: Session, cap: int = COUNT_CAP) -> dict[str, int]:
    """How many posts are in each state, each counted up to ``cap + 1``.

    A count above ``cap`` means "more than ``cap``" (:func:`over_cap`). One
    bounded range of ``ix_posts_status_created`` per state, instead of a
    GROUP BY that read every post of the log on every view.
    """
    counts: dict[str, int] = {}
    for status in ALL_STATES:
        inner = select(Post.id).where(Post.status == status).limit(cap + 1).subquery()
        found = session.scalar(select(func.count()).select_from(inner)) or 0
        if found:
            counts[status] = found
    return counts


def over_cap(counts: dict[str, int], cap: int = COUNT_CAP) -> set[str]:
    """The states of :func:`by_status` whose count stopped at the cap."""
    return {status for status, count in counts.items() if count > cap}


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
            # Every state listed: one seek per state into ix_posts_status_updated.
            .where(Post.status.in_(ALL_STATES), Post.updated_at >= month_start(now))
            .where(Post.platform == "x", Post.mode == "live")
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
    """The newest posts in ``statuses``, by when they were last updated.

    Each status walks ``ix_posts_status_updated`` backwards and stops at
    ``limit``; the newest ``limit`` of those are kept.
    """
    found: list[Post] = []
    for status in statuses:
        found += session.scalars(
            select(Post)
            .where(Post.status == status)
            .order_by(Post.updated_at.desc(), Post.id.desc())
            .limit(limit)
        )
    found.sort(key=lambda post: (post.updated_at, post.id), reverse=True)
    return found[:limit]
