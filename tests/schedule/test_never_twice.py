"""Issue 13 on a real post log: races, clocks, answers that lie, a database that goes away.

The platform here is a scripted timeline (what the account shows), so each test
can say exactly when a post "exists" on the platform relative to what the
workers do. The real publishers are exercised against fake servers over HTTP
in tests/platforms and, as separate processes, in tests/reliability.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.campaigns.loaded import LoadedCampaign
from bot.clock import FrozenClock, SystemClock
from bot.config import Mode
from bot.platforms.base import AccountStatus, Failure, OutgoingPost, PublishError, PublishResult
from bot.schedule import runner, worker
from bot.schedule.worker import SETTLE, publish_due, reconcile_stale
from bot.store.clock import DatabaseClock
from bot.store.db import Database
from bot.store.models import Pause, Post
from bot.store.spool import Spool
from tests.guards import allow_all
from tests.schedule.test_worker import NOW as PLANNED
from tests.schedule.test_worker import queue_many
from tests.support import make_campaign, people

# Posts are planned for PLANNED; real-clock tests run long after it, so they are due.


@dataclass
class Timeline:
    """One account on a platform without idempotency (Facebook, X with reads): a post
    exists once ``publish`` has run ``during`` and returned; reconcile reads it."""

    during: Callable[[], None] = lambda: None
    posts: list[OutgoingPost] = field(default_factory=list)
    calls: int = 0
    answer: list[PublishError] = field(default_factory=list)
    """Errors raised after the post was created (a 503, a broken body)."""
    refusals: list[PublishError] = field(default_factory=list)
    """Errors raised before anything is created (a duplicate, a 503 from the front end)."""
    check_errors: list[PublishError] = field(default_factory=list)
    unprotected_seconds: float = 0.0
    platform: str = "facebook"
    account: str = "default"
    live: bool = True

    def publish(self, post: OutgoingPost) -> PublishResult:
        self.calls += 1
        during, self.during = self.during, lambda: None
        during()
        if self.refusals:
            raise self.refusals.pop(0)
        if all(sent.key != post.key for sent in self.posts):  # `during` may have created it
            self.posts.append(post)
        if self.answer:
            raise self.answer.pop(0)
        return PublishResult(remote_id=f"fb_{len(self.posts)}")

    def reconcile(self, post: OutgoingPost) -> PublishResult | None:
        if self.check_errors:
            raise self.check_errors.pop(0)
        for index, sent in enumerate(self.posts, start=1):
            if sent.key == post.key:
                return PublishResult(remote_id=f"fb_{index}")
        return None

    def check(self) -> AccountStatus:
        return AccountStatus(self.platform, self.account, ok=True)


@pytest.fixture
def queued(any_db) -> list[int]:
    """Two live Facebook posts of one account, due."""
    return queue_many(any_db, 2, platform="facebook")


def rows(db: Database) -> list[Post]:
    with db.new_session() as session:
        found = list(session.scalars(select(Post).order_by(Post.id)))
        for row in found:
            _ = row.attempts
        return found


def publish(db, platform, clock, **options):
    return publish_due(
        db, lambda p, a: platform, mode=Mode.LIVE, clock=clock, guard=allow_all, **options
    )


# -- a live call outlasting its lease -----------------------------------------------------


def test_a_slow_call_keeps_its_lease_so_no_other_worker_checks_or_resends(any_db, queued):
    """Worker A's call takes three of its leases; worker B polls all the while. A renews
    its lease in flight, so B never takes the post over, and the post goes out once."""
    # The holder renews every third of its lease, so a renewal may come as late as two
    # thirds of it: on a loaded CI box (workers in parallel, SQLite's write lock taken by
    # B's polls) 0.2 s of slack was sometimes not enough. 1.2 s leaves 0.8 s.
    lease = timedelta(seconds=1.2)
    platform = Timeline()
    taken: list[object] = []

    def worker_b_polls() -> None:
        for _ in range(36):  # 3.6 s: three of A's leases
            time.sleep(0.1)
            taken.extend(
                reconcile_stale(
                    any_db, lambda p, a: platform, clock=SystemClock(), worker="B", lease=lease
                )
            )
            taken.extend(publish(any_db, platform, SystemClock(), worker="C", lease=lease))

    platform.during = worker_b_polls
    publish(any_db, platform, SystemClock(), worker="A", lease=lease, limit=1)
    assert taken == []
    assert len(platform.posts) == 1
    first = rows(any_db)[0]
    assert (first.status, first.remote_id) == ("posted", "fb_1")


def test_a_worker_cut_off_mid_call_loses_its_claim_but_no_second_post_goes_out(
    any_db, queued, monkeypatch
):
    """A cannot renew its lease (cut off from the database) while its call is slow; B
    takes the post over and finds nothing *yet*. B must not requeue (the call may still
    land), and A's late answer, when it comes, is recorded over B's: one post, A's id."""
    monkeypatch.setattr(worker.Heartbeat, "_run", lambda self: None)  # no renewals
    lease = timedelta(seconds=0.2)
    platform = Timeline()
    seen: list[str] = []

    clock = FrozenClock(START)

    def b_takes_over_then_c_polls() -> None:
        clock.advance(timedelta(seconds=0.3))  # A's lease runs out
        (checked,) = reconcile_stale(
            any_db, lambda p, a: platform, clock=clock, worker="B", lease=lease
        )
        seen.append(checked.status)
        seen.extend(o.status for o in publish(any_db, platform, clock, worker="C"))

    platform.during = b_takes_over_then_c_polls
    publish(any_db, platform, clock, worker="A", lease=lease, limit=1)
    assert seen == ["unknown"]  # B: not there yet; C: the account is held, nothing sent
    assert len(platform.posts) == 1
    first = rows(any_db)[0]
    assert (first.status, first.remote_id, first.next_attempt_at) == ("posted", "fb_1", None)
    assert first.reason == "the platform's answer was recorded late: it had accepted the post"
    assert [a.outcome for a in first.attempts] == ["maybe_sent", "late"]


