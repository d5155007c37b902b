"""Publishing on X with tweepy (API v2 ``POST /2/tweets``, OAuth 1.0a user context).

tweepy is used as it is, with three choices made explicit:

* ``wait_on_rate_limit`` stays off: a 429 becomes :attr:`Failure.RATE_LIMITED`
  with ``retry_at`` from ``x-rate-limit-reset``, and the worker defers the
  account instead of blocking a thread;
* tweepy sets no timeout and hard-codes ``https://api.twitter.com``: its
  ``session`` is replaced by a :class:`~bot.platforms._http.RoutedSession`
  that adds timeouts and, when ``X_API_BASE`` is set, sends requests there
  (tests point it at a local fake server);
* ``return_type=requests.Response``, so the rate-limit headers of a successful
  post (15-minute window, ``x-user-limit-24hour-*``, ``x-app-limit-24hour-*``)
  reach the post log.

Errors: 429 → ``RATE_LIMITED``, except a 429 whose problem type is
``usage-capped`` (the app's monthly cap or spend limit: it does not lift at the
next 15-minute window) → ``PAYMENT``, like 402 or exhausted credits; 403
"duplicate content" → ``DUPLICATE``; 401, and 403 for app permissions or
enrolment → ``AUTH``; a 403 refusing a post that @mentions people (X restricts
automated mentions on self-serve tiers since 2026-02-23; the exact answer is not
documented) → ``PERMANENT`` with a reason that says what to do; any 5xx, a 2xx
without a readable post id, a read timeout or a dropped connection →
``MAYBE_SENT`` (X may have created the post: X is known to create it and then
fail the answer); other 4xx → ``PERMANENT`` with X's message. A 5xx on a *read*
(``check``, ``reconcile``) is ``TRANSIENT``: nothing was posted.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import datetime, timedelta
from typing import Any, Self

import requests
import tweepy

from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.platforms._http import (
    RoutedSession,
    Timeouts,
    describe_transport_error,
    epoch_header,
    int_header,
    transport_failure,
)
from bot.platforms._secrets import protect_logs, redact
from bot.platforms.accounts import AccountConfig
from bot.platforms.base import (
    AccountStatus,
    Failure,
    OutgoingPost,
    PublishError,
    PublishResult,
    after_create,
)
from bot.platforms.pricing import (
    DEFAULT_X_PRICE_PER_POST,
    DEFAULT_X_PRICE_PER_POST_WITH_URL,
    price,
)

log = logging.getLogger(__name__)

#: The host tweepy hard-codes in ``BaseClient.request``.
TWEEPY_HOST = "https://api.twitter.com"

#: When X sends a 429 without ``x-rate-limit-reset``.
DEFAULT_RATE_LIMIT_BACKOFF = timedelta(minutes=15)

#: Rate-limit windows X reports, as (limit, remaining, reset) header names.
LIMIT_WINDOWS = (
    ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"),
    ("x-user-limit-24hour-limit", "x-user-limit-24hour-remaining", "x-user-limit-24hour-reset"),
    ("x-app-limit-24hour-limit", "x-app-limit-24hour-remaining", "x-app-limit-24hour-reset"),
)

#: What ``X_WHEN_UNSURE`` may say: how a post X may have received is settled without reads.
WHEN_UNSURE = ("unknown", "resend")

_AUTH_PROBLEMS = ("oauth1-permissions", "client-forbidden", "unsupported-authentication")
_PAYMENT_WORDS = ("credit", "payment", "billing", "spend")

#: The problem type of a 429 for the monthly cap or spend limit (X API v2 problem types).
USAGE_CAPPED = "usage-capped"

#: X's words for a post refused on its own merits, not for its mentions.
_NOT_ABOUT_MENTIONS = ("shorter", "too long", "duplicate")

#: An ``@handle`` as X reads one (1–15 letters, digits or ``_``, not inside a word or address).
_MENTION = re.compile(r"(?<![A-Za-z0-9_!#$%&*@＠])[@＠]([A-Za-z0-9_]{1,15})\b")

#: What an organiser can do when X refuses automated @mentions.
MENTION_REFUSAL_ADVICE = (
    "Since 2026-02-23 X restricts automated @mentions on self-serve API tiers. "
    "The post was not sent and is not retried. To reach these legislators on X: name "
    "them in plain text instead of tagging, or keep posts that tag people held for an "
    "organiser's approval (X_REQUIRE_APPROVAL_FOR_MENTIONS=1) and post the mentions "
    "by hand from the account"
)


class XPublisher:
    """Posts for one X account."""

    platform = "x"
    live = True

    def __init__(
        self,
        account: str,
        *,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        base_url: str | None = None,
        timeouts: Timeouts | None = None,
        username: str | None = None,
        price_per_post: float = DEFAULT_X_PRICE_PER_POST,
        price_per_post_with_url: float = DEFAULT_X_PRICE_PER_POST_WITH_URL,
        reconcile_reads: bool = False,
        when_unsure: str = "unknown",
        clock: Clock | None = None,
    ) -> None:
        self.account = account
        self.username = username.lstrip("@") if username else None
        self.price_per_post = price_per_post
        self.price_per_post_with_url = price_per_post_with_url
        self.reconcile_reads = reconcile_reads
        if when_unsure not in WHEN_UNSURE:
            raise ConfigError(f"X_WHEN_UNSURE must be one of {', '.join(WHEN_UNSURE)}")
        self.when_unsure = when_unsure
        self.clock = clock or SystemClock()
        self._secrets = [consumer_key, consumer_secret, access_token, access_token_secret]
        self._client = tweepy.Client(
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            access_token=access_token,
            access_token_secret=access_token_secret,
            return_type=requests.Response,
            wait_on_rate_limit=False,
        )
        self._client.session = RoutedSession(TWEEPY_HOST, base_url, timeouts or Timeouts())
        #: One publish is one request (``POST /2/tweets``), and X cannot be told it is a resend.
        self.unprotected_seconds = (timeouts or Timeouts()).worst_case(1)
        self._user_id: str | None = None
        self._last_limits: dict[str, str] = {}
        protect_logs(self._secrets)

    @classmethod
    def from_settings(cls, account: str, settings: Settings, *, clock: Clock | None = None) -> Self:
        config = AccountConfig(settings, "x", account)
        return cls(
            account,
            consumer_key=config.require("API_KEY", "the app's API key (consumer key)"),
            consumer_secret=config.require("API_SECRET", "the app's API key secret"),
            access_token=config.require("ACCESS_TOKEN", "the account's OAuth 1.0a access token"),
            access_token_secret=config.require(
                "ACCESS_TOKEN_SECRET", "the account's OAuth 1.0a access token secret"
            ),
            base_url=config.setting("API_BASE"),
            timeouts=Timeouts.parse(config.setting("TIMEOUT"), name=config.name("TIMEOUT")),
            username=config.setting("USERNAME"),
            price_per_post=config.number("PRICE_PER_POST", DEFAULT_X_PRICE_PER_POST),
            price_per_post_with_url=config.number(
                "PRICE_PER_POST_WITH_URL", DEFAULT_X_PRICE_PER_POST_WITH_URL
            ),
            reconcile_reads=config.flag("RECONCILE_READS", False),
            when_unsure=_when_unsure(config),
            clock=clock,
        )

    # -- publishing -------------------------------------------------------------------

    def cost_of(self, post: OutgoingPost) -> float:
        """What X charges for ``post`` (a URL in its text costs more: :func:`price`)."""
        return price(post.text, self.price_per_post, self.price_per_post_with_url)

    def publish(self, post: OutgoingPost) -> PublishResult:
        try:
            response = self._client.create_tweet(text=post.text, user_auth=True)
        except tweepy.HTTPException as exc:
            raise after_create(self._http_error(exc, post)) from None
        except (requests.RequestException, OSError) as exc:
            raise self._transport_error(exc) from None

        limits, remaining, reset = self._limits(response.headers)
        self._last_limits = limits
        try:
            body = response.json()
        except ValueError:
            body = None
        data = body.get("data") if isinstance(body, dict) else None
        tweet_id = str(data.get("id", "")) if isinstance(data, dict) else ""
        if not tweet_id:
            if isinstance(body, dict) and body.get("errors"):
                raise after_create(
                    PublishError(
                        Failure.PERMANENT,
                        self._clean(_error_text(body) or "X answered without a post id"),
                        http_status=response.status_code,
                    )
                )
            raise PublishError(
                Failure.MAYBE_SENT,
                "X accepted the request but its answer carried no post id; reconcile",
                http_status=response.status_code,
            )
        log.info("posted on x account=%s id=%s", self.account, tweet_id)
        return PublishResult(
            remote_id=tweet_id,
            url=self.post_url(tweet_id),
            cost=self.cost_of(post),
            rate_limit_remaining=remaining,
            rate_limit_reset=reset,
            limits=limits,
        )

    def post_url(self, tweet_id: str) -> str:
        if self.username:
            return f"https://x.com/{self.username}/status/{tweet_id}"
        return f"https://x.com/i/web/status/{tweet_id}"

    # -- checking and reconciling -----------------------------------------------------------

    def check(self) -> AccountStatus:
        """``GET /2/users/me``: are the tokens valid, whose are they (one paid user read)."""
        try:
            user = self._me()
        except PublishError as exc:
            return AccountStatus(self.platform, self.account, ok=False, detail=str(exc))
        limits = dict(self._last_limits) or {"post limits": "reported after the first post"}
        return AccountStatus(
            self.platform,
            self.account,
            ok=True,
            identity=f"@{user.get('username')} ({user.get('name')}, id {user.get('id')})",
            detail="OAuth 1.0a user tokens accepted; remember the 'Automated' label",
            limits=limits,
        )

    def reconcile(self, post: OutgoingPost) -> PublishResult | None:
        """Look for ``post`` among the account's latest posts, if reads are allowed.

        Reading costs money on X (a user read and a read per post returned), so it
        is off unless ``X_RECONCILE_READS=1``. Without it, ``X_WHEN_UNSURE`` decides:
        ``unknown`` (the default) raises an error marked ``uncheckable``, so the
        post waits for a person; ``resend`` answers "not found", so the post is
        sent again once it has settled, and X's refusal of identical text is the
        second wall (docs/reliability.md).
        """
        if not self.reconcile_reads:
            if self.when_unsure == "resend":
                return None
            raise PublishError(
                Failure.MAYBE_SENT,
                "X cannot be checked without paid reads (set X_RECONCILE_READS=1 to allow); "
                "look at the account and resolve the post by hand",
                details={"uncheckable": "yes"},
            )
        user = self._me()
        try:
            response = self._client.get_users_tweets(
                user["id"],
                max_results=10,
                tweet_fields=["created_at", "entities"],
                user_auth=True,
            )
        except tweepy.HTTPException as exc:
            error = self._http_error(exc)
            raise PublishError(
                Failure.MAYBE_SENT, f"could not read recent posts: {error}"
            ) from None
        except (requests.RequestException, OSError) as exc:
            error = self._transport_error(exc)
            raise PublishError(
                Failure.MAYBE_SENT, f"could not read recent posts: {error}"
            ) from None
        wanted = _normalise(post.text)
        for tweet in response.json().get("data") or []:
            if _normalise(_expanded_text(tweet)) == wanted:
                return PublishResult(
                    remote_id=str(tweet["id"]),
                    url=self.post_url(str(tweet["id"])),
                    cost=self.cost_of(post),
                )
        return None

    def _me(self) -> dict[str, Any]:
        try:
            response = self._client.get_me(user_auth=True)
        except tweepy.HTTPException as exc:
            raise self._http_error(exc) from None
        except (requests.RequestException, OSError) as exc:
            raise self._transport_error(exc) from None
        user = response.json().get("data") or {}
        self._user_id = str(user.get("id")) if user.get("id") else None
        if user.get("username") and not self.username:
            self.username = user["username"]
        return user

    # -- errors -------------------------------------------------------------------------

    def _clean(self, text: str) -> str:
        return redact(text, self._secrets)

    def _limits(self, headers: Any) -> tuple[dict[str, str], int | None, datetime | None]:
        limits: dict[str, str] = {}
        tightest: tuple[int, datetime | None] | None = None
        for limit_name, remaining_name, reset_name in LIMIT_WINDOWS:
            for name in (limit_name, remaining_name, reset_name):
                if headers.get(name) is not None:
                    limits[name] = headers[name]
            remaining = int_header(headers.get(remaining_name))
            if remaining is not None and (tightest is None or remaining < tightest[0]):
                tightest = (remaining, epoch_header(headers.get(reset_name)))
        if tightest is None:
            return limits, None, None
        return limits, tightest[0], tightest[1]

    def _http_error(
        self, exc: tweepy.HTTPException, post: OutgoingPost | None = None
    ) -> PublishError:
        """What X's error answer means; ``post`` is the post being created, if any."""
        response = exc.response
        status = getattr(response, "status_code", None)
        headers = getattr(response, "headers", {}) or {}
        try:
            body = response.json()
        except Exception:
            body = {}
        message = self._clean(_error_text(body) or f"HTTP {status}")
        limits, _, _ = self._limits(headers)
        problem = str(body.get("type", "")) if isinstance(body, dict) else ""
        lowered = (message + " " + problem).lower()

        if status == 429 and problem.rstrip("/").endswith(USAGE_CAPPED):
            return PublishError(
                Failure.PAYMENT,
                f"X's usage cap for this app is reached ({message}); X refuses every post "
                "until the cap resets or is raised, so the account stays paused instead of "
                "retrying. Raise the spend limit or change the plan in the X Developer "
                "Console, then resume the account",
                http_status=status,
                details={**limits, **_cap_fields(body)},
            )
        if status == 429:
            reset = None
            for _, remaining_name, reset_name in LIMIT_WINDOWS:
                if headers.get(remaining_name) == "0" and headers.get(reset_name):
                    candidate = epoch_header(headers.get(reset_name))
                    if candidate and (reset is None or candidate > reset):
                        reset = candidate
            reset = reset or epoch_header(headers.get("x-rate-limit-reset"))
            reset = reset or self.clock.now() + DEFAULT_RATE_LIMIT_BACKOFF
            return PublishError(
                Failure.RATE_LIMITED,
                f"X rate limit reached; retry after {reset:%Y-%m-%d %H:%M:%S} UTC ({message})",
                http_status=status,
                retry_at=reset,
                details=limits,
            )
        if status == 402 or (status == 403 and any(word in lowered for word in _PAYMENT_WORDS)):
            return PublishError(
                Failure.PAYMENT,
                f"X refused the post for payment: {message}. Buy API credits in the X "
                "Developer Console, then resume the account",
                http_status=status,
                details=limits,
            )
        if status == 403 and "duplicate" in lowered:
            return PublishError(Failure.DUPLICATE, message, http_status=status, details=limits)
        if status == 401 or (
            status == 403 and any(problem_name in problem for problem_name in _AUTH_PROBLEMS)
        ):
            return PublishError(
                Failure.AUTH,
                f"X rejected the account's credentials: {message}. Check the X_* tokens "
                "and the app's Read and Write permission",
                http_status=status,
                details=limits,
            )
        if status == 403 and _refuses_mentions(lowered, post):
            handles = _mentioned(post)
            whom = f" of {', '.join('@' + h for h in handles)}" if handles else ""
            return PublishError(
                Failure.PERMANENT,
                f"X refused this post's automated @mention{whom} (X said: {message}). "
                + MENTION_REFUSAL_ADVICE,
                http_status=status,
                details={**limits, "refusal": "automated-mentions"},
            )
        if status == 504:
            return PublishError(
                Failure.MAYBE_SENT,
                f"X timed out behind its gateway (HTTP 504): the post may have gone out "
                f"({message})",
                http_status=status,
                details=limits,
            )
        if status is not None and status >= 500:
            return PublishError(Failure.TRANSIENT, message, http_status=status, details=limits)
        return PublishError(Failure.PERMANENT, message, http_status=status, details=limits)

    def _transport_error(self, exc: BaseException) -> PublishError:
        failure = transport_failure(exc) or Failure.MAYBE_SENT
        return PublishError(failure, describe_transport_error(exc, failure, "X"))


