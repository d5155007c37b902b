"""The machinery every fake platform server shares.

A fake is a real HTTP server on 127.0.0.1 (``http.server`` with one thread per
connection, HTTP/1.1 keep-alive) that the real client libraries talk to. Each
platform module subclasses :class:`FakeServer` with its routes and its state.

What every fake offers:

* **a record**: every request as received (:attr:`FakeServer.requests`), the
  objects it created (posts), which tests assert on, and the requests the
  platform's own rules turned away as repeats (:attr:`FakeServer.rejected`:
  X's duplicate content, Facebook's 506, Mastodon's idempotent replays, an
  existing Bluesky record key);
* **faults**, one-shot (:meth:`FakeServer.inject`) or random
  (:meth:`FakeServer.storm`): an error status with the platform's own body and
  headers, a ``timeout`` (the request *is* processed, then the answer comes too
  late for the client), a ``hang`` (not processed, no answer in time), a
  ``drop`` (processed, then the connection is closed without an answer) and a
  ``drop_before`` (closed without processing);
* **a journal** (``state_file``): every state change is appended as one JSON
  line and replayed when a fake starts on an existing file, so a fake can be a
  standalone process (from the repository root: ``python -m tests.fakes.x --port
  8401 --state-file x.jsonl``; ``--port 0`` picks a free port, printed on the first
  line as ``x fake listening on http://127.0.0.1:PORT``)
  that crash tests kill workers against and then inspect with
  :func:`read_journal` or ``GET /_fake/state``;
* **control over HTTP** for standalone use: ``GET /_fake/state``,
  ``POST /_fake/fault`` (``{"route": "create", "fault": {"kind": "rate_limited"},
  "times": 1}``), ``POST /_fake/storm`` (``{"rate": 0.3, "kinds": [...],
  "seed": 1}``) and ``POST /_fake/reset``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import signal
import socket
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes
    route: str | None = None
    raw_query: str = ""
    received_at: float = field(default_factory=time.time)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def form(self) -> dict[str, str]:
        parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        return {k: v[-1] for k, v in parsed.items()}

    @property
    def params(self) -> dict[str, str]:
        """Query parameters and form fields together (the Graph API accepts either)."""
        content_type = self.header("Content-Type", "") or ""
        merged = dict(self.query)
        if "application/x-www-form-urlencoded" in content_type or "multipart" in content_type:
            merged.update(self.form)
        return merged


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


@dataclass
class Fault:
    """What goes wrong with one request."""

    kind: str
    """``status``, ``timeout``, ``hang``, ``drop``, ``drop_before``, ``accepted_then``,
    ``garbled`` or ``late``."""
    response: Response | None = None
    delay: float = 0.0

    @property
    def processed(self) -> bool:
        """Whether the request takes effect before the fault (the dangerous cases)."""
        return self.kind in {"timeout", "drop", "accepted_then", "garbled", "late"}

    @classmethod
    def status(cls, response: Response) -> Fault:
        return cls("status", response=response)

    @classmethod
    def timeout(cls, delay: float = 2.0) -> Fault:
        """Processed, answered only after ``delay`` seconds (past the client's timeout)."""
        return cls("timeout", delay=delay)

    @classmethod
    def hang(cls, delay: float = 2.0) -> Fault:
        """Not processed; no answer for ``delay`` seconds."""
        return cls("hang", delay=delay)

    @classmethod
    def drop(cls) -> Fault:
        """Processed, then the connection is closed without an answer."""
        return cls("drop")

    @classmethod
    def drop_before(cls) -> Fault:
        """The connection is closed without processing or answering."""
        return cls("drop_before")

    @classmethod
    def accepted_then(cls, response: Response) -> Fault:
        """Processed (the post exists), then answered with ``response`` (a 503, say):
        what a platform does when it fails after creating the post."""
        return cls("accepted_then", response=response)

    @classmethod
    def garbled(cls, body: str = "truncated") -> Fault:
        """Processed, then answered 200 with a body no client can read: ``truncated``
        (the JSON cut in half), ``html`` (a proxy's page) or ``empty``."""
        if body == "truncated":
            return cls("garbled")  # the handler's own answer, cut in half
        if body == "html":
            return cls("garbled", response=Response(200, GATEWAY_PAGE, content_type="text/html"))
        if body == "empty":
            return cls("garbled", response=Response(200, ""))
        raise ValueError(f"no garbled body {body!r}: truncated, html or empty")

    @classmethod
    def late(cls, delay: float = 2.0) -> Fault:
        """Held ``delay`` seconds (or until ``POST /_fake/release``), *then* processed and
        answered normally: a slow call that takes effect only after whatever the test
        does meanwhile (another worker's check, say)."""
        return cls("late", delay=delay)


GATEWAY_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center></body></html>"
)


