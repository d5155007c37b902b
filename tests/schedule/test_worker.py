"""The publishing worker on a real SQLite log: every failure kind ends in the right state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.campaigns.loaded import LoadedCampaign
from bot.clock import FrozenClock
from bot.config import Mode
from bot.platforms.base import (
    AccountStatus,
    Failure,
    OutgoingPost,
    PublishError,
    PublishResult,
)
from bot.schedule import runner
from bot.schedule.worker import (
    LEASE,
    MAX_ATTEMPTS,
    SETTLE,
    publish_due,
    reconcile_stale,
    resolve_unknown,
)
from bot.store.models import Attempt, Pause, Post, Status
from tests.guards import allow_all
from tests.support import make_campaign, people

NOW = datetime(2026, 3, 2, 16, 1, tzinfo=UTC)


@dataclass
class ScriptedPlatform:
    """A publisher that answers from a script, and remembers what it was sent.

    The real publishers are tested over HTTP against fake servers in
    tests/platforms; this one drives the worker's state machine.
    """

    script: list[object] = field(default_factory=list)
    found: object = "unset"
    sent: list[OutgoingPost] = field(default_factory=list)
    platform: str = "x"
    account: str = "default"
    live: bool = True
    unprotected_seconds: float = 0.0

    def publish(self, post: OutgoingPost) -> PublishResult:
        self.sent.append(post)
        answer = self.script.pop(0) if self.script else PublishResult(remote_id="1")
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

    def check(self) -> AccountStatus:
        return AccountStatus(self.platform, self.account, ok=True)

    def reconcile(self, post: OutgoingPost) -> PublishResult | None:
        if isinstance(self.found, Exception):
            raise self.found
        if self.found == "unset":  # like X without paid reads
            raise PublishError(Failure.MAYBE_SENT, "cannot check", details={"uncheckable": "yes"})
        return self.found  # type: ignore[return-value]


@pytest.fixture
def queued(db):
    campaign = LoadedCampaign(make_campaign(), Path("t.yaml"), tuple(people(2)))
    (report,) = runner.run_due(db, [campaign], mode=Mode.LIVE, now=NOW)
    (post,) = report.posts
    return post.id


def queue_many(db, count: int, every: timedelta = timedelta(0), platform: str = "x") -> list[int]:
    """``count`` queued posts of one account, the first due now, then one ``every``."""
    from bot.compose.plan import PlannedPost, text_hash
    from bot.store import queries

    items = []
    for index in range(count):
        text = f"Post {index}: please support S 1693."
        items.append(
            PlannedPost(
                key=f"{index:064d}",
                campaign_id="c",
                bill="S 1693",
                platform=platform,
                account="default",
                variant="v",
                text=text,
                text_hash=text_hash(text),
                length=len(text),
                limit=280,
                link=None,
                targets=(),
            )
        )
    with db.session() as session:
        for index, item in enumerate(items):
            at = NOW + every * index
            queries.insert_planned(session, [item], mode=Mode.LIVE, now=NOW, scheduled_for=at)
    with db.new_session() as session:
        return list(session.scalars(select(Post.id).order_by(Post.id)))


def key_of(db, post_id: int) -> str:
    with db.new_session() as session:
        return session.get_one(Post, post_id).key


def publish(db, platform, at=NOW):
    return publish_due(
        db, lambda p, a: platform, mode=Mode.LIVE, clock=FrozenClock(at), guard=allow_all
    )


def post(db, post_id) -> Post:
    with db.new_session() as session:
        row = session.get_one(Post, post_id)
        _ = row.attempts
        return row


def test_success_records_remote_id_url_cost_and_attempt(db, queued):
    platform = ScriptedPlatform([PublishResult("1888", "https://x.com/i/status/1888", cost=0.01)])
    (outcome,) = publish(db, platform)
    row = post(db, queued)
    assert (row.status, row.remote_id, row.remote_url, row.cost) == (
        "posted",
        "1888",
        "https://x.com/i/status/1888",
        0.01,
    )
    assert [a.outcome for a in row.attempts] == ["ok"]
    assert row.lease_owner is None
    assert platform.sent[0].key == row.key


def test_rate_limit_defers_the_post_and_pauses_the_account_until_reset(db, queued):
    reset = NOW + timedelta(minutes=12)
    platform = ScriptedPlatform(
        [PublishError(Failure.RATE_LIMITED, "Too Many Requests", 429, reset)]
    )
    publish(db, platform)
    row = post(db, queued)
    assert (row.status, row.next_attempt_at) == ("queued", reset)
    with db.new_session() as session:
        pause = session.get_one(Pause, "account:x:default")
        assert pause.until == reset
    assert publish(db, platform, at=reset - timedelta(seconds=1)) == []
    (outcome,) = publish(db, platform, at=reset + timedelta(seconds=1))
    assert outcome.status == "posted"
    assert [a.outcome for a in post(db, queued).attempts] == ["rate_limited", "ok"]


def test_rejected_credentials_pause_the_account_and_say_how_to_resume(db, queued):
    publish(db, ScriptedPlatform([PublishError(Failure.AUTH, "Unauthorized", 401)]))
    assert post(db, queued).status == "queued"
    with db.new_session() as session:
        pause = session.get_one(Pause, "account:x:default")
    assert pause.until is None
    assert "advocacy-bot resume --account x:default" in pause.reason


def test_an_account_missing_its_credentials_is_paused_not_retried_forever(db, queued):
    """Live mode, X configured by name only: the real registry cannot build the client."""
    from bot.config import Settings
    from bot.platforms.registry import build_publisher

    settings = Settings(env={"X_API_KEY": "key-only"}, mode=Mode.LIVE)

    def publisher_for(platform, account):
        return build_publisher(platform, account, settings, live=True)

    (outcome,) = publish_due(
        db, publisher_for, mode=Mode.LIVE, clock=FrozenClock(NOW), guard=allow_all
    )
    row = post(db, queued)
    assert (row.status, row.attempt_count, row.lease_owner) == ("queued", 0, None)
    with db.new_session() as session:
        pause = session.get_one(Pause, "account:x:default")
    assert pause.until is None
    assert "X_API_SECRET" in pause.reason and "key-only" not in pause.reason
    assert pause.reason.endswith("then `advocacy-bot resume --account x:default`")
    # The next rounds leave the account alone until someone resumes it.
    assert (
        publish_due(db, publisher_for, mode=Mode.LIVE, clock=FrozenClock(NOW), guard=allow_all)
        == []
    )


def test_duplicate_content_is_never_retried(db, queued):
    platform = ScriptedPlatform([PublishError(Failure.DUPLICATE, "duplicate content", 403)])
    publish(db, platform)
    row = post(db, queued)
    assert row.status == "failed"
    assert row.reason == "the platform says this text was already posted; not retried"
    assert publish(db, platform, at=NOW + timedelta(days=1)) == []
    assert len(platform.sent) == 1


def test_a_post_the_platform_keeps_failing_fails_after_its_own_attempts(db):
    """Post A gets a 500 every time while the account's other posts (one due a minute) go
    out: A's failures are its own, not an outage, so A fails after MAX_ATTEMPTS, with the
    platform's reason. (Rounds every 15 s, as `advocacy-bot run` publishes.)"""
    ids = queue_many(db, 40, every=timedelta(minutes=1))
    poison = ids[0]

    class Poisoned(ScriptedPlatform):
        def publish(self, post):
            self.sent.append(post)
            if post.key == key_of(db, poison):
                raise PublishError(Failure.TRANSIENT, "Internal Server Error", 500)
            return PublishResult(remote_id=str(len(self.sent)))

    platform = Poisoned()
    at = NOW
    while post(db, poison).status == "queued" and at < NOW + timedelta(minutes=40):
        publish(db, platform, at=at)
        at += timedelta(seconds=15)
    row = post(db, poison)
    assert row.status == "failed"
    assert row.reason == f"gave up after {MAX_ATTEMPTS} attempts: Internal Server Error"
    assert len(row.attempts) == MAX_ATTEMPTS
    others = [post(db, i).status for i in ids[1:]]
    assert "failed" not in others and others.count("posted") >= 15