def test_a_stale_workers_failure_cannot_overwrite_what_the_new_holder_recorded(
    any_db, queued, monkeypatch
):
    """A's call took effect, then A was cut off past its lease; B took the post over and
    found it: posted. A's own answer, a 500, arrives last: it is history, not the state
    (before fencing, it queued the post again and a second copy went out)."""
    monkeypatch.setattr(worker.Heartbeat, "_run", lambda self: None)  # no renewals
    platform = Timeline(answer=[PublishError(Failure.TRANSIENT, "Internal Server Error", 500)])

    def created_then_b_checks() -> None:
        platform.posts.append(outgoing_of(any_db, queued[0]))
        later = FrozenClock(START + timedelta(hours=1))
        (checked,) = reconcile_stale(any_db, lambda p, a: platform, clock=later, worker="B")
        assert checked.status == "posted"

    platform.during = created_then_b_checks
    publish(any_db, platform, FrozenClock(START), worker="A", limit=1)
    first = rows(any_db)[0]
    assert (first.status, first.remote_id, first.attempt_count) == ("posted", "fb_1", 0)
    assert "after another worker had taken the post over" in first.attempts[-1].error
    publish(any_db, platform, FrozenClock(START + timedelta(days=1)))
    assert len(platform.posts) == 2 and len({p.key for p in platform.posts}) == 2


#: When the workers of the tests on a frozen clock start (the posts are due from PLANNED).
START = PLANNED + timedelta(minutes=1)


def outgoing_of(db: Database, post_id: int) -> OutgoingPost:
    with db.new_session() as session:
        return worker.outgoing(session.get_one(Post, post_id))


# -- clocks ------------------------------------------------------------------------------


def test_the_database_clock_corrects_a_host_clock_six_minutes_ahead(postgres_url):
    db = Database(postgres_url)
    ahead = DatabaseClock(db, local=lambda: datetime.now(UTC) + timedelta(minutes=6))
    assert abs(ahead.now() - datetime.now(UTC)) < timedelta(seconds=2)
    assert abs(ahead.offset + timedelta(minutes=6)) < timedelta(seconds=2)
    db.dispose()


