"""HTTP plumbing the publishers share: timeouts, base URLs, transport failures.

tweepy and facebook-sdk build their request URLs from a hard-coded host
(``https://api.twitter.com``, ``https://graph.facebook.com/``) and tweepy sets
no timeout at all. Both send every request through a ``requests.Session`` they
expose, so :class:`RoutedSession` is the one seam: a session that rewrites the
library's host to a configured base URL (a local fake server in tests, a proxy
or a new host in production) and fills in a timeout whenever the library passes
none. Nothing else about the libraries is patched.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from bot.platforms.base import Failure

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait for a connection and for a response."""

    connect: float = DEFAULT_CONNECT_TIMEOUT
    read: float = DEFAULT_READ_TIMEOUT

    def as_requests(self) -> tuple[float, float]:
        return (self.connect, self.read)

    def worst_case(self, calls: int) -> float:
        """The longest ``calls`` HTTP requests can take before the client gives up.

        The read timeout bounds each wait for bytes, not a whole answer, so a
        server that trickles its answer could take longer; the platforms' answers
        are a few kilobytes sent at once, and the worker renews its lease while
        a call is in flight anyway (``bot.schedule.worker.Heartbeat``).
        """
        return calls * (self.connect + self.read)

    @classmethod
    def parse(cls, value: str | None, *, name: str) -> Timeouts:
        """``"20"`` (read timeout) or ``"5,20"`` (connect, read)."""
        from bot.config import ConfigError

        if not value:
            return cls()
        try:
            parts = [float(p) for p in value.split(",")]
        except ValueError:
            raise ConfigError(f"{name} must be seconds, e.g. 20 or 5,20") from None
        if len(parts) == 1:
            return cls(connect=min(DEFAULT_CONNECT_TIMEOUT, parts[0]), read=parts[0])
        if len(parts) == 2:
            return cls(connect=parts[0], read=parts[1])
        raise ConfigError(f"{name} must be seconds, e.g. 20 or 5,20")


class RoutedSession(requests.Session):
    """A session that sends a library's requests to ``base_url``, never without a timeout.

    ``library_host`` is the URL prefix the library hard-codes; requests to it are
    sent to ``base_url`` instead (when one is configured). ``on_response``, if
    given, sees every response (the Facebook publisher reads the status and the
    usage headers the SDK drops).
    """

    def __init__(
        self,
        library_host: str,
        base_url: str | None,
        timeouts: Timeouts,
        on_response: Callable[[requests.Response], None] | None = None,
    ) -> None:
        super().__init__()
        self.library_host = library_host.rstrip("/")
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeouts = timeouts
        if on_response is not None:
            self.hooks["response"].append(lambda response, *args, **kwargs: on_response(response))

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if isinstance(url, bytes):
            url = url.decode()
        if self.base_url and url.startswith(self.library_host):
            url = self.base_url + url[len(self.library_host) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeouts.as_requests()
        return super().request(method, url, *args, **kwargs)


# -- transport failures --------------------------------------------------------------------


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it was raised from or during, outermost first."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def transport_failure(exc: BaseException) -> Failure | None:
    """Classify a network-level exception from requests, urllib3 or httpx.

    ``TRANSIENT`` when the request certainly never reached the platform (the
    connection could not be opened); ``MAYBE_SENT`` when it may have (a read
    timeout, a connection dropped after the request was written); ``None`` when
    ``exc`` is not a transport error at all.
    """
    import httpx
    import urllib3.exceptions as u3

    chain = _chain(exc)
    not_sent = (
        requests.exceptions.ConnectTimeout,
        u3.ConnectTimeoutError,
        u3.NewConnectionError,
        u3.NameResolutionError,
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.PoolTimeout,
        ConnectionRefusedError,
    )
    maybe_sent = (
        requests.exceptions.ReadTimeout,
        requests.exceptions.ConnectionError,
        requests.exceptions.ChunkedEncodingError,
        u3.ReadTimeoutError,
        u3.ProtocolError,
        httpx.TimeoutException,
        httpx.TransportError,
        TimeoutError,
        ConnectionError,
    )
    if any(isinstance(e, not_sent) for e in chain):
        return Failure.TRANSIENT
    if any(isinstance(e, maybe_sent) for e in chain):
        return Failure.MAYBE_SENT
    return None


def describe_transport_error(exc: BaseException, failure: Failure, platform: str) -> str:
    """A message for a transport failure that never quotes a URL (URLs may carry tokens)."""
    kind = type(_chain(exc)[-1]).__name__
    if failure is Failure.TRANSIENT:
        return f"could not connect to {platform} ({kind}); nothing was sent"
    return (
        f"no answer from {platform} after the request was sent ({kind}); "
        "the post may have gone out: reconcile before retrying"
    )


# -- headers ------------------------------------------------------------------------------


def epoch_header(value: str | None) -> datetime | None:
    """A Unix-time header (``x-rate-limit-reset: 1705420800``) as an aware datetime."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(float(value)), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def int_header(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def retry_after(value: str | None, now: datetime) -> datetime | None:
    """An HTTP ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso_time(value: str | None) -> datetime | None:
    """An ISO 8601 time (Mastodon's ``X-RateLimit-Reset``)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
