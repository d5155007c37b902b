"""A fake Mastodon instance that answers as Mastodon 4.x does, for Mastodon.py.

Routes: ``POST /api/v1/statuses`` (form fields, ``Idempotency-Key`` header),
``GET /api/v2/instance``, ``GET /api/v1/accounts/verify_credentials``,
``GET /api/v1/accounts/:id/statuses``.

Like Mastodon: the ``Idempotency-Key`` is remembered per account for an hour
and a repeat returns the status already created (no second status); a status
without ``visibility`` takes the account's default privacy (``private`` for the
default account here, so a publisher that forgets to send it is caught);
length is validated against ``configuration.statuses.max_characters`` by
:mod:`tests.fakes.mastodon_validator`, a port of Mastodon's own
``StatusLengthValidator`` kept apart from the project's counter (422
"Validation failed: Text character limit of N exceeded"); scopes are enforced
(403 "This action is outside the authorized scopes"); answers carry
``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset``
(ISO 8601, or Unix seconds as GoToSocial sends them with ``"reset_format":
"epoch"``).

Statuses are stored and rendered as Mastodon does: the text is kept as written
and ``content`` is HTML in which URLs (Mastodon's extractor) become links and a
mention becomes a link showing the mentioned account's own ``@username`` only if
the instance can resolve that account (its local accounts and
``remote_accounts``, matched without regard to case). A mention it cannot
resolve stays plain text, ``@user@domain`` as written.

Fault kinds: ``rate_limited`` (``reset_in``, ``reset_format``), ``server_error``
(``status``, default 503), ``unauthorized``, plus the common
``timeout``/``hang``/``drop``/``garbled``.

Standalone: ``python -m tests.fakes.mastodon --port 8404 --state-file m.jsonl``.
"""

from __future__ import annotations

import html
import itertools
from datetime import UTC, datetime
from typing import Any

from tests.fakes import mastodon_validator
from tests.fakes._server import FakeServer, Fault, Request, Response, main

DEFAULT_CONFIG: dict[str, Any] = {
    "domain": "mastodon.example",
    "max_characters": 500,
    "characters_reserved_per_url": 23,
    "statuses_per_3h": 300,
    "reset_format": "iso",
    #: Accounts on other servers this instance knows (a mention of any other stays text).
    "remote_accounts": [
        {"id": "110000000000000001", "username": "SenatorSmith", "domain": "senate.social"},
    ],
    "accounts": [
        {
            "id": "109000000000000001",
            "username": "moadvocacy",
            "display_name": "Missouri Advocacy",
            "token": "fake-mastodon-token-default-0001",
            "scopes": ["write:statuses", "read:accounts"],
            "default_privacy": "private",
        },
        {
            "id": "109000000000000002",
            "username": "readonly",
            "display_name": "Read Only",
            "token": "fake-mastodon-token-readonly-0002",
            "scopes": ["read:accounts"],
            "default_privacy": "public",
        },
    ],
}

