"""The publisher interface every platform implements (dry-run included).

A publisher turns one :class:`OutgoingPost` into one platform call. It never
decides *whether* to post (that is :mod:`bot.guard`) and never touches the
database (that is :mod:`bot.schedule`): it returns a :class:`PublishResult`
or raises :class:`PublishError` with a :class:`Failure` kind that tells the
caller what to do next.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.errors import AdvocacyBotError


@dataclass(frozen=True, slots=True)
class Mention:
    """A legislator tagged in a post: where their handle sits in the text."""

    person_id: str
    handle: str
    """As written in the text, without the leading ``@``."""


@dataclass(frozen=True, slots=True)
class OutgoingPost:
    """What a publisher needs to send one post."""

    key: str
    """The post's stable key (sha256 hex); publishers derive idempotency keys from it."""
    platform: str
    account: str
    text: str
    mentions: tuple[Mention, ...] = ()
    link: str | None = None
    created_at: datetime | None = None
    """When the post was composed (the post log's ``created_at``). Publishers that pick
    their own record key (Bluesky) use it so the key is both stable and time-ordered."""


@dataclass(frozen=True, slots=True)
class PublishResult:
    remote_id: str
    url: str | None = None
    cost: float = 0.0
    """What the platform charged for the call, in US dollars (X prices per post)."""
    rate_limit_remaining: int | None = None
    rate_limit_reset: datetime | None = None
    limits: dict[str, str] = field(default_factory=dict)
    """Every rate-limit window the platform reported with this answer, by header name
    (X sends a 15-minute window and 24-hour user and app windows); the two fields above
    hold the tightest of them."""


class Failure(StrEnum):
    """How a publish failed, which decides what happens to the post."""

    RATE_LIMITED = "rate_limited"
    """Too many requests: defer the account until ``retry_at``; the post stays queued."""
    DUPLICATE = "duplicate"
    """The platform says this text was already posted: never retried as new."""
    AUTH = "auth"
    """Credentials rejected or expired: pause the account and tell the organizer."""
    PAYMENT = "payment"
    """Out of credits or over a paid quota: pause the account and tell the organizer."""
    TRANSIENT = "transient"
    """5xx and the like, with no chance the post went out: retry with backoff."""
    MAYBE_SENT = "maybe_sent"
    """A timeout or a dropped connection after sending: reconcile, never blindly retry."""
    PERMANENT = "permanent"
    """The platform refused this post (too long, bad mention...): failed, with its reason."""


@dataclass
class PublishError(AdvocacyBotError):
    kind: Failure
    message: str
    http_status: int | None = None
    retry_at: datetime | None = None
    details: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        status = f" (HTTP {self.http_status})" if self.http_status else ""
        return f"{self.kind.value}{status}: {self.message}"


def after_create(error: PublishError) -> PublishError:
    """What a failed *create* means: unless the answer proves the platform refused
    the post, it is "maybe sent" and must be checked before it is sent again.

    A server error (500, 502, 503 or Meta's "transient" codes) is no proof: platforms
    do create the post and then fail the answer. Neither is a success status whose
    body cannot be read. A refused connection is proof (nothing reached the
    platform), and so is a 4xx with the platform's reason. The HTTP status stays
    on the error, so the worker still treats a run of 5xx as an outage of the
    account (``bot.schedule.worker``).
    """
    status = error.http_status
    if status is None or error.kind is Failure.MAYBE_SENT:
        return error
    server_failed = error.kind is Failure.TRANSIENT  # with a status: the server answered
    unreadable_2xx = error.kind is Failure.PERMANENT and 200 <= status < 300
    if not (server_failed or unreadable_2xx):
        return error
    return replace(
        error,
        kind=Failure.MAYBE_SENT,
        message=f"{error.message}; the post may have gone out: checking before sending it again",
    )


@dataclass(frozen=True, slots=True)
class AccountStatus:
    """What ``advocacy-bot accounts check`` reports for one account."""

    platform: str
    account: str
    ok: bool
    identity: str | None = None
    """Who the credentials belong to (screen name, page name, handle)."""
    detail: str = ""
    limits: dict[str, str] = field(default_factory=dict)


class Publisher(Protocol):
    """Sends posts for one account on one platform."""

    platform: str
    account: str
    live: bool
    """False for the dry-run publisher: nothing leaves the machine."""
    unprotected_seconds: float
    """The longest one :meth:`publish` can take (with the client's timeouts) while a
    second send of the same post would post it twice. A worker's lease must be
    longer, so no other worker checks and resends while the call may still land.
    Zero where the platform itself makes a resend harmless (Bluesky's record key,
    Mastodon's Idempotency-Key) or nothing leaves the machine (dry run)."""

    def publish(self, post: OutgoingPost) -> PublishResult:
        """Send ``post``; raise :class:`PublishError` on failure."""
        ...

    def check(self) -> AccountStatus:
        """Verify the account without posting."""
        ...

    def reconcile(self, post: OutgoingPost) -> PublishResult | None:
        """After an interrupted send, ask the platform whether ``post`` went out.

        Called for a post left ``sending`` by a crash, or after a publish that
        raised :attr:`Failure.MAYBE_SENT`. Never sends anything. Returns the
        result (remote id, URL) when the platform shows the post; ``None`` when
        the platform confirms it is not there (safe to publish again); raises
        :class:`PublishError` with :attr:`Failure.MAYBE_SENT` when it cannot tell
        (no way to check, or the check itself failed): the post becomes
        ``unknown`` and a person decides.
        """
        ...
