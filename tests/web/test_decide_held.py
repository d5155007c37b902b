"""Approving or rejecting held posts: a fixed number of statements however many are held.

"Approve all" of a campaign (or of every campaign) on the approvals page, and
``advocacy-bot approve --all``, once loaded each held post as an ORM object and
wrote it back with an ``UPDATE`` per post (10,000 at issue 17's figure). They
are now ``UPDATE ... WHERE status = 'held' ... RETURNING id``: the database
changes only posts still held when it reaches them, so a post claimed, approved
or rejected meanwhile by another process is neither touched nor counted, and
``post_counts`` (kept by triggers) stays equal to a recount. On SQLite and
PostgreSQL (``any_db``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, select, text, update

from bot.store.db import Database
from bot.store.models import Post
from bot.store.queries import approve_posts, reject_posts
from tests.store.test_counts import assert_counts_agree
from tests.web.test_queue_pages import NOW, _app, _csrf, hold


@pytest.fixture
def client(any_db: Database, tmp_path: Path) -> FlaskClient:
    return _app(any_db, tmp_path / "unused.db").test_client()


@contextmanager
def executed(db: Database) -> Iterator[list[str]]:
    """The statements the database runs meanwhile: an ``executemany`` runs its statement
    once per row it is given, so it counts that many (the ORM sends its UPDATEs of many
    objects as one ``executemany``: one call, a statement per row all the same)."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.startswith("PRAGMA query_only"):
            statements.extend([statement] * (len(parameters) if executemany else 1))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _decide(client: FlaskClient, db: Database, statements: list[str], **form: str) -> str:
    """Post the approvals page's form; the statements the POST sent go to ``statements``."""
    page = client.get("/dashboard/approvals").get_data(as_text=True)
    with executed(db) as sent:
        answer = client.post(
            "/dashboard/approvals/decide", data={"csrf_token": _csrf(page), **form}
        )
    statements.extend(sent)
    assert answer.status_code == 302
    return client.get("/dashboard/approvals").get_data(as_text=True)


def _rows(db: Database) -> dict[int, tuple[str, str | None, str | None, object, object]]:
    with db.new_session() as session:
        return {
            post.id: (
                post.status,
                post.reason,
                post.approved_by,
                post.scheduled_for,
                post.updated_at,
            )
            for post in session.scalars(select(Post))
        }


def test_approving_a_campaign_sends_as_many_statements_for_300_posts_as_for_3(
    any_db: Database, client: FlaskClient
) -> None:
    db = any_db
    few = hold(db, 3, campaign="campaign-a")
    # Held long ago (due before NOW) and due later: an approved post is due at once,
    # or at its own time if later.
    many = hold(db, 300, campaign="campaign-b", start=1000)
    with db.session() as session:
        session.execute(
            update(Post)
            .where(Post.id.in_(many[:100]))
            .values(scheduled_for=NOW - timedelta(days=2))
        )
    other = hold(db, 5, campaign="campaign-c", start=5000)
    before = _rows(db)
    client.get("/dashboard/approvals")  # warm: the app's first request

    for_few: list[str] = []
    html = _decide(client, db, for_few, scope="campaign", campaign="campaign-a", action="approve")
    assert "Approved 3 post(s)." in html
    for_many: list[str] = []
    html = _decide(client, db, for_many, scope="campaign", campaign="campaign-b", action="approve")
    assert "Approved 300 post(s)." in html
    # BEGIN, one UPDATE (and the commit, which is not a statement)
    assert len(for_many) == len(for_few) <= 2, for_many

    after = _rows(db)
    for post_id in few + many:
        status, reason, by, due, updated = after[post_id]
        assert (status, reason, by, updated) == ("queued", None, "web", NOW)
        assert due == max(before[post_id][3], NOW)  # type: ignore[type-var]
    assert {after[i][3] for i in many[:100]} == {NOW}
    assert all(after[i] == before[i] for i in other)  # another campaign's: untouched
    assert_counts_agree(db)

    # Reject every held post (all campaigns): the same statements again.
    hold(db, 40, campaign="campaign-d", start=9000)
    for_all: list[str] = []
    html = _decide(client, db, for_all, scope="all", action="reject")
    assert "Rejected 45 post(s)." in html
    assert len(for_all) == len(for_few), for_all
    after = _rows(db)
    assert {after[i][:3] for i in other} == {("rejected", "rejected by an organizer", None)}
    assert {after[i][0] for i in few + many} == {"queued"}  # decided already: unchanged
    assert_counts_agree(db)


