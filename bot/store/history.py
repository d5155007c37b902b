"""What the guard reads from the post log about one post's account (its SQL's home).

:func:`bot.guard.load_history` assembles a :class:`bot.guard.History` from these
reads; the guard's rules (:func:`bot.guard.check`) are pure functions over it.
Every read counts the posts in the same mode (live posts against live caps, dry
runs only against each other) that went out or may have (:func:`sent_states`),
timed by ``updated_at`` (when the row was claimed or finalised).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from bot.clock import month_start
from bot.posts import Status
from bot.store.models import Post, PostTarget


def sent_states(mode: str) -> list[Status]:
    """The states of a post that went out or may have, in ``mode``."""
    if mode == "live":
        return [Status.POSTED, Status.SENDING, Status.UNKNOWN]
    return [Status.DRY_RUN, Status.SENDING]


@dataclass(frozen=True, slots=True)
class AccountCounts:
    """The account's sent posts: the last 24 hours, the calendar month, the last one."""

    posts_last_24h: int = 0
    oldest_in_last_24h: datetime | None = None
    posts_this_month: int = 0
    last_post_at: datetime | None = None
    spend_this_month: float = 0.0
    """The costs recorded this month."""
    pending_texts: tuple[str, ...] = ()
    """Texts of this month's posts still sending or unknown with no cost recorded yet
    (X only, when asked for: the caller prices them)."""


def _sent(post: Post, now: datetime) -> tuple[ColumnElement[bool], datetime, datetime]:
    day_ago = now - timedelta(hours=24)
    start = month_start(now)
    sent = and_(
        Post.platform == post.platform,
        Post.account == post.account,
        Post.mode == post.mode,
        Post.status.in_([str(s) for s in sent_states(post.mode)]),
        Post.updated_at >= min(day_ago, start),
        Post.id != post.id,
    )
    return sent, day_ago, start


def account_counts(
    session: Session, post: Post, now: datetime, *, pending: bool = False
) -> AccountCounts:
    """Counts of ``post``'s account's other sent posts, as of ``now``.

    One aggregate query bounded to the current month (or the last 24 hours,
    whichever starts earlier) on ``(platform, account)``; with ``pending``, one
    more for the texts of posts in flight whose cost is not recorded yet.
    """
    now = now.astimezone(UTC)
    sent, day_ago, start = _sent(post, now)
    in_day = Post.updated_at > day_ago
    in_month = Post.updated_at >= start
    posts_24h, oldest, posts_month, last, spend = session.execute(
        select(
            func.count().filter(in_day),
            func.min(Post.updated_at).filter(in_day),
            func.count().filter(in_month),
            func.max(Post.updated_at),
            func.coalesce(func.sum(Post.cost).filter(in_month), 0.0),
        ).where(sent)
    ).one()
    texts: tuple[str, ...] = ()
    if pending:
        texts = tuple(
            session.scalars(
                select(Post.text).where(
                    sent,
                    in_month,
                    Post.status.in_([str(Status.SENDING), str(Status.UNKNOWN)]),
                    Post.cost == 0,
                )
            )
        )
    return AccountCounts(
        posts_last_24h=int(posts_24h or 0),
        oldest_in_last_24h=aware(oldest),
        posts_this_month=int(posts_month or 0),
        last_post_at=aware(last),
        spend_this_month=float(spend or 0.0),
        pending_texts=texts,
    )


def same_text_account(session: Session, post: Post) -> str | None:
    """Another account of ``post``'s platform that sent (or is sending) its exact text."""
    return session.execute(
        select(Post.account)
        .where(
            Post.platform == post.platform,
            Post.text_hash == post.text_hash,
            Post.account != post.account,
            Post.mode == post.mode,
            Post.status.in_([str(s) for s in sent_states(post.mode)]),
        )
        .limit(1)
    ).scalar_one_or_none()


def post_targets(session: Session, post_id: int) -> list[tuple[str, str | None, str]]:
    """``(person id, handle, name)`` of each target of a post (handle None: named only)."""
    rows = session.execute(
        select(PostTarget.person_id, PostTarget.handle, PostTarget.name).where(
            PostTarget.post_id == post_id
        )
    ).all()
    return [(person, handle, name) for person, handle, name in rows]


@dataclass(frozen=True, slots=True)
class SentPost:
    """A post of the platform that went out (or may have), and whom it addressed."""

    account: str
    at: datetime
    text: str
    names: tuple[str, ...]
    """Its targets' names and handles."""
    tagged: tuple[str, ...]
    """The person ids it tagged (a handle written), in target order."""


def recent_on_platform(session: Session, post: Post, since: datetime) -> list[SentPost]:
    """Posts of ``post``'s platform (every account, this mode) sent or in flight since
    ``since``, and whom they address: the near-duplicate check's and the mention
    budget's history.

    Two statements: the posts on ``ix_posts_platform_status_updated`` (a range per
    state, so the cost follows the platform's posts in the window, not the log), then
    their targets on ``ix_post_targets_post``, 500 posts at a time.
    """
    rows = session.execute(
        select(Post.id, Post.account, Post.updated_at, Post.text).where(
            Post.platform == post.platform,
            Post.status.in_([str(s) for s in sent_states(post.mode)]),
            Post.updated_at >= since,
            Post.mode == post.mode,
            Post.id != post.id,
        )
    ).all()
    names: dict[int, list[str]] = {}
    tagged: dict[int, list[str]] = {}
    ids = sorted(post_id for post_id, *_ in rows)
    for start in range(0, len(ids), 500):
        for post_id, person_id, name, handle in session.execute(
            select(
                PostTarget.post_id, PostTarget.person_id, PostTarget.name, PostTarget.handle
            ).where(PostTarget.post_id.in_(ids[start : start + 500]))
        ):
            names.setdefault(post_id, []).extend(v for v in (name, handle) if v)
            if handle is not None:
                tagged.setdefault(post_id, []).append(person_id)
    found = []
    for post_id, account, updated, text in rows:
        at = aware(updated)
        if at is not None:
            found.append(
                SentPost(
                    account,
                    at,
                    text,
                    tuple(names.get(post_id, ())),
                    tuple(tagged.get(post_id, ())),
                )
            )
    return found


def aware(value: datetime | str | None) -> datetime | None:
    """A datetime read back from the database as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):  # some drivers hand aggregates back untyped
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