def test_an_outage_of_the_platform_fails_no_post_and_backs_the_account_off(db):
    """Twelve 503s in a row: the account backs off (30 s, doubling to 30 min) and one post
    probes it at a time; only the first failure counts, so nothing fails, and the posts
    go out once the platform is back."""
    ids = queue_many(db, 3)
    platform = ScriptedPlatform([PublishError(Failure.TRANSIENT, "Service Unavailable", 503)] * 12)
    at, waits = NOW, []
    while platform.script:
        if not publish(db, platform, at=at):
            with db.new_session() as session:
                pause = session.get_one(Pause, "account:x:default")
            assert pause.reason.startswith("platform failing (HTTP 503: Service Unavailable)")
            waits.append(pause.until - pause.since)
            at = pause.until + timedelta(seconds=1)
    assert len(platform.sent) == 12  # one probe per wait, never the whole queue at once
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert max(waits) == timedelta(minutes=30)
    assert [post(db, i).attempt_count for i in ids] == [1, 0, 0]
    assert {post(db, i).status for i in ids} == {"queued"}
    for _ in range(3):
        publish(db, platform, at=at)
        at += timedelta(hours=1)
    assert {post(db, i).status for i in ids} == {"posted"}
    with db.new_session() as session:
        assert session.get(Pause, "account:x:default") is None  # the outage is over


