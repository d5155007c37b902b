"""docs/bills.md's tables of Congress.gov action codes and Open States classifications, row by row.

Each row of the two tables is a test: the action is put at the end of a bill's
history (a bill in its first chamber's committee, in the second chamber's
committee, passed by both, or vetoed, as the row needs) and the test checks the
action kind the parser gives it, the bill's status after it, and the events it
adds. Other tests check that the tables and the code list the same codes, and
the text fallbacks used where Congress.gov gives no code.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from bot.bills import congress, openstates
from bot.bills.events import events_of
from bot.bills.ident import BillRef
from bot.bills.records import BillRecord
from bot.bills.status import derive
from tests.support import ROOT

DOC = ROOT / "docs" / "bills.md"
DAY = date(2026, 3, 1)


def table(name: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    found = re.search(f"<!-- {name} -->\n(.*?)<!-- /{name} -->", text, re.DOTALL)
    assert found, f"docs/bills.md has no table marked <!-- {name} -->"
    rows = [line for line in found.group(1).splitlines() if line.startswith("| `")]
    return [[cell.strip().strip("`") for cell in row.strip("|").split("|")] for row in rows]


def kinds(cell: str) -> tuple[str, ...]:
    return () if cell == "—" else tuple(k.strip() for k in cell.split(","))


# -- Congress.gov -------------------------------------------------------------------------------


def item(code: str | None, text: str, kind: str, committee: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "actionDate": "2026-01-01",
        "text": text,
        "type": kind,
        "sourceSystem": {"code": 9, "name": "Library of Congress"}
        if code
        else {"code": 0, "name": "Senate"},
        "committees": [{"name": committee, "systemCode": committee}] if committee else None,
    }
    if code:
        found["actionCode"] = code
    return found


INTRO = item("1000", "Introduced in House", "IntroReferral")
TO_HOUSE_COMMITTEE = item(
    "2000", "Referred to the House Committee on Oversight.", "IntroReferral", "hsgo00"
)
PASSED_HOUSE = item("8000", "Passed/agreed to in House: On passage Passed.", "Floor")
TO_SENATE_COMMITTEE = item(
    "11000",
    "Received in the Senate and referred to the Committee on HSGAC.",
    "IntroReferral",
    "ssga00",
)
PASSED_SENATE = item(
    "17000", "Passed/agreed to in Senate: Passed Senate without amendment.", "Floor"
)
PRESENTED = item("28000", "Presented to President.", "President")
VETOED = item("31000", "Vetoed by President.", "Veto")


def history_before(code: str) -> list[dict[str, Any]]:
    """What happened to HR 21 before an action with ``code``, so that the code makes sense."""
    number = int(code) if code.isdigit() else None
    if code in ("Intro-S",) or (
        number is not None and (10000 <= number < 28000 or number == 48000)
    ):
        return [INTRO, TO_HOUSE_COMMITTEE, PASSED_HOUSE, TO_SENATE_COMMITTEE]
    if number is not None and 32000 <= number <= 35000:
        return [INTRO, TO_HOUSE_COMMITTEE, PASSED_HOUSE, PASSED_SENATE, PRESENTED, VETOED]
    if code.startswith("E") or (number is not None and 28000 <= number < 47000):
        return [INTRO, TO_HOUSE_COMMITTEE, PASSED_HOUSE, PASSED_SENATE]
    return [INTRO, TO_HOUSE_COMMITTEE]


def congress_record(items: list[dict[str, Any]]) -> BillRecord:
    record = BillRecord(
        key="us/117/HR 21",
        jurisdiction="us",
        session="117",
        identifier="HR 21",
        source="congress.gov",
        source_id="117/hr/21",
        title="FedRAMP Authorization Act",
        origin_chamber="house",
        introduced=DAY,
    )
    record.actions = [
        congress.parse_action(i, DAY + timedelta(days=n)) for n, i in enumerate(items)
    ]
    return derive(record)


def new_events(before: BillRecord, after: BillRecord) -> set[str]:
    today = DAY
    old = {e.key for e in events_of(before, today)}
    return {e.kind for e in events_of(after, today) if e.key not in old}


CONGRESS_ROWS = table("congress-codes")


@pytest.mark.parametrize(
    ("code", "name", "kind", "status", "events"), CONGRESS_ROWS, ids=[r[0] for r in CONGRESS_ROWS]
)
def test_congress_code(code: str, name: str, kind: str, status: str, events: str) -> None:
    committee = "ssga00" if code in ("11000", "12000", "14000", "14500") else "hsgo00"
    action = item(code, f"{name}.", "Floor", committee)
    found, _, how = congress.action_kinds(action)
    assert (found, how) == (kinds(kind), "code")
    earlier = history_before(code)
    before = congress_record(earlier)
    after = congress_record([*earlier, action])
    assert after.status == (before.status if status == "unchanged" else status)
    assert new_events(before, after) == set(kinds(events))


def test_every_code_the_parser_knows_is_in_the_table() -> None:
    documented = {row[0] for row in CONGRESS_ROWS}
    assert set(congress.ACTION_CODES) | {"71000"} == documented


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        # The Senate's own entries carry no code: the type, then the start of the text.
        (
            item(
                None,
                "Committee on the Judiciary. Reported by Senator Grassley with an "
                "amendment in the nature of a substitute. Without written report.",
                "Committee",
            ),
            ("reported",),
        ),
        (
            item(None, "Committee on Finance. Reported adversely by Senator X.", "Committee"),
            ("reported_unfavorably",),
        ),
        (
            item(
                None,
                "Committee on the Judiciary. Ordered to be reported with an amendment favorably.",
                "Committee",
            ),
            (),
        ),
        (
            item(
                None,
                "Read twice and referred to the Committee on the Judiciary.",
                "IntroReferral",
                "ssju00",
            ),
            ("referred",),
        ),
        (item(None, "Introduced in Senate", "IntroReferral"), ("introduced",)),
        (item(None, "Passed Senate with an amendment by Unanimous Consent.", "Floor"), ("passed",)),
        (item(None, "Failed of passage in Senate by Yea-Nay Vote. 40 - 58.", "Floor"), ("failed",)),
        (
            item(None, "Passed Senate over veto by Yea-Nay Vote. 70 - 27.", "Veto"),
            ("override_passed",),
        ),
        (
            item(None, "Failed of passage in Senate over veto by Yea-Nay Vote. 54 - 45.", "Veto"),
            ("override_failed",),
        ),
        (item(None, "Presented to President.", "President"), ("presented",)),
        (item(None, "Signed by President.", "President"), ("signed",)),
        (item(None, "Vetoed by President.", "President"), ("vetoed",)),
        (item(None, "Pocket Vetoed by President.", "President"), ("vetoed", "pocket_veto")),
        (item(None, "Became Public Law No: 118-1.", "BecameLaw"), ("signed",)),
        (
            item(None, "Senate Committee on HELP discharged by Unanimous Consent.", "Discharge"),
            ("discharged",),
        ),
        (
            item(
                None,
                "Motion to Discharge Committee filed by Mr. X. Petition No: 118-5.",
                "Discharge",
            ),
            ("discharge_petition",),
        ),
        # A House code has no authoritative list: only the type speaks, never the text.
        (
            {
                **item(
                    "H11100",
                    "Referred to the House Committee on Oversight and Reform.",
                    "IntroReferral",
                    "hsgo00",
                ),
                "sourceSystem": {"code": 2, "name": "House floor actions"},
            },
            ("referred",),
        ),
        (
            {
                **item(
                    "H37300",
                    "On motion to suspend the rules and pass the bill Failed by the Yeas "
                    "and Nays: (2/3 required): 240 - 167.",
                    "Floor",
                ),
                "sourceSystem": {"code": 2, "name": "House floor actions"},
            },
            (),
        ),
        # A discharge petition filed in the House, under a House code: the text tells.
        (
            {
                **item(
                    "H22000",
                    "Motion to Discharge Committee filed by Mr. Fitzpatrick. Petition No: 118-7.",
                    "Discharge",
                ),
                "sourceSystem": {"code": 2, "name": "House floor actions"},
            },
            ("discharge_petition",),
        ),
        # A coded report that says "adversely" is unfavourable.
        (
            item("14000", "Committee on Finance. Reported adversely by Senator X.", "Committee"),
            ("reported_unfavorably",),
        ),
        # Amendment codes say nothing about the bill's stage.
        (item("93000", "Amendment SA 1 proposed by Senator X.", "Floor"), ()),
    ],
)
def test_without_a_code_the_type_then_the_text(action: dict[str, Any], expected: tuple) -> None:
    assert congress.action_kinds(action)[0] == expected


def test_a_senate_committee_report_is_no_longer_missed() -> None:
    """Congress.gov's report (14000) leaves the bill reported, not "in committee"."""
    report = item(
        "14000",
        "Committee on the Judiciary. Reported by Senator Grassley with an amendment in the "
        "nature of a substitute. Without written report.",
        "Committee",
        "ssju00",
    )
    record = congress_record([*history_before("14000"), report])
    assert record.status == "reported" and record.current_chamber == "senate"
    [event] = [e for e in events_of(record, DAY) if e.kind == "reported"]
    assert event.key == "reported:senate:2026-03-05"
    # Congress.gov also lists the Senate's own entry, without a code: still one event,
    # and it names the committee whichever entry does.
    senate_entry = item(None, report["text"], "Committee", "ssju00")
    report_without_committee = dict(report, committees=None)
    record = congress_record([*history_before("14000"), report_without_committee])
    record.actions.append(congress.parse_action(senate_entry, record.actions[-1].date))
    [event] = [e for e in events_of(derive(record), DAY) if e.kind == "reported"]
    assert event.key == "reported:senate:2026-03-05" and event.detail["committees"] == ["SSJU"]


