"""The worker's claim query (``queries.lock_next_due``): which post it takes, and what it reads.

The claim seeks each account's oldest due post instead of walking the queue in
time order (docs/benchmarks.md, "PostgreSQL and several workers"). Two promises:

- it takes the post the walk took: the oldest due post (by scheduled time, then
  id) of an account with nothing in flight, not paused, not passed over, of a
  campaign not paused (checked against the walk itself over random logs);
- what it reads does not grow with the backlog of an account that may not
  publish (a post in flight) or must wait (deferred by the guard): counted as
  SQLite's virtual machine steps, and as PostgreSQL's rows read (its per-
  transaction statistics), never as time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import exists, insert, or_, select, text, update
from sqlalchemy.orm import Session, aliased

from bot.config import Mode
from bot.store import queries
from bot.store.db import Database
from bot.store.models import Pause, Post, Status

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


def _walk(
    session: Session, mode: Mode, now: datetime, passing_over: list[tuple[str, str]]
) -> int | None:
    """The claim as it was: the due posts in time order, the first one allowed."""
    pauses = list(
        session.scalars(select(Pause.scope).where(or_(Pause.until.is_(None), Pause.until > now)))
    )
    if "all" in pauses:
        return None
    holder = aliased(Post)
    query = (
        select(Post.id)
        .where(Post.status == Status.QUEUED.value, Post.scheduled_for <= now)
        .where(Post.mode == mode.value)
        .where(or_(Post.next_attempt_at.is_(None), Post.next_attempt_at <= now))
        .where(
            ~exists().where(
                queries.in_flight(holder),
                holder.platform == Post.platform,
                holder.account == Post.account,
            )
        )
        .order_by(Post.scheduled_for, Post.id)
    )
    for scope in pauses:
        if scope.startswith("campaign:"):
            query = query.where(Post.campaign_id != scope.removeprefix("campaign:"))
    accounts = [
        tuple(scope.removeprefix("account:").partition(":")[::2])
        for scope in pauses
        if scope.startswith("account:")
    ]
    for platform, account in [*accounts, *passing_over]:
        query = query.where(~((Post.platform == platform) & (Post.account == account)))
    return session.scalar(query.limit(1))


def _post(number: int, platform: str, account: str, scheduled_for: datetime, **values: Any
          ) -> dict[str, Any]:  # fmt: skip
    row: dict[str, Any] = {
        "key": f"{number:064x}",
        "created_at": scheduled_for,
        "scheduled_for": scheduled_for,
        "updated_at": scheduled_for,
        "mode": "live",
        "campaign_id": "c1",
        "bill": "b",
        "platform": platform,
        "account": account,
        "variant": "a",
        "text": f"post {number}",
        "text_hash": f"{number:064x}",
        "length": 10,
        "status": Status.QUEUED.value,
        "cost": 0.0,
        "attempt_count": 0,
        "claim_token": 0,
        "next_attempt_at": None,
        "lease_owner": None,
        "lease_expires": None,
    }
    row.update(values)
    return row


def _write(db: Database, rows: list[dict[str, Any]]) -> None:
    with db.session() as session:
        for start in range(0, len(rows), 2_000):
            session.execute(insert(Post.__table__), rows[start : start + 2_000])  # type: ignore[arg-type]
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:  # the planner sees the log as it is
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "ANALYZE posts"
            )


ACCOUNTS = [("x", "default"), ("x", "second"), ("facebook", "default"), ("mastodon", "default")]


def _random_log(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Posts in every state the claim must tell apart, with ties in time and shared
    deferral times (as :func:`queries.defer_account` leaves them)."""
    times = [NOW - timedelta(minutes=rng.randrange(0, 40)) for _ in range(8)]
    times += [NOW + timedelta(minutes=5)]  # not yet due
    deferrals = [NOW - timedelta(minutes=3), NOW - timedelta(minutes=1), NOW + timedelta(hours=1)]
    rows = []
    for number in range(count):
        platform, account = rng.choice(ACCOUNTS)
        status = rng.choice(
            [Status.QUEUED.value] * 8
            + [Status.POSTED.value, Status.HELD.value, Status.UNKNOWN.value]
        )
        rows.append(
            _post(
                number,
                platform,
                account,
                rng.choice(times),
                status=status,
                next_attempt_at=None
                if status == Status.UNKNOWN.value  # left for a person: holds nothing back
                else rng.choice([None, None, None, *deferrals]),
                mode=rng.choice(["live"] * 5 + ["dry_run"]),
                campaign_id=rng.choice(["c1", "c1", "c2"]),
            )
        )
    for platform, account in ACCOUNTS:  # some accounts have a post in flight
        mine = [row for row in rows if (row["platform"], row["account"]) == (platform, account)]
        holds = rng.choice([None, None, Status.SENDING.value, Status.UNKNOWN.value])
        if holds and mine:
            rng.choice(mine).update(status=holds, next_attempt_at=NOW + timedelta(minutes=2))
    return rows


