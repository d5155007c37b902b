"""How supporters' calls went: counted per campaign, legislator and outcome, nothing else.

A supporter who called a legislator may say how it went (reached a person,
left a voicemail, the line was busy). Each answer adds one to a counter; no
row holds anything about the supporter: not their address, not their
district, not when they called. Organizers see the totals on the dashboard
(``/dashboard/calls``).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.store.models import Base
from bot.store.types import UTCDateTime


class Outcome(StrEnum):
    REACHED = "reached"
    VOICEMAIL = "voicemail"
    BUSY = "busy"


OUTCOME_LABELS = {
    Outcome.REACHED: "Talked to someone",
    Outcome.VOICEMAIL: "Left a voicemail",
    Outcome.BUSY: "Busy or no answer",
}


class CallOutcome(Base):
    """A counter: how many supporters reported ``outcome`` calling ``person_id`` (a campaign)."""

    __tablename__ = "call_outcomes"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id", "outcome", name="uq_call_outcomes"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """When the counter last moved (the day's totals, not any one supporter's call)."""


def record(
    session: Session, campaign_id: str, person_id: str, outcome: Outcome, now: datetime
) -> None:
    """Add one to the counter (made on first use; safe when two requests race)."""
    where = (
        (CallOutcome.campaign_id == campaign_id)
        & (CallOutcome.person_id == person_id)
        & (CallOutcome.outcome == outcome.value)
    )
    bump = update(CallOutcome).where(where).values(count=CallOutcome.count + 1, updated_at=now)
    if session.execute(bump).rowcount:  # type: ignore[attr-defined]
        return
    try:
        with session.begin_nested():
            session.add(
                CallOutcome(
                    campaign_id=campaign_id,
                    person_id=person_id,
                    outcome=outcome.value,
                    count=1,
                    updated_at=now,
                )
            )
    except IntegrityError:  # another request made it first
        session.execute(bump)


@dataclass(frozen=True)
class Tally:
    """One legislator's call outcomes for one campaign."""

    campaign_id: str
    person_id: str
    reached: int
    voicemail: int
    busy: int

    @property
    def total(self) -> int:
        return self.reached + self.voicemail + self.busy


def tallies(session: Session, campaign_id: str | None = None) -> list[Tally]:
    """Every legislator's totals (of one campaign, or all), most calls first."""
    query = select(CallOutcome)
    if campaign_id is not None:
        query = query.where(CallOutcome.campaign_id == campaign_id)
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for row in session.scalars(query):
        counts.setdefault((row.campaign_id, row.person_id), {})[row.outcome] = row.count
    found = [
        Tally(
            campaign_id=campaign,
            person_id=person,
            reached=by.get(Outcome.REACHED.value, 0),
            voicemail=by.get(Outcome.VOICEMAIL.value, 0),
            busy=by.get(Outcome.BUSY.value, 0),
        )
        for (campaign, person), by in counts.items()
    ]
    found.sort(key=lambda t: (t.campaign_id, -t.total, t.person_id))
    return found


class ReportLimit:
    """At most ``limit`` answers per client address per ``window`` seconds (in memory only).

    The session cookie counts one answer per legislator per browser; this stops
    a script that starts a new session for each answer. Addresses live in this
    process's memory for the window and are never written anywhere.
    """

    def __init__(self, limit: int = 30, window: float = 3600.0) -> None:
        self.limit = limit
        self.window = window
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    def allow(self, who: str, now: float) -> bool:
        """Whether ``who`` may report one more answer now (and count it if so)."""
        with self._lock:
            for key in [k for k, times in self._seen.items() if times[-1] <= now - self.window]:
                del self._seen[key]  # forget addresses idle for a whole window
            recent = self._seen.setdefault(who, deque())
            while recent and recent[0] <= now - self.window:
                recent.popleft()
            if len(recent) >= self.limit:
                return False
            recent.append(now)
            return True
