"""The bill cache, events and bill-role SQL on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date, timedelta

from bot.bills import store
from bot.bills.records import Action, BillRecord, CommitteeRef, Hearing, Sponsor
from bot.bills.roles import run
from bot.bills.status import derive
from bot.bills.triggers import record_events
from bot.directory.models import CommitteeMember, CommitteeRow, PersonRow
from bot.directory.selectors import Selector
from bot.store.db import Database
from tests.bills.conftest import NOW

KEY = "us/119/S 99"


def record(committee: str = "SSJU", cosponsor_withdrew: bool = False) -> BillRecord:
    made = BillRecord(
        key=KEY,
        jurisdiction="us",
        session="119",
        identifier="S 99",
        source="congress.gov",
        source_id="119/s/99",
        title="A bill",
        origin_chamber="senate",
        introduced=date(2026, 7, 1),
        sponsors=[
            Sponsor("Sen. A", "sponsor", "A000001", since=date(2026, 7, 1)),
            Sponsor(
                "Sen. B",
                "cosponsor",
                "B000001",
                since=date(2026, 7, 2),
                withdrawn=date(2026, 7, 9) if cosponsor_withdrew else None,
            ),
        ],
        committees=[CommitteeRef("Committee", committee, "senate", date(2026, 7, 1), True)],
        actions=[
            Action(date(2026, 7, 1), "Introduced in Senate", "senate", ("introduced",)),
            Action(
                date(2026, 7, 1), "Read twice and referred", "senate", ("referred",), (committee,)
            ),
        ],
        hearings=[Hearing("77", NOW.date() + timedelta(days=3), title="Hearing")],
    )
    return derive(made)


def directory(db: Database) -> None:
    with db.session() as session:
        for pid, chamber in (
            ("A000001", "senate"),
            ("B000001", "senate"),
            ("C000001", "senate"),
            ("D000001", "house"),
        ):
            session.add(
                PersonRow(
                    id=pid,
                    source="test",
                    jurisdiction="us",
                    name=pid,
                    chamber=chamber,
                    first_seen_at=NOW,
                    updated_at=NOW,
                )
            )
        for cid in ("SSJU", "SSGA"):
            session.add(
                CommitteeRow(
                    id=cid,
                    jurisdiction="us",
                    chamber="senate",
                    name=cid,
                    source="test",
                    updated_at=NOW,
                )
            )
        session.flush()
        for cid, members in (("SSJU", ["B000001", "C000001"]), ("SSGA", ["A000001"])):
            for pid in members:
                session.add(CommitteeMember(committee_id=cid, person_id=pid, role="member"))


def roles(db: Database, role: str) -> list[str]:
    with db.new_session() as session:
        return sorted(run(session, Selector(bill_role=(role,)), [KEY], NOW).ids)


def test_cache_events_and_roles(any_db: Database) -> None:
    directory(any_db)
    with any_db.session() as session:
        store.save(session, record(), NOW)
        first = [e.key for e in record_events(session, record(), NOW)]
        again = record_events(session, record(), NOW)
    assert first == ["referred:senate:SSJU", f"hearing:77:{(NOW.date() + timedelta(days=3))}"]
    assert again == []
    with any_db.new_session() as session:
        cached = store.load(session, KEY)
    assert cached is not None and cached.record == record() and cached.fetched_at == NOW
    assert roles(any_db, "sponsors") == ["A000001"]
    assert roles(any_db, "cosponsors") == ["B000001"]
    assert roles(any_db, "committee_of_referral") == ["B000001", "C000001"]
    assert roles(any_db, "committee_members_not_cosponsoring") == ["C000001"]
    assert roles(any_db, "chamber_of_current_stage") == ["A000001", "B000001", "C000001"]

    # The bill moves to another committee and a cosponsor withdraws: a new event, new roles.
    moved = record("SSGA", cosponsor_withdrew=True)
    with any_db.session() as session:
        store.save(session, moved, NOW + timedelta(days=1))
        assert [e.key for e in record_events(session, moved, NOW)] == ["referred:senate:SSGA"]
    assert roles(any_db, "cosponsors") == []
    assert roles(any_db, "committee_of_referral") == ["A000001"]
    assert roles(any_db, "committee_members_not_cosponsoring") == []
