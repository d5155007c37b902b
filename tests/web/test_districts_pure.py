"""Districts from a lookup, and vacant seats (pure: no database)."""

from __future__ import annotations

from bot.directory.people import Person
from bot.web.districts import (
    DistrictField,
    Legislator,
    Vacancy,
    finders,
    picked_districts,
    vacancies,
)

US_HOUSE = DistrictField("us_house", "us", "house", "U.S. House", ("1", "2", "3"))
SENATE = DistrictField("senate", "mo", "senate", "Missouri Senate", ("1", "2", "5"))
HOUSE = DistrictField("house", "mo", "house", "Missouri House", ("1", "94", "96", "163"))
UNICAMERAL = DistrictField("legislature", "ne", "legislature", "Nebraska Legislature", ("1", "12"))


def _leg(**kw: str) -> Legislator:
    return Legislator(Person(id=kw.pop("id"), name="X", **kw), url=None, office_address=None)


def test_districts_the_directory_lacks_are_kept_only_within_the_chambers_range() -> None:
    fields = [US_HOUSE, SENATE, HOUSE, UNICAMERAL]
    asked = {"us_house": "03", "senate": "5", "house": "95", "legislature": "12"}
    assert picked_districts(fields, asked) == {
        "us_house": "3", "senate": "5", "house": "95", "legislature": "12",
    }  # fmt: skip
    assert picked_districts(fields, {"house": "9999", "senate": "<b>", "us_house": None}) == {}


def test_a_missing_senator_and_an_empty_district_are_vacant_seats() -> None:
    held = [
        _leg(id="S1", jurisdiction="us", chamber="senate", state="MO"),
        _leg(id="R3", jurisdiction="us", chamber="house", state="MO", district="3"),
        _leg(id="M5", jurisdiction="mo", chamber="senate", state="MO", district="5"),
    ]
    picked = {"us_house": "3", "senate": "5", "house": "95"}
    assert vacancies([US_HOUSE, SENATE, HOUSE], "MO", picked, held) == [
        Vacancy("U.S. Senate"),
        Vacancy("Missouri House, district 95"),
    ]


def test_official_lookups_for_congress_and_known_states() -> None:
    assert [label for label, _ in finders(["us"], None)][0].startswith(
        "Find your U.S. representative"
    )
    assert finders(["mo"], "MO")[0][1] == "https://www.senate.mo.gov/LegisLookup/Default.aspx"
    assert finders(["ne"], "NE") == []
