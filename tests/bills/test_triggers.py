"""Campaign steps fire on bill events, once each; runs follow the step in force."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sqlalchemy import select

from bot.bills.campaign_stage import current_stage
from bot.bills.models import BillEvent, BillStepFiring
from bot.bills.report import steps_preview
from bot.campaigns.loaded import LoadedCampaign
from bot.campaigns.loader import load_campaign
from bot.config import Mode
from bot.schedule.runner import preview, run_campaign
from bot.store.db import Database
from bot.store.models import Post
from tests.bills.conftest import HR21, NOW, run_sync
from tests.fakes.congress import FakeCongress
from tests.support import ROOT, SHARED_DATA, make_campaign

EXAMPLES = ROOT / "campaigns"

STEPS = [
    {
        "id": "committee",
        "on": "referred",
        "targets": {"select": [{"bill_role": "committee_members_not_cosponsoring"}]},
        "post": {
            "text": "{{ mentions }}: {{ bill.identifier }} is now before the "
            "{{ event.committee }}. Please support it."
        },
    },
    {
        "id": "hearing",
        "on": "hearing",
        "post": {
            "when": "day_before",
            "time": "09:00",
            "text": "{{ event.date }} at {{ event.time }}, the {{ event.committee }} hears "
            "{{ bill.identifier }}. {{ mentions }}, please support it.",
            "targets": {"select": [{"bill_role": "committee_of_referral"}]},
        },
    },
    {
        "id": "next-chamber",
        "on": "passed_chamber",
        "targets": {"select": [{"bill_role": "chamber_of_current_stage"}]},
    },
    {
        "id": "thanks",
        "on": ["signed", "passed"],
        "post": {
            "text": "Thank you {{ mentions }} for {{ bill.identifier }}!",
            "targets": {"select": [{"bill_role": "supporters"}]},
        },
        "stop": True,
    },
    {"id": "stop", "on": ["failed", "withdrawn"], "stop": True},
]


def campaign(**changes: object) -> LoadedCampaign:
    data: dict[str, object] = dict(
        bills=[{"jurisdiction": "us", "session": "117", "identifier": "HR 21", "title": "FedRAMP"}],
        targets={"select": [{"jurisdiction": "us", "chamber": "house", "state": "VA"}]},
        schedule={"cron": "0 10 * * *", "timezone": "America/New_York"},
        steps=STEPS,
    )
    data.update(changes)
    return LoadedCampaign(make_campaign(**data), Path("campaigns/test.yaml"))


def house_stage(fake: FakeCongress) -> dict:
    """HR 21 as it stood on 2021-01-04: introduced and referred to House Oversight."""
    real = fake.bills[(117, "hr", 21)]
    early = copy.deepcopy(real)
    early["actions"] = real["actions"][-3:]
    early["committees"] = [c for c in real["committees"] if c["systemCode"] == "hsgo00"]
    early["bill"]["updateDate"] = "2021-01-04T20:00:00Z"
    early["bill"]["latestAction"] = {
        "actionDate": "2021-01-04",
        "text": real["actions"][-3]["text"],
    }
    fake.bills[(117, "hr", 21)] = early
    return real


def members(committee: str) -> set[str]:
    path = SHARED_DATA / "congress-legislators" / "committee-membership-current.yaml"
    return {m["bioguide"] for m in yaml.safe_load(path.read_text())[committee]}


def firings(db: Database) -> list[tuple[str, str, int]]:
    with db.new_session() as session:
        rows = session.execute(
            select(BillStepFiring.step, BillEvent.key, BillStepFiring.posts)
            .join(BillEvent, BillEvent.id == BillStepFiring.event_id)
            .order_by(BillStepFiring.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def step_posts(db: Database) -> list[Post]:
    with db.new_session() as session:
        return list(session.scalars(select(Post).where(Post.variant.like("step:%"))))


def test_a_bill_that_changes_committee_fires_its_step_once_per_committee(
    dir_db: Database, congress: FakeCongress
) -> None:
    loaded = campaign()
    real = house_stage(congress)
    jan4 = datetime(2021, 1, 4, 20, 0, tzinfo=UTC)
    first = run_sync(dir_db, [HR21], congress, now=jan4, campaigns=[loaded])
    assert first.bills[0].new_events == ["referred:house:HSGO"]
    assert [(f.step, f.event_key) for f in first.firings] == [("committee", "referred:house:HSGO")]
    [post] = first.firings[0].posts
    assert "now before the Oversight and Reform Committee" in post.text
    assert {t.person_id for t in post.targets} <= members("HSGO")

    congress.bills[(117, "hr", 21)] = real  # passed the House, now in Senate HSGAC
    jan8 = datetime(2021, 1, 8, 15, 0, tzinfo=UTC)
    second = run_sync(dir_db, [HR21], congress, now=jan8, campaigns=[loaded])
    assert second.bills[0].new_events == ["passed:house", "referred:senate:SSGA"]
    assert [(f.step, f.event_key) for f in second.firings] == [
        ("next-chamber", "passed:house"),
        ("committee", "referred:senate:SSGA"),
    ]
    third = run_sync(dir_db, [HR21], congress, now=jan8.replace(day=9), campaigns=[loaded])
    assert third.bills[0].new_events == [] and third.firings == []

    assert firings(dir_db) == [
        ("committee", "referred:house:HSGO", 1),
        ("next-chamber", "passed:house", 0),
        ("committee", "referred:senate:SSGA", 1),
    ]
    posts = step_posts(dir_db)
    assert len(posts) == 2 and all(p.mode == "dry_run" and p.status == "queued" for p in posts)
    assert posts[0].scheduled_for == jan4 and posts[1].scheduled_for == jan8

    # Runs now address the Senate committee's members who have not cosponsored.
    plan = preview(dir_db, loaded, mode=Mode.DRY_RUN, now=jan8)
    assert plan.posts
    assert {t.person_id for p in plan.posts for t in p.targets} <= members("SSGA")
    assert plan.notes[0].startswith("targets from step 'committee' (us/117/HR 21: referred:senate")


def test_steps_fire_per_mode(dir_db: Database, congress: FakeCongress) -> None:
    loaded = campaign()
    run_sync(dir_db, [HR21], congress, now=datetime(2021, 1, 8, tzinfo=UTC), campaigns=[loaded])
    live = run_sync(
        dir_db,
        [HR21],
        congress,
        now=datetime(2021, 1, 8, 1, tzinfo=UTC),
        campaigns=[loaded],
        mode=Mode.LIVE,
    )
    assert [f.step for f in live.firings] == ["next-chamber", "committee"]
    with dir_db.new_session() as session:
        assert current_stage(session, loaded, Mode.LIVE).targets is not None


def test_a_hearing_posts_the_day_before(dir_db: Database, congress: FakeCongress) -> None:
    congress.meetings[(117, "senate")] = [
        {
            "eventId": "112233",
            "date": "2026-08-20T14:00:00Z",
            "meetingStatus": "Scheduled",
            "type": "Hearing",
            "title": "Hearing on H.R. 21",
            "updateDate": "2026-08-09T10:00:00Z",
            "committees": [
                {
                    "name": "Homeland Security and Governmental Affairs Committee",
                    "systemCode": "ssga00",
                }
            ],
            "relatedItems": {"bills": [{"congress": 117, "number": "21", "type": "HR"}]},
        }
    ]
    loaded = campaign()
    report = run_sync(dir_db, [HR21], congress, campaigns=[loaded])
    fired = {f.step: f for f in report.firings}
    # The referral happened in 2021: far older than max_age, so no post for it now.
    assert fired["committee"].posts == []
    assert "not posted: the event happened on 2021-01-07" in fired["committee"].notes[0]
    hearing = fired["hearing"]
    # 2026-08-19 09:00 in New York is 13:00 UTC.
    assert hearing.scheduled_for == datetime(2026, 8, 19, 13, 0, tzinfo=UTC)
    [post] = hearing.posts
    assert post.text.startswith(
        "Thursday, August 20 at 10:00 AM, the Homeland Security and Governmental Affairs "
        "Committee hears HR 21."
    )
    assert {t.person_id for t in post.targets} <= members("SSGA")
    again = run_sync(dir_db, [HR21], congress, now=NOW.replace(hour=18), campaigns=[loaded])
    assert again.firings == []
    [row] = [p for p in step_posts(dir_db) if p.variant == "step:hearing"]
    assert row.scheduled_for == datetime(2026, 8, 19, 13, 0, tzinfo=UTC)


def test_signed_thanks_the_supporters_once_and_stops(
    dir_db: Database, congress: FakeCongress
) -> None:
    bill = congress.bills[(117, "hr", 21)]
    cosponsors = bill["cosponsors"]
    cosponsors.append(dict(cosponsors[0], bioguideId="H001089", fullName="Sen. Hawley, Josh"))
    law = {
        "actionDate": "2026-08-09",
        "text": "Became Public Law No: 117-999.",
        "type": "BecameLaw",
        "sourceSystem": {"code": 9, "name": "Library of Congress"},
        "committees": None,
    }
    senate = {
        "actionDate": "2026-08-03",
        "actionCode": "17000",
        "type": "Floor",
        "text": "Passed/agreed to in Senate: Passed Senate without amendment by Voice Vote.",
        "sourceSystem": {"code": 9, "name": "Library of Congress"},
        "committees": None,
    }
    bill["actions"] = [law, senate, *bill["actions"]]
    bill["bill"]["laws"] = [{"number": "117-999", "type": "Public Law"}]
    loaded = campaign()
    report = run_sync(dir_db, [HR21], congress, campaigns=[loaded])
    assert report.bills[0].record.status == "signed"  # type: ignore[union-attr]
    thanks = [f for f in report.firings if f.step == "thanks"]
    assert [f.event_key for f in thanks] == ["passed", "signed"]
    [post] = thanks[0].posts
    assert post.text.startswith("Thank you @")
    assert {t.person_id for t in post.targets} <= {"C001108", "H001089"}
    assert thanks[1].posts == [] and thanks[1].notes == [
        "already fired for us/117/HR 21; nothing more to do"
    ]
    result = run_campaign(
        dir_db, loaded, mode=Mode.DRY_RUN, now=NOW, fire_time=NOW.replace(hour=14)
    )
    assert result.posts == []
    assert result.notes[-1].startswith("campaign stopped by step 'thanks' (us/117/HR 21: passed")


def loc_action(day: str, code: str, text: str, kind: str = "Floor") -> dict:
    return {
        "actionDate": day,
        "actionCode": code,
        "type": kind,
        "text": text,
        "sourceSystem": {"code": 9, "name": "Library of Congress"},
        "committees": None,
    }


SENATE_FAILED = loc_action(
    "2026-08-05", "18000", "Failed of passage/not agreed to in Senate: by Yea-Nay Vote. 40 - 58."
)


def test_a_failed_vote_fires_its_steps_but_does_not_stop_the_campaign(
    dir_db: Database, congress: FakeCongress
) -> None:
    steps = [*STEPS[:-1], {"id": "again", "on": "failed_vote", "messages": ["a"]}]
    loaded = campaign(steps=steps)
    congress.bills[(117, "hr", 21)]["actions"].insert(0, SENATE_FAILED)
    report = run_sync(dir_db, [HR21], congress, campaigns=[loaded])
    assert "failed_vote:senate:2026-08-05" in report.bills[0].new_events
    assert report.bills[0].record.status == "failed_vote"  # type: ignore[union-attr]
    assert [f.step for f in report.firings if f.kind == "failed_vote"] == ["again"]
    plan = preview(dir_db, loaded, mode=Mode.DRY_RUN, now=NOW)
    assert plan.posts and not any("stopped" in n for n in plan.notes)


def test_failed_in_a_step_still_means_a_failed_vote(
    dir_db: Database, congress: FakeCongress
) -> None:
    """A campaign written before the finer events (``on: [failed, withdrawn]``) keeps working."""
    loaded = campaign()
    congress.bills[(117, "hr", 21)]["actions"].insert(0, SENATE_FAILED)
    report = run_sync(dir_db, [HR21], congress, campaigns=[loaded])
    assert [f.step for f in report.firings if f.kind == "failed_vote"] == ["stop"]
    plan = preview(dir_db, loaded, mode=Mode.DRY_RUN, now=NOW)
    assert plan.posts == [] and plan.notes[-1].startswith("campaign stopped by step 'stop'")


def test_stop_on_ends_the_campaign_on_the_events_it_names(
    dir_db: Database, congress: FakeCongress
) -> None:
    steps = [STEPS[0]]
    congress.bills[(117, "hr", 21)]["actions"].insert(0, SENATE_FAILED)
    default = campaign(steps=steps)
    strict = campaign(id="strict", steps=steps, stop_on=["failed_vote"])
    run_sync(dir_db, [HR21], congress, campaigns=[default, strict])
    assert preview(dir_db, default, mode=Mode.DRY_RUN, now=NOW).posts
    plan = preview(dir_db, strict, mode=Mode.DRY_RUN, now=NOW)
    assert plan.posts == []
    assert plan.notes[-1] == (
        "campaign stopped: us/117/HR 21 failed_vote:senate:2026-08-05, 2026-08-05 is one of its "
        "stop_on events (failed_vote); nothing planned"
    )


def test_stop_on_ends_a_campaign_without_steps_too(
    dir_db: Database, congress: FakeCongress
) -> None:
    congress.bills[(117, "hr", 21)]["actions"].insert(0, SENATE_FAILED)
    loaded = campaign(id="no-steps", steps=[], stop_on=["failed_vote"])
    run_sync(dir_db, [HR21], congress, campaigns=[loaded])
    plan = preview(dir_db, loaded, mode=Mode.DRY_RUN, now=NOW)
    assert plan.posts == [] and "stop_on events (failed_vote)" in plan.notes[-1]


def test_by_default_a_veto_stops_nothing_until_it_stands(
    dir_db: Database, congress: FakeCongress
) -> None:
    loaded = campaign(steps=[STEPS[0]])
    actions = congress.bills[(117, "hr", 21)]["actions"]
    actions[:0] = [
        loc_action("2026-08-04", "31000", "Vetoed by President.", "Veto"),
        loc_action("2026-08-03", "28000", "Presented to President.", "President"),
        loc_action("2026-08-02", "17000", "Passed/agreed to in Senate: Passed Senate."),
    ]
    first = run_sync(dir_db, [HR21], congress, campaigns=[loaded])
    assert first.bills[0].record.status == "vetoed"  # type: ignore[union-attr]
    assert preview(dir_db, loaded, mode=Mode.DRY_RUN, now=NOW).posts
    actions.insert(
        0,
        loc_action(
            "2026-08-06", "33000", "Failed of passage in House over veto: 250 - 180.", "Veto"
        ),
    )
    later = NOW.replace(hour=18)
    second = run_sync(dir_db, [HR21], congress, now=later, campaigns=[loaded])
    assert second.bills[0].new_events == ["veto_upheld"]
    plan = preview(dir_db, loaded, mode=Mode.DRY_RUN, now=later)
    assert plan.posts == [] and "veto_upheld" in plan.notes[-1]


def test_the_example_campaign_steps_fire_on_the_right_events(
    dir_db: Database, congress: FakeCongress
) -> None:
    """campaigns/us-s1693-online-trafficking.yaml, on the real HR 21 answers and what follows."""
    example = load_campaign(EXAMPLES / "us-s1693-online-trafficking.yaml")
    bills = [{"jurisdiction": "us", "session": "117", "identifier": "HR 21", "title": "FedRAMP"}]
    loaded = campaign(
        steps=[s.model_dump() for s in example.campaign.steps],
        stop_on=example.campaign.stop_on,
        bills=bills,
    )
    first = run_sync(dir_db, [HR21], congress, campaigns=[loaded])
    assert [(f.step, f.kind) for f in first.firings] == [
        ("next-chamber", "passed_chamber"),
        ("committee", "referred"),
    ]
    actions = congress.bills[(117, "hr", 21)]["actions"]
    actions.insert(0, SENATE_FAILED)  # a failed vote: nothing fires, nothing stops
    second = run_sync(dir_db, [HR21], congress, now=NOW.replace(hour=13), campaigns=[loaded])
    assert second.firings == []
    assert preview(dir_db, loaded, mode=Mode.DRY_RUN, now=NOW.replace(hour=13)).posts
    actions.insert(0, loc_action("2026-08-07", "17000", "Passed/agreed to in Senate: Passed."))
    third = run_sync(dir_db, [HR21], congress, now=NOW.replace(hour=14), campaigns=[loaded])
    assert [(f.step, f.kind) for f in third.firings] == [
        ("next-chamber", "passed_chamber"),
        ("thanks", "passed"),
    ]
    plan = preview(dir_db, loaded, mode=Mode.DRY_RUN, now=NOW.replace(hour=14))
    assert plan.posts == [] and plan.notes[-1].startswith("campaign stopped by step 'thanks'")


def test_steps_preview_shows_what_each_step_would_post_and_when(
    dir_db: Database, congress: FakeCongress
) -> None:
    loaded = campaign()
    jan8 = datetime(2021, 1, 8, 15, 0, tzinfo=UTC)
    run_sync(dir_db, [HR21], congress, now=jan8)  # events recorded, no campaign: nothing fired
    with dir_db.new_session() as session:
        items = {i["step"]: i for i in steps_preview(session, loaded, Mode.DRY_RUN, jan8)}
        session.rollback()
    committee = items["committee"]
    assert committee["fired"] == []
    [due] = committee["next_sync"]
    assert due["event"] == "referred:senate:SSGA" and due["scheduled_for"] == jan8
    assert "Homeland Security and Governmental Affairs Committee" in due["posts"][0]["text"]
    [(bill, people)] = committee["targets_now"].items()
    assert bill == "us/117/HR 21" and people and all("(" in t for t in people)
    thanks = items["thanks"]
    assert thanks["next_sync"] == []
    assert thanks["preview"]["when"] == "at once, when the bill is signed into law"
    assert thanks["preview"]["posts"][0]["text"].startswith("Thank you")
    hearing = items["hearing"]["preview"]
    assert hearing["when"] == "day before the hearing, at 09:00 (America/New_York)"
    # Nothing was written.
    assert firings(dir_db) == []
