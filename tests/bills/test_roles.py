"""Bill-role selectors resolve to directory people through bioguide and ocd-person ids."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.bills.roles import run
from bot.campaigns.loaded import LoadedCampaign
from bot.directory.models import PersonRow
from bot.directory.resolve import resolve_targets
from bot.directory.selectors import Selector
from bot.store.db import Database
from tests.bills import mo_data
from tests.bills.conftest import HR21, NOW, SB792, run_sync
from tests.fakes.congress import FakeCongress
from tests.fakes.openstates_api import FakeOpenStates
from tests.support import SHARED_DATA, make_campaign


def ids(db: Database, selector: dict, bills: list[str]) -> list[str]:
    with db.new_session() as session:
        return run(session, Selector.model_validate(selector), bills, NOW).ids


@pytest.fixture
def ssga(directory_template: Path) -> set[str]:
    """SSGA's members, straight from congress-legislators."""
    path = SHARED_DATA / "congress-legislators" / "committee-membership-current.yaml"
    data = yaml.safe_load(path.read_text())
    return {m["bioguide"] for m in data["SSGA"]}


def active(db: Database, **where: str) -> set[str]:
    with db.new_session() as session:
        query = select(PersonRow.id).where(PersonRow.active.is_(True))
        for column, value in where.items():
            query = query.where(getattr(PersonRow, column) == value)
        return set(session.scalars(query))


def test_congress_roles(dir_db: Database, congress: FakeCongress, ssga: set[str]) -> None:
    cosponsors = congress.bills[(117, "hr", 21)]["cosponsors"]
    # Josh Hawley (on SSGA) cosponsors; Rand Paul (SSGA's chair) cosponsored, then withdrew.
    cosponsors.append(dict(cosponsors[0], bioguideId="H001089", fullName="Sen. Hawley, Josh"))
    cosponsors.append(
        dict(cosponsors[0], bioguideId="P000603", sponsorshipWithdrawnDate="2021-01-06")
    )
    assert run_sync(dir_db, [HR21], congress).ok
    bills = [HR21.key]
    assert set(ids(dir_db, {"bill_role": "committee_of_referral"}, bills)) == ssga
    # C001078 (the sponsor) and H001071 are no longer in office: nobody else is picked.
    assert ids(dir_db, {"bill_role": "sponsors"}, bills) == []
    assert sorted(ids(dir_db, {"bill_role": "cosponsors"}, bills)) == ["C001108", "H001089"]
    assert set(ids(dir_db, {"bill_role": "committee_members_not_cosponsoring"}, bills)) == (
        ssga - {"H001089"}
    )
    senators = active(dir_db, jurisdiction="us", chamber="senate")
    assert len(senators) == 100
    assert set(ids(dir_db, {"bill_role": "chamber_of_current_stage"}, bills)) == senators
    # Keys intersect: the committee's Democrats only.
    democrats = active(dir_db, party="Democratic")
    assert set(ids(dir_db, {"bill_role": "committee_of_referral", "party": "D"}, bills)) == (
        ssga & democrats
    )
    # A list of roles is any of them.
    both = ids(dir_db, {"bill_role": ["cosponsors", "committee_of_referral"]}, bills)
    assert set(both) == ssga | {"C001108"}


def test_state_roles(dir_db: Database, openstates: FakeOpenStates, mo_folder: Path) -> None:
    assert run_sync(dir_db, [SB792], openstates=openstates).ok
    cast = mo_data.cast(mo_folder)
    bills = [SB792.key]
    assert ids(dir_db, {"bill_role": "sponsors"}, bills) == [cast["sponsor"]]
    assert set(ids(dir_db, {"bill_role": "cosponsors"}, bills)) == set(cast["cosponsors"])
    assert set(ids(dir_db, {"bill_role": "committee_of_referral"}, bills)) == set(cast["families"])
    assert set(ids(dir_db, {"bill_role": "committee_members_not_cosponsoring"}, bills)) == (
        set(cast["families"]) - {cast["sponsor"], *cast["cosponsors"]}
    )
    assert set(ids(dir_db, {"bill_role": "chamber_of_current_stage"}, bills)) == active(
        dir_db, jurisdiction="mo", chamber="senate"
    )


def test_a_campaign_combines_bill_roles_with_the_directory(
    dir_db: Database, openstates: FakeOpenStates, mo_folder: Path
) -> None:
    assert run_sync(dir_db, [SB792], openstates=openstates).ok
    cast = mo_data.cast(mo_folder)
    nicola = cast["families"][1]
    campaign = make_campaign(
        bills=[{"jurisdiction": "mo", "session": "2026", "identifier": "SB 792", "title": "x"}],
        targets={
            "select": [
                {"bill_role": "sponsors"},
                {"bill_role": "committee_members_not_cosponsoring", "bill": "SB 792"},
            ],
            "exclude": [{"people": [cast["families"][2]]}],
        },
    )
    with dir_db.new_session() as session:
        resolution = resolve_targets(LoadedCampaign(campaign, Path("c.yaml")), session, now=NOW)
    expected = [cast["sponsor"]] + [
        p for p in cast["families"][2:] if p not in (nicola, cast["families"][2])
    ]
    assert sorted(p.id for p in resolution.people) == sorted(expected)
    assert resolution.matched_by[cast["sponsor"]] == ["select[0]"]
    assert resolution.excluded == [cast["families"][2]]
    assert resolution.notes == []
    assert all(p.name for p in resolution.people)


def test_notes_for_a_bill_never_synced_or_stale(
    dir_db: Database, openstates: FakeOpenStates
) -> None:
    campaign = make_campaign(
        bills=[{"jurisdiction": "mo", "session": "2026", "identifier": "SB 792", "title": "x"}],
        targets={"select": [{"bill_role": "cosponsors"}]},
    )
    loaded = LoadedCampaign(campaign, Path("c.yaml"))
    with dir_db.new_session() as session:
        notes = resolve_targets(loaded, session, now=NOW).notes
    assert notes == [
        "targets.select[0]: bill mo/2026/SB 792 has not been synced, so bill_role finds nobody "
        "for it: run `advocacy-bot bills sync`"
    ]
    assert run_sync(dir_db, [SB792], openstates=openstates).ok
    later = NOW + timedelta(days=5)
    with dir_db.new_session() as session:
        resolution = resolve_targets(loaded, session, now=later)
    assert len(resolution.people) == 2
    assert resolution.notes == [
        "targets.select[0]: bill mo/2026/SB 792: using data fetched 5 days ago "
        "(2026-08-10 12:00 UTC); run `advocacy-bot bills sync`"
    ]


def test_roles_of_a_bill_in_no_committee(dir_db: Database, openstates: FakeOpenStates) -> None:
    bill = openstates.bills[("mo", "2026", "SB 792")]
    bill["actions"].append(
        mo_data.action(3, "2026-02-01", "Voted Do Pass", ["committee-passage-favorable"])
    )
    assert run_sync(dir_db, [SB792], openstates=openstates).ok
    with dir_db.new_session() as session:
        match = run(session, Selector(bill_role=("committee_of_referral",)), [SB792.key], NOW)
    assert match.ids == []
    assert match.problems == ["bill mo/2026/SB 792 is in no committee now (reported)"]
