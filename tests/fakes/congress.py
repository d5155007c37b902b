"""A fake Congress.gov API v3 (api.data.gov in front), for ``bills sync`` tests.

Serves bills from :attr:`FakeCongress.bills`, keyed by ``(congress, type, number)``,
each a dict with the answers' parts: ``bill`` (the ``bill`` object of
``/bill/{congress}/{type}/{number}``), ``actions``, ``committees`` and
``cosponsors`` (lists). :func:`load_samples` fills one from the real responses
in ``shared/data/congress-api/samples`` (bill 117 HR 21); tests change them
between syncs. Committee meetings live in :attr:`FakeCongress.meetings`,
``(congress, chamber)`` → list of ``committeeMeeting`` objects.

Like the real API: the key is taken from ``X-Api-Key`` or ``api_key``
(missing or wrong: 403 with api.data.gov's ``API_KEY_MISSING`` /
``API_KEY_INVALID``); lists honour ``offset`` and ``limit`` (at most
:attr:`max_limit`, 250 like the real one) and answer ``pagination`` with
``count`` and an absolute ``next`` URL; every answer carries
``X-RateLimit-Limit``/``X-RateLimit-Remaining``. With :attr:`etags` on, answers
carry an ``ETag`` and ``If-None-Match`` gets a 304 (the real API is not known
to do this; the client supports it).

Fault kinds: ``rate_limited`` (``retry_after`` seconds, 429 ``OVER_RATE_LIMIT``),
``server_error``, ``malformed`` (200 with a body that is not JSON).

Standalone: ``python -m tests.fakes.congress --port 8410`` (key ``fake-congress-key``).
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.fakes._server import FakeServer, Fault, Request, Response, main

API_KEY = "fake-congress-key"
SAMPLES = {
    "bill": "bill_117_hr_21.json",
    "actions": "bill_117_hr_21_actions.json",
    "committees": "bill_117_hr_21_committees.json",
    "cosponsors": "bill_117_hr_21_cosponsors.json",
}


def load_samples(folder: Path) -> dict[str, Any]:
    """Bill 117 HR 21's real answers, as the parts :class:`FakeCongress` serves."""
    parts: dict[str, Any] = {}
    for part, name in SAMPLES.items():
        data = json.loads((folder / name).read_text(encoding="utf-8"))
        parts[part] = data[part]
    return parts


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


