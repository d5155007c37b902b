"""A fake X API v2 that answers as api.x.com does, for tweepy.

Routes: ``POST /2/tweets``, ``GET /2/users/me``, ``GET /2/users/:id/tweets``.

Requests must carry a valid OAuth 1.0a ``Authorization`` header: the fake
checks the consumer key and access token and verifies the HMAC-SHA1 signature
(over the URL the client actually called), so a test passes only if tweepy
really signed the request. Answers follow X's wire format: ``201
{"data": {"id", "text", "edit_history_tweet_ids"}}``; errors as problem details
(``{"title", "detail", "type", "status"}``), including the 403 "You are not
allowed to create a Tweet with duplicate content." that X sends for a repeated
text; rate-limit headers on every answer (``x-rate-limit-*`` for the 15-minute
window, ``x-user-limit-24hour-*`` and ``x-app-limit-24hour-*``).

Automated @mentions: X restricts them on self-serve tiers since 2026-02-23 and
documents no error for it. With ``"refuse_mentions": True`` in the config (or
:attr:`FakeX.refuse_mentions` set) every post that @mentions someone is refused
with a 403 problem body, :data:`MENTION_REFUSAL` unless ``"mention_refusal"``
gives another (the real wording is unknown: tests try more than one).

Fault kinds (see :class:`tests.fakes._server.FakeServer`): ``rate_limited``
(``reset_in`` seconds, ``window``: ``15min``, ``user_24h`` or ``app_24h``),
``usage_capped`` (the 429 X sends when the app's monthly cap or spend limit is
reached, with X's body), ``server_error`` (``status``, default 503),
``unauthorized``, ``payment``, ``forbidden_permissions``, ``mentions_refused``
(``detail``, ``type``: one 403 like the configured refusal), plus the common
``timeout``/``hang``/``drop``.

Standalone: ``python -m tests.fakes.x --port 8401 --state-file x.jsonl``; the
accounts are :data:`DEFAULT_CONFIG` unless ``--config`` gives others.
"""

from __future__ import annotations

import html
import itertools
import re
from types import SimpleNamespace
from typing import Any

from oauthlib.oauth1.rfc5849 import signature, utils
from twitter_text import extract_urls_with_indices, parse_tweet

from tests.fakes._server import FakeServer, Fault, Request, Response, main

DEFAULT_CONFIG: dict[str, Any] = {
    "app": {
        "consumer_key": "fake-x-consumer-key-0001",
        "consumer_secret": "fake-x-consumer-secret-0001",
    },
    "users": [
        {
            "id": "1500000000000000001",
            "username": "moadvocacy",
            "name": "Missouri Child Advocacy",
            "access_token": "1500000000000000001-fakeXaccessTokenDefault",
            "access_token_secret": "fake-x-access-token-secret-default",
        },
        {
            "id": "1500000000000000002",
            "username": "mocoalition",
            "name": "Missouri Coalition",
            "access_token": "1500000000000000002-fakeXaccessTokenCoalition",
            "access_token_secret": "fake-x-access-token-secret-coalition",
        },
    ],
    # Simulated limits for POST /2/tweets (reported in headers; enforced when asked, 429
    # past either: X documents 100 posts per 15 minutes per user at the Pro tier and
    # 2,400 a day per account). Time is ``self.clock`` (wall time unless a test sets it).
    "limits": {"window": 100, "window_seconds": 900, "user_24h": 2400, "app_24h": 10000},
    "enforce_limits": False,
    # Refuse every post that @mentions someone (see the module docs).
    "refuse_mentions": False,
}

DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."

#: The 429 body X sends when the monthly usage cap is reached (seen in the wild:
#: xdevplatform/xdk#25), while the 15-minute window still has room.
USAGE_CAPPED_BODY: dict[str, Any] = {
    "account_id": "1500000000000000001",
    "product_name": "standard-basic",
    "title": "UsageCapExceeded",
    "period": "Monthly",
    "scope": "Product",
    "detail": "Usage cap exceeded: Monthly product cap",
    "type": "https://api.twitter.com/2/problems/usage-capped",
}

