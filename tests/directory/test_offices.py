"""Offices and portrait URLs in the directory: every office a source lists (each value
checked), the organisation's own offices from an overrides file, and what re-imports do
to each. Expected values are read from the raw files in ../shared/data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.directory import contact
from bot.directory.importers import import_paths
from bot.directory.models import PersonOffice, PersonRow
from bot.directory.overrides import OverridesError, load_overrides, read_overrides
from bot.store.db import Database
from tests.directory.conftest import NOW, raw_state_people


def _offices(db: Database, source: str | None = None) -> dict[str, list[tuple[Any, ...]]]:
    found: dict[str, list[tuple[Any, ...]]] = {}
    with db.session() as session:
        query = select(PersonOffice).order_by(PersonOffice.person_id, PersonOffice.position)
        if source is not None:
            query = query.where(PersonOffice.source == source)
        for row in session.scalars(query):
            found.setdefault(row.person_id, []).append((row.kind, row.phone, row.address))
    return found


def test_every_office_open_states_lists_is_kept_with_its_kind(
    full_db: Database, shared_data: Path
) -> None:
    stored = _offices(full_db, "openstates")
    expected: dict[str, list[tuple[Any, ...]]] = {}
    for person in raw_state_people(shared_data, "mo") + raw_state_people(shared_data, "co"):
        for office in person.get("offices") or []:
            phone = contact.valid(contact.phone_number, office.get("voice"))
            address = office.get("address")
            if phone or address:
                kind = "capitol" if office["classification"] == "capitol" else "district"
                expected.setdefault(person["id"], []).append((kind, phone, address))
    current = set(stored)
    assert current and current <= set(expected)
    assert all(stored[pid] == expected[pid] for pid in current)
    assert any(kind == "district" for offices in stored.values() for kind, _, _ in offices)


def test_members_of_congress_have_their_washington_office_and_official_portrait(
    full_db: Database, raw_congress: dict[str, Any]
) -> None:
    stored = _offices(full_db, "congress-legislators")
    with full_db.session() as session:
        photos = dict(
            session.execute(
                select(PersonRow.id, PersonRow.photo_url).where(PersonRow.jurisdiction == "us")
            ).all()
        )
    members = raw_congress["legislators-current"]
    assert len(stored) >= len(members) - 5
    for member in members:
        bioguide, term = member["id"]["bioguide"], member["terms"][-1]
        assert photos[bioguide] == (
            f"https://unitedstates.github.io/images/congress/225x275/{bioguide}.jpg"
        )
        if term.get("phone"):
            ((kind, phone, address),) = stored[bioguide]
            assert (kind, phone, address) == ("capitol", term["phone"], term.get("address"))


def test_state_portraits_are_the_image_the_source_gives(
    full_db: Database, shared_data: Path
) -> None:
    raw = {p["id"]: p.get("image") for p in raw_state_people(shared_data, "mo")}
    with full_db.session() as session:
        stored = dict(
            session.execute(
                select(PersonRow.id, PersonRow.photo_url).where(PersonRow.jurisdiction == "mo")
            ).all()
        )
    assert stored and all(stored[pid] == raw[pid] for pid in stored)
    assert sum(1 for url in stored.values() if url) > 150


def test_the_organisations_offices_come_first_and_survive_reimports(
    full_db: Database, shared_data: Path, tmp_path: Path
) -> None:
    (senator,) = [p for p in raw_state_people(shared_data, "mo") if p["name"] == "Cindy O'Laughlin"]
    overrides = tmp_path / "missouri.yaml"
    overrides.write_text(
        "offices:\n"
        f"  - {{person: {senator['id']}, name: Shelbina office, phone: 573-555-0118,\n"
        "      address: '100 Main St, Shelbina, MO 63468'}\n"
        "  - {person: Nobody Atall, phone: 573-555-0100}\n"
    )
    with full_db.session() as session:
        result = load_overrides(session, overrides, NOW)
    assert result.offices == 1 and result.unknown_offices == ["Nobody Atall"]
    source = f"file:{overrides}"
    organizer = [("district", "573-555-0118", "100 Main St, Shelbina, MO 63468")]
    assert _offices(full_db, source) == {senator["id"]: organizer}

    imported = _offices(full_db, "openstates")
    with full_db.session() as session:
        import_paths(session, [shared_data / "openstates" / "mo"], NOW)
    assert _offices(full_db, source) == {senator["id"]: organizer}
    assert _offices(full_db, "openstates") == imported  # replaced by the same, not doubled

    overrides.write_text("offices: []\n")
    with full_db.session() as session:
        load_overrides(session, overrides, NOW)
    assert _offices(full_db, source) == {}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{person: X, phone: call me}", "is not a phone number"),
        ("{person: X, kind: home, phone: 573-555-0100}", "is not an office kind"),
        ("{person: X, name: Office}", "an office needs a phone or an address"),
    ],
)
def test_bad_office_entries_are_explained(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "o.yaml"
    path.write_text(f"offices:\n  - {entry}\n")
    with pytest.raises(OverridesError, match=message) as info:
        read_overrides(path)
    assert str(path) in str(info.value)