class FakeCongress(FakeServer):
    name = "congress"
    routes = [
        ("GET", r"/v3/bill/(?P<congress>\d+)/(?P<kind>[a-z]+)/(?P<number>\d+)", "bill"),
        (
            "GET",
            r"/v3/bill/(?P<congress>\d+)/(?P<kind>[a-z]+)/(?P<number>\d+)"
            r"/(?P<part>actions|committees|cosponsors)",
            "bill_part",
        ),
        (
            "GET",
            r"/v3/committee-meeting/(?P<congress>\d+)/(?P<chamber>house|senate)",
            "meeting_list",
        ),
        (
            "GET",
            r"/v3/committee-meeting/(?P<congress>\d+)/(?P<chamber>house|senate)/(?P<event>\d+)",
            "meeting_detail",
        ),
    ]

    def reset_state(self) -> None:
        self.api_key: str = self.config.get("api_key", API_KEY)
        self.max_limit: int = int(self.config.get("max_limit", 250))
        self.etags: bool = bool(self.config.get("etags", False))
        self.bills: dict[tuple[int, str, int], dict[str, Any]] = {}
        self.meetings: dict[tuple[int, str], list[dict[str, Any]]] = {}
        self.remaining = 5000
        if self.config.get("samples"):
            self.bills[(117, "hr", 21)] = load_samples(Path(self.config["samples"]))

    def snapshot(self) -> dict[str, Any]:
        return {"bills": [list(k) for k in self.bills], "remaining": self.remaining}

    def make_fault(self, kind: str, **params: Any) -> Fault:
        if kind == "rate_limited":
            wait = str(params.get("retry_after", 1))
            body = _error("OVER_RATE_LIMIT", "You have exceeded your rate limit. Try again later.")
            return Fault.status(Response(429, body, {"Retry-After": wait}))
        if kind == "server_error":
            return Fault.status(Response(int(params.get("status", 503)), {"error": "unavailable"}))
        if kind == "malformed":
            return Fault.status(Response(200, '{"bill": {"title": ', content_type="text/html"))
        return super().make_fault(kind, **params)

    # -- plumbing ---------------------------------------------------------------------------

    def _answer(self, request: Request, body: Any) -> Response:
        with self.lock:
            self.remaining -= 1
            remaining = self.remaining
        headers = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": str(remaining)}
        if self.etags:
            tag = '"' + hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest() + '"'
            headers["ETag"] = tag
            if request.header("If-None-Match") == tag:
                return Response(304, None, headers)
        return Response(200, body, headers)

    def _refuse(self, request: Request) -> Response | None:
        key = request.header("X-Api-Key") or request.query.get("api_key")
        if not key:
            return Response(
                403,
                _error(
                    "API_KEY_MISSING",
                    "No api_key was supplied. Get one at https://api.congress.gov/sign-up/",
                ),
            )
        if key != self.api_key:
            return Response(
                403,
                _error(
                    "API_KEY_INVALID",
                    "An invalid api_key was supplied. Get one at https://api.congress.gov/sign-up/",
                ),
            )
        return None

    def _find(self, congress: str, kind: str, number: str) -> dict[str, Any] | None:
        return self.bills.get((int(congress), kind, int(number)))

    def _request_part(self, congress: str, kind: str, number: str) -> dict[str, Any]:
        return {
            "billNumber": number,
            "billType": kind,
            "congress": congress,
            "contentType": "application/json",
            "format": "json",
        }

    def _page(self, request: Request, path: str, items: list[Any]) -> tuple[list[Any], dict]:
        offset = int(request.query.get("offset") or 0)
        limit = min(int(request.query.get("limit") or 20), self.max_limit)
        page = items[offset : offset + limit]
        pagination: dict[str, Any] = {"count": len(items)}
        if offset + limit < len(items):
            query: dict[str, str | int] = {k: v for k, v in request.query.items() if k != "api_key"}
            query.update(offset=offset + limit, limit=limit)
            pagination["next"] = f"{self.url}{path}?{urlencode(query)}"
        return page, pagination

    # -- routes -----------------------------------------------------------------------------

    def bill(self, request: Request, congress: str, kind: str, number: str) -> Response:
        refused = self._refuse(request)
        if refused:
            return refused
        found = self._find(congress, kind, number)
        if found is None:
            return Response(404, _error("NOT_FOUND", "Unknown resource: bill"))
        detail = copy.deepcopy(found["bill"])
        parts = {p: v if isinstance(v, list) else [] for p, v in found.items() if p != "bill"}
        detail.setdefault("actions", {})["count"] = len(parts["actions"])
        detail.setdefault("committees", {})["count"] = len(parts["committees"])
        cosponsors = detail.setdefault("cosponsors", {})
        cosponsors["countIncludingWithdrawnCosponsors"] = len(parts["cosponsors"])
        cosponsors["count"] = sum(
            1 for c in parts["cosponsors"] if not c.get("sponsorshipWithdrawnDate")
        )
        return self._answer(
            request, {"bill": detail, "request": self._request_part(congress, kind, number)}
        )

    def bill_part(
        self, request: Request, congress: str, kind: str, number: str, part: str
    ) -> Response:
        refused = self._refuse(request)
        if refused:
            return refused
        found = self._find(congress, kind, number)
        if found is None:
            return Response(404, _error("NOT_FOUND", "Unknown resource: bill"))
        if not isinstance(found[part], list):  # a test's broken answer: served as it is
            return self._answer(request, {part: found[part]})
        items, pagination = self._page(request, request.path, found[part])
        body = {
            part: items,
            "pagination": pagination,
            "request": self._request_part(congress, kind, number),
        }
        return self._answer(request, body)

    def meeting_list(self, request: Request, congress: str, chamber: str) -> Response:
        refused = self._refuse(request)
        if refused:
            return refused
        since = request.query.get("fromDateTime") or ""
        listed = [
            {
                "chamber": m.get("chamber", chamber.title()),
                "congress": int(congress),
                "eventId": m["eventId"],
                "updateDate": m.get("updateDate", ""),
                "url": f"{self.url}/v3/committee-meeting/{congress}/{chamber}/{m['eventId']}"
                "?format=json",
            }
            for m in self.meetings.get((int(congress), chamber), [])
            if m.get("updateDate", "") >= since
        ]
        items, pagination = self._page(request, request.path, listed)
        return self._answer(request, {"committeeMeetings": items, "pagination": pagination})

    def meeting_detail(self, request: Request, congress: str, chamber: str, event: str) -> Response:
        refused = self._refuse(request)
        if refused:
            return refused
        for m in self.meetings.get((int(congress), chamber), []):
            if str(m["eventId"]) == event:
                return self._answer(request, {"committeeMeeting": m})
        return Response(404, _error("NOT_FOUND", "Unknown resource: committee meeting"))


if __name__ == "__main__":
    main(FakeCongress)
