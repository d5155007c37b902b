"""Bill-role selectors in SQL: ``bill_role: sponsors`` and friends.

A selector with ``bill_role`` matches people who hold that role on the
campaign's bills (or on those its ``bill`` key names) **and** match its
other keys (``{bill_role: committee_of_referral, party: R}``). Roles:

``sponsors``                           the bill's (primary) sponsors
``cosponsors``                         cosponsors who have not withdrawn
``supporters``                         sponsors and cosponsors together
``committee_of_referral``              members of the committee(s) the bill is in now
``committee_members_not_cosponsoring`` those members, minus the bill's sponsors and cosponsors
``chamber_of_current_stage``           every member of the chamber the bill is in now

People are found through the ids the sources share with the directory:
bioguide ids (Congress.gov) and ``ocd-person/...`` ids (Open States); only
people in office are selected. The data is the last ``bills sync``'s: a bill
never synced matches nobody, and a note says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from bot.bills.ident import bill_matches
from bot.bills.models import BillCommittee, BillRow, BillSponsor
from bot.bills.store import STALE_AFTER, human_age
from bot.directory.match import Match, selector_query
from bot.directory.models import CommitteeMember, PersonRow
from bot.directory.selectors import Selector


def _supporters(bill: str, role: str) -> ColumnElement[bool]:
    rows = select(BillSponsor.person_id).where(
        BillSponsor.bill_key == bill, BillSponsor.person_id.is_not(None)
    )
    if role == "sponsors":
        rows = rows.where(BillSponsor.role == "sponsor")
    elif role == "cosponsors":
        rows = rows.where(BillSponsor.role == "cosponsor", BillSponsor.withdrawn.is_(None))
    else:
        rows = rows.where(or_(BillSponsor.role == "sponsor", BillSponsor.withdrawn.is_(None)))
    return PersonRow.id.in_(rows)


def _committee_members(bill: str) -> ColumnElement[bool]:
    current = select(BillCommittee.committee_id).where(
        BillCommittee.bill_key == bill,
        BillCommittee.current.is_(True),
        BillCommittee.committee_id.is_not(None),
    )
    seats = select(CommitteeMember.person_id).where(CommitteeMember.committee_id.in_(current))
    return PersonRow.id.in_(seats)


def condition(role: str, bill: BillRow) -> ColumnElement[bool]:
    """People holding ``role`` on ``bill``, as a WHERE clause on ``people``."""
    if role in ("sponsors", "cosponsors", "supporters"):
        return _supporters(bill.key, role)
    if role == "committee_of_referral":
        return _committee_members(bill.key)
    if role == "committee_members_not_cosponsoring":
        return and_(_committee_members(bill.key), ~_supporters(bill.key, "supporters"))
    if role == "chamber_of_current_stage":
        if bill.current_chamber is None:
            return false()
        return and_(
            PersonRow.jurisdiction == bill.jurisdiction, PersonRow.chamber == bill.current_chamber
        )
    raise ValueError(f"unknown bill role {role!r}")


def run(
    session: Session, selector: Selector, bill_keys: Sequence[str], now: datetime | None = None
) -> Match:
    """Resolve a selector that has a ``bill_role`` (its other keys apply too)."""
    query, match = selector_query(session, selector)
    if any(lookup.problem for lookup in match.committees):
        return match
    keys = [
        k for k in bill_keys if not selector.bill or any(bill_matches(w, k) for w in selector.bill)
    ]
    rows = {r.key: r for r in session.scalars(select(BillRow).where(BillRow.key.in_(keys)))}
    conditions = []
    for key in keys:
        row = rows.get(key)
        if row is None:
            match.problems.append(
                f"bill {key} has not been synced, so bill_role finds nobody for it: run "
                "`advocacy-bot bills sync`"
            )
            continue
        if now is not None and now - row.fetched_at > STALE_AFTER:
            match.problems.append(
                f"bill {key}: using data fetched {human_age(now - row.fetched_at)} ago "
                f"({row.fetched_at:%Y-%m-%d %H:%M} UTC); run `advocacy-bot bills sync`"
            )
        for role in selector.bill_role or ():
            committee_role = role in ("committee_of_referral", "committee_members_not_cosponsoring")
            if committee_role and not _has_current_committee(session, key):
                match.problems.append(f"bill {key} is in no committee now ({row.status})")
            if role == "chamber_of_current_stage" and row.current_chamber is None:
                match.problems.append(f"bill {key} is in no chamber now ({row.status})")
            conditions.append(condition(role, row))
    if not conditions:
        return match
    ordered = query.where(or_(*conditions)).order_by(
        PersonRow.jurisdiction, PersonRow.state, PersonRow.chamber, PersonRow.name
    )
    match.ids = list(session.scalars(ordered))
    return match


def _has_current_committee(session: Session, key: str) -> bool:
    found = session.scalar(
        select(BillCommittee.id)
        .where(BillCommittee.bill_key == key, BillCommittee.current.is_(True))
        .limit(1)
    )
    return found is not None
