"""Keep credentials out of logs and error messages.

The platform client libraries log at DEBUG level things we must never write
down: oauthlib logs the OAuth parameters it signs (consumer key, access token),
urllib3 logs request URLs (the Graph API takes ``access_token`` in the query
string of a GET), requests' exceptions quote the URL. Publishers therefore:

* build every :class:`~bot.platforms.base.PublishError` message themselves, from
  the platform's error body, and pass it through :func:`redact`;
* register their credentials with :func:`protect_logs`, which installs one
  redacting filter on the loggers of the HTTP and platform libraries, so even
  with ``logging.DEBUG`` switched on a credential is written as ``***``.

A logging filter only sees records created on the logger it is attached to (not
those propagated from children), so the filter goes on every existing logger
under the library prefixes below; :func:`protect_logs` is called when a
publisher is built, after its library has been imported and created its loggers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

MASK = "***"

#: Shorter values are not worth masking (and would mangle ordinary text).
MIN_SECRET_LENGTH = 6

#: Logger name prefixes of the libraries that carry credentials.
LIBRARY_LOGGERS = (
    "urllib3",
    "requests",
    "requests_oauthlib",
    "oauthlib",
    "tweepy",
    "facebook",
    "httpx",
    "httpcore",
    "atproto",
    "atproto_client",
    "atproto_core",
    "mastodon",
    "bot",
)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of a secret replaced by ``***``."""
    for secret in sorted(
        {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True
    ):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class _RedactingFilter(logging.Filter):
    """Rewrites a log record whose message or traceback contains a registered secret."""

    def __init__(self) -> None:
        super().__init__("advocacy-bot-redact")
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secrets: Iterable[str]) -> None:
        with self._lock:
            self._secrets |= {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self._secrets
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging
            return True
        cleaned = redact(message, secrets)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text, secrets)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        return True


_FILTER = _RedactingFilter()


def _library_loggers() -> list[logging.Logger]:
    manager = logging.Logger.manager
    names = set(LIBRARY_LOGGERS)
    names |= {
        name
        for name in list(manager.loggerDict)
        if any(name.startswith(prefix + ".") for prefix in LIBRARY_LOGGERS)
    }
    return [logging.getLogger(name) for name in sorted(names)]


def protect_logs(secrets: Iterable[str]) -> None:
    """Mask ``secrets`` in every record the HTTP and platform libraries log."""
    _FILTER.add(secrets)
    for logger in _library_loggers():
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
