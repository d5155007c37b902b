"""The page, export and planning figures again, on PostgreSQL (issue 17, "Scale on PostgreSQL").

Runs only with ``python -m bench --postgres URL`` (or $BENCH_POSTGRES_URL;
bench/pg.py says which databases it makes there). The same log as the SQLite
sections (bench/log.py's draws, filled by the server with ``generate_series``),
the same sizes (10,000 and 1,000,000 posts; quick: 1,000 and 50,000) and the
same budgets, each row's section marked ``(pg)``:

``page (pg)``       every page of bench/pages.py, over HTTP through the real app
                    (bench/serve.py over the PostgreSQL URL): the larger log
                    against the smaller, ≤ 2x and ≤ 150 ms
``export (pg)``     ``log --csv``, ``log --json`` and the dashboard CSV of the
                    whole larger log, against ``psql -c "COPY (SELECT * FROM
                    posts) TO STDOUT WITH CSV"`` (the server's own export): ≤ 3x,
                    peak memory under 150 MB
``planning (pg)``   bench/planning.py's two national runs written to PostgreSQL,
                    against psycopg's ``executemany`` of the same rows, 500 a
                    statement (pipelined; :func:`raw_write` says why not one a
                    statement): ≤ 10x per post, growth ≤ 1.1

``BENCH_POSTGRES_PARTS=pages,exports`` runs only those parts (on a busy
machine the national planning run alone takes many minutes).

The query plans of the pages' heaviest queries are not printed here; run
``EXPLAIN ANALYZE`` in ``psql`` on the kept databases.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import exports, pg
from bench.common import PYTHON, SHARED_DATA, Report, Row, clean_env
from bench.log import SIZES
from bench.pages import (
    HOLD,
    MIDDLE_HELD,
    Page,
    pages_around,
    report_pages,
)
from bot.store.queries import INSERT_CHUNK

COPY = "COPY (SELECT * FROM posts) TO STDOUT WITH CSV"
#: Which parts to run, comma-separated (default all: planning,pages,exports).
PARTS = "BENCH_POSTGRES_PARTS"


def hold(url: str, count: int) -> None:
    """Make the newest ``count`` posts ``held``, as bench/pages.py does on SQLite (what
    the last hold changed put back first: the kept log keeps its fill)."""
    with pg.connect(url) as connection:
        for statement in HOLD:
            connection.execute(statement.replace("?", "%s"), (count,) if "?" in statement else ())
    with pg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE posts")


def held_middle(url: str, count: int) -> int:
    with pg.connect(url) as connection:
        (middle,) = connection.execute(MIDDLE_HELD.replace("?", "%s"), (count // 2,)).fetchone()
    return int(middle)


def pages_of(url: str) -> list[Page]:
    with pg.connect(url) as connection:
        (count,) = connection.execute("SELECT count(*) FROM posts").fetchone()
        (middle,) = connection.execute(
            "SELECT id FROM posts ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET %s",
            (count // 2,),
        ).fetchone()
    return pages_around(middle)


def run_pages(report: Report, *, quick: bool) -> None:
    small, large = SIZES[quick]
    report_pages(
        report,
        "page (pg)",
        [pg.filled(small), pg.filled(large)],
        pages_of,
        hold,
        held_middle,
        small=small,
        large=large,
        repeat=5 if quick else 7,
        where="PostgreSQL; ",
    )


def run_exports(report: Report, *, quick: bool) -> None:
    _, size = SIZES[quick]
    url = pg.filled(size)
    env = clean_env(DATABASE_URL=url, CAMPAIGNS_DIR="campaigns")
    psql = shutil.which("psql")
    out = Path(tempfile.gettempdir()) / f"bench-pg-export-{os.getpid()}.out"
    if psql:
        raw = ([psql, "-X", "-q", "-d", url, "-c", COPY], f'psql -c "{COPY}"')
    else:
        raw = ([PYTHON, "-c", _PSYCOPG_COPY, url], f"psycopg's {COPY} to stdout (no psql here)")
    try:
        exports.measure(report, "export (pg)", size, env, raw, url, out)
    finally:
        out.unlink(missing_ok=True)


_PSYCOPG_COPY = (
    "import sys, psycopg\n"
    "with psycopg.connect(sys.argv[1]) as c, c.cursor().copy("
    f"{COPY!r}) as copy:\n"
    "    for chunk in copy: sys.stdout.buffer.write(chunk)"
)


#: The floor writes as many rows a statement as bot.store.queries.insert_planned does.
RAW_CHUNK = INSERT_CHUNK
_POST_COLUMNS = (
    "id, key, created_at, scheduled_for, updated_at, mode, campaign_id, bill, platform, account,"
    " variant, text, text_hash, length, link, status, cost, attempt_count"
)
_TARGET_COLUMNS = "post_id, position, person_id, name, handle, platform, bill, created_at"


def raw_write(url: str, rows: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]) -> None:
    """The rows of bench/planning.py's floor through psycopg's pipelined ``executemany``,
    :data:`RAW_CHUNK` rows a statement (``INSERT ... VALUES (...), (...)``).

    Not a statement a row: the posts' count trigger runs once a statement
    (bot.store.counts), and a statement a row updates the same few count rows
    once a row, each update walking past the versions the transaction left before
    it, a cost growing with the square of the rows that no plain write pays."""
    with pg.connect(url) as connection, connection.cursor() as cursor:
        for table, columns, values in (
            ("posts", _POST_COLUMNS, rows[0]),
            ("post_targets", _TARGET_COLUMNS, rows[1]),
        ):
            width = columns.count(",") + 1
            row = "(" + ",".join(["%s"] * width) + ")"
            chunks = [values[i : i + RAW_CHUNK] for i in range(0, len(values), RAW_CHUNK)]
            statements: dict[int, str] = {}
            for size in {len(chunk) for chunk in chunks}:
                statements[size] = f"INSERT INTO {table} ({columns}) VALUES " + ",".join(
                    [row] * size
                )
            for size in statements:
                cursor.executemany(
                    statements[size],
                    [[v for r in chunk for v in r] for chunk in chunks if len(chunk) == size],
                )


def _merge_search_index(url: str) -> None:
    """Merge the text search's GIN pending list into the index (``ix_posts_text_trgm``,
    ``fastupdate`` on), as the run's own cost.

    A run's new entries wait in the list until it holds ``gin_pending_list_limit``
    (4 MB), then the insert that fills it merges them: the 1,611 posts of the
    smaller run all stay in the list (104 pages), so that run would never pay
    their merge while the larger run pays it for all but its last ~4 MB. Merged
    in the timing, both pay it for every post they wrote (some 5-30 µs a post)."""
    with pg.connect(url) as connection:
        connection.execute(
            "SELECT gin_clean_pending_list(ix) FROM to_regclass('ix_posts_text_trgm') AS ix"
            " WHERE ix IS NOT NULL"
        )


def _empty(url: str) -> None:
    with pg.connect(url) as connection:
        connection.execute("TRUNCATE posts, post_targets, attempts RESTART IDENTITY CASCADE")


def run_planning(report: Report, *, quick: bool) -> None:
    from bench import planning
    from bot.config import Mode
    from bot.schedule.runner import plan_posts
    from bot.store.db import Database

    if not (SHARED_DATA / "congress-legislators").is_dir():
        print(f"  skipped: no reference data at {SHARED_DATA}")
        return
    base = pg.base_url()
    assert base is not None
    url = pg.ensure_database(base, "planning")
    pg.reset(url)
    database = Database(url)
    members = planning.congress()
    small = members[:100] if quick else members
    large = planning.states(1000 if quick else 7400)
    repeat = 1 if quick else 3
    results = {}
    try:
        for label, people in (("congress", small), ("states", large)):
            plan_campaign = planning.campaign(len(people))
            bot_times, raw_times, posts = [], [], 0
            for _ in range(repeat):
                _empty(url)
                start = time.perf_counter()
                posts = len(planning.bot_run(database, plan_campaign, people))
                _merge_search_index(url)
                bot_times.append(time.perf_counter() - start)
                _empty(url)
                with database.new_session() as session:
                    plan = plan_posts(session, plan_campaign, people, mode=Mode.LIVE,
                                      now=planning.NOW, posts_per_run=len(people))  # fmt: skip
                rows = planning.raw_rows(plan.posts)
                start = time.perf_counter()
                raw_write(url, rows)
                _merge_search_index(url)
                raw_times.append(time.perf_counter() - start)
            seconds, raw = statistics.median(bot_times), statistics.median(raw_times)
            results[label] = (seconds, posts)
            report.add(
                Row(
                    "planning (pg)",
                    f"{len(people)} {planning.WHO[label]}: per post",
                    seconds / posts,
                    raw / posts,
                    "s",
                    10.0,
                    f"psycopg executemany of the same rows, {RAW_CHUNK} a statement (pipelined)",
                    note=f"PostgreSQL; {posts} posts; {seconds:.2f} s in all, median of {repeat};"
                    " the search index's pending entries merged in both",
                )
            )
    finally:
        database.dispose()
    (t_small, n_small), (t_large, n_large) = results["congress"], results["states"]
    report.add(planning.growth("planning (pg)", t_small, n_small, t_large, n_large))


def run(report: Report, *, quick: bool) -> None:
    if pg.base_url() is None:
        print(f"  skipped: no PostgreSQL (--postgres URL or ${pg.ENV})")
        return
    parts = {"planning": run_planning, "pages": run_pages, "exports": run_exports}
    wanted = os.environ.get(PARTS, "").split(",") if os.environ.get(PARTS) else list(parts)
    for name in wanted:
        part = parts[name.strip()]
        print(f"  [{part.__name__.removeprefix('run_')}]", file=sys.stderr, flush=True)
        part(report, quick=quick)