def _mentioned(post: OutgoingPost | None) -> list[str]:
    """The handles ``post`` @mentions: the planner's list, else what its text tags."""
    if post is None:
        return []
    if post.mentions:
        return [m.handle.lstrip("@") for m in post.mentions]
    return list(dict.fromkeys(_MENTION.findall(post.text)))


def _refuses_mentions(lowered: str, post: OutgoingPost | None) -> bool:
    """Whether a 403 (not a duplicate, a payment or an auth refusal) is X refusing
    automated @mentions. X documents no error for it: X's words naming mentions
    decide; otherwise a 403 on a post that tags people, for no reason X gives
    (length, duplicate), is taken as that refusal."""
    if "mention" in lowered:
        return True
    return bool(_mentioned(post)) and not any(word in lowered for word in _NOT_ABOUT_MENTIONS)


def _cap_fields(body: Any) -> dict[str, str]:
    """The problem type and X's ``period`` and ``scope`` of a usage-cap answer."""
    fields = {"problem": USAGE_CAPPED}
    if isinstance(body, dict):
        fields |= {f"cap_{k}": str(body[k]) for k in ("period", "scope") if body.get(k)}
    return fields


def _error_text(body: Any) -> str:
    """X's own words from an error body (v2 problem details or ``errors`` list)."""
    if not isinstance(body, dict):
        return ""
    parts: list[str] = []
    if body.get("detail"):
        parts.append(str(body["detail"]))
    for error in body.get("errors") or []:
        if isinstance(error, dict):
            text = error.get("message") or error.get("detail")
            if text and text not in parts:
                parts.append(str(text))
        elif isinstance(error, str):
            parts.append(error)
    if not parts and body.get("title"):
        parts.append(str(body["title"]))
    return "; ".join(parts)


_SPACE = re.compile(r"\s+")


def _normalise(text: str) -> str:
    return _SPACE.sub(" ", html.unescape(text)).strip()


def _expanded_text(tweet: dict[str, Any]) -> str:
    """A post's text as written: X returns links as t.co and escapes ``&<>``."""
    text = str(tweet.get("text", ""))
    for url in (tweet.get("entities") or {}).get("urls") or []:
        short, expanded = url.get("url"), url.get("expanded_url")
        if short and expanded:
            text = text.replace(short, expanded)
    return text


def _when_unsure(config: AccountConfig) -> str:
    value = (config.setting("WHEN_UNSURE") or "unknown").strip().lower()
    if value not in WHEN_UNSURE:
        raise ConfigError(
            f"{config.name('WHEN_UNSURE')} must be {' or '.join(WHEN_UNSURE)} (got {value!r})"
        )
    return value
