"""The database's clock: one time for every worker, whatever their hosts' clocks say.

Leases, backoffs and the guard's spacing compare times that different workers
wrote. Were each worker to use its own host's clock, a host six minutes ahead
would see a live five-minute lease as expired and take it over (issue 13). So
the publishing processes read time from the database server (PostgreSQL's
``clock_timestamp()``): :class:`DatabaseClock` measures the offset between the
server's clock and this host's once a minute and adds it to the host's time, so
``now()`` costs no round trip.

SQLite has no server: every process that opens the file runs on its host, and
reads that host's clock (the offset is zero).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.store.db import Database

log = logging.getLogger(__name__)

#: How often the offset to the database's clock is measured again.
RESYNC_SECONDS = 60.0

#: An offset this large is worth a line in the log: the host's clock is wrong.
WARN_OFFSET = timedelta(seconds=5)


class DatabaseClock:
    """``now()`` by the database server's clock, without a query per call."""

    def __init__(
        self,
        db: Database,
        *,
        resync_seconds: float = RESYNC_SECONDS,
        local: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.local = local
        """This host's clock (a parameter so a test can skew it)."""
        self.resync_seconds = resync_seconds
        self.offset = timedelta(0)
        """The server's clock minus this host's, as last measured."""
        self._synced_at: float | None = None
        self._server = db.engine.dialect.name == "postgresql"

    def now(self) -> datetime:
        if self._server and (
            self._synced_at is None or time.monotonic() - self._synced_at > self.resync_seconds
        ):
            self.sync()
        return self.local() + self.offset

    def sync(self) -> timedelta:
        """Measure the offset again (one round trip); returns it.

        If the database cannot be reached, the last offset stands (the first
        measurement's failure propagates: no time is better than a wrong one).
        """
        try:
            before = self.local()
            with self.db.new_session() as session:
                server: datetime | None = session.scalar(select(func.clock_timestamp()))
            after = self.local()
        except SQLAlchemyError:
            if self._synced_at is None:
                raise
            log.warning("could not read the database's clock; using the last offset")
            return self.offset
        assert server is not None
        server = server.astimezone(UTC) if server.tzinfo else server.replace(tzinfo=UTC)
        offset = server - (before + (after - before) / 2)
        if abs(offset) > WARN_OFFSET and (
            self._synced_at is None or abs(offset - self.offset) > WARN_OFFSET
        ):
            log.warning(
                "this host's clock is %.1f s %s the database's; the bot uses the database's",
                abs(offset.total_seconds()),
                "behind" if offset > timedelta(0) else "ahead of",
            )
        self.offset, self._synced_at = offset, time.monotonic()
        return offset