def test_a_timeout_the_platform_confirms_as_posted_is_recorded_as_posted(db, queued):
    platform = ScriptedPlatform([PublishError(Failure.MAYBE_SENT, "read timed out")])
    platform.found = PublishResult("at://did:plc:x/app.bsky.feed.post/3k", "https://bsky.app/x")
    (outcome,) = publish(db, platform)
    assert outcome.status == "posted"
    assert post(db, queued).remote_id == "at://did:plc:x/app.bsky.feed.post/3k"
    assert len(platform.sent) == 1  # never sent again


def test_a_timeout_the_platform_shows_as_absent_is_sent_again_only_once_it_settled(db, queued):
    """The platform may still be working on a request its client gave up on: "not there"
    right after the timeout is not proof. The post waits, holding its account, and is
    sent again only after a check SETTLE later still shows nothing."""
    platform = ScriptedPlatform([PublishError(Failure.MAYBE_SENT, "connection reset")])
    platform.found = None
    (outcome,) = publish(db, platform)
    assert outcome.status == "unknown"
    assert "checking again at 16:03 UTC before sending it again" in outcome.detail
    assert post(db, queued).next_attempt_at == NOW + SETTLE
    assert reconcile_stale(db, lambda p, a: platform, clock=FrozenClock(NOW + SETTLE / 2)) == []
    (checked,) = reconcile_stale(db, lambda p, a: platform, clock=FrozenClock(NOW + SETTLE))
    assert checked.status == "queued"
    (outcome,) = publish(db, platform, at=NOW + timedelta(hours=1))
    assert outcome.status == "posted"
    assert [a.outcome for a in post(db, queued).attempts] == ["maybe_sent", "not_sent", "ok"]
    assert post(db, queued).attempt_count == 0  # no answer is no verdict: it does not count


