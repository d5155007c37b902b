"""Leadership selectors (``leadership: true`` or a post's title) on a real SQLite directory.

Congress, Missouri and Colorado are imported from ``../shared/data``. Missouri's
data names no leadership, so its posts come from an overrides file written here:
the people in it are real Missouri legislators picked from the raw files, given
posts *for the test only*, so the tests do not change when leadership does. The
project's own entries (campaigns/overrides/missouri.yaml, each with its source)
are checked separately: every one must name a sitting legislator of its chamber.
Expected people are read from the raw files, never through the code under test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from bot.directory.overrides import load_overrides
from bot.directory.resolve import check_targets
from bot.directory.selectors import Selector, leadership_key, leadership_title_matches
from bot.store.db import Database
from tests.directory.conftest import NOW, current_chamber, raw_state_people
from tests.directory.test_resolve import campaign, resolve

#: The Missouri posts the organisation asks supporters to contact.
MO_POSTS = (
    ("President Pro Tem", "upper"),
    ("Majority Floor Leader", "upper"),
    ("Minority Floor Leader", "upper"),
    ("Speaker", "lower"),
    ("Speaker Pro Tem", "lower"),
    ("Majority Floor Leader", "lower"),
    ("Minority Floor Leader", "lower"),
)


def mo_leaders(shared_data: Path) -> list[tuple[str, str, str]]:
    """``(ocd id, title, chamber)``: a distinct Missouri legislator in office for each post."""
    people = raw_state_people(shared_data, "mo")
    by_chamber = {
        chamber: [p for p in people if current_chamber(p) == chamber]
        for chamber in ("upper", "lower")
    }
    taken: dict[str, int] = {"upper": 0, "lower": 0}
    found = []
    for title, chamber in MO_POSTS:
        person = by_chamber[chamber][taken[chamber]]
        taken[chamber] += 1
        found.append((person["id"], title, "senate" if chamber == "upper" else "house"))
    return found


def load_mo_leadership(db: Database, shared_data: Path, folder: Path) -> list[tuple[str, str, str]]:
    leaders = mo_leaders(shared_data)
    path = folder / "missouri.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "leadership": [
                    {"person": pid, "title": title, "chamber": chamber}
                    for pid, title, chamber in leaders
                ]
            }
        )
    )
    with db.session() as session:
        result = load_overrides(session, path, NOW)
    assert result.leadership == len(MO_POSTS) and not result.unknown_leaders
    return leaders


def co_holders(shared_data: Path, *titles: str) -> set[str]:
    """Colorado legislators in office whose ``extras.title`` is one of ``titles`` exactly."""
    return {
        p["id"]
        for p in raw_state_people(shared_data, "co")
        if current_chamber(p) and (p.get("extras") or {}).get("title") in titles
    }


def ids(db: Database, *selectors: dict[str, Any]) -> set[str]:
    return {p.id for p in resolve(db, campaign({"select": list(selectors)})).people}


def test_the_whole_missouri_leadership_from_the_overrides(
    full_db: Database, shared_data: Path, tmp_path: Path
) -> None:
    assert ids(full_db, {"leadership": True, "jurisdiction": "mo"}) == set()
    leaders = load_mo_leadership(full_db, shared_data, tmp_path)
    assert ids(full_db, {"leadership": True, "jurisdiction": "mo"}) == {p for p, _t, _c in leaders}
    senate = {p for p, _t, c in leaders if c == "senate"}
    assert ids(full_db, {"leadership": True, "jurisdiction": "mo", "chamber": "senate"}) == senate


@pytest.mark.parametrize(
    ("words", "posts"),
    [
        ("speaker", {("Speaker", "house")}),  # not the Speaker Pro Tem
        ("speaker pro tem", {("Speaker Pro Tem", "house")}),
        ("Speaker Pro Tempore", {("Speaker Pro Tem", "house")}),  # the long form, too
        ("president pro tem", {("President Pro Tem", "senate")}),
        (
            "majority floor leader",
            {("Majority Floor Leader", "senate"), ("Majority Floor Leader", "house")},
        ),
        (
            ["minority floor leader", "speaker"],
            {
                ("Minority Floor Leader", "senate"),
                ("Minority Floor Leader", "house"),
                ("Speaker", "house"),
            },
        ),
    ],
)
def test_a_post_by_its_title(
    full_db: Database, shared_data: Path, tmp_path: Path, words: Any, posts: set[tuple[str, str]]
) -> None:
    leaders = load_mo_leadership(full_db, shared_data, tmp_path)
    expected = {p for p, title, chamber in leaders if (title, chamber) in posts}
    assert ids(full_db, {"leadership": words, "jurisdiction": "mo"}) == expected


def test_colorado_titles_as_open_states_writes_them(full_db: Database, shared_data: Path) -> None:
    """Colorado's data has a Speaker Pro Tempore and no Speaker: "speaker" finds nobody
    (it used to find the Speaker Pro Tempore) and says which posts there are."""
    pro_tem = co_holders(shared_data, "President Pro Tempore")
    assert len(pro_tem) == 1
    assert ids(full_db, {"jurisdiction": "co", "leadership": "president pro tem"}) == pro_tem
    assert ids(full_db, {"jurisdiction": "co", "leadership": "speaker pro tem"}) == co_holders(
        shared_data, "Speaker Pro Tempore"
    )
    assert ids(full_db, {"jurisdiction": "co", "leadership": "majority whip"}) == co_holders(
        shared_data, "Majority Whip"
    )
    resolution = resolve(
        full_db, campaign({"select": [{"jurisdiction": "co", "leadership": "speaker"}]})
    )
    assert resolution.people == []
    (note,) = resolution.notes
    assert "no leadership post in co is a 'speaker'" in note
    assert "Speaker Pro Tempore" in note and "Majority Leader" in note


def test_a_legislature_without_leadership_says_how_to_add_it(full_db: Database) -> None:
    with full_db.session() as session:
        warnings = check_targets(
            campaign({"select": [{"leadership": True, "jurisdiction": "mo"}]}), session
        )
    assert any(
        "knows no leadership posts in mo" in w and "load-overrides" in w for w in warnings
    ), warnings


def test_a_campaign_overrides_file_with_loaded_leadership_gives_no_note(
    full_db: Database, shared_data: Path, tmp_path: Path
) -> None:
    """missouri.yaml is both a campaign's overrides and the file load-overrides reads:
    once loaded, its leadership: entries are no reason for a warning."""
    leaders = load_mo_leadership(full_db, shared_data, tmp_path)
    loaded = campaign(
        {"select": [{"leadership": True, "jurisdiction": "mo"}], "overrides": "missouri.yaml"},
        path=tmp_path / "campaign.yaml",
    )
    resolution = resolve(full_db, loaded)
    assert {p.id for p in resolution.people} == {p for p, _t, _c in leaders}
    assert not [n for n in resolution.notes if "leadership" in n], resolution.notes
    # an entry the directory does not hold (not loaded yet) is still pointed out
    data = yaml.safe_load((tmp_path / "missouri.yaml").read_text())
    data["leadership"][0]["title"] = "Assistant Majority Floor Leader"
    (tmp_path / "missouri.yaml").write_text(yaml.safe_dump(data))
    notes = resolve(full_db, loaded).notes
    assert any("lists leadership:, which a campaign does not read" in n for n in notes), notes


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "speeker",
            r"'speeker' is not a word of any leadership title \(did you mean 'speaker'\?\)",
        ),
        ("majority flor leader", r"'flor' is not a word of any leadership title"),
        ("chancellor", r"'chancellor' is not a word of any leadership title; write true"),
        ("--", "has no words"),
        ([], "'leadership' is an empty list"),
    ],
)
def test_unknown_posts_are_explained(value: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Selector.model_validate({"jurisdiction": "mo", "leadership": value})


def test_titles_are_compared_as_words() -> None:
    selector = Selector.model_validate(
        {"leadership": ["Speaker Pro-Tem", "President  Pro Tempore"]}
    )
    assert selector.leadership == ("speaker pro tem", "president pro tem")
    assert selector.describe() == "leadership: [speaker pro tem, president pro tem]"
    key = leadership_key
    assert leadership_title_matches("whip", key("House Majority Whip"))
    assert leadership_title_matches("majority leader", key("Assistant Majority Leader"))
    assert not leadership_title_matches("speaker", key("Speaker Pro Tempore"))
    assert not leadership_title_matches("president", key("President Pro Tempore of the Senate"))
    assert leadership_title_matches(
        "president", key("President of the Senate (Lieutenant Governor)")
    )
    assert not leadership_title_matches("leader", key("Cheerleader"))
    assert leadership_title_matches("presidente", key("Presidente del Senado"))


def test_leadership_entries_load_from_any_path_on_both_databases(
    any_db: Database, tmp_path: Path
) -> None:
    """``load-overrides`` records ``file:<path>`` as the entries' source; an absolute
    path is longer than 40 characters (PostgreSQL refused it before migration 0011)."""
    folder = tmp_path / "organisation" / "campaigns" / "overrides"
    folder.mkdir(parents=True)
    path = folder / "missouri.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "people": [
                    {
                        "id": "mo-senate-99",
                        "name": "Jane Newcomer",
                        "state": "MO",
                        "chamber": "senate",
                        "district": 99,
                        "party": "R",
                    }
                ],
                "leadership": [{"person": "mo-senate-99", "title": "President Pro Tem"}],
            }
        )
    )
    assert len(f"file:{path}") > 40
    with any_db.session() as session:
        assert load_overrides(session, path, NOW).leadership == 1
    assert ids(any_db, {"leadership": "president pro tempore", "jurisdiction": "mo"}) == {
        "mo-senate-99"
    }


def test_shipped_missouri_leadership_names_sitting_legislators_of_each_chamber(
    shared_data: Path,
) -> None:
    """The example overrides' leadership: one entry per post the organisation asks
    supporters to contact, each naming a legislator in office in that chamber (per the
    raw Open States files), each with a note saying where it was checked. A wrong or
    stale id would put a stranger, or nobody, under "The leadership"."""
    shipped = Path(__file__).resolve().parents[2] / "campaigns" / "overrides" / "missouri.yaml"
    entries = yaml.safe_load(shipped.read_text())["leadership"]
    chamber_of = {
        p["id"]: current_chamber(p)
        for p in raw_state_people(shared_data, "mo")
        if current_chamber(p)
    }
    assert sorted((e["title"], e["chamber"]) for e in entries) == sorted(
        (title, "senate" if chamber == "upper" else "house") for title, chamber in MO_POSTS
    )
    for entry in entries:
        expected = "upper" if entry["chamber"] == "senate" else "lower"
        assert chamber_of.get(entry["person"]) == expected, entry
        assert "read 20" in entry["note"], entry
    assert len({e["person"] for e in entries}) == len(entries)