def test_a_worker_whose_host_clock_is_ahead_cannot_take_over_a_live_lease(postgres_url):
    """B's host runs six minutes fast, more than the five-minute lease. By its own clock A's
    lease has run out; by the database's it has not, and B leaves the post alone."""
    db = Database(postgres_url)
    campaign = LoadedCampaign(make_campaign(platforms=["facebook"]), Path("t.yaml"), people(1))
    runner.run_due(db, [campaign], mode=Mode.LIVE, now=PLANNED)
    platform = Timeline()
    taken: list[object] = []

    def b_with_a_fast_clock() -> None:
        fast = DatabaseClock(db, local=lambda: datetime.now(UTC) + timedelta(minutes=6))
        taken.extend(reconcile_stale(db, lambda p, a: platform, clock=fast, worker="B"))

    platform.during = b_with_a_fast_clock
    publish(db, platform, DatabaseClock(db), worker="A")
    assert taken == []
    assert [(r.status, r.remote_id) for r in rows(db)] == [("posted", "fb_1")]
    db.dispose()


# -- answers that lie ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        PublishError(Failure.MAYBE_SENT, "Service Unavailable (HTTP 503)", 503),
        PublishError(Failure.MAYBE_SENT, "the answer could not be read (HTTP 200)", 200),
    ],
    ids=["created-then-503", "garbled-200"],
)
def test_an_answer_that_does_not_prove_refusal_is_checked_and_found(any_db, queued, answer):
    platform = Timeline(answer=[answer])
    (outcome,) = publish(any_db, platform, FrozenClock(PLANNED), limit=1)
    assert outcome.status == "posted"
    assert len(platform.posts) == 1 and platform.calls == 1
    assert rows(any_db)[0].remote_id == "fb_1"


def test_a_503_before_anything_was_created_is_sent_again_after_the_check_settles(any_db, queued):
    """Not processed (nothing on the account): unknown, then after SETTLE a check that
    still shows nothing queues it again, and it goes out once."""
    refused = PublishError(Failure.MAYBE_SENT, "Service Unavailable (HTTP 503)", 503)
    platform = Timeline(refusals=[refused])
    (first,) = publish(any_db, platform, FrozenClock(PLANNED), limit=1)
    assert first.status == "unknown"
    (checked,) = reconcile_stale(any_db, lambda p, a: platform, clock=FrozenClock(PLANNED + SETTLE))
    assert checked.status == "queued"
    publish(any_db, platform, FrozenClock(PLANNED + timedelta(hours=2)))
    assert [r.status for r in rows(any_db)] == ["posted", "posted"]
    assert len(platform.posts) == 2 and len({p.key for p in platform.posts}) == 2


def test_a_duplicate_refusal_after_an_uncertain_attempt_means_the_first_went_out(any_db):
    """X without reads, resend policy: the check cannot see, the resend is refused as a
    duplicate: the post is posted (the first attempt went out), never failed."""
    campaign = LoadedCampaign(make_campaign(platforms=["facebook"]), Path("t.yaml"), people(1))
    (report,) = runner.run_due(any_db, [campaign], mode=Mode.LIVE, now=PLANNED)
    platform = Timeline(answer=[PublishError(Failure.MAYBE_SENT, "read timed out")])
    platform.reconcile = lambda post: None  # type: ignore[method-assign]
    publish(any_db, platform, FrozenClock(PLANNED))
    reconcile_stale(any_db, lambda p, a: platform, clock=FrozenClock(PLANNED + SETTLE))
    platform.refusals = [PublishError(Failure.DUPLICATE, "duplicate content", 403)]
    publish(any_db, platform, FrozenClock(PLANNED + timedelta(hours=2)))
    row = rows(any_db)[0]
    assert row.status == "posted"
    assert "refused the resend as a duplicate" in row.reason


# -- unknown, checked again ---------------------------------------------------------------


def test_an_unknown_post_is_checked_again_with_backoff_and_holds_its_account(any_db, queued):
    """The call timed out and every check fails for a while: unknown, checked again 1, 2
    ... minutes later, holding the account meanwhile, until a check finds it."""
    platform = Timeline(
        answer=[PublishError(Failure.MAYBE_SENT, "read timed out")],
        check_errors=[PublishError(Failure.MAYBE_SENT, "could not read recent posts")] * 2,
    )
    (first,) = publish(any_db, platform, FrozenClock(PLANNED))
    assert first.status == "unknown"
    row = rows(any_db)[0]
    assert row.next_attempt_at == PLANNED + timedelta(minutes=1)
    # The account's other post waits: the unknown one could fall out of what a check reads.
    assert publish(any_db, platform, FrozenClock(PLANNED + timedelta(seconds=30))) == []
    (again,) = reconcile_stale(
        any_db, lambda p, a: platform, clock=FrozenClock(PLANNED + timedelta(minutes=1))
    )
    assert again.status == "unknown"
    assert rows(any_db)[0].next_attempt_at == PLANNED + timedelta(minutes=3)
    (found,) = reconcile_stale(
        any_db, lambda p, a: platform, clock=FrozenClock(PLANNED + timedelta(minutes=3))
    )
    assert found.status == "posted"
    assert rows(any_db)[0].remote_id == "fb_1"


