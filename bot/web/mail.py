"""Email to supporters: address checks, the settings, the messages and one SMTP session.

The mail server is the one notifications use (``NOTIFY_SMTP_*``, read by
:class:`bot.notify.NotifySettings`); supporter mail adds ``UPDATES_FROM`` (the
address supporters see, default ``NOTIFY_EMAIL_FROM``) and ``UPDATES_SITE_URL``
(the public address of the site, for the links in the emails: never taken from
a request's ``Host`` header, which anybody can set). Without
``UPDATES_SITE_URL`` the sign-up forms are not shown.

Every address typed into a form is untrusted: :func:`clean_address` accepts a
plain ``local@domain`` only (no display name, no quotes, no spaces, no control
characters, so nothing can smuggle a header in).
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from bot.config import ConfigError
from bot.errors import AdvocacyBotError
from bot.notify.channels import DeliveryError, smtp_connection
from bot.notify.settings import NotifySettings
from bot.platforms._secrets import redact

MAX_ADDRESS = 254
MAX_LOCAL = 64
#: RFC 5322 "atext" (dots are checked apart); no quoted strings, no comments.
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
#: A CSV cell starting with one of these is a formula in a spreadsheet.
_FORMULA_START = tuple("=+-@")
MAX_SUBJECT = 200
MAX_BODY = 20_000


class BadAddress(AdvocacyBotError, ValueError):
    """What is wrong with an address, in words for the person who typed it."""


def clean_address(text: str) -> str:
    """``text`` as an address to store and send to (domain lower-cased), or :class:`BadAddress`."""
    address = text.strip()
    if not address:
        raise BadAddress("Give your email address.")
    if len(address) > MAX_ADDRESS:
        raise BadAddress("That email address is too long.")
    if any(ord(c) < 33 or ord(c) == 127 for c in address):
        raise BadAddress("An email address has no spaces or line breaks.")
    if address.count("@") != 1:
        raise BadAddress("An email address has one @, as in name@example.org.")
    local, domain = address.split("@")
    if (
        not local
        or len(local) > MAX_LOCAL
        or not _LOCAL.match(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or local.startswith(_FORMULA_START)
    ):
        raise BadAddress("The part before the @ is not one we can send to.")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise BadAddress("The part after the @ is not a domain, as in example.org.")
    return f"{local}@{domain.lower()}"


@dataclass(frozen=True)
class UpdatesSettings:
    """Where supporter mail goes out from, and the site its links point to."""

    smtp: NotifySettings
    sender: str
    site_url: str
    """``https://act.example.org``: no trailing slash."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> UpdatesSettings | None:
        """``None`` when ``UPDATES_SITE_URL`` is unset (no sign-up forms); else checked."""

        def get(name: str) -> str | None:
            return (env.get(name) or "").strip() or None

        site = get("UPDATES_SITE_URL")
        if site is None:
            return None
        parts = urlsplit(site)
        local = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if (
            not parts.hostname
            or parts.scheme not in ("https", "http")
            or (parts.scheme == "http" and not local)
            or parts.query
            or parts.fragment
            or any(c in site for c in ' "<>\\')
        ):
            raise ConfigError(
                f"UPDATES_SITE_URL={site[:80]!r}: give the public https:// address of this "
                "site (e.g. https://act.example.org); the links in supporters' emails use it"
            )
        if not get("NOTIFY_SMTP_HOST"):
            raise ConfigError(
                "UPDATES_SITE_URL is set but NOTIFY_SMTP_HOST is not: sign-up emails go out "
                "through the notifications' mail server (NOTIFY_SMTP_*, docs/notifications.md)"
            )
        sender_text = get("UPDATES_FROM") or get("NOTIFY_EMAIL_FROM") or get("NOTIFY_SMTP_USER")
        if sender_text is None:
            raise ConfigError(
                "UPDATES_FROM is not set: give the address supporters' emails come from "
                "(e.g. updates@example.org)"
            )
        try:
            sender = clean_address(sender_text)
        except BadAddress:
            raise ConfigError(
                f"UPDATES_FROM={sender_text[:80]!r} is not an email address (updates@example.org)"
            ) from None
        # The notices' recipients are not needed here: default them so the SMTP part parses.
        smtp_env = {**env, "NOTIFY_EMAIL_TO": get("NOTIFY_EMAIL_TO") or sender}
        smtp_env.setdefault("NOTIFY_EMAIL_FROM", sender)
        return cls(NotifySettings.from_env(smtp_env), sender, site.rstrip("/"))


