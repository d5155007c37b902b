"""Publishing on a Facebook Page with facebook-sdk (Graph API ``POST /{page-id}/feed``).

facebook-sdk 3.1.0 is the current release; it predates every Graph API version
still served. Its constructor accepts only versions 2.8–3.1 and defaults to
2.8, it reads the host from a module constant and passes ``timeout=None``
unless told otherwise. :func:`graph_api` is the one place that adapts it: it
builds the client with a :class:`~bot.platforms._http.RoutedSession` (timeouts,
base URL, and a hook that keeps each response's status and usage headers, which
the SDK throws away) and then pins ``FACEBOOK_GRAPH_VERSION`` (default
:data:`DEFAULT_GRAPH_VERSION`) by setting the client's ``version`` attribute,
which is all the SDK uses to build paths.

Names are always plain text. A real Page mention is ``@[page-id]`` with the
Page's numeric id and needs Meta's "Page Mentioning" feature; the directory
holds Facebook pages mostly as user names (congress-legislators: 38 numeric
ids among 490 pages), and turning a name into an id needs another Meta
feature, so the bot does not tag on Facebook. ``FACEBOOK_PAGE_MENTIONS``, which
once asked for ``@Display Name`` tags that Facebook shows as plain text, is
refused when set to 1 and warned about when set to 0. A post that carries
mentions is refused rather than sent with broken tags.

``appsecret_proof``: an app set to "Require App Secret" refuses every call
without it (code 100), and facebook-sdk 3.1 cannot compute it. With
``FACEBOOK_APP_SECRET`` set, every call (posts, reads, checks) carries
``appsecret_proof`` = HMAC-SHA256 of the Page token keyed with the app secret,
in hex. Both values are masked in logs like the token.

Errors (the ``code`` of the Graph API error body): 190, 102 (token), 10 and
200–299 (permission), 1 with subcode 2853006 (the token's user may not act on
the Page), 3 (the app lacks the capability) and 100 asking for
``appsecret_proof`` → ``AUTH`` (the account pauses); 4, 17, 32, 341, 613 and
the 80000-range business use case limits → ``RATE_LIMITED`` (retry time from
``X-Business-Use-Case-Usage`` when Meta gives one, else
``FACEBOOK_RATE_LIMIT_BACKOFF``); 368 (temporarily blocked for policy) →
``RATE_LIMITED`` for a day; 506 (duplicate post) → ``DUPLICATE``; 1, 2 and
anything Meta marks ``is_transient`` → ``TRANSIENT``; everything else →
``PERMANENT`` with Meta's message. On a *create*, a transient error, a 5xx and
a 2xx whose body cannot be read are ``MAYBE_SENT`` instead
(:func:`~bot.platforms.base.after_create`): Meta may have created the post, so
the Page's feed is checked before a resend.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Self, TypeVar

import facebook
import requests

from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.platforms._http import (
    RoutedSession,
    Timeouts,
    describe_transport_error,
    transport_failure,
)
from bot.platforms._secrets import protect_logs, redact
from bot.platforms.accounts import DEFAULT_ACCOUNT, AccountConfig, env_name
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

#: The Graph API version pinned unless ``FACEBOOK_GRAPH_VERSION`` says otherwise:
#: the latest when this was written (released 2026-07-29; each version is served
#: for about two years, see developers.facebook.com/docs/graph-api/changelog).
DEFAULT_GRAPH_VERSION = "v26.0"

#: The host facebook-sdk hard-codes (``facebook.FACEBOOK_GRAPH_URL``).
GRAPH_HOST = "https://graph.facebook.com"

DEFAULT_RATE_LIMIT_BACKOFF = timedelta(minutes=15)
POLICY_BLOCK_BACKOFF = timedelta(hours=24)

AUTH_CODES = frozenset({102, 190, 10}) | frozenset(range(200, 300))
#: 341 is "Application limit reached": a rate limit, not a refusal of the post.
RATE_LIMIT_CODES = frozenset({4, 17, 32, 341, 613}) | frozenset(range(80000, 80015))
TRANSIENT_CODES = frozenset({1, 2})
POLICY_BLOCK_CODE = 368
DUPLICATE_CODE = 506
#: "Application does not have the capability to make this API call."
CAPABILITY_CODE = 3
#: Code 1 with these subcodes is no passing fault: "Viewer doesn't have permission".
PERMISSION_SUBCODES = frozenset({2853006})
#: Code 100 names ``appsecret_proof`` when the app requires it and it is missing or wrong.
INVALID_PARAMETER_CODE = 100

USAGE_HEADERS = ("x-app-usage", "x-page-usage", "x-business-use-case-usage", "x-ad-account-usage")

_VERSION = re.compile(r"^v?(\d{1,3})\.(\d{1,2})$")


def graph_version(value: str | None, *, name: str = "FACEBOOK_GRAPH_VERSION") -> str:
    """``"25.0"``, ``"v25.0"`` or ``"v25.00"`` → ``"v25.0"``, the only form Graph serves."""
    if not value:
        return DEFAULT_GRAPH_VERSION
    match = _VERSION.match(value.strip())
    if not match:
        raise ConfigError(f"{name} must look like v25.0 (got {value!r})")
    return f"v{int(match.group(1))}.{int(match.group(2))}"


def appsecret_proof(app_secret: str, access_token: str) -> str:
    """Meta's ``appsecret_proof``: HMAC-SHA256 of the access token keyed with the app
    secret, as lower-case hex (developers.facebook.com/docs/graph-api/securing-requests)."""
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


def graph_api(
    token: str, version: str, session: requests.Session, timeouts: Timeouts
) -> facebook.GraphAPI:
    """A facebook-sdk client on ``session``, pinned to ``version`` (see the module docs)."""
    graph = facebook.GraphAPI(access_token=token, timeout=timeouts.as_requests(), session=session)
    graph.version = version  # the SDK's own check stops at 3.1; paths are "{version}/{id}"
    return graph


class FacebookPublisher:
    """Posts for one Facebook Page."""

    platform = "facebook"
    live = True

    def __init__(
        self,
        account: str,
        *,
        page_id: str,
        page_token: str,
        version: str = DEFAULT_GRAPH_VERSION,
        base_url: str | None = None,
        timeouts: Timeouts | None = None,
        app_secret: str | None = None,
        rate_limit_backoff: timedelta = DEFAULT_RATE_LIMIT_BACKOFF,
        clock: Clock | None = None,
    ) -> None:
        self.account = account
        self.page_id = page_id
        self.version = graph_version(version)
        self.rate_limit_backoff = rate_limit_backoff
        self.clock = clock or SystemClock()
        self._secrets = [page_token]
        #: Extra parameters of every Graph call: ``appsecret_proof`` when the app secret is set.
        self._proof: dict[str, str] = {}
        if app_secret:
            proof = appsecret_proof(app_secret, page_token)
            self._proof = {"appsecret_proof": proof}
            self._secrets += [app_secret, proof]
        self._last_response: requests.Response | None = None
        timeouts = timeouts or Timeouts()
        #: One publish is one request (``POST /{page}/feed``); Meta has no idempotency key.
        self.unprotected_seconds = timeouts.worst_case(1)
        session = RoutedSession(GRAPH_HOST, base_url, timeouts, on_response=self._remember)
        self._graph = graph_api(page_token, self.version, session, timeouts)
        protect_logs(self._secrets)

    @classmethod
    def from_settings(cls, account: str, settings: Settings, *, clock: Clock | None = None) -> Self:
        config = AccountConfig(settings, "facebook", account)
        backoff = config.number("RATE_LIMIT_BACKOFF", DEFAULT_RATE_LIMIT_BACKOFF.total_seconds())
        _refuse_page_mentions(config)
        return cls(
            account,
            page_id=config.require("PAGE_ID", "the numeric id of the Page"),
            page_token=config.require("PAGE_TOKEN", "a Page access token"),
            version=graph_version(
                config.setting("GRAPH_VERSION"), name=config.name("GRAPH_VERSION")
            ),
            base_url=config.setting("GRAPH_URL"),
            timeouts=Timeouts.parse(config.setting("TIMEOUT"), name=config.name("TIMEOUT")),
            app_secret=config.credential("APP_SECRET"),
            rate_limit_backoff=timedelta(seconds=backoff),
            clock=clock,
        )

    def _remember(self, response: requests.Response) -> None:
        self._last_response = response

    # -- publishing -------------------------------------------------------------------------

    def publish(self, post: OutgoingPost) -> PublishResult:
        if post.mentions:
            names = ", ".join(m.handle for m in post.mentions)
            raise PublishError(
                Failure.PERMANENT,
                f"this Facebook post tags {names}, but the bot names people in plain text on "
                "Facebook (a Page mention needs Meta's Page Mentioning feature and the Page's "
                "numeric id, which the bot does not use); plan the post again",
            )
        fields: dict[str, str] = {"message": post.text, **self._proof}
        if post.link:
            fields["link"] = post.link
        self._last_response = None
        try:
            result = self._call(lambda: self._graph.put_object(self.page_id, "feed", **fields))
        except PublishError as error:
            raise after_create(error) from None
        post_id = str(result.get("id", "")) if isinstance(result, dict) else ""
        if not post_id:
            raise PublishError(
                Failure.MAYBE_SENT,
                "the Graph API answered without a post id; reconcile",
                http_status=self._status(),
            )
        log.info("posted on facebook account=%s id=%s", self.account, post_id)
        return PublishResult(remote_id=post_id, url=self.post_url(post_id), limits=self._usage())

    def post_url(self, post_id: str) -> str:
        page, _, number = post_id.partition("_")
        if number:
            return f"https://www.facebook.com/{page}/posts/{number}"
        return f"https://www.facebook.com/{post_id}"

    # -- checking and reconciling -------------------------------------------------------------

    def check(self) -> AccountStatus:
        """``GET /me``: the token must be the Page's own (a user token would post as a person)."""
        try:
            me = self._call(lambda: self._graph.get_object("me", fields="id,name", **self._proof))
        except PublishError as exc:
            return AccountStatus(self.platform, self.account, ok=False, detail=str(exc))
        identity = f"{me.get('name')} (id {me.get('id')})"
        limits = self._usage()
        if str(me.get("id")) != str(self.page_id):
            return AccountStatus(
                self.platform,
                self.account,
                ok=False,
                identity=identity,
                limits=limits,
                detail=f"the token belongs to {identity}, not to Page {self.page_id}: "
                "use the Page access token (docs/platforms.md)",
            )
        proof = "appsecret_proof sent" if self._proof else "no app secret set"
        return AccountStatus(
            self.platform,
            self.account,
            ok=True,
            identity=identity,
            limits=limits,
            detail=f"Page token accepted; Graph API {self.version}; {proof}; "
            "legislators named in plain text",
        )

    def reconcile(self, post: OutgoingPost) -> PublishResult | None:
        """Look for ``post`` among the Page's 25 latest posts."""
        try:
            page = self._call(
                lambda: self._graph.get_connections(
                    self.page_id,
                    "posts",
                    fields="id,message,created_time,permalink_url",
                    limit=25,
                    **self._proof,
                )
            )
        except PublishError as exc:
            raise PublishError(
                Failure.MAYBE_SENT,
                f"could not read the Page's posts: {exc}",
                http_status=exc.http_status,
            ) from None
        wanted = _normalise(post.text)
        for item in page.get("data") or []:
            if _normalise(str(item.get("message", ""))) == wanted:
                post_id = str(item["id"])
                return PublishResult(
                    remote_id=post_id, url=item.get("permalink_url") or self.post_url(post_id)
                )
        return None

    # -- errors --------------------------------------------------------------------------------

    def _call(self, call: Callable[[], _T]) -> _T:
        try:
            return call()
        except facebook.GraphAPIError as exc:
            raise self._graph_error(exc) from None
        except (requests.RequestException, OSError) as exc:
            failure = transport_failure(exc) or Failure.MAYBE_SENT
            raise PublishError(
                failure, describe_transport_error(exc, failure, "Facebook")
            ) from None
        except (KeyError, ValueError):  # no content type, or a body that is not JSON
            raise self._unreadable_answer() from None

    def _status(self) -> int | None:
        return self._last_response.status_code if self._last_response is not None else None

    def _usage(self) -> dict[str, str]:
        if self._last_response is None:
            return {}
        headers = self._last_response.headers
        return {name: headers[name] for name in USAGE_HEADERS if headers.get(name)}

    def _unreadable_answer(self) -> PublishError:
        status = self._status()
        if status == 504 or status is None:
            return PublishError(
                Failure.MAYBE_SENT, "the Graph API gateway timed out; reconcile", http_status=status
            )
        if status >= 500:
            return PublishError(
                Failure.TRANSIENT, f"the Graph API failed (HTTP {status})", http_status=status
            )
        return PublishError(
            Failure.PERMANENT, f"unreadable Graph API answer (HTTP {status})", http_status=status
        )

    def _retry_at(self, default: timedelta) -> datetime:
        """When Meta says access comes back (``estimated_time_to_regain_access``, minutes)."""
        minutes = 0
        raw = self._usage().get("x-business-use-case-usage")
        if raw:
            try:
                for entries in json.loads(raw).values():
                    for entry in entries:
                        minutes = max(
                            minutes, int(entry.get("estimated_time_to_regain_access") or 0)
                        )
            except (ValueError, AttributeError, TypeError):
                minutes = 0
        return self.clock.now() + (timedelta(minutes=minutes) if minutes else default)

    def _graph_error(self, exc: facebook.GraphAPIError) -> PublishError:
        status = self._status()
        error = exc.result.get("error") if isinstance(exc.result, dict) else None
        if not isinstance(error, dict):
            if status is not None and status >= 500:
                return self._unreadable_answer()
            return PublishError(
                Failure.PERMANENT, redact(str(exc.message), self._secrets), http_status=status
            )
        code = _int(error.get("code"))
        subcode = _int(error.get("error_subcode"))
        parts = [str(error.get("message") or "Graph API error")]
        for field in ("error_user_title", "error_user_msg"):
            if error.get(field):
                parts.append(str(error[field]))
        message = redact(" — ".join(parts), self._secrets)
        label = message if message.startswith("(#") else f"(#{code}) {message}"
        if subcode:
            label += f" [subcode {subcode}]"
        details = {
            "code": str(code),
            **({"subcode": str(subcode)} if subcode else {}),
            **({"fbtrace_id": str(error["fbtrace_id"])} if error.get("fbtrace_id") else {}),
            **self._usage(),
        }

        if code in RATE_LIMIT_CODES:
            retry_at = self._retry_at(self.rate_limit_backoff)
            return PublishError(
                Failure.RATE_LIMITED,
                f"Meta rate limit {label}; retry after {retry_at:%Y-%m-%d %H:%M} UTC",
                http_status=status,
                retry_at=retry_at,
                details=details,
            )
        if code == POLICY_BLOCK_CODE:
            retry_at = self._retry_at(POLICY_BLOCK_BACKOFF)
            return PublishError(
                Failure.RATE_LIMITED,
                f"Meta temporarily blocked posting {label}; the account waits a day — "
                "check the Page's quality in Meta Business Suite",
                http_status=status,
                retry_at=retry_at,
                details=details,
            )
        if code == 1 and subcode in PERMISSION_SUBCODES:
            return PublishError(
                Failure.AUTH,
                f"Meta says the Page token may not do this on the Page {label}: the person "
                "whose token it is lost their role or task on the Page, or the Page restricts "
                "it. Check the Page's people and permissions in Meta Business Suite, then get "
                "a new Page access token (docs/platforms.md)",
                http_status=status,
                details={**details, "pause_as": "Page permission missing"},
            )
        if code == CAPABILITY_CODE:
            return PublishError(
                Failure.AUTH,
                f"Meta says the app lacks the capability for this call {label}: check the "
                "app's use case and its pages_manage_posts permission in the App Dashboard, "
                "and that the app is Live (docs/platforms.md)",
                http_status=status,
                details={**details, "pause_as": "app capability missing"},
            )
        if code == INVALID_PARAMETER_CODE and "appsecret_proof" in message:
            variable = env_name("facebook", self.account, "APP_SECRET")
            advice = (
                f"check that {variable} is this app's current secret (App settings → Basic)"
                if self._proof
                else f"set {variable} to the app's secret (App settings → Basic) so the bot "
                "sends it"
            )
            return PublishError(
                Failure.AUTH,
                f"Meta wants an appsecret_proof on every call {label} (the app is set to "
                f"Require App Secret): {advice}",
                http_status=status,
                details=details,
            )
        if code in AUTH_CODES:
            return PublishError(
                Failure.AUTH,
                f"Meta rejected the Page token {label}. Get a new Page access token with "
                "pages_manage_posts (docs/platforms.md)",
                http_status=status,
                details=details,
            )
        if code == DUPLICATE_CODE:
            return PublishError(Failure.DUPLICATE, label, http_status=status, details=details)
        if code in TRANSIENT_CODES or error.get("is_transient"):
            return PublishError(Failure.TRANSIENT, label, http_status=status, details=details)
        return PublishError(Failure.PERMANENT, label, http_status=status, details=details)


def _refuse_page_mentions(config: AccountConfig) -> None:
    """``FACEBOOK_PAGE_MENTIONS`` is gone: refuse it switched on, warn about it off."""
    value = config.setting("PAGE_MENTIONS")
    if value is None:
        return
    name = config.name("PAGE_MENTIONS")
    if config.settings.get(name) is None:  # set for the whole platform, not this account
        name = env_name("facebook", DEFAULT_ACCOUNT, "PAGE_MENTIONS")
    if value.strip().lower() in {"0", "false", "no", "off", ""}:
        log.warning(
            "%s is no longer used (names are always plain text on Facebook); remove it", name
        )
        return
    raise ConfigError(
        f"{name} is no longer supported: it wrote '@Display Name', which Facebook shows as "
        "plain text, and a real Page mention needs Meta's Page Mentioning feature and each "
        "Page's numeric id, which the directory does not hold. Legislators are named in "
        f"plain text on Facebook; remove {name} from .env (docs/platforms.md)"
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


_SPACE = re.compile(r"\s+")


def _normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip()