#: The fake's default refusal of an automated @mention: X's generic 403, which names
#: no reason (the worst case for the bot: nothing in it says "mention").
MENTION_REFUSAL: dict[str, Any] = {
    "title": "Forbidden",
    "detail": "You are not permitted to perform this action.",
    "type": "about:blank",
    "status": 403,
}

#: An @mention as X links one, written independently of the publisher's own pattern.
_MENTION = re.compile(
    r"(?:^|[^A-Za-z0-9_!#$%&*@\uff20])[@\uff20]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_])"
)


def problem(status: int, title: str, detail: str, type_: str = "about:blank") -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": type_, "status": status}


class FakeX(FakeServer):
    name = "x"
    routes = [
        ("POST", r"/2/tweets", "create"),
        ("GET", r"/2/users/me", "me"),
        ("GET", r"/2/users/(?P<user_id>\d+)/tweets", "user_tweets"),
    ]

    def __init__(self, port: int = 0, **kwargs: Any) -> None:
        config = kwargs.pop("config", None) or DEFAULT_CONFIG
        super().__init__(port, config=config, **kwargs)
        self.refuse_mentions: bool = bool(self.config.get("refuse_mentions"))
        """Refuse automated @mentions (X's self-serve tiers since 2026-02-23)."""

    def mention_refusal(self, **fields: Any) -> Response:
        """The 403 for a post with an @mention: the configured body, ``fields`` over it."""
        body = dict(self.config.get("mention_refusal") or MENTION_REFUSAL)
        body |= {k: v for k, v in fields.items() if v is not None}
        return Response(403, body)

    # -- state --------------------------------------------------------------------------

    def reset_state(self) -> None:
        self.tweets: list[dict[str, Any]] = []
        self._ids = itertools.count(1_800_000_000_000_000_001)

    def apply(self, event: dict[str, Any]) -> None:
        if event["type"] == "tweet":
            self.tweets.append(event)
            self._ids = itertools.count(int(event["id"]) + 1)

    def snapshot(self) -> dict[str, Any]:
        return {"tweets": list(self.tweets)}

    @property
    def app(self) -> dict[str, str]:
        return self.config["app"]

    @property
    def users(self) -> list[dict[str, str]]:
        return self.config["users"]

    def user(self, username: str) -> dict[str, str]:
        return next(u for u in self.users if u["username"] == username)

    def texts(self, username: str | None = None) -> list[str]:
        """Texts of the posts created (for one account, or all)."""
        with self.lock:
            return [t["text"] for t in self.tweets if username is None or t["username"] == username]

    # -- faults ---------------------------------------------------------------------------

    def make_fault(self, kind: str, **params: Any) -> Fault:
        now = int(self.clock())
        if kind == "rate_limited":
            reset = now + int(params.get("reset_in", 900))
            window = params.get("window", "15min")
            headers = {
                "x-rate-limit-limit": str(self.config["limits"]["window"]),
                "x-rate-limit-remaining": "0" if window == "15min" else "42",
                "x-rate-limit-reset": str(reset if window == "15min" else now + 900),
            }
            if window == "user_24h":
                headers |= {
                    "x-user-limit-24hour-limit": str(self.config["limits"]["user_24h"]),
                    "x-user-limit-24hour-remaining": "0",
                    "x-user-limit-24hour-reset": str(reset),
                }
            if window == "app_24h":
                headers |= {
                    "x-app-limit-24hour-limit": str(self.config["limits"]["app_24h"]),
                    "x-app-limit-24hour-remaining": "0",
                    "x-app-limit-24hour-reset": str(reset),
                }
            return Fault.status(
                Response(429, problem(429, "Too Many Requests", "Too Many Requests"), headers)
            )
        if kind == "usage_capped":
            headers = {
                "x-rate-limit-limit": str(self.config["limits"]["window"]),
                "x-rate-limit-remaining": str(self.config["limits"]["window"] - 1),
                "x-rate-limit-reset": str(now + 900),
            }
            return Fault.status(Response(429, dict(USAGE_CAPPED_BODY), headers))
        if kind == "mentions_refused":
            return Fault.status(
                self.mention_refusal(detail=params.get("detail"), type=params.get("type"))
            )
        if kind == "server_error":
            status = int(params.get("status", 503))
            titles = {
                500: "Internal Server Error",
                502: "Bad Gateway",
                503: "Service Unavailable",
                504: "Gateway Timeout",
            }
            title = titles.get(status, "Server Error")
            return Fault.status(Response(status, problem(status, title, title)))
        if kind == "unauthorized":
            return Fault.status(Response(401, problem(401, "Unauthorized", "Unauthorized")))
        if kind == "payment":
            return Fault.status(
                Response(
                    402,
                    {
                        "title": "Payment Required",
                        "detail": "credits depleted",
                        "type": "https://api.x.com/2/problems/credits-depleted",
                        "status": 402,
                    },
                )
            )
        if kind == "forbidden_permissions":
            return Fault.status(
                Response(
                    403,
                    problem(
                        403,
                        "Forbidden",
                        "Your client app is not configured with the appropriate oauth1 app "
                        "permissions for this endpoint.",
                        "https://api.twitter.com/2/problems/oauth1-permissions",
                    ),
                )
            )
        return super().make_fault(kind, **params)

    # -- OAuth 1.0a ---------------------------------------------------------------------------

    def authenticate(self, request: Request) -> dict[str, str] | Response:
        """The user whose tokens signed ``request``, or the 401 X would send."""
        unauthorized = Response(401, problem(401, "Unauthorized", "Unauthorized"))
        header = request.header("Authorization") or ""
        if not header.startswith("OAuth "):
            return unauthorized
        oauth = dict(utils.parse_authorization_header(header))
        if oauth.get("oauth_consumer_key") != self.app["consumer_key"]:
            return unauthorized
        user = next((u for u in self.users if u["access_token"] == oauth.get("oauth_token")), None)
        if user is None:
            return unauthorized
        uri = f"http://{request.header('Host')}{request.path}"
        params = signature.collect_parameters(
            uri_query=request.raw_query,
            headers={"Authorization": header},
            exclude_oauth_signature=True,
        )
        base = signature.signature_base_string(
            request.method, signature.base_string_uri(uri), signature.normalize_parameters(params)
        )
        expected = signature.sign_hmac_sha1_with_client(
            base,
            SimpleNamespace(
                client_secret=self.app["consumer_secret"],
                resource_owner_secret=user["access_token_secret"],
            ),
        )
        if not signature.safe_string_equals(
            expected, utils.unescape(oauth.get("oauth_signature", ""))
        ):
            return unauthorized
        return user

    # -- routes ---------------------------------------------------------------------------------

    def _limit_headers(self, user_id: str) -> dict[str, str]:
        now = self.clock()
        limits = self.config["limits"]
        window = limits["window_seconds"]
        mine = [t for t in self.tweets if t["user_id"] == user_id]
        in_window = [t for t in mine if t["time"] > now - window]
        in_day = [t for t in mine if t["time"] > now - 86400]
        app_day = [t for t in self.tweets if t["time"] > now - 86400]
        window_reset = int((in_window[0]["time"] if in_window else now) + window)
        day_reset = int((in_day[0]["time"] if in_day else now) + 86400)
        app_reset = int((app_day[0]["time"] if app_day else now) + 86400)
        return {
            "x-rate-limit-limit": str(limits["window"]),
            "x-rate-limit-remaining": str(max(0, limits["window"] - len(in_window))),
            "x-rate-limit-reset": str(window_reset),
            "x-user-limit-24hour-limit": str(limits["user_24h"]),
            "x-user-limit-24hour-remaining": str(max(0, limits["user_24h"] - len(in_day))),
            "x-user-limit-24hour-reset": str(day_reset),
            "x-app-limit-24hour-limit": str(limits["app_24h"]),
            "x-app-limit-24hour-remaining": str(max(0, limits["app_24h"] - len(app_day))),
            "x-app-limit-24hour-reset": str(app_reset),
        }

    def create(self, request: Request) -> Response:
        user = self.authenticate(request)
        if isinstance(user, Response):
            return user
        body = request.json or {}
        text = body.get("text")
        with self.lock:
            headers = self._limit_headers(user["id"])
            if self.config.get("enforce_limits") and (
                headers["x-rate-limit-remaining"] == "0"
                or headers["x-user-limit-24hour-remaining"] == "0"
            ):
                return Response(
                    429, problem(429, "Too Many Requests", "Too Many Requests"), headers
                )
            if not isinstance(text, str) or not text.strip():
                return Response(
                    400,
                    {
                        "errors": [
                            {
                                "parameters": {"text": [text]},
                                "message": "Post text must not be empty.",
                            }
                        ],
                        "title": "Invalid Request",
                        "detail": "One or more parameters to your request was invalid.",
                        "type": "https://api.twitter.com/2/problems/invalid-request",
                    },
                    headers,
                )
            if not parse_tweet(text).valid:
                return Response(
                    403, problem(403, "Forbidden", "Tweet needs to be a bit shorter."), headers
                )
            if self.refuse_mentions and _MENTION.search(text):
                self.reject("mention", username=user["username"], text=text)
                refusal = self.mention_refusal()
                return Response(refusal.status, refusal.body, headers)
            if any(t["user_id"] == user["id"] and t["text"] == text for t in self.tweets):
                self.reject("duplicate", username=user["username"], text=text)
                return Response(403, problem(403, "Forbidden", DUPLICATE_DETAIL), headers)
            tweet_id = str(next(self._ids))
            self.record(
                {
                    "type": "tweet",
                    "id": tweet_id,
                    "user_id": user["id"],
                    "username": user["username"],
                    "text": text,
                    "time": self.clock(),
                }
            )
            headers = self._limit_headers(user["id"])
        return Response(
            201,
            {
                "data": {
                    "id": tweet_id,
                    "text": text,
                    "edit_history_tweet_ids": [tweet_id],
                }
            },
            headers,
        )

    def me(self, request: Request) -> Response:
        user = self.authenticate(request)
        if isinstance(user, Response):
            return user
        headers = {
            "x-rate-limit-limit": "75",
            "x-rate-limit-remaining": "74",
            "x-rate-limit-reset": str(int(self.clock()) + 900),
        }
        return Response(
            200,
            {
                "data": {
                    "id": user["id"],
                    "name": user["name"],
                    "username": user["username"],
                }
            },
            headers,
        )

    def user_tweets(self, request: Request, user_id: str) -> Response:
        user = self.authenticate(request)
        if isinstance(user, Response):
            return user
        limit = int(request.query.get("max_results", 10))
        with self.lock:
            mine = [t for t in self.tweets if t["user_id"] == user_id][::-1][:limit]
        data = []
        for number, tweet in enumerate(mine):
            text, urls, offset = tweet["text"], [], 0
            for found in extract_urls_with_indices(tweet["text"]):
                short = f"https://t.co/fake{number:03d}{len(urls):02d}"
                start, end = found["indices"]
                text = text[: start + offset] + short + text[end + offset :]
                urls.append(
                    {
                        "start": start + offset,
                        "end": start + offset + len(short),
                        "url": short,
                        "expanded_url": found["url"],
                        "display_url": found["url"].split("://")[-1],
                    }
                )
                offset += len(short) - (end - start)
            item: dict[str, Any] = {
                "id": tweet["id"],
                "text": html.escape(text, quote=False),
                "edit_history_tweet_ids": [tweet["id"]],
            }
            if urls:
                item["entities"] = {"urls": urls}
            data.append(item)
        meta: dict[str, Any] = {"result_count": len(data)}
        if data:
            meta |= {"newest_id": data[0]["id"], "oldest_id": data[-1]["id"]}
        return Response(200, {"data": data, "meta": meta} if data else {"meta": meta})


if __name__ == "__main__":
    main(FakeX)
