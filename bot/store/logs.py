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
- :func:`export_chunks` reads plain rows in chunks of :data:`EXPORT_CHUNK`,
  each one SELECT through the driver with no transaction of its own, the
  database formatting every value as the export writes it, so an export of
  a million posts streams in constant memory, with next to no Python per
  row, and never holds SQLite's lock while a slow client downloads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Dialect,
    Engine,
    Integer,
    Select,
    String,
    Text,
    and_,
    bindparam,
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
from bot.store.types import UTCDateTime

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
    if narrowed is not None:
        newest_first = after is None
        anchor = after if after is not None else before
        ids = _narrowed_ids(
            session, narrowed, conditions(filters), anchor, newest_first, limit + offset
        )
        if not ids:
            return []
        if newest_first:
            order = (Post.created_at.desc(), Post.id.desc())
        else:
            order = (Post.created_at.asc(), Post.id.asc())
        page = select(Post).options(selectinload(Post.targets)).where(Post.id.in_(ids))
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


# --- Exports: plain rows, streamed ------------------------------------------------------

# After id and created_at, the columns in COLUMNS' order (the targets go between status and text).
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
    reformatted here without parsing; PostgreSQL's driver hands back a naive
    datetime. (The exports have the database do this: :func:`_stamp`.)
    """
    if isinstance(value, str):
        micro = value[20:26].rstrip("0")
        return f"{value[:10]}T{value[11:19]}{'.' + value[20:26] if micro else ''}+00:00"
    aware: datetime = value.replace(tzinfo=UTC)
    return aware.isoformat()


#: ``created_at`` as :func:`iso_utc` writes it, by SQLite from the stored text
#: (``2026-03-02 15:00:00.120000`` -> ``2026-03-02T15:00:00.120000+00:00``).
_SQLITE_STAMP = (
    "substr(posts.created_at, 1, 10) || 'T' || substr(posts.created_at, 12, 8)"
    " || CASE WHEN substr(posts.created_at, 21, 6) IN ('', '000000') THEN ''"
    " ELSE '.' || substr(posts.created_at, 21, 6) END || '+00:00'"
)
#: The same by PostgreSQL from the stored ``timestamp``.
_POSTGRES_STAMP = (
    "to_char(posts.created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
    " || CASE WHEN date_trunc('second', posts.created_at) = posts.created_at THEN ''"
    " ELSE to_char(posts.created_at, '.US') END || '+00:00'"
)


def _stamp(dialect: str) -> Any:
    """``created_at`` as ISO 8601 text, made by the database (parsing and formatting
    each time in Python was a third of an export's time)."""
    return literal_column(_POSTGRES_STAMP if dialect == "postgresql" else _SQLITE_STAMP)


#: A post's targets in an export row: (person id, name, handle or None).
Target = tuple[str, str, str | None]


def _targets_json(dialect: str) -> Any:
    """A post's targets as one JSON array of ``[position, id, name, handle]``, per row.

    A correlated subquery over ``ix_post_targets_post`` (covering since migration
    0016_exports: no read of the table): the targets come with
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
    "coalesce((SELECT json_group_array(json(x)) FROM (SELECT json_object('id', t.person_id,"
    " 'name', t.name, 'handle', t.handle) AS x FROM post_targets AS t"
    " WHERE t.post_id = posts.id ORDER BY t.position)), '[]')"
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
    # json_agg of no rows is NULL
    return func.coalesce(
        select(cast(agg, Text)).where(target.post_id == Post.id).scalar_subquery(), "[]"
    )


def _targets_text(dialect: str) -> Any:
    """A post's targets as the CSV writes them, built by the database per row (NULL: none)."""
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


def _json_quoted(column: Any, dialect: str) -> Any:
    r"""``column`` as a JSON string literal (``null`` for NULL), quoted by the database.

    SQLite's ``json_quote`` and PostgreSQL's ``to_json`` escape as the standard
    library's encoder does with ``ensure_ascii=False``: a backslash before ``"``
    and ``\\``, the short escapes of control characters and a six-character
    ``u00XX`` escape for the others, every
    other character as it is.
    """
    if dialect == "postgresql":
        return func.coalesce(cast(func.to_json(column), Text), "null")
    return func.json_quote(column)


def _columns(shape: str, dialect: str) -> list[Any]:
    """The SELECT list of an export row of ``shape`` (see :func:`export_chunks`)."""
    if shape == "record":
        quoted = [_json_quoted(column, dialect) for column in _EXPORT_COLUMNS[:-1]]
        head, tail = quoted[:5], [*quoted[5:], Post.cost]
        return [Post.id, _stamp(dialect), *head, _targets_json_text(dialect), *tail]
    targets = {"list": _targets_json, "csv": _targets_text, "json": _targets_json_text}[shape]
    head, tail = list(_EXPORT_COLUMNS[:5]), list(_EXPORT_COLUMNS[5:])
    return [Post.id, _stamp(dialect), *head, targets(dialect), *tail]


_KEY_AT = bindparam("export_key_at", type_=UTCDateTime())
_KEY_ID = bindparam("export_key_id", type_=Integer())


def _driver_statement(
    statement: Select[Any], dialect: Dialect
) -> tuple[str, Callable[[dict[str, Any]], Any]]:
    """``statement`` compiled once: its SQL, and a function giving the driver's parameters
    (bound values converted by their column types, as SQLAlchemy would) for given keys."""
    compiled = statement.compile(dialect=dialect)
    processors = {
        name: bind.type.dialect_impl(dialect).bind_processor(dialect)
        for name, bind in compiled.binds.items()
    }

    def parameters(values: dict[str, Any]) -> Any:
        given = compiled.construct_params(values)
        converted = {
            name: (process(value) if (process := processors.get(name)) else value)
            for name, value in given.items()
        }
        if compiled.positiontup is not None:
            return tuple(converted[name] for name in compiled.positiontup)
        return converted

    return compiled.string, parameters


def export_chunks(
    new_session: Callable[[], Session],
    filters: LogFilter,
    limit: int | None = None,
    chunk: int = EXPORT_CHUNK,
    *,
    shape: str = "csv",
) -> Iterator[list[tuple[Any, ...]]]:
    """Every post matching ``filters`` (at most ``limit``), newest first, as lists of
    plain tuples, ``chunk`` posts a list.

    One value per name of :data:`COLUMNS`, formatted by the database so that
    a writer takes the rows as they come: ``created_at`` as ISO 8601 text
    (:func:`iso_utc`), and ``targets`` by ``shape``: ``"csv"`` as the CSV writes
    them (NULL for none), ``"json"`` as a JSON array of ``{id, name, handle}``
    to splice into a JSON document, ``"list"`` as :func:`_targets_json`'s
    array (see :func:`export_rows`); ``"record"`` is ``"json"`` with every text
    column a JSON literal too (:data:`JSON_RECORD`).

    Each chunk is one SELECT, walking the log by key, on a connection of the
    pool straight through the driver: no ORM objects, no SQLAlchemy rows, and
    no transaction of its own (on SQLite the read takes no write lock, and no
    snapshot is held between chunks while a slow client downloads).
    """
    with new_session() as session:
        engine = session.get_bind()
    assert isinstance(engine, Engine), "a session bound to an engine"
    dialect = engine.dialect
    query = (
        select(*_columns(shape, dialect.name))
        .where(*conditions(filters))
        .order_by(Post.created_at.desc(), Post.id.desc())
    )
    keyed = query.where(
        Post.created_at <= _KEY_AT, or_(Post.created_at < _KEY_AT, Post.id < _KEY_ID)
    )
    statements: dict[tuple[bool, int], tuple[str, Callable[[dict[str, Any]], Any]]] = {}
    key: dict[str, Any] = {}
    left = limit
    while left is None or left > 0:
        size = chunk if left is None else min(chunk, left)
        if (bool(key), size) not in statements:
            statement = (keyed if key else query).limit(size)
            statements[bool(key), size] = _driver_statement(statement, dialect)
        sql, parameters = statements[bool(key), size]
        # engine.connect() wraps a failure to connect as SQLAlchemy's error; the
        # driver's connection runs the SELECT, no transaction begun.
        with engine.connect() as wrapper:
            cursor = wrapper.connection.cursor()
            cursor.execute(sql, parameters(key))
            rows: list[tuple[Any, ...]] = list(cursor.fetchall())
            cursor.close()
        if rows:
            yield rows
        if len(rows) < size:
            return
        if left is not None:
            left -= len(rows)
        last = rows[-1]
        key = {"export_key_at": datetime.fromisoformat(last[1]), "export_key_id": last[0]}


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
    """:func:`export_chunks` a row at a time; ``targets_as="list"`` gives the targets
    as a list of :data:`Target`, ``"csv"`` and ``"json"`` as the database wrote them."""
    for rows in export_chunks(new_session, filters, limit, chunk, shape=targets_as):
        if targets_as != "list":
            yield from rows
            continue
        for row in rows:
            yield (*row[:7], _targets(row[7]), *row[8:])


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


def csv_chunks(
    new_session: Callable[[], Session], filters: LogFilter, limit: int | None = None
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of a CSV export, a chunk at a time, for ``csv.writer.writerows`` as they are."""
    return export_chunks(new_session, filters, limit, shape="csv")


#: One post of ``log --json`` from an ``export_chunks(shape="record")`` row: the text
#: as ``json.JSONEncoder(ensure_ascii=False).encode`` of the record writes it, but for
#: the targets, which are spliced in as the database wrote them.
JSON_RECORD = (
    '{"id": %d, "created_at": "%s", "campaign": %s, "bill": %s, "platform": %s, "account": %s,'
    ' "status": %s, "targets": %s, "text": %s, "remote_id": %s, "remote_url": %s,'
    ' "reason": %s, "error": %s, "cost": %r}'
)


def json_chunks(
    new_session: Callable[[], Session], filters: LogFilter, limit: int | None = None
) -> Iterator[str]:
    """The records of a JSON export, a chunk at a time: each a line, joined by ``,\\n``."""
    for rows in export_chunks(new_session, filters, limit, shape="record"):
        yield ",\n".join([JSON_RECORD % row for row in rows])
