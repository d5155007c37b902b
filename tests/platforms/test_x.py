"""The X publisher: real tweepy, real HTTP, against the fake X API on 127.0.0.1."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.compose.plan import PlannedPost, post_key, text_hash
from bot.config import ConfigError, Mode, Settings
from bot.platforms._http import Timeouts
from bot.platforms.base import Failure, PublishError
from bot.platforms.x import XPublisher
from bot.schedule.worker import publish_due
from bot.store import queries
from bot.store.db import Database
from bot.store.models import Post
from tests.fakes.x import DEFAULT_CONFIG, DUPLICATE_DETAIL, FakeX
from tests.guards import allow_all
from tests.platforms.conftest import ACCENTED, FAST, SLOW_ANSWER, assert_no_secret, make_post

APP = DEFAULT_CONFIG["app"]
USER = DEFAULT_CONFIG["users"][0]
NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # X's clock (the fake's) in these tests
SECRETS = [
    APP["consumer_key"],
    APP["consumer_secret"],
    USER["access_token"],
    USER["access_token_secret"],
]


def publisher(fake: FakeX, **kwargs) -> XPublisher:
    return XPublisher(
        "default",
        consumer_key=APP["consumer_key"],
        consumer_secret=APP["consumer_secret"],
        access_token=kwargs.pop("access_token", USER["access_token"]),
        access_token_secret=USER["access_token_secret"],
        base_url=fake.url,
        **({"timeouts": FAST} | kwargs),
    )


def failure(call) -> PublishError:
    with pytest.raises(PublishError) as caught:
        call()
    return caught.value


def test_post_goes_out_signed_with_the_account_tokens(fake_x: FakeX) -> None:
    text = f"{ACCENTED} @SenHawley"
    result = publisher(fake_x).publish(make_post("x", text))

    assert fake_x.texts() == [text]
    request = fake_x.received("create")[0]
    assert request.json == {"text": text}
    assert request.header("Authorization").startswith("OAuth ")  # verified HMAC-SHA1 by the fake
    assert result.remote_id == fake_x.tweets[0]["id"]
    assert result.url == f"https://x.com/i/web/status/{result.remote_id}"
    assert result.cost == pytest.approx(0.015)


def test_the_24_hour_limits_reach_the_result(fake_x: FakeX) -> None:
    fake_x.clock = NOW.timestamp
    result = publisher(fake_x).publish(make_post("x", "SB 792 hearing Tuesday"))

    for name in (
        "x-rate-limit-remaining",
        "x-user-limit-24hour-remaining",
        "x-user-limit-24hour-reset",
        "x-app-limit-24hour-remaining",
    ):
        assert name in result.limits
    assert result.limits["x-user-limit-24hour-remaining"] == "2399"
    # the tightest window is reported in the two summary fields
    assert result.rate_limit_remaining == 99
    assert result.rate_limit_reset == NOW + timedelta(minutes=15)


def test_a_post_with_a_url_costs_more_and_prices_are_settings(fake_x: FakeX) -> None:
    cheap = publisher(fake_x).publish(make_post("x", "Call your senator about SB 792"))
    dear = publisher(fake_x).publish(make_post("x", "Read SB 792: https://senate.mo.gov/sb792"))
    assert (cheap.cost, dear.cost) == (pytest.approx(0.015), pytest.approx(0.200))

    settings = Settings(
        env={
            "X_API_KEY": APP["consumer_key"],
            "X_API_SECRET": APP["consumer_secret"],
            "X_ACCESS_TOKEN": USER["access_token"],
            "X_ACCESS_TOKEN_SECRET": USER["access_token_secret"],
            "X_API_BASE": fake_x.url,
            "X_PRICE_PER_POST_WITH_URL": "0.25",
            "X_USERNAME": "moadvocacy",
        }
    )
    configured = XPublisher.from_settings("default", settings)
    result = configured.publish(make_post("x", "Bare domains count too: senate.mo.gov"))
    assert result.cost == pytest.approx(0.25)
    assert result.url == f"https://x.com/moadvocacy/status/{result.remote_id}"


def test_duplicate_content_is_never_created_twice(fake_x: FakeX) -> None:
    post = make_post("x", "Protect survivors: pass SB 792")
    x = publisher(fake_x)
    x.publish(post)
    error = failure(lambda: x.publish(post))

    assert error.kind is Failure.DUPLICATE
    assert error.http_status == 403
    assert DUPLICATE_DETAIL in error.message
    assert fake_x.texts() == [post.text]
    assert [r["reason"] for r in fake_x.rejected] == ["duplicate"]


@pytest.mark.parametrize(
    ("window", "reset_header"),
    [("15min", "x-rate-limit-reset"), ("user_24h", "x-user-limit-24hour-reset")],
)
def test_429_defers_until_the_exhausted_window_resets(
    fake_x: FakeX, window: str, reset_header: str
) -> None:
    fake_x.clock = NOW.timestamp
    fake_x.inject("create", "rate_limited", reset_in=3600, window=window)
    error = failure(lambda: publisher(fake_x).publish(make_post("x", "SB 792")))

    assert error.kind is Failure.RATE_LIMITED
    assert error.http_status == 429
    assert error.retry_at == NOW + timedelta(hours=1)
    assert error.details[reset_header] == str(int((NOW + timedelta(hours=1)).timestamp()))
    assert fake_x.texts() == []


def planned(platform: str, text: str) -> PlannedPost:
    """A post as the planner hands it to the log (nobody tagged)."""
    return PlannedPost(
        key=post_key(platform, "default", "c", "SB 792", [], text),
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
        targets=(),
    )


def test_x_429_waits_for_the_later_of_two_exhausted_windows(sqlite_url: str) -> None:
    """Kills the mutant "a 429 retries at the earliest exhausted window's reset".

    X answers a 429 with every window's headers; when the 15-minute window and the
    24-hour one are both spent, only the later reset lifts the refusal. The real worker
    must leave the post queued until then: a retry when the 15 minutes are up would be
    refused again (and, on a paid tier, keep the account in X's rate-limit penalty)."""
    now = NOW
    limits = DEFAULT_CONFIG["limits"] | {"window": 1, "user_24h": 1}
    config = DEFAULT_CONFIG | {"limits": limits, "enforce_limits": True}
    clock = FrozenClock(now)
    db = Database(sqlite_url)
    texts = ["SB 792 hearing Tuesday", "SB 792: call your senator"]
    with db.session() as session:
        queries.insert_planned(
            session,
            [planned("x", text) for text in texts],
            mode=Mode.LIVE,
            now=now,
            scheduled_for=now,
        )
    with FakeX(config=config) as fake:
        fake.clock = lambda: clock.now().timestamp()  # X's windows follow the test's clock
        x = publisher(fake, clock=clock)

        def publish_at(moment: datetime) -> None:
            clock.set(moment)
            publish_due(db, lambda p, a: x, mode=Mode.LIVE, clock=clock, guard=allow_all)

        publish_at(now)  # the first post spends both windows; the second gets X's 429
        assert fake.texts() == texts[:1] and fake.counts["create"] == 2
        publish_at(now + timedelta(minutes=16))  # the 15-minute window has reset
        assert fake.counts["create"] == 2  # not asked again: the day's window is still spent
        publish_at(now + timedelta(days=1, minutes=1))
        assert fake.texts() == texts
    with db.new_session() as session:
        assert list(session.scalars(select(Post.status).order_by(Post.id))) == ["posted"] * 2
    db.dispose()


@pytest.mark.parametrize(
    ("fault", "params", "kind", "status"),
    [
        ("unauthorized", {}, Failure.AUTH, 401),
        ("forbidden_permissions", {}, Failure.AUTH, 403),
        ("payment", {}, Failure.PAYMENT, 402),
        ("server_error", {"status": 503}, Failure.MAYBE_SENT, 503),  # X may have created it
        ("server_error", {"status": 500}, Failure.MAYBE_SENT, 500),
        ("server_error", {"status": 504}, Failure.MAYBE_SENT, 504),
    ],
)
def test_http_errors_map_to_failures(fake_x: FakeX, fault, params, kind, status) -> None:
    fake_x.inject("create", fault, **params)
    error = failure(lambda: publisher(fake_x).publish(make_post("x", "SB 792")))

    assert (error.kind, error.http_status) == (kind, status)
    assert fake_x.texts() == []


def test_tokens_the_api_rejects_are_auth_failures(fake_x: FakeX) -> None:
    bad = publisher(fake_x, access_token="1500000000000000001-revokedtoken0000")
    error = failure(lambda: bad.publish(make_post("x", "SB 792")))
    assert error.kind is Failure.AUTH
    assert "X_" in error.message  # says where to look


def test_a_too_long_post_is_permanent(fake_x: FakeX) -> None:
    error = failure(lambda: publisher(fake_x).publish(make_post("x", "é" * 281)))
    assert error.kind is Failure.PERMANENT
    assert "shorter" in error.message


def test_a_timeout_after_sending_is_maybe_sent(fake_x: FakeX) -> None:
    # X creates the post but answers after our read timeout. (Had the client waited for
    # the answer, the post would have been "posted": MAYBE_SENT is our timeout's doing.)
    fake_x.inject("create", "timeout", delay=SLOW_ANSWER)
    quick = Timeouts(connect=FAST.connect, read=0.2)
    error = failure(lambda: publisher(fake_x, timeouts=quick).publish(make_post("x", "SB 792 t")))

    assert error.kind is Failure.MAYBE_SENT
    assert fake_x.texts() == ["SB 792 t"]  # it did go out: never retry blindly


def test_a_dropped_connection_is_maybe_sent(fake_x: FakeX) -> None:
    fake_x.inject("create", "drop")
    error = failure(lambda: publisher(fake_x).publish(make_post("x", "SB 792 dropped")))
    assert error.kind is Failure.MAYBE_SENT


def test_no_connection_at_all_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    x = XPublisher(
        "default",
        consumer_key="k" * 10,
        consumer_secret="s" * 10,
        access_token="t" * 10,
        access_token_secret="u" * 10,
        base_url=f"http://127.0.0.1:{port}",
        timeouts=FAST,
    )
    error = failure(lambda: x.publish(make_post("x", "SB 792")))
    assert error.kind is Failure.TRANSIENT
    assert "nothing was sent" in error.message


def test_reconcile_needs_paid_reads_switched_on(fake_x: FakeX) -> None:
    error = failure(lambda: publisher(fake_x).reconcile(make_post("x", "SB 792")))
    assert error.kind is Failure.MAYBE_SENT
    assert "X_RECONCILE_READS" in error.message
    # Marked uncheckable: the worker leaves the post for a person at once, instead of
    # re-checking (and holding the account) for a day and a half.
    assert error.details.get("uncheckable")
    assert fake_x.counts.get("user_tweets", 0) == fake_x.counts.get("me", 0) == 0  # no paid read


def test_when_unsure_resend_takes_an_unchecked_post_as_not_sent(fake_x: FakeX) -> None:
    x = publisher(fake_x, when_unsure="resend")
    assert x.reconcile(make_post("x", "SB 792")) is None


def test_when_unsure_accepts_only_its_two_policies() -> None:
    creds = {
        "X_API_KEY": "k",
        "X_API_SECRET": "s",
        "X_ACCESS_TOKEN": "t",
        "X_ACCESS_TOKEN_SECRET": "ts",
    }
    settings = Settings(env={**creds, "X_WHEN_UNSURE": "Resend"})
    assert XPublisher.from_settings("default", settings).when_unsure == "resend"
    with pytest.raises(ConfigError, match="X_WHEN_UNSURE must be unknown or resend"):
        XPublisher.from_settings("default", Settings(env={**creds, "X_WHEN_UNSURE": "maybe"}))


def test_reconcile_with_reads_finds_a_post_that_went_out(fake_x: FakeX) -> None:
    x = publisher(fake_x, reconcile_reads=True)
    post = make_post("x", "Tom & Jerry say: read https://senate.mo.gov/sb792 now")
    fake_x.inject("create", "timeout", delay=SLOW_ANSWER)
    assert failure(lambda: x.publish(post)).kind is Failure.MAYBE_SENT

    found = x.reconcile(post)  # X returns t.co links and &amp;: matched anyway
    assert found is not None
    assert found.remote_id == fake_x.tweets[0]["id"]
    assert found.cost == pytest.approx(0.200)
    assert x.reconcile(make_post("x", "never sent")) is None


def test_check_reports_who_the_tokens_belong_to(fake_x: FakeX) -> None:
    status = publisher(fake_x).check()
    assert status.ok
    assert "@moadvocacy" in (status.identity or "")

    bad = publisher(fake_x, access_token="1500000000000000001-revokedtoken0000").check()
    assert not bad.ok
    assert "auth" in bad.detail


def test_missing_credentials_name_the_variable() -> None:
    settings = Settings(env={"X_MOCOALITION_API_KEY": "secret-key-value-123"})
    with pytest.raises(ConfigError) as caught:
        XPublisher.from_settings("mocoalition", settings)
    assert "X_MOCOALITION_API_SECRET" in str(caught.value)
    assert "secret-key-value-123" not in str(caught.value)


def test_no_credential_reaches_logs_or_errors(fake_x: FakeX, debug_logs) -> None:
    x = publisher(fake_x, reconcile_reads=True)
    texts = []
    x.publish(make_post("x", "SB 792 logged"))
    for fault, params in [
        ("unauthorized", {}),
        ("rate_limited", {}),
        ("payment", {}),
        ("server_error", {}),
        ("timeout", {"delay": SLOW_ANSWER}),
    ]:
        fake_x.inject("create", fault, **params)
        error = failure(lambda fault=fault: x.publish(make_post("x", f"SB 792 {fault}")))
        texts += [str(error), repr(error), error.message]
    texts.append(repr(x.check()))
    x.reconcile(make_post("x", "SB 792 logged"))

    assert "oauth_token" in debug_logs.text  # oauthlib did log its parameters...
    assert_no_secret(SECRETS, debug_logs.text, *texts)  # ...with the values masked


# -- the monthly usage cap --------------------------------------------------------------------


def test_the_monthly_usage_cap_pauses_for_payment_not_for_fifteen_minutes(fake_x: FakeX) -> None:
    """X's 429 ``usage-capped`` does not lift at the next window: retrying every 15
    minutes would only spend the rest of the month failing."""
    fake_x.inject("create", "usage_capped")
    error = failure(lambda: publisher(fake_x).publish(make_post("x", "SB 792 capped")))

    assert (error.kind, error.http_status) == (Failure.PAYMENT, 429)
    assert error.retry_at is None  # no end: a person raises the cap, then resumes
    assert "Usage cap exceeded: Monthly product cap" in error.message  # X's own words
    assert "spend limit" in error.message and "Developer Console" in error.message
    assert error.details["problem"] == "usage-capped"
    assert (error.details["cap_period"], error.details["cap_scope"]) == ("Monthly", "Product")
    assert fake_x.texts() == []


def test_an_ordinary_429_is_still_a_rate_limit(fake_x: FakeX) -> None:
    fake_x.inject("create", "rate_limited", reset_in=60)
    error = failure(lambda: publisher(fake_x).publish(make_post("x", "SB 792")))
    assert error.kind is Failure.RATE_LIMITED
    assert error.retry_at is not None


# -- automated @mentions refused ----------------------------------------------------------------


def test_a_refused_automated_mention_fails_with_what_to_do(fake_x: FakeX) -> None:
    """X's refusal names no reason (the fake's default is X's generic 403): the post
    tags people, so the reason says what happened and what the organiser can do."""
    fake_x.refuse_mentions = True
    post = make_post("x", "@SenHawley @RepWagner please pass SB 792", mentions=("SenHawley",))
    error = failure(lambda: publisher(fake_x).publish(post))

    assert (error.kind, error.http_status) == (Failure.PERMANENT, 403)
    assert "You are not permitted to perform this action." in error.message  # X's words
    assert "@SenHawley" in error.message
    assert "automated @mention" in error.message and "2026-02-23" in error.message
    assert "plain text" in error.message and "approval" in error.message
    assert error.details["refusal"] == "automated-mentions"
    assert fake_x.texts() == []
    assert [r["reason"] for r in fake_x.rejected] == ["mention"]


def test_the_refusal_is_recognised_from_the_text_when_the_planner_listed_no_mentions(
    fake_x: FakeX,
) -> None:
    fake_x.refuse_mentions = True
    error = failure(lambda: publisher(fake_x).publish(make_post("x", "Thanks @SenHawley!")))
    assert error.kind is Failure.PERMANENT
    assert "@SenHawley" in error.message and "plain text" in error.message


def test_a_refusal_that_names_mentions_is_recognised_on_any_post(fake_x: FakeX) -> None:
    fake_x.inject(
        "create",
        "mentions_refused",
        detail="Your app's access level does not allow automated mentions.",
    )
    error = failure(lambda: publisher(fake_x).publish(make_post("x", "SB 792 hearing")))
    assert error.kind is Failure.PERMANENT
    assert error.details["refusal"] == "automated-mentions"
    assert "does not allow automated mentions" in error.message


def test_posts_without_mentions_still_go_out_when_mentions_are_refused(fake_x: FakeX) -> None:
    fake_x.refuse_mentions = True
    x = publisher(fake_x)
    x.publish(make_post("x", "Email your senator about SB 792: info@example.org"))
    assert len(fake_x.texts()) == 1
    # a 403 about length is about length, even on a post that tags people
    error = failure(lambda: x.publish(make_post("x", "@SenHawley " + "é" * 280)))
    assert "shorter" in error.message
    assert "refusal" not in error.details
