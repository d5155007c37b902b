"""Settings from the environment and a ``.env`` file.

Secrets live only in :class:`Settings` (read from the environment) and are
handed to the platform clients; ``repr`` and :meth:`Settings.describe` mask
them so they never reach output, logs, the database or an error message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from bot.errors import AdvocacyBotError

DEFAULT_DATABASE_URL = "sqlite:///advocacy-bot.db"

#: Seconds a SQLite statement waits for another process's write lock (``BOT_DB_BUSY_TIMEOUT``).
BUSY_TIMEOUT = 30.0

#: The Census geocoder's base URL (``GEOCODER_URL`` overrides it).
CENSUS_GEOCODER_URL = "https://geocoding.geo.census.gov/geocoder"
#: Where portraits may come from unless ``PHOTO_ORIGINS`` says otherwise: the official
#: hosts of the data the project ships (Congress's portraits; the Missouri and Colorado
#: legislatures' member photos as Open States lists them).
DEFAULT_PHOTO_ORIGINS = (
    "https://unitedstates.github.io",
    "https://house.mo.gov",
    "https://www.senate.mo.gov",
    "https://senate.mo.gov",
    "https://leg.colorado.gov",
)


class Mode(StrEnum):
    DRY_RUN = "dry_run"
    LIVE = "live"


class ConfigError(AdvocacyBotError):
    """A setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    mode: Mode = Mode.DRY_RUN
    campaigns_dir: Path = Path("campaigns")
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The raw environment, for per-platform credentials; never printed."""

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, dotenv: bool = True) -> Settings:
        """Read settings from ``environ`` (default: ``os.environ`` after loading ``.env``)."""
        if environ is None:
            if dotenv:
                from dotenv import load_dotenv

                load_dotenv(Path.cwd() / ".env", override=False)
            environ = dict(os.environ)
        mode_text = environ.get("BOT_MODE", Mode.DRY_RUN.value).strip().lower().replace("-", "_")
        try:
            mode = Mode(mode_text)
        except ValueError:
            raise ConfigError(
                f"BOT_MODE={mode_text!r} is not a mode; use 'dry_run' (the default) or 'live'"
            ) from None
        return cls(
            database_url=environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            mode=mode,
            campaigns_dir=Path(environ.get("CAMPAIGNS_DIR") or "campaigns"),
            env=dict(environ),
        )

    def get(self, name: str) -> str | None:
        """One raw setting (a credential, say); ``None`` when unset or empty."""
        value = self.env.get(name)
        return value if value else None

    @property
    def busy_timeout(self) -> float:
        """``BOT_DB_BUSY_TIMEOUT``: seconds a SQLite statement waits for the write lock."""
        value = self.get("BOT_DB_BUSY_TIMEOUT")
        if value is None:
            return BUSY_TIMEOUT
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not 0 < seconds <= 3600:
            raise ConfigError(
                f"BOT_DB_BUSY_TIMEOUT={value!r}: give seconds above 0 and at most 3600 "
                f"(default {BUSY_TIMEOUT:g})"
            )
        return seconds

    @property
    def spool_dir(self) -> Path:
        """``BOT_SPOOL_DIR``: where answers the database could not take yet are kept."""
        return Path(self.get("BOT_SPOOL_DIR") or "spool")

    @property
    def organisation(self) -> Organisation:
        """``ORG_*``: the organisation the supporter pages speak for (name, logo, colour, links)."""
        return Organisation.from_env(self)

    @property
    def geocoder_url(self) -> str:
        """``GEOCODER_URL``: the Census geocoder's base URL (supporter address lookups)."""
        value = self.get("GEOCODER_URL")
        if value is None:
            return CENSUS_GEOCODER_URL
        if not value.startswith(("https://", "http://")):
            raise ConfigError(
                f"GEOCODER_URL={value[:80]!r} is not an http(s) URL; leave it unset for the "
                f"Census geocoder ({CENSUS_GEOCODER_URL})"
            )
        return value.rstrip("/")

    @property
    def photo_origins(self) -> tuple[str, ...]:
        """``PHOTO_ORIGINS``: where legislators' portraits may be fetched from, comma-separated
        origins (``https://house.mo.gov``); ``none`` shows no portraits. Unset: the official
        hosts of the shipped data (:data:`DEFAULT_PHOTO_ORIGINS`)."""
        value = self.get("PHOTO_ORIGINS")
        if value is None:
            return DEFAULT_PHOTO_ORIGINS
        try:
            return parse_origins(value)
        except ValueError as exc:
            raise ConfigError(f"PHOTO_ORIGINS: {exc}") from None

    def describe(self) -> dict[str, str]:
        """Settings safe to print: the database password is masked."""
        return {
            "database_url": mask_url(self.database_url),
            "mode": self.mode.value,
            "campaigns_dir": str(self.campaigns_dir),
        }


