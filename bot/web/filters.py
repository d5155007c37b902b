"""Template filters. Each escapes what it is given; none marks untrusted text safe."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from urllib.parse import urlsplit

from flask import Flask
from markupsafe import Markup, escape

PLATFORM_LABELS = {"x": "X", "facebook": "Facebook", "bluesky": "Bluesky", "mastodon": "Mastodon"}
STATUS_LABELS = {
    "queued": "queued",
    "held": "held",
    "sending": "sending",
    "posted": "posted",
    "dry_run": "dry run",
    "failed": "failed",
    "unknown": "unknown",
    "skipped": "skipped",
    "rejected": "rejected",
}

# @handle, @user@instance, @name.bsky.social; and http(s) links.
_TOKENS = re.compile(
    r"(?P<url>https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]])"
    r"|(?<![\w@])(?P<mention>@[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?"
    r"(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
)


def safe_url(value: str | None) -> str | None:
    """``value`` if it is an absolute http(s) URL, else None (never ``javascript:``...)."""
    if not value:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return value.strip()


def highlight(text: str) -> Markup:
    """``text`` escaped, with mentions and links marked up as a platform shows them.

    Links are not made clickable: the text is what will be posted, not a page
    to browse from.
    """
    out: list[str] = []
    last = 0
    for match in _TOKENS.finditer(text):
        out.append(str(escape(text[last : match.start()])))
        kind = "url" if match.group("url") else "mention"
        out.append(f'<span class="{kind}">{escape(match.group(0))}</span>')
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def when(value: datetime | None, zone: tzinfo | None = None) -> Markup:
    """A ``<time>`` element: ``2026-03-02 15:00 UTC`` (or in ``zone``)."""
    if value is None:
        return Markup("")
    shown = value.astimezone(zone) if zone else value
    label = shown.strftime("%Y-%m-%d %H:%M ") + (shown.tzname() or "UTC")
    return Markup('<time datetime="{}">{}</time>').format(value.isoformat(), label)


def platform_limit(platform: str) -> int:
    from bot.compose.length import limit

    return limit(platform)


def money(value: float | None) -> str:
    return f"${value or 0:,.2f}"


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        safe_url=safe_url,
        highlight=highlight,
        when=when,
        money=money,
        platform_label=lambda name: PLATFORM_LABELS.get(name, name),
        status_label=lambda name: STATUS_LABELS.get(name, name),
    )
    app.jinja_env.globals.update(
        PLATFORM_LABELS=PLATFORM_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        platform_limit=platform_limit,
    )
