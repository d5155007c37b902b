"""The Bluesky publisher: the real atproto SDK, real HTTP, against the fake PDS."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.platforms.base import Failure, PublishError
from bot.platforms.bluesky import (
    ACCOUNT_ERRORS,
    TID_PATTERN,
    BlueskyPublisher,
    find_mentions,
    record_key,
)
from tests.fakes.bluesky import DEFAULT_CONFIG, FakeBluesky
from tests.platforms.conftest import ACCENTED, FAST, SLOW_ANSWER, assert_no_secret, make_post

ACCOUNT = DEFAULT_CONFIG["accounts"][0]
SENATOR_DID = DEFAULT_CONFIG["directory"]["senator.bsky.social"]


def publisher(fake: FakeBluesky, state_dir: Path, **kwargs) -> BlueskyPublisher:
    return BlueskyPublisher(
        "default",
        handle=kwargs.pop("handle", ACCOUNT["handle"]),
        app_password=kwargs.pop("app_password", ACCOUNT["password"]),
        service=fake.url,
        state_dir=state_dir,
        timeouts=FAST,
        **kwargs,
    )


@pytest.fixture
def bsky(fake_bluesky: FakeBluesky, tmp_path: Path) -> BlueskyPublisher:
    return publisher(fake_bluesky, tmp_path / "state")


def failure(call) -> PublishError:
    with pytest.raises(PublishError) as caught:
        call()
    return caught.value


def test_mentions_and_links_are_facets_at_utf8_byte_offsets(
    fake_bluesky: FakeBluesky, bsky: BlueskyPublisher
) -> None:
    text = f"{ACCENTED} @senator.bsky.social lisez https://senate.mo.gov/sb792 #SB792"
    result = bsky.publish(make_post("bluesky", text, mentions=("senator.bsky.social",)))

    [record] = fake_bluesky.posts()
    value, encoded = record["value"], text.encode("utf-8")
    assert value["text"] == text
    facets = {f["features"][0]["$type"].split("#")[1]: f for f in value["facets"]}
    mention, link, tag = facets["mention"], facets["link"], facets["tag"]
    assert mention["features"][0]["did"] == SENATOR_DID
    start, end = mention["index"]["byteStart"], mention["index"]["byteEnd"]
    assert encoded[start:end] == b"@senator.bsky.social"
    assert start == len(f"{ACCENTED} ".encode()) != len(f"{ACCENTED} ")  # bytes, not characters
    assert encoded[link["index"]["byteStart"] : link["index"]["byteEnd"]] == (
        b"https://senate.mo.gov/sb792"
    )
    assert link["features"][0]["uri"] == "https://senate.mo.gov/sb792"
    assert tag["features"][0]["tag"] == "SB792"

    rkey = record["rkey"]
    assert TID_PATTERN.match(rkey)
    assert result.remote_id == f"at://{ACCOUNT['did']}/app.bsky.feed.post/{rkey}"
    assert result.url == f"https://bsky.app/profile/{ACCOUNT['handle']}/post/{rkey}"
    assert result.limits["ratelimit-remaining"] == "4997"


def test_a_handle_written_twice_gets_two_facets_and_one_lookup(
    fake_bluesky: FakeBluesky, bsky: BlueskyPublisher
) -> None:
    text = "@senator.bsky.social 🙏 merci, @Senator.bsky.social."
    bsky.publish(make_post("bluesky", text, mentions=("senator.bsky.social",)))
    facets = fake_bluesky.posts()[0]["value"]["facets"]
    encoded = text.encode()
    assert [encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]] for f in facets] == [
        b"@senator.bsky.social",
        b"@Senator.bsky.social",
    ]
    assert fake_bluesky.count("resolve_handle") == 1


def test_find_mentions_respects_word_boundaries() -> None:
    assert find_mentions("mail me@senator.bsky.social", "senator.bsky.social") == []
    assert find_mentions("@senator.bsky.socialite", "senator.bsky.social") == []
    assert find_mentions("hi @senator.bsky.social.", "senator.bsky.social") == [(3, 23)]
    assert find_mentions("é @josé.example.com!", "josé.example.com") == [(3, 21)]


def test_record_keys_are_stable_valid_tids() -> None:
    when = datetime(2026, 3, 1, 12, tzinfo=UTC)
    a = make_post("bluesky", "one", created_at=when)
    b = make_post("bluesky", "two", created_at=when + timedelta(seconds=1))
    keys = [record_key(a), record_key(a), record_key(b), record_key(make_post("bluesky", "x"))]
    assert all(TID_PATTERN.match(k) for k in keys)
    assert keys[0] == keys[1] != keys[2]
    assert keys[0] < keys[2]  # time-ordered like the SDK's own keys


def test_a_retry_cannot_create_a_second_post(
    fake_bluesky: FakeBluesky, bsky: BlueskyPublisher
) -> None:
    post = make_post("bluesky", "SB 792: hearing Tuesday")
    first = bsky.publish(post)
    again = bsky.publish(post)  # the PDS answers 500 for the existing key; getRecord settles it

    assert again.remote_id == first.remote_id
    assert len(fake_bluesky.posts()) == 1
    assert fake_bluesky.count("create_record") == 2
    assert fake_bluesky.count("get_record") == 1
    assert [r["reason"] for r in fake_bluesky.rejected] == ["existing_record"]


def test_an_explicit_already_exists_error_is_settled_too(tmp_path: Path) -> None:
    config = {**DEFAULT_CONFIG, "existing_record": "explicit"}
    with FakeBluesky(config=config) as fake:
        bsky = publisher(fake, tmp_path)
        post = make_post("bluesky", "SB 792 once")
        assert bsky.publish(post).remote_id == bsky.publish(post).remote_id
        assert len(fake.posts()) == 1


def test_a_timeout_after_the_write_is_confirmed_not_repeated(
    fake_bluesky: FakeBluesky, bsky: BlueskyPublisher
) -> None:
    post = make_post("bluesky", "SB 792 slow PDS")
    fake_bluesky.inject("create_record", "timeout", delay=SLOW_ANSWER)
    result = bsky.publish(post)

    assert len(fake_bluesky.posts()) == 1
    assert result.remote_id == fake_bluesky.posts()[0]["uri"]


@pytest.mark.parametrize("fault", ["hang", "drop_before", "server_error"])
def test_a_write_that_did_not_happen_is_transient_and_safe_to_retry(
    fake_bluesky: FakeBluesky, bsky: BlueskyPublisher, fault: str
) -> None:
    post = make_post("bluesky", f"SB 792 {fault}")
    fake_bluesky.inject("create_record", fault, delay=SLOW_ANSWER)
    error = failure(lambda: bsky.publish(post))
    assert error.kind is Failure.TRANSIENT
    assert "retry is safe" in error.message
    assert fake_bluesky.posts() == []

    bsky.publish(post)
    assert len(fake_bluesky.posts()) == 1


def test_rate_limit_waits_for_ratelimit_reset(
    fake_bluesky: FakeBluesky, bsky: BlueskyPublisher
) -> None:
    now = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    fake_bluesky.clock = now.timestamp
    fake_bluesky.inject("create_record", "rate_limited", reset_in=1800)
    error = failure(lambda: bsky.publish(make_post("bluesky", "SB 792")))
    assert error.kind is Failure.RATE_LIMITED
    assert error.retry_at == now + timedelta(minutes=30)
    assert error.details["ratelimit-reset"] == str(int(error.retry_at.timestamp()))


def test_a_handle_that_does_not_resolve_fails_the_post(
    fake_bluesky: FakeBluesky, bsky: BlueskyPublisher
) -> None:
    post = make_post("bluesky", "Hi @nobody.bsky.social", mentions=("nobody.bsky.social",))
    error = failure(lambda: bsky.publish(post))
    assert error.kind is Failure.PERMANENT
    assert "@nobody.bsky.social does not resolve" in error.message
    assert fake_bluesky.count("create_record") == 0


def test_text_over_300_graphemes_is_refused_before_sending(
    fake_bluesky: FakeBluesky, bsky: BlueskyPublisher
) -> None:
    error = failure(lambda: bsky.publish(make_post("bluesky", "🙏🏽" * 301)))
    assert error.kind is Failure.PERMANENT
    assert fake_bluesky.count("create_record") == 0
    bsky.publish(make_post("bluesky", "🙏🏽" * 300))  # 300 graphemes, 2,400 bytes: fine


def test_the_session_is_reused_and_renewed_only_when_refused(
    fake_bluesky: FakeBluesky, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    first = publisher(fake_bluesky, state)
    first.publish(make_post("bluesky", "one"))
    first.publish(make_post("bluesky", "two"))
    assert fake_bluesky.count("create_session") == 1

    stored = first.session_file
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert ACCOUNT["password"] not in stored.read_text()

    # A new process: the stored session is used, no login.
    publisher(fake_bluesky, state).publish(make_post("bluesky", "three"))
    assert fake_bluesky.count("create_session") == 1

    # Every token revoked: one new login, and the post still goes out once.
    fake_bluesky.expire_sessions()
    first.publish(make_post("bluesky", "four"))
    assert fake_bluesky.count("create_session") == 2
    assert [p["value"]["text"] for p in fake_bluesky.posts()] == ["one", "two", "three", "four"]


def test_a_token_near_expiry_is_refreshed_not_recreated(tmp_path: Path) -> None:
    with FakeBluesky(config={**DEFAULT_CONFIG, "access_ttl": 600}) as fake:  # < 15 min left
        bsky = publisher(fake, tmp_path)
        bsky.publish(make_post("bluesky", "one"))
        bsky.publish(make_post("bluesky", "two"))
        assert fake.count("create_session") == 1
        assert fake.count("refresh_session") >= 1
        stored = json.loads(bsky.session_file.read_text())
        assert stored["identifier"] == ACCOUNT["handle"]


def test_a_wrong_app_password_is_auth(fake_bluesky: FakeBluesky, tmp_path: Path) -> None:
    bad = publisher(fake_bluesky, tmp_path, app_password="wrong-app-password-9999")
    error = failure(lambda: bad.publish(make_post("bluesky", "SB 792")))
    assert error.kind is Failure.AUTH
    assert "Invalid identifier or password" in error.message
    assert "wrong-app-password-9999" not in str(error)
    assert not bad.check().ok


def test_reconcile_reads_our_record_key(fake_bluesky: FakeBluesky, bsky: BlueskyPublisher) -> None:
    post = make_post("bluesky", "SB 792 reconcile")
    assert bsky.reconcile(post) is None
    bsky.publish(post)
    found = bsky.reconcile(post)
    assert found is not None and found.remote_id == fake_bluesky.posts()[0]["uri"]

    fake_bluesky.inject("get_record", "server_error", status=503)
    assert failure(lambda: bsky.reconcile(post)).kind is Failure.MAYBE_SENT


def test_check_reports_the_account(bsky: BlueskyPublisher) -> None:
    status = bsky.check()
    assert status.ok
    assert status.identity == f"@{ACCOUNT['handle']} ({ACCOUNT['did']})"


def test_from_settings_needs_the_app_password(tmp_path: Path) -> None:
    settings = Settings(env={"BLUESKY_HANDLE": "org.bsky.social", "BOT_STATE_DIR": str(tmp_path)})
    with pytest.raises(ConfigError, match="BLUESKY_APP_PASSWORD"):
        BlueskyPublisher.from_settings("default", settings)


def test_no_password_or_token_in_logs(
    fake_bluesky: FakeBluesky, bsky: BlueskyPublisher, debug_logs
) -> None:
    bsky.publish(
        make_post(
            "bluesky", "SB 792 logged @senator.bsky.social", mentions=("senator.bsky.social",)
        )
    )
    fake_bluesky.expire_sessions()
    bsky.publish(make_post("bluesky", "SB 792 after expiry"))
    tokens = list(fake_bluesky.tokens)
    assert_no_secret([ACCOUNT["password"], *tokens], debug_logs.text)


def test_a_read_that_times_out_is_transient_not_maybe_sent(
    fake_bluesky: FakeBluesky, bsky: BlueskyPublisher
) -> None:
    fake_bluesky.inject("resolve_handle", "timeout", delay=SLOW_ANSWER)
    post = make_post("bluesky", "Hi @senator.bsky.social", mentions=("senator.bsky.social",))
    error = failure(lambda: bsky.publish(post))
    assert error.kind is Failure.TRANSIENT
    assert "nothing was posted" in error.message
    assert fake_bluesky.count("create_record") == 0


# -- settings, client-side refusals and closed accounts (held to the real PDS by
# -- test_bluesky_fake_vs_real.py; test_bluesky_real.py repeats them on the real one)


@pytest.mark.parametrize(
    ("langs", "said"),
    [
        ("en,es,fr,de", "BLUESKY_LANGS lists 4 languages; Bluesky allows at most 3"),
        ("en, english", "BLUESKY_LANGS: 'english' is not a BCP-47 language tag"),
        ("en_US", "BLUESKY_LANGS: 'en_US' is not a BCP-47 language tag"),
    ],
)
def test_languages_bluesky_would_refuse_stop_the_bot_at_start(
    tmp_path: Path, langs: str, said: str
) -> None:
    settings = Settings(
        env={
            "BLUESKY_HANDLE": "org.bsky.social",
            "BLUESKY_APP_PASSWORD": "abcd-efgh-ijkl-mnop",
            "BLUESKY_LANGS": langs,
            "BOT_STATE_DIR": str(tmp_path),
        }
    )
    with pytest.raises(ConfigError, match=said):
        BlueskyPublisher.from_settings("default", settings)


def test_up_to_three_well_formed_languages_are_kept(tmp_path: Path) -> None:
    settings = Settings(
        env={
            "BLUESKY_COALITION_HANDLE": "org.bsky.social",
            "BLUESKY_COALITION_APP_PASSWORD": "abcd-efgh-ijkl-mnop",
            "BLUESKY_LANGS": " en, es-419 ,zh-Hant ",
            "BOT_STATE_DIR": str(tmp_path),
        }
    )
    assert BlueskyPublisher.from_settings("coalition", settings).langs == (
        "en",
        "es-419",
        "zh-Hant",
    )


def test_a_record_the_sdk_refuses_is_permanent_not_maybe_sent(
    fake_bluesky: FakeBluesky, tmp_path: Path
) -> None:
    many = publisher(fake_bluesky, tmp_path, langs=("en", "es", "fr", "de"))
    error = failure(lambda: many.publish(make_post("bluesky", "SB 792")))
    assert error.kind is Failure.PERMANENT
    assert "langs" in error.message
    assert fake_bluesky.count("create_record") == 0


def test_text_over_3000_bytes_is_refused_in_bytes(
    fake_bluesky: FakeBluesky, bsky: BlueskyPublisher
) -> None:
    family = "👩\u200d👩\u200d👧\u200d👦"  # one grapheme, 25 bytes
    error = failure(lambda: bsky.publish(make_post("bluesky", family * 121)))
    assert error.kind is Failure.PERMANENT
    assert error.message == "the text is 3,025 bytes in UTF-8; Bluesky allows 3,000"
    assert fake_bluesky.count("create_record") == 0


@pytest.mark.parametrize(
    ("close", "said"),
    [
        ("takedown", "Bluesky has taken the account down"),
        ("deactivate", "the account is deactivated"),
        ("delete", "the account no longer exists"),
    ],
)
def test_a_closed_account_is_reported_as_such_without_a_new_login(
    fake_bluesky: FakeBluesky, bsky: BlueskyPublisher, close: str, said: str
) -> None:
    bsky.publish(make_post("bluesky", "before"))
    getattr(fake_bluesky, close)(ACCOUNT["handle"])

    error = failure(lambda: bsky.publish(make_post("bluesky", "after")))
    assert error.kind is Failure.AUTH  # the worker pauses the account
    assert error.message.startswith(said)
    assert error.details["account_state"] in ACCOUNT_ERRORS
    assert "password" not in error.message
    assert bsky.session_file.exists()
    assert fake_bluesky.count("create_session") == 1


def test_a_taken_down_account_is_reported_at_login_too(
    fake_bluesky: FakeBluesky, bsky: BlueskyPublisher
) -> None:
    fake_bluesky.takedown(ACCOUNT["handle"])
    error = failure(lambda: bsky.publish(make_post("bluesky", "SB 792")))
    assert error.kind is Failure.AUTH
    assert "taken the account down" in error.message


def test_reconcile_on_a_repo_the_server_does_not_host_is_absent(
    fake_bluesky: FakeBluesky, bsky: BlueskyPublisher
) -> None:
    bsky.publish(make_post("bluesky", "kept"))
    fake_bluesky.delete(ACCOUNT["handle"])
    assert bsky.reconcile(make_post("bluesky", "never sent")) is None


def test_a_revoked_app_password_leaves_the_stored_session_working(
    fake_bluesky: FakeBluesky, tmp_path: Path
) -> None:
    bsky = publisher(fake_bluesky, tmp_path / "a")
    bsky.publish(make_post("bluesky", "before"))
    fake_bluesky.revoke_app_password(ACCOUNT["handle"])
    bsky.publish(make_post("bluesky", "after"))  # the access token is still valid
    fresh = publisher(fake_bluesky, tmp_path / "b")
    assert failure(lambda: fresh.publish(make_post("bluesky", "fresh"))).kind is Failure.AUTH


# -- what the worker makes of it (the real worker and post log, the fake PDS)


def _publish_one(fake: FakeBluesky, bsky: BlueskyPublisher, tmp_path: Path) -> tuple[str, dict]:
    """Queue one live Bluesky post, let the worker publish it; (status, pauses)."""
    from bot.clock import FrozenClock
    from bot.config import Mode
    from bot.schedule.worker import publish_due
    from bot.store.db import Database
    from tests.guards import allow_all
    from tests.reliability.harness import Account, pauses, queue_posts, read_log

    url = f"sqlite:///{tmp_path / 'log.db'}"
    now = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    queue_posts(url, 1, [Account("bluesky", "default", ACCOUNT["handle"])], now=now)
    db = Database(url)
    try:
        publish_due(db, lambda p, a: bsky, mode=Mode.LIVE, clock=FrozenClock(now), guard=allow_all)
    finally:
        db.dispose()
    [row] = read_log(url)
    return row.status, {scope: pause.reason for scope, pause in pauses(url).items()}


def test_a_taken_down_account_is_paused_as_such_by_the_worker(
    fake_bluesky: FakeBluesky, bsky: BlueskyPublisher, tmp_path: Path
) -> None:
    fake_bluesky.takedown(ACCOUNT["handle"])
    status, paused = _publish_one(fake_bluesky, bsky, tmp_path)
    assert status == "queued"  # kept for when the account is back
    reason = paused["account:bluesky:default"]
    assert reason.startswith("account closed: Bluesky has taken the account down")
    assert "credentials" not in reason and "password" not in reason
    assert "advocacy-bot resume --account bluesky:default" in reason


def test_a_record_the_sdk_refuses_fails_the_post_once_not_maybe_sent(
    fake_bluesky: FakeBluesky, tmp_path: Path
) -> None:
    many = publisher(fake_bluesky, tmp_path / "state", langs=("en", "es", "fr", "de"))
    status, paused = _publish_one(fake_bluesky, many, tmp_path)
    assert status == "failed"  # before: "maybe sent", reconciled, queued again, forever
    assert paused == {}
    assert fake_bluesky.count("create_record") == 0
