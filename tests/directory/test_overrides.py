"""Organizer overrides and the do-not-tag list: precedence, provenance, surviving re-imports."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.directory import overrides
from bot.directory.importers import import_paths
from bot.directory.models import HandleOverride, PersonRow
from bot.directory.overrides import OverridesError, load_overrides, read_overrides
from bot.directory.people import Person
from bot.directory.resolve import resolve_targets
from bot.store.db import Database
from tests.directory.conftest import NOW
from tests.directory.test_resolve import campaign, resolve

HAWLEY, SCHMITT = "H001089", "S001227"
MO_SENATORS = {"jurisdiction": "us", "chamber": "senate", "state": "MO"}


def by_id(resolution: object) -> dict[str, Person]:
    return {p.id: p for p in resolution.people}  # type: ignore[attr-defined]


def test_set_handle_wins_and_shows_provenance(full_db: Database) -> None:
    with full_db.session() as session:
        overrides.set_handle(session, HAWLEY, "x", "@HawleyOrganizer", NOW, note="checked by phone")
        overrides.set_handle(session, HAWLEY, "bluesky", "hawley.bsky.social", NOW)
    resolution = resolve(full_db, campaign({"select": [MO_SENATORS]}, platforms=["x", "bluesky"]))
    hawley = by_id(resolution)[HAWLEY]
    assert hawley.handle("x") == "HawleyOrganizer"
    assert hawley.handle_sources == {
        "x": "set-handle",
        "bluesky": "set-handle",
        "facebook": "congress-legislators",
    }
    detail = resolution.handle_details[HAWLEY]["x"]
    assert (detail.source, detail.note, detail.when) == ("set-handle", "checked by phone", NOW)


def test_override_beats_the_campaign_file_handle(full_db: Database) -> None:
    named = Person(
        id=HAWLEY,
        name="Josh Hawley",
        handles={"x": "FromTheFile"},
        handle_sources={"x": "campaign"},
    )
    loaded = campaign({"people": [{"id": HAWLEY, "name": "Josh Hawley"}]}, people=(named,))
    assert resolve(full_db, loaded).people[0].handle("x") == "FromTheFile"
    with full_db.session() as session:
        overrides.set_handle(session, HAWLEY, "x", "FromOrganizer", NOW)
    assert resolve(full_db, loaded).people[0].handle("x") == "FromOrganizer"


def test_no_account_override_hides_an_imported_handle(full_db: Database) -> None:
    with full_db.session() as session:
        overrides.set_handle(session, HAWLEY, "facebook", None, NOW)
    resolution = resolve(full_db, campaign({"select": [MO_SENATORS]}, platforms=["facebook"]))
    assert by_id(resolution)[HAWLEY].handle("facebook") is None
    assert resolution.handle_details[HAWLEY]["facebook"].source == "set-handle"
    with full_db.session() as session:
        assert overrides.clear_handle(session, HAWLEY, "facebook") == 1
    again = resolve(full_db, campaign({"select": [MO_SENATORS]}, platforms=["facebook"]))
    assert by_id(again)[HAWLEY].handle("facebook") == "SenatorHawley"


def test_overrides_survive_reimport(db: Database, shared_data: Path) -> None:
    folder = shared_data / "openstates" / "mo"
    with db.session() as session:
        import_paths(session, [folder], NOW)
        person_id = session.scalars(select(PersonRow.id).order_by(PersonRow.id)).first()
        assert person_id is not None
        overrides.set_handle(session, person_id, "x", "MoSenator1", NOW)
        overrides.add_do_not_tag(
            session, NOW, person_id=person_id, platform="facebook", reason="asked"
        )
    with db.session() as session:
        import_paths(session, [folder], NOW + timedelta(days=7))
    resolution = resolve(
        db, campaign({"select": [{"people": [person_id]}]}, platforms=["x", "facebook"])
    )
    person = resolution.people[0]
    assert person.handle("x") == "MoSenator1"
    assert "facebook" in person.untagged and "x" not in person.untagged


def test_do_not_tag_names_people_in_plain_text(full_db: Database) -> None:
    with full_db.session() as session:
        overrides.add_do_not_tag(
            session, NOW, person_id=SCHMITT, reason="the office asked on 2026-03-02"
        )
    resolution = resolve(full_db, campaign({"select": [MO_SENATORS]}, platforms=["x", "facebook"]))
    people = by_id(resolution)
    schmitt = people[SCHMITT]
    assert SCHMITT in people  # still a target: named, not tagged
    assert schmitt.handles == {}
    assert schmitt.untagged["x"] == "do-not-tag: the office asked on 2026-03-02"
    assert people[HAWLEY].handle("x") == "SenHawleyPress"


def test_do_not_tag_by_handle_and_platform(full_db: Database) -> None:
    with full_db.session() as session:
        overrides.add_do_not_tag(
            session, NOW, platform="x", handle="@senhawleypress", reason="office account"
        )
    resolution = resolve(full_db, campaign({"select": [MO_SENATORS]}, platforms=["x", "facebook"]))
    hawley = by_id(resolution)[HAWLEY]
    assert hawley.handle("x") is None and hawley.handle("facebook") == "SenatorHawley"
    assert set(hawley.untagged) == {"x"}
    with full_db.session() as session:
        assert overrides.remove_do_not_tag(session, handle="senhawleypress", platform="x") == 1
    assert by_id(resolve(full_db, campaign({"select": [MO_SENATORS]})))[HAWLEY].handle("x")


def test_do_not_tag_applies_to_people_named_in_files_too(full_db: Database) -> None:
    named = Person(
        id="my-slug", name="Rep. Local", handles={"x": "LocalRep"}, handle_sources={"x": "campaign"}
    )
    with full_db.session() as session:
        overrides.add_do_not_tag(session, NOW, person_id="my-slug", reason="asked")
    loaded = campaign({"people": [{"id": "my-slug", "name": "Rep. Local"}]}, people=(named,))
    [person] = resolve(full_db, loaded).people
    assert person.handle("x") is None and person.untagged["x"] == "do-not-tag: asked"


def test_campaign_overrides_file_wins_for_that_campaign_only(
    full_db: Database, tmp_path: Path
) -> None:
    (tmp_path / "overrides").mkdir()
    (tmp_path / "overrides" / "mo.yaml").write_text(
        f"""
