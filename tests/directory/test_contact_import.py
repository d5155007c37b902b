"""Imports check every value: clean-ups, reported skips and conflicts, never a failed import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import cli
from bot.directory.importers import import_paths
from bot.directory.load import load_entries
from bot.directory.models import PersonHandle, PersonRow
from bot.directory.overrides import set_handle
from bot.store.db import Database
from tests.directory.conftest import NOW

ROLE = {
    "type": "upper",
    "district": "1",
    "jurisdiction": "ocd-jurisdiction/country:us/state:ny/government",
}
BOMB = """\
id: ocd-person/bomb
name: Bomb
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
ids: {twitter: [*h,*h,*h,*h,*h,*h,*h,*h,*h]}
roles: [{type: upper, district: "9", jurisdiction: ocd-jurisdiction/country:us/state:ny/government}]
"""


def person(number: int, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": f"ocd-person/{number}",
        "name": f"Member {number}",
        "roles": [{**ROLE, "district": str(number)}],
    }
    data.update(fields)
    return data


def state_folder(
    tmp_path: Path, *people: dict[str, Any], extra: dict[str, str] | None = None
) -> Path:
    folder = tmp_path / "ny"
    (folder / "legislature").mkdir(parents=True)
    for index, data in enumerate(people):
        (folder / "legislature" / f"p{index}.yml").write_text(yaml.safe_dump(data))
    for name, text in (extra or {}).items():
        (folder / "legislature" / name).write_text(text)
    return folder


def stored_handles(db: Database) -> dict[tuple[str, str], str]:
    with db.session() as session:
        return {(h.person_id, h.platform): h.handle for h in session.scalars(select(PersonHandle))}


def test_real_new_york_query_strings_are_dropped_and_reported(db: Database, tmp_path: Path) -> None:
    folder = state_folder(
        tmp_path,
        person(1, ids={"twitter": "judygriffinny?ref_src=twsrc%5Egoogle%7Ctwcamp%5Eserp"}),
        person(2, ids={"twitter": "mikebenedetto82?lang=en"}),
    )
    with db.session() as session:
        [result] = import_paths(session, [folder], NOW)
    assert stored_handles(db) == {
        ("ocd-person/1", "x"): "judygriffinny",
        ("ocd-person/2", "x"): "mikebenedetto82",
    }
    cleaned = [p for p in result.problems if p.action == "cleaned"]
    assert [(p.file, p.person, p.field) for p in cleaned] == [
        (str(folder / "legislature" / "p0.yml"), "Member 1 (ocd-person/1)", "ids.twitter"),
        (str(folder / "legislature" / "p1.yml"), "Member 2 (ocd-person/2)", "ids.twitter"),
    ]
    assert "stored as 'mikebenedetto82' (dropped '?lang=en' after the handle)" in cleaned[1].line()
    assert result.skipped_records == 0


def test_a_scam_handle_and_a_bcc_email_are_not_stored(db: Database, tmp_path: Path) -> None:
    folder = state_folder(
        tmp_path,
        person(
            1,
            ids={
                "twitter": "SenX DONATE https://scam.example/give @everyone",
                "facebook": "Good.Page",
            },
            email="member@senate.mo.gov?bcc=harvest@evil.example&body=x",
        ),
    )
    with db.session() as session:
        [result] = import_paths(session, [folder], NOW)
    assert stored_handles(db) == {("ocd-person/1", "facebook"): "Good.Page"}
    with db.session() as session:
        row = session.get(PersonRow, "ocd-person/1")
        assert row is not None and row.email is None and row.name == "Member 1"
        person_seen = load_entries(session, ["ocd-person/1"])["ocd-person/1"].person
    assert "x" not in person_seen.handles  # so posts name them in plain text
    lines = [p.line() for p in result.problems]
    assert any(
        "ids.twitter: 'SenX DONATE https://scam.example/give @everyone' is not an X handle" in line
        and "not stored, so posts name Member 1 in plain text on X" in line
        for line in lines
    ), lines
    assert any("email:" in line and "holds '?' '&'" in line for line in lines), lines


def test_one_malformed_record_is_skipped_and_the_rest_imports(db: Database, tmp_path: Path) -> None:
    folder = state_folder(
        tmp_path,
        person(1, name=["not", "a", "name"]),
        person(2, offices="the capitol", links=[{"url": "javascript:alert(1)"}, "x"]),
        person(3, ids=["twitter", "x"], email=12),
    )
    with db.session() as session:
        [result] = import_paths(session, [folder], NOW)
    with db.session() as session:
        assert set(session.scalars(select(PersonRow.id))) == {"ocd-person/2", "ocd-person/3"}
    lines = [(p.action, p.line()) for p in result.problems]
    p0, p1, p2 = (str(folder / "legislature" / f"p{i}.yml") for i in range(3))
    assert (
        "skipped",
        f"{p0}: ocd-person/1: name: no usable 'name'; this person was skipped",
    ) in lines
    assert (
        "dropped",
        f"{p1}: Member 2 (ocd-person/2): offices: must be a list, not a str; ignored",
    ) in lines
    assert any(
        action == "dropped" and line.startswith(f"{p1}: Member 2 (ocd-person/2): links[0].url:")
        for action, line in lines
    )
    assert (
        "dropped",
        f"{p2}: Member 3 (ocd-person/3): ids: must be a mapping, not a list; ignored",
    ) in lines
    assert result.skipped_records == 1


def test_an_alias_bomb_in_a_person_file_is_a_reported_skip(db: Database, tmp_path: Path) -> None:
    folder = state_folder(tmp_path, person(1), extra={"bomb.yml": BOMB})
    with db.session() as session:
        [result] = import_paths(session, [folder], NOW)
    with db.session() as session:
        assert set(session.scalars(select(PersonRow.id))) == {"ocd-person/1"}
    [problem] = result.problems
    assert problem.action == "skipped" and problem.file.endswith("bomb.yml")
    assert "expands to more than 5,000,000 values" in problem.message
    assert "the file was skipped" in problem.message


def test_a_handle_listed_for_two_people_is_used_for_neither_until_an_override(
    db: Database, tmp_path: Path
) -> None:
    folder = state_folder(
        tmp_path,
        person(1, ids={"facebook": "SharedPage"}),
        person(2, ids={"facebook": "sharedpage", "twitter": "OwnHandle"}),
    )
    with db.session() as session:
        [result] = import_paths(session, [folder], NOW)
    assert stored_handles(db) == {("ocd-person/2", "x"): "OwnHandle"}
    [conflict] = [p for p in result.problems if p.action == "conflict"]
    assert "'SharedPage' is listed for Member 1 (ocd-person/1) and Member 2 (ocd-person/2)" in (
        conflict.message
    )
    assert "used for neither until an override settles whose it is" in conflict.message
    with db.session() as session:
        set_handle(session, "ocd-person/1", "facebook", "SharedPage", NOW)
    with db.session() as session:
        entries = load_entries(session, ["ocd-person/1", "ocd-person/2"])
    assert entries["ocd-person/1"].person.handles.get("facebook") == "SharedPage"
    assert "facebook" not in entries["ocd-person/2"].person.handles


def test_congress_lists_one_facebook_page_for_two_senators(db: Database, shared_data: Path) -> None:
    folder = shared_data / "congress-legislators"
    with db.session() as session:
        [result] = import_paths(session, [folder], NOW)
    [conflict] = [p for p in result.problems if p.action == "conflict"]
    assert conflict.file == str(folder / "legislators-social-media.yaml")
    assert "Roger Marshall (M001198) and Tommy Tuberville (T000278)" in conflict.message
    with db.session() as session:
        owners = session.scalars(
            select(PersonHandle.person_id).where(PersonHandle.handle == "RogerMarshallMD")
        ).all()
    assert owners == []
    assert result.skipped_records == 0


def test_the_cli_prints_each_problem_and_exits_1_only_for_skipped_records(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("CAMPAIGNS_DIR", str(tmp_path / "campaigns"))
    runner = CliRunner()
    clean = state_folder(tmp_path / "a", person(1, ids={"twitter": "mikebenedetto82?lang=en"}))
    done = runner.invoke(cli, ["directory", "import", str(clean)])
    assert done.exit_code == 0, done.output
    assert (
        "cleaned: " in done.output
        and "ids.twitter: 'mikebenedetto82?lang=en' stored as" in done.output
    )
    broken = state_folder(tmp_path / "b", person(1), person(2, name=None))
    done = runner.invoke(cli, ["directory", "import", str(broken)])
    assert done.exit_code == 1, done.output
    assert "skipped: " in done.output and "this person was skipped" in done.output
    assert "1 file(s) or record(s) were skipped" in done.output
    assert "Traceback" not in done.output
