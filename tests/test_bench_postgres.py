"""The PostgreSQL bench measures the same log as the SQLite one.

``python -m bench --postgres URL`` compares pages, exports and planning on
PostgreSQL with the SQLite figures; that comparison means something only if
bench/pg.py's server-side fill writes the very log bench/log.py writes (same
draws, same times, same texts and targets). A small fill of each, compared
row by row; and the sibling database names the sections use.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from bench import log, pg
from bot.store.db import Database

ROWS = 300
COLUMNS = "id, key, created_at, mode, campaign_id, bill, platform, account, variant, text, status"


def test_the_postgres_fill_writes_the_sqlite_fill_row_for_row(postgres_url, tmp_path: Path):
    path = tmp_path / "log.db"
    Database(f"sqlite:///{path}").dispose()
    log.fill(path, ROWS)
    Database(postgres_url).dispose()
    pg.fill(postgres_url, ROWS)

    with sqlite3.connect(path) as connection:
        expected = connection.execute(f"SELECT {COLUMNS} FROM posts ORDER BY id").fetchall()
        targets = connection.execute("SELECT post_id, person_id FROM post_targets").fetchall()
    with pg.connect(postgres_url) as connection:
        found = connection.execute(f"SELECT {COLUMNS} FROM posts ORDER BY id").fetchall()
        found_targets = connection.execute("SELECT post_id, person_id FROM post_targets").fetchall()
        (next_id,) = connection.execute(
            "SELECT nextval(pg_get_serial_sequence('posts', 'id'))"
        ).fetchone()
    assert len(found) == ROWS
    stamp = [(*row[:2], datetime.fromisoformat(row[2]), *row[3:]) for row in expected]
    assert [tuple(row) for row in found] == stamp
    assert sorted(map(tuple, found_targets)) == sorted(targets)
    assert next_id == ROWS + 1  # the bot's own inserts go on after the fill


def test_the_postgres_fill_leaves_the_overview_counts_right_and_the_triggers_on(postgres_url):
    """The fill writes with the count triggers off; the counts are built after, and kept after."""
    from sqlalchemy import text

    from bot.store import counts

    database = Database(postgres_url)
    try:
        pg.fill(postgres_url, ROWS)
        with database.engine.begin() as connection:
            assert counts.stored(connection) == counts.recount(connection)
            assert counts.stored(connection).posts  # something was counted
            connection.execute(text("UPDATE posts SET status = 'failed' WHERE id <= 10"))
            assert counts.stored(connection) == counts.recount(connection)
    finally:
        database.dispose()


def test_the_sections_work_in_sibling_databases_of_the_one_named():
    url = "postgresql://bench:secret@db.example:5433/advocacy?sslmode=require"
    assert pg.sibling(url, "log_10000") == (
        "postgresql://bench:secret@db.example:5433/advocacy_log_10000?sslmode=require"
    )
