"""Answers that do not prove the post was refused are "maybe sent", on every platform.

Each fake creates the post and then answers badly: a 503 (``accepted_then``) or
a 200 whose body cannot be read (``garbled``: cut short, a gateway's HTML page,
empty). Each publisher must say ``MAYBE_SENT`` (never "certainly not sent", which
the worker would resend) and its ``reconcile`` must find the post that exists.
Bluesky settles by its record key inside ``publish``, so it returns the post.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.platforms.base import Failure, PublishError
from bot.platforms.bluesky import BlueskyPublisher
from bot.platforms.facebook import FacebookPublisher
from bot.platforms.mastodon import MastodonPublisher
from bot.platforms.x import XPublisher
from tests.fakes.bluesky import DEFAULT_CONFIG as BLUESKY
from tests.fakes.bluesky import FakeBluesky
from tests.fakes.facebook import DEFAULT_CONFIG as FACEBOOK
from tests.fakes.facebook import FakeFacebook
from tests.fakes.mastodon import DEFAULT_CONFIG as MASTODON
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.x import DEFAULT_CONFIG as X
from tests.fakes.x import FakeX
from tests.platforms.conftest import FAST, make_post

UNCLEAR = [
    pytest.param(("accepted_then", {"then": {"kind": "server_error", "status": 503}}), id="503"),
    pytest.param(("accepted_then", {"then": {"kind": "server_error", "status": 500}}), id="500"),
    pytest.param(("garbled", {"body": "truncated"}), id="200-truncated"),
    pytest.param(("garbled", {"body": "html"}), id="200-gateway-html"),
    pytest.param(("garbled", {"body": "empty"}), id="200-empty"),
]


def _x(fake: FakeX, _: Path) -> XPublisher:
    app, user = X["app"], X["users"][0]
    return XPublisher(
        "default",
        consumer_key=app["consumer_key"],
        consumer_secret=app["consumer_secret"],
        access_token=user["access_token"],
        access_token_secret=user["access_token_secret"],
        base_url=fake.url,
        timeouts=FAST,
        reconcile_reads=True,
    )


def _facebook(fake: FakeFacebook, _: Path) -> FacebookPublisher:
    page = FACEBOOK["pages"][0]
    return FacebookPublisher(
        "default", page_id=page["id"], page_token=page["token"], base_url=fake.url, timeouts=FAST
    )


def _mastodon(fake: FakeMastodon, _: Path) -> MastodonPublisher:
    account = MASTODON["accounts"][0]
    return MastodonPublisher(
        "default", api_base_url=fake.url, access_token=account["token"], timeouts=FAST
    )


def _bluesky(fake: FakeBluesky, state: Path) -> BlueskyPublisher:
    account = BLUESKY["accounts"][0]
    return BlueskyPublisher(
        "default",
        handle=account["handle"],
        app_password=account["password"],
        service=fake.url,
        state_dir=state,
        timeouts=FAST,
    )


#: platform, fake, its create route, how to build the publisher, how many posts it holds
PLATFORMS: list[tuple[str, type, str, Callable[[Any, Path], Any], Callable[[Any], int]]] = [
    ("x", FakeX, "create", _x, lambda fake: len(fake.tweets)),
    ("facebook", FakeFacebook, "feed", _facebook, lambda fake: len(fake.posts)),
    ("mastodon", FakeMastodon, "create", _mastodon, lambda fake: len(fake.snapshot()["statuses"])),
]


@pytest.mark.parametrize("fault", UNCLEAR)
@pytest.mark.parametrize(("platform", "fake_type", "route", "build", "count"), PLATFORMS)
def test_an_unclear_answer_to_a_create_is_maybe_sent_and_the_check_finds_the_post(
    tmp_path: Path, platform, fake_type, route, build, count, fault
) -> None:
    kind, params = fault
    with fake_type() as fake:
        publisher = build(fake, tmp_path)
        post = make_post(platform, f"SB 792 protects survivors ({kind})")
        fake.inject(route, kind, **params)

        with pytest.raises(PublishError) as caught:
            publisher.publish(post)

        error = caught.value
        assert error.kind is Failure.MAYBE_SENT, error
        assert count(fake) == 1
        found = publisher.reconcile(post)
        assert found is not None and found.remote_id
        assert count(fake) == 1  # the check sends nothing


def test_a_5xx_on_a_create_keeps_its_status_so_the_worker_sees_an_outage(tmp_path: Path) -> None:
    with FakeFacebook() as fake:
        fake.inject("feed", "server_error")
        with pytest.raises(PublishError) as caught:
            _facebook(fake, tmp_path).publish(make_post("facebook", "SB 792"))
    assert caught.value.kind is Failure.MAYBE_SENT and caught.value.http_status == 500


@pytest.mark.parametrize("fault", UNCLEAR)
def test_bluesky_settles_an_unclear_create_by_its_record_key(tmp_path: Path, fault) -> None:
    kind, params = fault
    with FakeBluesky() as fake:
        publisher = _bluesky(fake, tmp_path / "state")
        post = make_post("bluesky", f"SB 792 protects survivors ({kind})")
        fake.inject("create_record", kind, **params)
        result = publisher.publish(post)
        assert len(fake.posts()) == 1
        assert result.remote_id == fake.posts()[0]["uri"]


def test_only_calls_a_resend_could_duplicate_count_against_the_lease(tmp_path: Path) -> None:
    """The worker pauses an account whose unprotected calls can outlast its lease
    (``lease_too_short``); with the default timeouts every publisher fits, with room."""
    from bot.schedule.worker import LEASE, lease_too_short

    with FakeX() as x, FakeFacebook() as fb, FakeMastodon() as masto, FakeBluesky() as bsky:
        publishers = [
            _x(x, tmp_path),
            _facebook(fb, tmp_path),
            _mastodon(masto, tmp_path),
            _bluesky(bsky, tmp_path / "state"),
        ]
    seconds = {p.platform: p.unprotected_seconds for p in publishers}
    assert seconds == {"x": 2.0, "facebook": 2.0, "mastodon": 0.0, "bluesky": 0.0}  # FAST: 1+1
    defaults = XPublisher(
        "default", consumer_key="k", consumer_secret="s", access_token="t", access_token_secret="u"
    )
    assert defaults.unprotected_seconds == 25.0 < LEASE.total_seconds() / 2
    assert all(lease_too_short(p, LEASE) is None for p in publishers)


def test_a_timeout_longer_than_the_lease_is_named_in_the_pause(tmp_path: Path) -> None:
    from datetime import timedelta

    from bot.platforms._http import Timeouts
    from bot.schedule.worker import lease_too_short

    slow = FacebookPublisher(
        "default", page_id="1", page_token="t", timeouts=Timeouts(connect=5, read=300)
    )
    problem = lease_too_short(slow, timedelta(minutes=5))
    assert problem is not None and "(305 s with its timeouts)" in problem
    assert "lower FACEBOOK_TIMEOUT" in problem
