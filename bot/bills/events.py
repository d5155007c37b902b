"""Bill events: what a bill's state says happened, each with a stable key.

:func:`events_of` turns a :class:`~bot.bills.records.BillRecord` into events;
:mod:`bot.bills.triggers` records each key once per bill (``bill_events``),
so a sync that finds nothing new fires nothing, and a bill that moves to
another committee makes a new ``referred`` event (its key names the
committees).

==================  ==============================================  =========================
kind                when                                            key
==================  ==============================================  =========================
``referred``        the bill sits in committee(s) of its chamber    ``referred:senate:SSGA``
``hearing``         a hearing listing the bill is scheduled         ``hearing:<id>:<day>``
``passed_chamber``  a chamber passed it                             ``passed:house``
``passed``          every chamber it needs passed it                ``passed``
``signed``          signed, or became law                           ``signed``
``vetoed``          vetoed                                          ``vetoed``
``failed``          a vote or a committee killed it                 ``failed``
``withdrawn``       its sponsor withdrew it                         ``withdrawn``
==================  ==============================================  =========================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # campaign validation needs EVENT_KINDS only: records load when used
    from bot.bills.records import BillRecord, CommitteeRef

EVENT_KINDS = (
    "referred",
    "hearing",
    "passed_chamber",
    "passed",
    "signed",
    "vetoed",
    "failed",
    "withdrawn",
)
#: Order on one day: a chamber's vote comes before the referral in the next chamber (a
#: ``referred`` event is always about the chamber the bill is in now).
FIRING_ORDER = (
    "passed_chamber",
    "passed",
    "referred",
    "hearing",
    "signed",
    "vetoed",
    "failed",
    "withdrawn",
)
_RANK = {kind: index for index, kind in enumerate(FIRING_ORDER)}
#: Hearing statuses that mean it will not take place.
DEAD_HEARINGS = frozenset({"cancelled", "canceled", "postponed"})


@dataclass(frozen=True)
class Event:
    key: str
    kind: str
    day: date | None
    detail: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def rank(self) -> tuple[date, int]:
        return (self.day or date.min, _RANK.get(self.kind, 99))


def events_of(record: BillRecord, today: date) -> list[Event]:
    """The events ``record``'s state implies, oldest first (upcoming hearings last)."""
    from bot.bills.stages import CHAMBER_NAMES, chambers_needed

    found: list[Event] = []
    passed_on: dict[str, date] = {}
    for action in record.actions:
        if "passed" in action.kinds and action.chamber:
            passed_on.setdefault(action.chamber, action.date)
    needed = chambers_needed(record)
    for chamber in record.passed_chambers:
        others = [c for c in needed if c not in record.passed_chambers]
        found.append(
            Event(
                f"passed:{chamber}",
                "passed_chamber",
                passed_on.get(chamber),
                {
                    "chamber": chamber,
                    "chamber_name": CHAMBER_NAMES.get(chamber, chamber),
                    "next_chamber": others[0] if others else None,
                },
            )
        )
    if set(needed) <= set(record.passed_chambers):
        last = max((passed_on[c] for c in needed if c in passed_on), default=record.status_date)
        found.append(Event("passed", "passed", last, {}))
    if record.status in ("signed", "vetoed", "failed", "withdrawn"):
        last_action = record.latest_action
        text = last_action.text if last_action else ""
        found.append(Event(record.status, record.status, record.status_date, {"text": text}))
    current = record.current_committees
    if current:
        found.append(_referred(record, current))
    for hearing in record.hearings:
        if hearing.status in DEAD_HEARINGS or hearing.day < today:
            continue
        found.append(
            Event(
                f"hearing:{hearing.id}:{hearing.day.isoformat()}",
                "hearing",
                hearing.day,
                {
                    "starts": hearing.starts.isoformat() if hearing.starts else None,
                    "title": hearing.title,
                    "committees": list(hearing.committees),
                    "committee_names": list(hearing.committee_names),
                    "location": hearing.location,
                    "url": hearing.url,
                },
            )
        )
    return sorted(found, key=lambda e: e.rank)


def _referred(record: BillRecord, current: list[CommitteeRef]) -> Event:
    from bot.bills.stages import CHAMBER_NAMES

    ids = sorted(c.id or c.name for c in current)
    chamber = record.current_chamber or current[0].chamber or "?"
    days = [c.referred for c in current if c.referred]
    return Event(
        f"referred:{chamber}:{'+'.join(ids)}",
        "referred",
        max(days) if days else record.status_date,
        {
            "chamber": chamber,
            "chamber_name": CHAMBER_NAMES.get(chamber, chamber),
            "committees": ids,
            "committee_names": [c.name for c in current],
        },
    )
