"""Publishing on Mastodon with Mastodon.py (``POST /api/v1/statuses``).

* **Idempotent.** Every post is sent with an ``Idempotency-Key`` derived from
  the post's key. Mastodon remembers the key for an hour and answers a repeat
  with the status it already created, so a retry within that hour cannot post
  twice.
* **Visibility is always explicit.** Without ``visibility`` Mastodon uses the
  account's default, and a status that starts with a mention is easy to take
  for a direct message. The publisher always sends ``MASTODON_VISIBILITY``
  (default ``public``; ``unlisted`` and ``private`` are allowed) and refuses
  ``direct`` in configuration.
* **The instance's own limit.** ``configuration.statuses.max_characters`` from
  ``GET /api/v2/instance`` (cached per instance) decides the length, counted by
  Mastodon's own rule (:mod:`bot.compose.mastodon_length`: graphemes, a URL as
  ``characters_reserved_per_url``, ``@user@domain`` as ``@user``). Once read, the
  limit is handed to the planner (:func:`bot.compose.length.remember_mastodon_instance`).
* ``ratelimit_method="throw"``: a 429 becomes ``RATE_LIMITED`` with the
  ``X-RateLimit-Reset`` time (ISO 8601 as Mastodon sends it, or Unix seconds as
  GoToSocial does), never a sleeping thread.
* **Reconcile matches what the bot wrote.** A status is found among the
  account's latest by its text with every mention reduced to ``@user`` and case
  ignored, after the post was composed: Mastodon renders a mention it resolved
  as the account's own ``@username`` and leaves one it could not resolve as
  typed, so the rendered HTML never equals the text.
* **An unclear answer to a create is "maybe sent".** A 5xx, or a 200 whose body
  Mastodon.py cannot parse, may follow a status the instance created; the
  worker checks the account's statuses before sending again.
"""

from __future__ import annotations

import html
import importlib.metadata
import logging
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Self, TypeVar

import requests
from mastodon import Mastodon
from mastodon import errors as m_err

