"""Real servers on 127.0.0.1 for the notification tests: SMTP (aiosmtpd) and a webhook.

Both record what they received, so tests assert on the email as delivered (its
headers, body and envelope) and the JSON as posted, not on what the bot meant
to send.
"""

from __future__ import annotations

import email
import email.policy
import errno
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SMTP_USER = "bot@example.org"
SMTP_PASSWORD = "smtp-password-9f8e7d6c"
WEBHOOK_TOKEN = "T00000000/B11111111/xoxbSECRETtoken42"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class SMTPServer:
    port: int
    messages: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    refuse: bool = False
    """Answer 451 to every message (a server that is up but not taking mail)."""


@pytest.fixture
def db(any_db):
    """Notices are told once on SQLite and on PostgreSQL alike."""
    return any_db


@contextmanager
def smtp_server() -> Iterator[SMTPServer]:
    """An SMTP server on 127.0.0.1 that takes a login (no TLS) and keeps every message
    (a context manager, for fixtures of any scope)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    server = SMTPServer(port=0)

    class Handler:
        async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's name
            if server.refuse:
                return "451 Requested action aborted: try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            server.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
            return "250 OK"

    def authenticator(_server, _session, _envelope, _mechanism, auth_data):
        login, password = auth_data.login.decode(), auth_data.password.decode()
        server.logins.append((login, password))
        return AuthResult(success=(login, password) == (SMTP_USER, SMTP_PASSWORD), handled=False)

    # aiosmtpd needs the port before it binds: another process (a parallel test's
    # connection) may take a free port first, so a port found taken is chosen again.
    for tries_left in reversed(range(5)):
        server.port = free_port()
        controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=server.port,
            authenticator=authenticator,
            auth_require_tls=False,
        )
        try:
            controller.start()
            break
        except OSError as taken:
            if taken.errno != errno.EADDRINUSE or not tries_left:
                raise
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp():
    """An SMTP server on 127.0.0.1 that takes a login (no TLS) and keeps every message."""
    with smtp_server() as server:
        yield server


@dataclass
class WebhookServer:
    url: str
    requests: list[dict] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    """Statuses to answer with, one per request (then 200)."""


@pytest.fixture
def webhook(monkeypatch):
    """An HTTP server on 127.0.0.1 taking JSON POSTs at a Slack-like secret path."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    received: list[dict] = []
    statuses: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append(
                {
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type"),
                    "json": json.loads(body),
                }
            )
            status = statuses.pop(0) if statuses else 200
            # Like some servers, an error quotes the path it was asked for (the token).
            answer = b"ok" if status == 200 else f"invalid_token {self.path}".encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    server = WebhookServer(
        url=f"http://127.0.0.1:{httpd.server_address[1]}/services/{WEBHOOK_TOKEN}",
        requests=received,
        statuses=statuses,
    )
    yield server
    httpd.shutdown()
    httpd.server_close()


def smtp_env(server: SMTPServer, **changes: str) -> dict[str, str]:
    env = {
        "NOTIFY_SMTP_HOST": "127.0.0.1",
        "NOTIFY_SMTP_PORT": str(server.port),
        "NOTIFY_SMTP_USER": SMTP_USER,
        "NOTIFY_SMTP_PASSWORD": SMTP_PASSWORD,
        "NOTIFY_SMTP_STARTTLS": "0",
        "NOTIFY_EMAIL_FROM": "advocacy-bot@example.org",
        "NOTIFY_EMAIL_TO": "organizers@example.org, ops@example.org",
        "NOTIFY_TIMEOUT": "5",
    }
    env.update(changes)
    return env
