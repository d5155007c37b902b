"""The exports of the post log: ``log --csv``, ``log --json`` and the dashboard's CSV.

The database writes them. Each chunk of :data:`CHUNK` posts is one SELECT that
returns one text, the chunk's lines as the export writes them: SQLite's
``group_concat`` or PostgreSQL's ``string_agg`` of one line per post, each
value quoted as ``csv.writer`` quotes it (or as ``json.JSONEncoder(ensure_ascii=
False)`` writes it), so Python only writes each chunk out. Turning every row
into a tuple of Python values and handing it to ``csv.writer`` was most of an
export's time; on PostgreSQL the rows' transfer too.

The chunks walk the log by key (``created_at, id`` below the last post
written), each a SELECT of its own through the driver with no transaction
around it: on SQLite a chunk takes no lock, and nothing stays open between
chunks while a slow client downloads.

PostgreSQL (:func:`_postgres_chunks`): chunks of :data:`POSTGRES_CHUNK` posts
between keys walked ahead, :data:`WORKERS` formatted at once on connections
of their own, each a statement in a short transaction of its own; the
targets of a chunk are joined from one index range (:func:`chunk_sql`); the
CSV is ``COPY ... TO STDOUT (FORMAT csv)``, quoted by PostgreSQL's C code
(:func:`copy_fields`), the JSON one ``string_agg`` of ``concat()`` lines.
The output is the same as before, and as SQLite's, except that a field
holding a bare ``\\r`` is quoted (as Python's csv.writer does since 3.11.9).

This module imports no SQLAlchemy: ``log --csv`` and ``log --json`` over SQLite
read through the standard library's driver, so the command's start-up is
Python's and click's (:func:`open_export`).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: Posts per chunk of an export on SQLite (one SELECT, one text).
CHUNK = 2000
#: Posts per chunk on PostgreSQL (one statement each, :func:`chunk_sql`).
POSTGRES_CHUNK = 10000

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

#: The text columns of posts, in COLUMNS' order, before and after the targets.
_HEAD = ("campaign_id", "bill", "platform", "account", "status")
_TAIL = ("text", "remote_id", "remote_url", "reason", "error")


@dataclass
class LogFilter:
    """The filters ``advocacy-bot log`` and the dashboard's log offer (here, without
    SQLAlchemy, for the exports; :func:`bot.store.logs.conditions` applies them to pages)."""

    campaign: str | None = None
    platform: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    bill: str | None = None
    account: str | None = None
    person: str | None = None
    text: str | None = None


def _csv_quotes_cr() -> bool:
    """Whether this Python's ``csv.writer`` quotes a field holding a bare ``\\r`` with
    ``lineterminator="\\n"`` (3.11.9, 3.12.3 and later do: CPython gh-67044)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(["\r"])
    return out.getvalue().startswith('"')


#: What makes csv.writer quote a field here: the delimiter, the quote, a newline (and \r).
_CSV_SPECIAL = ',"\n' + ("\r" if _csv_quotes_cr() else "")


# -- SQLite ------------------------------------------------------------------------------

#: ``created_at`` as ``datetime.isoformat`` of the aware value writes it, by SQLite from
#: the stored text (``2026-03-02 15:00:00.120000`` -> ``2026-03-02T15:00:00.120000+00:00``).
SQLITE_STAMP = (
    "substr(posts.created_at, 1, 10) || 'T' || substr(posts.created_at, 12, 8)"
    " || CASE WHEN substr(posts.created_at, 21, 6) IN ('', '000000') THEN ''"
    " ELSE '.' || substr(posts.created_at, 21, 6) END || '+00:00'"
)
#: The CSV's targets column (``Name (@handle); Name``), NULL for none.
SQLITE_TARGETS_TEXT = (
    "(SELECT group_concat(x, '; ') FROM (SELECT CASE WHEN t.handle IS NULL OR t.handle = ''"
    " THEN t.name ELSE t.name || ' (@' || t.handle || ')' END AS x FROM post_targets AS t"
    " WHERE t.post_id = posts.id ORDER BY t.position))"
)
#: The JSON export's targets (``[{"id": ..., "name": ..., "handle": ...}]``).
SQLITE_TARGETS_JSON = (
    "coalesce((SELECT json_group_array(json(x)) FROM (SELECT json_object('id', t.person_id,"
    " 'name', t.name, 'handle', t.handle) AS x FROM post_targets AS t"
    " WHERE t.post_id = posts.id ORDER BY t.position)), '[]')"
)