# -- the database refuses the record ------------------------------------------------------


def hold_sqlite_write_lock(path: str, seconds: float) -> threading.Thread:
    """Another process's writer holds the lock for ``seconds`` (from now)."""
    ready = threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(path, isolation_level=None, timeout=5)
        connection.execute("BEGIN EXCLUSIVE")
        ready.set()
        time.sleep(seconds)
        connection.execute("ROLLBACK")
        connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait(5)
    return thread


@pytest.fixture
def locked_db(tmp_path) -> Database:
    path = tmp_path / "log.db"
    db = Database(f"sqlite:///{path}", busy_timeout=0.2)
    campaign = LoadedCampaign(make_campaign(platforms=["facebook"]), Path("t.yaml"), people(1))
    runner.run_due(db, [campaign], mode=Mode.LIVE, now=PLANNED)
    yield db
    db.dispose()


def test_an_answer_the_database_refuses_for_a_while_is_recorded_when_it_comes_back(
    locked_db, tmp_path
):
    path = str(tmp_path / "log.db")
    holder: list[threading.Thread] = []
    platform = Timeline(during=lambda: holder.append(hold_sqlite_write_lock(path, 1.5)))
    (outcome,) = publish(locked_db, platform, FrozenClock(PLANNED), spool=Spool(tmp_path / "s"))
    holder[0].join()
    assert outcome.status == "posted"
    assert [(r.status, r.remote_id) for r in rows(locked_db)] == [("posted", "fb_1")]
    assert Spool(tmp_path / "s").answers() == []


def test_an_answer_kept_through_a_long_outage_and_a_restart_is_recorded(
    locked_db, tmp_path, monkeypatch
):
    """The lock outlasts the worker's patience; the process then dies. The answer was in
    the spool: the next process records it, and the post is posted with its id, not
    unknown, and never sent again."""
    monkeypatch.setattr(worker, "RECORD_PATIENCE", 0.5)
    path = str(tmp_path / "log.db")
    spool = Spool(tmp_path / "spool")
    holder: list[threading.Thread] = []
    platform = Timeline(during=lambda: holder.append(hold_sqlite_write_lock(path, 2.0)))
    with pytest.raises(OperationalError):
        publish(locked_db, platform, FrozenClock(PLANNED), spool=spool)
    holder[0].join()
    assert [a.remote_id for a in spool.answers()] == ["fb_1"]
    restarted = Database(f"sqlite:///{path}")  # a new process, after the restart
    (outcome,) = reconcile_stale(
        restarted, lambda p, a: platform, clock=FrozenClock(PLANNED), spool=spool
    )
    assert outcome.status == "posted"
    assert [(r.status, r.remote_id) for r in rows(restarted)] == [("posted", "fb_1")]
    assert spool.answers() == [] and platform.calls == 1
    restarted.dispose()


# -- limits of the protocol ----------------------------------------------------------------


def test_a_lease_shorter_than_the_slowest_call_pauses_the_account_before_any_call(any_db, queued):
    platform = Timeline(unprotected_seconds=50.0)
    (outcome, *_) = publish(any_db, platform, FrozenClock(PLANNED), lease=timedelta(seconds=30))
    assert platform.calls == 0
    with any_db.new_session() as session:
        pause = session.get_one(Pause, "account:facebook:default")
    assert "the lease (30 s) is shorter than the longest call to facebook can take (50 s" in (
        pause.reason
    )
    assert "raise the worker's --lease or lower FACEBOOK_TIMEOUT" in pause.reason


def test_stopping_finishes_the_post_in_flight_and_starts_no_other(any_db, queued):
    stop = threading.Event()
    platform = Timeline(during=stop.set)  # the signal arrives during the first call
    outcomes = publish(any_db, platform, FrozenClock(PLANNED), stopping=stop.is_set)
    assert [o.status for o in outcomes] == ["posted"]
    assert [r.status for r in rows(any_db)] == ["posted", "queued"]
