"""The post log as people read it: filters, pages by key, bounded counts, streamed exports.

What ``advocacy-bot log`` and the dashboard's log page ask of the log, apart
from :mod:`bot.store.queries` (the planner's and the worker's queries) so
that a command listing the log imports SQLAlchemy and the models only, not
the campaign schema and the planner.

Every query here costs what its answer holds, not what the log holds:

- pages go by key (``created_at, id`` below or above a post's), never OFFSET,
  over ``ix_posts_created`` (or a filter's index);
- :func:`count_matching` counts at most ``cap`` rows, and says when there are
  more, instead of counting the whole log on every page;
- :func:`logged_people` walks ``ix_post_targets_cooldown`` from one person to
  the next (a loose index scan), one seek per person, not a GROUP BY of
  every target ever addressed;
- the exports (``log --csv``, ``log --json``, the dashboard's CSV) are
  :mod:`bot.store.exports`: the database writes each chunk's lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session, selectinload

from bot.store import search
from bot.store.exports import COLUMNS as COLUMNS  # where they were, for callers
from bot.store.exports import LogFilter as LogFilter
from bot.store.models import CampaignRun, Post, PostTarget


def conditions(filters: LogFilter) -> list[Any]:
    """The WHERE clauses of ``filters`` over :class:`~bot.store.models.Post`."""
    where: list[Any] = []
    if filters.campaign:
        where.append(Post.campaign_id == filters.campaign)
    if filters.platform:
        where.append(Post.platform == filters.platform)
    if filters.status:
        where.append(Post.status == filters.status)
    if filters.since:
        where.append(Post.created_at >= filters.since)
    if filters.until:
        where.append(Post.created_at < filters.until)
    if filters.bill:
        where.append(Post.bill == filters.bill)
    if filters.account:
        where.append(Post.account == filters.account)
    if filters.person:
        where.append(
            Post.id.in_(select(PostTarget.post_id).where(PostTarget.person_id == filters.person))
        )
    if filters.text:
        # Contains, ignoring case (bot.store.search says exactly what matches).
        where.append(Post.text.ilike(search.escaped(filters.text), escape="/"))
    return where


def log_query(filters: LogFilter) -> Select[Post]:
    """A SELECT of posts matching ``filters``, newest first, with their targets."""
    query = select(Post).options(selectinload(Post.targets)).where(*conditions(filters))
    return query.order_by(Post.created_at.desc(), Post.id.desc())


@dataclass(frozen=True)
class Key:
    """A post's place in the log's order: pages start below (older) or above (newer) it."""

    created_at: datetime
    id: int


def older_than(key: Key) -> Any:
    """Posts after ``key`` in newest-first order; the first conjunct bounds the index range."""
    return and_(
        Post.created_at <= key.created_at,
        or_(Post.created_at < key.created_at, Post.id < key.id),
    )


def newer_than(key: Key) -> Any:
    return and_(
        Post.created_at >= key.created_at,
        or_(Post.created_at > key.created_at, Post.id > key.id),
    )


def post_key(session: Session, post_id: int) -> Key | None:
    """The key of post ``post_id`` (one primary-key lookup), None if there is none."""
    row = session.execute(select(Post.created_at, Post.id).where(Post.id == post_id)).first()
    return Key(row[0], row[1]) if row else None


def list_posts(
    session: Session,
    filters: LogFilter,
    limit: int = 100,
    offset: int = 0,
    *,
    before: Key | None = None,
    after: Key | None = None,
) -> list[Post]:
    """Posts matching ``filters``, newest first, with their targets.

    ``before``: the page of posts older than that key; ``after``: the page of
    posts just newer than it (read oldest first from the key, returned newest
    first). ``offset`` remains for callers that page by number; the dashboard
    and the CLI page by key.

    A text search tries the text only on the posts the search index offers
    (:func:`bot.store.search.candidate_ids`) when it can narrow them.
    """
    narrowed = search.candidate_ids(session, filters.text)
    if narrowed is not None and not narrowed:
        return []
    where = conditions(filters)
    if narrowed is not None:
        where.append(Post.id.in_(narrowed))
    if after is not None:
        query = (
            select(Post)
            .options(selectinload(Post.targets))
            .where(*where, newer_than(after))
            .order_by(Post.created_at.asc(), Post.id.asc())
            .limit(limit)
        )
        return list(reversed(list(session.scalars(query))))
    query = select(Post).options(selectinload(Post.targets)).where(*where)
    query = query.order_by(Post.created_at.desc(), Post.id.desc())
    if before is not None:
        query = query.where(older_than(before))
    return list(session.scalars(query.limit(limit).offset(offset)))


def count_matching(session: Session, filters: LogFilter, cap: int) -> tuple[int, bool]:
    """How many posts match ``filters``, counting at most ``cap``: (count, more than cap).

    A page that counted every match (``COUNT(*)`` over the filtered log) read
    the whole log on every view; this reads at most ``cap + 1`` index entries
    (a text search, like its page, may read further to find them).
    """
    inner = select(Post.id).where(*conditions(filters)).limit(cap + 1).subquery()
    found = session.scalar(select(func.count()).select_from(inner)) or 0
    return min(found, cap), found > cap


def logged_people(session: Session, limit: int = 2000) -> list[tuple[str, str]]:
    """``(person_id, name)`` of the people the log addressed, by name; at most ``limit``.

    A loose index scan of ``ix_post_targets_cooldown`` (``person_id`` leads it):
    each step seeks the next person id, so the cost grows with the people
    addressed, not with the posts.
    """
    rows = session.execute(
        text(
            "WITH RECURSIVE people(id) AS ("
            " SELECT min(person_id) FROM post_targets"
            " UNION ALL"
            " SELECT (SELECT min(t.person_id) FROM post_targets t WHERE t.person_id > people.id)"
            " FROM people WHERE people.id IS NOT NULL"
            ") SELECT id, (SELECT n.name FROM post_targets n WHERE n.person_id = people.id"
            " LIMIT 1) FROM people WHERE id IS NOT NULL LIMIT :limit"
        ),
        {"limit": limit},
    ).all()
    return sorted(((str(i), str(n)) for i, n in rows), key=lambda row: (row[1], row[0]))


def logged_campaign_ids(session: Session) -> set[str]:
    """Every campaign id the log has a post or a run of."""
    posts = select(Post.campaign_id).distinct()
    runs = select(CampaignRun.campaign_id).distinct()
    return set(session.scalars(posts)) | set(session.scalars(runs))
