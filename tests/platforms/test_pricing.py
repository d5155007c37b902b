"""One price per post: the guard's estimate, the pending spend it counts and the cost the
X publisher records agree, whatever the post's link (X is sent the text alone)."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.guard import policy_for
from bot.platforms.base import OutgoingPost
from bot.platforms.pricing import post_cost
from bot.platforms.x import XPublisher

SETTINGS = Settings(
    env={
        "X_API_KEY": "k" * 8,
        "X_API_SECRET": "s" * 8,
        "X_ACCESS_TOKEN": "t" * 8,
        "X_ACCESS_TOKEN_SECRET": "u" * 8,
        "X_PRICE_PER_POST": "0.02",
        "X_PRICE_PER_POST_WITH_URL": "0.25",
    }
)
BILL = "https://www.congress.gov/bill/119th-congress/house-bill/1"


def _prices(text: str, link: str | None) -> tuple[float, float, float]:
    post = OutgoingPost(key="k" * 64, platform="x", account="default", text=text, link=link)
    return (
        policy_for("x", "default", SETTINGS).post_cost(post),
        post_cost("x", "default", text, SETTINGS),
        XPublisher.from_settings("default", SETTINGS).cost_of(post),
    )


@pytest.mark.parametrize(
    ("text", "link", "expected"),
    [
        ("@RepOne please vote yes on HR 1", None, 0.02),
        # the case the three used to disagree on: the link is the post's, not in its text,
        # so X never sees it (the guard's pending spend counted it at the URL price)
        ("@RepOne please vote yes on HR 1", BILL, 0.02),
        (f"@RepOne please vote yes on HR 1 {BILL}", BILL, 0.25),
        ("@RepOne read congress.gov before the vote", None, 0.25),
    ],
)
def test_every_caller_prices_a_post_the_same(text: str, link: str | None, expected: float) -> None:
    assert _prices(text, link) == (expected, expected, expected)


def test_platforms_that_do_not_charge_cost_nothing() -> None:
    assert post_cost("bluesky", "default", f"read {BILL}", SETTINGS) == 0.0