def confirmation(
    settings: UpdatesSettings, org: str, to: str, link: str, what: str, hours: int
) -> EmailMessage:
    """The double opt-in email: one link, and what happens if it is not followed."""
    body = (
        f"Someone, probably you, asked {org} to send {what} to this address.\n\n"
        f"To start getting them, open this link within {hours} hours and press Confirm:\n\n"
        f"{link}\n\n"
        "If it wasn't you, ignore this email: without the confirmation we send nothing "
        "more and forget this address.\n"
    )
    return _message(settings, org, to, f"Confirm: {what} from {org}", body, None)


def update(
    settings: UpdatesSettings, org: str, to: str, subject: str, body: str, unsubscribe: str
) -> EmailMessage:
    """An update for a confirmed subscriber, with the unsubscribe link and RFC 8058 headers."""
    footer = (
        f"\n\n--\nYou get this because you asked {org} for advocacy updates and confirmed it.\n"
        f"Unsubscribe (one click): {unsubscribe}\n"
    )
    return _message(settings, org, to, subject, body.rstrip() + footer, unsubscribe)


def one_line(text: str, limit: int = MAX_SUBJECT) -> str:
    """A subject from organizer text: one line, no control characters, at most ``limit``."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:limit]


def _message(
    settings: UpdatesSettings, org: str, to: str, subject: str, body: str, unsubscribe: str | None
) -> EmailMessage:
    message = EmailMessage()
    local, _, domain = settings.sender.partition("@")
    message["From"] = Address(one_line(org, 80), local, domain)
    message["To"] = to
    message["Subject"] = one_line(subject)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=domain)
    if unsubscribe is None:  # the confirmation: no auto-replies to it
        message["Auto-Submitted"] = "auto-generated"
    else:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body)
    return message


class AddressRefused(DeliveryError):
    """The mail server refused this one recipient (the others may still go)."""


class Outbox:
    """One SMTP session: :meth:`send` as many messages as needed, then it closes.

    Errors are :class:`~bot.notify.channels.DeliveryError` with no secret in them.
    """

    def __init__(self, client: smtplib.SMTP, settings: UpdatesSettings) -> None:
        self._client = client
        self._settings = settings

    def send(self, message: EmailMessage) -> None:
        where = f"{self._settings.smtp.smtp_host}:{self._settings.smtp.smtp_port}"
        try:
            refused = self._client.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            raise AddressRefused(f"email: {where} refused the address") from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                _clean(self._settings, f"email: {where} answered {_said(exc)}")
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(_clean(self._settings, f"email: {where}: {exc}")) from None
        if refused:
            raise AddressRefused(f"email: {where} refused the address")


@contextmanager
def outbox(settings: UpdatesSettings) -> Iterator[Outbox]:
    """Connect and log in to the mail server (``NOTIFY_SMTP_*``) for a batch of messages."""
    s = settings.smtp
    where = f"{s.smtp_host}:{s.smtp_port}"
    try:
        client = smtp_connection(s)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            _clean(
                settings,
                f"email: {where} refused the login ({_said(exc)}); check "
                "NOTIFY_SMTP_USER and NOTIFY_SMTP_PASSWORD",
            )
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(_clean(settings, f"email: {where} answered {_said(exc)}")) from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        reason = "timed out" if isinstance(exc, socket.timeout | TimeoutError) else str(exc)
        raise DeliveryError(_clean(settings, f"email: cannot reach {where}: {reason}")) from None
    try:
        yield Outbox(client, settings)
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def _said(exc: smtplib.SMTPResponseException) -> str:
    raw = exc.smtp_error
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return f"{exc.smtp_code} {' '.join(text.split())[:200]}".strip()


def _clean(settings: UpdatesSettings, text: str) -> str:
    return redact(" ".join(text.split())[:300], settings.smtp.secrets)