@pytest.mark.parametrize("seed", range(6))
def test_the_claim_takes_the_post_the_time_ordered_walk_took(any_db: Database, seed: int):
    """Over random logs (posts in flight, unknown ones awaiting a check or a person,
    deferrals past and ahead, ties in time, both modes, two campaigns) and random
    pauses and passed-over accounts, the claim takes the very post the old walk
    took, and takes nothing when the walk took nothing."""
    rng = random.Random(seed)
    _write(any_db, _random_log(rng, 120))
    compared = 0
    for _ in range(40):
        with any_db.session() as session:
            session.execute(Pause.__table__.delete())
            for scope in rng.sample(
                ["campaign:c2", "account:x:default", "account:facebook:default", "all"],
                k=rng.choice([0, 0, 0, 1, 2]),
            ):
                until = rng.choice([None, NOW + timedelta(hours=1), NOW - timedelta(hours=1)])
                session.add(Pause(scope=scope, reason="test", since=NOW, until=until))
        passing_over = rng.sample(ACCOUNTS, k=rng.choice([0, 0, 0, 1, 2]))
        mode = rng.choice([Mode.LIVE, Mode.LIVE, Mode.DRY_RUN])
        with any_db.session() as session:
            expected = _walk(session, mode, NOW, passing_over)
            found = queries.lock_next_due(session, mode, NOW, passing_over=passing_over)
            assert (found.id if found else None) == expected
            compared += expected is not None
            if found is not None and rng.random() < 0.5:  # the log moves on: claimed, sent
                found.status = rng.choice([Status.SENDING.value] + [Status.POSTED.value] * 3)
    assert compared >= 5  # rounds that found a post to compare


