"""A local stand-in for the public homes of legislator data, for ``directory sync`` tests.

Serves files from a data folder laid out like ``shared/data`` in the layout of
the real sites (see :mod:`bot.directory.sync`):

``/congress-legislators/<file>.yaml``
    from ``<data>/congress-legislators/`` (theunitedstates.io)
``/repos/openstates/people/commits/<ref>`` (``Accept: application/vnd.github.sha``)
    the commit a branch names: :attr:`OpenDataServer.refs` (``main`` → :data:`COMMIT`)
``/repos/openstates/people/contents/data/<state>/<part>?ref=<commit>``
    a GitHub contents-API listing of ``<data>/openstates/<state>/<part>/``
``/openstates/people/<commit>/data/<state>/<part>/<file>``
    the raw file (raw.githubusercontent.com); only at a commit of :attr:`refs`, so a
    client that asks for a branch's files instead of the commit's gets a 404

Faults for tests: :attr:`OpenDataServer.delay` (seconds to sleep before each
answer, for timeouts) and :attr:`OpenDataServer.fail_paths` (path prefixes
answered with HTTP 500). Every request path is recorded in
:attr:`OpenDataServer.requests`.

Run standalone: ``python -m tests.fakes.opendata --data ../shared/data --port 8480``.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

#: The commit the fake's ``main`` points at.
COMMIT = "934bf09a94a35351baf872c70e778a4367c8266e"


class OpenDataServer:
    """The fake, on 127.0.0.1 and a free port, in a background thread."""

    def __init__(self, data: Path, port: int = 0) -> None:
        self.data = data
        self.delay = 0.0
        self.fail_paths: list[str] = []
        self.requests: list[str] = []
        self.refs: dict[str, str] = {"main": COMMIT}
        """Branch or tag → commit; every commit named here serves the same files."""
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def env(self) -> dict[str, str]:
        """The settings that point ``directory sync`` here."""
        return {
            "CONGRESS_LEGISLATORS_URL": f"{self.url}/congress-legislators",
            "OPENSTATES_PEOPLE_API_URL": f"{self.url}/repos/openstates/people",
            "OPENSTATES_PEOPLE_RAW_URL": f"{self.url}/openstates/people",
        }

    def start(self) -> OpenDataServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> OpenDataServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- routing ---------------------------------------------------------------------------

    def answer(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request path."""
        with self._lock:
            self.requests.append(path)
        if any(path.startswith(prefix) for prefix in self.fail_paths):
            return 500, "text/plain", b"injected failure"
        parts = urlsplit(path)
        segments = [s for s in parts.path.split("/") if s]
        if segments[:1] == ["congress-legislators"] and len(segments) == 2:
            return self._file(self.data / "congress-legislators" / segments[1])
        commits = ["repos", "openstates", "people", "commits"]
        if segments[:4] == commits and len(segments) == 5:
            sha = self.refs.get(segments[4]) or (
                segments[4] if segments[4] in self.refs.values() else None
            )
            if sha is None:
                return 422, "application/json", b'{"message": "No commit found for SHA"}'
            return 200, "application/vnd.github.sha", sha.encode()
        listing = ["repos", "openstates", "people", "contents", "data"]
        if segments[:5] == listing and len(segments) == 7:
            ref = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p).get("ref")
            if ref not in self.refs and ref not in self.refs.values():
                return 404, "application/json", b'{"message": "No commit found for the ref"}'
            return self._listing(segments[5], segments[6])
        if segments[:2] == ["openstates", "people"] and len(segments) == 7:
            commit, data, state, part, name = segments[2:]
            if data != "data" or commit not in self.refs.values():
                return 404, "text/plain", b"404: Not Found"
            return self._file(self.data / "openstates" / state / part / name)
        return 404, "application/json", b'{"message": "Not Found"}'

    def _file(self, path: Path) -> tuple[int, str, bytes]:
        if not path.is_file() or ".." in path.parts:
            return 404, "text/plain", b"404: Not Found"
        return 200, "text/plain; charset=utf-8", path.read_bytes()

    def _listing(self, state: str, part: str) -> tuple[int, str, bytes]:
        folder = self.data / "openstates" / state / part
        if not folder.is_dir():
            return 404, "application/json", b'{"message": "Not Found"}'
        items = [
            {
                "name": entry.name,
                "path": f"data/{state}/{part}/{entry.name}",
                "type": "file",
                "size": entry.stat().st_size,
            }
            for entry in sorted(folder.iterdir())
            if entry.is_file()
        ]
        return 200, "application/json", json.dumps(items).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if fake.delay:
                    time.sleep(fake.delay)
                status, content_type, body = fake.answer(self.path)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a folder like shared/data")
    parser.add_argument("--port", type=int, default=8480)
    args = parser.parse_args()
    server = OpenDataServer(args.data, args.port)
    print(f"serving {args.data} at {server.url}")
    for name, value in server.env().items():
        print(f"  {name}={value}")
    server._server.serve_forever()


if __name__ == "__main__":
    main()
