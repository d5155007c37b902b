"""What a post costs, per platform.

Only X charges for API calls. Since 2026 the X API is pay-per-use: prepaid
credits, charged per request. X's pricing page (docs.x.com/x-api/getting-started/pricing,
checked 2026) lists for writes:

* ``Content: Create``             $0.015 per request
* ``Content: Create (with URL)``  $0.200 per request

Prices change; set ``X_PRICE_PER_POST`` and ``X_PRICE_PER_POST_WITH_URL`` (per
account: ``X_<ACCOUNT>_PRICE_PER_POST``...) to what the Developer Console shows.
The guard uses the same estimate to keep each account under its monthly cap,
and the X publisher records it as the post's cost.

Reads are charged too (``User: Read`` $0.010, ``Posts: Read`` $0.005 per post
returned): ``accounts check`` makes one user read per X account.
"""

from __future__ import annotations

from bot.config import Settings

DEFAULT_X_PRICE_PER_POST = 0.015
DEFAULT_X_PRICE_PER_POST_WITH_URL = 0.200
DEFAULT_X_PRICE_PER_USER_READ = 0.010
DEFAULT_X_PRICE_PER_POST_READ = 0.005


def has_url(text: str) -> bool:
    """Whether X would see a URL in a post of ``text`` (twitter-text's URL extraction).

    Only the text goes to X: a post's ``link`` is not attached there, so a link
    the text does not contain is no URL to X.
    """
    if "." not in text:
        return False
    from bot.compose.urls import extract_urls_with_indices  # the library's answer, no import

    return bool(extract_urls_with_indices(text))


def price(text: str, per_post: float, per_post_with_url: float) -> float:
    """What creating a post of ``text`` costs at these prices, in US dollars.

    The one pricing rule: the guard's estimate (:meth:`bot.guard.GuardPolicy.post_cost`),
    the pending spend it counts (:func:`post_cost`) and the cost the X publisher
    records (:meth:`bot.platforms.x.XPublisher.cost_of`) all come from here.
    """
    return per_post_with_url if has_url(text) else per_post


def post_cost(platform: str, account: str, text: str, settings: Settings) -> float:
    """The expected charge for publishing one post of ``text``, in US dollars."""
    if platform != "x":
        return 0.0
    from bot.platforms.accounts import AccountConfig

    config = AccountConfig(settings, "x", account)
    return price(
        text,
        config.number("PRICE_PER_POST", DEFAULT_X_PRICE_PER_POST),
        config.number("PRICE_PER_POST_WITH_URL", DEFAULT_X_PRICE_PER_POST_WITH_URL),
    )
