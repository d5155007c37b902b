"""The Bluesky publisher against the reference PDS (``@atproto/pds``), over real HTTP.

The fake PDS (``tests.fakes.bluesky``) is for faults the real server cannot be made
to produce; what the real one can answer is proved here, with the bot's real
``BlueskyPublisher`` and the real atproto SDK. ``bash scripts/pds`` starts the server
(``scripts/test`` does, and exports ``TEST_PDS_URL``); without it these tests skip,
saying why, and fail in CI.
"""

from __future__ import annotations

import secrets
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.platforms._http import Timeouts
from bot.platforms.base import Failure, PublishError
from bot.platforms.bluesky import BlueskyPublisher, record_key
from tests.platforms.conftest import make_post
from tests.platforms.real_pds import PdsAccount, RealPds

TIMEOUTS = Timeouts(connect=5.0, read=20.0)
LOGIN = "com.atproto.server.createSession"


def publisher(
    pds: RealPds, account: PdsAccount, state: Path, *, password: str | None = None, **kwargs
) -> BlueskyPublisher:
    return BlueskyPublisher(
        "default",
        handle=account.handle,
        app_password=password or account.password,
        service=pds.url,
        state_dir=state,
        timeouts=TIMEOUTS,
        **kwargs,
    )


def unique(text: str) -> str:
    """Posts differ between runs on the same server (record keys derive from the text)."""
    return f"{text} [{secrets.token_hex(3)}]"


def stored(pds: RealPds, account: PdsAccount, rkey: str) -> dict:
    """The record as the PDS keeps it (read without the bot)."""
    return pds.ok(
        "com.atproto.repo.getRecord",
        params={"repo": account.did, "collection": "app.bsky.feed.post", "rkey": rkey},
    )


def count_posts(pds: RealPds, account: PdsAccount) -> int:
    return len(
        pds.ok(
            "com.atproto.repo.listRecords",
            params={"repo": account.did, "collection": "app.bsky.feed.post", "limit": 100},
        )["records"]
    )


def failure(call) -> PublishError:
    with pytest.raises(PublishError) as caught:
        call()
    return caught.value


@pytest.fixture
def bsky(real_pds: RealPds, pds_account: PdsAccount, tmp_path: Path) -> BlueskyPublisher:
    return publisher(real_pds, pds_account, tmp_path / "state")


