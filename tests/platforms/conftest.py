"""Fixtures for the publisher tests: the fake servers, short timeouts, posts."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``tests.fakes`` is imported as a package from the repo root
    sys.path.insert(0, str(ROOT))

from bot.platforms._http import Timeouts  # noqa: E402
from bot.platforms.base import Mention, OutgoingPost  # noqa: E402
from tests.fakes.bluesky import FakeBluesky  # noqa: E402
from tests.fakes.facebook import FakeFacebook  # noqa: E402
from tests.fakes.mastodon import FakeMastodon  # noqa: E402
from tests.fakes.x import FakeX  # noqa: E402
from tests.platforms.real_pds import pds_account, pds_legislator, real_pds  # noqa: E402, F401

#: Client timeouts in tests; fault delays are longer so the client gives up first.
FAST = Timeouts(connect=1.0, read=1.0)
SLOW_ANSWER = 2.5

ACCENTED = "Missouri SB 792 — protégez les survivantes 🙏"


def make_post(
    platform: str,
    text: str,
    *,
    key: str | None = None,
    account: str = "default",
    mentions: tuple[str, ...] = (),
    link: str | None = None,
    created_at=None,
) -> OutgoingPost:
    import hashlib

    return OutgoingPost(
        key=key or hashlib.sha256(f"{platform}|{account}|{text}".encode()).hexdigest(),
        platform=platform,
        account=account,
        text=text,
        mentions=tuple(Mention(person_id=f"p-{h}", handle=h) for h in mentions),
        link=link,
        created_at=created_at,
    )


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    with FakeX() as fake:
        yield fake


@pytest.fixture
def fake_facebook() -> Iterator[FakeFacebook]:
    with FakeFacebook() as fake:
        yield fake


@pytest.fixture
def fake_bluesky() -> Iterator[FakeBluesky]:
    with FakeBluesky() as fake:
        yield fake


@pytest.fixture
def fake_mastodon() -> Iterator[FakeMastodon]:
    with FakeMastodon() as fake:
        yield fake


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture everything, DEBUG included, from every library."""
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_no_secret(secrets: list[str], *texts: str) -> None:
    for secret in secrets:
        for text in texts:
            assert secret not in text, "a credential leaked"
