"""A fake Graph API that answers as graph.facebook.com does, for facebook-sdk.

Routes, under a version prefix (``/v26.0/``; the versions called are recorded):
``POST /{page-id}/feed`` (form fields ``message``, ``link``, ``access_token``),
``GET /{page-id}/posts``, ``GET /me`` and ``GET /{id}``.

Versions as Graph serves them: ``vMAJOR.MINOR`` with no leading zeros. One of
``"versions"`` (config; :data:`SERVED_VERSIONS`) is answered as itself, an
older well-formed one is upgraded to the oldest served (Meta's rule for
retired versions), and anything else (``v26``, ``26.0``, ``v26.00``, a version
not released yet) is refused with code 2500 "Unknown path components". Every
answer names the version used in a ``facebook-api-version`` header.

``appsecret_proof``: with ``"app_secret"`` in the config, a proof that is sent
is checked (HMAC-SHA256 of the token, keyed with the secret, hex); with
``"require_appsecret_proof": True`` (the app's "Require App Secret" switch) a
call without one is refused. Both answers are Graph's code 100.

The token comes from ``access_token`` (query or form) or an ``Authorization:
OAuth|Bearer`` header. Errors use Meta's body ``{"error": {"message", "type",
"code", "error_subcode", "fbtrace_id"}}``: an unknown token is 190, a user
token posting to a Page is 200 (missing ``pages_manage_posts``), a message equal
to the Page's latest post is 506 (duplicate). Answers carry ``x-app-usage`` and
``x-business-use-case-usage`` headers.

Fault kinds: ``graph_error`` (``code``, optional ``subcode``, ``status``,
``regain_minutes`` for the business-use-case header, ``user_title`` and
``user_msg``), ``expired_token``, ``rate_limited`` (``code``, default 32),
``app_limit`` (341, "Application limit reached"), ``viewer_permission`` (code 1,
subcode 2853006, "Viewer doesn't have permission"), ``capability`` (code 3),
``server_error`` (code 2, transient, HTTP 500), ``bad_gateway`` (an HTML 502
from Meta's edge), ``policy_block`` (368), plus the common
``timeout``/``hang``/``drop``.

Standalone: ``python -m tests.fakes.facebook --port 8402 --state-file fb.jsonl``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from tests.fakes._server import FakeServer, Fault, Request, Response, main

DEFAULT_CONFIG: dict[str, Any] = {
    "pages": [
        {
            "id": "104857600000001",
            "name": "Missouri Child Advocacy",
            "token": "EAAFakePageTokenDefault0001xyz",
        },
        {
            "id": "104857600000002",
            "name": "Missouri Coalition",
            "token": "EAAFakePageTokenCoalition0002xyz",
        },
    ],
    "users": [
        {"id": "100000000000777", "name": "Pat Organizer", "token": "EAAFakeUserToken0777xyz"},
    ],
    # The app's secret (checked when a proof is sent) and its "Require App Secret" switch.
    "app_secret": "fake-facebook-app-secret-0001",
    "require_appsecret_proof": False,
}

#: The Graph API versions the fake serves, oldest first (each lives about two years).
SERVED_VERSIONS = ("v21.0", "v22.0", "v23.0", "v24.0", "v25.0", "v26.0")

#: A version as Graph spells one: no leading zeros, one dot.
_VERSION = re.compile(r"v(0|[1-9]\d*)\.(0|[1-9]\d*)")

MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: "(#80001) There have been too many calls to this Page account. "
    "Wait a bit and try again.",
    200: "(#200) If posting to a page, requires both pages_read_engagement and "
    "pages_manage_posts as an admin with sufficient administrative permission",
    368: "It looks like you were misusing this feature by going too fast. "
    "You\u2019ve been temporarily blocked from using it.",
    506: "(#506) Duplicate status message",
    100: "(#100) Invalid parameter",
    2: "An unexpected error has occurred. Please retry your request later.",
    1: "An unknown error has occurred.",
    3: "(#3) Application does not have the capability to make this API call.",
    341: "(#341) Application limit reached",
    190: "Invalid OAuth access token - Cannot parse access token",
}


def graph_error(
    code: int,
    *,
    subcode: int | None = None,
    message: str | None = None,
    transient: bool | None = None,
    type_: str = "OAuthException",
    user_title: str | None = None,
    user_msg: str | None = None,
) -> dict[str, Any]:
    """Meta's error body: ``{"error": {"message", "type", "code", "error_subcode",
    "is_transient", "error_user_title", "error_user_msg", "fbtrace_id"}}``."""
    error: dict[str, Any] = {
        "message": message or MESSAGES.get(code, f"(#{code}) Error"),
        "type": type_,
        "code": code,
        "fbtrace_id": "A" + secrets.token_urlsafe(12),
    }
    if subcode:
        error["error_subcode"] = subcode
    if transient is not None:
        error["is_transient"] = transient
    if user_title:
        error["error_user_title"] = user_title
    if user_msg:
        error["error_user_msg"] = user_msg
    return {"error": error}


def proof_for(app_secret: str, token: str) -> str:
    """The ``appsecret_proof`` Graph expects (computed here independently of the bot)."""
    return hmac.new(app_secret.encode("utf-8"), token.encode("utf-8"), hashlib.sha256).hexdigest()


class FakeFacebook(FakeServer):
    name = "facebook"
    routes = [
        ("POST", r"/(?P<version>[^/]+)/(?P<node>[^/]+)/feed", "feed"),
        ("GET", r"/(?P<version>[^/]+)/(?P<node>[^/]+)/posts", "page_posts"),
        ("GET", r"/(?P<version>[^/]+)/(?P<node>[^/]+)", "node"),
    ]

    def __init__(self, port: int = 0, **kwargs: Any) -> None:
        config = kwargs.pop("config", None) or DEFAULT_CONFIG
        super().__init__(port, config=config, **kwargs)

    def reset_state(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.versions: list[str] = []
        self._numbers = itertools.count(1_000_000_001)

    def apply(self, event: dict[str, Any]) -> None:
        if event["type"] == "post":
            self.posts.append(event)
            self._numbers = itertools.count(int(event["id"].split("_")[1]) + 1)

    def snapshot(self) -> dict[str, Any]:
        return {"posts": list(self.posts), "versions": sorted(set(self.versions))}

    def page(self, page_id: str) -> dict[str, str]:
        return next(p for p in self.config["pages"] if p["id"] == page_id)

    def messages(self, page_id: str | None = None) -> list[str]:
        with self.lock:
            return [p["message"] for p in self.posts if page_id is None or p["page_id"] == page_id]

    # -- faults ---------------------------------------------------------------------------

    def _usage_headers(
        self, page_id: str | None = None, regain_minutes: int = 0, calls: int = 1
    ) -> dict[str, str]:
        headers = {
            "x-app-usage": json.dumps({"call_count": calls, "total_cputime": 1, "total_time": 1})
        }
        if page_id:
            headers["x-business-use-case-usage"] = json.dumps(
                {
                    page_id: [
                        {
                            "type": "pages",
                            "call_count": calls,
                            "total_cputime": 1,
                            "total_time": 1,
                            "estimated_time_to_regain_access": regain_minutes,
                        }
                    ]
                }
            )
        return headers

    def make_fault(self, kind: str, **params: Any) -> Fault:
        page_id = self.config["pages"][0]["id"]
        if kind == "graph_error":
            code = int(params["code"])
            regain = int(params.get("regain_minutes", 0))
            return Fault.status(
                Response(
                    int(params.get("status", 400)),
                    graph_error(
                        code,
                        subcode=params.get("subcode"),
                        message=params.get("message"),
                        transient=params.get("transient"),
                        user_title=params.get("user_title"),
                        user_msg=params.get("user_msg"),
                    ),
                    self._usage_headers(page_id, regain, calls=100 if regain else 1),
                )
            )
        if kind == "rate_limited":
            return self.make_fault(
                "graph_error",
                code=params.get("code", 32),
                regain_minutes=params.get("regain_minutes", 17),
            )
        if kind == "app_limit":
            return self.make_fault("graph_error", code=341, **params)
        if kind == "capability":
            return self.make_fault("graph_error", code=3, **params)
        if kind == "viewer_permission":
            return self.make_fault(
                "graph_error",
                code=1,
                subcode=2853006,
                transient=False,
                user_title="Viewer doesn't have permission",
                user_msg="The viewer doesn't have permission to perform this action on the Page.",
                **params,
            )
        if kind == "expired_token":
            now = datetime.now(UTC)
            return Fault.status(
                Response(
                    400,
                    graph_error(
                        190,
                        subcode=463,
                        message="Error validating access token: Session has expired on "
                        f"{now:%A, %d-%b-%y %H:%M:%S} PDT. The current time is "
                        f"{now:%A, %d-%b-%y %H:%M:%S} PDT.",
                    ),
                )
            )
        if kind == "server_error":
            return Fault.status(Response(500, graph_error(2, transient=True)))
        if kind == "bad_gateway":
            return Fault.status(
                Response(
                    502,
                    "<html><body><h1>502 Bad Gateway</h1></body></html>",
                    content_type="text/html; charset=utf-8",
                )
            )
        if kind == "policy_block":
            return Fault.status(Response(400, graph_error(368, subcode=1390008)))
        return super().make_fault(kind, **params)

    # -- routes ------------------------------------------------------------------------------

    def _token(self, request: Request) -> str | None:
        token = request.params.get("access_token")
        if token:
            return token
        header = request.header("Authorization") or ""
        for scheme in ("OAuth ", "Bearer "):
            if header.startswith(scheme):
                return header[len(scheme) :]
        return None

    def served_version(self, version: str) -> str | None:
        """The version Graph answers a call to ``version`` with, or None if it refuses it."""
        served = list(self.config.get("versions") or SERVED_VERSIONS)
        match = _VERSION.fullmatch(version)
        if match is None:
            return None
        if version in served:
            return version
        asked = (int(match.group(1)), int(match.group(2)))
        oldest = min(served, key=lambda v: tuple(int(n) for n in v[1:].split(".")))
        if asked < tuple(int(n) for n in oldest[1:].split(".")):
            return oldest  # a retired version is upgraded to the oldest one served
        return None

    def _who(self, request: Request, version: str) -> tuple[str, dict[str, str]] | Response:
        """The page or user calling (after Graph's version and app secret checks)."""
        self.versions.append(version)
        if self.served_version(version) is None:
            rest = request.path[len(version) + 1 :]
            return Response(
                400,
                graph_error(2500, message=f"Unknown path components: /{version}{rest}"),
            )
        token = self._token(request)
        found = next(
            (
                (kind, entity)
                for kind in ("pages", "users")
                for entity in self.config[kind]
                if token and entity["token"] == token
            ),
            None,
        )
        if found is None:
            return Response(400, graph_error(190))
        proof = request.params.get("appsecret_proof")
        secret = self.config.get("app_secret")
        if proof is None and self.config.get("require_appsecret_proof"):
            return Response(
                400,
                graph_error(
                    100,
                    message="API calls from the server require an appsecret_proof argument",
                    type_="GraphMethodException",
                ),
            )
        if (
            proof is not None
            and secret
            and not hmac.compare_digest(proof, proof_for(secret, token or ""))
        ):
            return Response(
                400,
                graph_error(
                    100,
                    message="Invalid appsecret_proof provided in the API argument",
                    type_="GraphMethodException",
                ),
            )
        return found

    def answer(self, response: Response, version: str) -> Response:
        """``response`` with the ``facebook-api-version`` header Graph adds."""
        served = self.served_version(version)
        if served:
            response.headers = {**response.headers, "facebook-api-version": served}
        return response

    def feed(self, request: Request, version: str, node: str) -> Response:
        return self.answer(self._feed(request, version, node), version)

    def page_posts(self, request: Request, version: str, node: str) -> Response:
        return self.answer(self._page_posts(request, version, node), version)

    def node(self, request: Request, version: str, node: str) -> Response:
        return self.answer(self._node(request, version, node), version)

    def _feed(self, request: Request, version: str, node: str) -> Response:
        who = self._who(request, version)
        if isinstance(who, Response):
            return who
        kind, entity = who
        if kind != "pages" or entity["id"] != node:
            return Response(403, graph_error(200))
        params = request.params
        message, link = params.get("message"), params.get("link")
        if not message and not link:
            return Response(400, graph_error(100, message="(#100) Missing message or attachment"))
        with self.lock:
            mine = [p for p in self.posts if p["page_id"] == node]
            if mine and message and mine[-1]["message"] == message:
                self.reject("duplicate", page_id=node, message=message)
                return Response(400, graph_error(506), self._usage_headers(node))
            post_id = f"{node}_{next(self._numbers)}"
            self.record(
                {
                    "type": "post",
                    "id": post_id,
                    "page_id": node,
                    "message": message or "",
                    "link": link,
                    "version": version,
                    "time": time.time(),
                }
            )
        return Response(200, {"id": post_id}, self._usage_headers(node))

    def _page_posts(self, request: Request, version: str, node: str) -> Response:
        who = self._who(request, version)
        if isinstance(who, Response):
            return who
        limit = int(request.params.get("limit", 25))
        with self.lock:
            mine = [p for p in self.posts if p["page_id"] == node][::-1][:limit]
        data = [
            {
                "id": p["id"],
                "message": p["message"],
                "created_time": datetime.fromtimestamp(p["time"], UTC).strftime(
                    "%Y-%m-%dT%H:%M:%S+0000"
                ),
                "permalink_url": f"https://www.facebook.com/{node}/posts/{p['id'].split('_')[1]}",
            }
            for p in mine
        ]
        return Response(200, {"data": data}, self._usage_headers(node))

    def _node(self, request: Request, version: str, node: str) -> Response:
        who = self._who(request, version)
        if isinstance(who, Response):
            return who
        kind, entity = who
        if node == "me":
            target = entity
        else:
            target = next(
                (e for k in ("pages", "users") for e in self.config[k] if e["id"] == node), None
            )
            if target is None:
                return Response(
                    400,
                    graph_error(
                        100,
                        subcode=33,
                        message=f"Unsupported get request. Object with ID '{node}' does not exist",
                    ),
                )
        fields = (request.params.get("fields") or "id,name").split(",")
        body = {f: target[f] for f in fields if f in target and f != "token"}
        body.setdefault("id", target["id"])
        return Response(200, body, self._usage_headers(entity["id"] if kind == "pages" else None))


if __name__ == "__main__":
    main(FakeFacebook)
