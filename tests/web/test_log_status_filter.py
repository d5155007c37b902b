"""The dashboard's post log filtered by status, through the real app (no browser).

The browser test of the filters (``test_dashboard.py``) picks a status every
other filter already narrows to, so it cannot see the status filter ignored;
this log has every post of one campaign, platform and day, in four states.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from bot.clock import FrozenClock
from bot.compose.plan import PlannedPost, post_key, text_hash
from bot.config import Mode, Settings
from bot.store import queries
from bot.store.db import Database
from bot.store.models import Post
from tests.support import ROOT
from tests.web.conftest import NOW

STATES = ["queued", "held", "posted", "failed"]


def _planned(number: int) -> PlannedPost:
    text = f"Post {number}: please pass SB 792"
    return PlannedPost(
        key=post_key("x", "default", "c", "mo/2026/SB 792", [], text),
        campaign_id="c",
        bill="mo/2026/SB 792",
        platform="x",
        account="default",
        variant="v",
        text=text,
        text_hash=text_hash(text),
        length=len(text),
        limit=280,
        link=None,
        targets=(),
    )


@pytest.fixture
def log(tmp_path: Path) -> Iterator[tuple[FlaskClient, dict[str, list[int]]]]:
    """A logged-in client, and the post ids of each state (three posts a state)."""
    from bot.web.app import WebConfig, create_app

    path = tmp_path / "web.db"
    db = Database(f"sqlite:///{path}")
    with db.session() as session:
        rows = queries.insert_planned(
            session, [_planned(n) for n in range(12)], mode=Mode.LIVE, now=NOW, scheduled_for=NOW
        )
    ids: dict[str, list[int]] = {state: [] for state in STATES}
    with db.session() as session:
        for number, row in enumerate(rows):
            state = STATES[number % len(STATES)]
            ids[state].append(row.id)
            session.execute(update(Post).where(Post.id == row.id).values(status=state))
    settings = Settings.load(
        environ={"DATABASE_URL": f"sqlite:///{path}", "CAMPAIGNS_DIR": str(ROOT / "campaigns")},
        dotenv=False,
    )
    config = WebConfig(
        settings=settings, password="pw", campaigns_dir=ROOT / "campaigns", clock=FrozenClock(NOW)
    )
    app = create_app(db, config)
    with app.test_client() as client:
        with client.session_transaction() as session:
            session["organizer"] = True
        yield client, ids
    db.dispose()


def _shown(html: str) -> list[int]:
    return sorted(int(value) for value in re.findall(r'data-post-id="(\d+)"', html))


def test_log_status_filter_shows_and_exports_only_posts_in_that_state(
    log: tuple[FlaskClient, dict[str, list[int]]],
) -> None:
    """Kills the mutant "the dashboard ignores the log's status filter"."""
    client, ids = log
    state = "held"
    page = client.get(f"/dashboard/log?status={state}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _shown(html) == sorted(ids[state])
    assert "3 posts match" in html

    export = client.get(f"/dashboard/log.csv?status={state}")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert sorted(int(r["id"]) for r in rows) == sorted(ids[state])
    assert {r["status"] for r in rows} == {state}


def test_log_status_filter_refuses_a_state_that_does_not_exist(
    log: tuple[FlaskClient, dict[str, list[int]]],
) -> None:
    client, ids = log
    html = client.get("/dashboard/log?status=sent").get_data(as_text=True)
    assert "status: &#39;sent&#39; is not a status" in html
    assert _shown(html) == sorted(i for state in STATES for i in ids[state])  # unfiltered