_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _relative_luminance(colour: str) -> float:
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class Organisation:
    """Who the supporter pages speak for. Every field is optional."""

    name: str = "advocacy-bot"
    logo_url: str | None = None
    """A path on this site (``/static/...`` or served by your proxy): pages load nothing
    from other sites."""
    colour: str | None = None
    """``#rrggbb`` for buttons and links, with at least 4.5:1 contrast on white."""
    donate_url: str | None = None
    contact_url: str | None = None
    privacy_url: str | None = None

    @property
    def links(self) -> list[tuple[str, str]]:
        found = [("Donate", self.donate_url), ("Contact us", self.contact_url)]
        found.append(("Privacy", self.privacy_url))
        return [(label, url) for label, url in found if url]

    @classmethod
    def from_env(cls, settings: Settings) -> Organisation:
        def web(name: str) -> str | None:
            value = settings.get(name)
            if value is None:
                return None
            if not value.startswith("https://") or any(c in value for c in ' "<>\\'):
                raise ConfigError(f"{name}={value[:80]!r}: give an https:// URL")
            return value

        name = " ".join((settings.get("ORG_NAME") or "").split())[:80] or cls.name
        logo = settings.get("ORG_LOGO_URL")
        if logo is not None and (
            not logo.startswith("/") or logo.startswith("//") or any(c in logo for c in ' "<>\\')
        ):
            raise ConfigError(
                f"ORG_LOGO_URL={logo[:80]!r}: give a path on this site, such as "
                "/static/org/logo.svg (supporter pages load nothing from other sites)"
            )
        colour = settings.get("ORG_COLOR")
        if colour is not None:
            if not _HEX_COLOUR.match(colour):
                raise ConfigError(f"ORG_COLOR={colour[:20]!r}: give a colour as #rrggbb")
            if contrast(colour, "#ffffff") < 4.5:
                raise ConfigError(
                    f"ORG_COLOR={colour}: white text on it has a contrast of "
                    f"{contrast(colour, '#ffffff'):.1f}:1; choose a darker shade (4.5:1 at least)"
                )
        return cls(
            name=name,
            logo_url=logo,
            colour=colour.lower() if colour else None,
            donate_url=web("ORG_DONATE_URL"),
            contact_url=web("ORG_CONTACT_URL"),
            privacy_url=web("ORG_PRIVACY_URL"),
        )


def mask_url(url: str) -> str:
    """``postgresql://bot:secret@db/x`` → ``postgresql://bot:***@db/x``."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def origin(url: str) -> str | None:
    """``https://host[:port]`` of an http(s) URL, lower-cased, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    suffix = f":{port}" if port not in (None, default) else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{suffix}"


def parse_origins(value: str) -> tuple[str, ...]:
    """``PHOTO_ORIGINS``: comma-separated origins, or ``none``; ValueError saying what is wrong."""
    if value.strip().lower() == "none":
        return ()
    found = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        parts = urlsplit(item)
        if origin(item) is None or parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(
                f"{item[:80]!r} is not an origin; write each as scheme and host only, such as "
                "https://house.mo.gov, or 'none' for no portraits"
            )
        found.append(origin(item) or "")
    return tuple(found)
