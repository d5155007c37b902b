"""``bills sync`` against a local Congress.gov serving the real answers for bill 117 HR 21."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.bills import store
from bot.bills.models import BillRow, BillSponsor
from bot.store.db import Database
from tests.bills.conftest import HR21, NOW, Sleeps, run_sync
from tests.fakes.congress import FakeCongress


def raw(samples: Path, name: str) -> dict:
    return json.loads((samples / f"bill_117_hr_21{name}.json").read_text())


def cached(db: Database, key: str = HR21.key) -> store.Cached:
    with db.new_session() as session:
        found = store.load(session, key)
    assert found is not None
    return found


def test_sync_reads_the_real_answers(db: Database, congress: FakeCongress, samples: Path) -> None:
    report = run_sync(db, [HR21], congress)
    assert report.ok, report.bills[0].error
    record = cached(db).record
    bill = raw(samples, "")["bill"]
    assert record.title == bill["title"] == "FedRAMP Authorization Act"
    assert record.origin_chamber == "house"
    assert record.url == "https://www.congress.gov/bill/117th-congress/house-bill/21"
    assert [s.person_id for s in record.sponsors if s.role == "sponsor"] == [
        s["bioguideId"] for s in bill["sponsors"]
    ]
    cosponsors = raw(samples, "_cosponsors")["cosponsors"]
    assert [(s.person_id, str(s.since), s.original) for s in record.sponsors[1:]] == [
        (c["bioguideId"], c["sponsorshipDate"], c["isOriginalCosponsor"]) for c in cosponsors
    ]
    # Passed the House on 2021-01-05, referred to Senate HSGAC (ssga00 -> thomas id SSGA).
    assert record.passed_chambers == ["house"]
    assert record.current_chamber == "senate"
    assert [(c.id, c.current) for c in record.committees] == [("SSGA", True), ("HSGO", False)]
    assert record.status == "in_committee"
    actions = raw(samples, "_actions")["actions"]
    assert len(record.actions) == len(actions)
    assert record.actions[0].text == "Introduced in House"
    assert record.actions[-1].text == actions[0]["text"]  # the newest, listed first by the API
    assert report.bills[0].new_events == ["passed:house", "referred:senate:SSGA"]


def test_the_key_travels_in_a_header_never_in_a_url(db: Database, congress: FakeCongress) -> None:
    run_sync(db, [HR21], congress)
    assert congress.requests
    for request in congress.requests:
        assert request.header("X-Api-Key") == "fake-congress-key"
        assert "api_key" not in request.raw_query
        assert request.query.get("format") == "json"


def test_lists_are_paged(db: Database, congress: FakeCongress, samples: Path) -> None:
    congress.max_limit = 1  # one cosponsor (or action) per page: follow pagination.next
    report = run_sync(db, [HR21], congress)
    assert report.ok, report.bills[0].error
    pages = [r.query["offset"] for r in congress.received("bill_part") if "cosponsors" in r.path]
    assert pages == ["0", "1"]
    actions = [r for r in congress.received("bill_part") if r.path.endswith("/actions")]
    assert len(actions) == len(raw(samples, "_actions")["actions"])
    record = cached(db).record
    assert [s.person_id for s in record.sponsors if s.role == "cosponsor"] == ["C001108", "H001071"]
    assert len(record.actions) == 10


def test_a_cosponsor_who_withdrew(db: Database, congress: FakeCongress) -> None:
    bill = congress.bills[(117, "hr", 21)]
    withdrawn = copy.deepcopy(bill["cosponsors"][0])
    withdrawn.update(
        bioguideId="M001157",
        fullName="Rep. McCaul, Michael T. [R-TX-10]",
        isOriginalCosponsor=False,
        sponsorshipDate="2021-01-05",
        sponsorshipWithdrawnDate="2021-01-06",
    )
    bill["cosponsors"].append(withdrawn)
    assert run_sync(db, [HR21], congress).ok
    record = cached(db).record
    gone = [s for s in record.sponsors if s.person_id == "M001157"]
    assert len(gone) == 1 and str(gone[0].withdrawn) == "2021-01-06" and not gone[0].supports
    with db.new_session() as session:
        row = session.scalar(select(BillSponsor).where(BillSponsor.person_id == "M001157"))
        assert row is not None and str(row.withdrawn) == "2021-01-06"


def test_a_wrong_key_is_a_clear_error_and_the_cache_is_kept(
    db: Database, congress: FakeCongress
) -> None:
    assert run_sync(db, [HR21], congress).ok
    before = cached(db)
    later = NOW.replace(day=13)
    report = run_sync(db, [HR21], congress, now=later, congress_key="not-my-key")
    assert not report.ok
    error = report.bills[0].error or ""
    assert "refused the API key" in error and "API_KEY_INVALID" in error
    assert "CONGRESS_API_KEY" in error
    assert "not-my-key" not in error
    assert report.bills[0].cached_at == before.fetched_at == NOW
    after = cached(db)
    assert after.fetched_at == NOW and after.record == before.record
    assert after.describe_age(later) == "fetched 2026-08-10 12:00 UTC (3 days ago)"


def test_no_key_says_where_to_get_one(db: Database, congress: FakeCongress) -> None:
    report = run_sync(db, [HR21], congress, congress_key="")
    error = report.bills[0].error or ""
    assert "CONGRESS_API_KEY is not set" in error and "https://api.congress.gov/sign-up/" in error
    assert congress.requests == []


@pytest.mark.parametrize("how", ["not json", "no cosponsors list", "cosponsor without id"])
def test_a_malformed_answer_writes_nothing(db: Database, congress: FakeCongress, how: str) -> None:
    assert run_sync(db, [HR21], congress).ok
    before = cached(db)
    bill = congress.bills[(117, "hr", 21)]
    bill["bill"]["updateDate"] = "2026-08-11T00:00:00Z"
    bill["committees"] = [c for c in bill["committees"] if c["systemCode"] == "hsgo00"]
    if how == "not json":
        congress.inject("bill_part", "malformed")
    elif how == "no cosponsors list":
        bill["cosponsors"] = None
    else:
        bill["cosponsors"][1].pop("bioguideId")
    report = run_sync(db, [HR21], congress, now=NOW.replace(day=11))
    assert not report.ok
    assert "malformed" in (report.bills[0].error or "")
    after = cached(db)
    assert after.fetched_at == before.fetched_at and after.record == before.record
    with db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(BillSponsor)) == 3


def test_a_malformed_first_sync_leaves_no_row(db: Database, congress: FakeCongress) -> None:
    congress.inject("bill", "malformed")
    report = run_sync(db, [HR21], congress)
    assert "not JSON" in (report.bills[0].error or "")
    with db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(BillRow)) == 0


def test_429_waits_as_long_as_retry_after_says(db: Database, congress: FakeCongress) -> None:
    congress.inject("bill", "rate_limited", retry_after=7)
    sleeps = Sleeps()
    assert run_sync(db, [HR21], congress, sleeps=sleeps).ok
    assert sleeps == [7.0]
    assert congress.count("bill") == 2


def test_a_long_retry_after_is_an_error_not_a_hang(db: Database, congress: FakeCongress) -> None:
    congress.inject("bill", "rate_limited", retry_after=3600)
    sleeps = Sleeps()
    report = run_sync(db, [HR21], congress, sleeps=sleeps)
    assert "rate limit reached" in (report.bills[0].error or "")
    assert "3600s" in (report.bills[0].error or "")
    assert sleeps == []


def test_requests_are_paced_to_the_hourly_limit(db: Database, congress: FakeCongress) -> None:
    from bot.bills.sync import Clients, sync
    from tests.bills.conftest import sources

    clock = [0.0]
    sleeps = Sleeps()
    clients = Clients.build(sources(congress), timeout=5, sleep=sleeps)
    clients.congress.min_interval = 0.75
    clients.congress.monotonic = lambda: clock[0]
    assert sync(db, [HR21], clients=clients, now=NOW).bills[0].error is None
    requests = clients.congress.requests_made
    assert requests >= 4 and sleeps == [0.75] * (requests - 1)
    assert clients.congress.rate_limit_remaining == 5000 - requests


def test_an_unchanged_bill_only_costs_one_request(db: Database, congress: FakeCongress) -> None:
    assert run_sync(db, [HR21], congress).ok
    first = len(congress.requests)
    report = run_sync(db, [HR21], congress, now=NOW.replace(day=11))
    assert report.ok and report.bills[0].new_events == []
    second = [r.route for r in congress.requests[first:]]
    assert second.count("bill") == 1 and "bill_part" not in second
    assert cached(db).fetched_at == NOW.replace(day=11)
    # A new cosponsor changes the count: only that list is fetched again.
    congress.bills[(117, "hr", 21)]["cosponsors"].append(
        dict(congress.bills[(117, "hr", 21)]["cosponsors"][0], bioguideId="M001157")
    )
    third_start = len(congress.requests)
    report = run_sync(db, [HR21], congress, now=NOW.replace(day=12))
    parts = [
        r.path.rsplit("/", 1)[1] for r in congress.requests[third_start:] if r.route == "bill_part"
    ]
    assert parts == ["cosponsors"]
    assert report.bills[0].changes == ["cosponsors 2 → 3"]
    # --full fetches everything.
    fourth_start = len(congress.requests)
    run_sync(db, [HR21], congress, now=NOW.replace(day=12), full=True)
    assert {
        r.path.rsplit("/", 1)[1] for r in congress.requests[fourth_start:] if r.route == "bill_part"
    } == {"actions", "committees", "cosponsors"}


def test_conditional_requests_reuse_the_cache_on_304(db: Database, congress: FakeCongress) -> None:
    congress.etags = True
    assert run_sync(db, [HR21], congress).ok
    start = len(congress.requests)
    report = run_sync(db, [HR21], congress, now=NOW.replace(day=11), full=True)
    assert report.ok
    again = congress.requests[start:]
    assert again and all(r.header("If-None-Match") for r in again if r.route != "meeting_list")
    assert cached(db).record.title == "FedRAMP Authorization Act"


def test_scheduled_hearings_come_from_committee_meetings(
    db: Database, congress: FakeCongress
) -> None:
    congress.meetings[(117, "senate")] = [
        {
            "chamber": "Senate",
            "congress": 117,
            "eventId": "112233",
            "date": "2026-08-20T14:00:00Z",
            "meetingStatus": "Scheduled",
            "type": "Hearing",
            "title": "Business meeting to consider H.R. 21",
            "updateDate": "2026-08-09T10:00:00Z",
            "committees": [
                {
                    "name": "Homeland Security and Governmental Affairs Committee",
                    "systemCode": "ssga00",
                }
            ],
            "location": {"building": "Dirksen Senate Office Building", "room": "342"},
            "relatedItems": {"bills": [{"congress": 117, "number": "21", "type": "HR"}]},
        },
        {
            "chamber": "Senate",
            "congress": 117,
            "eventId": "445566",
            "date": "2026-08-21T14:00:00Z",
            "meetingStatus": "Scheduled",
            "updateDate": "2026-08-09T11:00:00Z",
            "committees": [],
            "relatedItems": {"bills": [{"congress": 117, "number": "22", "type": "HR"}]},
        },
    ]
    report = run_sync(db, [HR21], congress)
    assert report.ok and not report.notes
    hearings = cached(db).record.hearings
    assert [(h.id, str(h.day), h.committees, h.location) for h in hearings] == [
        ("112233", "2026-08-20", ("SSGA",), "342 Dirksen Senate Office Building")
    ]
    assert "hearing:112233:2026-08-20" in report.bills[0].new_events
    listing = congress.received("meeting_list")[0]
    assert listing.query["fromDateTime"] == "2026-07-27T12:00:00Z"  # 14 days back, first scan
    # The next scan asks only for meetings updated since the last one (an hour's margin),
    # and the hearing found before is kept.
    run_sync(db, [HR21], congress, now=NOW.replace(day=11))
    assert congress.received("meeting_list")[1].query["fromDateTime"] == "2026-08-10T11:00:00Z"
    assert [h.id for h in cached(db).record.hearings] == ["112233"]


def test_a_refused_key_is_not_tried_again_for_the_next_bill(
    db: Database, congress: FakeCongress
) -> None:
    from bot.bills.ident import BillRef

    other = BillRef.parse("us", "117", "HR 22")
    report = run_sync(db, [HR21, other], congress, congress_key="wrong")
    assert [b.kind for b in report.bills] == ["auth", "auth"]
    assert report.bills[0].error == report.bills[1].error
    assert len(congress.requests) == 1
