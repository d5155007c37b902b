"""The dashboard's numbers, each read over an index and bounded by what it shows.

``posts per day``  posts that went out (``posted``, and ``dry_run`` rehearsals),
                   per UTC day of creation and platform, read from
                   ``daily_counts`` (the last 14 days' rows only);
``per legislator`` who was addressed most by the posts that went out in the
                   last 30 UTC days, from ``daily_person_counts``;
``by status``      how many posts are in each state, exactly, from
                   ``post_counts`` (a row per campaign, platform, mode and state).

Those three tables are kept by the database as posts are written and change
state (:mod:`bot.store.counts`): the overview reads counts, never the posts
they count, so it costs the same at any length of log.

``spend``          each X account's charges this calendar month (UTC) against
                   its cap (:func:`bot.guard.policy_for`), over
                   ``ix_posts_platform_status_updated`` from the month's start;
``recent``         the latest failures, walking ``ix_posts_status_updated``
                   backwards per status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from bot.config import ConfigError, Settings
from bot.store.counts import SENT_STATES, DailyCount, DailyPersonCount, PostCount
from bot.store.models import Post, PostTarget, Status

PLATFORMS = ("x", "facebook", "bluesky", "mastodon")


@dataclass
class DayCounts:
    day: date
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def posts_per_day(session: Session, now: datetime, days: int = 14) -> list[DayCounts]:
    """The last ``days`` UTC days (oldest first), each with its posts per platform."""
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    buckets = {first + timedelta(days=i): DayCounts(first + timedelta(days=i)) for i in range(days)}
    rows = session.execute(
        select(DailyCount.day, DailyCount.platform, func.sum(DailyCount.posts))
        .where(DailyCount.day >= first, DailyCount.status.in_(SENT_STATES))
        .group_by(DailyCount.day, DailyCount.platform)
    )
    for when, platform, count in rows:
        bucket = buckets.get(_as_date(when))
        if bucket is not None and count:
            bucket.counts[platform] = bucket.counts.get(platform, 0) + int(count)
    return list(buckets.values())


@dataclass(frozen=True)
class PersonCount:
    person_id: str
    name: str
    posts: int


def per_legislator(
    session: Session, now: datetime, days: int = 30, limit: int = 10
) -> list[PersonCount]:
    """Who the posts that went out in the last ``days`` UTC days (today's included) addressed
    most, each with a name the log addressed them by."""
    first = now.astimezone(UTC).date() - timedelta(days=days - 1)
    total = func.sum(DailyPersonCount.posts).label("posts")
    most = (
        select(DailyPersonCount.person_id.label("person_id"), total)
        .where(DailyPersonCount.day >= first)
        .group_by(DailyPersonCount.person_id)
        .having(total > 0)
        .order_by(total.desc(), DailyPersonCount.person_id)
        .limit(limit)
        .subquery()
    )
    # A name each, from ix_post_targets_cooldown (person_id leads it): one seek each.
    name = (
        select(PostTarget.name)
        .where(PostTarget.person_id == most.c.person_id)
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(most.c.person_id, name, most.c.posts).order_by(most.c.posts.desc(), most.c.person_id)
    )
    return [
        PersonCount(person_id, name or person_id, int(posts)) for person_id, name, posts in rows
    ]


#: Every state a post can be in (bot.store.models.Status).
ALL_STATES = tuple(str(s) for s in Status)


def by_status(session: Session) -> dict[str, int]:
    """How many posts are in each state (states with none left out), from ``post_counts``."""
    rows = session.execute(
        select(PostCount.status, func.sum(PostCount.posts)).group_by(PostCount.status)
    )
    return {status: int(count) for status, count in rows if count}


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

    # A state at a time: one range of ix_posts_platform_status_updated each, from
    # the month's start (with every state in one IN list, SQLite took the
    # platform's rows of ix_posts_account_text instead: a quarter of the log).
    per_state = union_all(
        *(
            select(Post.account.label("account"), Post.cost.label("cost"))
            .where(Post.platform == "x", Post.status == status)
            .where(Post.updated_at >= month_start(now), Post.mode == "live")
            for status in ALL_STATES
        )
    ).subquery()
    spent = {
        account: float(cost)
        for account, cost in session.execute(
            select(per_state.c.account, func.coalesce(func.sum(per_state.c.cost), 0.0)).group_by(
                per_state.c.account
            )
        )
    }
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
