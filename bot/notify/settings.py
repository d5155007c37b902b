"""``NOTIFY_*`` settings: where the organisation is told (email, a webhook, both).

Read from the same environment (and ``.env``) as :class:`bot.config.Settings`.
Every mistake is a :class:`~bot.config.ConfigError` naming the variable and the
fix. The SMTP password and the webhook URL (Slack's and Matrix's carry their
token in the URL) are secrets: ``repr`` leaves them out, :meth:`describe` masks
them, and no error message quotes them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from urllib.parse import urlsplit

from bot.config import ConfigError
from bot.platforms._secrets import MASK

#: The variables this module reads (``notify status`` and the docs list them).
VARIABLES = (
    "NOTIFY_SMTP_HOST",
    "NOTIFY_SMTP_PORT",
    "NOTIFY_SMTP_USER",
    "NOTIFY_SMTP_PASSWORD",
    "NOTIFY_SMTP_STARTTLS",
    "NOTIFY_EMAIL_FROM",
    "NOTIFY_EMAIL_TO",
    "NOTIFY_WEBHOOK_URL",
    "NOTIFY_TIMEOUT",
)

DEFAULT_PORT = 587
IMPLICIT_TLS_PORT = 465
DEFAULT_TIMEOUT = 10.0

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class NotifySettings:
    smtp_host: str | None = None
    smtp_port: int = DEFAULT_PORT
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = True
    email_from: str | None = None
    email_to: tuple[str, ...] = ()
    webhook_url: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT

    @property
    def email(self) -> bool:
        """Whether notices go by email."""
        return self.smtp_host is not None

    @property
    def webhook(self) -> bool:
        return self.webhook_url is not None

    @property
    def smtp_tls(self) -> bool:
        """Port 465 speaks TLS from the first byte (SMTPS); others use STARTTLS if asked."""
        return self.smtp_port == IMPLICIT_TLS_PORT

    @property
    def secrets(self) -> list[str]:
        """What must never be written down: the password, the webhook URL and its parts."""
        found = [self.smtp_password or ""]
        if self.webhook_url:
            parts = urlsplit(self.webhook_url)
            found += [self.webhook_url, parts.path, parts.query, parts.password or ""]
            found += [segment for segment in parts.path.split("/") if len(segment) >= 16]
        return [secret for secret in found if secret]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NotifySettings:
        """Parse and check the ``NOTIFY_*`` variables of ``env`` (unset or empty: not used)."""

        def get(name: str) -> str | None:
            value = (env.get(name) or "").strip()
            return value or None

        timeout = _timeout(get("NOTIFY_TIMEOUT"))
        webhook = get("NOTIFY_WEBHOOK_URL")
        if webhook is not None:
            _check_webhook(webhook)
        email_names: tuple[str, ...] = ("NOTIFY_SMTP_HOST", "NOTIFY_EMAIL_TO", "NOTIFY_EMAIL_FROM")
        email_names += ("NOTIFY_SMTP_USER", "NOTIFY_SMTP_PASSWORD")
        if not any(get(name) for name in email_names):
            return cls(webhook_url=webhook, timeout=timeout)

        host = get("NOTIFY_SMTP_HOST")
        to_text = get("NOTIFY_EMAIL_TO")
        set_names = ", ".join(name for name in email_names if get(name))
        if host is None:
            raise ConfigError(
                f"{set_names} set but NOTIFY_SMTP_HOST is not: give the mail server "
                "(e.g. smtp.example.org), or unset the NOTIFY_SMTP_*/NOTIFY_EMAIL_* "
                "variables to send no email"
            )
        if to_text is None:
            raise ConfigError(
                "NOTIFY_SMTP_HOST is set but NOTIFY_EMAIL_TO is not: give the addresses "
                "to tell, comma-separated (e.g. organizers@example.org,ops@example.org)"
            )
        port = _port(get("NOTIFY_SMTP_PORT"))
        starttls = _flag("NOTIFY_SMTP_STARTTLS", get("NOTIFY_SMTP_STARTTLS"), default=True)
        user, password = get("NOTIFY_SMTP_USER"), env.get("NOTIFY_SMTP_PASSWORD") or None
        if (user is None) != (password is None):
            missing = "NOTIFY_SMTP_PASSWORD" if password is None else "NOTIFY_SMTP_USER"
            present = "NOTIFY_SMTP_USER" if password is None else "NOTIFY_SMTP_PASSWORD"
            raise ConfigError(
                f"{present} is set but {missing} is not: the mail server login needs both "
                "(or neither, for a relay that takes mail without a login)"
            )
        encrypted = starttls or port == IMPLICIT_TLS_PORT
        if password is not None and not encrypted and not _loopback(host):
            raise ConfigError(
                f"NOTIFY_SMTP_STARTTLS is off and NOTIFY_SMTP_PORT is {port}: the password "
                f"would cross the network to {host} unencrypted. Set NOTIFY_SMTP_STARTTLS=1 "
                f"(port 587) or use port {IMPLICIT_TLS_PORT} (TLS)"
            )
        to = tuple(_address("NOTIFY_EMAIL_TO", part) for part in to_text.split(",") if part.strip())
        if not to:
            raise ConfigError("NOTIFY_EMAIL_TO has no address: give at least one")
        sender = get("NOTIFY_EMAIL_FROM")
        if sender is None:
            if user is None or "@" not in user:
                raise ConfigError(
                    "NOTIFY_EMAIL_FROM is not set: give the address notices come from "
                    "(e.g. advocacy-bot@example.org; your mail server may require its own)"
                )
            sender = user
        return cls(
            smtp_host=host,
            smtp_port=port,
            smtp_user=user,
            smtp_password=password,
            smtp_starttls=starttls and port != IMPLICIT_TLS_PORT,
            email_from=_address("NOTIFY_EMAIL_FROM", sender),
            email_to=to,
            webhook_url=webhook,
            timeout=timeout,
        )

    def describe(self) -> dict[str, str]:
        """What is configured, safe to print: no password, no webhook token."""
        result: dict[str, str] = {}
        if self.email:
            security = "TLS" if self.smtp_tls else "STARTTLS" if self.smtp_starttls else "plain"
            login = f", login {self.smtp_user} (password set)" if self.smtp_user else ""
            result["email"] = (
                f"{self.smtp_host}:{self.smtp_port} ({security}{login}) from {self.email_from} "
                f"to {', '.join(self.email_to)}"
            )
        if self.webhook_url:
            result["webhook"] = mask_webhook(self.webhook_url)
        return result


def mask_webhook(url: str) -> str:
    """``https://hooks.slack.com/services/T0/B0/xyz`` → ``https://hooks.slack.com/***``."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}/{MASK}"