handles:
  - person: {HAWLEY}
    x: HawleyFromFile
    note: the organizer's sheet
  - person: Eric Schmitt
    bluesky: schmitt.bsky.social
do_not_tag:
  - person: {SCHMITT}
    platform: x
    reason: asked this campaign
"""
    )
    with full_db.session() as session:
        overrides.set_handle(session, HAWLEY, "x", "FromSetHandle", NOW)
    loaded = campaign(
        {"select": [MO_SENATORS], "overrides": "overrides/mo.yaml"},
        platforms=["x", "bluesky"],
        path=tmp_path / "campaign.yaml",
    )
    resolution = resolve(full_db, loaded)
    people = by_id(resolution)
    assert people[HAWLEY].handle("x") == "HawleyFromFile"
    assert people[HAWLEY].handle_sources["x"] == "override:overrides/mo.yaml"
    assert people[SCHMITT].handle("bluesky") == "schmitt.bsky.social"
    assert people[SCHMITT].handle("x") is None
    assert (
        people[SCHMITT].untagged["x"]
        == "do-not-tag: asked this campaign [override:overrides/mo.yaml]"
    )
    # Another campaign is not affected.
    other = resolve(full_db, campaign({"select": [MO_SENATORS]}))
    assert by_id(other)[HAWLEY].handle("x") == "FromSetHandle"
    assert by_id(other)[SCHMITT].handle("x") == "SenEricSchmitt"


def test_a_broken_campaign_overrides_file_is_a_note(full_db: Database, tmp_path: Path) -> None:
    loaded = campaign(
        {"select": [MO_SENATORS], "overrides": "missing.yaml"}, path=tmp_path / "c.yaml"
    )
    resolution = resolve(full_db, loaded)
    assert len(resolution.people) == 2
    assert resolution.notes[0].startswith("targets.overrides: ")
    assert "cannot read the overrides file" in resolution.notes[0]


def test_load_overrides_file_is_idempotent_and_adds_people(
    full_db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "directory-overrides.yaml"
    path.write_text(
        f"""
people:
  - id: mo-house-999
    name: Jane Newcomer
    state: MO
    chamber: house
    district: 999
    party: R
    handles: {{x: JaneNewcomer}}
handles:
  - person: {HAWLEY}
    bluesky: hawley.bsky.social
do_not_tag:
  - platform: x
    handle: SomeOffice
