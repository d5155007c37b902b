"""Several workers on PostgreSQL: publish throughput, and what a claim costs in a deep queue.

Runs only with ``python -m bench --postgres URL`` (bench/pg.py: it works in
the sibling database ``<name>_workers``, emptied first). Two figures:

``throughput``  ``advocacy-bot worker --live`` processes publishing to the
                local fake servers (tests/fakes: the real client libraries over
                HTTP on 127.0.0.1; tests/reliability/harness.py starts them, 7
                accounts on 4 platforms, the guard's limits raised as in the
                proofs): 1,000 posts (quick: 150) drained by one worker, then as
                many more by four. Posts a second in all and per worker, four
                against one (information: what four workers gain is what the
                machine's cores and the one-post-in-flight-per-account rule leave).
``claim``       phase one of publishing a post, in the bench's own process, as
                a worker does it (``lock_next_due`` with ``FOR UPDATE SKIP
                LOCKED``, the account's advisory lock, the in-flight check, the
                real guard, the claim ``UPDATE``), rolled back so the queue stays
                as it was: with 100,000 due posts (quick: 10,000) against 1,000,
                budget 2x. Twice: every post due; and a backlog deferred by the
                guard (its accounts at their cap: ``next_attempt_at`` an hour
                ahead) with one post due, the newest, which the claim must find;
                and one account's backlog while its oldest post is in flight
                (what every other worker's poll meets: nothing it may take).
                The plans of the claim's statements (the accounts' heads, then
                the lock) in the deep queue are printed.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import pg
from bench.common import Report, Row

#: (quick, full): posts each publishing run drains; due posts of the claim figure.
POSTS = {True: 150, False: 1_000}
DEEP = {True: 10_000, False: 100_000}
SHALLOW = 1_000
WORKERS = 4
#: The claim's cases (:func:`claims`) and how the table names them.
CASES = {
    "due": "every post due",
    "deferred": "a deferred backlog, one due",
    "in flight": "one account's backlog, its post in flight (nothing to take)",
}


def _pending(url: str) -> int:
    with pg.connect(url) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM posts WHERE status IN ('queued', 'sending')"
        ).fetchone()
    return int(count)


def _sent_by(url: str, after: int) -> dict[str, int]:
    """Posts accepted by the servers per worker, among the posts with an id above ``after``."""
    with pg.connect(url) as connection:
        rows = connection.execute(
            "SELECT worker, count(*) FROM attempts WHERE outcome = 'ok' AND post_id > %s"
            " GROUP BY worker",
            (after,),
        ).fetchall()
    return {worker: count for worker, count in rows}


def _max_id(url: str) -> int:
    with pg.connect(url) as connection:
        (found,) = connection.execute("SELECT coalesce(max(id), 0) FROM posts").fetchone()
    return int(found)


def drain(url: str, supervisor: Any, env: dict[str, str], workers: int, posts: int, start: int
          ) -> tuple[float, dict[str, int]]:  # fmt: skip
    """Seconds ``workers`` worker processes take to publish ``posts`` new posts; sent by each."""
    from tests.reliability.harness import queue_posts, start_worker, wait_ready, wait_until

    processes = [start_worker(supervisor, env, f"bench-{workers}-{i}") for i in range(workers)]
    wait_ready(processes)
    before = _max_id(url)
    began = time.perf_counter()
    queue_posts(url, posts, start=start)
    drained = wait_until(lambda: _pending(url) == 0, timeout=120 + posts, interval=0.05)
    seconds = time.perf_counter() - began
    for process in processes:
        supervisor.stop(process)
    if not drained:
        raise RuntimeError(f"{workers} worker(s) left {_pending(url)} posts pending (see logs)")
    return seconds, _sent_by(url, before)


def queue_due(url: str, count: int, *, deferred: bool, in_flight: bool = False) -> None:
    """``count`` live queued posts over the proofs' 7 accounts, all due (or all deferred an
    hour but the newest), written by the server itself; the log emptied first.

    ``in_flight``: all on one account (X, default), the oldest of them ``sending`` under
    another worker's lease: a backlog no other worker may take from.
    """
    from tests.reliability.harness import ACCOUNTS

    if in_flight:
        ACCOUNTS = ACCOUNTS[:1]  # noqa: N806
    platforms = "ARRAY[" + ", ".join(f"'{a.platform}'" for a in ACCOUNTS) + "]"
    accounts = "ARRAY[" + ", ".join(f"'{a.account}'" for a in ACCOUNTS) + "]"
    pick = f"(i %% {len(ACCOUNTS)}) + 1"
    now = datetime.now(UTC).replace(tzinfo=None)
    later = "now() AT TIME ZONE 'UTC' + interval '1 hour'"
    from bot.store import counts

    with pg.connect(url) as connection:
        connection.execute("TRUNCATE posts, post_targets, attempts RESTART IDENTITY CASCADE")
        # The overview's count triggers (migration 0017) set aside while the queue is
        # written, and the counts rebuilt after: a row-level upsert of the same count
        # row per post, 100,000 times in one transaction, takes many minutes.
        connection.execute("ALTER TABLE posts DISABLE TRIGGER USER")
        connection.execute(
            "INSERT INTO posts (key, created_at, scheduled_for, updated_at, mode, campaign_id,"
            " bill, platform, account, variant, text, text_hash, length, status, cost,"
            " attempt_count, next_attempt_at)"
            " SELECT lpad(to_hex(i), 64, '0'), at, at, at, 'live', 'reliability', 'us-119-sb',"
            f" ({platforms})[{pick}], ({accounts})[{pick}], 'a',"
            " 'Queued post ' || i || ': please support SB ' || (i %% 997),"
            " lpad(to_hex(i * 7 + 3), 64, '0'), 40, 'queued', 0.0, 0,"
            f" CASE WHEN %(deferred)s AND i < %(count)s THEN {later} END"
            " FROM (SELECT i, %(start)s::timestamp + i * interval '10 ms' AS at"
            " FROM generate_series(1, %(count)s) AS i) AS r",
            {"count": count, "deferred": deferred, "start": now - timedelta(hours=2)},
        )
        connection.execute("ALTER TABLE posts ENABLE TRIGGER USER")
        for statement in counts.rebuild_statements("postgresql"):
            connection.execute(statement)
        if in_flight:
            connection.execute(
                "UPDATE posts SET status = 'sending', lease_owner = 'another:1', claim_token = 1,"
                " lease_expires = now() AT TIME ZONE 'UTC' + interval '1 hour' WHERE id = 1"
            )
    with pg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE posts")


def claim_timer(
    url: str, env: dict[str, str]
) -> tuple[Callable[[], tuple[float, float]], Callable[[], list[str]]]:
    """(one claim's seconds and its query's, the claim query's plan), over the log at ``url``."""
    from sqlalchemy import event

    from bot.cli.run import _schedules, make_guard
    from bot.config import Mode, Settings
    from bot.store import queries
    from bot.store.db import Database

    config = Settings.load(environ=env, dotenv=False)  # CAMPAIGNS_DIR: the proofs' campaign
    schedules, _ = _schedules(config, None)
    guard = make_guard(config, Mode.LIVE, schedules)
    db = Database(url, migrate=False)
    captured: list[tuple[str, Any]] = []

    def once(expect: bool = True) -> tuple[float, float]:
        session = db.new_session()
        try:
            now = datetime.now(UTC)
            start = time.perf_counter()
            post = queries.lock_next_due(session, Mode.LIVE, now)
            query = time.perf_counter() - start
            if post is None and not expect:
                return query, query
            if post is None:
                raise RuntimeError("no post due")
            queries.lock_account(session, post.platform, post.account)
            queries.account_in_flight(session, post.platform, post.account, besides=post.id)
            verdict = guard(session, post, now)
            if verdict.kind != "allow":
                raise RuntimeError(f"the guard said {verdict.kind}: {verdict.reason}")
            if queries.claim(session, post, "bench", now, now + timedelta(minutes=5)) is None:
                raise RuntimeError("the claim failed")
            return time.perf_counter() - start, query
        finally:
            session.rollback()
            session.close()

    def plan(expect: bool = True) -> list[str]:
        def before(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            if "SKIP LOCKED" in statement or "queued_accounts" in statement:
                captured.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            once(expect)
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        lines = []
        with db.engine.connect() as connection:
            for statement, parameters in captured:  # the accounts' heads, then the lock
                rows = connection.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters
                ).fetchall()
                lines += [row[0] for row in rows]
            connection.rollback()
        captured.clear()
        db.dispose()
        return lines

    return once, plan


def claims(url: str, env: dict[str, str], count: int, case: str, repeat: int
           ) -> tuple[float, float, list[str]]:  # fmt: skip
    """Median seconds of a claim with ``count`` posts queued, of its query, and the plan.

    ``case``: ``due`` (every post due), ``deferred`` (all but the newest deferred) or
    ``in flight`` (one account's backlog, its oldest post ``sending``: nothing to claim).
    """
    queue_due(url, count, deferred=case == "deferred", in_flight=case == "in flight")
    expect = case != "in flight"
    once, plan = claim_timer(url, env)
    once(expect)  # warm: statements, the guard's settings, the cache
    times = [once(expect) for _ in range(repeat)]
    median = statistics.median
    return median(t for t, _ in times), median(q for _, q in times), plan(expect)


def run(report: Report, *, quick: bool) -> None:
    base = pg.base_url()
    if base is None:
        print(f"  skipped: no PostgreSQL (--postgres URL or ${pg.ENV})")
        return
    from bot.store.db import Database
    from tests.reliability.harness import Supervisor, bot_env, start_fakes

    url = pg.ensure_database(base, "workers")
    pg.reset(url)
    Database(url).dispose()
    posts = POSTS[quick]
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp, Supervisor(Path(tmp)) as sup:
        fakes = start_fakes(sup)
        env = bot_env(url, fakes, Path(tmp) / "state")
        env["CAMPAIGNS_DIR"] = str(Path(tmp) / "campaigns")  # the workers' own (cwd)
        one, _ = drain(url, sup, env, 1, posts, start=0)
        # The same log for the four as for the one: emptied, so the planner's history
        # (the same legislators just tagged, the day's caps) does not thin the second
        # queue (it planned 1 post of 1,000 there).
        pg.reset(url)
        Database(url).dispose()
        four, by_worker = drain(url, sup, env, WORKERS, posts, start=posts)
        rate_one, rate_four = posts / one, posts / four
        each = sorted((n / four for n in by_worker.values()), reverse=True)
        shown = ", ".join(f"{rate:.1f}" for rate in each)
        report.add(
            Row(
                "workers (pg)",
                f"{WORKERS} workers, posts a second in all",
                round(rate_four, 1),
                round(rate_one, 1),
                "posts/s",
                None,
                "1 worker, the same number of posts to the same fakes",
                note=f"{posts} posts each: {four:.1f} s against {one:.1f} s; 7 accounts, "
                f"one post in flight per account",
            )
        )
        report.add(
            Row(
                "workers (pg)",
                f"{WORKERS} workers, posts a second per worker (mean)",
                round(rate_four / WORKERS, 1),
                round(rate_one, 1),
                "posts/s",
                None,
                "1 worker alone",
                note=f"each: {shown} posts/s",
            )
        )
        deep, repeat = DEEP[quick], 9 if quick else 25
        for case, label in CASES.items():
            shallow_s, shallow_q, _ = claims(url, env, SHALLOW, case, repeat)
            deep_s, deep_q, plan = claims(url, env, deep, case, repeat)
            report.add(
                Row(
                    "workers (pg)",
                    f"claim, {deep:,} queued, {label}",
                    deep_s,
                    shallow_s,
                    "s",
                    2.0,
                    f"the same claim with {SHALLOW:,} queued",
                    note=(
                        "the query alone, which finds nothing"
                        if case == "in flight"
                        else "lock, account lock, guard, claim UPDATE; the query "
                        f"{deep_q * 1e3:.1f} ms against {shallow_q * 1e3:.1f} ms"
                    )
                    + f"; median of {repeat}",
                )
            )
            report.detail(f"workers (pg): the claim's query, {deep:,} queued, {label}", plan)
