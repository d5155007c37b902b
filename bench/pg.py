"""What the PostgreSQL sections share: their databases and the filled log.

``python -m bench --postgres URL`` names a database on a PostgreSQL server
whose role may create databases (``CREATEDB``). The sections never touch
that database itself: each works in a sibling database named after it
(``<name>_log_10000``, ``<name>_log_1000000``, ``<name>_planning``,
``<name>_workers``), created when missing. The filled logs are kept and
reused by the next run when they still hold the same fill (a comment on the
``posts`` table says which), so a million posts are written once, not on
every run; ``DROP DATABASE`` them when done.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.log import ACCOUNTS, CAMPAIGNS, NOW, PEOPLE, PLATFORMS, SECONDS_PER_POST, STATUSES

ENV = "BENCH_POSTGRES_URL"
#: Bump when :func:`fill` changes, so that kept logs are filled again.
FILL_VERSION = 2


def base_url() -> str | None:
    """The server the PostgreSQL sections use (``--postgres URL``, else $BENCH_POSTGRES_URL)."""
    url = os.environ.get(ENV, "").strip()
    if not url:
        return None
    for scheme in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(scheme):
            url = "postgresql://" + url.removeprefix(scheme)
    return url


def sibling(url: str, suffix: str) -> str:
    """``url`` with its database name followed by ``_suffix``."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path=f"/{name}_{suffix}"))


def connect(url: str, **kwargs: Any) -> Any:
    import psycopg

    return psycopg.connect(url, **kwargs)


def ensure_database(url: str, suffix: str) -> str:
    """The sibling database ``<name>_<suffix>`` of ``url``, created if missing; its URL."""
    target = sibling(url, suffix)
    name = urlsplit(target).path.lstrip("/")
    with connect(url, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if found.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
    return target


def reset(url: str) -> None:
    """Empty the database at ``url`` (its public schema dropped and made again)."""
    with connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


def _pick(salt: int, count: int) -> str:
    """bench/log.py's draw, in PostgreSQL's bigint arithmetic: the same row, the same value.

    ``%%`` is psycopg's escaped ``%`` (modulo): the statement it goes in has parameters.
    """
    return f"(((i + {salt}) * 2654435761) %% 4294967291 / 7 %% {count})"


def _array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"


def fill(url: str, rows: int, seed: int = 1) -> None:
    """``rows`` posts (and a target each) into the migrated, empty database at ``url``.

    The same log as bench/log.py's SQLite fill (same draws, same times), made
    by the server itself: ``INSERT ... SELECT`` over ``generate_series``, with
    the secondary indexes dropped while it writes and built again after (a
    million rows in about a minute, where index upkeep row by row took
    several), then ``VACUUM ANALYZE``. The tables' triggers (the overview's
    counts, migration 0017: an upsert per row, which took the million-row fill
    past half an hour) are disabled while it writes, and the counts are built
    from the rows at the end, as the migration builds them from an existing log.
    """
    from bot.store import counts

    start = (NOW - timedelta(seconds=SECONDS_PER_POST * rows)).replace(tzinfo=None)
    k = seed * 1_000
    status = f"({_array(STATUSES)})[{_pick(k + 3, len(STATUSES))} + 1]"
    person = f"'P' || lpad(({_pick(k + 5, len(PEOPLE))})::text, 3, '0')"
    bill = f"'us/119/S ' || (1 + {_pick(k + 6, 4)})"
    text = "'@' || person || ' please support ' || bill || ' (' || i || ')'"
    with connect(url) as connection:
        indexes = connection.execute(
            "SELECT indexdef, indexname FROM pg_indexes WHERE schemaname = 'public'"
            " AND tablename IN ('posts', 'post_targets') AND indexname NOT LIKE '%pkey'"
            " AND indexdef NOT LIKE 'CREATE UNIQUE%'"
        ).fetchall()
        for _, name in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        connection.execute("SET LOCAL synchronous_commit = off")
        for table in ("posts", "post_targets"):
            connection.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        connection.execute(
            "INSERT INTO posts (id, key, created_at, scheduled_for, updated_at, mode, campaign_id,"
            " bill, platform, account, variant, text, text_hash, length, status, cost,"
            " attempt_count)"
            " SELECT i, lpad(to_hex(i), 64, '0'), at, at, at,"
            " CASE status WHEN 'dry_run' THEN 'dry_run' ELSE 'live' END,"
            f" ({_array(CAMPAIGNS)})[{_pick(k + 1, len(CAMPAIGNS))} + 1],"
            " bill,"
            f" ({_array(PLATFORMS)})[{_pick(k + 2, len(PLATFORMS))} + 1],"
            f" ({_array(ACCOUNTS)})[{_pick(k + 4, len(ACCOUNTS))} + 1],"
            f" 'm' || (i %% 5), {text}, lpad(to_hex(i * 7 + 3), 64, '0'), length({text}),"
            " status, 0.0, 1"
            f" FROM (SELECT i, %(start)s::timestamp + i * interval '{SECONDS_PER_POST} seconds'"
            f" AS at, {status} AS status, {person} AS person, {bill} AS bill"
            " FROM generate_series(1::bigint, %(rows)s) AS i) AS r",
            {"rows": rows, "start": start},
        )
        connection.execute(
            "INSERT INTO post_targets (post_id, position, person_id, name, handle, platform, bill,"
            " created_at) SELECT id, 0, substr(text, 2, 4), substr(text, 2, 4), substr(text, 2, 4),"
            " platform, bill, created_at FROM posts"
        )
        for definition, _ in indexes:
            connection.execute(definition)
        for table in ("posts", "post_targets"):
            connection.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        for statement in counts.rebuild_statements("postgresql"):
            connection.execute(statement)
        for table in ("posts", "post_targets"):
            connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT coalesce(max(id), 1) FROM {table}))"
            )
        connection.execute(f"COMMENT ON TABLE posts IS '{_mark(rows, seed)}'")
    with connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE posts")
        connection.execute("VACUUM ANALYZE post_targets")


def _mark(rows: int, seed: int) -> str:
    return f"bench fill v{FILL_VERSION}: {rows} posts, seed {seed}"


def filled(size: int) -> str:
    """The URL of a migrated database holding the bench's log of ``size`` posts.

    Kept between runs (see the module's doc): filled only when it does not
    already hold this fill.
    """
    from bot.store.db import Database

    base = base_url()
    if base is None:
        raise RuntimeError(f"no PostgreSQL: pass --postgres URL or set {ENV}")
    url = ensure_database(base, f"log_{size}")
    with connect(url) as connection:
        found = connection.execute(
            "SELECT obj_description(to_regclass('public.posts'), 'pg_class')"
        ).fetchone()
    if found and found[0] == _mark(size, 1):
        Database(url).dispose()  # migrations since the fill, if any
        return url
    reset(url)
    Database(url).dispose()  # the migrated schema
    fill(url, size)
    return url
