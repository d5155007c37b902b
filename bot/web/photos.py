"""Legislators' portraits, served from the bot's own origin.

The directory keeps each legislator's portrait URL as the source gives it
(Open States ``image``; for Congress, the public-domain official portraits of
github.com/unitedstates/images). A supporter's browser never loads it from
there: the page shows ``/photo/<person id>``, and the bot fetches the image
once, server-side, keeps it in the database (``person_photos``) and serves it
itself. So no request from a supporter page reaches a third party, and a slow
or gone image host costs a supporter nothing but the placeholder.

The URL is data from a public source, so untrusted. A portrait is fetched only
when its origin (scheme, host and port) is one the organisation allows
(``PHOTO_ORIGINS``; by default the official hosts of the data the project
ships), without following redirects, within :data:`TIMEOUT` seconds and
:data:`MAX_BYTES` bytes, and kept only if its bytes are a JPEG, PNG or WebP
image (the answer's own ``Content-Type`` is not trusted). Anything else is
recorded as a failure with its reason and tried again after
:data:`RETRY_AFTER`; the page then shows a neutral silhouette, never a broken
image.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests

from bot.config import origin
from bot.errors import AdvocacyBotError

TIMEOUT = 5.0
"""Seconds a fetch may take in all (connect, answer and body)."""
MAX_BYTES = 2_000_000
"""A portrait larger than this is refused (the Congress ones are some 15 kB)."""
RETRY_AFTER = timedelta(days=1)
"""A failed fetch is not tried again before this."""
REFRESH_AFTER = timedelta(days=30)
"""A fetched portrait is fetched again after this (members' photos change)."""

#: Shown when there is no portrait to serve: a neutral silhouette (a valid image, so the
#: page never shows a broken one).
PLACEHOLDER_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 90 110">'
    b'<rect width="90" height="110" fill="#e8e8e8"/>'
    b'<circle cx="45" cy="42" r="18" fill="#bdbdbd"/>'
    b'<path d="M12 110c0-22 15-36 33-36s33 14 33 36z" fill="#bdbdbd"/></svg>'
)


class PhotoError(AdvocacyBotError):
    """A portrait could not be fetched or is not an image; the message says why (no URL)."""


@dataclass(frozen=True)
class Photo:
    content_type: str
    body: bytes


def allowed(url: str | None, origins: tuple[str, ...]) -> bool:
    """Whether a portrait at ``url`` may be fetched: its origin is one of ``origins``."""
    return bool(url) and origin(url or "") in origins


def sniff(body: bytes) -> str | None:
    """The image type the bytes really are: ``image/jpeg``, ``image/png``, ``image/webp``."""
    if body.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if body.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(body) >= 12 and body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp"
    return None


def fetch(url: str, *, timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES) -> Photo:
    """The portrait at ``url``, checked; :class:`PhotoError` saying why not otherwise."""
    deadline = time.monotonic() + timeout
    try:
        with requests.get(
            url,
            stream=True,
            timeout=(timeout, timeout),
            allow_redirects=False,
            headers={"Accept": "image/jpeg, image/png, image/webp"},
        ) as answer:
            if answer.status_code != 200:
                raise PhotoError(f"the image host answered {answer.status_code}")
            declared = answer.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise PhotoError(f"the image is larger than {max_bytes:,} bytes")
            body = bytearray()
            for chunk in answer.iter_content(64 * 1024):
                body += chunk
                if len(body) > max_bytes:
                    raise PhotoError(f"the image is larger than {max_bytes:,} bytes")
                if time.monotonic() > deadline:
                    raise PhotoError(f"the image host took more than {timeout:g} s")
    except requests.RequestException as exc:
        # requests' own messages quote the URL; say only what kind of failure it was.
        raise PhotoError(f"the image host could not be reached ({type(exc).__name__})") from None
    kind = sniff(bytes(body))
    if kind is None:
        raise PhotoError("the answer is not a JPEG, PNG or WebP image")
    return Photo(kind, bytes(body))


def stale(fetched_at: datetime, succeeded: bool, now: datetime) -> bool:
    """Whether a stored portrait (or failure) from ``fetched_at`` should be fetched again."""
    return now - fetched_at >= (REFRESH_AFTER if succeeded else RETRY_AFTER)
