# ruff: noqa: F811 - ``smtp`` is tests/notify's SMTP server fixture, imported below
"""Pages read without SQLite's write lock; actions still take it (bot.store.db read sessions).

Another connection plays the worker: ``BEGIN IMMEDIATE`` and writes, not committed.
The dashboard and the supporter pages answer through the real app while it holds
the lock, and show what was committed. A POST that acts (approve, pause, sign up, a
call's outcome) waits for the lock, then writes. Every statement the app runs is
traced (SQLite's trace callback), so the tests also see which transaction each
write ran in.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, select

from bot.clock import FrozenClock
from bot.config import Settings
from bot.store.db import Database
from bot.store.models import Pause, Post
from bot.store.subscribers import Subscriber
from bot.web.outcomes import tallies
from tests.notify.conftest import (
    SMTPServer,
    smtp,  # noqa: F401
    smtp_env,
)
from tests.support import ROOT
from tests.web.conftest import NO_PHOTOS, NOW, PASSWORD, POSTED_X_ID, Seeded

S1693 = "us-s1693-online-trafficking"
CSRF = "test-csrf-token"
#: What the app waits for another connection's write lock: long enough that a page
#: that waited would not answer while the lock is held, short enough that the old
#: code (every transaction IMMEDIATE) fails in seconds.
BUSY_TIMEOUT = 10.0
UNCOMMITTED = "paused by the worker, not committed yet"
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@dataclass
class Trace:
    """Every statement the app's connections run: (thread, connection, SQL)."""

    main: int = field(default_factory=threading.get_ident)
    statements: list[tuple[int, int, str]] = field(default_factory=list)
    began_writing: threading.Event = field(default_factory=threading.Event)
    """Set when a thread other than the test's begins IMMEDIATE (it may then wait)."""

    def __call__(self, connection: int, sql: str) -> None:
        thread = threading.get_ident()
        self.statements.append((thread, connection, sql))
        if thread != self.main and sql.strip().upper() == "BEGIN IMMEDIATE":
            self.began_writing.set()

    def since(self, start: int) -> list[tuple[int, int, str]]:
        return self.statements[start:]


@dataclass
class Site:
    client: FlaskClient
    db: Database
    path: Path
    trace: Trace
    ids: dict[str, int]


@pytest.fixture
def site(seeded: Seeded, tmp_path: Path, smtp: SMTPServer) -> Iterator[Site]:
    """The app over a copy of the seeded log, logged in, its statements traced."""
    from bot.web.app import WebConfig, create_app

    if not seeded.directory:
        pytest.skip("the supporter pages need the reference data in ../shared/data")
    path = tmp_path / "log.db"
    shutil.copy(seeded.path, path)
    settings = Settings.load(
        environ={
            "DATABASE_URL": f"sqlite:///{path}",
            "CAMPAIGNS_DIR": str(ROOT / "campaigns"),
            **NO_PHOTOS,
            **smtp_env(smtp),
            "UPDATES_FROM": "updates@example.org",
            "UPDATES_SITE_URL": "http://127.0.0.1",
        },
        dotenv=False,
    )
    db = Database(f"sqlite:///{path}", migrate=False, busy_timeout=BUSY_TIMEOUT)
    trace = Trace()

    @event.listens_for(db.engine, "connect")
    def _trace(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        key = id(dbapi_connection)
        dbapi_connection.set_trace_callback(lambda sql: trace(key, sql))

    config = WebConfig(
        settings=settings,
        password=PASSWORD,
        campaigns_dir=ROOT / "campaigns",
        clock=FrozenClock(NOW),
    )
    client = create_app(db, config).test_client()
    with client.session_transaction() as cookie:
        cookie["organizer"] = True
        cookie["csrf_token"] = CSRF
    yield Site(client, db, path, trace, seeded.ids)
    db.dispose()


class Writer:
    """Another process writing: BEGIN IMMEDIATE, a pause and a post's new state, held."""

    def __init__(self, path: Path, *, scope: str, post_id: int) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, timeout=0)
        self.connection.execute("BEGIN IMMEDIATE")
        self.connection.execute(
            "INSERT INTO pauses (scope, reason, since) VALUES (?, ?, ?)",
            (scope, UNCOMMITTED, NOW.strftime("%Y-%m-%d %H:%M:%S.%f")),
        )
        self.connection.execute("UPDATE posts SET status = 'failed' WHERE id = ?", (post_id,))

    def commit(self) -> None:
        self.connection.execute("COMMIT")
        self.connection.close()


