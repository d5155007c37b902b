"""Engine, sessions and migrations.

:func:`open_database` is the one way in: it builds the engine for a URL and
brings the schema up to date with Alembic (``migrations/``), so every command
starts on the current schema. SQLite gets WAL, a busy timeout and foreign keys.

Two kinds of session. :meth:`Database.session` writes: on SQLite its
transaction begins ``IMMEDIATE``, taking the write lock up front, so a
transaction that reads then writes waits its turn instead of failing. A
:meth:`Database.read_session` only reads: on SQLite its transaction begins
deferred (plain ``BEGIN``), reads a WAL snapshot and never waits for a writer
nor makes one wait, and the connection is ``PRAGMA query_only`` for the
transaction, so a write inside it fails at once ("attempt to write a readonly
database") instead of writing without the lock. On PostgreSQL a read session's
transaction is ``READ ONLY``, which refuses writes the same way. Pages a person
waits on (the web's requests, :func:`bot.web.context.db_session`) and read-only
commands read through read sessions, so they never queue behind the worker or
the scheduler writing.

Processes that start together (``advocacy-bot run`` and several workers on a
new PostgreSQL database) take turns migrating: :func:`migrate_to_head` holds a
PostgreSQL advisory lock while it checks and upgrades, so the second process
finds the schema current instead of creating the same tables again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from bot.config import BUSY_TIMEOUT as BUSY_TIMEOUT  # the default, in bot.config
from bot.store.revision import MIGRATIONS_DIR as MIGRATIONS_DIR
from bot.store.revision import head_revision as head_revision

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection


#: The PostgreSQL advisory lock key that serialises migrations ("advbot" in ASCII).
MIGRATION_LOCK = 0x616476626F74

#: The execution option that marks a read session's connections (:meth:`Database.read_session`).
READ_ONLY = "advocacy_read_only"
#: Where a SQLite connection remembers whether ``PRAGMA query_only`` is on.
_QUERY_ONLY = "advocacy_query_only"


def make_engine(url: str, *, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    """An engine for ``url``, tuned for the bot's use of each database."""
    # Heroku and others hand out postgres://, which SQLAlchemy refuses.
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            url = "postgresql+psycopg://" + url.removeprefix(scheme)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_timeout})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
            # Let SQLAlchemy issue BEGIN itself (below), not the driver.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            read_only = bool(connection.get_execution_options().get(READ_ONLY))
            # query_only is the connection's until changed: set it when a pooled
            # connection passes from a read session to a writing one, or back.
            info = connection.connection.info
            if info.get(_QUERY_ONLY, False) != read_only:
                connection.exec_driver_sql(f"PRAGMA query_only={'ON' if read_only else 'OFF'}")
                info[_QUERY_ONLY] = read_only
            if read_only:
                # Deferred: a WAL snapshot, no lock; query_only refuses any write.
                connection.exec_driver_sql("BEGIN")
            else:
                # Take the write lock up front: a deferred transaction that reads,
                # then writes, fails at once (no busy wait) if another process
                # wrote in between. IMMEDIATE waits its turn instead.
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # The bot's queries are small index lookups. PostgreSQL's JIT compiles a
    # query whose *estimated* cost is high, and it estimates 100 rows for each
    # list unpacked from JSON (bot.store.queries._values): the planner's history
    # paid ~190 ms of compiling for a 1 ms query. Off for the bot's sessions.
    engine = create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"})

    @event.listens_for(engine, "begin")
    def _begin_read_only(connection: Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            # The transaction's first statement (psycopg begins it implicitly):
            # PostgreSQL then refuses any write in it.
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")

    return engine


def alembic_config(engine: Engine | None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (Alembic, batch mode on SQLite)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def migrate_to_head(engine: Engine) -> None:
    """Bring the schema to the latest revision, one process at a time.

    On PostgreSQL, processes starting together would otherwise all see an old
    revision and all run the same migrations (``CREATE TABLE`` fails in every
    process but one). On SQLite they did too, more rarely (a worker started beside
    the scheduler died with ``table bill_events already exists``): each process
    read the revision, then they took turns running the same migrations. There a
    lock on a file beside the database (``<file>-migrate.lock``) does the same.
    """
    head = head_revision()
    if current_revision(engine) == head:
        return
    if engine.dialect.name != "postgresql":
        with _file_lock(engine.url.database):
            if current_revision(engine) != head:
                upgrade(engine)
        return
    with engine.connect() as connection:
        # A session-level lock: held across the commit below, released on
        # unlock or when the connection closes (a process that dies frees it).
        connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
        connection.commit()
        try:
            if current_revision(engine) != head:
                upgrade(engine)
        finally:
            connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
            connection.commit()


@contextmanager
def _file_lock(database: str | None) -> Iterator[None]:
    """Hold an exclusive lock on ``<database>-migrate.lock`` (POSIX; released if we die)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    try:
        import fcntl
    except ImportError:  # not POSIX: one process at a time is the operator's to ensure
        yield
        return
    with open(f"{database}-migrate.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``alembic_version``), or None before any migration.

    One SELECT through the driver, no Alembic import and no transaction of
    SQLAlchemy's: every command asks this at start, importing Alembic's
    migration runtime costs more than most commands do, and on SQLite the
    bot's writing transactions begin IMMEDIATE, so asking inside one would wait for
    any process writing (the worker, the scheduler) before a command could
    even start.
    """
    from sqlalchemy.exc import DBAPIError

    query = "SELECT version_num FROM alembic_version"
    dbapi_error = engine.dialect.loaded_dbapi.Error
    # engine.connect() wraps a failure to connect as SQLAlchemy's error (what the CLI
    # explains); the driver's connection then runs the query, no transaction begun.
    with engine.connect() as wrapper:
        connection = wrapper.connection
        for attempt in (1, 2):
            cursor = connection.cursor()
            try:
                cursor.execute(query)
                rows = [row[0] for row in cursor.fetchall()]
                break
            except dbapi_error as error:
                connection.rollback()
                from sqlalchemy import inspect

                if not inspect(engine).has_table("alembic_version"):
                    return None  # no schema yet
                if attempt == 2:
                    # the table is there: a real error (locked, went away), not "no schema"
                    raise DBAPIError.instance(query, None, error, dbapi_error) from error
                # Another process created it between the two looks (it is migrating
                # this database right now): ask again.
            finally:
                cursor.close()
    if len(rows) > 1:  # branches: let Alembic sort it out
        return ",".join(sorted(rows))
    return rows[0] if rows else None


class Database:
    """An engine and a session factory for one database URL."""

    def __init__(
        self, url: str, *, migrate: bool = True, busy_timeout: float = BUSY_TIMEOUT
    ) -> None:
        self.url = url
        self.engine = make_engine(url, busy_timeout=busy_timeout)
        if migrate:
            migrate_to_head(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        reader = self.engine.execution_options(**{READ_ONLY: True})
        self._read_sessions = sessionmaker(reader, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that writes: commits on success and rolls back on error.

        On SQLite its transaction takes the write lock when it begins.
        """
        with self._sessions() as session, session.begin():
            yield session

    def new_session(self) -> Session:
        """A writing session (as :meth:`session`) that the caller commits and closes."""
        return self._sessions()

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session that only reads, rolled back when the block ends.

        It never takes SQLite's write lock, so it neither waits for a process
        writing nor makes one wait; a write in it raises (``query_only`` on
        SQLite, a ``READ ONLY`` transaction on PostgreSQL).
        """
        with self._read_sessions() as session:
            yield session

    def new_read_session(self) -> Session:
        """A read-only session (as :meth:`read_session`) that the caller closes."""
        return self._read_sessions()

    def dispose(self) -> None:
        self.engine.dispose()