#: ``repr`` of the cost, by Python (:func:`prepare`) unless it is 0, as most are.
SQLITE_COST = "CASE WHEN posts.cost = 0 THEN '0.0' ELSE py_repr(posts.cost) END"

# -- PostgreSQL --------------------------------------------------------------------------

POSTGRES_STAMP = (
    "to_char(posts.created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
    " || CASE WHEN date_trunc('second', posts.created_at) = posts.created_at THEN ''"
    " ELSE to_char(posts.created_at, '.US') END || '+00:00'"
)
#: ``repr`` of a float8 from its text (shortest digits that read back, as Python's),
#: given ``extra_float_digits`` 1 (PostgreSQL's default since 12; set by :func:`_chunks`):
#: PostgreSQL writes ``3`` where Python writes ``3.0``, and ``1e+15`` for Python's
#: ``1000000000000000.0`` (fixed notation up to 1e16 in Python, 1e15 in PostgreSQL).
_POSTGRES_DIGITS = "replace(split_part(ltrim(CAST(posts.cost AS TEXT), '-'), 'e', 1), '.', '')"
POSTGRES_COST = (
    "CASE WHEN CAST(posts.cost AS TEXT) ~ '^-?[0-9]+$' THEN CAST(posts.cost AS TEXT) || '.0'"
    " WHEN posts.cost = 'NaN' THEN 'nan' WHEN posts.cost = 'Infinity' THEN 'inf'"
    " WHEN posts.cost = '-Infinity' THEN '-inf'"
    " WHEN abs(posts.cost) >= 1e15 AND abs(posts.cost) < 1e16 THEN"
    " CASE WHEN posts.cost < 0 THEN '-' ELSE '' END"
    f" || CASE WHEN length({_POSTGRES_DIGITS}) <= 16 THEN rpad({_POSTGRES_DIGITS}, 16, '0') || '.0'"
    f" ELSE left({_POSTGRES_DIGITS}, 16) || '.' || substr({_POSTGRES_DIGITS}, 17) END"
    " ELSE CAST(posts.cost AS TEXT) END"
)


def _csv_field(value: str) -> str:
    """``value`` (SQL text, maybe NULL) as ``csv.writer`` writes it: quoted when it holds
    a delimiter, a quote or a line break (:data:`_CSV_SPECIAL`), NULL as nothing (SQLite:
    PostgreSQL's ``COPY`` quotes, :func:`copy_fields`)."""
    test = " OR ".join(f"instr({value}, char({ord(c)}))" for c in _CSV_SPECIAL)
    quoted = f"'\"' || replace({value}, '\"', '\"\"') || '\"'"
    return f"coalesce(CASE WHEN {test} THEN {quoted} ELSE {value} END, '')"


def _json_field(value: str, postgres: bool) -> str:
    """``value`` as a JSON literal (``null`` for NULL), as ``json.JSONEncoder(ensure_ascii=
    False)`` writes it: SQLite's ``json_quote`` and PostgreSQL's ``to_json`` escape
    alike (a backslash before ``"`` and ``\\``, the short escapes of control
    characters, ``\\u00XX`` for the others, every other character as it is)."""
    if postgres:
        return f"coalesce(CAST(to_json({value}) AS TEXT), 'null')"
    return f"json_quote({value})"


def targets_sql(shape: str) -> str:
    """A post's targets as the SQLite export of ``shape`` writes them (a subquery on
    ``posts.id``; PostgreSQL's: :func:`chunk_sql`)."""
    return SQLITE_TARGETS_TEXT if shape == "csv" else SQLITE_TARGETS_JSON