def test_selected_posts_only_held_ones_change_and_the_message_says_which(
    any_db: Database, client: FlaskClient
) -> None:
    db = any_db
    ids = hold(db, 6)
    with db.session() as session:
        approve_posts(session, ids[:1], by="ana", now=NOW)
    html = _decide(
        client,
        db,
        [],
        scope="selected",
        action="reject",
        post_id=[str(i) for i in ids[:3]] + ["999999"],
    )
    assert "Rejected 2 post(s)." in html
    assert f"Not held, so unchanged: #{ids[0]}, #999999." in html
    rows = _rows(db)
    assert rows[ids[0]][:3] == ("queued", None, "ana")
    assert [rows[i][0] for i in ids] == ["queued", "rejected", "rejected", "held", "held", "held"]
    # Nothing selected: nothing changes. No CSRF token: refused, nothing changes.
    html = _decide(client, db, [], scope="selected", action="approve")
    assert "Select at least one post first." in html
    refused = client.post("/dashboard/approvals/decide", data={"scope": "all", "action": "reject"})
    assert refused.status_code == 400
    assert _rows(db) == rows
    assert_counts_agree(db)


def test_the_library_returns_the_ids_it_changed_in_chunks_of_any_size(any_db: Database) -> None:
    db = any_db
    ids = hold(db, 1203)
    with db.session() as session:
        assert approve_posts(session, ids[::2] + [10**9], by="cli", now=NOW) == ids[::2]
    with db.session() as session:
        assert reject_posts(session, ids, now=NOW) == ids[1::2]
        assert reject_posts(session, every=True, now=NOW) == []
        with pytest.raises(ValueError):
            reject_posts(session, now=NOW)  # naming nothing never means everything
    assert_counts_agree(db)


def test_sqlite_without_returning_decides_the_same_posts(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite before 3.35 has no RETURNING: the held posts are read, then updated, in
    one transaction holding the write lock; the same ids, and a fixed count."""
    db = Database(sqlite_url)
    try:
        monkeypatch.setattr(db.engine.dialect, "update_returning", False)
        ids = hold(db, 1203)
        with db.session() as session:
            assert approve_posts(session, ids[::2] + [10**9], by="cli", now=NOW) == ids[::2]
        hold(db, 3, campaign="campaign-b", start=5000)
        with executed(db) as statements, db.session() as session:
            assert reject_posts(session, campaign="campaign-a", now=NOW) == ids[1::2]
        assert not any("RETURNING" in s for s in statements)
        assert len(statements) == 3, statements  # BEGIN, the SELECT, the UPDATE
        rows = _rows(db)
        assert rows[ids[0]][:3] == ("queued", None, "cli")
        assert rows[ids[1]][:3] == ("rejected", "rejected by an organizer", None)
        assert_counts_agree(db)
    finally:
        db.dispose()


CLAIM = "UPDATE posts SET status = 'sending', lease_owner = 'w2' WHERE id = :id"
REJECT = "UPDATE posts SET status = 'rejected', reason = 'by hand' WHERE id = :id"


def _claim_and_wait(
    db: Database, claimed: int, decide: threading.Thread, change: str = CLAIM
) -> None:
    """Another process changes post ``claimed`` (held to sending: a claim) in a
    transaction still open while ``decide`` starts, and commits once ``decide`` waits."""
    with db.engine.connect() as other:
        other.execute(text(change), {"id": claimed})
        decide.start()
        if db.engine.dialect.name == "postgresql":
            # Wait until the decision waits for the claim's row lock, so it read (or
            # would have read) the post as held before the claim was committed.
            with db.engine.connect() as watcher:
                for _ in range(500):
                    waiting = watcher.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                        )
                    ).scalar_one()
                    watcher.rollback()
                    if waiting:
                        break
                    time.sleep(0.02)
                else:
                    raise AssertionError("the decision never waited for the claim")
        else:
            time.sleep(0.05)  # SQLite: the decision waits for the write lock the claim holds
        other.commit()
    decide.join(timeout=30)
    assert not decide.is_alive()


@pytest.mark.parametrize("scope", ["campaign", "all", "selected"])
def test_a_post_claimed_meanwhile_is_neither_approved_nor_counted(
    any_db: Database, scope: str
) -> None:
    db = any_db
    ids = hold(db, 20)
    claimed = ids[7]
    decided: list[list[int]] = []

    def approve() -> None:
        with db.session() as session:
            decided.append(
                approve_posts(
                    session,
                    ids if scope == "selected" else (),
                    campaign="campaign-a" if scope == "campaign" else None,
                    every=scope == "all",
                    by="web",
                    now=NOW,
                )
            )

    _claim_and_wait(db, claimed, threading.Thread(target=approve))
    assert decided == [[i for i in ids if i != claimed]]
    rows = _rows(db)
    assert rows[claimed][:3] == ("sending", "approval required", None)
    assert {rows[i][0] for i in ids if i != claimed} == {"queued"}
    assert_counts_agree(db)


def test_a_post_rejected_meanwhile_is_not_approved(any_db: Database) -> None:
    db = any_db
    ids = hold(db, 10)
    decided: list[list[int]] = []

    def approve() -> None:
        with db.session() as session:
            decided.append(approve_posts(session, every=True, by="web", now=NOW))

    _claim_and_wait(db, ids[0], threading.Thread(target=approve), change=REJECT)
    assert decided == [ids[1:]]
    assert _rows(db)[ids[0]][:3] == ("rejected", "by hand", None)
    assert_counts_agree(db)