IDEMPOTENCY_SECONDS = 3600


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class FakeMastodon(FakeServer):
    name = "mastodon"
    routes = [
        ("POST", r"/api/v1/statuses", "create"),
        ("GET", r"/api/v2/instance/?", "instance"),
        ("GET", r"/api/v1/accounts/verify_credentials", "verify_credentials"),
        ("GET", r"/api/v1/accounts/(?P<account_id>\d+)/statuses", "account_statuses"),
    ]

    def __init__(self, port: int = 0, **kwargs: Any) -> None:
        config = kwargs.pop("config", None) or DEFAULT_CONFIG
        super().__init__(port, config=config, **kwargs)

    def reset_state(self) -> None:
        self.statuses: list[dict[str, Any]] = []
        self.idempotency: dict[tuple[str, str], tuple[str, float]] = {}
        self._ids = itertools.count(113_000_000_000_000_001)

    def apply(self, event: dict[str, Any]) -> None:
        if event["type"] == "status":
            self.statuses.append(event)
            if event.get("idempotency_key"):
                self.idempotency[(event["account_id"], event["idempotency_key"])] = (
                    event["id"],
                    event["time"],
                )
            self._ids = itertools.count(int(event["id"]) + 1)

    def snapshot(self) -> dict[str, Any]:
        return {"statuses": list(self.statuses)}

    def texts(self, username: str | None = None) -> list[str]:
        with self.lock:
            return [
                s["text"] for s in self.statuses if username is None or s["username"] == username
            ]

    def account(self, username: str) -> dict[str, Any]:
        return next(a for a in self.config["accounts"] if a["username"] == username)

    # -- wire format ------------------------------------------------------------------------

    def _rate_headers(self, account_id: str | None) -> dict[str, str]:
        now = self.clock()
        limit = self.config["statuses_per_3h"]
        recent = [
            s for s in self.statuses if s["account_id"] == account_id and s["time"] > now - 3 * 3600
        ]
        reset = (recent[0]["time"] if recent else now) + 3 * 3600
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - len(recent))),
            "X-RateLimit-Reset": self._reset(reset),
        }

    def _reset(self, ts: float, reset_format: str | None = None) -> str:
        """``X-RateLimit-Reset`` as Mastodon (ISO 8601) or GoToSocial (Unix seconds) sends it."""
        if (reset_format or self.config.get("reset_format")) == "epoch":
            return str(int(ts))
        return iso(ts)

    def _account_json(self, account: dict[str, Any], source: bool = False) -> dict[str, Any]:
        domain = self.config["domain"]
        body: dict[str, Any] = {
            "id": account["id"],
            "username": account["username"],
            "acct": account["username"],
            "display_name": account["display_name"],
            "locked": False,
            "bot": account.get("bot", True),
            "discoverable": True,
            "group": False,
            "created_at": "2024-01-01T00:00:00.000Z",
            "note": "",
            "url": f"https://{domain}/@{account['username']}",
            "uri": f"https://{domain}/users/{account['username']}",
            "avatar": f"https://{domain}/avatars/original/missing.png",
            "avatar_static": f"https://{domain}/avatars/original/missing.png",
            "header": f"https://{domain}/headers/original/missing.png",
            "header_static": f"https://{domain}/headers/original/missing.png",
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": sum(1 for s in self.statuses if s["account_id"] == account["id"]),
            "last_status_at": None,
            "emojis": [],
            "fields": [],
        }
        if source:
            body["source"] = {
                "privacy": account.get("default_privacy", "public"),
                "sensitive": False,
                "language": "",
                "note": "",
                "fields": [],
                "follow_requests_count": 0,
            }
        return body

    def _resolve(self, screen_name: str) -> dict[str, Any] | None:
        """The account a mention names, if this instance knows it (case does not matter)."""
        username, _, domain = screen_name.partition("@")
        if not domain or domain.lower() == self.config["domain"].lower():
            candidates = [{**a, "domain": None} for a in self.config["accounts"]]
        else:
            candidates = [
                a
                for a in self.config.get("remote_accounts", [])
                if a["domain"].lower() == domain.lower()
            ]
        return next((a for a in candidates if a["username"].lower() == username.lower()), None)

    def _entities(self, text: str) -> list[dict[str, Any]]:
        """Links and resolvable mentions, as Mastodon's TextFormatter finds them."""
        found = mastodon_validator.extract_urls_with_indices(text)
        for mention in mastodon_validator.extract_mentions_or_lists_with_indices(text):
            account = self._resolve(mention["screen_name"])
            if account is not None:
                found.append({**mention, "account": account})
        return mastodon_validator.remove_overlapping_entities(found)

    def _html(self, text: str) -> str:
        domain = self.config["domain"]
        out, last = [], 0
        for entity in self._entities(text):
            start, end = entity["indices"]
            out.append(html.escape(text[last:start]))
            if "account" in entity:
                account = entity["account"]
                host = account.get("domain") or domain
                out.append(
                    f'<span class="h-card" translate="no"><a href="https://{host}/@'
                    f'{account["username"]}" class="u-url mention">@<span>'
                    f"{html.escape(account['username'])}</span></a></span>"
                )
            else:
                token = entity["url"]
                scheme, _, rest = token.partition("://")
                out.append(
                    f'<a href="{html.escape(token)}" target="_blank" rel="nofollow '
                    f'noopener noreferrer" translate="no"><span class="invisible">'
                    f'{scheme}://</span><span class="ellipsis">{html.escape(rest[:30])}'
                    f'</span><span class="invisible">{html.escape(rest[30:])}</span></a>'
                )
            last = end
        out.append(html.escape(text[last:]))
        rendered = "".join(out).replace("\r\n", "\n")
        return "".join(
            "<p>" + "<br />".join(paragraph.split("\n")) + "</p>"
            for paragraph in rendered.split("\n\n")
        )

    def _status_json(self, status: dict[str, Any]) -> dict[str, Any]:
        account = next(a for a in self.config["accounts"] if a["id"] == status["account_id"])
        domain = self.config["domain"]
        mentions = [
            {
                "id": entity["account"]["id"],
                "username": entity["account"]["username"],
                "acct": entity["account"]["username"]
                + (f"@{entity['account']['domain']}" if entity["account"].get("domain") else ""),
                "url": f"https://{entity['account'].get('domain') or domain}/@"
                f"{entity['account']['username']}",
            }
            for entity in self._entities(status["text"])
            if "account" in entity
        ]
        return {
            "id": status["id"],
            "created_at": iso(status["time"]),
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": status["visibility"],
            "language": status.get("language"),
            "uri": f"https://{domain}/users/{account['username']}/statuses/{status['id']}",
            "url": f"https://{domain}/@{account['username']}/{status['id']}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "edited_at": None,
            "favourited": False,
            "reblogged": False,
            "muted": False,
            "bookmarked": False,
            "pinned": False,
            "content": self._html(status["text"]),
            "filtered": [],
            "reblog": None,
            "application": {"name": "advocacy-bot", "website": None},
            "account": self._account_json(account),
            "media_attachments": [],
            "mentions": mentions,
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
        }

    def length(self, text: str) -> int:
        """Mastodon's count (the fake's own port, never the project's counter)."""
        return mastodon_validator.countable_length(
            text, url_chars=self.config["characters_reserved_per_url"]
        )

    # -- faults ----------------------------------------------------------------------------------

    def make_fault(self, kind: str, **params: Any) -> Fault:
        if kind == "rate_limited":
            reset = self.clock() + float(params.get("reset_in", 300))
            return Fault.status(
                Response(
                    429,
                    {"error": "Too many requests"},
                    {
                        "X-RateLimit-Limit": str(self.config["statuses_per_3h"]),
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset": self._reset(reset, params.get("reset_format")),
                    },
                )
            )
        if kind == "server_error":
            status = int(params.get("status", 503))
            return Fault.status(
                Response(
                    status,
                    "<html><body>We're sorry, but something went wrong.</body></html>",
                    content_type="text/html",
                )
            )
        if kind == "unauthorized":
            return Fault.status(Response(401, {"error": "The access token is invalid"}))
        return super().make_fault(kind, **params)

    # -- routes ------------------------------------------------------------------------------------

    def _auth(self, request: Request, *scopes: str) -> dict[str, Any] | Response | None:
        header = request.header("Authorization") or ""
        if not header.startswith("Bearer "):
            return None
        token = header[len("Bearer ") :]
        account = next((a for a in self.config["accounts"] if a["token"] == token), None)
        if account is None:
            return Response(401, {"error": "The access token is invalid"})
        granted = set(account["scopes"])
        if scopes and not any(s in granted or s.split(":")[0] in granted for s in scopes):
            return Response(403, {"error": "This action is outside the authorized scopes"})
        return account

    def create(self, request: Request) -> Response:
        account = self._auth(request, "write:statuses")
        if account is None:
            return Response(401, {"error": "The access token is invalid"})
        if isinstance(account, Response):
            return account
        params = request.params
        text = params.get("status", "")
        key = request.header("Idempotency-Key")
        headers = self._rate_headers(account["id"])
        with self.lock:
            if key:
                seen = self.idempotency.get((account["id"], key))
                if seen and seen[1] > self.clock() - IDEMPOTENCY_SECONDS:
                    self.reject("idempotent_replay", username=account["username"], key=key)
                    status = next(s for s in self.statuses if s["id"] == seen[0])
                    return Response(200, self._status_json(status), headers)
            if headers["X-RateLimit-Remaining"] == "0":
                return Response(429, {"error": "Too many requests"}, headers)
            if not text.strip():
                return Response(422, {"error": "Validation failed: Text can't be blank"}, headers)
            limit = self.config["max_characters"]
            if self.length(text) > limit:
                return Response(
                    422,
                    {"error": f"Validation failed: Text character limit of {limit} exceeded"},
                    headers,
                )
            visibility = params.get("visibility") or account.get("default_privacy", "public")
            if visibility not in {"public", "unlisted", "private", "direct"}:
                return Response(
                    422,
                    {"error": "Validation failed: Visibility is not included in the list"},
                    headers,
                )
            event = {
                "type": "status",
                "id": str(next(self._ids)),
                "account_id": account["id"],
                "username": account["username"],
                "text": text,
                "visibility": visibility,
                "visibility_param": params.get("visibility"),
                "language": params.get("language"),
                "idempotency_key": key,
                "time": self.clock(),
            }
            self.record(event)
            headers = self._rate_headers(account["id"])
            return Response(200, self._status_json(event), headers)

    def instance(self, request: Request) -> Response:
        domain = self.config["domain"]
        return Response(
            200,
            {
                "domain": domain,
                "title": "Fake Mastodon",
                "version": "4.3.2",
                "source_url": "https://github.com/mastodon/mastodon",
                "description": "A fake instance for tests.",
                "usage": {"users": {"active_month": 2}},
                "thumbnail": {"url": f"https://{domain}/packs/media/images/preview.png"},
                "languages": ["en", "fr"],
                "configuration": {
                    "urls": {"streaming": f"wss://{domain}", "status": None},
                    "vapid": {"public_key": ""},
                    "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
                    "statuses": {
                        "max_characters": self.config["max_characters"],
                        "max_media_attachments": 4,
                        "characters_reserved_per_url": self.config["characters_reserved_per_url"],
                    },
                    "media_attachments": {
                        "supported_mime_types": ["image/png"],
                        "image_size_limit": 16777216,
                        "image_matrix_limit": 33177600,
                        "video_size_limit": 103809024,
                        "video_frame_rate_limit": 120,
                        "video_matrix_limit": 8294400,
                    },
                    "polls": {
                        "max_options": 4,
                        "max_characters_per_option": 50,
                        "min_expiration": 300,
                        "max_expiration": 2629746,
                    },
                    "translation": {"enabled": False},
                },
                "registrations": {"enabled": False, "approval_required": False, "message": None},
                "api_versions": {"mastodon": 2},
                "contact": {"email": f"admin@{domain}", "account": None},
                "rules": [],
            },
        )

    def verify_credentials(self, request: Request) -> Response:
        account = self._auth(request, "read:accounts", "profile")
        if account is None:
            return Response(401, {"error": "The access token is invalid"})
        if isinstance(account, Response):
            return account
        return Response(
            200, self._account_json(account, source=True), self._rate_headers(account["id"])
        )

    def account_statuses(self, request: Request, account_id: str) -> Response:
        viewer = self._auth(request, "read:statuses")
        if isinstance(viewer, Response):
            return viewer
        limit = int(request.query.get("limit", 20))
        with self.lock:
            visible = {"public", "unlisted"} | ({"private"} if viewer else set())
            mine = [
                s
                for s in self.statuses
                if s["account_id"] == account_id and s["visibility"] in visible
            ][::-1][:limit]
            return Response(200, [self._status_json(s) for s in mine])


if __name__ == "__main__":
    main(FakeMastodon)