def line_sql(shape: str) -> str:
    """The SQL of one post's line of a SQLite export of ``shape`` (``"csv"`` or
    ``"json"``), over the columns of ``chunk`` (the posts' own, and ``targets`` as
    :func:`targets_sql`; PostgreSQL's: :func:`copy_fields`).

    A CSV line ends with ``\\n``; a JSON line is ``,\\n`` and the record (the
    writer drops the first ``,\\n``). Each column is named once or more (a
    test, then the value): the targets are a column of the chunk, not their
    subquery, which the database would run again at each mention.
    """
    stamp = SQLITE_STAMP.replace("posts.", "chunk.")
    # SQLite keeps -0.0 as 0: Python reads back 0.0 (repr '0.0') as it does here
    cost = SQLITE_COST.replace("posts.", "chunk.")
    if shape == "csv":
        fields = [
            "CAST(chunk.id AS TEXT)",
            stamp,
            *(_csv_field(f"chunk.{name}") for name in (*_HEAD, "targets", *_TAIL)),
            cost,
        ]
        return "(" + " || ',' || ".join(f"({field})" for field in fields) + " || '\n')"
    names = iter(COLUMNS)
    parts = [f"',\n{{\"{next(names)}\": ' || CAST(chunk.id AS TEXT)"]
    parts.append(f"', \"{next(names)}\": \"' || {stamp} || '\"'")
    for name in _HEAD:
        parts.append(f"', \"{next(names)}\": ' || {_json_field(f'chunk.{name}', False)}")
    parts.append(f"', \"{next(names)}\": ' || chunk.targets")
    for name in _TAIL:
        parts.append(f"', \"{next(names)}\": ' || {_json_field(f'chunk.{name}', False)}")
    parts.append(f"', \"{next(names)}\": ' || ({cost}) || '}}'")
    return "(" + " || ".join(f"({part})" for part in parts) + ")"


def _stored_time(value: Any, dialect: str) -> Any:
    """An aware datetime as the database compares it with ``created_at``: naive UTC on
    PostgreSQL, SQLAlchemy's stored text on SQLite."""
    naive = value.astimezone(UTC).replace(tzinfo=None)
    if dialect == "postgresql":
        return naive
    return naive.strftime("%Y-%m-%d %H:%M:%S.%f")


def _marker(dialect: str) -> Callable[[str], str]:
    """The driver's named parameter: ``%(name)s`` (psycopg) or ``:name`` (sqlite3)."""

    def mark(name: str) -> str:
        return f"%({name})s" if dialect == "postgresql" else f":{name}"

    return mark


def where_sql(filters: LogFilter, dialect: str) -> tuple[list[str], dict[str, Any]]:
    """The WHERE clauses of ``filters`` and their parameters, as
    :func:`bot.store.logs.conditions` means them (a test compares the two)."""
    mark = _marker(dialect)
    where: list[str] = []
    values: dict[str, Any] = {}
    for field, column in (
        ("campaign", "campaign_id"),
        ("platform", "platform"),
        ("status", "status"),
        ("bill", "bill"),
        ("account", "account"),
    ):
        if value := getattr(filters, field):
            where.append(f"posts.{column} = {mark(field)}")
            values[field] = value
    if filters.since:
        where.append(f"posts.created_at >= {mark('since')}")
        values["since"] = _stored_time(filters.since, dialect)
    if filters.until:
        where.append(f"posts.created_at < {mark('until')}")
        values["until"] = _stored_time(filters.until, dialect)
    if filters.person:
        where.append(
            f"posts.id IN (SELECT post_targets.post_id FROM post_targets"
            f" WHERE post_targets.person_id = {mark('person')})"
        )
        values["person"] = filters.person
    if filters.text:
        from bot.store.search import escaped

        # Contains, ignoring case, as bot.store.logs.conditions asks it.
        if dialect == "postgresql":
            where.append(f"posts.text ILIKE {mark('text')} ESCAPE '/'")
        else:
            where.append(f"lower(posts.text) LIKE lower({mark('text')}) ESCAPE '/'")
        values["text"] = escaped(filters.text)
    return where, values


#: Opens a driver connection for one chunk (a context manager).
Connect = Callable[[], AbstractContextManager[Any]]


