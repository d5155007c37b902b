"""The text search's pages in the log's order when ids do not follow it.

The search finds a page by walking the index's candidates in id order
(bot.store.search.walk_ids), trusting ids to follow ``(created_at, id)``
except for the posts ``posts_search_displaced`` lists. Here times are drawn
at random against the ids (a clock set back, a planner that started earlier
writing later, a post written with its own id, a time changed), and every
search, whole and page by page both ways, is compared with the plain
definition: the posts whose text contains the needle ignoring case, ordered
by ``(created_at, id)``, newest first.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, text, update

from bot.store import logs, search
from bot.store.db import Database
from bot.store.models import Post

T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)
WORDS = ["Please", "SUPPORT", "s 1693", "@HawleyMO", "@sen_a", "vote", "NOW", "100%", "kids"]


def _row(index: int, body: str, when: datetime, platform: str) -> dict[str, object]:
    return {
        "key": f"k{index}", "created_at": when, "scheduled_for": when, "updated_at": when,
        "mode": "dry_run", "campaign_id": "c", "bill": "b", "platform": platform,
        "account": "default", "variant": "m", "text": body, "text_hash": f"h{index}",
        "length": len(body), "status": "dry_run", "cost": 0.0, "attempt_count": 0,
    }  # fmt: skip


def _fill(database: Database, rng: random.Random) -> None:
    """Posts whose times disagree with their ids in every way the log can see."""

    def body() -> str:
        return (
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 4)))
            + f" #{rng.randint(0, 30)}"
        )

    with database.session() as session:
        rows = []
        for index in range(160):
            # Mostly in order, a minute apart (ties too); one in five from a clock set back.
            minutes = index // 2 - (rng.randint(1, 60) if rng.random() < 0.2 else 0)
            rows.append(_row(index, body(), T0 + timedelta(minutes=minutes), rng.choice("xy")))
        session.execute(insert(Post), rows)  # one row at a time through the triggers
        session.execute(delete(Post).where(Post.id % 13 == 0))
        # A post written with its own id into a gap, later than the posts after it.
        late = _row(999, body(), T0 + timedelta(minutes=500), "x")
        session.execute(insert(Post), [{**late, "id": 26}])
        # Times changed afterwards: some earlier, some later than their neighbours'.
        for post_id in (5, 40, 41, 120):
            moved = T0 + timedelta(minutes=rng.randint(-30, 120))
            session.execute(update(Post).where(Post.id == post_id).values(created_at=moved))


def _expected(database: Database, needle: str, platform: str | None) -> list[int]:
    with database.new_session() as session:
        rows = session.execute(
            text("SELECT id, text, platform FROM posts ORDER BY created_at DESC, id DESC")
        ).all()
    return [
        post_id
        for post_id, body, on in rows
        if needle.lower() in body.lower() and (platform is None or on == platform)
    ]


def _pages(database: Database, wanted: logs.LogFilter, size: int) -> tuple[list[int], list[int]]:
    """Every page by key, older and older; then from the last, newer and newer (at most
    200 pages each way: a wrong page can send a walk round in circles). Every page but
    the last each way is full."""
    down: list[int] = []
    pages: list[list[int]] = []
    sizes: list[int] = []
    with database.new_session() as session:
        page = logs.list_posts(session, wanted, limit=size)
        while page and len(pages) < 200:
            pages.append([p.id for p in page])
            down += pages[-1]
            anchor = logs.post_key(session, page[-1].id)
            page = logs.list_posts(session, wanted, limit=size, before=anchor)
        up: list[int] = []
        if pages:
            up = list(pages[-1])
            anchor = logs.post_key(session, pages[-1][0])
            for _ in range(200):
                page = logs.list_posts(session, wanted, limit=size, after=anchor)
                if not page:
                    break
                up = [p.id for p in page] + up
                sizes.append(len(page))
                anchor = logs.post_key(session, page[0].id)
    assert all(len(page) == size for page in pages[:-1]), [len(page) for page in pages]
    assert all(count == size for count in sizes[:-1]), sizes
    return down, up


def test_search_pages_follow_the_log_order_when_ids_do_not(any_db) -> None:
    rng = random.Random(1693)
    _fill(any_db, rng)
    needles = ["please", "SUPPORT s", "@hawleymo", "100% k", "sen_a", "W #1", "vote NOW", "kids #"]
    narrowed = []
    for needle in needles:
        for platform in (None, "x"):
            expected = _expected(any_db, needle, platform)
            wanted = logs.LogFilter(text=needle, platform=platform)
            with any_db.new_session() as session:
                narrowed.append(search.candidate_ids(session, needle) is not None)
                whole = [p.id for p in logs.list_posts(session, wanted, limit=1000)]
                first = [p.id for p in logs.list_posts(session, wanted, limit=3, offset=2)]
            assert whole == expected, (needle, platform)
            assert first == expected[2:5], (needle, platform)
            for size in (1, 4, 7):
                down, up = _pages(any_db, wanted, size)
                assert down == expected, (needle, platform, size)
                assert up == expected, (needle, platform, size)
    if any_db.engine.dialect.name == "sqlite":
        assert all(narrowed)  # every needle went through the index and the id walk
        with any_db.new_session() as session:
            displaced = session.execute(text("SELECT count(*) FROM posts_search_displaced"))
            assert displaced.scalar_one() > 0


def test_posts_not_displaced_are_in_id_order(sqlite_url) -> None:
    """What the walk relies on: after writes, time changes and deletes, the posts not in
    ``posts_search_displaced`` are in the log's order when ordered by id; and the
    migration's fill from an existing log lists such a set too."""
    database = Database(sqlite_url)
    _fill(database, random.Random(17))

    def in_order() -> bool:
        with database.new_session() as session:
            ids = session.scalars(
                text(
                    "SELECT id FROM posts WHERE id NOT IN (SELECT id FROM posts_search_displaced)"
                    " ORDER BY created_at, id"
                )
            ).all()
        return list(ids) == sorted(ids) and len(ids) > 100

    assert in_order()
    with database.engine.begin() as connection:
        for statement in (*search.SQLITE_ORDER_DROP, *search.SQLITE_ORDER_CREATE):
            connection.exec_driver_sql(statement)
        search.fill_displaced(connection)
    assert in_order()
    database.dispose()


