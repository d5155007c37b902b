"""The log's text search (bot.store.search): what docs/web.md says matches, served by an index.

The answers are compared with the plain definition ("the text contains it,
ignoring case") over generated texts, through the index's narrowing and
through the newest-first read alike, and page by page by key.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, text, update

from bot.store import logs, search
from bot.store.db import Database
from bot.store.models import Post

T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)


def _add(database: Database, texts: list[str]) -> None:
    with database.session() as session:
        for index, body in enumerate(texts):
            when = T0 + timedelta(minutes=index // 2)  # ties, broken by id
            session.add(
                Post(
                    key=f"k{index}",
                    created_at=when,
                    scheduled_for=when,
                    updated_at=when,
                    mode="dry_run",
                    campaign_id="c",
                    bill="b",
                    platform="x",
                    account="default",
                    variant="m",
                    text=body,
                    text_hash=f"h{index}",
                    length=len(body),
                    status="dry_run",
                )  # fmt: skip
            )


def _found(database: Database, needle: str, **filters: str) -> list[str]:
    with database.new_session() as session:
        wanted = logs.LogFilter(text=needle, **filters)
        return [p.text for p in logs.list_posts(session, wanted, limit=10_000)]


def test_text_search_matches_what_the_docs_say(any_db) -> None:
    _add(
        any_db,
        [
            "@HawleyMO please support S 1693",
            "S1693 now",
            "100% of us_here",
            "1000 of usXhere",
            "a/b path",
        ],
    )
    assert _found(any_db, "hawl") == ["@HawleyMO please support S 1693"]  # part of a word
    assert _found(any_db, "PLEASE SUPPORT") == ["@HawleyMO please support S 1693"]  # any case
    assert _found(any_db, "S 1693") == ["@HawleyMO please support S 1693"]  # spaces count
    assert _found(any_db, "0%") == ["100% of us_here"]  # % and _ are plain characters
    assert _found(any_db, "us_h") == ["100% of us_here"]
    assert _found(any_db, "a/b") == ["a/b path"]
    assert _found(any_db, "S1") == ["S1693 now"]  # under three characters: read, not indexed
    assert _found(any_db, "nowhere") == []


WORDS = ["please", "support", "S 1693", "@Hawley", "@sen_a", "vote", "now", "100%", "kids"]


def _texts(rng: random.Random, count: int) -> list[str]:
    return [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))) + f" #{rng.randint(0, 60)}"
        for _ in range(count)
    ]


def test_search_answers_as_the_definition_through_the_index_and_without_it(
    any_db, monkeypatch
) -> None:
    rng = random.Random(17)
    _add(any_db, _texts(rng, 120))
    # Few candidates allowed: some texts are narrowed by the index, the common ones read.
    monkeypatch.setattr(search, "CANDIDATES", 15)
    with any_db.session() as session:  # the index follows edits and deletes
        session.execute(update(Post).where(Post.id % 7 == 0).values(text="edited: VOTE #99 kids"))
        session.execute(delete(Post).where(Post.id % 11 == 0))
    with any_db.new_session() as session:
        rows = session.execute(
            text("SELECT id, text FROM posts ORDER BY created_at DESC, id DESC")
        ).all()
    needles = ["#99", "VOTE", "@hawley s", "t #5", "100% k", "sen_a", "zz", "ids #1", "#4"]
    needles += [body[2 : 2 + rng.randint(3, 9)] for _, body in rng.sample(rows, 6)]
    narrowed: set[bool] = set()
    for needle in needles:
        with any_db.new_session() as session:
            narrowed.add(search.candidate_ids(session, needle) is not None)
        expected = [body for _, body in rows if needle.lower() in body.lower()]
        assert _found(any_db, needle) == expected, needle
        # Page by key, both ways, through the same search.
        with any_db.new_session() as session:
            wanted = logs.LogFilter(text=needle)
            pages: list[str] = []
            page = logs.list_posts(session, wanted, limit=9)
            while page:
                pages += [p.text for p in page]
                last = logs.post_key(session, page[-1].id)
                page = logs.list_posts(session, wanted, limit=9, before=last)
        assert pages == expected, needle
    if any_db.engine.dialect.name == "sqlite":
        assert narrowed == {True, False}  # both ways were taken


def test_the_sqlite_index_narrows_a_rare_text_and_leaves_a_common_one(sqlite_url) -> None:
    database = Database(sqlite_url)
    _add(database, [f"please support S 1693 ({i})" for i in range(60)] + ["@RareName hi"])
    with database.new_session() as session:
        rare = search.candidate_ids(session, "rarename")
        assert rare is not None and len(rare) == 1
        assert search.candidate_ids(session, "absent text") == []
        assert search.candidate_ids(session, "S1") is None  # too short for the index
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "CANDIDATES", 20)
        with database.new_session() as session:
            assert search.candidate_ids(session, "please support") is None  # common: read
    database.dispose()


def test_postgres_has_its_trigram_index(postgres_url) -> None:
    database = Database(postgres_url)
    with database.engine.connect() as connection:
        found = connection.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_posts_text_trgm'")
        ).scalar_one()
    assert "gin" in found and "gin_trgm_ops" in found
    database.dispose()