def test_a_failed_suspension_vote_is_not_the_end_it_passes_under_a_rule() -> None:
    failed = item(
        "9000",
        "Failed of passage/not agreed to in House: On motion to suspend the rules and pass the "
        "bill Failed by the Yeas and Nays: (2/3 required): 240 - 167 (Roll no. 574).",
        "Floor",
    )
    record = congress_record([INTRO, TO_HOUSE_COMMITTEE, failed])
    assert record.status == "failed_vote" and record.current_chamber == "house"
    assert [e.key for e in events_of(record, DAY) if e.kind == "failed_vote"] == [
        "failed_vote:house:2026-03-03"
    ]
    record = congress_record([INTRO, TO_HOUSE_COMMITTEE, failed, PASSED_HOUSE])
    assert record.status == "passed_house" and record.current_chamber == "senate"


def test_a_veto_overridden_by_both_chambers_is_law() -> None:
    house = item(
        "32000",
        "Passed House over veto: On passage, the objections of the President "
        "to the contrary notwithstanding Passed by the Yeas and Nays: 300 - 100.",
        "Veto",
    )
    senate = item("34000", "Passed Senate over veto by Yea-Nay Vote. 70 - 27.", "Veto")
    record = congress_record([*history_before("32000"), house, senate])
    assert record.status == "signed"
    kinds_seen = [e.kind for e in events_of(record, DAY)]
    assert kinds_seen.count("override_passed") == 2
    assert {"vetoed", "veto_overridden", "signed"} <= set(kinds_seen)
    assert "veto_upheld" not in kinds_seen


