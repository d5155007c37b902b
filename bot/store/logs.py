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
- :func:`export_records` reads plain rows (no ORM objects) in chunks of
  :data:`EXPORT_CHUNK`, each in its own short transaction, so an export of a
  million posts streams in constant memory and never holds SQLite's lock
  while a slow client downloads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Select,
    String,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased, selectinload

from bot.store import search
from bot.store.models import CampaignRun, Post, PostTarget

#: Posts per chunk of an export (one SELECT of posts and one of their targets each).
EXPORT_CHUNK = 2000

#: The columns of ``log --csv``, ``log --json`` and the dashboard's CSV, in order.
COLUMNS = (
    "id",
    "created_at",
    "campaign",
    "bill",
    "platform",
    "account",
    "status",
    "targets",
    "text",
    "remote_id",
    "remote_url",
    "reason",
    "error",
    "cost",
)


@dataclass
class LogFilter:
    """The filters ``advocacy-bot log`` and the dashboard's log offer."""

    campaign: str | None = None
    platform: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    bill: str | None = None
    account: str | None = None
    person: str | None = None
    text: str | None = None


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


# --- Exports: plain rows, streamed ------------------------------------------------------

# After id and created_at (as stored, see iso_utc), the columns in COLUMNS' order.
_EXPORT_COLUMNS = (
    Post.campaign_id,
    Post.bill,
    Post.platform,
    Post.account,
    Post.status,
    Post.text,
    Post.remote_id,
    Post.remote_url,
    Post.reason,
    Post.error,
    Post.cost,
)


def iso_utc(value: Any) -> str:
    """A stored UTC time as ``datetime.isoformat`` of the aware value gives it.

    SQLite hands back the text SQLAlchemy stored (``2026-03-02 15:00:00.000000``),
    reformatted here without parsing (parsing was a third of an export's time);
    PostgreSQL's driver hands back a naive datetime.
    """
    if isinstance(value, str):
        micro = value[20:26].rstrip("0")
        return f"{value[:10]}T{value[11:19]}{'.' + value[20:26] if micro else ''}+00:00"
    aware: datetime = value.replace(tzinfo=UTC)
    return aware.isoformat()


def _stored_time(value: Any) -> datetime:
    """A stored UTC time (text on SQLite, naive on PostgreSQL) as an aware datetime."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC)


#: A post's targets in an export row: (person id, name, handle or None).
Target = tuple[str, str, str | None]


def _targets_json(dialect: str) -> Any:
    """A post's targets as one JSON array of ``[position, id, name, handle]``, per row.

    A correlated subquery over ``ix_post_targets_post``: the targets come with
    their post, with no second query and no list of ids to bind per chunk.
    """
    target = aliased(PostTarget)
    item_of = func.json_build_array if dialect == "postgresql" else func.json_array
    agg = func.json_agg if dialect == "postgresql" else func.json_group_array
    item = item_of(target.position, target.person_id, target.name, target.handle)
    return select(type_coerce(agg(item), String)).where(target.post_id == Post.id).scalar_subquery()


#: The CSV's targets column (``Name (@handle); Name``), made by SQLite per row.
_SQLITE_TARGETS_TEXT = (
    "(SELECT group_concat(x, '; ') FROM (SELECT CASE WHEN t.handle IS NULL OR t.handle = ''"
    " THEN t.name ELSE t.name || ' (@' || t.handle || ')' END AS x FROM post_targets AS t"
    " WHERE t.post_id = posts.id ORDER BY t.position))"
)


#: The JSON export's targets (``[{"id": ..., "name": ..., "handle": ...}]``), made by SQLite.
_SQLITE_TARGETS_JSON = (
    "(SELECT json_group_array(json(x)) FROM (SELECT json_object('id', t.person_id,"
    " 'name', t.name, 'handle', t.handle) AS x FROM post_targets AS t"
    " WHERE t.post_id = posts.id ORDER BY t.position))"
)


def _targets_json_text(dialect: str) -> Any:
    """A post's targets as JSON text, built by the database per row (spliced, not parsed)."""
    if dialect != "postgresql":
        return literal_column(_SQLITE_TARGETS_JSON)
    from sqlalchemy.dialects.postgresql import aggregate_order_by

    target = aliased(PostTarget)
    item = func.json_build_object(
        "id", target.person_id, "name", target.name, "handle", target.handle
    )
    agg = func.json_agg(aggregate_order_by(item, target.position))
    return select(cast(agg, Text)).where(target.post_id == Post.id).scalar_subquery()