def export_chunks(
    connect: Connect,
    dialect: str,
    filters: LogFilter,
    limit: int | None = None,
    chunk: int | None = None,
    *,
    shape: str = "csv",
) -> Iterator[str]:
    """Every post matching ``filters`` (at most ``limit``), newest first, as the lines of
    an export of ``shape`` (:func:`line_sql`), ``chunk`` posts a text.

    Each chunk is one SELECT on a connection ``connect()`` gives (the driver's, in
    autocommit: no transaction held between chunks), walking the log by key.
    """
    if dialect == "postgresql":
        yield from _postgres_chunks(connect, filters, limit, chunk or POSTGRES_CHUNK, shape)
        return
    chunk = chunk or CHUNK
    where, values = where_sql(filters, dialect)
    keyed = [
        *where,
        "posts.created_at <= :key_at",
        "(posts.created_at < :key_at OR posts.id < :key_id)",
    ]
    # group_concat keeps the chunk's order (SQLite keeps a materialized CTE's)
    aggregate = f"group_concat({line_sql(shape)}, '')"
    columns = ", ".join(f"posts.{name}" for name in ("id", "created_at", *_HEAD, *_TAIL, "cost"))
    targets = targets_sql(shape)

    def statement(conditions: list[str], size: int) -> str:
        clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = (
            f"SELECT {columns}, {targets} AS targets FROM posts{clause}"
            f" ORDER BY posts.created_at DESC, posts.id DESC LIMIT {int(size)}"
        )
        # The chunk's text, and the key of its last post (the oldest).
        return (
            f"WITH chunk AS MATERIALIZED ({rows})"
            f" SELECT lines.text, last.created_at, last.id"
            f" FROM (SELECT {aggregate} AS text FROM chunk) AS lines,"
            f" (SELECT created_at, id FROM chunk ORDER BY created_at, id LIMIT 1) AS last"
        )

    statements: dict[tuple[bool, int], str] = {}
    key: dict[str, Any] = {}
    left = limit
    while left is None or left > 0:
        size = chunk if left is None else min(chunk, left)
        if (bool(key), size) not in statements:
            statements[bool(key), size] = statement(keyed if key else where, size)
        with connect() as connection:
            cursor = connection.cursor()
            cursor.execute(statements[bool(key), size], {**values, **key})
            found = cursor.fetchone()
            cursor.close()
        if found is None:
            return
        text, key_at, key_id = found
        yield text
        if left is not None:
            left -= size
        key = {"key_at": key_at, "key_id": key_id}
        # A short chunk is the last; asking again costs one empty SELECT.


# -- PostgreSQL's chunks -----------------------------------------------------------------

#: One target of a post as each export writes it (``t``: a row of post_targets), and
#: what joins a post's targets (in ``position`` order). The JSON is what PostgreSQL's
#: ``json_agg(json_build_object(...))`` wrote before, made by concatenation.
_TARGET = {
    "csv": (
        "CASE WHEN t.handle IS NULL OR t.handle = '' THEN t.name"
        " ELSE t.name || ' (@' || t.handle || ')' END",
        "; ",
    ),
    "json": (
        "concat('{\"id\" : ', coalesce(CAST(to_json(t.person_id) AS TEXT), 'null'),"
        " ', \"name\" : ', coalesce(CAST(to_json(t.name) AS TEXT), 'null'),"
        " ', \"handle\" : ', coalesce(CAST(to_json(t.handle) AS TEXT), 'null'), '}')",
        ", ",
    ),
}

#: A chunk whose posts' ids span less than this many times their number reads its
#: posts' targets in one range of ``ix_post_targets_post`` (the usual case: ids grow
#: with ``created_at``); a sparser one (a filter, posts written out of order) asks
#: for each post's targets, as a range would read too many others.
DENSE = 4

#: ``work_mem`` of a chunk's statement on PostgreSQL (its transaction's own): the
#: chunk's rows are sorted again after the targets' join, which at the default 4 MB
#: spilled to disk and doubled a JSON chunk's time.
WORK_MEM = "64MB"

#: Chunks of a PostgreSQL export formatted at once, each on a connection of its own.
WORKERS = 2