def _steps(db: Database, call: Callable[[Session], object]) -> int:
    """SQLite's virtual machine steps while ``call`` runs (its progress handler, every step)."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    with db.session() as session:
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        raw.set_progress_handler(count, 1)
        try:
            call(session)
        finally:
            raw.set_progress_handler(None, 1)
    return steps


def _rows_read(db: Database, call: Callable[[Session], object]) -> int:
    """Rows of ``posts`` PostgreSQL read while ``call`` ran, by scanning the table or
    through an index (the transaction's own statistics, ``pg_stat_xact_user_tables``)."""
    query = text(
        "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)"
        " FROM pg_stat_xact_user_tables WHERE relname = 'posts'"
    )
    with db.session() as session:
        before = session.scalar(query)
        call(session)
        after = session.scalar(query)
    return int(after) - int(before)


def _claim(db: Database) -> tuple[str | None, int]:
    """The text of the post the claim takes (None if none), and what the claim read:
    SQLite's steps, or PostgreSQL's rows."""
    found: list[str | None] = []

    def claim(session: Session) -> None:
        post = queries.lock_next_due(session, Mode.LIVE, NOW)
        found.append(post.text if post else None)

    count = _steps if db.engine.dialect.name == "sqlite" else _rows_read
    cost = count(db, claim)
    return found[0], cost


def _backlog(db: Database, count: int, *, deferred: bool) -> None:
    """``count`` due posts of X, the oldest ``sending`` (or all deferred an hour ahead,
    as the guard leaves an account at its cap), then one due post of Facebook behind
    them (``post COUNT``)."""
    start = NOW - timedelta(hours=3)
    rows = [
        _post(
            number,
            "x",
            "default",
            start + timedelta(seconds=number),
            next_attempt_at=NOW + timedelta(hours=1) if deferred else None,
        )
        for number in range(count)
    ]
    if not deferred:
        rows[0].update(status=Status.SENDING.value, lease_owner="another:1", claim_token=1)
        rows[0]["lease_expires"] = NOW + timedelta(minutes=5)
    rows.append(_post(count, "facebook", "default", NOW - timedelta(minutes=1)))
    _write(db, rows)


@pytest.mark.parametrize("deferred", [False, True], ids=["in flight", "deferred"])
def test_the_claim_reads_past_a_backlog_it_may_not_take_without_reading_it(
    any_db: Database, deferred: bool
):
    """Behind 4,000 due posts of an account with a post in flight (or all deferred by
    the guard), the claim finds the other account's post having read no more than
    behind 40: the walk read each of them (on SQLite some 25 steps a post; on
    PostgreSQL a row each, or the whole table)."""
    costs = {}
    for size in (40, 4_000):
        with any_db.session() as session:
            session.execute(Post.__table__.delete())
        _backlog(any_db, size, deferred=deferred)
        found, costs[size] = _claim(any_db)
        assert found == f"post {size}"  # Facebook's
    assert costs[4_000] <= costs[40] * 1.5 + 50, costs


def test_a_backlog_whose_deferral_has_passed_costs_a_few_seeks(any_db: Database):
    """An account's backlog deferred to a time now past (its cap lifted, its spacing
    over), every post sharing that time as the guard leaves them, and another
    account's post deferred to a later past time but planned earlier: the claim
    takes that post without reading the backlog (nor the backlog's deferral time
    after time: they come first in ``next_attempt_at`` order)."""
    costs = {}
    for size in (40, 4_000):
        with any_db.session() as session:
            session.execute(Post.__table__.delete())
        start = NOW - timedelta(hours=3)
        rows = [
            _post(
                n,
                "x",
                "default",
                start + timedelta(seconds=n),
                next_attempt_at=NOW - timedelta(minutes=10),
            )  # fmt: skip
            for n in range(size)
        ]
        rows.append(
            _post(
                size,
                "facebook",
                "default",
                start - timedelta(minutes=1),
                next_attempt_at=NOW - timedelta(minutes=1),
            )  # fmt: skip
        )
        _write(any_db, rows)
        found, costs[size] = _claim(any_db)
        assert found == f"post {size}"
    assert costs[4_000] <= costs[40] * 1.5 + 50, costs


def test_the_claim_takes_the_oldest_head_among_accounts_and_skips_an_account_in_flight(
    db: Database,
):
    """The oldest due post goes first, across accounts; an account with a post in
    flight is passed over, and its next post is taken once that one is done."""
    rows = [
        _post(1, "x", "default", NOW - timedelta(minutes=30)),
        _post(2, "x", "default", NOW - timedelta(minutes=20)),
        _post(3, "facebook", "default", NOW - timedelta(minutes=25)),
        _post(4, "mastodon", "default", NOW - timedelta(minutes=25)),  # a tie: the lower id
        _post(5, "x", "second", NOW + timedelta(minutes=1)),  # not yet due
    ]
    _write(db, rows)

    def take() -> str | None:
        with db.session() as session:
            post = queries.lock_next_due(session, Mode.LIVE, NOW)
            if post is None:
                return None
            post.status = Status.SENDING.value
            return post.text

    assert [take(), take(), take(), take()] == ["post 1", "post 3", "post 4", None]
    with db.session() as session:
        session.execute(
            update(Post).where(Post.text == "post 1").values(status=Status.POSTED.value)
        )
    assert take() == "post 2"
