"""The Mastodon publisher: real Mastodon.py, real HTTP, against the fake instance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FrozenClock
from bot.config import ConfigError, Settings
from bot.platforms import mastodon as mastodon_module
from bot.platforms.base import Failure, PublishError
from bot.platforms.mastodon import MastodonPublisher, idempotency_key, plain_text, status_length
from tests.fakes.mastodon import DEFAULT_CONFIG, FakeMastodon
from tests.platforms.conftest import ACCENTED, FAST, SLOW_ANSWER, assert_no_secret, make_post

ACCOUNT = DEFAULT_CONFIG["accounts"][0]
READONLY = DEFAULT_CONFIG["accounts"][1]


@pytest.fixture(autouse=True)
def _fresh_instance_cache():
    mastodon_module._INSTANCE_CACHE.clear()
    yield
    mastodon_module._INSTANCE_CACHE.clear()


NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # the clock of these tests


def publisher(fake: FakeMastodon, **kwargs) -> MastodonPublisher:
    return MastodonPublisher(
        "default",
        api_base_url=fake.url,
        access_token=kwargs.pop("access_token", ACCOUNT["token"]),
        timeouts=FAST,
        **kwargs,
    )


def failure(call) -> PublishError:
    with pytest.raises(PublishError) as caught:
        call()
    return caught.value


def test_a_status_goes_out_public_with_an_idempotency_key(fake_mastodon: FakeMastodon) -> None:
    text = f"@senator@senate.social {ACCENTED}"  # starts with a mention: never a DM by accident
    post = make_post("mastodon", text, mentions=("senator@senate.social",))
    result = publisher(fake_mastodon, language="fr").publish(post)

    request = fake_mastodon.received("create")[0]
    assert request.form["status"] == text
    assert request.form["visibility"] == "public"  # sent, though the account defaults to private
    assert request.form["language"] == "fr"
    assert request.header("Idempotency-Key") == idempotency_key(post) == f"advocacy-bot-{post.key}"
    [status] = fake_mastodon.statuses
    assert status["visibility"] == "public"
    assert result.remote_id == status["id"]
    assert result.url == f"https://mastodon.example/@moadvocacy/{status['id']}"
    assert result.rate_limit_remaining == 299
    assert result.rate_limit_reset is not None


def test_a_repeat_returns_the_same_status_instead_of_a_second(fake_mastodon: FakeMastodon) -> None:
    masto = publisher(fake_mastodon)
    post = make_post("mastodon", "SB 792: call today")
    first, second = masto.publish(post), masto.publish(post)
    assert first.remote_id == second.remote_id
    assert fake_mastodon.texts() == [post.text]
    assert fake_mastodon.count("create") == 2
    assert [r["reason"] for r in fake_mastodon.rejected] == ["idempotent_replay"]


def test_a_timeout_is_maybe_sent_and_the_retry_is_idempotent(fake_mastodon: FakeMastodon) -> None:
    masto = publisher(fake_mastodon, clock=FrozenClock(NOW))
    post = make_post("mastodon", "SB 792 slow instance")
    fake_mastodon.inject("create", "timeout", delay=SLOW_ANSWER)
    error = failure(lambda: masto.publish(post))
    assert error.kind is Failure.MAYBE_SENT
    until = datetime.fromisoformat(error.details["idempotent_retry_until"])
    assert NOW + timedelta(minutes=50) < until < NOW + timedelta(hours=1)

    retried = masto.publish(post)  # same Idempotency-Key: Mastodon answers with the first status
    assert fake_mastodon.texts() == [post.text]
    assert retried.remote_id == fake_mastodon.statuses[0]["id"]


def test_the_instance_limit_is_read_and_cached(tmp_path) -> None:
    with FakeMastodon(config={**DEFAULT_CONFIG, "max_characters": 1000}) as fake:
        masto = publisher(fake)
        assert masto.max_characters() == 1000
        masto.publish(make_post("mastodon", "é" * 900))
        masto.publish(make_post("mastodon", "ü" * 900))
        assert fake.count("instance") == 1
        error = failure(lambda: masto.publish(make_post("mastodon", "a" * 1001)))
        assert error.kind is Failure.PERMANENT
        assert "allows 1000" in error.message
        assert fake.count("create") == 2  # refused before sending


def test_the_server_still_has_the_last_word_on_length(fake_mastodon: FakeMastodon) -> None:
    mastodon_module._INSTANCE_CACHE[fake_mastodon.url] = (5000, 23)  # a stale, larger limit
    error = failure(lambda: publisher(fake_mastodon).publish(make_post("mastodon", "x" * 600)))
    assert error.kind is Failure.PERMANENT
    assert error.http_status == 422
    assert "character limit of 500" in error.message


def test_length_counts_urls_as_23_and_remote_mentions_without_domain() -> None:
    long_url = "https://senate.mo.gov/" + "a" * 80
    assert status_length(long_url) == 23
    assert status_length("@senator@senate.social hi") == len("@senator hi")
    assert status_length("🙏🏽 é") == 3


def test_direct_visibility_is_refused_and_others_are_sent(fake_mastodon: FakeMastodon) -> None:
    with pytest.raises(ConfigError, match="never 'direct'"):
        publisher(fake_mastodon, visibility="direct")
    publisher(fake_mastodon, visibility="unlisted").publish(make_post("mastodon", "SB 792"))
    assert fake_mastodon.statuses[0]["visibility_param"] == "unlisted"


def test_rate_limit_uses_x_ratelimit_reset(fake_mastodon: FakeMastodon) -> None:
    fake_mastodon.clock = NOW.timestamp
    fake_mastodon.inject("create", "rate_limited", reset_in=1200)
    masto = publisher(fake_mastodon, clock=FrozenClock(NOW))
    error = failure(lambda: masto.publish(make_post("mastodon", "SB 792")))
    assert error.kind is Failure.RATE_LIMITED
    assert error.retry_at == NOW + timedelta(minutes=20)
    assert fake_mastodon.statuses == []


@pytest.mark.parametrize(
    ("fault", "params", "kind"),
    [
        ("unauthorized", {}, Failure.AUTH),
        ("server_error", {"status": 503}, Failure.MAYBE_SENT),  # may follow a created status
        ("server_error", {"status": 504}, Failure.MAYBE_SENT),
        ("drop", {}, Failure.MAYBE_SENT),
    ],
)
def test_failures_map(fake_mastodon: FakeMastodon, fault, params, kind) -> None:
    fake_mastodon.inject("create", fault, **params)
    error = failure(lambda: publisher(fake_mastodon).publish(make_post("mastodon", "SB 792")))
    assert error.kind is kind


def test_a_token_without_write_scope_is_auth(fake_mastodon: FakeMastodon) -> None:
    readonly = publisher(fake_mastodon, access_token=READONLY["token"])
    error = failure(lambda: readonly.publish(make_post("mastodon", "SB 792")))
    assert error.kind is Failure.AUTH
    assert "write:statuses" in error.message
    assert readonly.check().ok  # read:accounts is enough to check


def test_reconcile_reads_the_public_timeline(fake_mastodon: FakeMastodon) -> None:
    masto = publisher(fake_mastodon)
    text = "Tom & Jerry: @senator@senate.social, read https://senate.mo.gov/" + "b" * 60
    post = make_post("mastodon", text, mentions=("senator@senate.social",))
    assert masto.reconcile(post) is None
    fake_mastodon.inject("create", "drop")
    assert failure(lambda: masto.publish(post)).kind is Failure.MAYBE_SENT

    found = masto.reconcile(post)
    assert found is not None and found.remote_id == fake_mastodon.statuses[0]["id"]
    public = [r for r in fake_mastodon.received("account_statuses")]
    assert all(r.header("Authorization") is None for r in public)


def test_plain_text_undoes_mastodon_html() -> None:
    content = (
        '<p>Hi <span class="h-card"><a href="https://x/@s" class="u-url mention">@<span>s'
        '</span></a></span> &amp; <a href="https://e.org/abc"><span class="invisible">'
        'https://</span><span class="ellipsis">e.org/a</span><span class="invisible">bc'
        "</span></a></p><p>two</p>"
    )
    assert plain_text(content) == "Hi @s & https://e.org/abc two"


def test_check_reports_account_and_limits(fake_mastodon: FakeMastodon) -> None:
    status = publisher(fake_mastodon).check()
    assert status.ok
    assert status.identity == f"@moadvocacy on {fake_mastodon.url}"
    assert status.limits["max_characters"] == "500"
    bad = publisher(fake_mastodon, access_token="not-a-real-token-000").check()
    assert not bad.ok and "auth" in bad.detail


def test_from_settings(fake_mastodon: FakeMastodon) -> None:
    with pytest.raises(ConfigError, match="MASTODON_API_BASE"):
        MastodonPublisher.from_settings("default", Settings(env={"MASTODON_ACCESS_TOKEN": "t"}))
    settings = Settings(
        env={
            "MASTODON_API_BASE": fake_mastodon.url,
            "MASTODON_ACCESS_TOKEN": ACCOUNT["token"],
            "MASTODON_VISIBILITY": "unlisted",
        }
    )
    assert MastodonPublisher.from_settings("default", settings).visibility == "unlisted"


def test_no_token_in_logs_or_errors(fake_mastodon: FakeMastodon, debug_logs) -> None:
    masto = publisher(fake_mastodon)
    texts = [repr(masto.check())]
    masto.publish(make_post("mastodon", "SB 792 logged"))
    for fault in ("unauthorized", "rate_limited", "server_error", "drop"):
        fake_mastodon.inject("create", fault)
        error = failure(lambda fault=fault: masto.publish(make_post("mastodon", f"SB 792 {fault}")))
        texts += [str(error), repr(error)]
    assert_no_secret([ACCOUNT["token"]], debug_logs.text, *texts)


def test_an_instance_that_does_not_answer_is_transient(fake_mastodon: FakeMastodon) -> None:
    fake_mastodon.inject("instance", "timeout", delay=SLOW_ANSWER)
    error = failure(lambda: publisher(fake_mastodon).publish(make_post("mastodon", "SB 792")))
    assert error.kind is Failure.TRANSIENT
    assert fake_mastodon.count("create") == 0