def copy_fields(shape: str) -> str:
    """The select list of one post's row of a PostgreSQL export of ``shape``, over the
    columns of ``chunk`` (the posts' own, and ``targets``: NULL for none).

    CSV: the columns, which ``COPY`` quotes in C as ``csv.writer`` does, with
    one difference: ``COPY`` quotes an empty string (its NULL is the empty
    field), so a text column is NULL where it is empty; it also quotes a
    bare ``\\r``, as ``csv.writer`` does since Python 3.11.9 (gh-67044;
    earlier ones leave it bare, which csv readers take for a line break).
    JSON: the line as :func:`line_sql` writes it (``,\\n`` and the record), by
    ``concat()`` in one pass (a chain of ``||`` copies the growing line at each
    step, which was most of a JSON chunk's time).
    """
    stamp = POSTGRES_STAMP.replace("posts.", "chunk.")
    cost = POSTGRES_COST.replace("posts.", "chunk.")
    if shape == "csv":
        texts = (f"NULLIF(chunk.{name}, '')" for name in (*_HEAD, "targets", *_TAIL))
        return ", ".join(["chunk.id", stamp, *texts, cost])
    names = iter(COLUMNS)
    parts = [f"',\n{{\"{next(names)}\": '", "chunk.id", f'\', "{next(names)}": "\'', stamp]
    parts.append("'\"'")
    for name in _HEAD:
        parts += [f"', \"{next(names)}\": '", _json_field(f"chunk.{name}", True)]
    parts += [f"', \"{next(names)}\": '", "coalesce('[' || chunk.targets || ']', '[]')"]
    for name in _TAIL:
        parts += [f"', \"{next(names)}\": '", _json_field(f"chunk.{name}", True)]
    parts += [f"', \"{next(names)}\": '", f"({cost})", "'}'"]
    return f"concat({', '.join(parts)})"


def chunk_sql(shape: str, conditions: list[str], size: int | None) -> str:
    """The posts of one chunk of a PostgreSQL export, newest first, with their
    ``targets`` (joined, NULL for none), as ``chunk``'s rows for :func:`copy_fields`.

    The targets of a dense chunk (:data:`DENSE`) are one range scan of
    ``ix_post_targets_post``, grouped; of a sparse one, a subquery per post (a
    subquery per post was most of the server's time). Both aggregate a subquery
    sorted by position (the index's order), not ``string_agg(... ORDER BY)``,
    which sorts each post's targets apart.
    """
    target, sep = _TARGET[shape]
    columns = ", ".join(f"posts.{name}" for name in ("id", "created_at", *_HEAD, *_TAIL, "cost"))
    clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    dense = "(SELECT span.dense FROM span)"
    limit = "" if size is None else f" LIMIT {int(size)}"
    return (
        f"WITH rows AS MATERIALIZED (SELECT {columns} FROM posts{clause}"
        f" ORDER BY posts.created_at DESC, posts.id DESC{limit}),"
        f" span AS MATERIALIZED (SELECT min(rows.id) AS low, max(rows.id) AS high,"
        f" max(rows.id) - min(rows.id) < {DENSE} * count(*) AS dense FROM rows),"
        f" joined AS (SELECT s.post_id, string_agg(s.x, '{sep}') AS targets"
        f" FROM (SELECT t.post_id, {target} AS x FROM post_targets AS t WHERE {dense}"
        f" AND t.post_id BETWEEN (SELECT span.low FROM span) AND (SELECT span.high FROM span)"
        f" ORDER BY t.post_id, t.position) AS s GROUP BY s.post_id)"
        f" SELECT rows.*, CASE WHEN {dense} THEN joined.targets ELSE"
        f" (SELECT string_agg(s.x, '{sep}') FROM (SELECT {target} AS x FROM post_targets AS t"
        f" WHERE t.post_id = rows.id ORDER BY t.position) AS s) END AS targets"
        f" FROM rows LEFT JOIN joined ON joined.post_id = rows.id"
    )