def test_a_timeout_nobody_can_check_is_unknown_until_a_person_resolves_it(db, queued):
    platform = ScriptedPlatform([PublishError(Failure.MAYBE_SENT, "read timed out")])
    (outcome,) = publish(db, platform)
    row = post(db, queued)
    assert row.status == "unknown"
    assert row.error == "maybe_sent: read timed out; cannot check"
    assert row.next_attempt_at is None  # nothing to check with: a person decides
    assert f"`advocacy-bot resolve {queued} --posted`" in row.reason
    assert publish(db, platform, at=NOW + timedelta(days=1)) == []  # not resent
    resolved = resolve_unknown(db, queued, posted=True, now=NOW, remote_id="1999")
    assert (resolved.status, resolved.remote_id) == ("posted", "1999")


def test_resolving_not_posted_queues_it_again(db, queued):
    publish(db, ScriptedPlatform([PublishError(Failure.MAYBE_SENT, "read timed out")]))
    assert resolve_unknown(db, queued, posted=False, now=NOW).status == "queued"
    with pytest.raises(ValueError, match="is queued, not unknown"):
        resolve_unknown(db, queued, posted=False, now=NOW)


def test_a_post_left_sending_by_a_dead_worker_is_reconciled_not_resent(db, queued):
    with db.session() as session:  # a worker claimed it, then died
        session.execute(
            update(Post)
            .where(Post.id == queued)
            .values(status=Status.SENDING.value, lease_owner="dead:1", lease_expires=NOW + LEASE)
        )
    platform = ScriptedPlatform()
    platform.found = PublishResult("77", "https://mastodon.example/@org/77")
    assert reconcile_stale(db, lambda p, a: platform, clock=FrozenClock(NOW)) == []  # lease alive
    (outcome,) = reconcile_stale(db, lambda p, a: platform, clock=FrozenClock(NOW + LEASE * 2))
    assert outcome.status == "posted"
    assert platform.sent == []
    with db.new_session() as session:
        attempts = list(session.scalars(select(Attempt.outcome)))
    assert attempts == ["ok"]


def test_a_pause_for_everything_stops_publishing(db, queued):
    from bot.store import queries

    with db.session() as session:
        queries.set_pause(session, "all", "kill switch", NOW)
    platform = ScriptedPlatform()
    assert publish(db, platform) == []
    assert platform.sent == []


def test_an_account_that_must_wait_is_passed_over_for_the_rest_of_the_round(db):
    """A backlog of 40 X posts under an hour's spacing: the guard is asked about X once a
    slot, not once per queued post each round, and the Mastodon post behind them goes."""
    from bot.compose.plan import PlannedPost, PlannedTarget, text_hash
    from bot.config import Settings
    from bot.guard import guard_for
    from bot.store import queries

    def planned(index: int, platform: str) -> PlannedPost:
        text = f"Post {index}: please support S 1693."
        return PlannedPost(
            key=f"backlog-{index}", campaign_id="c", bill="us/115/S 1693", platform=platform,
            account="default", variant="a", text=text, text_hash=text_hash(text),
            length=len(text), limit=280, targets=(PlannedTarget("P", "P", None),), link=None,
        )  # fmt: skip

    backlog = [planned(i, "x") for i in range(40)] + [planned(40, "mastodon")]
    with db.session() as session:
        queries.insert_planned(session, backlog, mode=Mode.LIVE, now=NOW, scheduled_for=NOW)
    real = guard_for(Settings(env={"X_MIN_SPACING": "1h"}, mode=Mode.LIVE))
    asked: list[str] = []

    def guard(session, post, now):
        asked.append(f"{post.platform}:{post.key}")
        return real(session, post, now)

    platforms = {"x": ScriptedPlatform(), "mastodon": ScriptedPlatform(platform="mastodon")}

    def round_at(at: datetime) -> list[str]:
        asked.clear()
        publish_due(
            db, lambda p, a: platforms[p], mode=Mode.LIVE, clock=FrozenClock(at), guard=guard
        )
        return list(asked)

    assert round_at(NOW) == ["x:backlog-0", "x:backlog-1", "mastodon:backlog-40"]
    assert [p.key for p in platforms["x"].sent] == ["backlog-0"]
    assert [p.key for p in platforms["mastodon"].sent] == ["backlog-40"]
    with db.new_session() as session:
        waiting = session.scalars(select(Post).where(Post.status == "queued")).all()
    # The other 39 wait for the same reason, deferred together (one UPDATE).
    assert len(waiting) == 39
    assert {(p.reason, p.next_attempt_at) for p in waiting} == {
        ("posts on x are spaced by at least 1 h", NOW + timedelta(hours=1))
    }
    assert round_at(NOW + timedelta(minutes=30)) == []
    assert round_at(NOW + timedelta(hours=1)) == ["x:backlog-1", "x:backlog-2"]
    assert [p.key for p in platforms["x"].sent] == ["backlog-0", "backlog-1"]


