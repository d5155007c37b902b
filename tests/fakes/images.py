"""A fake image host (a legislature's member-photo server): a real HTTP server on 127.0.0.1.

Paths, and what they answer:

- ``/portrait.png``: a real 30×40 PNG (``image/png``)
- ``/big.png``: a PNG header and more bytes than any portrait, with a ``Content-Length``
- ``/endless.png``: a PNG header, then bytes without end and without a ``Content-Length``
- ``/page.jpg``: an HTML page that says it is ``image/jpeg``
- ``/moved.jpg``: ``302`` to another host
- ``/slow.png``: nothing until the server stops (beyond any client timeout)
- anything else: ``404`` (a query string is ignored)

Every request's path is recorded (:attr:`FakeImageHost.requests`).
"""

from __future__ import annotations

import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


def png(width: int = 30, height: int = 40, rgb: tuple[int, int, int] = (90, 60, 140)) -> bytes:
    """A valid PNG of one colour (so a browser really draws it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


PORTRAIT = png()
BIG = 3_000_000


class FakeImageHost:
    def __init__(self) -> None:
        self.requests: list[str] = []
        self._stopping = threading.Event()
        host = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                host.requests.append(self.path)
                path = urlsplit(self.path).path
                if path == "/portrait.png":
                    self._send(200, "image/png", PORTRAIT)
                elif path == "/big.png":
                    self._send(200, "image/png", PORTRAIT[:8] + b"\0" * BIG)
                elif path == "/endless.png":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(PORTRAIT[:8])
                    try:
                        while not host._stopping.is_set():
                            self.wfile.write(b"\0" * 65536)
                    except OSError:
                        pass  # the client hung up, as it should
                elif path == "/page.jpg":
                    self._send(200, "image/jpeg", b"<!doctype html><p>Not a photo</p>")
                elif path == "/moved.jpg":
                    self.send_response(302)
                    self.send_header("Location", "http://elsewhere.invalid/portrait.jpg")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif path == "/slow.png":
                    host._stopping.wait()
                else:
                    self._send(404, "text/html", b"<p>Not found</p>")

            def _send(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FakeImageHost:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
