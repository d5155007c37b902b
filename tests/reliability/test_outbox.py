"""Quick checks of the outbox rules the multi-process proofs depend on.

Each one pins a bug a proof found (see docs/reliability.md, "What the proofs found").
"""

from __future__ import annotations

import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text, update

from bot.clock import FrozenClock
from bot.config import Mode
from bot.platforms.base import PublishResult
from bot.schedule.worker import publish_due, publish_next
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

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


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


def test_account_in_flight_sees_a_sending_post_or_an_unknown_one_awaiting_its_check(
    sqlite_url: str,
):
    """Kills the mutant "account_in_flight is always False" on SQLite.

    (In the worker that mutant shows only on PostgreSQL: on SQLite the claim that
    chose the post already passed over accounts with a post in flight, in the same
    IMMEDIATE transaction. See the PostgreSQL race below.)"""
    db = Database(sqlite_url)
    queue_posts(sqlite_url, 4, [account("x:default"), account("facebook:default")], now=NOW)
    ids = {r.label: r.id for r in sorted(read_log(sqlite_url), key=lambda r: -r.id)}
    x_post, facebook_post = ids["x:default"], ids["facebook:default"]

    def in_flight(platform: str, besides: int = 0) -> bool:
        with db.session() as session:
            return queries.account_in_flight(session, platform, "default", besides=besides)

    def set_x_post(**values: object) -> None:
        with db.session() as session:
            session.execute(update(Post).where(Post.id == x_post).values(**values))

    assert not in_flight("x")  # only queued posts
    set_x_post(status=Status.SENDING.value, lease_owner="w:1", lease_expires=NOW)
    assert in_flight("x")
    assert not in_flight("x", besides=x_post)  # a post does not hold back itself
    assert not in_flight("facebook", besides=facebook_post)  # nor another account
    set_x_post(status=Status.UNKNOWN.value, next_attempt_at=NOW)  # to be checked again
    assert in_flight("x")
    set_x_post(next_attempt_at=None)  # left for a person: it holds nothing back
    assert not in_flight("x")
    db.dispose()


class _Race:
    """Two workers claiming posts of one account at the same moment (PostgreSQL).

    Worker A holds its claim transaction open in the guard until worker B is either
    waiting for the account lock or has reached the guard itself; A's platform call
    then lasts until B has finished its attempt to claim."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.a_in_guard = threading.Event()
        self.a_left_guard = threading.Event()
        self.b_in_guard = threading.Event()
        self.b_done = threading.Event()
        self.b_overlapped_a = False
        self.calls_at_once = 0
        self.most_calls_at_once = 0
        self.lock = threading.Lock()

    def b_waits_on_the_lock(self) -> bool:
        with self.db.engine.connect() as connection:
            waiting = connection.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            )
            return bool(waiting.scalar())

    def guard_a(self, session, post, now):  # noqa: ANN001, ANN201
        self.a_in_guard.set()
        for _ in range(2000):  # up to ~20 s; a passing run waits a few milliseconds
            if self.b_in_guard.is_set() or self.b_waits_on_the_lock():
                break
            self.b_in_guard.wait(0.01)
        self.a_left_guard.set()
        return allow_all(session, post, now)

    def guard_b(self, session, post, now):  # noqa: ANN001, ANN201
        self.b_overlapped_a = not self.a_left_guard.is_set()
        self.b_in_guard.set()
        return allow_all(session, post, now)

    def publish(self, post):  # noqa: ANN001, ANN201
        with self.lock:
            self.calls_at_once += 1
            self.most_calls_at_once = max(self.most_calls_at_once, self.calls_at_once)
        if not self.b_done.is_set():  # A's call: in flight while B tries to claim
            self.b_done.wait(20)
        with self.lock:
            self.calls_at_once -= 1
        return PublishResult(remote_id=str(post.key))

    live = True
    unprotected_seconds = 0.0

    def run(self) -> tuple[str, str | None]:
        """Run both workers; return B's outcome (status, detail)."""

        def worker(guard, name: str):  # noqa: ANN001, ANN202
            return publish_next(
                self.db,
                lambda p, a: self,
                mode=Mode.LIVE,
                clock=FrozenClock(NOW + timedelta(1)),
                guard=guard,
                worker=name,
            )

        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(worker, self.guard_a, "A")
            assert self.a_in_guard.wait(20), "worker A never reached the guard"
            try:
                second = worker(self.guard_b, "B")
            finally:
                self.b_done.set()
            assert first.result(20) is not None
        assert second is not None
        return second.status, second.detail


def test_lock_account_makes_a_second_claim_of_the_account_wait_on_postgresql(
    postgres_url: str,
):
    """Kills the mutant "lock_account does nothing" (and "account_in_flight is always
    False"). On SQLite the lock is rightly nothing (claims take turns there), so this
    race is PostgreSQL's: ``SKIP LOCKED`` hands two workers two posts of one account.
    Without the lock, B runs the guard on the history A has not committed yet (a cap
    passed by one); without B's second look, B sends beside A's post in flight."""
    db = Database(postgres_url)
    queue_posts(postgres_url, 2, [account("x:default")], now=NOW)
    # The claim offers one post an account, its oldest, from each deferral time: one
    # of the two was deferred to a time now past (a retry), so both are offered,
    # and SKIP LOCKED hands B the one A has not locked.
    with db.session() as session:
        second = max(r.id for r in read_log(postgres_url))
        session.execute(update(Post).where(Post.id == second).values(next_attempt_at=NOW))
    race = _Race(db)
    status, detail = race.run()
    assert not race.b_overlapped_a  # B reached the guard only after A's claim committed
    assert (status, detail) == ("queued", "another post of its account is in flight")
    assert race.most_calls_at_once == 1
    assert sorted(r.status for r in read_log(postgres_url)) == ["posted", "queued"]
    db.dispose()


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
