"""Figure 4, rate-cap use: a backlog drained at the configured pace, never faster.

A simulated clock (:class:`bot.clock.FrozenClock`) moves in the scheduler's
publishing steps (every 15 seconds); at each step the real worker
(:func:`bot.schedule.worker.publish_due`, with the real guard,
:func:`bot.guard.guard_for`) publishes through the real X publisher (tweepy)
to the fake X server, which enforces X's documented limits (100 posts per 15
minutes per user, 2,400 a day) on the same simulated time and answers 429
past them. The account's configured cap (``X_POSTS_PER_DAY``, spaced evenly
with ``X_MIN_SPACING``) is well under X's, and the backlog is larger than a
day's cap.

Figures: posts in the busiest 24 hours against the cap (budget: at least 95%
used) and the same figure as "never above the cap" (at most 100%); 429s seen
(budget: none).
"""

from __future__ import annotations

import tempfile
from bisect import bisect_left
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import Report, Row
from bot.clock import FrozenClock
from bot.config import Mode, Settings
from bot.guard import guard_for
from bot.platforms.registry import build_publisher
from bot.schedule.service import PUBLISH_EVERY_SECONDS
from bot.schedule.worker import publish_due
from bot.store.db import Database
from bot.store.models import Attempt, Post, Status

START = datetime(2026, 3, 2, 0, tzinfo=UTC)


def settings(url: str, per_day: int, credentials: dict[str, str]) -> Settings:
    spacing = 86400 // per_day
    return Settings(
        env={
            **credentials,
            "X_API_BASE": url,
            "X_USERNAME": "moadvocacy",
            "X_POSTS_PER_DAY": str(per_day),
            "X_POSTS_PER_MONTH": str(per_day * 31),
            "X_MIN_SPACING": f"{spacing}s",
            "X_MONTHLY_SPEND_CAP": "100000",
            "X_REQUIRE_APPROVAL_FOR_MENTIONS": "0",
        },
        mode=Mode.LIVE,
    )


def backlog(database: Database, count: int) -> None:
    now = START
    with database.session() as session:
        session.execute(
            Post.__table__.insert(),
            [
                {
                    "key": f"backlog-{i}",
                    "created_at": now,
                    "scheduled_for": now,
                    "updated_at": now,
                    "mode": Mode.LIVE.value,
                    "campaign_id": "backlog",
                    "bill": "us/119/S 1693",
                    "platform": "x",
                    "account": "default",
                    "variant": "m0",
                    "text": f"Post {i} of the backlog: please support S 1693.",
                    "text_hash": f"{i:064x}",
                    "length": 45,
                    "status": Status.QUEUED.value,
                    "cost": 0.0,
                    "attempt_count": 0,
                }
                for i in range(count)
            ],
        )


def busiest_day(times: list[float]) -> int:
    """The most posts in any 24 hours."""
    times = sorted(times)
    return max((bisect_left(times, t + 86400) - i for i, t in enumerate(times)), default=0)


def run(report: Report, *, quick: bool) -> None:
    from tests.fakes.x import DEFAULT_CONFIG, FakeX

    per_day = 24 if quick else 200
    days = 1.05 if quick else 2.5
    step = 120 if quick else PUBLISH_EVERY_SECONDS  # the scheduler publishes every 15 s
    app, user = DEFAULT_CONFIG["app"], DEFAULT_CONFIG["users"][0]
    credentials = {
        "X_API_KEY": app["consumer_key"],
        "X_API_SECRET": app["consumer_secret"],
        "X_ACCESS_TOKEN": user["access_token"],
        "X_ACCESS_TOKEN_SECRET": user["access_token_secret"],
    }
    clock = FrozenClock(START)
    config = {**DEFAULT_CONFIG, "enforce_limits": True}
    with tempfile.TemporaryDirectory() as tmp, FakeX(config=config) as fake:
        fake.clock = lambda: clock.now().timestamp()
        database = Database(f"sqlite:///{Path(tmp) / 'ratecap.db'}")
        backlog(database, int(per_day * days) + 50)
        config_settings = settings(fake.url, per_day, credentials)
        guard = guard_for(config_settings)
        publishers: dict[tuple[str, str], object] = {}

        def publisher_for(platform: str, account: str):  # type: ignore[no-untyped-def]
            key = (platform, account)
            if key not in publishers:
                publishers[key] = build_publisher(
                    platform, account, config_settings, live=True, clock=clock
                )
            return publishers[key]

        end = START + timedelta(days=days)
        while clock.now() < end:
            publish_due(
                database, publisher_for, mode=Mode.LIVE, clock=clock, guard=guard, limit=100
            )
            clock.advance(timedelta(seconds=step))
        with database.new_session() as session:
            throttled = session.query(Attempt).filter(Attempt.http_status == 429).count()
        database.dispose()
        times = [t["time"] for t in fake.tweets]
    most = busiest_day(times)
    report.add(
        Row(
            "rate cap",
            "X, busiest 24 h: share of the configured cap used",
            most,
            per_day,
            "posts",
            0.95,
            f"X_POSTS_PER_DAY={per_day}",
            note=f"{len(times)} posts in {days:g} simulated days, steps of {step} s",
            at_least=True,
        )
    )
    report.add(
        Row(
            "rate cap",
            "X, busiest 24 h: never above the cap",
            most,
            per_day,
            "posts",
            1.0,
            f"X_POSTS_PER_DAY={per_day}",
        )
    )
    report.add(
        Row(
            "rate cap",
            "X, 429 answers from the fake (X's documented limits)",
            throttled,
            1,
            "",
            0.0,
            "429s allowed: none",
        )
    )
