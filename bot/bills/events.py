"""Bill events: what a bill's state and actions say happened, each with a stable key.

:func:`events_of` turns a :class:`~bot.bills.records.BillRecord` into events;
:mod:`bot.bills.triggers` records each key once per bill (``bill_events``),
so a sync that finds nothing new fires nothing, and a bill that moves to
another committee makes a new ``referred`` event (its key names the
committees). Events that can happen again (a failed vote reconsidered and
failed again) carry their chamber and day in the key.

Kinds and keys (docs/bills.md says when each happens):

- ``referred`` ``referred:senate:SSGA``; ``hearing`` ``hearing:<id>:<day>``
- ``reported`` (favourably, without recommendation, or discharged),
  ``reported_unfavorably``, ``failed_committee``, ``discharge_petition``,
  ``failed_vote``, ``deferred``: ``<kind>:<chamber>:<day>`` (``reported:senate:2026-03-05``;
  the same fact listed twice on a day, as Congress.gov does, is one event)
- ``passed_chamber`` ``passed:house``; ``passed`` ``passed``
- ``presented``, ``vetoed``, ``line_item_veto``, ``veto_overridden``, ``veto_upheld``,
  ``signed``, ``withdrawn``: the kind itself (once per bill)
- ``override_passed`` ``override:house``

None of them ends a campaign by itself: the campaign's ``stop_on`` (default
:data:`DEFAULT_STOP_ON`) and its steps' ``stop`` do (:mod:`bot.bills.campaign_stage`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # campaign validation needs EVENT_KINDS only: records load when used
    from bot.bills.records import Action, BillRecord, CommitteeRef

EVENT_KINDS = (
    "referred",
    "hearing",
    "reported",
    "reported_unfavorably",
    "failed_committee",
    "discharge_petition",
    "failed_vote",
    "deferred",
    "passed_chamber",
    "passed",
    "presented",
    "vetoed",
    "line_item_veto",
    "override_passed",
    "veto_overridden",
    "veto_upheld",
    "signed",
    "withdrawn",
)
#: Names a campaign may also write in ``on:`` and ``stop_on:``, and the events they mean.
EVENT_ALIASES: dict[str, tuple[str, ...]] = {
    "failed": ("failed_vote", "failed_committee"),
    "passed_a_chamber": ("passed_chamber",),
    "hearing_scheduled": ("hearing",),
    "became_law": ("signed",),
    "law": ("signed",),
}
#: Events that end a campaign whose file sets no ``stop_on``: it became law, the veto
#: stands, or its sponsor withdrew it. A failed vote, an unfavourable report or a
#: committee's ``no`` do not (legislatures reconsider bills), nor does a veto (an override
#: may follow): add them to ``stop_on`` where they end bills.
DEFAULT_STOP_ON = ("signed", "veto_upheld", "withdrawn")
#: Order on one day: a chamber's vote comes before the referral in the next chamber (a
#: ``referred`` event is always about the chamber the bill is in now).
FIRING_ORDER = (
    "reported",
    "reported_unfavorably",
    "failed_committee",
    "discharge_petition",
    "failed_vote",
    "deferred",
    "passed_chamber",
    "passed",
    "referred",
    "hearing",
    "presented",
    "vetoed",
    "line_item_veto",
    "override_passed",
    "veto_overridden",
    "veto_upheld",
    "signed",
    "withdrawn",
)
_RANK = {kind: index for index, kind in enumerate(FIRING_ORDER)}
#: Hearing statuses that mean it will not take place.
DEAD_HEARINGS = frozenset({"cancelled", "canceled", "postponed"})
#: Action kinds that are events of their own, once per chamber and day (or committees).
_PER_ACTION = {
    "reported": "reported",
    "discharged": "reported",
    "reported_unfavorably": "reported_unfavorably",
    "failed_committee": "failed_committee",
    "discharge_petition": "discharge_petition",
    "failed": "failed_vote",
    "deferred": "deferred",
}
#: Action kinds that are events once per bill.
_ONCE = {"presented": "presented", "vetoed": "vetoed", "line_item_veto": "line_item_veto"}


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
    """The events ``record``'s state and actions imply, oldest first (upcoming hearings last)."""
    from bot.bills.status import CHAMBER_NAMES, chambers_needed

    found: dict[str, Event] = {}

    def add(event: Event) -> None:
        # The same fact may come twice (Congress.gov lists the Senate's own entry and the
        # Library of Congress's coded one): one event, with the committees if either names them.
        earlier = found.get(event.key)
        if earlier is None or (
            event.detail.get("committees") and not earlier.detail.get("committees")
        ):
            found[event.key] = event

    passed_on: dict[str, date] = {}
    for action in record.actions:
        if "passed" in action.kinds and action.chamber:
            passed_on.setdefault(action.chamber, action.date)
        for event in _action_events(action):
            add(event)
    needed = chambers_needed(record)
    for chamber in record.passed_chambers:
        others = [c for c in needed if c not in record.passed_chambers]
        add(
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
        add(Event("passed", "passed", last, {}))
    last_action = record.latest_action
    text = last_action.text if last_action else ""
    overrides = {e.detail.get("chamber") for e in found.values() if e.kind == "override_passed"}
    if record.status == "signed" and overrides:
        add(Event("veto_overridden", "veto_overridden", record.status_date, {"text": text}))
    if record.status in ("signed", "veto_upheld", "withdrawn"):
        add(Event(record.status, record.status, record.status_date, {"text": text}))
    current = record.current_committees
    if current:
        add(_referred(record, current))
    for hearing in record.hearings:
        if hearing.status in DEAD_HEARINGS or hearing.day < today:
            continue
        add(
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
    return sorted(found.values(), key=lambda e: e.rank)


def _action_events(action: Action) -> list[Event]:
    """The events one action is by itself (see the module's table)."""
    from bot.bills.status import CHAMBER_NAMES

    chamber = action.chamber or "?"
    detail: dict[str, Any] = {
        "chamber": chamber,
        "chamber_name": CHAMBER_NAMES.get(chamber, chamber),
        "committees": list(action.committees),
        "text": action.text,
    }
    events = []
    for kind in action.kinds:
        if kind in _PER_ACTION:
            event_kind = _PER_ACTION[kind]
            key = f"{event_kind}:{chamber}:{action.date.isoformat()}"
            events.append(Event(key, event_kind, action.date, detail))
        elif kind in _ONCE:
            events.append(Event(_ONCE[kind], _ONCE[kind], action.date, detail))
        elif kind == "override_passed":
            events.append(Event(f"override:{chamber}", "override_passed", action.date, detail))
    return events


def _referred(record: BillRecord, current: list[CommitteeRef]) -> Event:
    from bot.bills.status import CHAMBER_NAMES

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
