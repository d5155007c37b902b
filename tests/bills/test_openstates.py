"""``bills sync`` of a Missouri bill against a local Open States API v3."""

from __future__ import annotations

from pathlib import Path

from bot.bills import store
from bot.store.db import Database
from tests.bills import mo_data
from tests.bills.conftest import NOW, SB792, run_sync
from tests.fakes.openstates_api import FakeOpenStates


def record(db: Database):  # type: ignore[no-untyped-def]
    with db.new_session() as session:
        found = store.load(session, SB792.key)
    assert found is not None
    return found.record


def test_sync_a_state_bill(dir_db: Database, openstates: FakeOpenStates, mo_folder: Path) -> None:
    report = run_sync(dir_db, [SB792], openstates=openstates)
    assert report.ok, report.bills[0].error
    bill = record(dir_db)
    cast = mo_data.cast(mo_folder)
    assert bill.source == "openstates"
    assert bill.source_id.startswith("ocd-bill/")
    assert [(s.role, s.person_id) for s in bill.sponsors] == [
        ("sponsor", cast["sponsor"]),
        ("cosponsor", cast["cosponsors"][0]),
        ("cosponsor", cast["cosponsors"][1]),
    ]
    assert bill.origin_chamber == "senate" and bill.current_chamber == "senate"
    assert [(c.id, c.name, c.current) for c in bill.committees] == [
        (mo_data.FAMILIES, "Families, Seniors and Health", True)
    ]
    assert bill.status == "in_committee"
    assert report.bills[0].new_events == [f"referred:senate:{mo_data.FAMILIES}"]
    asked = openstates.received("bill")[0]
    assert asked.path == "/bills/mo/2026/SB%20792"
    assert sorted(asked.raw_query.split("&")) == ["include=actions", "include=sponsorships"]
    assert asked.header("X-API-KEY") == "fake-openstates-key"


def test_a_committee_named_without_an_id_is_found_in_the_directory(
    dir_db: Database, openstates: FakeOpenStates
) -> None:
    bill = openstates.bills[("mo", "2026", "SB 792")]
    entity = bill["actions"][2]["related_entities"][0]
    entity["organization"] = None  # Open States could not link it: only the name is given
    assert run_sync(dir_db, [SB792], openstates=openstates).ok
    assert [c.id for c in record(dir_db).committees] == [mo_data.FAMILIES]


def test_hearings_come_from_events_over_several_pages(
    dir_db: Database, openstates: FakeOpenStates, mo_folder: Path
) -> None:
    filler = [
        mo_data.other_event(f"e{i:02}", f"2026-08-{11 + i % 9:02}T09:00:00-05:00", "HB 1")
        for i in range(25)
    ]
    hearing = mo_data.hearing_event(mo_folder, "h1", "2026-08-25T13:30:00-05:00")
    openstates.events["mo"] = [*filler, hearing]
    report = run_sync(dir_db, [SB792], openstates=openstates)
    assert report.ok and not report.notes
    pages = [r.query["page"] for r in openstates.received("event_list")]
    assert pages == ["1", "2"]
    assert all(r.query["require_bills"] == "true" for r in openstates.received("event_list"))
    [found] = record(dir_db).hearings
    assert (found.id, str(found.day), found.committees) == (
        "ocd-event/h1",
        "2026-08-25",
        (mo_data.FAMILIES,),
    )
    assert found.starts is not None and found.starts.isoformat() == "2026-08-25T13:30:00-05:00"
    assert "hearing:ocd-event/h1:2026-08-25" in report.bills[0].new_events


def test_a_wrong_key_is_a_clear_error(dir_db: Database, openstates: FakeOpenStates) -> None:
    assert run_sync(dir_db, [SB792], openstates=openstates).ok
    report = run_sync(
        dir_db, [SB792], openstates=openstates, openstates_key="wrong", now=NOW.replace(day=12)
    )
    error = report.bills[0].error or ""
    assert "Open States refused the API key (HTTP 401: Invalid API Key" in error
    assert "OPENSTATES_API_KEY" in error
    assert report.bills[0].cached_at == NOW
    assert record(dir_db).title.startswith("Modifies provisions")


def test_an_unknown_bill_says_so(dir_db: Database, openstates: FakeOpenStates) -> None:
    from bot.bills.ident import BillRef

    report = run_sync(dir_db, [BillRef.parse("mo", "2026", "SB 1")], openstates=openstates)
    assert "has no such bill" in (report.bills[0].error or "")
    assert "HTTP 404" in (report.bills[0].error or "")


def test_a_malformed_bill_writes_nothing(dir_db: Database, openstates: FakeOpenStates) -> None:
    openstates.bills[("mo", "2026", "SB 792")]["actions"][1]["date"] = "soon"
    report = run_sync(dir_db, [SB792], openstates=openstates)
    assert "malformed" in (report.bills[0].error or "")
    with dir_db.new_session() as session:
        assert store.load(session, SB792.key) is None


def test_a_do_not_pass_report_ends_only_a_campaign_that_says_so(
    dir_db: Database, openstates: FakeOpenStates, mo_folder: Path
) -> None:
    from bot.config import Mode
    from bot.schedule.runner import preview
    from tests.bills.test_triggers import campaign

    bill = openstates.bills[("mo", "2026", "SB 792")]
    bill["actions"].append(
        mo_data.action(
            9,
            "2026-02-10",
            "Reported Do Not Pass",
            ["committee-passage-unfavorable"],
            committee_ids=(mo_data.FAMILIES,),
            folder=mo_folder,
        )
    )
    bills = [{"jurisdiction": "mo", "session": "2026", "identifier": "SB 792", "title": "x"}]
    steps = [{"id": "dnp", "on": "reported_unfavorably", "messages": ["a"]}]
    default = campaign(id="default", bills=bills, steps=steps)
    strict = campaign(id="strict", bills=bills, steps=steps, stop_on=["reported_unfavorably"])
    report = run_sync(dir_db, [SB792], openstates=openstates, campaigns=[default, strict])
    assert record(dir_db).status == "reported_unfavorably"  # not progress, still in the Senate
    assert record(dir_db).current_chamber == "senate"
    assert "reported_unfavorably:senate:2026-02-10" in report.bills[0].new_events
    assert {(f.campaign_id, f.step) for f in report.firings} == {
        ("default", "dnp"),
        ("strict", "dnp"),
    }
    assert not any(
        "stopped" in n for n in preview(dir_db, default, mode=Mode.DRY_RUN, now=NOW).notes
    )
    assert (
        preview(dir_db, strict, mode=Mode.DRY_RUN, now=NOW)
        .notes[-1]
        .startswith("campaign stopped: mo/2026/SB 792 reported_unfavorably:senate:2026-02-10")
    )