def _postgres_chunks(
    connect: Connect, filters: LogFilter, limit: int | None, chunk: int, shape: str
) -> Iterator[str]:
    """:func:`export_chunks` on PostgreSQL, :data:`WORKERS` chunks at a time.

    Each chunk is the posts between two keys: this thread walks the keys
    (the ``chunk``-th post on from the last, a walk of ``ix_posts_created``),
    and the workers format the chunks between them, each on a connection of
    its own, yielded in order. CSV: one ``COPY (SELECT ...) TO STDOUT``,
    quoted by PostgreSQL, a row at a time. JSON: one SELECT of the chunk's
    lines as one text (JSON needs no quoting ``to_json`` does not do). The
    formatting is the server's work; two chunks at once use a second core.
    """
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    where, values = where_sql(filters, "postgresql")
    before = [
        "posts.created_at <= %(key_at)s",
        "(posts.created_at < %(key_at)s OR posts.id < %(key_id)s)",
    ]
    since = [
        "posts.created_at >= %(low_at)s",
        "(posts.created_at > %(low_at)s OR posts.id >= %(low_id)s)",
    ]
    fields = copy_fields(shape)
    order = "chunk.created_at DESC, chunk.id DESC"

    def statement(conditions: list[str], size: int | None) -> str:
        rows = chunk_sql(shape, conditions, size)
        if shape == "csv":
            return (
                f"COPY (SELECT {fields} FROM ({rows}) AS chunk ORDER BY {order})"
                " TO STDOUT (FORMAT csv)"
            )
        return f"SELECT string_agg({fields}, '' ORDER BY {order}) FROM ({rows}) AS chunk"

    def last_of(key: dict[str, Any], size: int) -> dict[str, Any] | None:
        """The key of the ``size``-th post from ``key`` on (None: fewer are left)."""
        conditions = [*where, *(before if key else [])]
        clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        with connect() as connection:
            cursor = connection.cursor()
            cursor.execute(
                f"SELECT posts.created_at, posts.id FROM posts{clause}"
                f" ORDER BY posts.created_at DESC, posts.id DESC OFFSET {int(size) - 1} LIMIT 1",
                {**values, **key},
            )
            found = cursor.fetchone()
            cursor.close()
        return None if found is None else {"key_at": found[0], "key_id": found[1]}

    def formatted(key: dict[str, Any], low: dict[str, Any] | None, size: int) -> str:
        """The chunk from ``key`` (exclusive) down to ``low`` (inclusive), or of ``size``
        posts when it is the last."""
        conditions = [*where, *(before if key else []), *(since if low else [])]
        bounds = {"low_at": low["key_at"], "low_id": low["key_id"]} if low else {}
        with connect() as connection, connection.transaction():
            cursor = connection.cursor()
            # The chunk's lines are sorted again after the targets' join: in memory.
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            query = statement(conditions, None if low else size)
            if shape == "csv":
                rows = []
                with cursor.copy(query, {**values, **key, **bounds}) as copy:
                    while row := copy.read():
                        rows.append(row)
                text = b"".join(rows).decode()
            else:
                cursor.execute(query, {**values, **key, **bounds})
                text = cursor.fetchone()[0] or ""
            cursor.close()
        return str(text)

    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="export")
    pending: deque[Future[str]] = deque()
    key: dict[str, Any] = {}
    left = limit
    walking = True
    try:
        while walking or pending:
            while walking and len(pending) < WORKERS + 1:
                size = chunk if left is None else min(chunk, left)
                low = last_of(key, size)
                pending.append(pool.submit(formatted, key, low, size))
                if low is None:
                    walking = False  # fewer than a chunk left: this one is the last
                    break
                key = low
                if left is not None:
                    left -= size
                    walking = left > 0
            text = pending.popleft().result()
            if text:
                yield text
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def prepare(connection: Any, dialect: str) -> None:
    """Make a driver connection ready to run exports: SQLite's ``py_repr`` (a float as
    Python's ``repr`` writes it, as ``csv.writer`` and ``json`` do), PostgreSQL's float
    text as :data:`POSTGRES_COST` expects it."""
    if dialect == "postgresql":
        cursor = connection.cursor()
        cursor.execute("SET extra_float_digits = 1")
        cursor.close()
    else:
        connection.create_function("py_repr", 1, repr, deterministic=True)


