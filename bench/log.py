"""Figure 3, the log at scale: the same queries over 10,000 and 1,000,000 posts.

The post log is filled with raw ``sqlite3`` ``executemany`` (20 campaigns, 4
platforms, 3 accounts, 4 bills, one target a post drawn from a Congress-sized
directory of 537 people, a post every 63 s: a log grows with time, so 10,000
posts are a week and 1,000,000 two years), then each query the bot makes
against it as the log grows is timed (median of many runs) on both sizes:

``dedupe check``      :class:`~bot.store.queries.TextChecker` verifying 500 texts
``plan history``      :func:`~bot.store.queries.plan_history` for all 537 people, 2
                      bills, 3 platforms (3,222 keys, most with history at either size)
``log (filtered)``    what ``advocacy-bot log --campaign C --platform x --status
                      posted --since 7d`` runs (:func:`~bot.store.queries.list_posts`);
                      the last week holds as many posts at either size (a quick
                      run's smaller log is 17 hours long: it asks for those hours,
                      :func:`window`, so that both sizes list the same few posts)
``log --status``      the same, filtered on a rare status only
``dashboard``         the first page, newest first, 50 posts, no filter

Budget: the time at 1,000,000 rows at most 2x the time at 10,000 (indexed, no
full scan). The query plans at 1,000,000 rows are printed.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bench.common import Report, Row, timed
from bot.campaigns.schema import Campaign
from bot.config import Mode
from bot.store import queries
from bot.store.db import Database

NOW = datetime(2026, 3, 2, 15, tzinfo=UTC)
CAMPAIGNS = [f"campaign-{i:02d}" for i in range(20)]
PLATFORMS = ["x", "facebook", "bluesky", "mastodon"]
ACCOUNTS = ["default", "coalition", "youth"]
STATUSES = ["dry_run"] * 6 + ["posted"] * 3 + ["skipped", "failed"]
PEOPLE = [f"P{i:03d}" for i in range(537)]
#: The two sizes of the log every section compares: (quick, full) runs.
SIZES = {True: (1_000, 50_000), False: (10_000, 1_000_000)}
SECONDS_PER_POST = 63
"""How often the filled log gained a post: a million posts are two years."""


def _pick(salt: int, count: int) -> str:
    """SQL for a well-spread pseudo-random index below ``count``, from the row number ``i``.

    A multiplicative hash (Knuth's constant, a different salt per column), so
    that the same rows are drawn on every run without Python in the loop.
    """
    return f"(((i + {salt}) * 2654435761) % 4294967291 / 7 % {count})"


def fill(path: Path, rows: int, seed: int = 1) -> None:
    """``rows`` posts (and a target each) straight into a migrated database.

    Two ``INSERT ... SELECT`` over a recursive counter: SQLite makes the rows
    itself (some 2 s a million, where a Python loop took minutes). Columns
    are drawn with :func:`_pick`; ``seed`` shifts every draw. The triggers
    that keep the counts and the search index (migration 0014) are set aside
    meanwhile, and both are built from the rows at the end, as the migration
    builds them from an existing log.
    """
    from bot.store import counts, search

    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA journal_mode=MEMORY")
    for statement in (*counts.SQLITE_DROP, *search.SQLITE_DROP):
        connection.execute(statement)
    start = (NOW - timedelta(seconds=SECONDS_PER_POST * rows)).replace(tzinfo=None)
    k = seed * 1_000
    values = json.dumps(
        {"campaigns": CAMPAIGNS, "platforms": PLATFORMS, "accounts": ACCOUNTS, "statuses": STATUSES}
    )
    step = f"'+' || (i * {SECONDS_PER_POST}) || ' seconds'"
    stamp = f"strftime('%Y-%m-%d %H:%M:%f000', :start, {step})"
    person = f"printf('P%03d', {_pick(k + 5, len(PEOPLE))})"
    bill = f"'us/119/S ' || (1 + {_pick(k + 6, 4)})"
    status = f"json_extract(:v, '$.statuses[' || {_pick(k + 3, len(STATUSES))} || ']')"
    with connection:
        connection.execute(
            "INSERT INTO posts (id, key, created_at, scheduled_for, updated_at, mode, campaign_id,"
            " bill, platform, account, variant, text, text_hash, length, status, cost,"
            " attempt_count)"
            " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows),"
            f" r AS (SELECT i, {stamp} AS at, {status} AS status, {person} AS person,"
            f" {bill} AS bill FROM n)"
            " SELECT i, printf('%064x', i), at, at, at,"
            " CASE status WHEN 'dry_run' THEN 'dry_run' ELSE 'live' END,"
            f" json_extract(:v, '$.campaigns[' || {_pick(k + 1, len(CAMPAIGNS))} || ']'),"
            " bill,"
            f" json_extract(:v, '$.platforms[' || {_pick(k + 2, len(PLATFORMS))} || ']'),"
            f" json_extract(:v, '$.accounts[' || {_pick(k + 4, len(ACCOUNTS))} || ']'),"
            " 'm' || (i % 5),"
            " '@' || person || ' please support ' || bill || ' (' || i || ')',"
            " printf('%064x', i * 7 + 3),"
            " length('@' || person || ' please support ' || bill || ' (' || i || ')'),"
            " status, 0.0, 1 FROM r",
            {"rows": rows, "start": start.isoformat(sep=" "), "v": values},
        )
        connection.execute(
            "INSERT INTO post_targets (post_id, position, person_id, name, handle, platform, bill,"
            " created_at) SELECT id, 0, substr(text, 2, 4), substr(text, 2, 4), substr(text, 2, 4),"
            " platform, bill, created_at FROM posts"
        )
        for statement in (
            *counts.rebuild_statements("sqlite"),
            *counts.SQLITE_TRIGGERS,
            *search.SQLITE_CREATE,
        ):
            connection.execute(statement)
    connection.execute("ANALYZE")
    connection.close()


_FILLED: dict[int, Path] = {}
_TMP: list[tempfile.TemporaryDirectory[str]] = []


def filled(size: int) -> Path:
    """A migrated database holding a log of ``size`` posts, made once per bench run.

    Shared by the sections that read the log (log, pages, exports); deleted
    when the bench exits.
    """
    if size not in _FILLED:
        if not _TMP:
            _TMP.append(tempfile.TemporaryDirectory(prefix="bench-log-"))
        path = Path(_TMP[0].name) / f"log-{size}.db"
        Database(f"sqlite:///{path}").dispose()  # the migrated schema
        fill(path, size)
        _FILLED[size] = path
    return _FILLED[size]


def history_campaign() -> Campaign:
    """``campaign-03`` of the filled log: 2 of its bills, 3 platforms, 5 variants."""
    from tests.support import campaign_dict

    bill = campaign_dict()["bills"][0]
    return Campaign.model_validate(
        campaign_dict(
            id="campaign-03",
            bills=[{**bill, "session": "119", "identifier": f"S {n}"} for n in (1, 2)],
            platforms=["x", "bluesky", "mastodon"],
            messages=[{"id": f"m{n}", "text": "{{ mentions }} please support"} for n in range(5)],
        )
    )


def window(small: int) -> timedelta:
    """How far back the filtered ``log`` asks: a week, or all the smaller log holds if less.

    A week of a 1,000-post log (a quick run's: 17 hours) matched 14 posts of
    the four filters, the same week of 50,000 posts a full page of 50: the
    ratio compared pages of unlike length. Both sizes hold as many posts in
    the window (one every 63 s), so both list the same number.
    """
    return min(timedelta(days=7), timedelta(seconds=SECONDS_PER_POST * small))


def cases(
    session: Session, rng: random.Random, since: timedelta = timedelta(days=7)
) -> list[tuple[str, Callable[[], Any], str]]:
    """(name, call, SQL to explain) for each query of the figure; ``since``: the window of
    the filtered ``log``."""
    digests = [hashlib.sha256(f"new text {rng.random()}".encode()).hexdigest() for _ in range(500)]

    def dedupe() -> bool:
        checker = queries.TextChecker(session, Mode.DRY_RUN)
        for digest in digests:
            checker("x", "default", digest)
        return checker.verify()

    people = rng.sample(PEOPLE, len(PEOPLE))

    campaign = history_campaign()

    def history() -> object:
        return queries.plan_history(
            session, campaign, people, Mode.DRY_RUN, NOW - timedelta(hours=15)
        )

    filtered = queries.LogFilter(
        campaign="campaign-07", platform="x", status="posted", since=NOW - since
    )
    rare = queries.LogFilter(status="failed")
    everything = queries.LogFilter()

    def sql(statement: Any) -> str:
        return str(statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))

    from sqlalchemy import select

    from bot.store.models import Post

    dedupe_sql = sql(
        select(Post.text_hash)
        .where(Post.platform == "x", Post.account == "default", Post.text_hash.in_(digests[:3]))
        .where(Post.status.in_(queries.COUNTED_STATES), Post.mode.in_(["live", "dry_run"]))
    )

    def listing(filters: queries.LogFilter) -> Callable[[], Any]:
        return lambda: queries.list_posts(session, filters, limit=50)

    return [
        ("dedupe check, 500 texts", dedupe, dedupe_sql),
        ("plan history, 537 people", history, ""),
        (
            "log --campaign --platform --status --since",
            listing(filtered),
            sql(queries.log_query(filtered).limit(50)),
        ),
        ("log --status failed", listing(rare), sql(queries.log_query(rare).limit(50))),
        (
            "dashboard: first page, newest first",
            listing(everything),
            sql(queries.log_query(everything).limit(50)),
        ),
    ]


def explain(path: Path, statement: str) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}")]
    finally:
        connection.close()


def run(report: Report, *, quick: bool) -> None:
    sizes = SIZES[quick]
    repeat = 5 if quick else 25
    timings: dict[int, dict[str, float]] = {}
    plans: dict[str, list[str]] = {}
    for size in sizes:
        path = filled(size)
        database = Database(f"sqlite:///{path}")
        timings[size] = {}
        with database.new_session() as session:
            for name, call, statement in cases(session, random.Random(size), window(sizes[0])):
                call()  # warm the statement cache and the pages
                timings[size][name], _ = timed(call, repeat)
                if size == sizes[-1] and statement:
                    plans[name] = explain(path, statement)
        if size == sizes[-1]:
            for label, statement in _history_sql(database):
                plans[f"plan history: {label}"] = explain(path, statement)
        database.dispose()
    small, large = sizes
    for name in timings[small]:
        report.add(
            Row(
                "log",
                f"{name}: {large:,} rows",
                timings[large][name],
                timings[small][name],
                "s",
                2.0,
                f"the same at {small:,} rows",
                note=f"median of {repeat}",
            )
        )
    report.detail(
        f"log: query plans at {large:,} rows (EXPLAIN QUERY PLAN)",
        [f"{name}: {' / '.join(plan)}" for name, plan in plans.items()],
    )


def _history_sql(database: Database) -> list[tuple[str, str]]:
    """The SQL of plan_history's queries, captured from one call."""
    from sqlalchemy import event

    captured: list[tuple[str, str]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM post" in statement and parameters:
            values = list(parameters)
            text = statement
            for value in values:
                literal = f"'{value}'" if isinstance(value, str) else repr(value)
                if isinstance(value, datetime):
                    literal = f"'{value.isoformat(sep=' ')}'"
                text = text.replace("?", literal, 1)
            if "post_targets" in statement:
                label = "people last tagged"
            elif "rotation" in statement:
                label = "variants and bills last posted"
            else:
                label = "posts today"
            captured.append((label, text))

    event.listen(database.engine, "before_cursor_execute", before)
    try:
        with database.new_session() as session:
            queries.plan_history(
                session, history_campaign(), PEOPLE[:5], Mode.DRY_RUN, NOW - timedelta(hours=15)
            )
    finally:
        event.remove(database.engine, "before_cursor_execute", before)
    return captured