from bot.clock import Clock, SystemClock
from bot.compose import mastodon_length
from bot.compose.length import MastodonInstance, remember_mastodon_instance
from bot.config import ConfigError, Settings
from bot.platforms._http import (
    Timeouts,
    describe_transport_error,
    int_header,
    iso_time,
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

log = logging.getLogger(__name__)

_T = TypeVar("_T")

VISIBILITIES = ("public", "unlisted", "private")
DEFAULT_MAX_CHARACTERS = 500
DEFAULT_CHARACTERS_PER_URL = 23
IDEMPOTENCY_WINDOW = timedelta(hours=1)
DEFAULT_RATE_LIMIT_BACKOFF = timedelta(minutes=5)
#: How far back (before the post was composed) reconcile looks, for clock skew.
RECONCILE_SKEW = timedelta(minutes=10)
#: Statuses reconcile reads (Mastodon's most per page).
RECONCILE_PAGE = 40

#: A mention as Mastodon finds one (``Account::MENTION_RE``), with or without its domain.
_MENTION = re.compile(
    r"(?<![=/\w])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@\w+(?:[.-]+\w+)*)?", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")

# The instance configuration is the same for every account on an instance.
_INSTANCE_CACHE: dict[str, tuple[int, int]] = {}
_INSTANCE_LOCK = threading.Lock()
#: Instances whose configuration could not be read (their cached limits are a guess).
_FALLBACK: set[str] = set()


def idempotency_key(post: OutgoingPost) -> str:
    return f"advocacy-bot-{post.key}"


def user_agent(project_url: str | None = None) -> str:
    """``advocacy-bot/<version>``, with ``(+URL)`` when the operator set ``BOT_PROJECT_URL``.

    Instance admins read the User-Agent to find who runs a bot; the project has no
    public home page of its own, so the URL is the operator's to give.
    """
    try:
        version = importlib.metadata.version("advocacy-bot")
    except importlib.metadata.PackageNotFoundError:
        version = "dev"
    agent = f"advocacy-bot/{version}"
    url = (project_url or "").strip()
    if not url:
        return agent
    if not re.fullmatch(r"https?://[!-~]+", url):
        raise ConfigError(
            f"BOT_PROJECT_URL {url[:80]!r} is not one http(s) URL; give the address of a "
            "page about your bot (it goes into the User-Agent), or leave it unset"
        )
    return f"{agent} (+{url})"


def status_length(text: str, characters_per_url: int = DEFAULT_CHARACTERS_PER_URL) -> int:
    """The length Mastodon's ``StatusLengthValidator`` counts (no content warning)."""
    return mastodon_length.status_length(text, url_length=characters_per_url)


def reset_time(value: str | None) -> datetime | None:
    """``X-RateLimit-Reset``: ISO 8601 (Mastodon) or Unix seconds (GoToSocial)."""
    if value and value.strip().isdigit():
        try:
            return datetime.fromtimestamp(int(value.strip()), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return iso_time(value)


def plain_text(content: str) -> str:
    """A status's HTML content as text, for matching (tags dropped, spaces folded)."""
    text = _BREAK.sub("\n", content)
    text = _TAG.sub("", text)
    return _SPACE.sub(" ", html.unescape(text)).strip()


def comparable(text: str) -> str:
    """What reconcile compares: mentions as ``@user``, spaces folded, case ignored.

    Applied to the post's own text and to a status's plain text alike, it makes
    ``@Senator@senate.social`` (as written), ``@senator`` (resolved, rendered with
    the account's username) and ``@Senator@senate.social`` (unresolved, kept as
    text) the same.
    """
    return _SPACE.sub(" ", _MENTION.sub(lambda m: "@" + m.group(1), text)).strip().casefold()


class MastodonPublisher:
    """Posts for one Mastodon account."""

    platform = "mastodon"
    live = True

    def __init__(
        self,
        account: str,
        *,
        api_base_url: str,
        access_token: str,
        visibility: str = "public",
        language: str | None = None,
        timeouts: Timeouts | None = None,
        clock: Clock | None = None,
        project_url: str | None = None,
    ) -> None:
        visibility = visibility.strip().lower()
        if visibility not in VISIBILITIES:
            raise ConfigError(
                f"Mastodon visibility {visibility!r} is not allowed; use one of "
                f"{', '.join(VISIBILITIES)} (never 'direct': advocacy posts are public)"
            )
        self.account = account
        self.api_base_url = api_base_url.rstrip("/")
        self.visibility = visibility
        self.language = language
        self.clock = clock or SystemClock()
        self._secrets = [access_token]
        self._last_response: requests.Response | None = None
        self.user_agent = user_agent(project_url)
        timeouts = timeouts or Timeouts()
        #: A resend carries the same Idempotency-Key: Mastodon answers it with the status
        #: it created, so no call is unprotected.
        self.unprotected_seconds = 0.0
        self._api = self._client(access_token, timeouts)
        self._public = self._client(None, timeouts)
        self._account_id: str | None = None
        protect_logs(self._secrets)

    def _client(self, token: str | None, timeouts: Timeouts) -> Mastodon:
        session = requests.Session()
        session.hooks["response"].append(lambda r, *a, **k: setattr(self, "_last_response", r))
        return Mastodon(
            access_token=token,
            api_base_url=self.api_base_url,
            ratelimit_method="throw",
            request_timeout=timeouts.as_requests(),  # type: ignore[arg-type]
            session=session,
            version_check_mode="none",
            user_agent=self.user_agent,
        )

    @classmethod
    def from_settings(cls, account: str, settings: Settings, *, clock: Clock | None = None) -> Self:
        config = AccountConfig(settings, "mastodon", account)
        base = config.credential("API_BASE") or config.setting("API_BASE")
        if not base:
            raise ConfigError(
                f"{config.name('API_BASE')} is not set (the instance URL, e.g. "
                f"https://mastodon.social, for the mastodon account '{account}')"
            )
        return cls(
            account,
            api_base_url=base,
            access_token=config.require("ACCESS_TOKEN", "an access token with write:statuses"),
            visibility=config.setting("VISIBILITY", "public") or "public",
            language=config.setting("LANGUAGE"),
            timeouts=Timeouts.parse(config.setting("TIMEOUT"), name=config.name("TIMEOUT")),
            clock=clock,
            project_url=settings.get("BOT_PROJECT_URL"),
        )

    # -- the instance ----------------------------------------------------------------------

    def instance_limits(self) -> tuple[int, int]:
        """``(max_characters, characters_reserved_per_url)`` of the instance, cached."""
        with _INSTANCE_LOCK:
            cached = _INSTANCE_CACHE.get(self.api_base_url)
        if cached:
            if self.api_base_url not in _FALLBACK:
                remember_mastodon_instance(self.account, MastodonInstance(*cached))
            return cached
        try:
            instance = self._call(self._api.instance_v2)
            statuses = instance["configuration"]["statuses"]
            limits = (
                int(statuses.get("max_characters") or DEFAULT_MAX_CHARACTERS),
                int(statuses.get("characters_reserved_per_url") or DEFAULT_CHARACTERS_PER_URL),
            )
        except (PublishError, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, PublishError) and exc.kind is not Failure.PERMANENT:
                if exc.kind is Failure.MAYBE_SENT:  # a read: nothing can have been posted
                    raise PublishError(
                        Failure.TRANSIENT,
                        f"could not read {self.api_base_url}'s configuration; nothing was sent",
                        http_status=exc.http_status,
                    ) from None
                raise
            log.warning(
                "mastodon %s: no v2 instance configuration; assuming %d characters",
                self.api_base_url,
                DEFAULT_MAX_CHARACTERS,
            )
            fallback = (DEFAULT_MAX_CHARACTERS, DEFAULT_CHARACTERS_PER_URL)
            garbled = isinstance(exc, PublishError) and 200 <= (exc.http_status or 0) < 300
            if not garbled:  # an instance without v2 keeps its answer; a garbled one is asked again
                with _INSTANCE_LOCK:
                    _FALLBACK.add(self.api_base_url)
                    _INSTANCE_CACHE[self.api_base_url] = fallback
            return fallback  # a guess: not handed to the planner
        with _INSTANCE_LOCK:
            _INSTANCE_CACHE[self.api_base_url] = limits
        remember_mastodon_instance(self.account, MastodonInstance(*limits))
        return limits

    def max_characters(self) -> int:
        return self.instance_limits()[0]

    # -- publishing -----------------------------------------------------------------------------

    def publish(self, post: OutgoingPost) -> PublishResult:
        limit, per_url = self.instance_limits()
        length = status_length(post.text, per_url)
        if length > limit:
            raise PublishError(
                Failure.PERMANENT,
                f"the text counts {length} characters; {self.api_base_url} allows {limit}",
            )
        sent_at = self.clock.now()
        try:
            status = self._call(
                lambda: self._api.status_post(
                    post.text,
                    visibility=self.visibility,
                    language=self.language,
                    idempotency_key=idempotency_key(post),
                ),
                sent_at=sent_at,
            )
        except PublishError as error:
            raise after_create(error) from None
        if status.get("visibility") and status["visibility"] != self.visibility:
            log.warning(
                "mastodon account=%s: asked for %s, instance made it %s",
                self.account,
                self.visibility,
                status["visibility"],
            )
        log.info("posted on mastodon account=%s id=%s", self.account, status["id"])
        limits = self._limits()
        return PublishResult(
            remote_id=str(status["id"]),
            url=status.get("url") or status.get("uri"),
            rate_limit_remaining=int_header(limits.get("x-ratelimit-remaining")),
            rate_limit_reset=reset_time(limits.get("x-ratelimit-reset")),
            limits=limits,
        )

    # -- checking and reconciling -------------------------------------------------------------

    def _me(self) -> dict[str, Any]:
        me: dict[str, Any] = self._call(self._api.account_verify_credentials)
        self._account_id = str(me["id"])
        return me

    def check(self) -> AccountStatus:
        try:
            me = self._me()
            limit, _ = self.instance_limits()
        except PublishError as exc:
            return AccountStatus(self.platform, self.account, ok=False, detail=str(exc))
        limits = self._limits()
        limits["max_characters"] = str(limit)
        is_bot = me.get("bot") is True
        limits["bot"] = "yes" if is_bot else "no"
        detail = f"token accepted; posts go out as {self.visibility}"
        if is_bot:
            detail += "; the account is marked as a bot"
        else:
            detail += (
                "; WARNING: the account is not marked as a bot. Many instances require it "
                "of automated accounts: tick 'This is an automated account' under "
                "Preferences > Public profile"
            )
            log.warning("mastodon account=%s is not marked as a bot", self.account)
        return AccountStatus(
            self.platform,
            self.account,
            ok=True,
            identity=f"@{me.get('acct')} on {self.api_base_url}",
            detail=detail,
            limits=limits,
        )

    def reconcile(self, post: OutgoingPost) -> PublishResult | None:
        """Look for ``post`` among the account's latest public statuses.

        A status matches when its text equals the post's once both are made
        :func:`comparable` and it was created after the post was composed (less
        :data:`RECONCILE_SKEW`). The rendered HTML is never compared as such: a
        mention Mastodon could not resolve stays plain text there, one it did is
        shown as the account's own ``@username``. When the page read does not
        reach back to the post's composition, absence cannot be confirmed and
        the answer is "maybe sent".

        The check reads the public timeline without the token (which has no read
        scope for statuses). A ``private`` account cannot be checked that way.
        """
        if self.visibility == "private":
            raise PublishError(
                Failure.MAYBE_SENT, "followers-only posts cannot be checked without read:statuses"
            )
        try:
            account_id = self._account_id or str(self._me()["id"])
            statuses = self._call(
                lambda: self._public.account_statuses(
                    account_id, limit=RECONCILE_PAGE, exclude_reblogs=True, exclude_replies=True
                )
            )
        except PublishError as exc:
            raise PublishError(
                Failure.MAYBE_SENT,
                f"could not read recent statuses: {exc.message}",
                http_status=exc.http_status,
            ) from None
        composed = _utc(post.created_at)
        since = composed - RECONCILE_SKEW if composed is not None else None
        wanted = comparable(post.text)
        oldest: datetime | None = None
        for status in statuses:
            created = _utc(status.get("created_at"))
            if created is not None:
                oldest = created if oldest is None else min(oldest, created)
            if since is not None and created is not None and created < since:
                continue
            if comparable(plain_text(status.get("content") or "")) == wanted:
                return PublishResult(
                    remote_id=str(status["id"]), url=status.get("url") or status.get("uri")
                )
        if since is not None and len(statuses) >= RECONCILE_PAGE and (oldest or since) > since:
            raise PublishError(
                Failure.MAYBE_SENT,
                f"the account posted more than {RECONCILE_PAGE} statuses since this post was "
                "composed; its absence cannot be confirmed",
            )
        return None

    # -- errors ---------------------------------------------------------------------------------

    def _limits(self) -> dict[str, str]:
        if self._last_response is None:
            return {}
        headers = self._last_response.headers
        names = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
        return {name.lower(): headers[name] for name in names if headers.get(name)}

    def _call(self, call: Callable[[], _T], sent_at: datetime | None = None) -> _T:
        self._last_response = None
        try:
            return call()
        except m_err.MastodonRatelimitError:
            limits = self._limits()
            retry_at = reset_time(limits.get("x-ratelimit-reset"))
            if retry_at is None or retry_at <= self.clock.now():
                retry_at = self.clock.now() + DEFAULT_RATE_LIMIT_BACKOFF
            raise PublishError(
                Failure.RATE_LIMITED,
                f"Mastodon rate limit reached; retry after {retry_at:%Y-%m-%d %H:%M:%S} UTC",
                http_status=429,
                retry_at=retry_at,
                details=limits,
            ) from None
        except m_err.MastodonNetworkError as exc:
            failure = transport_failure(exc) or Failure.MAYBE_SENT
            message = describe_transport_error(exc, failure, "Mastodon")
            details: dict[str, str] = {}
            if failure is Failure.MAYBE_SENT and sent_at is not None:
                until = sent_at + IDEMPOTENCY_WINDOW - timedelta(minutes=5)
                details["idempotent_retry_until"] = until.isoformat()
                message += (
                    f"; a retry before {until:%H:%M} UTC reuses the Idempotency-Key "
                    "and cannot post twice"
                )
            raise PublishError(failure, message, details=details) from None
        except m_err.MastodonAPIError as exc:
            raise self._api_error(exc, sent_at) from None

    def _api_error(self, exc: m_err.MastodonAPIError, sent_at: datetime | None) -> PublishError:
        args = list(exc.args) + [None] * 4
        status = args[1] if isinstance(args[1], int) else None
        if status is None and self._last_response is not None:
            status = self._last_response.status_code  # "Could not parse response as JSON"
        said = redact(str(args[3] or args[2] or args[0]), self._secrets)
        details = self._limits()
        if isinstance(exc, m_err.MastodonUnauthorizedError) or status == 401:
            return PublishError(
                Failure.AUTH,
                f"Mastodon refused the access token ({said}); create a new one (docs/platforms.md)",
                http_status=status,
                details=details,
            )
        if status == 403:
            return PublishError(
                Failure.AUTH,
                f"Mastodon refused the action ({said}); the token needs the "
                "write:statuses and read:accounts scopes",
                http_status=status,
                details=details,
            )
        if status == 504:
            return PublishError(
                Failure.MAYBE_SENT, f"{said} (HTTP 504)", http_status=status, details=details
            )
        if status is not None and status >= 500:
            return PublishError(
                Failure.TRANSIENT, f"{said} (HTTP {status})", http_status=status, details=details
            )
        return PublishError(Failure.PERMANENT, said, http_status=status, details=details)


def _utc(value: object) -> datetime | None:
    """A datetime (or ISO text) in UTC; naive values are taken as UTC."""
    if isinstance(value, str):
        return iso_time(value)
    if not isinstance(value, datetime):
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
