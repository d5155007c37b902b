"""The log filtered to one legislator (``log --person``, the dashboard's ``?person=``).

The page walks the person's targets newest first (``ix_post_targets_person_created``)
and joins each to its post, ordering by the target's ``created_at, post_id``:
right only while a target's ``created_at`` is its post's, which the log's one
writer (``insert_planned``) keeps; these tests write the log through it.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select, text

from bot.compose.plan import PlannedPost, post_key, text_hash
from bot.config import Mode
from bot.posts import PlannedTarget
from bot.store import logs, queries
from bot.store.db import Database
from bot.store.models import Post

T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)
PEOPLE = ["P1", "P2", "P3", "P4"]


def _planned(number: int, people: list[str], campaign: str, platform: str) -> PlannedPost:
    text = f"Post {number}: please pass S 1"
    return PlannedPost(
        key=post_key(platform, "default", campaign, "us/119/S 1", people, text),
        campaign_id=campaign,
        bill="us/119/S 1",
        platform=platform,
        account="default",
        variant="m1",
        text=text,
        text_hash=text_hash(text),
        length=len(text),
        limit=280,
        link=None,
        targets=tuple(PlannedTarget(p, f"Name {p}", None) for p in people),
    )


def _fill(database: Database, runs: int = 30, seed: int = 7) -> None:
    """Runs of 1-4 posts each (ties on ``created_at`` the id must break), at times out of
    order with the ids (a later run may be older), 1-3 targets a post, some naming one
    person twice."""
    rng = random.Random(seed)
    number = 0
    with database.session() as session:
        for _ in range(runs):
            now = T0 + timedelta(minutes=rng.randrange(0, 40))
            batch = []
            for _ in range(rng.randint(1, 4)):
                people = [rng.choice(PEOPLE) for _ in range(rng.randint(1, 3))]
                campaign = rng.choice(["c1", "c2"])
                batch.append(_planned(number, people, campaign, rng.choice(["x", "bluesky"])))
                number += 1
            queries.insert_planned(session, batch, mode=Mode.DRY_RUN, now=now, scheduled_for=now)


def _brute_force(database: Database, filters: logs.LogFilter) -> list[int]:
    """Every post matching ``filters``, read whole and filtered in Python, newest first."""
    with database.new_session() as session:
        posts = list(session.scalars(select(Post)))
        kept = [
            p
            for p in posts
            if filters.person in {t.person_id for t in p.targets}
            and (filters.campaign is None or p.campaign_id == filters.campaign)
            and (filters.platform is None or p.platform == filters.platform)
            and (filters.since is None or p.created_at >= filters.since)
            and (filters.until is None or p.created_at < filters.until)
        ]
    return [p.id for p in sorted(kept, key=lambda p: (p.created_at, p.id), reverse=True)]


FILTERS = [
    logs.LogFilter(person="P1"),
    logs.LogFilter(person="P2", campaign="c1"),
    logs.LogFilter(person="P3", platform="x", since=T0 + timedelta(minutes=10)),
    logs.LogFilter(person="P4", until=T0 + timedelta(minutes=30)),
    logs.LogFilter(person="nobody"),
]


def test_a_targets_time_is_its_posts_time(any_db) -> None:
    """The key of the person's walk: every target's ``created_at`` equals its post's."""
    _fill(any_db)
    with any_db.new_session() as session:
        targets, unequal = session.execute(
            text(
                "SELECT count(*), sum(CASE WHEN t.created_at = p.created_at THEN 0 ELSE 1 END)"
                " FROM post_targets t JOIN posts p ON p.id = t.post_id"
            )
        ).one()
    assert targets > 60
    assert unequal == 0


def test_a_persons_posts_are_the_brute_force_filter_paged_both_ways(any_db) -> None:
    _fill(any_db)
    for filters in FILTERS:
        expected = _brute_force(any_db, filters)
        with any_db.new_session() as session:
            assert [p.id for p in logs.list_posts(session, filters, limit=1000)] == expected
            assert logs.count_matching(session, filters, cap=1000) == (len(expected), False)
            if len(expected) > 3:
                assert logs.count_matching(session, filters, cap=3) == (3, True)
            pages: list[list[int]] = []
            page = logs.list_posts(session, filters, limit=3)
            while page:
                pages.append([p.id for p in page])
                key = logs.post_key(session, page[-1].id)
                page = logs.list_posts(session, filters, limit=3, before=key)
            assert [i for ids in pages for i in ids] == expected, filters
            for older, newer in zip(pages[1:], pages, strict=False):
                key = logs.post_key(session, older[0])
                back = logs.list_posts(session, filters, limit=3, after=key)
                assert [p.id for p in back] == newer, filters
            # each post once, with all its targets
            for post in logs.list_posts(session, filters, limit=1000):
                assert len(post.targets) >= 1
    assert len(_brute_force(any_db, FILTERS[0])) > 10  # the log is not trivially small


def test_a_post_naming_the_person_twice_is_listed_once(any_db) -> None:
    with any_db.session() as session:
        queries.insert_planned(
            session,
            [_planned(1, ["P1", "P2", "P1"], "c1", "x"), _planned(2, ["P1"], "c1", "x")],
            mode=Mode.DRY_RUN,
            now=T0,
            scheduled_for=T0,
        )
    with any_db.new_session() as session:
        listed = logs.list_posts(session, logs.LogFilter(person="P1"))
        assert len(listed) == 2 and listed[0].id > listed[1].id
        assert logs.count_matching(session, logs.LogFilter(person="P1"), cap=10) == (2, False)


def test_sqlite_walks_the_persons_targets_newest_first(sqlite_url) -> None:
    """The page reads the person's entries of the index, in order: no sort, no scan of
    the log. (Before: ``posts.id IN (...)`` sorted the person's posts in a temporary
    B-tree, or walked ``ix_posts_created`` through the whole log.)"""
    database = Database(sqlite_url)
    try:
        _fill(database)
        sent: list[tuple[str, object]] = []

        def capture(conn, cursor, statement, parameters, context, executemany) -> None:
            sent.append((statement, parameters))

        with database.new_session() as session:
            key = logs.post_key(
                session, logs.list_posts(session, logs.LogFilter(person="P1"))[3].id
            )
            event.listen(database.engine, "before_cursor_execute", capture)
            try:
                for filters, before in (
                    (logs.LogFilter(person="P1"), None),
                    (logs.LogFilter(person="P1", campaign="c1"), None),
                    (logs.LogFilter(person="P1"), key),
                ):
                    sent.clear()
                    logs.list_posts(session, filters, limit=50, before=before)
                    statement, parameters = sent[0]  # the page; then its posts' targets
                    plan = [
                        row[3]
                        for row in session.connection().exec_driver_sql(
                            f"EXPLAIN QUERY PLAN {statement}", parameters
                        )
                    ]
                    assert any(
                        "post_targets USING COVERING INDEX ix_post_targets_person_created" in line
                        for line in plan
                    ), plan
                    assert not any("TEMP B-TREE" in line for line in plan), plan
            finally:
                event.remove(database.engine, "before_cursor_execute", capture)
    finally:
        database.dispose()