def csv_texts(chunks: Iterable[str]) -> Iterator[str]:
    """An export's CSV, a chunk at a time: the header row, then the chunks."""
    yield ",".join(COLUMNS) + "\n"
    yield from chunks


def json_texts(chunks: Iterable[str]) -> Iterator[str]:
    """An export's JSON, a chunk at a time: one array, a record per line."""
    first = True
    for text in chunks:
        yield "[" + text[1:] if first else text
        first = False
    yield "[]\n" if first else "\n]\n"


class DriverConnections:
    """Driver connections to one database URL for exports, without SQLAlchemy.

    One connection a thread (a PostgreSQL export formats chunks on
    :data:`WORKERS` threads), opened at its first chunk and reused (autocommit:
    each chunk is its own statement), all closed by :meth:`close`.
    """

    def __init__(self, url: str, *, busy_timeout: float) -> None:
        import threading

        self.dialect = dialect_of(url) or "sqlite"
        self.url = url
        self.busy_timeout = busy_timeout
        self._lock = threading.Lock()
        self._local = threading.local()
        self._opened: list[Any] = []

    def _open(self) -> Any:
        connection: Any
        if self.dialect == "postgresql":
            import psycopg

            url = self.url
            for scheme in ("postgresql+psycopg://", "postgres://"):
                if url.startswith(scheme):
                    url = "postgresql://" + url.removeprefix(scheme)
            connection = psycopg.connect(url, autocommit=True, options="-c jit=off")
        else:
            import sqlite3

            connection = sqlite3.connect(
                sqlite_path(self.url), timeout=self.busy_timeout, isolation_level=None
            )
            connection.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        prepare(connection, self.dialect)
        return connection

    @contextmanager
    def __call__(self) -> Iterator[Any]:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._open()
            with self._lock:
                self._opened.append(connection)
        yield connection

    def close(self) -> None:
        import threading

        with self._lock:
            opened, self._opened = self._opened, []
            self._local = threading.local()
        for connection in opened:
            connection.close()


def dialect_of(url: str) -> str | None:
    """``"postgresql"``, ``"sqlite"`` or None (another database) for a database URL."""
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    return {"postgresql": "postgresql", "postgres": "postgresql", "sqlite": "sqlite"}.get(scheme)


def sqlite_path(url: str) -> str:
    """The file of a ``sqlite:///PATH`` URL (``sqlite://`` alone: in memory)."""
    rest = url.split("://", 1)[1]
    path = rest[1:] if rest.startswith("/") else rest
    return path.split("?", 1)[0] or ":memory:"


def pooled(engine: Any) -> Connect:
    """Connections of a SQLAlchemy engine's pool for an export (the web app's): the
    driver's connection, one checkout a chunk (returned, rolled back, after it)."""

    @contextmanager
    def connect() -> Iterator[Any]:
        with engine.connect() as wrapper:
            connection = wrapper.connection
            prepare(connection, engine.dialect.name)
            yield connection

    return connect


def driver_errors(dialect: str) -> tuple[type[BaseException], ...]:
    """The driver's error classes (what :class:`DriverConnections` raises)."""
    if dialect == "postgresql":
        import psycopg

        return (psycopg.Error,)
    import sqlite3

    return (sqlite3.Error,)


def open_current(url: str, *, busy_timeout: float) -> DriverConnections | None:
    """Driver connections to ``url`` if its schema is at the newest migration, else None
    (no schema, an older one, no such SQLite file, or in memory): the caller then
    opens :class:`bot.store.db.Database`, which migrates. No SQLAlchemy imported."""
    from bot.store.revision import head_revision

    if dialect_of(url) is None:
        return None
    connections = DriverConnections(url, busy_timeout=busy_timeout)
    if connections.dialect == "sqlite":
        path = sqlite_path(url)
        if path == ":memory:" or path.startswith("file:") or not os.path.isfile(path):
            return None
    with connections() as connection:
        cursor = connection.cursor()
        try:
            cursor.execute("SELECT version_num FROM alembic_version")
            found = [row[0] for row in cursor.fetchall()]
        except driver_errors(connections.dialect):
            found = []  # no schema yet
        finally:
            cursor.close()
    if found != [head_revision()]:
        connections.close()
        return None
    return connections
