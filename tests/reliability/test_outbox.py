"""Quick checks of the outbox rules the multi-process proofs depend on.

Each one pins a bug a proof found (see docs/reliability.md, "What the proofs found").
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.clock import FrozenClock
from bot.config import Mode
from bot.platforms.base import PublishResult
from bot.schedule.worker import publish_due
from bot.store import queries
from bot.store.db import Database, current_revision, head_revision
from bot.store.models import Post, Status
from tests.guards import allow_all
from tests.reliability.harness import (
    Supervisor,
    account,
    bot_command,
    clean_environ,
    queue_posts,
    read_log,
)

NOW = datetime.now(UTC).replace(microsecond=0)


class Recorder:
    """A publisher that accepts everything and remembers the order."""

    live = True
    unprotected_seconds = 0.0

    def __init__(self) -> None:
        self.sent: list[str] = []

    def publish(self, post):  # noqa: ANN001
        self.sent.append(f"{post.platform}:{post.account}")
        return PublishResult(remote_id=str(len(self.sent)))


def test_a_post_in_flight_holds_back_the_other_posts_of_its_account(any_db: Database):
    """While a post of an account is ``sending`` (maybe by a worker that died), no other
    post of that account is claimed: its check reads the account's latest posts, and
    they must still include it."""
    url = any_db.url
    queue_posts(url, 14, [account("x:default"), account("facebook:default")], now=NOW)
    first_x = min(r.id for r in read_log(url) if r.label == "x:default")
    with any_db.session() as session:
        session.execute(
            update(Post)
            .where(Post.id == first_x)
            .values(status=Status.SENDING.value, lease_owner="dead:1", lease_expires=NOW)
        )
    recorder = Recorder()
    outcomes = publish_due(
        any_db,
        lambda p, a: recorder,
        mode=Mode.LIVE,
        clock=FrozenClock(NOW + timedelta(1)),
        guard=allow_all,
    )
    assert recorder.sent == ["facebook:default"] * 7
    assert len(outcomes) == 7
    assert {r.status for r in read_log(url) if r.label == "x:default" and r.id != first_x} == {
        "queued"
    }


def test_the_account_lock_works_on_both_databases(any_db: Database):
    with any_db.session() as session:
        queries.lock_account(session, "x", "default")  # a no-op on SQLite, a lock on PostgreSQL
        assert not queries.account_in_flight(session, "x", "default", besides=0)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_starting_together_on_an_empty_database_all_migrate_it(
    backend: str, request: pytest.FixtureRequest, supervisor: Supervisor
):
    """Five commands at once on a new database. Before the migration locks, on PostgreSQL
    all but one died with ``duplicate key value violates unique constraint
    "pg_type_typname_nsp_index"``; on SQLite a worker starting beside the scheduler died
    with ``table bill_events already exists`` (each read the revision, then took turns
    running the same migrations)."""
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    env = clean_environ() | {"DATABASE_URL": url}
    commands = [
        supervisor.start([*bot_command(), "db", "upgrade"], env=env, name=f"upgrade-{i}")
        for i in range(5)
    ]
    codes = []
    for process in commands:
        try:
            codes.append(process.wait(timeout=120))
        except subprocess.TimeoutExpired:
            codes.append(None)
    logs = [process.log_path.read_text() for process in commands]
    assert codes == [0] * 5, logs
    database = Database(url, migrate=False)
    try:
        assert current_revision(database.engine) == head_revision()
    finally:
        database.dispose()