# -- Open States --------------------------------------------------------------------------------

SENATE = {"id": "ocd-organization/mo-senate", "name": "Senate", "classification": "upper"}
HOUSE = {"id": "ocd-organization/mo-house", "name": "House", "classification": "lower"}
GOVERNOR = {"id": "ocd-organization/mo-governor", "name": "Governor", "classification": "executive"}
FAMILIES = "ocd-organization/families"
JUDICIARY = "ocd-organization/judiciary"


def os_action(
    classification: str, chamber: dict[str, Any] = SENATE, committee: str | None = None
) -> dict[str, Any]:
    related = (
        [
            {
                "name": committee,
                "entity_type": "organization",
                "organization": {"id": committee, "name": committee, "classification": "committee"},
            }
        ]
        if committee
        else []
    )
    return {
        "organization": chamber,
        "description": classification,
        "date": "2026-01-01",
        "classification": [classification],
        "related_entities": related,
    }


def os_record(actions: list[dict[str, Any]]) -> BillRecord:
    dated = [
        dict(a, date=(DAY + timedelta(days=n)).isoformat(), order=n) for n, a in enumerate(actions)
    ]
    raw = {
        "id": "ocd-bill/test",
        "title": "Expungement for trafficking victims",
        "from_organization": SENATE,
        "first_action_date": DAY.isoformat(),
        "classification": ["bill"],
        "sponsorships": [],
        "actions": dated,
    }
    return openstates.build(BillRef.parse("mo", "2026", "SB 792"), raw, lambda name, chamber: None)


