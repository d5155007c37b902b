"""The approvals page and "what goes out next": statements per page, paging by key.

Each page sends a fixed number of statements, whatever it shows: a statement
per post shown (the approvals page loaded each post's targets on its own) or
per post planned (what goes out next asked the log about each text) is a
round trip each on PostgreSQL, and these tests count them (SQLAlchemy's
cursor events) so that one coming back fails here. The approvals page goes
by key (``?after=ID``, ``?before=ID``), and every held post is reached.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from bot.clock import FrozenClock
from bot.compose.plan import post_key, text_hash
from bot.config import Mode, Settings
from bot.store import queries
from bot.store.db import Database
from bot.store.models import Post, PostTarget
from bot.web import upcoming
from tests.support import ROOT

NOW = datetime(2026, 8, 12, 18, 0, tzinfo=UTC)
IDS = re.compile(r'data-post-id="(\d+)"')
FIRE_TIMES = upcoming.fire_times


def _app(db: Database, path: Path, campaigns: Path = ROOT / "campaigns") -> Any:
    from bot.web.app import WebConfig, create_app

    settings = Settings.load(
        environ={
            "DATABASE_URL": f"sqlite:///{path}",
            "CAMPAIGNS_DIR": str(campaigns),
            "PHOTO_ORIGINS": "none",
        },
        dotenv=False,
    )
    config = WebConfig(
        settings=settings, password=None, campaigns_dir=campaigns, clock=FrozenClock(NOW)
    )
    return create_app(db, config)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'log.db'}")
    yield database
    database.dispose()


@pytest.fixture
def client(db: Database, tmp_path: Path) -> FlaskClient:
    return _app(db, tmp_path / "log.db").test_client()


@contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    """The statements sent to the database meanwhile (BEGIN included).

    Not SQLite's ``PRAGMA query_only``: a pooled connection's switch between a
    read session and a writing one (bot.store.db), made when the connection
    changes kind, not per statement of a page.
    """
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.startswith("PRAGMA query_only"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def hold(
    db: Database, count: int, *, campaign: str = "campaign-a", start: int = 0, ties: int = 1
) -> list[int]:
    """``count`` held posts of ``campaign``, two targets each; ``ties`` posts share each
    due time (the page's order then rests on the id). Returns their ids."""
    made = []
    with db.session() as session:
        for i in range(start, start + count):
            due = NOW + timedelta(minutes=i // ties)
            text = f"@Member{i} @Other{i}: please support S {i}."
            post = Post(
                key=post_key("x", "default", campaign, "us/119/S 1", [f"P{i}"], text),
                created_at=NOW - timedelta(hours=1),
                scheduled_for=due,
                updated_at=NOW - timedelta(hours=1),
                mode="dry_run",
                campaign_id=campaign,
                bill="us/119/S 1",
                platform="x",
                account="default",
                variant="m1",
                text=text,
                text_hash=text_hash(text),
                length=len(text),
                status="held",
                reason="approval required",
            )
            post.targets = [
                PostTarget(
                    position=n,
                    person_id=f"P{i}-{n}",
                    name=f"Member {i}-{n}",
                    handle=f"Member{i}x{n}",
                    platform="x",
                    bill="us/119/S 1",
                    created_at=NOW - timedelta(hours=1),
                )
                for n in range(2)
            ]
            session.add(post)
            session.flush()
            made.append(post.id)
    return made


def shown(html: str) -> list[int]:
    return [int(i) for i in IDS.findall(html)]


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return unescape(found.group(1)) if found else None


# -- approvals ---------------------------------------------------------------------------


def test_the_approvals_page_sends_as_many_statements_for_50_posts_as_for_3(
    db: Database, client: FlaskClient
) -> None:
    hold(db, 3)
    client.get("/dashboard/approvals")  # warm: the app's first request
    with counted(db) as few:
        html = client.get("/dashboard/approvals").get_data(as_text=True)
    assert len(shown(html)) == 3
    assert "@Member2x1" in html  # the targets are shown

    hold(db, 100, start=3)
    with counted(db) as many:
        html = client.get("/dashboard/approvals").get_data(as_text=True)
    assert len(shown(html)) == 50
    assert "@Member49x1" in html
    # BEGIN, the posts, their targets (one IN query), the per-campaign counts
    assert len(many) == len(few) <= 4, many
    with counted(db) as deep:
        html = client.get(link(html, "next") or "").get_data(as_text=True)
    assert len(shown(html)) == 50
    assert len(deep) == len(many) + 1  # and the anchor's key


def test_the_approvals_page_reaches_every_held_post_by_key_both_ways(
    db: Database, client: FlaskClient
) -> None:
    # Three posts share each due time, so the order rests on the id at page edges.
    a = hold(db, 130, campaign="campaign-a", ties=3)
    b = hold(db, 45, campaign="campaign-b", start=500, ties=3)
    with db.new_session() as session:
        order = list(
            session.scalars(
                select(Post.id).where(Post.status == "held").order_by(Post.scheduled_for, Post.id)
            )
        )
    assert sorted(order) == sorted(a + b)

    def walk(first: str) -> tuple[list[list[int]], str]:
        pages, url, html = [], first, ""
        while url:
            html = client.get(url).get_data(as_text=True)
            pages.append(shown(html))
            url = link(html, "next") or ""
        return pages, html

    pages, last = walk("/dashboard/approvals")
    assert [len(p) for p in pages] == [50, 50, 50, 25]
    assert [i for p in pages for i in p] == order
    assert "175 held in all" in last

    # back, a page at a time, to the first page
    back, html = [], last
    while url := link(html, "prev"):
        html = client.get(url).get_data(as_text=True)
        back.append(shown(html))
    assert back == pages[-2::-1]

    # one campaign: its own posts only, in order, every one of them
    pages, _ = walk("/dashboard/approvals?campaign=campaign-b")
    assert [i for p in pages for i in p] == [i for i in order if i in set(b)]
    page = client.get("/dashboard/approvals").get_data(as_text=True)
    assert "campaign-a</a>: 130 held" in page and "campaign-b</a>: 45 held" in page


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_deciding_on_a_later_page_returns_to_the_posts_after_it(
    db: Database, client: FlaskClient
) -> None:
    ids = hold(db, 120)
    first = client.get("/dashboard/approvals").get_data(as_text=True)
    later = link(first, "next")
    assert later is not None
    html = client.get(later).get_data(as_text=True)
    page = shown(html)
    assert page == ids[50:100]
    form = {"csrf_token": _csrf(html), "scope": "selected", "action": "approve"}
    form["next"] = later
    answer = client.post(
        "/dashboard/approvals/decide", data={**form, "post_id": [str(i) for i in page]}
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith(later)
    html = client.get(later).get_data(as_text=True)
    assert shown(html) == ids[100:]  # the posts after the decided ones
    assert "Approved 50 post(s)." in html

    # Reject every held post after the page's anchor: the page then falls back to the
    # first page, whose posts are still held.
    answer = client.post(
        "/dashboard/approvals/decide",
        data={**form, "action": "reject", "post_id": [str(i) for i in ids[100:]]},
    )
    html = client.get(later).get_data(as_text=True)
    assert shown(html) == ids[:50]

    # "Reject all" of the campaign, and every post is decided
    answer = client.post(
        "/dashboard/approvals/decide",
        data={
            "csrf_token": form["csrf_token"],
            "scope": "campaign",
            "campaign": "campaign-a",
            "action": "reject",
        },
    )
    html = client.get("/dashboard/approvals").get_data(as_text=True)
    assert shown(html) == [] and "Nothing is waiting for approval." in html
    with db.new_session() as session:
        states = dict(
            session.execute(select(Post.status, func.count()).group_by(Post.status)).all()
        )
    assert states == {"queued": 50, "rejected": 70}


# -- what goes out next ------------------------------------------------------------------


def _limit_runs(monkeypatch: pytest.MonkeyPatch, runs: int) -> None:
    """Let the page plan only each campaign's first ``runs`` fire times."""
    monkeypatch.setattr(
        upcoming, "fire_times", lambda *args, **kwargs: FIRE_TIMES(*args, **kwargs)[:runs]
    )


def test_what_goes_out_next_sends_the_same_statements_for_one_run_as_for_six(
    db: Database, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planning more posts sends no more statements (it sent one per planned post)."""
    client.get("/dashboard/next")  # warm
    counts, cards = [], []
    for runs in (1, 6):
        _limit_runs(monkeypatch, runs)
        with counted(db) as statements:
            html = client.get("/dashboard/next").get_data(as_text=True)
        counts.append(len(statements))
        cards.append(html.count('<article class="post-card'))
    assert cards[1] > cards[0] + 10  # six runs plan many more posts than one
    assert counts[0] == counts[1], counts
    # Each campaign's people's tags come in one statement (queries.plan_history), not
    # one per (bill, platform): the examples' 3 campaigns sent 11.
    newest_tags = [s for s in statements if "ORDER BY post_targets.created_at DESC" in s]
    assert len(newest_tags) == 3, newest_tags


def test_what_goes_out_next_parses_the_overrides_file_once_not_on_every_view(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two example campaigns name overrides/missouri.yaml: it is read on every view,
    parsed again only when its bytes change (bot.directory.overrides.read_overrides)."""
    from bot.directory import overrides

    parses: list[Path] = []
    parse = overrides._parse

    def counting(path: Path, text: str) -> overrides.OverridesFile:
        parses.append(path)
        return parse(path, text)

    monkeypatch.setattr(overrides, "_parse", counting)
    overrides._parsed.cache_clear()
    for _ in range(3):
        assert client.get("/dashboard/next").status_code == 200
    assert parses == [ROOT / "campaigns" / "overrides" / "missouri.yaml"]


def _planned(db: Database, *, mode: Mode = Mode.DRY_RUN) -> list[list[tuple[str, str, str]]]:
    from bot.campaigns.loader import load_campaigns

    campaigns, errors = load_campaigns([ROOT / "campaigns"])
    assert not errors
    found = upcoming.outlooks(db, campaigns, mode=mode, now=NOW)
    return [[(p.platform, p.account, p.text) for run in o.runs for p in run.posts] for o in found]


class _OneQueryPerText:
    """The old way: ask the log about each text as the planner asks (no batches)."""

    def __init__(self, session: Any, mode: Mode) -> None:
        self.used = queries.text_checker(session, mode)

    def __call__(self, platform: str, account: str, digest: str) -> bool:
        return self.used(platform, account, digest)

    def verify(self) -> bool:
        return False


def test_what_goes_out_next_plans_as_asking_the_log_about_each_text_does(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batched text checks plan the same posts as one query per text, also when the
    log already holds texts the first plan would use (it is then planned again)."""
    first = _planned(db)
    assert sum(map(len, first)) > 20
    # The log now holds some of those texts, sent from the same accounts: a text of
    # the first run of each campaign, and one of a later run.
    sent = [plan[0] for plan in first] + [plan[-1] for plan in first]
    with db.session() as session:
        for n, (platform, account, text) in enumerate(sent):
            session.add(
                Post(
                    key=f"sent-{n}",
                    created_at=NOW - timedelta(days=30),
                    scheduled_for=NOW - timedelta(days=30),
                    updated_at=NOW - timedelta(days=30),
                    mode="dry_run",
                    campaign_id="elsewhere",
                    bill="us/119/S 9",
                    platform=platform,
                    account=account,
                    variant="m",
                    text=text,
                    text_hash=text_hash(text),
                    length=len(text),
                    status="dry_run",
                )
            )
    batched = _planned(db)
    monkeypatch.setattr(queries, "TextChecker", _OneQueryPerText)
    one_by_one = _planned(db)
    assert batched == one_by_one
    assert batched != first
    for plan in batched:
        assert not set(plan) & set(sent)


def test_one_read_of_x_tags_for_every_campaign_answers_as_a_read_each(db: Database) -> None:
    """What goes out next reads the week's X tags once for all campaigns
    (queries.x_tags_reader); each campaign's share is what x_tags would answer."""
    hold(db, 40)
    with db.session() as session:  # spread their times over two weeks, updated later
        for n, post in enumerate(session.scalars(select(Post).order_by(Post.id))):
            post.created_at = NOW - timedelta(hours=9 * n)
            post.updated_at = post.created_at + timedelta(hours=n % 3 * 30)
            for target in post.targets:
                target.handle = None if n % 4 == 0 else target.handle
    people = [f"P{i}-{n}" for i in range(40) for n in range(2)]
    days = [NOW - timedelta(days=d, hours=h) for d in (0, 2, 5) for h in (0, 7)]
    with db.new_session() as session:
        shared = queries.x_tags_reader(session, people, Mode.DRY_RUN, days)
        for day in days:
            for ids in (people, people[::3], people[:5], []):
                alone = queries.x_tags(session, ids, Mode.DRY_RUN, day)
                assert sorted(shared(ids, day)) == sorted(alone)
        assert queries.x_tags(session, people, Mode.DRY_RUN, days[0])  # not all empty
