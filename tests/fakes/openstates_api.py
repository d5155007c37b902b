"""A fake Open States API v3, answering the models of openstates/api-v3's ``api/schemas.py``.

Serves bills from :attr:`FakeOpenStates.bills` (``(state, session, identifier)`` →
a ``Bill`` object with ``sponsorships`` and ``actions``; they are left out unless
asked for with ``include=``, as the real API does) at
``/bills/{state}/{session}/{identifier}``, and events from
:attr:`FakeOpenStates.events` (``state`` → ``Event`` objects) at ``/events``,
paged with ``page``/``per_page`` (at most 20) and answering
``pagination: {per_page, page, max_page, total_items}``.

Like the real API: the key comes in ``X-API-KEY`` or ``?apikey`` (missing: 403,
wrong: 401 ``Invalid API Key``); an unknown bill is a 404 ``No such Bill.``;
errors are FastAPI's ``{"detail": ...}``.

Fault kinds: ``rate_limited`` (``retry_after``), ``server_error``.

Standalone: ``python -m tests.fakes.openstates_api --port 8411`` (key ``fake-openstates-key``).
"""

from __future__ import annotations

import copy
import math
from typing import Any
from urllib.parse import parse_qs, unquote

from tests.fakes._server import FakeServer, Fault, Request, Response, main

API_KEY = "fake-openstates-key"
PROFILE = "Login and visit https://openstates.org/account/profile/ for your API key."


class FakeOpenStates(FakeServer):
    name = "openstates"
    routes = [
        ("GET", r"/bills/(?P<state>[a-z]{2})/(?P<session>[^/]+)/(?P<identifier>[^/]+)", "bill"),
        ("GET", r"/events", "event_list"),
    ]

    def reset_state(self) -> None:
        self.api_key: str = self.config.get("api_key", API_KEY)
        self.bills: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}

    def make_fault(self, kind: str, **params: Any) -> Fault:
        if kind == "rate_limited":
            headers = {"Retry-After": str(params.get("retry_after", 1))}
            return Fault.status(Response(429, {"detail": "rate limit exceeded"}, headers))
        if kind == "server_error":
            return Fault.status(Response(int(params.get("status", 500)), {"detail": "error"}))
        return super().make_fault(kind, **params)

    def _refuse(self, request: Request) -> Response | None:
        key = request.header("X-API-KEY") or request.query.get("apikey")
        if not key:
            return Response(
                403, {"detail": f"Must provide API Key as ?apikey or X-API-KEY. {PROFILE}"}
            )
        if key != self.api_key:
            return Response(401, {"detail": f"Invalid API Key. {PROFILE}"})
        return None

    @staticmethod
    def _includes(request: Request) -> list[str]:
        return parse_qs(request.raw_query).get("include", [])

    def bill(self, request: Request, state: str, session: str, identifier: str) -> Response:
        refused = self._refuse(request)
        if refused:
            return refused
        key = (state, unquote(session), unquote(identifier).upper())
        found = self.bills.get(key)
        if found is None:
            return Response(404, {"detail": "No such Bill."})
        body = copy.deepcopy(found)
        for part in ("sponsorships", "actions"):
            if part not in self._includes(request):
                body.pop(part, None)
        return Response(200, body)

    def event_list(self, request: Request) -> Response:
        refused = self._refuse(request)
        if refused:
            return refused
        jurisdiction = request.query.get("jurisdiction")
        if not jurisdiction:
            return Response(400, {"detail": "must provide 'jurisdiction' parameter"})
        after = request.query.get("after") or ""
        events = [e for e in self.events.get(jurisdiction, []) if e["start_date"] > after]
        if request.query.get("require_bills") == "true":
            events = [e for e in events if _lists_a_bill(e)]
        per_page = int(request.query.get("per_page") or 20)
        page = int(request.query.get("page") or 1)
        if not 1 <= per_page <= 20:
            return Response(400, {"detail": "invalid per_page, must be in [1, 20]"})
        max_page = math.ceil(len(events) / per_page) or 1
        if not 1 <= page <= max_page:
            return Response(404, {"detail": f"invalid page, must be in [1, {max_page}]"})
        results = copy.deepcopy(events[(page - 1) * per_page : page * per_page])
        includes = self._includes(request)
        for event in results:
            for part in ("agenda", "participants", "links", "sources", "media", "documents"):
                if part not in includes:
                    event.pop(part, None)
        pagination = {
            "per_page": per_page,
            "page": page,
            "max_page": max_page,
            "total_items": len(events),
        }
        return Response(200, {"results": results, "pagination": pagination})


def _lists_a_bill(event: dict[str, Any]) -> bool:
    return any(
        entity.get("entity_type") == "bill"
        for item in event.get("agenda") or []
        for entity in item.get("related_entities") or []
    )


if __name__ == "__main__":
    main(FakeOpenStates)