def test_postgres_search_reads_past_its_window_in_the_log_order(postgres_url, monkeypatch) -> None:
    """PostgreSQL's search (bot.store.logs._trigram_ids) with a window of a few posts, so
    that most pages are found past it, through the index's rare pieces (ties and posts
    out of id order at the window's edge included): whole, from an offset, and page by
    page both ways, with and without another filter, it is the plain definition."""
    database = Database(postgres_url)
    _fill(database, random.Random(1693))
    walked: list[object] = []
    fenced = logs._fenced_ids

    def counted(*args: object) -> list[int]:
        walked.append(args)
        return fenced(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(logs, "_fenced_ids", counted)
    needles = ["please", "SUPPORT s", "@hawleymo", "100% k", "sen_a", "W #1", "kids #", "zzz"]
    # Every piece asked of the index, or none rare enough (the whole text).
    for window, share in ((2, 1.0), (5, 1.0), (3, 0.0)):
        monkeypatch.setattr(search, "WINDOW", window)
        monkeypatch.setattr(search, "COMMON_SHARE", share)
        for needle in needles:
            for platform in (None, "x"):
                expected = _expected(database, needle, platform)
                wanted = logs.LogFilter(text=needle, platform=platform)
                with database.new_session() as session:
                    whole = [p.id for p in logs.list_posts(session, wanted, limit=1000)]
                    first = [p.id for p in logs.list_posts(session, wanted, limit=3, offset=2)]
                assert whole == expected, (window, needle, platform)
                assert first == expected[2:5], (window, needle, platform)
                for size in (1, 4):
                    down, up = _pages(database, wanted, size)
                    assert down == expected, (window, needle, platform, size)
                    assert up == expected, (window, needle, platform, size)
    assert len(walked) > 500  # the pages went past the window, through the pieces
    database.dispose()