Route = tuple[str, str, str]
"""(HTTP method, path regex, handler method name); the handler name is the route's name."""


class FakeServer:
    """Base class of the fake platform servers."""

    name = "fake"
    routes: list[Route] = []

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        state_file: str | os.PathLike[str] | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.state_file = Path(state_file) if state_file else None
        self.config = config or {}
        self.lock = threading.RLock()
        self.requests: list[Request] = []
        self.counts: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.most_at_once: Counter[str] = Counter()
        """Per route, the most requests being answered at the same moment (as the
        platform sees its callers: no client clock is involved)."""
        self._faults: dict[str, deque[Fault]] = {}
        self._storm: tuple[float, list[dict[str, Any]], random.Random, set[str]] | None = None
        self._compiled = [(m, re.compile(f"^{p}$"), h) for m, p, h in self.routes]
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._journal = None
        self._release = threading.Event()
        self.rejected: list[dict[str, Any]] = []
        self.clock: Callable[[], float] = time.time
        """Seconds since the epoch, as the platform's limits see them; a simulation
        (``python -m bench``) sets its own so limits follow simulated time."""
        self.reset_state()
        if self.state_file and self.state_file.exists():
            for event in read_journal(self.state_file):
                self._apply(event)

    # -- to implement --------------------------------------------------------------------

    def reset_state(self) -> None:
        """Empty the platform state (called at start and by ``/_fake/reset``)."""

    def apply(self, event: dict[str, Any]) -> None:
        """Apply one journal event to the state (at replay and when it happens)."""

    def snapshot(self) -> dict[str, Any]:
        """The state as JSON, for ``GET /_fake/state``."""
        return {}

    def make_fault(self, kind: str, **params: Any) -> Fault:
        """A platform-specific error fault (``rate_limited``, ``server_error``...)."""
        raise ValueError(f"{self.name} fake has no fault kind {kind!r}")

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> FakeServer:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        httpd = ThreadingHTTPServer((self.host, self.port), Handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self._httpd = httpd
        self.port = httpd.server_address[1]
        if self.state_file:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            self._journal = open(self.state_file, "a", encoding="utf-8")  # noqa: SIM115
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-{self.name}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Run in the foreground until SIGINT or SIGTERM (standalone mode)."""
        self.start()
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        print(f"{self.name} fake listening on {self.url}", flush=True)
        stop.wait()
        self.stop()

    # -- state -------------------------------------------------------------------------------

    def _apply(self, event: dict[str, Any]) -> None:
        if event.get("type") == "rejected":
            self.rejected.append(event)
        else:
            self.apply(event)

    def record(self, event: dict[str, Any]) -> None:
        """Apply ``event`` and append it to the journal."""
        with self.lock:
            self._apply(event)
            if self._journal is not None:
                self._journal.write(json.dumps(event, ensure_ascii=False) + "\n")
                self._journal.flush()

    def reject(self, reason: str, **fields: Any) -> None:
        """Journal a request the platform's own rules turned away (a repeat, mostly).

        Crash tests read these to prove a worker never even *tried* to send a post twice.
        """
        self.record({"type": "rejected", "reason": reason, **fields, "time": time.time()})

    def reset(self) -> None:
        with self.lock:
            self.rejected.clear()
            self.requests.clear()
            self.counts.clear()
            self.most_at_once.clear()
            self._faults.clear()
            self._storm = None
            self.reset_state()
            if self._journal is not None:
                self._journal.truncate(0)

    def count(self, route: str) -> int:
        with self.lock:
            return self.counts[route]

    def received(self, route: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.route == route]

    # -- faults ------------------------------------------------------------------------------

    def inject(self, route: str, fault: Fault | str, times: int = 1, **params: Any) -> None:
        """The next ``times`` requests to ``route`` (or ``*``) meet ``fault``."""
        if isinstance(fault, str):
            fault = self.fault_from_spec({"kind": fault, **params})
        with self.lock:
            queue = self._faults.setdefault(route, deque())
            queue.extend([fault] * times)

    def storm(
        self,
        rate: float,
        kinds: Iterable[dict[str, Any] | str],
        *,
        seed: int = 0,
        routes: Iterable[str] = ("*",),
    ) -> None:
        """From now on, each request to ``routes`` fails with probability ``rate``."""
        specs = [{"kind": k} if isinstance(k, str) else dict(k) for k in kinds]
        with self.lock:
            self._storm = (rate, specs, random.Random(seed), set(routes))

    def calm(self) -> None:
        with self.lock:
            self._storm = None
            self._faults.clear()

    def fault_from_spec(self, spec: dict[str, Any]) -> Fault:
        params = {k: v for k, v in spec.items() if k != "kind"}
        kind = spec["kind"]
        if kind == "timeout":
            return Fault.timeout(float(params.get("delay", 2.0)))
        if kind == "hang":
            return Fault.hang(float(params.get("delay", 2.0)))
        if kind == "drop":
            return Fault.drop()
        if kind == "drop_before":
            return Fault.drop_before()
        if kind == "accepted_then":
            then = self.fault_from_spec(params.get("then") or {"kind": "server_error"})
            if then.kind != "status" or then.response is None:
                raise ValueError("accepted_then needs a status fault as 'then'")
            return Fault.accepted_then(then.response)
        if kind == "garbled":
            return Fault.garbled(str(params.get("body", "truncated")))
        if kind == "late":
            self._release.clear()
            return Fault.late(float(params.get("delay", 2.0)))
        return self.make_fault(kind, **params)

    def _take_fault(self, route: str) -> Fault | None:
        with self.lock:
            for key in (route, "*"):
                queue = self._faults.get(key)
                if queue:
                    return queue.popleft()
            if self._storm is not None:
                rate, specs, rng, routes = self._storm
                if ("*" in routes or route in routes) and rng.random() < rate:
                    return self.fault_from_spec(rng.choice(specs))
        return None

    # -- dispatch ----------------------------------------------------------------------------

    def dispatch(self, request: Request) -> tuple[Response | None, Fault | None]:
        if request.path.startswith("/_fake/"):
            return self._control(request), None
        for method, pattern, handler_name in self._compiled:
            match = pattern.match(request.path)
            if match and method == request.method:
                request.route = handler_name
                with self.lock:
                    self.requests.append(request)
                    self.counts[handler_name] += 1
                    self.in_flight[handler_name] += 1
                    self.most_at_once[handler_name] = max(
                        self.most_at_once[handler_name], self.in_flight[handler_name]
                    )
                fault = self._take_fault(handler_name)
                if fault is not None and not fault.processed:
                    return None, fault
                if fault is not None and fault.kind == "late":
                    self._release.wait(fault.delay)
                handler: Callable[..., Response] = getattr(self, handler_name)
                return handler(request, **match.groupdict()), fault
        with self.lock:
            self.requests.append(request)
        return self.not_found(request), None

    def not_found(self, request: Request) -> Response:
        return Response(404, {"error": "NotFound", "message": f"no route {request.path}"})

    def _control(self, request: Request) -> Response:
        if request.path == "/_fake/state" and request.method == "GET":
            with self.lock:
                state = self.snapshot()
                state["requests"] = dict(self.counts)
                state["most_at_once"] = dict(self.most_at_once)
                state["rejected"] = list(self.rejected)
            return Response(200, state)
        if request.path == "/_fake/fault" and request.method == "POST":
            spec = request.json
            self.inject(
                spec.get("route", "*"),
                self.fault_from_spec(spec["fault"]),
                int(spec.get("times", 1)),
            )
            return Response(200, {"ok": True})
        if request.path == "/_fake/storm" and request.method == "POST":
            spec = request.json
            if not spec.get("rate"):
                self.calm()
            else:
                self.storm(
                    float(spec["rate"]),
                    spec.get("kinds", []),
                    seed=int(spec.get("seed", 0)),
                    routes=spec.get("routes", ["*"]),
                )
            return Response(200, {"ok": True})
        if request.path == "/_fake/release" and request.method == "POST":
            self._release.set()
            return Response(200, {"ok": True})
        if request.path == "/_fake/reset" and request.method == "POST":
            self.reset()
            return Response(200, {"ok": True})
        return Response(404, {"error": "no such control route"})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_fake: FakeServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if os.environ.get("FAKE_SERVER_VERBOSE"):
            super().log_message(format, *args)

    def _handle(self) -> None:
        try:
            self._answer()
        finally:
            route = getattr(self, "_route", None)
            if route is not None:
                with self.server_fake.lock:
                    self.server_fake.in_flight[route] -= 1

    def _answer(self) -> None:
        self._route = None
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            self.command, split.path, query, self.headers, body, raw_query=split.query
        )
        try:
            response, fault = self.server_fake.dispatch(request)
        except Exception as exc:  # a bug in a fake: answer 500 so the test shows it
            response, fault = Response(500, {"error": "FakeServerBug", "message": repr(exc)}), None
        self._route = request.route  # counted in flight by dispatch until answered

        if fault is not None:
            if fault.kind in {"status", "accepted_then"}:
                response = fault.response
            elif fault.kind == "garbled":
                response = fault.response or _truncated(response)
            elif fault.kind in {"drop", "drop_before"}:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            elif fault.kind == "hang":
                time.sleep(fault.delay)
                response = Response(504, {"error": "GatewayTimeout"})
            elif fault.kind == "timeout":
                time.sleep(fault.delay)
        assert response is not None
        payload = response.encode()
        try:
            self.send_response(response.status)
            if response.body is not None:
                self.send_header("Content-Type", response.content_type)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (timeout) or the server is stopping
            self.close_connection = True

    do_GET = _handle
    do_POST = _handle
    do_PUT = _handle
    do_DELETE = _handle


def _truncated(response: Response | None) -> Response:
    """``response`` with its body cut in half: valid UTF-8, invalid JSON."""
    payload = response.encode() if response is not None else b"{}"
    cut = payload[: max(1, len(payload) // 2)].decode("utf-8", "ignore")
    return Response(200, cut)


def read_journal(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The events a fake recorded in its state file (a torn last line is skipped)."""
    events = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return events


def main(fake_class: type[FakeServer], argv: list[str] | None = None) -> None:
    """``python -m tests.fakes.<platform> --port N --state-file F [--config C.json]``."""
    parser = argparse.ArgumentParser(description=f"Run the {fake_class.name} fake server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--state-file", help="JSON-lines journal of everything created")
    parser.add_argument("--config", help="JSON file with accounts and limits (see the module)")
    args = parser.parse_args(argv)
    config = json.loads(Path(args.config).read_text()) if args.config else None
    fake = fake_class(args.port, host=args.host, state_file=args.state_file, config=config)
    try:
        fake.serve_forever()
    except KeyboardInterrupt:
        fake.stop()
    sys.exit(0)
