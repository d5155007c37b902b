"""Writing sessions and read sessions (bot.store.db): who takes SQLite's write lock.

A writing session (``Database.session``) begins ``IMMEDIATE``: it takes the write
lock up front, so it waits for another writer instead of failing half-way. A read
session (``Database.read_session``) begins deferred: it reads a WAL snapshot while
another connection holds the write lock, and a write inside it raises at once.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.store.db import Database
from bot.store.models import Pause

NOW = datetime(2026, 8, 12, 18, 0, tzinfo=UTC)


def _file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _scopes(db: Database) -> list[str]:
    with db.read_session() as session:
        return list(session.scalars(select(Pause.scope).order_by(Pause.scope)))


def test_sqlite_is_in_wal_mode(sqlite_url: str) -> None:
    """WAL is what lets a read session read while a writer holds the lock."""
    db = Database(sqlite_url)
    with db.read_session() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    with db.session() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    db.dispose()
    # a property of the file: any connection now sees it
    with sqlite3.connect(_file(sqlite_url)) as plain:
        assert plain.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    plain.close()


def test_a_write_in_a_read_session_raises_and_writes_nothing(any_db: Database) -> None:
    refused = "readonly database|read-only transaction"
    with pytest.raises(DBAPIError, match=refused), any_db.read_session() as session:
        session.add(Pause(scope="all", reason="from a read session", since=NOW))
        session.flush()
    with pytest.raises(DBAPIError, match=refused), any_db.read_session() as session:
        session.execute(insert(Pause).values(scope="all", reason="core", since=NOW))
    assert _scopes(any_db) == []
    # the same pooled connections write again in a writing session
    with any_db.session() as session:
        session.add(Pause(scope="all", reason="written", since=NOW))
    assert _scopes(any_db) == ["all"]


def test_connections_pass_between_read_and_writing_sessions(any_db: Database) -> None:
    """query_only (SQLite) and READ ONLY (PostgreSQL) hold for a read session's
    transaction only: the pooled connection it used writes in the next writing session."""
    any_db.engine.dispose()  # an empty pool: from here on, one connection serves in turn
    sqlite = any_db.engine.dialect.name == "sqlite"
    used: set[int] = set()
    for number in range(3):
        with any_db.read_session() as session:
            used.add(id(session.connection().connection.dbapi_connection))
            assert session.scalar(select(Pause.scope).where(Pause.scope == f"s{number}")) is None
            if sqlite:
                assert session.execute(text("PRAGMA query_only")).scalar_one() == 1
        with any_db.session() as session:
            used.add(id(session.connection().connection.dbapi_connection))
            if sqlite:
                assert session.execute(text("PRAGMA query_only")).scalar_one() == 0
            session.add(Pause(scope=f"s{number}", reason=None, since=NOW))
    assert len(used) == 1  # one connection, back and forth
    assert _scopes(any_db) == ["s0", "s1", "s2"]


def test_postgresql_read_sessions_are_read_only_transactions(postgres_url: str) -> None:
    db = Database(postgres_url)
    with db.read_session() as session:
        assert session.execute(text("SHOW transaction_read_only")).scalar_one() == "on"
        session.rollback()  # the next transaction of a read session is read-only too
        assert session.execute(text("SHOW transaction_read_only")).scalar_one() == "on"
    with db.session() as session:
        assert session.execute(text("SHOW transaction_read_only")).scalar_one() == "off"
    db.dispose()


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another process's writer: BEGIN IMMEDIATE and an insert, not committed."""
    writer = sqlite3.connect(path, isolation_level=None, timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO pauses (scope, reason, since) VALUES ('all', 'uncommitted', ?)",
        (NOW.strftime("%Y-%m-%d %H:%M:%S.%f"),),
    )
    return writer


def _still_locked(path: Path) -> bool:
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        return "locked" in str(error)
    else:
        other.execute("ROLLBACK")
        return False
    finally:
        other.close()


def test_a_read_session_reads_while_another_connection_holds_the_write_lock(
    sqlite_url: str,
) -> None:
    """Fails on a read that begins IMMEDIATE: it would wait for the lock, then fail."""
    Database(sqlite_url).dispose()  # migrated
    # A short busy timeout: were the read to wait for the lock, it would fail in 0.05 s.
    db = Database(sqlite_url, migrate=False, busy_timeout=0.05)
    with db.session() as session:
        session.add(Pause(scope="campaign:c", reason="committed", since=NOW))
    writer = _hold_write_lock(_file(sqlite_url))
    try:
        with db.read_session() as session:
            # the committed state: not the writer's uncommitted row
            assert list(session.scalars(select(Pause.scope))) == ["campaign:c"]
        assert _still_locked(_file(sqlite_url))
        # a writing session waits for the lock (here, 0.05 s, then fails): it takes the
        # lock when it begins, before it reads or writes anything
        with pytest.raises(OperationalError, match="locked"), db.session() as session:
            session.execute(select(Pause.scope)).all()
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert _scopes(db) == ["all", "campaign:c"]  # the next read sees the commit
    db.dispose()