"""
    )
    with full_db.session() as session:
        first = load_overrides(session, path, NOW)
    with full_db.session() as session:
        second = load_overrides(session, path, NOW + timedelta(hours=1))
        stored = session.scalars(
            select(HandleOverride).where(HandleOverride.source == f"file:{path}")
        ).all()
    assert (first.handles, first.people, first.do_not_tag) == (2, 1, 1)
    assert (second.handles, second.people, second.do_not_tag) == (2, 1, 1)
    assert len(stored) == 2
    resolution = resolve(
        full_db, campaign({"select": [{"jurisdiction": "mo", "district": 999}]}, platforms=["x"])
    )
    [jane] = resolution.people
    assert (jane.name, jane.title, jane.party, jane.handle("x")) == (
        "Jane Newcomer",
        "Rep.",
        "Republican",
        "JaneNewcomer",
    )
    assert jane.handle_sources["x"] == f"file:{path}"


def test_csv_overrides(tmp_path: Path) -> None:
    path = tmp_path / "handles.csv"
    path.write_text(
        "person,platform,handle,note,do_not_tag,reason\n"
        f"{HAWLEY},x,@SenHawleyPress,from the office,,\n"
        f"{HAWLEY},facebook,-,no page,,\n"
        f"{SCHMITT},,,,yes,asked\n"
    )
    parsed = read_overrides(path)
    assert [e.handles() for e in parsed.handles] == [{"x": "SenHawleyPress"}, {"facebook": None}]
    [entry] = parsed.do_not_tag
    assert (entry.person, entry.platform, entry.reason) == (SCHMITT, None, "asked")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("handles:\n  - person: X\n    x: 'not valid!'\n", "is not an X handle"),
        ("handles:\n  - person: X\n", "no handle given"),
        ("do_not_tag:\n  - reason: why\n", "needs 'person' or 'handle'"),
        ("do_not_tag:\n  - handle: Office\n", "needs its 'platform'"),
        ("handle:\n  - person: X\n", "handle: Extra inputs are not permitted"),
    ],
)
def test_bad_overrides_files_are_explained(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "o.yaml"
    path.write_text(text)
    with pytest.raises(OverridesError, match=message) as info:
        read_overrides(path)
    assert str(path) in str(info.value)


def test_no_database_still_applies_campaign_overrides(tmp_path: Path) -> None:
    (tmp_path / "o.yaml").write_text("handles:\n  - person: my-slug\n    x: Fixed\n")
    named = Person(
        id="my-slug", name="Rep. Local", handles={"x": "Wrong"}, handle_sources={"x": "campaign"}
    )
    loaded = campaign(
        {"people": [{"id": "my-slug", "name": "Rep. Local"}], "overrides": "o.yaml"},
        people=(named,),
        path=tmp_path / "c.yaml",
    )
    [person] = resolve_targets(loaded, None).people
    assert person.handle("x") == "Fixed"


def test_a_file_read_again_is_parsed_again_only_if_its_bytes_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What goes out next resolves each campaign's targets on every view: the file is
    read each time, parsed only when its bytes differ, whatever its size and time say."""
    import os

    parses: list[str] = []
    parse = overrides._parse

    def counting(path: Path, text: str) -> overrides.OverridesFile:
        parses.append(text)
        return parse(path, text)

    monkeypatch.setattr(overrides, "_parse", counting)
    path = tmp_path / "o.yaml"
    path.write_text("handles:\n  - person: P1\n    x: AAAA\n")
    first = read_overrides(path)
    assert read_overrides(path) is first and len(parses) == 1
    # The same size, the same modification time: the new bytes are still seen.
    stamp = path.stat()
    path.write_text("handles:\n  - person: P1\n    x: BBBB\n")
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    second = read_overrides(path)
    assert second.handles[0].handles()["x"] == "BBBB" and len(parses) == 2
    # A file that fails is parsed (and fails) each time; mended, it is read.
    path.write_text("handles:\n  - person: P1\n    x: 'not a handle!'\n")
    for _ in range(2):
        with pytest.raises(OverridesError):
            read_overrides(path)
    assert len(parses) == 4
    path.write_text("handles:\n  - person: P1\n    x: AAAA\n")
    assert read_overrides(path) == first and len(parses) == 4  # that parse was kept
    other = tmp_path / "p.yaml"
    other.write_bytes(path.read_bytes())
    assert read_overrides(other) == first and len(parses) == 5  # by file