def os_history_before(classification: str) -> list[dict[str, Any]]:
    start = [os_action("introduction"), os_action("referral-committee", committee=FAMILIES)]
    executive = [os_action("introduction"), os_action("passage"), os_action("passage", HOUSE)]
    if classification.startswith("veto-override"):
        return [*executive, os_action("executive-veto", GOVERNOR)]
    if classification.startswith(("executive", "became-law")):
        return executive
    return start


def os_row_action(classification: str) -> dict[str, Any]:
    if classification.startswith(("executive", "became-law")):
        return os_action(classification, GOVERNOR)
    if classification.startswith("referral"):
        return os_action(classification, committee=JUDICIARY)
    if classification.startswith("committee"):
        return os_action(classification, committee=FAMILIES)
    return os_action(classification)


OPENSTATES_ROWS = table("openstates-classifications")


@pytest.mark.parametrize(
    ("classification", "kind", "status", "events"),
    OPENSTATES_ROWS,
    ids=[r[0] for r in OPENSTATES_ROWS],
)
def test_openstates_classification(
    classification: str, kind: str, status: str, events: str
) -> None:
    earlier = os_history_before(classification)
    before = os_record(earlier)
    after = os_record([*earlier, os_row_action(classification)])
    assert after.actions[-1].kinds == kinds(kind)
    assert after.status == (before.status if status == "unchanged" else status)
    assert new_events(before, after) == set(kinds(events))


def test_every_classification_of_the_vocabulary_is_in_the_table() -> None:
    assert {row[0] for row in OPENSTATES_ROWS} == set(openstates.KINDS)


def test_a_referral_to_no_committee_is_not_a_committee_referral() -> None:
    record = os_record([os_action("introduction"), os_action("referral")])
    assert record.actions[-1].kinds == () and record.status == "introduced"


def test_an_unknown_classification_changes_nothing() -> None:
    record = os_record([os_action("introduction"), os_action("citation-chapter")])
    assert record.actions[-1].kinds == () and record.status == "introduced"


def test_a_do_not_pass_report_is_not_progress_and_a_committee_no_is_not_the_end() -> None:
    unfavorable = os_record(
        [*os_history_before("committee"), os_row_action("committee-passage-unfavorable")]
    )
    assert unfavorable.status == "reported_unfavorably"
    assert unfavorable.current_chamber == "senate" and unfavorable.passed_chambers == []
    held = os_record([*os_history_before("committee"), os_row_action("committee-failure")])
    assert held.status == "failed_committee"
    assert [c.id for c in held.current_committees] == [FAMILIES]  # still there: it may reconsider
    again = os_record(
        [
            *os_history_before("committee"),
            os_row_action("committee-failure"),
            os_row_action("committee-passage"),
            os_action("passage"),
        ]
    )
    assert again.status == "passed_senate"
