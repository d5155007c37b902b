"""Where a bill stands: status, chambers passed, the chamber and committees it is in now.

:func:`derive` reads a record's actions (oldest first, each with the bot's
:data:`~bot.bills.records.ACTION_KINDS`) and sets ``status``,
``status_date``, ``passed_chambers`` and ``current_chamber``; it then keeps
``current`` only on committees of the current chamber (a bill that left the
House is in no House committee).

Statuses: ``introduced``, ``in_committee``, ``reported``, ``reported_unfavorably``
(a do-not-pass report), ``failed_committee`` (voted down or held in committee),
``failed_vote`` (a chamber's vote failed), ``deferred`` (tabled), ``passed_house``,
``passed_senate`` (one chamber of two), ``passed`` (every chamber it needs),
``presented`` (to the president or governor), ``signed`` (or became law, also over a
veto), ``vetoed``, ``veto_upheld`` (an override failed, or a pocket veto),
``withdrawn``. Only the last six take a bill out of its chambers: a failed vote,
an unfavourable report or a committee's ``no`` leave it where it was, since
legislatures reconsider bills (a campaign's ``stop_on`` says which events end it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from bot.bills.records import Action, BillRecord

#: Statuses after which a bill sits in no chamber (``failed``: records cached before 2026-12).
DONE = frozenset({"passed", "presented", "signed", "vetoed", "veto_upheld", "failed", "withdrawn"})

LABELS = {
    "introduced": "introduced",
    "in_committee": "in committee",
    "reported": "reported by committee",
    "reported_unfavorably": "reported unfavorably by committee",
    "failed_committee": "failed in committee (may be reconsidered)",
    "failed_vote": "a vote on it failed (may be reconsidered)",
    "deferred": "deferred or tabled",
    "passed_house": "passed the House",
    "passed_senate": "passed the Senate",
    "passed": "passed",
    "presented": "sent to the executive",
    "signed": "signed into law",
    "vetoed": "vetoed",
    "veto_upheld": "vetoed; the veto stands",
    "failed": "failed",
    "withdrawn": "withdrawn",
}
#: Statuses of a bill still in a chamber that ``label`` spells out after where it is.
_STILL_IN_A_CHAMBER = (
    "reported",
    "reported_unfavorably",
    "failed_committee",
    "failed_vote",
    "deferred",
)

CHAMBER_NAMES = {"house": "House", "senate": "Senate", "legislature": "Legislature"}


def chambers_needed(record: BillRecord) -> list[str]:
    if record.origin_chamber == "legislature":
        return ["legislature"]
    if record.one_chamber and record.origin_chamber:
        return [record.origin_chamber]
    return ["senate", "house"] if record.origin_chamber == "senate" else ["house", "senate"]


def derive(record: BillRecord) -> BillRecord:
    """Set the record's status, chambers passed and current chamber and committees."""
    needed = chambers_needed(record)
    status, when = "introduced", record.introduced
    passed: list[str] = []
    overridden: list[str] = []
    for action in record.actions:
        new = _status_after(action, status, passed, overridden, needed)
        if new is not None:
            status, when = new, action.date
    if status.startswith("passed_") and set(needed) <= set(passed):
        status = "passed"
    record.status, record.status_date, record.passed_chambers = status, when, passed
    if status in DONE:
        record.current_chamber = None
    else:
        remaining = [c for c in needed if c not in passed]
        record.current_chamber = remaining[0] if remaining else None
    current = record.current_chamber
    record.committees = [
        c
        if (c.current and current and c.chamber in (current, None, "joint")) or not c.current
        else replace(c, current=False)
        for c in record.committees
    ]
    return record


def _status_after(
    action: Action, status: str, passed: list[str], overridden: list[str], needed: list[str]
) -> str | None:
    kinds = action.kinds
    if "withdrawn" in kinds:
        return "withdrawn"
    if "signed" in kinds:
        return "signed"
    if "pocket_veto" in kinds or "override_failed" in kinds:
        return "veto_upheld"
    if "override_passed" in kinds:
        if action.chamber and action.chamber not in overridden:
            overridden.append(action.chamber)
        return "signed" if set(needed) <= set(overridden) else None
    if "vetoed" in kinds:
        return "vetoed"
    if "presented" in kinds:
        return "presented"
    if "passed" in kinds and action.chamber in ("house", "senate", "legislature"):
        if action.chamber not in passed:
            passed.append(action.chamber)
        if set(needed) <= set(passed):
            return "passed"
        return f"passed_{action.chamber}" if action.chamber != "legislature" else "passed"
    if status in DONE:
        return None
    for kind, new in (
        ("failed", "failed_vote"),
        ("reported_unfavorably", "reported_unfavorably"),
        ("failed_committee", "failed_committee"),
        ("reported", "reported"),
        ("discharged", "reported"),
        ("deferred", "deferred"),
        ("referred", "in_committee"),
    ):
        if kind in kinds:
            return new
    return None


def current_from_actions(actions: Iterable[Action]) -> dict[str, list[str]]:
    """Chamber → committees the bill is in, walking referrals and reports (oldest first).

    A referral replaces the chamber's committees with those it names (several
    referrals on one day add up); a report (favourable or not) or a discharge removes
    the committees it names (all of them if it names none); a committee's ``no``
    leaves the bill in that committee (it may reconsider); a chamber's vote, passed
    or failed, clears that chamber.
    """
    current: dict[str, list[str]] = {}
    referred_on: dict[str, object] = {}
    for action in actions:
        chamber = action.chamber or "?"
        if "referred" in action.kinds and action.committees:
            if referred_on.get(chamber) == action.date:
                current[chamber] += [c for c in action.committees if c not in current[chamber]]
            else:
                current[chamber] = list(action.committees)
            referred_on[chamber] = action.date
        elif {"reported", "reported_unfavorably", "discharged"} & set(action.kinds):
            named = set(action.committees)
            current[chamber] = [c for c in current.get(chamber, []) if named and c not in named]
        elif "passed" in action.kinds or "failed" in action.kinds:
            current[chamber] = []
    return current


def label(record: BillRecord) -> str:
    """``passed the House; in the Senate, in committee (...)`` for people."""
    done = [f"passed the {CHAMBER_NAMES.get(c, c)}" for c in record.passed_chambers]
    if record.status in DONE or not record.current_chamber:
        if record.status == "passed" or record.status.startswith("passed_"):
            return "; ".join(done) if done and record.status != "passed" else "passed"
        return LABELS.get(record.status, record.status)
    where = f"in the {CHAMBER_NAMES.get(record.current_chamber, record.current_chamber)}"
    committees = record.current_committees
    if committees:
        where += ", in committee (" + ", ".join(c.name for c in committees) + ")"
    if record.status in _STILL_IN_A_CHAMBER and not (committees and record.status == "reported"):
        where += ", " + LABELS[record.status]
    return "; ".join([*done, where])
