"""The post log as people read it: filters, pages by key, bounded counts, streamed exports.

What ``advocacy-bot log`` and the dashboard's log page ask of the log, apart
from :mod:`bot.store.queries` (the planner's and the worker's queries) so
that a command listing the log imports SQLAlchemy and the models only, not
the campaign schema and the planner.

Every query here costs what its answer holds, not what the log holds:

- pages go by key (``created_at, id`` below or above a post's), never OFFSET,
  over ``ix_posts_created`` (or a filter's index); filtered to one person,
  over that person's targets newest first (``ix_post_targets_person_created``),
  each joined to its post;
- :func:`count_matching` counts at most ``cap`` rows, and says when there are
  more, instead of counting the whole log on every page;
- :func:`logged_people` walks ``ix_post_targets_cooldown`` from one person to
  the next (a loose index scan), one seek per person, not a GROUP BY of
  every target ever addressed;
- the exports (``log --csv``, ``log --json``, the dashboard's CSV) are
  :mod:`bot.store.exports`: the database writes each chunk's lines.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
from sqlalchemy.orm import Session, aliased, selectinload

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
    query, created, post_id = _matching(select(Post), filters)
    query = query.options(selectinload(Post.targets))
    return query.order_by(created.desc(), post_id.desc())


def _matching(query: Select[Any], filters: LogFilter) -> tuple[Select[Any], Any, Any]:
    """``query`` (of posts) narrowed to ``filters``, and the two columns of the log's order.

    Without a person, the order is the post's ``created_at, id``
    (``ix_posts_created`` or a filter's index). Filtered to one person, the
    query walks that person's targets instead, newest first
    (``ix_post_targets_person_created``: ``person_id, created_at, post_id``),
    joined to their posts: a target's ``created_at`` is its post's (written
    together by :func:`bot.store.queries.insert_planned`), so the target's
    ``created_at, post_id`` is the post's key and the same order. A post
    naming the person twice is met once (its first such target). The time
    filters bound the walk on the target's time too.

    ``posts.id IN (the person's targets)`` ordered by the post's time, as
    before, was walked from the whole log's newest post down (PostgreSQL
    probed each post's targets: 460,000 probes for a page of 51 at a million
    posts), or sorted all of the person's posts (SQLite).
    """
    if not filters.person:
        return query.where(*conditions(filters)), Post.created_at, Post.id
    query = query.select_from(PostTarget).join(Post, Post.id == PostTarget.post_id)
    rest = conditions(replace(filters, person=None, since=None, until=None))
    return query.where(*_targets_of(filters), *rest), PostTarget.created_at, PostTarget.post_id


def _targets_of(filters: LogFilter) -> list[Any]:
    """The person's targets (of ``filters.person``) in the time ``filters`` allow, one a post.

    A post naming the person twice is met at its first such target, found by
    a seek in the same index (a post's entries sit together: same person,
    time and post), for each target the walk reads: the cost follows the
    page. (``NOT EXISTS`` an earlier one let PostgreSQL read and sort every
    target of the person, for a merge anti-join.)
    """
    target, same = PostTarget, aliased(PostTarget)
    first = (
        select(func.min(same.position))
        .where(
            same.person_id == target.person_id,
            same.created_at == target.created_at,
            same.post_id == target.post_id,
        )
        .scalar_subquery()
    )
    where = [target.person_id == filters.person, target.position == first]
    if filters.since:
        where.append(target.created_at >= filters.since)
    if filters.until:
        where.append(target.created_at < filters.until)
    return where


@dataclass(frozen=True)
class Key:
    """A post's place in the log's order: pages start below (older) or above (newer) it."""

    created_at: datetime
    id: int


def older_than(key: Key, created: Any = Post.created_at, post_id: Any = Post.id) -> Any:
    """Posts after ``key`` in newest-first order; the first conjunct bounds the index range.

    ``created`` and ``post_id``: the columns of the order (:func:`_matching`'s).
    """
    return and_(
        created <= key.created_at,
        or_(created < key.created_at, post_id < key.id),
    )


def newer_than(key: Key, created: Any = Post.created_at, post_id: Any = Post.id) -> Any:
    return and_(
        created >= key.created_at,
        or_(created > key.created_at, post_id > key.id),
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
    (:func:`bot.store.search.narrowing`) when it can narrow them, and finds
    the page among them without reading every one: see :func:`_narrowed_ids`.
    """
    narrowed = search.narrowing(session, filters.text)
    if narrowed is not None and not narrowed.count:
        return []
    newest_first = after is None
    anchor = after if after is not None else before
    trigrams = narrowed is None and _trigram_search(session, filters)
    if narrowed is not None or trigrams:
        if narrowed is not None:
            ids = _narrowed_ids(
                session, narrowed, conditions(filters), anchor, newest_first, limit + offset
            )
        else:
            ids = _trigram_ids(session, filters, anchor, newest_first, limit + offset)
        if not ids:
            return []
        if newest_first:
            order = (Post.created_at.desc(), Post.id.desc())
        else:
            order = (Post.created_at.asc(), Post.id.asc())
        page = select(Post).options(selectinload(Post.targets)).where(Post.id.in_(ids))
        if trigrams:
            # The ids are the page, in order: each post is one primary-key lookup.
            # (ORDER BY ... LIMIT here let PostgreSQL walk ix_posts_created from the
            # newest post down to the last of them instead.) A post deleted since
            # its id was read is left out.
            by_id = {post.id: post for post in session.scalars(page)}
            wanted = ids[offset : offset + limit]
            found = [by_id[post_id] for post_id in wanted if post_id in by_id]
            return found if newest_first else found[::-1]
        found = list(session.scalars(page.order_by(*order).limit(limit).offset(offset)))
        return found if newest_first else found[::-1]
    query, created, post_id = _matching(select(Post), filters)
    query = query.options(selectinload(Post.targets))
    if after is not None:
        query = (
            query.where(newer_than(after, created, post_id))
            .order_by(created.asc(), post_id.asc())
            .limit(limit)
        )
        return list(reversed(list(session.scalars(query))))
    query = query.order_by(created.desc(), post_id.desc())
    if before is not None:
        query = query.where(older_than(before, created, post_id))
    return list(session.scalars(query.limit(limit).offset(offset)))


def _narrowed_ids(
    session: Session,
    narrowed: search.Narrowed,
    where: list[Any],
    anchor: Key | None,
    newest_first: bool,
    count: int,
) -> list[int]:
    """Ids holding at least the ``count`` first matches of a narrowed text search (SQLite).

    Ids follow the log's order (``created_at, id``) but for the posts listed in
    ``posts_search_displaced`` (bot.store.search): the others are walked in id
    order from the search index, which stops at ``count``; the displaced
    candidates (as a rule none) are tried all, ordered by key. The first
    ``count`` of both together, in the log's order, are the page. Before
    migration 0018, every candidate is tried, ordered by key.
    """
    beyond = older_than if newest_first else newer_than
    keyed = [*where, beyond(anchor)] if anchor is not None else where
    order = (Post.created_at.desc(), Post.id.desc())
    if not newest_first:
        order = (Post.created_at.asc(), Post.id.asc())
    if not search.has_order_table(session):
        tried = narrowed.ids()
        walked: list[int] = []
    else:
        tried = search.displaced_among(narrowed)
        # Past an anchor in order, the posts not displaced past it are those past its id.
        if anchor is None or search.in_order(session, anchor.id, anchor.created_at):
            bound = None if anchor is None else anchor.id
            below, above = (bound, None) if newest_first else (None, bound)
            walked = search.walk_ids(
                session, narrowed, where, below=below, above=above,
                newest_first=newest_first, count=count,
            )  # fmt: skip
        else:
            walked = search.walk_ids(
                session, narrowed, keyed, below=None, above=None,
                newest_first=newest_first, count=count,
            )  # fmt: skip
    # Only ids leave SQLite: each candidate tried is one primary-key lookup there.
    page = select(Post.id).where(Post.id.in_(tried), *keyed)
    return walked + list(session.scalars(page.order_by(*order).limit(count)))


def _trigram_search(session: Session, filters: LogFilter) -> bool:
    """Whether the page is found by :func:`_trigram_ids`: a text search on PostgreSQL, of
    three characters or more (what ``pg_trgm`` can serve), not filtered to a person
    (that walk follows the person's targets, bounded by them)."""
    return (
        filters.text is not None
        and len(filters.text) >= 3
        and not filters.person
        and session.get_bind().dialect.name == "postgresql"
    )


def _trigram_ids(
    session: Session, filters: LogFilter, anchor: Key | None, newest_first: bool, count: int
) -> list[int]:
    """Ids of the first ``count`` posts matching ``filters`` past ``anchor`` (PostgreSQL,
    a text search: see bot.store.search), in the log's order.

    First the :data:`~bot.store.search.WINDOW` posts next in the log's order
    (``ix_posts_created``), every filter tried on each: a common text fills
    its page there. Past the last of them (its key: ``edge``), the index is
    asked only for the rare pieces of the text (:func:`bot.store.search.rarest`,
    by how many posts of the window hold each; none rare: the whole text, as a
    plain query would), and the whole text and the filters are tried on what
    it finds, fenced off (``OFFSET 0``) so that PostgreSQL does not ask the
    index for every trigram of the text again: the index reads the short
    posting lists of the rare pieces, not those of the common ones, which
    grow with the log.

    Reading the rest in chunks of the key range, for PostgreSQL to intersect
    each chunk's range of ``ix_posts_created`` with the index's answer (a
    BitmapAnd) and stop at the first chunk that fills the page, was tried:
    PostgreSQL estimates a trigram search's matches at a handful whatever
    they are (2 for 1,942 at a million posts, once analysed), so it never
    intersected, and fetched every candidate once a chunk.
    """
    # PostgreSQL's dialect module (and asyncpg's, and asyncio) only where it is used:
    # at module level every command reading the log imported them (~20 ms of start-up).
    from sqlalchemy.dialects.postgresql import aggregate_order_by

    assert filters.text is not None
    beyond = older_than if newest_first else newer_than
    order = (Post.created_at.desc(), Post.id.desc())
    if not newest_first:
        order = (Post.created_at.asc(), Post.id.asc())
    # The text folded once a post: the pieces are ASCII, plain LIKE finds them (an
    # ILIKE folds the text again for each).
    folded = func.lower(Post.text).label("folded")
    near = select(Post.id, Post.created_at, folded, and_(*conditions(filters)).label("hit"))
    if anchor is not None:
        near = near.where(beyond(anchor))
    window = near.order_by(*order).limit(search.WINDOW).subquery()
    w = window.c
    # One row back: how many posts, the matches in order, the last post's key,
    # whether the index is there (a host without pg_trgm has none: the rest of the
    # log is read in its order, as before), and how many posts hold each piece.
    candidates = search.index_pieces(filters.text)
    summary = select(
        func.count(),
        func.array_agg(aggregate_order_by(w.id, *_keyed(w, newest_first))).filter(w.hit),
        func.array_agg(aggregate_order_by(w.id, *_keyed(w, not newest_first)))[1],
        func.min(w.created_at) if newest_first else func.max(w.created_at),
        func.to_regclass("ix_posts_text_trgm").is_not(None),
        *(func.count().filter(w.folded.like(f"%{piece}%")) for piece in candidates),
    )
    row = session.execute(summary).one()
    seen, hits, edge_id, edge_at, indexed = row[:5]
    hits = hits or []
    ids = hits[:count]
    if seen < search.WINDOW or len(ids) >= count:
        return ids
    edge = Key(edge_at, edge_id)
    rest = [*conditions(replace(filters, text=None)), beyond(edge)]
    whole = Post.text.ilike(search.escaped(filters.text), escape="/")
    counts = dict(zip(candidates, row[5:], strict=True))
    pieces = search.rarest(counts, seen) if indexed else []
    if not pieces:  # every piece is common (or no index): asked for the whole text
        query = select(Post.id).where(*rest, whole).order_by(*order)
        return ids + list(session.scalars(query.limit(count - len(ids))))
    asked = [Post.text.ilike(search.escaped(piece), escape="/") for piece in pieces]
    more = _fenced_ids(session, [*rest, *asked], filters.text, newest_first, count - len(ids))
    return ids + more


def _keyed(columns: Any, newest_first: bool) -> tuple[Any, Any]:
    """The log's order over ``columns`` (``created_at`` and ``id``), newest first or not."""
    if newest_first:
        return columns.created_at.desc(), columns.id.desc()
    return columns.created_at.asc(), columns.id.asc()


def _fenced_ids(
    session: Session, asked: list[Any], needle: str, newest_first: bool, count: int
) -> list[int]:
    """The first ``count`` ids, in the log's order, of the posts meeting ``asked`` whose
    text holds ``needle``: ``asked`` in a subquery PostgreSQL plans apart (``OFFSET 0``
    keeps the text's condition out of it, and so out of the index's question)."""
    inner = select(Post.id, Post.created_at, Post.text).where(*asked).offset(0).subquery()
    query = (
        select(inner.c.id)
        .where(inner.c.text.ilike(search.escaped(needle), escape="/"))
        .order_by(*_keyed(inner.c, newest_first))
        .limit(count)
    )
    return list(session.scalars(query))


def count_matching(session: Session, filters: LogFilter, cap: int) -> tuple[int, bool]:
    """How many posts match ``filters``, counting at most ``cap``: (count, more than cap).

    A page that counted every match (``COUNT(*)`` over the filtered log) read
    the whole log on every view; this reads at most ``cap + 1`` index entries
    (a text search, like its page, may read further to find them).
    """
    if filters.person and not conditions(replace(filters, person=None, since=None, until=None)):
        # The person's entries of ix_post_targets_person_created alone (posts not read).
        query = select(PostTarget.post_id).where(*_targets_of(filters))
    else:
        query, _, _ = _matching(select(Post.id), filters)
    inner = query.limit(cap + 1).subquery()
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