def _targets_text(dialect: str) -> Any:
    """A post's targets as the CSV writes them, built by the database per row."""
    if dialect != "postgresql":
        return literal_column(_SQLITE_TARGETS_TEXT)
    from sqlalchemy.dialects.postgresql import aggregate_order_by

    target = aliased(PostTarget)
    shown = case(
        (or_(target.handle.is_(None), target.handle == ""), target.name),
        else_=target.name + " (@" + target.handle + ")",
    )
    agg = func.string_agg(shown, aggregate_order_by(literal("; "), target.position))
    return select(agg).where(target.post_id == Post.id).scalar_subquery()


_TEXT_DEFAULT: dict[str, Callable[[Any], str]] = {
    "csv": lambda value: value or "",
    "json": lambda value: value or "[]",  # PostgreSQL's json_agg of no rows is NULL
}


def _targets(value: Any) -> list[Target]:
    """:func:`_targets_json`'s value (text on SQLite, parsed on PostgreSQL) as targets."""
    items = json.loads(value) if isinstance(value, str) else value or []
    if len(items) > 1:
        items.sort(key=lambda item: item[0])
    return [(i, n, h) for _, i, n, h in items if i is not None]


def export_rows(
    new_session: Callable[[], Session],
    filters: LogFilter,
    limit: int | None = None,
    chunk: int = EXPORT_CHUNK,
    *,
    targets_as: str = "list",
) -> Iterator[tuple[Any, ...]]:
    """Every post matching ``filters`` (at most ``limit``), newest first, as plain tuples.

    One value per name of :data:`COLUMNS`; ``created_at`` as ISO 8601 text,
    ``targets`` as a list of :data:`Target` (``targets_as="list"``), or as
    text made by the database: ``"csv"`` as the CSV writes them, ``"json"`` as a
    JSON array of ``{id, name, handle}`` to splice into a JSON document. Each
    chunk is read in its own session (``new_session``), walking the log by
    key; SQLAlchemy Core on the session's connection, no ORM objects, one
    query a chunk.
    """
    last: Key | None = None
    left = limit
    query: Select[Any] | None = None
    while left is None or left > 0:
        size = chunk if left is None else min(chunk, left)
        with new_session() as session:
            connection = session.connection()
            if query is None:
                dialect = connection.dialect.name
                targets = {
                    "list": _targets_json,
                    "csv": _targets_text,
                    "json": _targets_json_text,
                }[targets_as](dialect)
                columns: list[Any] = [Post.id, type_coerce(Post.created_at, String)]
                query = (
                    select(*columns, *_EXPORT_COLUMNS, targets)
                    .where(*conditions(filters))
                    .order_by(Post.created_at.desc(), Post.id.desc())
                )
            page = query if last is None else query.where(older_than(last))
            rows: list[Any] = list(connection.execute(page.limit(size)).all())
        unpack = _targets if targets_as == "list" else _TEXT_DEFAULT[targets_as]
        for post_id, stamp, *rest in rows:
            yield (post_id, iso_utc(stamp), *rest[:5], unpack(rest[-1]), *rest[5:-1])
        if len(rows) < size:
            return
        if left is not None:
            left -= len(rows)
        last = Key(_stored_time(rows[-1][1]), rows[-1][0])


def export_records(
    new_session: Callable[[], Session],
    filters: LogFilter,
    limit: int | None = None,
    chunk: int = EXPORT_CHUNK,
) -> Iterator[dict[str, Any]]:
    """:func:`export_rows` as records, the shape of ``log --json``.

    Targets as a list of ``{id, name, handle}``.
    """
    for row in export_rows(new_session, filters, limit, chunk):
        record = dict(zip(COLUMNS, row, strict=True))
        record["targets"] = [{"id": i, "name": n, "handle": h} for i, n, h in row[7]]
        yield record


def csv_targets(targets: list[Target]) -> str:
    """Targets as the CSV exports write them: ``Name (@handle); Name``."""
    return "; ".join(f"{name} (@{handle})" if handle else name for _, name, handle in targets)


def csv_rows(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[Any]]:
    """:func:`export_rows` as CSV rows (the targets column flattened, unless it is text)."""
    for row in rows:
        flat = list(row)
        if not isinstance(row[7], str):
            flat[7] = csv_targets(row[7])
        yield flat


def csv_export(
    new_session: Callable[[], Session], filters: LogFilter, limit: int | None = None
) -> Iterator[tuple[Any, ...]]:
    """The rows of a CSV export, the targets column joined by the database."""
    return export_rows(new_session, filters, limit, targets_as="csv")
