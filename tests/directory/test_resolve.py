"""Selectors against the real reference data, checked against the raw files.

Every expected value here is computed from the YAML files themselves
(``raw_*`` fixtures), not through the directory code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.campaigns.loaded import LoadedCampaign
from bot.directory.people import Person
from bot.directory.resolve import check_targets, resolve_targets
from bot.store.db import Database
from tests.directory.conftest import current_chamber, raw_state_people
from tests.support import make_campaign

PLATFORM_KEYS = {
    "x": "twitter",
    "facebook": "facebook",
    "mastodon": "mastodon",
    "bluesky": "bluesky",
}


def campaign(
    targets: dict[str, Any],
    platforms: list[str] | None = None,
    people: tuple[Person, ...] = (),
    path: Path = Path("campaigns/test.yaml"),
) -> LoadedCampaign:
    """A campaign with these targets, built directly (no campaign file needed)."""
    made = make_campaign(targets=targets, platforms=platforms or ["x"])
    return LoadedCampaign(campaign=made, path=path, people=people)


def resolve(db: Database, loaded: LoadedCampaign) -> Any:
    with db.session() as session:
        return resolve_targets(loaded, session)


def raw_members(raw_congress: dict[str, Any], committee: str) -> list[str]:
    return [seat["bioguide"] for seat in raw_congress["committee-membership-current"][committee]]


@pytest.mark.parametrize(
    "committee", ["SSJU", "Senate Judiciary", "Senate Committee on the Judiciary"]
)
def test_senate_judiciary_is_exactly_its_listed_members(
    full_db: Database,
    raw_congress: dict[str, Any],
    raw_social: dict[str, Any],
    committee: str,
) -> None:
    resolution = resolve(full_db, campaign({"select": [{"committee": committee}]}))
    expected = raw_members(raw_congress, "SSJU")
    assert sorted(p.id for p in resolution.people) == sorted(expected)
    if committee == "Senate Judiciary":
        # Colorado's senate Judiciary goes by that name too (issue 16): a warning, same people.
        [note] = resolution.notes
        assert "has no 'jurisdiction'" in note and "CO (" in note
    else:
        assert resolution.notes == []
    for person in resolution.people:
        assert person.handle("x") == raw_social.get(person.id, {}).get("twitter")
        if person.handle("x"):
            assert person.handle_sources["x"] == "congress-legislators"


def test_handle_counts_per_platform_equal_the_files(
    full_db: Database, raw_congress: dict[str, Any], raw_social: dict[str, Any]
) -> None:
    platforms = ["x", "facebook", "mastodon", "bluesky"]
    loaded = campaign({"select": [{"committee": "SSJU"}]}, platforms=platforms)
    resolution = resolve(full_db, loaded)
    members = raw_members(raw_congress, "SSJU")
    for platform in platforms:
        key = PLATFORM_KEYS[platform]
        with_handle = sum(1 for m in members if raw_social.get(m, {}).get(key))
        got = sum(1 for p in resolution.people if p.handle(platform))
        assert (got, len(resolution.people) - got) == (with_handle, len(members) - with_handle)
    with full_db.session() as session:
        warnings = check_targets(loaded, session)
    lacking_x = sum(1 for m in members if not raw_social.get(m, {}).get("twitter"))
    x_warning = [w for w in warnings if w.startswith("x:")]
    if lacking_x:
        assert x_warning and x_warning[0].startswith(f"x: {lacking_x} of {len(members)} targets")
    assert any(w.startswith(f"bluesky: {len(members)} of {len(members)}") for w in warnings)


def test_a_campaign_that_names_people_on_x_is_not_warned_about_missing_x_handles(
    full_db: Database,
) -> None:
    targets = {"select": [{"committee": "SSJU"}]}
    loaded = campaign(targets, platforms=["x", "bluesky"])
    naming = LoadedCampaign(
        campaign=loaded.campaign.model_copy(update={"x_mentions": "name"}), path=loaded.path
    )
    with full_db.session() as session:
        assert any(w.startswith("x:") for w in check_targets(loaded, session))
        warnings = check_targets(naming, session)
    assert not any(w.startswith("x:") for w in warnings)
    assert any(w.startswith("bluesky:") for w in warnings)


@pytest.mark.parametrize(
    ("chamber", "raw_type"), [("senate", "upper"), ("upper", "upper"), ("house", "lower")]
)
def test_colorado_chamber_selector(
    full_db: Database, shared_data: Path, chamber: str, raw_type: str
) -> None:
    resolution = resolve(
        full_db, campaign({"select": [{"jurisdiction": "co", "chamber": chamber}]})
    )
    expected = {
        p["id"] for p in raw_state_people(shared_data, "co") if current_chamber(p) == raw_type
    }
    assert {p.id for p in resolution.people} == expected
    assert all(p.state == "CO" for p in resolution.people)


def test_colorado_x_handles_come_from_open_states(full_db: Database, shared_data: Path) -> None:
    resolution = resolve(full_db, campaign({"select": [{"jurisdiction": "co"}]}))
    raw = {
        p["id"]: (p.get("ids") or {}).get("twitter") for p in raw_state_people(shared_data, "co")
    }
    assert {p.id: p.handle("x") for p in resolution.people} == raw
    assert {p.handle_sources["x"] for p in resolution.people if p.handle("x")} == {"openstates"}


def test_keys_intersect_and_the_list_is_a_union(
    full_db: Database, raw_congress: dict[str, Any]
) -> None:
    current = raw_congress["legislators-current"]
    mo_senators = {
        p["id"]["bioguide"]
        for p in current
        if p["terms"][-1]["state"] == "MO" and p["terms"][-1]["type"] == "sen"
    }
    judiciary = set(raw_members(raw_congress, "SSJU"))
    selectors = [{"committee": "SSJU"}, {"jurisdiction": "us", "chamber": "senate", "state": "MO"}]
    resolution = resolve(full_db, campaign({"select": selectors}))
    assert {p.id for p in resolution.people} == judiciary | mo_senators
    assert len(resolution.people) == len(judiciary | mo_senators)  # no duplicates
    # Named people first, then selector matches in selector order.
    first = resolution.people[: len(judiciary)]
    assert {p.id for p in first} == judiciary
    both = judiciary & mo_senators
    assert all(resolution.matched_by[i] == ["select[0]", "select[1]"] for i in both)

    intersection = resolve(
        full_db, campaign({"select": [{"committee": "SSJU", "state": "MO", "chamber": "senate"}]})
    )
    assert {p.id for p in intersection.people} == judiciary & mo_senators


def test_exclude_subtracts(full_db: Database, raw_congress: dict[str, Any]) -> None:
    seats = raw_congress["committee-membership-current"]["SSJU"]
    minority = {s["bioguide"] for s in seats if s["party"] == "minority"}
    majority = {s["bioguide"] for s in seats if s["party"] == "majority"}
    parties = {
        p["id"]["bioguide"]: p["terms"][-1]["party"] for p in raw_congress["legislators-current"]
    }
    hawley = "H001089"
    resolution = resolve(
        full_db,
        campaign(
            {"select": [{"committee": "SSJU"}], "exclude": [{"party": "R"}, {"people": [hawley]}]}
        ),
    )
    expected = {m for m in minority | majority if parties[m] != "Republican"} - {hawley}
    assert {p.id for p in resolution.people} == expected
    assert hawley in resolution.excluded


def test_committee_roles_and_subcommittees(full_db: Database, raw_congress: dict[str, Any]) -> None:
    seats = raw_congress["committee-membership-current"]["SSJU"]
    chairs = {s["bioguide"] for s in seats if s.get("title") in {"Chairman", "Chair", "Chairwoman"}}
    ranking = {s["bioguide"] for s in seats if s.get("title") == "Ranking Member"}
    only_chair = resolve(full_db, campaign({"select": [{"committee": "SSJU", "role": "chair"}]}))
    assert {p.id for p in only_chair.people} == chairs
    both = resolve(
        full_db, campaign({"select": [{"committee": "SSJU", "role": ["chair", "ranking member"]}]})
    )
    assert {p.id for p in both.people} == chairs | ranking

    with_subs = resolve(
        full_db, campaign({"select": [{"committee": "SSJU", "subcommittees": True}]})
    )
    membership = raw_congress["committee-membership-current"]
    expected = {s["bioguide"] for key, v in membership.items() if key.startswith("SSJU") for s in v}
    assert {p.id for p in with_subs.people} == expected

    sub_chairs = resolve(
        full_db,
        campaign({"select": [{"committee": "SSJU", "subcommittees": True, "role": "chair"}]}),
    )
    expected_chairs = {
        s["bioguide"]
        for key, v in membership.items()
        if key.startswith("SSJU")
        for s in v
        if s.get("title") in {"Chairman", "Chair", "Chairwoman"}
    }
    assert {p.id for p in sub_chairs.people} == expected_chairs


def test_a_subcommittee_by_id(full_db: Database, raw_congress: dict[str, Any]) -> None:
    resolution = resolve(full_db, campaign({"select": [{"committee": "SSJU22"}]}))
    assert {p.id for p in resolution.people} == set(raw_members(raw_congress, "SSJU22"))


def test_leadership(full_db: Database, raw_congress: dict[str, Any]) -> None:
    def holders(*words: str) -> set[str]:
        found = set()
        for person in raw_congress["legislators-current"]:
            for role in person.get("leadership_roles", []):
                if "end" not in role and any(w in role["title"].lower() for w in words):
                    found.add(person["id"]["bioguide"])
        return found

    leaders = resolve(
        full_db,
        campaign(
            {
                "select": [
                    {"jurisdiction": "us", "leadership": ["majority leader", "minority leader"]}
                ]
            }
        ),
    )
    assert {p.id for p in leaders.people} == holders("majority leader", "minority leader")
    assert len(leaders.people) >= 4
    anyone = resolve(full_db, campaign({"select": [{"jurisdiction": "us", "leadership": True}]}))
    assert {p.id for p in anyone.people} == holders("")


def test_named_people_keep_campaign_handles_and_get_directory_fields(full_db: Database) -> None:
    named = Person(
        id="H001089",
        name="Josh Hawley",
        handles={"x": "HawleyCampaignX"},
        handle_sources={"x": "campaign"},
    )
    outsider = Person(
        id="my-slug",
        name="A Local Hero",
        handles={"x": "LocalHero"},
        handle_sources={"x": "campaign"},
    )
    loaded = campaign(
        {"people": [{"id": "H001089", "name": "Josh Hawley"}]},
        platforms=["x", "facebook"],
        people=(named, outsider),
    )
    resolution = resolve(full_db, loaded)
    hawley, hero = resolution.people
    assert hawley.handle("x") == "HawleyCampaignX" and hawley.handle_sources["x"] == "campaign"
    # The directory fills what the file left out: title, state, and a Facebook page.
    assert (hawley.title, hawley.state, hawley.chamber) == ("Sen.", "MO", "senate")
    assert hawley.handle("facebook") == "SenatorHawley"
    assert hawley.handle_sources["facebook"] == "congress-legislators"
    assert hero.handle("x") == "LocalHero" and hero.title is None
    assert resolution.matched_by["my-slug"] == ["named in the campaign"]


def test_without_a_database_only_named_people(full_db: Database) -> None:
    named = Person(id="H001089", name="Josh Hawley", handles={"x": "SenHawleyPress"})
    loaded = campaign(
        {"people": [{"id": "H001089", "name": "Josh Hawley"}], "select": [{"committee": "SSJU"}]},
        people=(named,),
    )
    resolution = resolve_targets(loaded, None)
    assert [p.id for p in resolution.people] == ["H001089"]
    assert resolution.notes == ["selectors were not resolved: no directory database was given"]


def test_unknown_committee_reports_close_matches(full_db: Database) -> None:
    loaded = campaign({"select": [{"committee": "Senate Judicary"}]})
    with full_db.session() as session:
        resolution = resolve_targets(loaded, session)
        warnings = check_targets(loaded, session)
    assert resolution.people == []
    [note] = resolution.notes
    assert "no committee 'Senate Judicary'" in note
    assert "Senate Committee on the Judiciary (SSJU)" in note
    assert note in warnings
    assert "the campaign's targets resolve to nobody" in warnings


def test_ambiguous_committee_matches_nobody_and_says_why(full_db: Database) -> None:
    resolution = resolve(full_db, campaign({"select": [{"committee": "Judiciary"}]}))
    assert resolution.people == []
    [note] = resolution.notes
    assert "ambiguous" in note and "jurisdiction" in note
    narrowed = resolve(
        full_db,
        campaign(
            {"select": [{"committee": "Judiciary", "jurisdiction": "co", "chamber": "senate"}]}
        ),
    )
    assert narrowed.notes == [] and narrowed.people
    assert {p.chamber for p in narrowed.people} == {"senate"}


def test_state_committee_by_chamber_and_name(full_db: Database, shared_data: Path) -> None:
    import yaml

    folder = shared_data / "openstates" / "mo" / "committees"
    [path] = [p for p in folder.glob("upper-Judiciary*.yml")]
    raw = yaml.safe_load(path.read_text())
    resolution = resolve(
        full_db,
        campaign(
            {
                "select": [
                    {
                        "jurisdiction": "mo",
                        "committee": "Senate Judiciary and Civil and Criminal Jurisprudence",
                    }
                ]
            }
        ),
    )
    assert {p.id for p in resolution.people} == {m["person_id"] for m in raw["members"]}
    by_id = resolve(full_db, campaign({"select": [{"committee": raw["id"]}]}))
    assert {p.id for p in by_id.people} == {p.id for p in resolution.people}


def test_selector_matching_nobody_is_reported(full_db: Database) -> None:
    loaded = campaign(
        {"select": [{"committee": "SSJU"}, {"jurisdiction": "us", "state": "MO", "district": 99}]}
    )
    with full_db.session() as session:
        warnings = check_targets(loaded, session)
    assert (
        "targets.select[1] (jurisdiction: us, state: MO, district: 99) matches nobody" in warnings
    )


def test_people_selector_by_id_and_name(full_db: Database) -> None:
    resolution = resolve(
        full_db, campaign({"select": [{"people": ["H001089", "Eric Schmitt", "Nobody Atall"]}]})
    )
    assert [p.id for p in resolution.people] == ["H001089", "S001227"]
    assert resolution.notes == ["targets.select[0]: no person 'Nobody Atall' in the directory"]


def test_empty_directory_is_reported(db: Database) -> None:
    loaded = campaign({"select": [{"committee": "SSJU"}]})
    with db.session() as session:
        warnings = check_targets(loaded, session)
    assert warnings[0].startswith("the legislator directory is empty")


def test_a_run_on_an_empty_directory_says_so_once(db: Database) -> None:
    """A fresh machine's first run: one note with the fix, not "no committee" per selector."""
    loaded = campaign({"select": [{"committee": "SSJU"}, {"chamber": "upper", "state": "MO"}]})
    with db.session() as session:
        resolution = resolve_targets(loaded, session)
    assert resolution.notes == [
        "the legislator directory is empty, so targets.select finds nobody: run "
        "`advocacy-bot directory sync` or `advocacy-bot directory import PATH`"
    ]


