"""What the worker does with X's and Facebook's account-level refusals, end to end.

The real worker and post log (SQLite), the real publishers built from settings by
the registry, tweepy and facebook-sdk over real HTTP to the fakes on 127.0.0.1:
an error that must stop the account pauses it (until a person acts, or until the
platform's time), and one that condemns only the post fails it with its reason.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.compose.plan import PlannedPost, PlannedTarget, text_hash
from bot.config import Mode, Settings
from bot.platforms.registry import build_publisher
from bot.schedule.worker import publish_due
from bot.store import queries
from bot.store.db import Database
from bot.store.models import Pause, Post
from tests.fakes.facebook import DEFAULT_CONFIG as FACEBOOK
from tests.fakes.facebook import FakeFacebook
from tests.fakes.x import DEFAULT_CONFIG as X
from tests.fakes.x import FakeX
from tests.guards import allow_all

NOW = datetime(2026, 3, 2, 16, 1, tzinfo=UTC)


@pytest.fixture
def db(sqlite_url):
    database = Database(sqlite_url)
    yield database
    database.dispose()


def x_settings(fake: FakeX) -> Settings:
    user = X["users"][0]
    return Settings(
        env={
            "X_API_KEY": X["app"]["consumer_key"],
            "X_API_SECRET": X["app"]["consumer_secret"],
            "X_ACCESS_TOKEN": user["access_token"],
            "X_ACCESS_TOKEN_SECRET": user["access_token_secret"],
            "X_API_BASE": fake.url,
            "X_TIMEOUT": "1,1",
        },
        mode=Mode.LIVE,
    )


def facebook_settings(fake: FakeFacebook, **extra: str) -> Settings:
    page = FACEBOOK["pages"][0]
    env = {
        "FACEBOOK_PAGE_ID": page["id"],
        "FACEBOOK_PAGE_TOKEN": page["token"],
        "FACEBOOK_GRAPH_URL": fake.url,
        "FACEBOOK_TIMEOUT": "1,1",
    }
    return Settings(env=env | extra, mode=Mode.LIVE)


def queue(db: Database, platform: str, text: str, handles: tuple[str, ...] = ()) -> int:
    targets = tuple(PlannedTarget(f"P-{h}", f"Sen. {h}", h) for h in handles)
    planned = PlannedPost(
        key=text_hash(f"{platform}|{text}").rjust(64, "0")[:64],
        campaign_id="c",
        bill="SB 792",
        platform=platform,
        account="default",
        variant="v",
        text=text,
        text_hash=text_hash(text),
        length=len(text),
        limit=280,
        link=None,
        targets=targets,
    )
    with db.session() as session:
        queries.insert_planned(session, [planned], mode=Mode.LIVE, now=NOW, scheduled_for=NOW)
    with db.new_session() as session:
        return session.scalars(select(Post.id).where(Post.text == text)).one()


def publish(db: Database, settings: Settings, at: datetime = NOW):
    clock = FrozenClock(at)

    def publisher_for(platform: str, account: str):
        return build_publisher(platform, account, settings, live=True, clock=clock)

    return publish_due(db, publisher_for, mode=Mode.LIVE, clock=clock, guard=allow_all)


def row(db: Database, post_id: int) -> Post:
    with db.new_session() as session:
        return session.get_one(Post, post_id)


def pause(db: Database, scope: str) -> Pause | None:
    with db.new_session() as session:
        return session.get(Pause, scope)


def test_x_usage_cap_pauses_the_account_until_a_person_resumes_it(db) -> None:
    with FakeX() as fake:
        post_id = queue(db, "x", "Pass SB 792 this session")
        fake.inject("create", "usage_capped")
        publish(db, x_settings(fake))

        assert row(db, post_id).status == "queued"  # not failed, not retried in 15 minutes
        paused = pause(db, "account:x:default")
        assert paused is not None and paused.until is None
        assert "out of credits" in paused.reason and "usage cap" in paused.reason
        assert "advocacy-bot resume --account x:default" in paused.reason
        assert publish(db, x_settings(fake), at=NOW + timedelta(hours=1)) == []
        assert fake.count("create") == 1


def test_x_refusing_an_automated_mention_fails_the_post_with_what_to_do(db) -> None:
    with FakeX(config={**X, "refuse_mentions": True}) as fake:
        tagged = queue(db, "x", "@Sen0 please pass SB 792", handles=("Sen0",))
        plain = queue(db, "x", "Sen. Jane Doe, please pass SB 792")
        publish(db, x_settings(fake))

        failed = row(db, tagged)
        assert failed.status == "failed"
        assert "automated @mention of @Sen0" in failed.error and "plain text" in failed.error
        assert pause(db, "account:x:default") is None  # the account goes on posting
        assert row(db, plain).status == "posted"
        assert fake.texts() == ["Sen. Jane Doe, please pass SB 792"]


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("viewer_permission", "Page permission missing: "),
        ("capability", "app capability missing: "),
    ],
)
def test_facebook_permission_and_capability_errors_pause_the_page(db, fault, said) -> None:
    with FakeFacebook() as fake:
        post_id = queue(db, "facebook", "Pass SB 792 this session")
        fake.inject("feed", fault)
        publish(db, facebook_settings(fake))

        assert row(db, post_id).status == "queued"
        paused = pause(db, "account:facebook:default")
        assert paused is not None and paused.until is None
        assert paused.reason.startswith(said) and "credentials" not in paused.reason
        assert fake.count("feed") == 1  # not retried while paused
        assert publish(db, facebook_settings(fake), at=NOW + timedelta(hours=2)) == []


def test_facebook_application_limit_waits_and_then_posts(db) -> None:
    with FakeFacebook() as fake:
        post_id = queue(db, "facebook", "Pass SB 792 this session")
        fake.inject("feed", "app_limit")  # no estimate from Meta: FACEBOOK_RATE_LIMIT_BACKOFF
        settings = facebook_settings(fake, FACEBOOK_RATE_LIMIT_BACKOFF="1800")
        publish(db, settings)

        assert row(db, post_id).status == "queued"
        paused = pause(db, "account:facebook:default")
        assert paused is not None and paused.until == NOW + timedelta(minutes=30)
        assert publish(db, settings, at=NOW + timedelta(minutes=29)) == []
        (outcome,) = publish(db, settings, at=NOW + timedelta(minutes=31))
        assert outcome.status == "posted"


def test_facebook_app_secret_required_pauses_then_the_secret_makes_it_post(db) -> None:
    config = {**FACEBOOK, "require_appsecret_proof": True}
    with FakeFacebook(config=config) as fake:
        post_id = queue(db, "facebook", "Pass SB 792 this session")
        publish(db, facebook_settings(fake))
        paused = pause(db, "account:facebook:default")
        assert paused is not None and "FACEBOOK_APP_SECRET" in paused.reason
        assert fake.posts == []

        with db.session() as session:
            queries.clear_pause(session, "account:facebook:default")
        settings = facebook_settings(fake, FACEBOOK_APP_SECRET=FACEBOOK["app_secret"])
        (outcome,) = publish(db, settings, at=NOW + timedelta(minutes=5))
        assert outcome.status == "posted"
        assert row(db, post_id).status == "posted"
        assert FACEBOOK["app_secret"] not in (paused.reason or "")