# --- the campaign's schedule holds at publishing time too ------------------------------------


def schedule_guard(**schedule):
    """The real guard, knowing the test campaign's schedule."""
    from bot.config import Settings
    from bot.guard import guard_for

    campaign = make_campaign(
        schedule={"cron": "0 10 * * *", "timezone": "America/Chicago", **schedule}
    )
    settings = Settings(env={"X_REQUIRE_APPROVAL_FOR_MENTIONS": "0"}, mode=Mode.LIVE)
    return guard_for(settings, Mode.LIVE, schedules={campaign.id: campaign.schedule})


def test_a_live_post_waits_out_the_quiet_hours_of_its_campaign(db, queued):
    """Queued at 10:00, its publishing put off (a spacing, an outage) until 22:00."""
    guard = schedule_guard(quiet_hours={"start": "21:00", "end": "08:00"})
    platform = ScriptedPlatform()
    ten_pm = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)
    (outcome,) = publish_due(
        db, lambda p, a: platform, mode=Mode.LIVE, clock=FrozenClock(ten_pm), guard=guard
    )
    assert platform.sent == []
    row = post(db, queued)
    assert (row.status, row.reason) == (
        "queued",
        "quiet hours of campaign test-campaign (21:00-08:00 America/Chicago)",
    )
    eight_am = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
    assert row.next_attempt_at.replace(tzinfo=UTC) == eight_am
    assert (
        publish_due(
            db, lambda p, a: platform, mode=Mode.LIVE, clock=FrozenClock(eight_am), guard=guard
        )[0].status
        == "posted"
    )
    assert len(platform.sent) == 1


def test_a_post_still_queued_when_its_campaign_ends_is_never_sent(db, queued):
    guard = schedule_guard(end="2026-03-02")
    platform = ScriptedPlatform()
    next_day = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    (outcome,) = publish_due(
        db, lambda p, a: platform, mode=Mode.LIVE, clock=FrozenClock(next_day), guard=guard
    )
    assert platform.sent == []
    assert (outcome.status, outcome.detail) == (
        "skipped",
        "campaign test-campaign ended on 2026-03-02 (schedule.end)",
    )


def test_a_live_post_of_a_campaign_whose_file_is_gone_waits(db, queued):
    from bot.config import Settings
    from bot.guard import guard_for

    guard = guard_for(Settings(env={}, mode=Mode.LIVE), Mode.LIVE, schedules={})
    platform = ScriptedPlatform()
    (outcome,) = publish_due(
        db, lambda p, a: platform, mode=Mode.LIVE, clock=FrozenClock(NOW), guard=guard
    )
    assert platform.sent == []
    assert outcome.status == "queued"
    assert outcome.detail.startswith("campaign test-campaign is not among the campaign files")


def test_publishing_has_no_default_guard():
    """A guard left out is an error, never an allow-everything default."""
    import inspect

    from bot.schedule import worker
    from bot.schedule.service import BotService

    for function in (worker.publish_due, worker.publish_next, BotService.__init__):
        guard = inspect.signature(function).parameters["guard"]
        assert guard.default is inspect.Parameter.empty, function.__qualname__
    assert not hasattr(worker, "allow_all")