def test_resolution_cost_does_not_grow_with_the_number_of_people(full_db: Database) -> None:
    """2 people or all 537 members of Congress: a handful of queries either way.

    Ids are loaded in chunks of 500 (SQL parameter limits), three queries a chunk;
    nothing is queried per person.
    """

    def statements(selector: dict[str, Any]) -> tuple[int, int]:
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(args[2])

        event.listen(full_db.engine, "before_cursor_execute", count)
        try:
            resolution = resolve(full_db, campaign({"select": [selector]}))
        finally:
            event.remove(full_db.engine, "before_cursor_execute", count)
        return len(seen), len(resolution.people)

    few, small = statements({"jurisdiction": "us", "chamber": "senate", "state": "MO"})
    many, large = statements({"jurisdiction": "us"})
    assert (small, large) == (2, 537)
    assert few <= 8
    assert many <= few + 3 * (large // 500)


def test_a_named_handle_that_is_not_valid_never_reaches_a_post(db: Database) -> None:
    """The last wall: whatever built the Person, only valid handles are tagged."""
    person = Person(
        id="mo-1",
        name="Jane Roe",
        handles={
            "x": "SenX DONATE https://scam.example/give @everyone",
            "bluesky": "jane roe",
            "mastodon": "jane@mastodon.social",
        },
    )
    loaded = campaign({"people": [{"id": "mo-1", "name": "Jane Roe"}]}, people=(person,))
    [target] = resolve(db, loaded).people
    assert target.handles == {"mastodon": "jane@mastodon.social"}
    assert target.display_name == "Jane Roe"
