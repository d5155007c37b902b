"""The counts the overview reads always equal a recount of the log, on SQLite and PostgreSQL.

The counts (``post_counts``, ``daily_counts``, ``daily_person_counts``) are
kept by triggers (:mod:`bot.store.counts`); after each flow that writes the
log (planning, publishing, a failure, a retry, an unknown post resolved,
approvals, a rejection, a pause, bulk updates and deletes by hand), what the
tables hold is compared with :func:`~bot.store.counts.recount`, which counts
the same from ``posts`` and ``post_targets``.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, text, update

from bot.campaigns.loaded import LoadedCampaign
from bot.clock import FrozenClock
from bot.config import Mode
from bot.platforms.base import Failure, PublishError, PublishResult
from bot.schedule import runner
from bot.schedule.worker import publish_due, resolve_unknown
from bot.store import counts
from bot.store.db import Database, upgrade
from bot.store.models import Post, PostTarget, Status
from bot.store.queries import approve_posts, reject_posts
from bot.web import stats
from tests.guards import allow_all
from tests.schedule.test_worker import ScriptedPlatform
from tests.support import make_campaign, people

NOW = datetime(2026, 3, 2, 16, 1, tzinfo=UTC)


def assert_counts_agree(db: Database) -> counts.Counts:
    with db.engine.connect() as connection:
        kept, recounted = counts.stored(connection), counts.recount(connection)
    assert kept == recounted
    return kept


def plan(db: Database, count: int, now: datetime = NOW, **settings: object) -> list[int]:
    campaign = LoadedCampaign(make_campaign(**settings), Path("t.yaml"), tuple(people(count)))
    reports = runner.run_due(db, [campaign], mode=Mode.LIVE, now=now)
    return [post.id for report in reports for post in report.posts]


def publish(db: Database, *answers: object, at: datetime = NOW) -> list[str]:
    platform = ScriptedPlatform(list(answers))
    outcomes = publish_due(
        db, lambda p, a: platform, mode=Mode.LIVE, clock=FrozenClock(at), guard=allow_all
    )
    return [outcome.status for outcome in outcomes]


def test_counts_follow_planning_publishing_failures_retries_and_resolving(any_db):
    db = any_db
    assert plan(db, 3)
    kept = assert_counts_agree(db)
    assert sum(kept.posts.values()) >= 1 and kept.people == {}  # nothing went out yet

    assert publish(db, PublishResult("1")) == ["posted"]
    kept = assert_counts_agree(db)
    assert kept.people  # its targets now count as addressed

    plan(db, 3, now=NOW + timedelta(days=1))
    later = NOW + timedelta(days=1, minutes=5)
    # A temporary error: queued again for a retry, then posted.
    publish(db, PublishError(Failure.TRANSIENT, "Service Unavailable", 503), at=later)
    assert_counts_agree(db)
    publish(db, PublishResult("2"), at=later + timedelta(hours=2))
    assert_counts_agree(db)

    # A refusal: failed. An interrupted call: unknown, then a person resolves it.
    plan(db, 3, now=NOW + timedelta(days=2))
    publish(db, PublishError(Failure.PERMANENT, "too long", 400), at=NOW + timedelta(days=2))
    assert_counts_agree(db)
    plan(db, 3, now=NOW + timedelta(days=3), id="another-campaign")
    publish(db, PublishError(Failure.MAYBE_SENT, "timed out"), at=NOW + timedelta(days=3))
    with db.new_session() as session:
        unknown = session.scalars(select(Post.id).where(Post.status == Status.UNKNOWN.value))
        unknown_ids = list(unknown)
    assert unknown_ids
    assert_counts_agree(db)
    resolve_unknown(db, unknown_ids[0], posted=True, now=NOW + timedelta(days=3, hours=1))
    assert_counts_agree(db)


def test_counts_follow_approvals_rejections_and_pauses(any_db):
    db = any_db
    ids = plan(db, 4, approval="required") + plan(db, 4, approval="required", id="second")
    with db.new_session() as session:
        assert {p.status for p in session.scalars(select(Post))} == {Status.HELD.value}
    assert_counts_agree(db)
    with db.session() as session:
        approve_posts(session, ids[:1], by="ana", now=NOW)
    assert_counts_agree(db)
    with db.session() as session:
        reject_posts(session, every=True, now=NOW)
    kept = assert_counts_agree(db)
    assert any(key[3] == Status.REJECTED.value for key in kept.posts)
    with db.session() as session:
        session.execute(text("INSERT INTO pauses (scope, since) VALUES ('all', :at)"), {"at": NOW})
    assert publish(db) == []  # paused: nothing moves, and the counts say so
    assert_counts_agree(db)


def test_counts_follow_any_write_even_by_hand(any_db):
    """Bulk UPDATEs, deletes (their targets go by cascade), targets added and moved."""
    db = any_db
    for day in range(8):
        plan(db, 5, now=NOW + timedelta(days=day % 3), id=f"campaign-{day}")
    rng = random.Random(17)
    states = [str(s) for s in Status]
    with db.new_session() as session:
        ids = list(session.scalars(select(Post.id)))
    for step in range(12):
        chosen = rng.sample(ids, k=min(len(ids), rng.randint(1, 4)))
        with db.session() as session:
            if step % 4 == 3 and len(ids) > 2:
                deleted = session.execute(delete(Post).where(Post.id == chosen[0]))
                assert deleted.rowcount == 1  # type: ignore[attr-defined]
                ids.remove(chosen[0])
            elif step % 4 == 2:
                session.execute(
                    update(PostTarget)
                    .where(PostTarget.post_id == chosen[0])
                    .values(person_id=f"moved-{step}")
                )
                session.add(
                    PostTarget(
                        post_id=chosen[-1],
                        position=9,
                        person_id="added",
                        name="Added",
                        platform="x",
                        bill="b",
                        created_at=NOW,
                    )
                )
            else:
                session.execute(
                    update(Post).where(Post.id.in_(chosen)).values(status=rng.choice(states))
                )
        assert_counts_agree(db)
    with db.session() as session:
        session.execute(update(Post).values(status=Status.POSTED.value))
        session.execute(update(Post).where(Post.id == ids[0]).values(created_at=NOW))
    assert_counts_agree(db)
    with db.session() as session:  # one statement inserting posts of many counts, targets after
        session.execute(update(Post).where(Post.id.in_(ids[::2])).values(status="queued"))
        session.execute(
            text(
                f"INSERT INTO posts ({COPIED}) SELECT"
                f" {COPIED.replace('key', COPY_KEY, 1)} FROM posts"
            )
        )
        session.execute(
            text(
                "INSERT INTO post_targets (post_id, position, person_id, name, platform, bill,"
                " created_at) SELECT id, 0, 'copied', 'Copied', platform, bill, created_at"
                " FROM posts WHERE key LIKE 'copy-%'"
            )
        )
    assert_counts_agree(db)


COPY_KEY = "'copy-' || id"
COPIED = (
    "key, created_at, scheduled_for, updated_at, mode, campaign_id, bill, platform, account,"
    " variant, text, text_hash, length, status, cost, attempt_count"
)


def test_a_run_adds_to_each_count_once_a_statement_on_postgres(postgres_url):
    """A run's posts all add to the same few counts (one per platform here): on
    PostgreSQL each update of a row in a transaction leaves a version the next one
    walks past, so counting a post at a time made writing a run grow with the square
    of its posts (bench/postgres.py). Counted per statement, a chunk of posts (the
    planner writes 500 in one INSERT) updates each count row once."""
    from bot.store import queries

    db = Database(postgres_url)
    upgrade(db.engine)
    loaded = make_campaign(platforms=["x", "bluesky"], mentions_per_post=1)
    schedule = loaded.schedule.model_copy(update={"posts_per_day": 1000})
    campaign = loaded.model_copy(update={"schedule": schedule})
    everyone = [
        replace(person, handles={"x": f"S{i}", "bluesky": f"s{i}.bsky.social"})
        for i, person in enumerate(people(120))
    ]
    try:
        with db.session() as session:
            plan = runner.plan_posts(
                session, campaign, everyone, mode=Mode.LIVE, now=NOW, posts_per_run=240
            )
            written = queries.insert_planned(
                session, plan.posts, mode=Mode.LIVE, now=NOW, scheduled_for=NOW
            )
            changed = session.execute(
                text(
                    "SELECT relname, n_tup_ins + n_tup_upd FROM pg_stat_xact_user_tables"
                    " WHERE relname IN ('post_counts', 'daily_counts')"
                )
            ).all()
        assert len(written) > 200
        # one insert per count row (two platforms, one day), not one write per post
        assert sorted(changed) == [("daily_counts", 2), ("post_counts", 2)]
        assert_counts_agree(db)
    finally:
        db.dispose()


def test_the_migration_backfills_the_counts_from_the_log(any_db):
    from alembic import command

    from bot.store.db import alembic_config

    db = any_db
    for day in range(2):
        plan(db, 4, now=NOW + timedelta(days=day))
    publish(db, PublishResult("1"), PublishResult("2"), at=NOW + timedelta(days=1))
    expected = assert_counts_agree(db)
    command.downgrade(alembic_config(db.engine), "0013")
    with db.session() as session:  # the log changes while the counts are not kept
        session.execute(update(Post).values(status=Status.DRY_RUN.value))
    upgrade(db.engine)
    kept = assert_counts_agree(db)
    assert kept != expected and set(key[3] for key in kept.posts) == {Status.DRY_RUN.value}


def test_the_overview_reads_the_counts(any_db):
    db = any_db
    plan(db, 3)
    publish(db, PublishResult("1"), PublishResult("2"), PublishResult("3"))
    plan(db, 2, now=NOW - timedelta(days=40), id="older")  # queued, and older than either window
    with db.new_session() as session:
        days = stats.posts_per_day(session, NOW, 14)
        assert days[-1].day == NOW.date() and days[-1].total == len(publish_due_ids(session))
        assert sum(d.total for d in days[:-1]) == 0
        by_status = stats.by_status(session)
        assert by_status[Status.QUEUED.value] >= 1
        people_counted = stats.per_legislator(session, NOW, 30)
        assert people_counted and all(p.name for p in people_counted)
        targets = session.scalar(
            select(text("count(*)"))
            .select_from(PostTarget)
            .join(Post, Post.id == PostTarget.post_id)
            .where(Post.status == Status.POSTED.value)
        )
        assert sum(p.posts for p in people_counted) == targets


def publish_due_ids(session) -> list[int]:
    return list(session.scalars(select(Post.id).where(Post.status == Status.POSTED.value)))
