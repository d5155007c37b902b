"""A fake U.S. Census Bureau geocoder: a real HTTP server on 127.0.0.1.

It answers ``GET /geocoder/geographies/onelineaddress`` and
``/geocoder/geographies/coordinates`` in the Census geocoder's JSON shape
(``result.addressMatches[].geographies`` keyed by vintage-named layers;
``result.geographies`` for coordinates), from a table of known addresses
and points a test fills in (:meth:`FakeGeocoder.add_address`,
:meth:`FakeGeocoder.add_point`). Anything else is no match, as the real one
says it: ``addressMatches: []`` (or empty geographies).

Faults, by what the address holds or :attr:`FakeGeocoder.fault`:
``"error"`` → HTTP 500 with an HTML page; ``"slow"`` → no answer until the
server stops (beyond any client timeout); ``"garbage"`` → 200 with JSON of
another shape. Every request is recorded (:attr:`FakeGeocoder.requests`) so
tests can check what was sent, and that nothing else was.

Standalone: ``python -m tests.fakes.geocoder --port 8409`` serves the Missouri
examples of :func:`missouri_example`.
"""

from __future__ import annotations

import argparse
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CONGRESS_LAYER = "119th Congressional Districts"
UPPER_LAYER = "2024 State Legislative Districts - Upper"
LOWER_LAYER = "2024 State Legislative Districts - Lower"


def geographies(
    state_fips: str, postal: str, cd: str | None, upper: str | None, lower: str | None
) -> dict[str, list[dict[str, Any]]]:
    """Layers as the Census names and fills them (codes zero-padded, labels beside them)."""
    found: dict[str, list[dict[str, Any]]] = {
        "States": [{"STATE": state_fips, "STUSAB": postal, "NAME": postal, "GEOID": state_fips}],
        "Counties": [{"STATE": state_fips, "COUNTY": "051", "NAME": "Cole County"}],
    }
    if cd is not None:
        found[CONGRESS_LAYER] = [
            {
                "STATE": state_fips,
                "CD119": cd.zfill(2),
                "BASENAME": "At Large" if cd == "0" else cd,
                "NAME": f"Congressional District {cd}",
                "GEOID": state_fips + cd.zfill(2),
                "CDSESSN": "119",
            }
        ]
    if upper is not None:
        found[UPPER_LAYER] = [
            {
                "STATE": state_fips,
                "SLDU": upper.zfill(3),
                "BASENAME": upper,
                "NAME": f"State Senate District {upper}",
                "GEOID": state_fips + upper.zfill(3),
            }
        ]
        found[UPPER_LAYER.replace("Upper", "Upper Labels")] = []
    if lower is not None:
        found[LOWER_LAYER] = [
            {
                "STATE": state_fips,
                "SLDL": lower.zfill(3),
                "BASENAME": lower,
                "NAME": f"State House District {lower}",
                "GEOID": state_fips + lower.zfill(3),
            }
        ]
    return found


@dataclass
class Seen:
    path: str
    query: dict[str, str]


@dataclass
class FakeGeocoder:
    addresses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    points: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    fault: str | None = None
    url: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)
    _httpd: ThreadingHTTPServer | None = None

    def add_address(self, line: str, *geos: dict[str, Any]) -> None:
        """``line`` (case and spacing ignored) matches once per ``geos`` given."""
        self.addresses[_key(line)] = [
            {
                "tigerLine": {"side": "L", "tigerLineId": "76355984"},
                "coordinates": {"x": -92.17, "y": 38.57},
                "addressComponents": {"zip": "65101", "state": "MO", "city": "JEFFERSON CITY"},
                "matchedAddress": line.upper(),
                "geographies": g,
            }
            for g in geos
        ]

    def add_point(self, latitude: float, longitude: float, geos: dict[str, Any]) -> None:
        self.points[(f"{longitude:.5f}", f"{latitude:.5f}")] = geos

    # -- serving -------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeGeocoder:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                fake.requests.append(Seen(parts.path, query))
                fake._answer(self, parts.path, query)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_port}/geocoder"
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler, path: str, query: dict[str, str]) -> None:
        fault = self.fault
        address = query.get("address", "")
        if "error" in address.lower():
            fault = "error"
        if "slow" in address.lower():
            fault = "slow"
        if fault == "slow":
            self._stop.wait(30)
            return
        if fault == "error":
            _send(handler, 500, b"<html><body>Internal Server Error</body></html>", "text/html")
            return
        if fault == "garbage":
            _send(handler, 200, b'{"result": {"addressMatches": "none"}}', "application/json")
            return
        if query.get("format") != "json" or "benchmark" not in query:
            body = {"errors": ["Benchmark is a required parameter"], "status": "400"}
            _send(handler, 400, json.dumps(body).encode(), "application/json")
            return
        if path.endswith("/geographies/onelineaddress"):
            result: dict[str, Any] = {
                "input": {
                    "address": {"address": address},
                    "benchmark": {"benchmarkName": query["benchmark"]},
                },
                "addressMatches": self.addresses.get(_key(address), []),
            }
        elif path.endswith("/geographies/coordinates"):
            geos = self.points.get((query.get("x", ""), query.get("y", "")), {})
            result = {
                "input": {"location": {"x": query.get("x"), "y": query.get("y")}},
                "geographies": geos,
            }
        else:
            _send(handler, 404, b"Not Found", "text/plain")
            return
        _send(handler, 200, json.dumps({"result": result}).encode(), "application/json")


def _key(line: str) -> str:
    return " ".join(line.lower().replace(",", " ").split())


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, kind: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


#: Missouri's capitol: congressional district 3, Senate 6, House 50 (in the fake).
CAPITOL = "201 W Capitol Ave, Jefferson City, MO 65101"
#: A point whose House district (95) has nobody in the reference data: a vacant seat.
VACANT_POINT = (38.62727, -90.19789)
#: One street in two states: an ambiguous address.
AMBIGUOUS = "100 Main St, Springfield"


def missouri_example(fake: FakeGeocoder) -> FakeGeocoder:
    fake.add_address(CAPITOL, geographies("29", "MO", "3", "6", "50"))
    fake.add_address(
        AMBIGUOUS,
        geographies("29", "MO", "7", "30", "134"),
        geographies("17", "IL", "13", "48", "96"),
    )
    fake.add_point(*VACANT_POINT, geographies("29", "MO", "1", "5", "95"))
    return fake


if __name__ == "__main__":  # pragma: no cover
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    fake = missouri_example(FakeGeocoder()).start(args.port)
    print(f"geocoder fake listening on {fake.url}", flush=True)
    threading.Event().wait()
