"""Importing congress-legislators and Open States data: counts, idempotence, inactivity."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from bot.directory.importers import DirectoryImportError, discover, import_paths
from bot.directory.models import (
    CommitteeMember,
    CommitteeRow,
    DirectoryImport,
    LeadershipRole,
    PersonHandle,
    PersonRow,
)
from bot.store.db import Database
from tests.directory.conftest import NOW, TODAY, current_chamber, raw_state_people

SOCIAL_KEYS = {"twitter": "x", "facebook": "facebook", "mastodon": "mastodon"}


def count(session: Any, model: type, *where: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_congress_import_matches_the_files(
    db: Database, shared_data: Path, raw_congress: dict[str, Any], raw_social: dict[str, Any]
) -> None:
    with db.session() as session:
        [result] = import_paths(session, [shared_data / "congress-legislators"], NOW)
    current = raw_congress["legislators-current"]
    assert result.people == result.added == len(current)
    with db.session() as session:
        assert count(session, PersonRow, PersonRow.active.is_(True)) == len(current)
        for key, platform in SOCIAL_KEYS.items():
            # a handle the file lists for two people is stored for neither (see test_contact_import)
            listed = Counter(str(s[key]).lower() for s in raw_social.values() if s.get(key))
            expected = sum(1 for times in listed.values() if times == 1)
            assert count(session, PersonHandle, PersonHandle.platform == platform) == expected
        seats = sum(len(v) for v in raw_congress["committee-membership-current"].values())
        assert count(session, CommitteeMember) == seats
        subcommittees = sum(
            len(c.get("subcommittees", [])) for c in raw_congress["committees-current"]
        )
        assert (
            count(session, CommitteeRow) == len(raw_congress["committees-current"]) + subcommittees
        )


def test_congress_people_fields(full_db: Database, raw_congress: dict[str, Any]) -> None:
    by_id = {p["id"]["bioguide"]: p for p in raw_congress["legislators-current"]}
    with full_db.session() as session:
        rows = {row.id: row for row in session.scalars(select(PersonRow))}
        for bioguide, raw in by_id.items():
            term, row = raw["terms"][-1], rows[bioguide]
            assert row.state == term["state"]
            assert row.chamber == ("senate" if term["type"] == "sen" else "house")
            if term["type"] == "sen":
                assert row.title == "Sen." and row.district is None
            else:
                assert row.district == str(term["district"])
                expected_title = {
                    "PR": "Res. Comm.",
                    "DC": "Del.",
                    "GU": "Del.",
                    "VI": "Del.",
                    "AS": "Del.",
                    "MP": "Del.",
                }.get(term["state"], "Rep.")
                assert row.title == expected_title
            assert row.phone == term.get("phone")
            form = term.get("contact_form")
            # one real entry reads 'hhttps://fine.house.gov/...': only http(s) links are kept
            usable = form if form and form.startswith(("https://", "http://")) else None
            assert row.contact_form == usable
        hawley = rows["H001089"]
        assert (hawley.name, hawley.party, hawley.jurisdiction) == (
            "Josh Hawley",
            "Republican",
            "us",
        )


def test_mastodon_addresses_lose_their_leading_at(
    full_db: Database, raw_social: dict[str, Any]
) -> None:
    with full_db.session() as session:
        stored = {
            h.person_id: h.handle
            for h in session.scalars(
                select(PersonHandle).where(PersonHandle.platform == "mastodon")
            )
        }
    expected = {}
    for bioguide, social in raw_social.items():
        if social.get("mastodon"):
            user, instance = social["mastodon"].lstrip("@").split("@")
            expected[bioguide] = f"{user}@{instance.lower()}"  # instances are case-blind
    assert stored == expected


def test_x_numeric_ids_and_official_kind(full_db: Database, raw_social: dict[str, Any]) -> None:
    with full_db.session() as session:
        query = select(PersonHandle).where(
            PersonHandle.platform == "x", PersonHandle.person_id.in_(raw_social)
        )
        rows = list(session.scalars(query))
    assert len(rows) == sum(1 for social in raw_social.values() if social.get("twitter"))
    assert {r.kind for r in rows} == {"official"}
    assert {r.source for r in rows} == {"congress-legislators"}
    for row in rows:
        twitter_id = raw_social[row.person_id].get("twitter_id")
        assert row.platform_id == (str(twitter_id) if twitter_id else None)


def test_current_leadership_roles(full_db: Database, raw_congress: dict[str, Any]) -> None:
    with full_db.session() as session:
        query = select(LeadershipRole).where(LeadershipRole.source == "congress-legislators")
        stored = Counter((r.person_id, r.title) for r in session.scalars(query))
    expected: Counter[tuple[str, str]] = Counter()
    for person in raw_congress["legislators-current"]:
        for role in person.get("leadership_roles", []):
            start, end = role.get("start"), role.get("end")
            if (start is None or str(start) <= str(TODAY)) and (
                end is None or str(end) > str(TODAY)
            ):
                expected[(person["id"]["bioguide"], role["title"])] += 1
    assert stored == expected
    assert any(title == "Speaker of the House" for _, title in stored)


def test_reimport_is_idempotent(db: Database, shared_data: Path) -> None:
    paths = [shared_data / "congress-legislators", shared_data / "openstates" / "co"]
    with db.session() as session:
        import_paths(session, paths, NOW)

    def snapshot() -> dict[str, Any]:
        with db.session() as session:
            return {
                "people": sorted(
                    (r.id, r.name, r.party, r.district, r.active, r.first_seen_at)
                    for r in session.scalars(select(PersonRow))
                ),
                "handles": sorted(
                    (h.person_id, h.platform, h.handle, h.first_seen_at)
                    for h in session.scalars(select(PersonHandle))
                ),
                "seats": count(session, CommitteeMember),
                "leaders": count(session, LeadershipRole),
            }

    before = snapshot()
    with db.session() as session:
        results = import_paths(session, paths, NOW + timedelta(days=1))
    assert [(r.added, r.updated, r.deactivated) for r in results] == [(0, 0, 0), (0, 0, 0)]
    assert snapshot() == before
    with db.session() as session:
        assert count(session, DirectoryImport) == 4


def test_people_who_left_become_inactive_then_return(
    db: Database, shared_data: Path, raw_congress: dict[str, Any], tmp_path: Path
) -> None:
    with db.session() as session:
        import_paths(session, [shared_data / "congress-legislators"], NOW)
    current = raw_congress["legislators-current"]
    leaving = {current[0]["id"]["bioguide"], current[1]["id"]["bioguide"]}
    # The same data minus two people, as JSON (the importer reads the project's JSON too).
    smaller = tmp_path / "legislators-current.json"
    kept = [p for p in current if p["id"]["bioguide"] not in leaving]
    smaller.write_text(json.dumps(kept, default=str))

    later = NOW + timedelta(days=30)
    with db.session() as session:
        [result] = import_paths(session, [smaller], later)
    assert result.deactivated == 2
    with db.session() as session:
        gone = {
            r.id: r for r in session.scalars(select(PersonRow).where(PersonRow.active.is_(False)))
        }
        assert set(gone) == leaving
        assert all(r.left_at == later for r in gone.values())
        # Still there, with their handles, so old post-log rows resolve.
        assert count(session, PersonHandle, PersonHandle.person_id.in_(leaving)) > 0

    with db.session() as session:
        [result] = import_paths(
            session, [shared_data / "congress-legislators" / "legislators-current.yaml"], later
        )
    assert result.reactivated == 2 and result.deactivated == 0
    with db.session() as session:
        assert count(session, PersonRow, PersonRow.active.is_(False)) == 0


def test_social_media_alone_updates_handles_only(
    db: Database, shared_data: Path, raw_congress: dict[str, Any], tmp_path: Path
) -> None:
    folder = shared_data / "congress-legislators"
    with db.session() as session:
        import_paths(session, [folder], NOW)
    social = raw_congress["legislators-social-media"]
    changed = [dict(e, social=dict(e["social"])) for e in social]
    target = changed[0]["id"]["bioguide"]
    changed[0]["social"]["twitter"] = "NewHandle123"
    path = tmp_path / "legislators-social-media.json"
    path.write_text(json.dumps(changed))
    with db.session() as session:
        [result] = import_paths(session, [path], NOW + timedelta(days=1))
    assert result.people == 0 and result.handles > 0
    with db.session() as session:
        handle = session.scalar(
            select(PersonHandle).where(
                PersonHandle.person_id == target, PersonHandle.platform == "x"
            )
        )
        assert handle is not None and handle.handle == "NewHandle123"
        assert handle.first_seen_at == NOW + timedelta(days=1)
        assert count(session, PersonRow) == len(raw_congress["legislators-current"])


def test_open_states_colorado(db: Database, shared_data: Path) -> None:
    with db.session() as session:
        [result] = import_paths(session, [shared_data / "openstates" / "co"], NOW)
    raw = raw_state_people(shared_data, "co")
    assert result.scope == "co" and result.people == len(raw)
    with db.session() as session:
        rows = {r.id: r for r in session.scalars(select(PersonRow))}
        chambers = Counter(r.chamber for r in rows.values())
        expected = Counter(
            {"upper": "senate", "lower": "house"}[current_chamber(p) or ""] for p in raw
        )
        assert chambers == expected
        assert count(session, PersonHandle, PersonHandle.platform == "x") == sum(
            1 for p in raw if (p.get("ids") or {}).get("twitter")
        )
        assert {r.title for r in rows.values() if r.chamber == "senate"} == {"Sen."}
        assert all(r.state == "CO" and r.jurisdiction == "co" for r in rows.values())
        seats = 0
        for path in sorted((shared_data / "openstates" / "co" / "committees").glob("*.yml")):
            committee = yaml.safe_load(path.read_text())
            seats += len(
                {m["person_id"] for m in committee["members"] if m.get("person_id") in rows}
            )
        assert count(session, CommitteeMember) == seats


def test_a_folder_of_states_imports_each(db: Database, shared_data: Path) -> None:
    with db.session() as session:
        results = import_paths(session, [shared_data / "openstates"], NOW)
    assert sorted(r.scope for r in results) == ["co", "mo"]


def test_missouri_legislators_have_no_accounts(db: Database, shared_data: Path) -> None:
    with db.session() as session:
        [result] = import_paths(session, [shared_data / "openstates" / "mo" / "legislature"], NOW)
    assert result.scope == "mo" and result.handles == 0
    assert result.people == len(raw_state_people(shared_data, "mo"))


def test_unknown_paths_are_refused(tmp_path: Path) -> None:
    stray = tmp_path / "notes.txt"
    stray.write_text("hello")
    with pytest.raises(DirectoryImportError, match="not a file this importer knows"):
        discover([stray])
    with pytest.raises(DirectoryImportError, match="holds neither"):
        discover([tmp_path])
    with pytest.raises(DirectoryImportError, match="no such file"):
        discover([tmp_path / "missing"])


def test_a_malformed_file_is_a_reported_skip_and_imports_nothing(
    db: Database, tmp_path: Path
) -> None:
    bad = tmp_path / "legislators-current.yaml"
    bad.write_text("- id: {bioguide: X000001}\n  name: [unclosed\n")
    with db.session() as session:
        [result] = import_paths(session, [bad], NOW)
    [problem] = result.problems
    assert (problem.action, problem.file, problem.field) == ("skipped", str(bad), "line 3")
    assert "not valid YAML" in problem.message and "the file was skipped" in problem.message
    assert result.skipped_records == 1
    with db.session() as session:
        assert count(session, PersonRow) == 0


def test_import_and_resolve_on_postgresql(
    postgres_url: str, shared_data: Path, raw_congress: dict[str, Any]
) -> None:
    """The bulk writer and the selector SQL on a real PostgreSQL, not only SQLite."""
    from bot.campaigns.loaded import LoadedCampaign
    from bot.directory.resolve import resolve_targets
    from tests.support import make_campaign

    database = Database(postgres_url)
    try:
        paths = [shared_data / "congress-legislators", shared_data / "openstates" / "co"]
        with database.session() as session:
            import_paths(session, paths, NOW)
        with database.session() as session:
            again = import_paths(session, paths, NOW + timedelta(days=1))
        assert [(r.added, r.updated, r.deactivated) for r in again] == [(0, 0, 0), (0, 0, 0)]
        loaded = LoadedCampaign(
            campaign=make_campaign(targets={"select": [{"committee": "Senate Judiciary"}]}),
            path=Path("c.yaml"),
        )
        with database.session() as session:
            resolution = resolve_targets(loaded, session)
        expected = {s["bioguide"] for s in raw_congress["committee-membership-current"]["SSJU"]}
        assert {p.id for p in resolution.people} == expected
        # Colorado's senate Judiciary has that name too: resolved to Congress's, with a warning.
        [note] = resolution.notes
        assert "has no 'jurisdiction'" in note and "CO (" in note
    finally:
        database.dispose()
