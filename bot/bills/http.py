"""The HTTP side of both bill APIs: keys, timeouts, pacing, Retry-After, paging, conditional GETs.

:class:`ApiClient` is configured with a base URL (so tests point it at a
local fake), an API key sent in a header (never in the URL, so it never
reaches a log or the cache), a timeout, and a minimum interval between
requests that keeps under the API's published rate limit:

- Congress.gov (api.data.gov): 5,000 requests an hour per key, so one request
  every 0.75 s at most; the key goes in ``X-Api-Key``.
- Open States API v3: the free tier allows 10 requests a minute and 250 a
  day, so one every 6 s; the key goes in ``X-API-KEY``.

A 429 (or 503) answer is retried after the ``Retry-After`` the API sends
(up to :attr:`ApiClient.max_wait` seconds; longer waits become an error saying
when to try again). Conditional requests: when an earlier answer carried an
``ETag`` or ``Last-Modified``, the next request sends ``If-None-Match`` /
``If-Modified-Since`` and a ``304`` reuses the cached body. (Neither API
documents these headers: Congress.gov's OpenAPI file declares none and Open
States' api-v3 sets none; the client uses them if they ever appear.)

Every failure is an :class:`ApiError` whose message says what to do.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from bot.errors import AdvocacyBotError

DEFAULT_TIMEOUT = 30.0


class ApiError(AdvocacyBotError):
    """A request failed; the message says why and what to do."""

    def __init__(self, message: str, *, status: int | None = None, kind: str = "error") -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        """``auth`` (the key), ``not_found``, ``rate_limit``, ``offline``, ``malformed``,
        ``server`` or ``error``."""


@dataclass
class CachedAnswer:
    """An earlier answer that carried a validator, for conditional requests."""

    body: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Service:
    """What an API is called and where its keys come from, for messages."""

    name: str
    key_env: str
    key_header: str
    signup: str


@dataclass
class ApiClient:
    """GET JSON from one API (see the module's doc)."""

    service: Service
    base_url: str
    key: str | None
    timeout: float = DEFAULT_TIMEOUT
    min_interval: float = 0.0
    max_wait: float = 120.0
    max_retries: int = 3
    http: requests.Session = field(default_factory=requests.Session)
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    cached: Callable[[str], CachedAnswer | None] = lambda url: None
    """Looks up an earlier answer for a URL (the sync reads the database)."""
    requests_made: int = 0
    not_modified: int = 0
    rate_limit_remaining: int | None = None
    fresh_answers: dict[str, CachedAnswer] = field(default_factory=dict)
    """Answers with validators received in this sync, written to the cache with the bills."""
    _last: float | None = None

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        url = path if "://" in path else f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
        return url

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The JSON object at ``path`` (relative to the base URL, or absolute)."""
        if not self.key:
            raise ApiError(
                f"{self.service.key_env} is not set: {self.service.name} needs an API key; get "
                f"one free at {self.service.signup} and put it in .env",
                kind="auth",
            )
        url = self.url(path, params)
        response = self._send(url)
        if response.status_code == 304:
            earlier = self.cached(url)
            if earlier is None:
                raise ApiError(f"{self.service.name} answered 304 for {_shown(url)} with no cache")
            self.not_modified += 1
            return self._parse(url, earlier.body)
        text = response.text
        data = self._parse(url, text)
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        if etag or modified:
            self.fresh_answers[url] = CachedAnswer(text, etag, modified)
        return data

    def _parse(self, url: str, text: str) -> dict[str, Any]:
        try:
            data = json.loads(text)
        except ValueError:
            raise ApiError(
                f"{self.service.name} sent a malformed answer for {_shown(url)}: not JSON",
                kind="malformed",
            ) from None
        if not isinstance(data, dict):
            raise ApiError(
                f"{self.service.name} sent a malformed answer for {_shown(url)}: not a JSON object",
                kind="malformed",
            )
        return data

    def _headers(self, url: str) -> dict[str, str]:
        headers = {
            self.service.key_header: self.key or "",
            "Accept": "application/json",
            "User-Agent": "advocacy-bot (bills sync)",
        }
        earlier = self.cached(url)
        if earlier is not None:
            if earlier.etag:
                headers["If-None-Match"] = earlier.etag
            if earlier.last_modified:
                headers["If-Modified-Since"] = earlier.last_modified
        return headers

    def _pace(self) -> None:
        if self._last is not None and self.min_interval > 0:
            wait = self._last + self.min_interval - self.monotonic()
            if wait > 0:
                self.sleep(wait)
        self._last = self.monotonic()

    def _send(self, url: str) -> requests.Response:
        host = urlsplit(url).netloc or url
        for attempt in range(self.max_retries + 1):
            self._pace()
            try:
                response = self.http.get(url, headers=self._headers(url), timeout=self.timeout)
            except requests.Timeout:
                raise ApiError(
                    f"{host} did not answer within {self.timeout:g}s; try again later "
                    "or with --timeout",
                    kind="offline",
                ) from None
            except requests.ConnectionError:
                raise ApiError(
                    f"cannot reach {host}: this machine seems to be offline, or {host} is down",
                    kind="offline",
                ) from None
            except requests.RequestException as exc:
                raise ApiError(f"requesting {_shown(url)} failed: {exc}") from None
            self.requests_made += 1
            remaining = response.headers.get("X-RateLimit-Remaining")
            if remaining is not None and remaining.strip().isdigit():
                self.rate_limit_remaining = int(remaining)
            status = response.status_code
            if status in (429, 503) or status >= 500:
                wait = _retry_after(response.headers.get("Retry-After"))
                if wait is None:
                    wait = 2.0**attempt if status != 429 else 60.0
                if attempt == self.max_retries or wait > self.max_wait:
                    raise self._refusal(response, url, wait)
                self.sleep(wait)
                continue
            if status in (200, 304):
                return response
            raise self._refusal(response, url, None)
        raise AssertionError("unreachable")  # pragma: no cover

    def _refusal(self, response: requests.Response, url: str, wait: float | None) -> ApiError:
        status = response.status_code
        name = self.service.name
        detail = _error_detail(response)
        if status == 429:
            after = f"; it asks to wait {wait:.0f}s" if wait else ""
            return ApiError(
                f"{name} refused: rate limit reached (HTTP 429{after}: {detail}). Try again later",
                status=status,
                kind="rate_limit",
            )
        if status in (401, 403):
            return ApiError(
                f"{name} refused the API key (HTTP {status}: {detail}): check "
                f"{self.service.key_env} in .env (get a key at {self.service.signup})",
                status=status,
                kind="auth",
            )
        if status == 404:
            return ApiError(
                f"{name} has no such bill ({_shown(url)}: HTTP 404). Check the campaign's "
                "jurisdiction, session and identifier",
                status=status,
                kind="not_found",
            )
        if status >= 500:
            return ApiError(
                f"{name} is failing (HTTP {status}: {detail}); try again later",
                status=status,
                kind="server",
            )
        return ApiError(f"{name} answered HTTP {status} for {_shown(url)}: {detail}", status=status)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _error_detail(response: requests.Response) -> str:
    """The API's own words: api.data.gov's ``error.code``/``message``, FastAPI's ``detail``."""
    try:
        data = response.json()
    except ValueError:
        return (response.text or response.reason or "").strip()[:200] or "no details"
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            parts = [str(error.get(k)) for k in ("code", "message") if error.get(k)]
            return ": ".join(parts)[:300] or "no details"
        if isinstance(error, str):
            return error[:300]
        if "detail" in data:
            return str(data["detail"])[:300]
        if "message" in data:
            return str(data["message"])[:300]
    return json.dumps(data)[:200]


def _shown(url: str) -> str:
    """A URL for messages: path and query, never a key (keys are sent as headers anyway)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