def _check_webhook(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        scheme = f" (it starts {parts.scheme + ':'!r})" if parts.scheme and "://" in url else ""
        raise ConfigError(
            f"NOTIFY_WEBHOOK_URL is not an http:// or https:// address{scheme}; paste the "
            "whole incoming-webhook URL your chat gives (Slack: https://hooks.slack.com/...). "
            "The value is not shown: it may hold a token"
        )
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ConfigError(
            "NOTIFY_WEBHOOK_URL has a bad port number; the value is not shown: it may hold a token"
        ) from None


def _port(text: str | None) -> int:
    if text is None:
        return DEFAULT_PORT
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise ConfigError(
            f"NOTIFY_SMTP_PORT={text!r} is not a port: give a number from 1 to 65535 "
            f"({DEFAULT_PORT} for STARTTLS, the default; {IMPLICIT_TLS_PORT} for TLS; "
            "25 for a local relay)"
        )
    return port


def _flag(name: str, text: str | None, *, default: bool) -> bool:
    if text is None:
        return default
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise ConfigError(f"{name}={text!r}: say 1 (on) or 0 (off)")


def _timeout(text: str | None) -> float:
    if text is None:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 120:
        raise ConfigError(
            f"NOTIFY_TIMEOUT={text!r}: give seconds above 0 and at most 120 "
            f"(default {DEFAULT_TIMEOUT:g})"
        )
    return seconds


def _address(name: str, text: str) -> str:
    _, address = parseaddr(text.strip())
    local, _, domain = address.rpartition("@")
    if not local or not domain or " " in address:
        raise ConfigError(f"{name}: {text.strip()!r} is not an email address (name@example.org)")
    return address


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
