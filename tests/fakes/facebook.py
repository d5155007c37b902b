"""A fake Graph API that answers as graph.facebook.com does, for facebook-sdk.

Routes (any ``/vNN.N/`` version; the versions called are recorded):
``POST /{page-id}/feed`` (form fields ``message``, ``link``, ``access_token``),
``GET /{page-id}/posts``, ``GET /me`` and ``GET /{id}``.

The token comes from ``access_token`` (query or form) or an ``Authorization:
OAuth|Bearer`` header. Errors use Meta's body ``{"error": {"message", "type",
"code", "error_subcode", "fbtrace_id"}}``: an unknown token is 190, a user
token posting to a Page is 200 (missing ``pages_manage_posts``), a message equal
to the Page's latest post is 506 (duplicate). Answers carry ``x-app-usage`` and
``x-business-use-case-usage`` headers.

Fault kinds: ``graph_error`` (``code``, optional ``subcode``, ``status``,
``regain_minutes`` for the business-use-case header), ``expired_token``,
``rate_limited`` (``code``, default 32), ``server_error`` (code 2, transient,
HTTP 500), ``bad_gateway`` (an HTML 502 from Meta's edge), ``policy_block``
(368), plus the common ``timeout``/``hang``/``drop``.

Standalone: ``python -m tests.fakes.facebook --port 8402 --state-file fb.jsonl``.
"""

from __future__ import annotations

import itertools
import json
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
}

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
    190: "Invalid OAuth access token - Cannot parse access token",
}


def graph_error(
    code: int, *, subcode: int | None = None, message: str | None = None, transient: bool = False
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": message or MESSAGES.get(code, f"(#{code}) Error"),
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "A" + secrets.token_urlsafe(12),
    }
    if subcode:
        error["error_subcode"] = subcode
    if transient:
        error["is_transient"] = True
    return {"error": error}


class FakeFacebook(FakeServer):
    name = "facebook"
    routes = [
        ("POST", r"/(?P<version>v\d+\.\d+)/(?P<node>[^/]+)/feed", "feed"),
        ("GET", r"/(?P<version>v\d+\.\d+)/(?P<node>[^/]+)/posts", "page_posts"),
        ("GET", r"/(?P<version>v\d+\.\d+)/(?P<node>[^/]+)", "node"),
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
                        transient=bool(params.get("transient")),
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

    def _who(self, request: Request) -> tuple[str, dict[str, str]] | Response:
        token = self._token(request)
        for kind in ("pages", "users"):
            for entity in self.config[kind]:
                if token and entity["token"] == token:
                    return kind, entity
        return Response(400, graph_error(190))

    def feed(self, request: Request, version: str, node: str) -> Response:
        self.versions.append(version)
        who = self._who(request)
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

    def page_posts(self, request: Request, version: str, node: str) -> Response:
        self.versions.append(version)
        who = self._who(request)
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

    def node(self, request: Request, version: str, node: str) -> Response:
        self.versions.append(version)
        who = self._who(request)
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