@pytest.fixture
def logins(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every ``createSession`` the publisher spends (by handle)."""
    spent: list[str] = []
    original = BlueskyPublisher._login

    def counting(self: BlueskyPublisher) -> None:
        spent.append(self.handle)
        original(self)

    monkeypatch.setattr(BlueskyPublisher, "_login", counting)
    return spent


PREFIXES = {
    "emoji": "🙏🏽 Thank you",
    "zwj": "👩\u200d👩\u200d👧\u200d👦 families",
    "flag": "🇺🇸🏳️\u200d🌈 flags",
    "combining": "e\u0301 n\u0303 a\u0308 combining",
    "cjk": "支持法案 한국어 日本語",
}


@pytest.mark.parametrize("kind", list(PREFIXES))
def test_mentions_links_and_tags_land_at_their_byte_offsets(
    real_pds: RealPds,
    pds_account: PdsAccount,
    pds_legislator: PdsAccount,
    bsky: BlueskyPublisher,
    kind: str,
) -> None:
    handle = pds_legislator.handle
    text = unique(f"{PREFIXES[kind]} @{handle} read https://senate.mo.gov/sb792 #SB792")
    post = make_post("bluesky", text, mentions=(handle,))
    result = bsky.publish(post)

    rkey = record_key(post)
    assert result.remote_id == f"at://{pds_account.did}/app.bsky.feed.post/{rkey}"
    value = stored(real_pds, pds_account, rkey)["value"]
    assert value["text"] == text
    encoded = text.encode("utf-8")
    spans = {
        f["features"][0]["$type"].split("#")[1]: (
            encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(),
            f["features"][0],
        )
        for f in value["facets"]
    }
    assert spans["mention"] == (f"@{handle}", spans["mention"][1])
    assert spans["mention"][1]["did"] == pds_legislator.did  # resolved by the real server
    assert spans["link"][0] == "https://senate.mo.gov/sb792"
    assert spans["link"][1]["uri"] == "https://senate.mo.gov/sb792"
    assert spans["tag"] == ("#SB792", spans["tag"][1])
    assert spans["tag"][1]["tag"] == "SB792"


@pytest.mark.parametrize("cluster", ["क्ष", "ক্ষ", "ക്ഷ"], ids=["hindi", "bengali", "malayalam"])
def test_indic_conjuncts_count_as_the_server_counts_them(
    real_pds: RealPds, pds_account: PdsAccount, bsky: BlueskyPublisher, cluster: str
) -> None:
    """One conjunct is one grapheme by current Unicode rules (two by Unicode 13's)."""
    tag = unique("")  # " [abcdef]": 10 graphemes
    text = cluster * (300 - len(tag)) + tag
    post = make_post("bluesky", text)
    bsky.publish(post)
    assert stored(real_pds, pds_account, record_key(post))["value"]["text"] == text
    with pytest.raises(PublishError) as refused:
        bsky.publish(make_post("bluesky", cluster + text))
    assert refused.value.kind is Failure.PERMANENT
    assert "301 graphemes" in str(refused.value)


def test_a_link_outside_the_text_is_an_external_embed(
    real_pds: RealPds, pds_account: PdsAccount, bsky: BlueskyPublisher
) -> None:
    post = make_post("bluesky", unique("SB 792 hearing Tuesday"), link="https://example.org/sb792")
    bsky.publish(post)
    embed = stored(real_pds, pds_account, record_key(post))["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.external"
    assert embed["external"]["uri"] == "https://example.org/sb792"


def test_the_record_key_makes_a_retry_harmless_and_reconcile_exact(
    real_pds: RealPds, pds_account: PdsAccount, bsky: BlueskyPublisher
) -> None:
    when = datetime.now(UTC).replace(microsecond=0)
    post = make_post("bluesky", unique("SB 792 once only"), created_at=when)
    assert bsky.reconcile(post) is None  # absent: safe to send

    before = count_posts(real_pds, pds_account)
    first = bsky.publish(post)
    again = bsky.publish(post)  # the real PDS refuses the key; getRecord settles it

    assert again.remote_id == first.remote_id
    assert count_posts(real_pds, pds_account) == before + 1
    found = bsky.reconcile(post)
    assert found is not None and found.remote_id == first.remote_id
    assert first.remote_id.endswith("/" + record_key(post))


def test_the_session_is_reused_by_the_next_process_and_refreshed_not_recreated(
    real_pds: RealPds, pds_account: PdsAccount, tmp_path: Path, logins: list[str]
) -> None:
    state = tmp_path / "state"
    publisher(real_pds, pds_account, state).publish(make_post("bluesky", unique("one")))
    assert len(logins) == 1
    saved = (state / "bluesky-default.session").read_text()

    # A new process: the stored session is used, no login.
    second = publisher(real_pds, pds_account, state)
    second.publish(make_post("bluesky", unique("two")))
    assert len(logins) == 1

    # Close to the access token's expiry the SDK refreshes it with the refresh token.
    third = publisher(real_pds, pds_account, state)
    later = datetime.now(UTC) + timedelta(hours=1, minutes=50)
    third._client.get_current_time = lambda: later  # type: ignore[method-assign]
    third.publish(make_post("bluesky", unique("three")))
    assert len(logins) == 1
    assert (state / "bluesky-default.session").read_text() != saved


def test_a_wrong_app_password_is_auth_and_never_echoed(
    real_pds: RealPds, pds_account: PdsAccount, tmp_path: Path
) -> None:
    bad = publisher(real_pds, pds_account, tmp_path, password="wrong-wrong-wrong-wrong")
    error = failure(lambda: bad.publish(make_post("bluesky", unique("SB 792"))))
    assert error.kind is Failure.AUTH
    assert "Invalid identifier or password" in error.message
    assert "app password" in error.message
    assert "wrong-wrong-wrong-wrong" not in str(error)
    assert not bad.check().ok


def test_logins_over_the_limit_wait_for_the_reset(real_pds: RealPds, tmp_path: Path) -> None:
    handle = f"nobody{secrets.token_hex(4)}.test"
    attempt = {"identifier": handle, "password": "wrong-wrong-wrong-wrong"}
    with ThreadPoolExecutor(6) as pool:  # createSession: 30 per 5 minutes per identifier
        list(pool.map(lambda _: real_pds.xrpc(LOGIN, body=attempt), range(30)))
    ghost = PdsAccount(handle, "did:plc:none", "wrong-wrong-wrong-wrong", "")
    error = failure(
        lambda: publisher(real_pds, ghost, tmp_path).publish(make_post("bluesky", "SB 792"))
    )
    assert error.kind is Failure.RATE_LIMITED
    assert error.retry_at is not None
    assert datetime.now(UTC) < error.retry_at <= datetime.now(UTC) + timedelta(minutes=5, seconds=5)


def test_more_than_three_languages_fail_the_post_and_send_nothing(
    real_pds: RealPds, pds_account: PdsAccount, tmp_path: Path
) -> None:
    many = publisher(real_pds, pds_account, tmp_path, langs=("en", "es", "fr", "de"))
    before = count_posts(real_pds, pds_account)
    error = failure(lambda: many.publish(make_post("bluesky", unique("SB 792 langs"))))
    assert error.kind is Failure.PERMANENT  # not "maybe sent": nothing left the machine
    assert "langs" in error.message
    assert count_posts(real_pds, pds_account) == before

    three = publisher(real_pds, pds_account, tmp_path, langs=("en", "es", "pt-BR"))
    post = make_post("bluesky", unique("SB 792 three langs"))
    three.publish(post)
    assert stored(real_pds, pds_account, record_key(post))["value"]["langs"] == [
        "en",
        "es",
        "pt-BR",
    ]


@pytest.mark.parametrize(
    ("closing", "said"),
    [
        ("takedown", "taken the account down"),
        ("deactivated", "deactivated"),
        ("deleted", "no longer exists"),
    ],
)
def test_a_closed_account_pauses_as_what_it_is_and_keeps_its_session(
    real_pds: RealPds, tmp_path: Path, logins: list[str], closing: str, said: str
) -> None:
    account = real_pds.create_account("cl")
    bsky = publisher(real_pds, account, tmp_path)
    bsky.publish(make_post("bluesky", "before"))
    assert len(logins) == 1
    if closing == "takedown":
        real_pds.takedown(account.did)
    elif closing == "deactivated":
        real_pds.deactivate(account)
    else:
        real_pds.delete(account.did)

    error = failure(lambda: bsky.publish(make_post("bluesky", "after")))
    assert error.kind is Failure.AUTH  # the worker pauses the account
    assert said in error.message
    assert "password" not in error.message
    assert bsky.session_file.exists()
    assert len(logins) == 1  # no login spent on it

    # The next process, with the stored session, says the same, and still no login.
    again = publisher(real_pds, account, tmp_path)
    assert said in failure(lambda: again.publish(make_post("bluesky", "later"))).message
    assert len(logins) == 1


def test_reconcile_after_the_account_is_deleted_says_absent(
    real_pds: RealPds, tmp_path: Path
) -> None:
    account = real_pds.create_account("cl")
    bsky = publisher(real_pds, account, tmp_path)
    bsky.publish(make_post("bluesky", "kept"))
    real_pds.delete(account.did)
    # The repo is gone: the server answers 400 InvalidRequest, which proves absence.
    assert bsky.reconcile(make_post("bluesky", "never sent")) is None


def test_revoking_the_app_password_does_not_stop_a_stored_session_at_once(
    real_pds: RealPds, tmp_path: Path
) -> None:
    account = real_pds.create_account("ap")
    app_password = real_pds.app_password(account, "advocacy-bot")
    bsky = publisher(real_pds, account, tmp_path / "state", password=app_password)
    bsky.publish(make_post("bluesky", "before revoking"))
    real_pds.revoke_app_password(account, "advocacy-bot")

    # The access token stays valid until it expires (up to ~2 hours): the post goes out.
    bsky.publish(make_post("bluesky", "after revoking"))
    # Near its expiry the SDK refreshes, which is refused: then the bot stops (AUTH).
    later = datetime.now(UTC) + timedelta(hours=1, minutes=50)
    bsky._client.get_current_time = lambda: later  # type: ignore[method-assign]
    stopped = failure(lambda: bsky.publish(make_post("bluesky", "near expiry")))
    assert stopped.kind is Failure.AUTH
    assert "app password" in stopped.message
    # A fresh login is refused.
    fresh = publisher(real_pds, account, tmp_path / "other", password=app_password)
    assert failure(lambda: fresh.publish(make_post("bluesky", "fresh"))).kind is Failure.AUTH


def test_check_reports_the_account(
    real_pds: RealPds, pds_account: PdsAccount, bsky: BlueskyPublisher
) -> None:
    status = bsky.check()
    assert status.ok
    assert status.identity == f"@{pds_account.handle} ({pds_account.did})"


def test_the_server_answers_health(real_pds: RealPds) -> None:
    assert httpx.get(f"{real_pds.url}/xrpc/_health", timeout=5).status_code == 200


def test_worker_once_live_recovers_a_crash_without_posting_twice(
    real_pds: RealPds, tmp_path: Path
) -> None:
    """Two posts left ``sending`` by a worker that died: one whose call reached the PDS,
    one whose call did not. ``advocacy-bot worker --once --live`` asks the real server
    by record key: the first is recorded as posted (not sent again), the second is
    confirmed absent and queued again (sent at its next turn)."""
    from sqlalchemy import select, update

    from bot.schedule.worker import outgoing
    from bot.store.db import Database
    from bot.store.models import Post, Status
    from tests.reliability.harness import (
        Account,
        bot_command,
        clean_environ,
        queue_posts,
        write_reliability_campaign,
    )

    account = real_pds.create_account("wk")
    url = f"sqlite:///{tmp_path / 'log.db'}"
    queue_posts(url, 2, [Account("bluesky", "default", account.handle)])
    db = Database(url)
    try:
        with db.session() as session:
            landed, lost = session.scalars(select(Post).order_by(Post.id)).all()
            # The dead worker's first call reached Bluesky before it died.
            publisher(real_pds, account, tmp_path / "dead").publish(outgoing(landed))
            session.execute(
                update(Post)
                .where(Post.id.in_([landed.id, lost.id]))
                .values(
                    status=Status.SENDING.value,
                    lease_owner="dead:1",
                    lease_expires=datetime.now(UTC) - timedelta(minutes=1),
                    updated_at=datetime.now(UTC) - timedelta(minutes=10),  # the call began
                )
            )
        campaigns = tmp_path / "campaigns"
        write_reliability_campaign(campaigns)
        env = clean_environ() | {
            "DATABASE_URL": url,
            "CAMPAIGNS_DIR": str(campaigns),
            "BOT_STATE_DIR": str(tmp_path / "state"),
            "BLUESKY_SERVICE": real_pds.url,
            "BLUESKY_HANDLE": account.handle,
            "BLUESKY_APP_PASSWORD": account.password,
            "BLUESKY_LANGS": "en",
            "BLUESKY_MIN_SPACING": "0",
        }
        done = subprocess.run(
            [*bot_command(), "worker", "--once", "--live"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        with db.session() as session:
            rows = {p.id: p for p in session.scalars(select(Post)).all()}
            assert rows[landed.id].status == Status.POSTED.value, rows[landed.id].error
            assert rows[lost.id].status == Status.QUEUED.value, rows[lost.id].error
            assert rows[lost.id].reason.startswith("checked: the platform does not have it")
            uri = rows[landed.id].remote_id
    finally:
        db.dispose()
    records = real_pds.ok(
        "com.atproto.repo.listRecords",
        params={"repo": account.did, "collection": "app.bsky.feed.post"},
    )["records"]
    assert [r["uri"] for r in records] == [uri]  # the landed post once, nothing resent