def _locked(path: Path) -> bool:
    """Whether some connection holds the write lock now (asked without waiting)."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return True
    else:
        other.execute("ROLLBACK")
        return False
    finally:
        other.close()


def _writes(statements: list[tuple[int, int, str]]) -> list[tuple[str | None, str]]:
    """Each write the app ran, with the BEGIN of its transaction (None: outside any)."""
    begun: dict[int, str] = {}
    found: list[tuple[str | None, str]] = []
    for _, connection, sql in statements:
        words = sql.split(None, 1)
        first = words[0].upper() if words else ""
        if first == "BEGIN":
            begun[connection] = sql.strip().upper()
        elif first in ("COMMIT", "ROLLBACK", "END"):
            begun.pop(connection, None)
        elif first in WRITES:
            found.append((begun.get(connection), sql))
    return found


def _pages(site: Site) -> list[str]:
    held = _held(site)
    return [
        "/dashboard/",
        "/dashboard/log",
        "/dashboard/log?status=posted&platform=x",
        f"/dashboard/posts/{site.ids['posted_x']}",
        f"/dashboard/posts/{held}",
        "/dashboard/approvals",
        "/dashboard/next",
        "/dashboard/calls",
        "/dashboard/updates/",
        "/dashboard/log.csv?status=posted",
        "/",
        f"/c/{S1693}",
        f"/c/{S1693}/feed.atom",
        f"/c/{S1693}/act?state=MO",
        f"/c/{S1693}/leadership",
        "/photo/H001089",
        "/updates",
    ]


def _held(site: Site) -> int:
    with site.db.session() as session:  # (runs on the old code too)
        found = session.scalar(select(Post.id).where(Post.status == "held").order_by(Post.id))
    assert found is not None
    return found


def test_pages_answer_while_another_process_holds_the_write_lock(site: Site) -> None:
    """Fails where a page's transaction begins IMMEDIATE: it waits BUSY_TIMEOUT for the
    writer, then fails ("database is locked"), instead of answering."""
    pages = _pages(site)
    start = len(site.trace.statements)
    writer = Writer(site.path, scope="all", post_id=site.ids["posted_x"])
    try:
        # buffered: each answer read whole and closed, as a server does (a streamed answer
        # left open would keep its request's context, and session, for the next request)
        answers = {url: site.client.get(url, buffered=True) for url in pages}
        assert _locked(site.path)  # the writer held the lock throughout
        for url, answer in answers.items():
            assert answer.status_code == 200, (url, answer.status_code)
        # each page shows what was committed, not the writer's work in progress
        assert UNCOMMITTED not in answers["/dashboard/"].get_data(as_text=True)
        assert POSTED_X_ID in answers[f"/c/{S1693}"].get_data(as_text=True)
        assert POSTED_X_ID in answers["/dashboard/log.csv?status=posted"].get_data(as_text=True)
    finally:
        writer.commit()
    read = site.trace.since(start)
    assert not [sql for _, _, sql in read if sql.strip().upper() == "BEGIN IMMEDIATE"]
    assert any(sql.strip().upper() == "BEGIN" for _, _, sql in read)
    assert _writes(read) == []
    # the next request reads afresh: the committed pause, the post no longer posted
    assert UNCOMMITTED in site.client.get("/dashboard/").get_data(as_text=True)
    assert POSTED_X_ID not in site.client.get(f"/c/{S1693}").get_data(as_text=True)


def _post_behind_the_writer(site: Site, url: str, data: dict[str, str]) -> int:
    """POST ``url`` while another connection holds the write lock: the request begins
    IMMEDIATE, waits for the lock, and writes once the writer commits. Its status."""
    start = len(site.trace.statements)
    scope = f"campaign:writer-{start}"
    writer = Writer(site.path, scope=scope, post_id=site.ids["posted_bluesky"])
    site.trace.began_writing.clear()
    answers: list[int] = []
    request = threading.Thread(
        target=lambda: answers.append(
            site.client.post(url, data={"csrf_token": CSRF, **data}).status_code
        )
    )
    request.start()
    try:
        assert site.trace.began_writing.wait(BUSY_TIMEOUT / 2), f"{url} began no write"
        assert request.is_alive()  # it waits for the writer's lock
    finally:
        writer.commit()
    request.join(BUSY_TIMEOUT)
    assert not request.is_alive()
    writes = _writes(site.trace.since(start))
    assert writes, f"{url} wrote nothing"
    assert {begin for begin, _ in writes} == {"BEGIN IMMEDIATE"}, writes
    return answers[0]


def test_actions_take_the_write_lock(site: Site, smtp: SMTPServer) -> None:
    held = _held(site)
    status = _post_behind_the_writer(
        site, "/dashboard/approvals/decide", {"one": f"approve {held}"}
    )
    assert status == 302
    status = _post_behind_the_writer(site, "/dashboard/pause", {"kind": "all", "reason": "test"})
    assert status == 302
    status = _post_behind_the_writer(
        site, "/updates", {"email": "supporter@example.org", "campaign": S1693}
    )
    assert status == 200
    status = _post_behind_the_writer(
        site, f"/c/{S1693}/called", {"outcome": "reached", "person": "H001089", "state": "MO"}
    )
    assert status == 303
    with site.db.session() as session:  # (runs on the old code too)
        assert session.get(Post, held).status == "queued"  # type: ignore[union-attr]
        assert session.get(Pause, "all") is not None
        writers = session.scalars(select(Pause.reason).where(Pause.scope.like("campaign:writer-%")))
        assert writers.all() == [UNCOMMITTED] * 4  # the writer's work, committed too
        assert session.scalars(select(Subscriber.email)).all() == ["supporter@example.org"]
        assert [(t.person_id, t.reached) for t in tallies(session, S1693)] == [("H001089", 1)]
