"""The plain shapes of a post on its way through the bot, with no framework behind them.

A post is *planned* (:class:`PlannedPost`, by :mod:`bot.compose.plan`), written to
the post log (:class:`LoggedPost`, by :mod:`bot.store.queries`), has a
:class:`Status` there, and is judged by the guard before every publish
(:class:`Verdict`, by :mod:`bot.guard`, read by :mod:`bot.schedule.worker`).

This module imports nothing but the standard library, so every layer can use
these shapes (the store without the planner, the web app and the ``log``
command without each other, ``advocacy-bot log --help`` without SQLAlchemy).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """A post's state in the log (DESIGN.md: "A post's states")."""

    QUEUED = "queued"
    """Composed and waiting for its time."""
    HELD = "held"
    """Waiting for approval, or held by a rule (``reason`` says which)."""
    SENDING = "sending"
    """Claimed; a platform call may be in flight."""
    POSTED = "posted"
    DRY_RUN = "dry_run"
    """What would have been sent."""
    FAILED = "failed"
    UNKNOWN = "unknown"
    """Interrupted while sending and the platform cannot confirm: a person decides."""
    SKIPPED = "skipped"
    REJECTED = "rejected"


#: The states' names, in the order above (the ``--status`` choices and the log's filter).
STATUSES = [status.value for status in Status]

#: States in which a post counts as "sent or about to be" for no-repeat rules.
LIVE_STATES = frozenset({Status.QUEUED, Status.HELD, Status.SENDING, Status.POSTED, Status.UNKNOWN})


# -- planned and logged ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedTarget:
    person_id: str
    name: str
    handle: str | None
    """The handle tagged, or None where the post names the person in plain text."""


@dataclass(frozen=True, slots=True)
class PlannedPost:
    key: str
    campaign_id: str
    bill: str
    platform: str
    account: str
    variant: str
    text: str
    text_hash: str
    length: int
    limit: int
    targets: tuple[PlannedTarget, ...]
    link: str | None

    @property
    def tagged(self) -> list[PlannedTarget]:
        return [t for t in self.targets if t.handle]


@dataclass
class PlanHistory:
    """What the planner needs to know about earlier posts (the caller queries it)."""

    last_tagged: dict[tuple[str, str, str], datetime] = field(default_factory=dict)
    """(person id, bill key, platform) -> when last tagged or named."""
    last_variant: dict[tuple[str, str], datetime] = field(default_factory=dict)
    """(platform, variant id) -> when last used by this campaign."""
    last_bill: dict[tuple[str, str], datetime] = field(default_factory=dict)
    """(platform, bill key) -> when this campaign last posted about it."""
    posts_today: dict[str, int] = field(default_factory=dict)
    """platform -> posts this campaign made today (campaign's local day)."""
    x_tags: list[tuple[str, str, datetime]] = field(default_factory=list)
    """(person id, account, when): automated tags on X of the campaign's people by
    any campaign lately (the last week at least), planned ones included."""


@dataclass(frozen=True, slots=True)
class LoggedPost(PlannedPost):
    """A planned post just written to the log, as its row says (without an ORM object).

    The planned post's fields, plus the row's own, named as
    :class:`~bot.store.models.Post`'s; ``limit`` is the platform's length limit
    the text was fitted to.
    """

    id: int
    created_at: datetime
    scheduled_for: datetime
    updated_at: datetime
    mode: str
    status: str
    reason: str | None
    cost: float
    attempt_count: int

    @classmethod
    def of(cls, planned: PlannedPost, **row: Any) -> LoggedPost:
        """``planned`` as logged: its own fields as they are, plus the row's (``row``)."""
        return cls(**{f.name: getattr(planned, f.name) for f in fields(PlannedPost)}, **row)


# -- the guard's answer ----------------------------------------------------------------------


class VerdictKind(StrEnum):
    ALLOW = "allow"
    HOLD = "hold"
    DEFER = "defer"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The guard's answer for one post (:func:`bot.guard.check`), as the worker acts on it."""

    kind: VerdictKind
    reason: str = ""
    until: datetime | None = None
    """For ``defer``: the earliest time to try again."""
    account_wide: bool = False
    """For ``defer``: every post of the account gets the same answer until ``until``
    (a cap or the spacing), so a worker passes over the account's other posts."""

    @classmethod
    def allow(cls) -> Verdict:
        return cls(VerdictKind.ALLOW)

    @classmethod
    def hold(cls, reason: str) -> Verdict:
        return cls(VerdictKind.HOLD, reason)

    @classmethod
    def defer(cls, until: datetime, reason: str, *, account_wide: bool = False) -> Verdict:
        return cls(VerdictKind.DEFER, reason, until, account_wide)

    @classmethod
    def skip(cls, reason: str) -> Verdict:
        return cls(VerdictKind.SKIP, reason)

    @property
    def allowed(self) -> bool:
        return self.kind is VerdictKind.ALLOW
