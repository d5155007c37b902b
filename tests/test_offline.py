"""The suite cannot reach the internet: tests/offline.py, installed by tests/conftest.py."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.offline import InternetRefused, is_local


def test_a_connection_to_another_machine_is_refused_at_once() -> None:
    for address in (("192.0.2.1", 80), ("2001:db8::1", 443)):
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock, pytest.raises(InternetRefused):
            sock.connect(address)
    with pytest.raises(requests.ConnectionError, match="tests never reach the internet"):
        requests.get("http://192.0.2.1/photo.jpg", timeout=5)


def test_this_machine_is_reachable() -> None:
    class Hello(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"hi")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_port
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=5).text == "hi"
        assert requests.get(f"http://localhost:{port}/", timeout=5).text == "hi"
    finally:
        server.shutdown()
        server.server_close()
    assert is_local("::1") and is_local("127.0.0.53") and not is_local("8.8.8.8")
