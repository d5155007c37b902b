"""``directory search``: names, states, districts, committees, people out of office."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from bot.directory.models import PersonRow
from bot.directory.search import search
from bot.store.db import Database


def ids(database: Database, query: str, **options: Any) -> list[str]:
    with database.session() as session:
        return [hit.person.id for hit in search(session, query, **options)]


def test_by_name_ignoring_case_and_accents(full_db: Database) -> None:
    assert ids(full_db, "HAWLEY") == ["H001089"]
    assert ids(full_db, "josh hawley") == ["H001089"]
    assert ids(full_db, "  ") == []


def test_by_state_and_district(full_db: Database, raw_congress: dict[str, Any]) -> None:
    wyoming = [
        p["id"]["bioguide"]
        for p in raw_congress["legislators-current"]
        if p["terms"][-1]["state"] == "WY"
    ]
    assert sorted(ids(full_db, "wy", limit=100)) == sorted(wyoming)
    at_large = [
        p["id"]["bioguide"]
        for p in raw_congress["legislators-current"]
        if p["terms"][-1]["state"] == "WY" and p["terms"][-1]["type"] == "rep"
    ]
    assert ids(full_db, "WY-AL") == at_large == ids(full_db, "wy 0")


def test_by_committee(full_db: Database, raw_congress: dict[str, Any]) -> None:
    members = {s["bioguide"] for s in raw_congress["committee-membership-current"]["SSJU"]}
    assert set(ids(full_db, "SSJU", limit=100)) == members


def test_people_out_of_office_only_when_asked(full_db: Database) -> None:
    with full_db.session() as session:
        session.execute(update(PersonRow).where(PersonRow.id == "H001089").values(active=False))
    assert ids(full_db, "hawley") == []
    with full_db.session() as session:
        [hit] = search(session, "hawley", include_inactive=True)
    assert hit.person.id == "H001089" and hit.active is False
