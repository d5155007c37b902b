"""The channels a notice goes out by: email (SMTP) and a webhook (a JSON POST).

Each channel's :meth:`send` either delivers or raises :class:`DeliveryError`
with a one-line reason built here, with every secret masked (an SMTP server's
answer or a network error is passed through :func:`~bot.platforms._secrets.redact`).
"""

from __future__ import annotations

import contextlib
import json
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol
from urllib.parse import urlsplit

from bot.errors import AdvocacyBotError
from bot.notify.settings import NotifySettings
from bot.platforms._secrets import protect_logs, redact

SUBJECT_PREFIX = "[advocacy-bot] "
USER_AGENT = "advocacy-bot (notifications)"


def smtp_connection(s: NotifySettings) -> smtplib.SMTP:
    """A connection to the mail server (``NOTIFY_SMTP_*``), encrypted as set, logged in.

    Raises what :mod:`smtplib` raises, for the caller to explain; a connection that
    fails after it opened is closed first. Notices and supporters' updates share it.
    """
    if s.smtp_tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            s.smtp_host or "",
            s.smtp_port,
            timeout=s.timeout,
            context=ssl.create_default_context(),
        )
    else:
        client = smtplib.SMTP(s.smtp_host or "", s.smtp_port, timeout=s.timeout)
    try:
        client.ehlo()
        if s.smtp_starttls:
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if s.smtp_user and s.smtp_password:
            client.login(s.smtp_user, s.smtp_password)
    except BaseException:
        client.close()
        raise
    return client


@dataclass(frozen=True)
class Notice:
    """One thing to tell the organisation."""

    kind: str
    """``auth``, ``payment``, ``takedown``, ``config`` (account paused), ``unknown`` (a
    post that may or may not have gone out), ``skipped`` (a campaign run), ``test``."""
    subject: str
    body: str
    key: str
    """What it is about, the same at every sweep: a notice is sent once per key."""


class DeliveryError(AdvocacyBotError):
    """A channel could not deliver a notice; the message holds no secret."""


class Channel(Protocol):
    name: str

    def send(self, notice: Notice) -> None: ...

    def describe(self) -> str: ...


class EmailChannel:
    name = "email"

    def __init__(self, settings: NotifySettings) -> None:
        assert settings.smtp_host and settings.email_from and settings.email_to
        self.settings = settings
        self._secrets = settings.secrets

    def describe(self) -> str:
        return f"email to {', '.join(self.settings.email_to)}"

    def message(self, notice: Notice) -> EmailMessage:
        s = self.settings
        message = EmailMessage()
        message["Subject"] = SUBJECT_PREFIX + notice.subject
        message["From"] = s.email_from
        message["To"] = ", ".join(s.email_to)
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain=(s.email_from or "").rpartition("@")[2] or None)
        message["X-Advocacy-Bot-Notice"] = notice.kind
        message.set_content(notice.body)
        return message

    def send(self, notice: Notice) -> None:
        s = self.settings
        where = f"{s.smtp_host}:{s.smtp_port}"
        try:
            with smtp_connection(s) as client:
                refused = client.send_message(self.message(notice))
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(
                self._clean(
                    f"email: {where} does not offer this ({exc}); with STARTTLS "
                    "unsupported, use port 465 or a server that offers it"
                )
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                self._clean(
                    f"email: {where} refused the login of {s.smtp_user} "
                    f"({_smtp_said(exc)}); check NOTIFY_SMTP_USER and NOTIFY_SMTP_PASSWORD"
                )
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            refused_text = ", ".join(sorted(exc.recipients))
            raise DeliveryError(
                self._clean(
                    f"email: {where} refused every recipient ({refused_text}); check "
                    "NOTIFY_EMAIL_TO"
                )
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(self._clean(f"email: {where} answered {_smtp_said(exc)}")) from None
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise DeliveryError(
                self._clean(f"email: cannot reach {where}: {_os_said(exc)}")
            ) from None
        if refused:
            raise DeliveryError(
                self._clean(
                    f"email: {where} refused {', '.join(sorted(refused))}; the others got it"
                )
            )

    def _clean(self, text: str) -> str:
        return redact(text, self._secrets)


class WebhookChannel:
    """POST ``{"text": ..., "subject": ..., "body": ..., "kind": ...}`` as JSON.

    ``text`` is what Slack's incoming webhooks, Matrix's hookshot and Mattermost
    show; the other fields are for anything that reads them.
    """

    name = "webhook"

    def __init__(self, settings: NotifySettings) -> None:
        assert settings.webhook_url
        self.url = settings.webhook_url
        self.timeout = settings.timeout
        self._secrets = settings.secrets
        parts = urlsplit(self.url)
        self.host = parts.hostname or "?"

    def describe(self) -> str:
        return f"webhook at {self.host}"

    @staticmethod
    def payload(notice: Notice) -> dict[str, str]:
        return {
            "text": f"{notice.subject}\n\n{notice.body}",
            "subject": notice.subject,
            "body": notice.body,
            "kind": notice.kind,
            "key": notice.key,
        }

    def send(self, notice: Notice) -> None:
        data = json.dumps(self.payload(notice), ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.url,
            data=data,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read(65536)
        except urllib.error.HTTPError as exc:
            said = ""
            with contextlib.suppress(OSError, IndexError):
                said = exc.read(300).decode("utf-8", "replace").strip().splitlines()[0]
            reason = f"HTTP {exc.code} {exc.reason}" + (f": {said}" if said else "")
            raise DeliveryError(self._clean(f"webhook: {self.host} answered {reason}")) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            cause = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise DeliveryError(
                self._clean(f"webhook: cannot reach {self.host}: {_os_said(cause)}")
            ) from None

    def _clean(self, text: str) -> str:
        return redact(text, self._secrets)


class Notifier:
    """Every configured channel; :meth:`send` tries each and says how each went."""

    def __init__(self, channels: list[Channel], settings: NotifySettings) -> None:
        self.channels = channels
        self.settings = settings

    @property
    def names(self) -> list[str]:
        return [channel.name for channel in self.channels]

    def send(self, notice: Notice, *, skip: frozenset[str] = frozenset()) -> dict[str, str | None]:
        """``{channel: None}`` where delivered, ``{channel: reason}`` where not; never raises
        for a channel's failure (skipped channels are left out)."""
        results: dict[str, str | None] = {}
        for channel in self.channels:
            if channel.name in skip:
                continue
            try:
                channel.send(notice)
            except DeliveryError as exc:
                results[channel.name] = str(exc)
            else:
                results[channel.name] = None
        return results


def notifier_from(settings: NotifySettings) -> Notifier | None:
    """A notifier for the configured channels (email, webhook, both), or None if neither."""
    channels: list[Channel] = []
    if settings.email:
        channels.append(EmailChannel(settings))
    if settings.webhook:
        channels.append(WebhookChannel(settings))
    if not channels:
        return None
    protect_logs(settings.secrets)
    return Notifier(channels, settings)


def _smtp_said(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
    text = " ".join(str(text or exc.smtp_error).split())[:200]
    return f"{exc.smtp_code} {text}".strip()


def _os_said(exc: object) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running, is the port right?)"
    if isinstance(exc, socket.gaierror):
        return "no such host"
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())[:200]
