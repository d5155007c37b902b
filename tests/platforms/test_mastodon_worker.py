"""A dropped Mastodon create, settled by the worker after the idempotency hour: the
real post log, the real worker, real Mastodon.py over HTTP to the fake instance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.compose.plan import PlannedPost, text_hash
from bot.config import Mode
from bot.platforms import mastodon as mastodon_module
from bot.platforms.mastodon import MastodonPublisher
from bot.schedule.worker import publish_due, reconcile_stale
from bot.store import queries
from bot.store.db import Database
from bot.store.models import Post
from tests.fakes.mastodon import DEFAULT_CONFIG, FakeMastodon
from tests.guards import allow_all
from tests.platforms.conftest import FAST

NOW = datetime(2026, 3, 2, 16, 1, tzinfo=UTC)
TEXT = "@SenatorSmith@senate.social @staffer@unknown.example please pass SB 792"


@pytest.fixture
def db(sqlite_url):
    database = Database(sqlite_url)
    yield database
    database.dispose()


def queue(db: Database) -> int:
    planned = PlannedPost(
        key="9" * 64,
        campaign_id="c",
        bill="SB 792",
        platform="mastodon",
        account="default",
        variant="v",
        text=TEXT,
        text_hash=text_hash(TEXT),
        length=len(TEXT),
        limit=500,
        link=None,
        targets=(),
    )
    with db.session() as session:
        queries.insert_planned(session, [planned], mode=Mode.LIVE, now=NOW, scheduled_for=NOW)
    with db.new_session() as session:
        return session.scalars(select(Post.id)).one()


def test_a_dropped_create_is_found_not_sent_again_after_the_idempotency_hour(db) -> None:
    mastodon_module._INSTANCE_CACHE.clear()
    post_id = queue(db)
    with FakeMastodon() as fake:
        account = DEFAULT_CONFIG["accounts"][0]
        masto = MastodonPublisher(
            "default", api_base_url=fake.url, access_token=account["token"], timeouts=FAST
        )
        fake.inject("create", "drop")  # Mastodon created the status; the answer never came
        publish_due(db, lambda p, a: masto, mode=Mode.LIVE, clock=FrozenClock(NOW), guard=allow_all)
        assert len(fake.statuses) == 1

        later = FrozenClock(NOW + timedelta(hours=2))
        fake.idempotency.clear()  # Mastodon forgets an Idempotency-Key after an hour
        reconcile_stale(db, lambda p, a: masto, clock=later)
        publish_due(db, lambda p, a: masto, mode=Mode.LIVE, clock=later, guard=allow_all)

        assert len(fake.statuses) == 1  # the old reconcile said "not posted": two statuses
        with db.new_session() as session:
            row = session.get_one(Post, post_id)
            assert row.status == "posted"
            assert row.remote_id == fake.statuses[0]["id"]
