"""Every legislature as it is written: DC, the territories, fusion parties, PA titles,
Nebraska, a presiding officer from ``executive/``, ended terms (issue 16).

The records are the small hand-written Open States files under ``fixtures/openstates``
(see its README); the import runs the real importer into a real SQLite database.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import cli
from bot.directory import match, normalize
from bot.directory.importers import import_paths, openstates
from bot.directory.models import (
    CommitteeMember,
    CommitteeRow,
    LeadershipRole,
    PersonHandle,
    PersonRow,
)
from bot.directory.selectors import Selector
from bot.store.db import Database
from tests.directory.conftest import NOW

FIXTURES = Path(__file__).parent / "fixtures" / "openstates"


def pid(suffix: str) -> str:
    return f"ocd-person/00000000-0000-4000-8000-00000000{suffix}"


@pytest.fixture
def states(db: Database) -> Database:
    """The fixture jurisdictions imported (as ``directory import data/`` would)."""
    with db.session() as session:
        import_paths(session, [FIXTURES], NOW)
    return db


def select_ids(db: Database, **keys: object) -> tuple[list[str], list[str]]:
    with db.session() as session:
        found = match.run(session, Selector.model_validate(keys))
        return found.ids, found.problems


def person(db: Database, suffix: str) -> PersonRow:
    with db.session() as session:
        row = session.get(PersonRow, pid(suffix))
        assert row is not None
        session.expunge(row)
        return row


# -- the import as a whole ----------------------------------------------------------------


def test_a_whole_data_folder_imports_everything_but_the_one_bad_record(db: Database) -> None:
    with db.session() as session:
        results = import_paths(session, [FIXTURES], NOW)
    by_scope = {r.scope: r for r in results}
    assert set(by_scope) == {"dc", "mn", "ne", "ny", "pa", "pr", "tx", "us"}
    assert by_scope["us"].skipped and "congress-legislators" in by_scope["us"].notes[0]
    skipped = [p for r in results for p in r.problems if p.action == "skipped"]
    assert len(skipped) == 1
    assert skipped[0].file.endswith("dc/legislature/Broken-Record.yml")
    assert skipped[0].field == "name"
    why = [p.message for r in results for p in r.problems if p.file == skipped[0].file]
    assert any("a list" in m for m in why), why
    assert by_scope["dc"].people == 3 and by_scope["pr"].people == 3


def test_importing_twice_adds_no_duplicates_and_changes_nothing(states: Database) -> None:
    with states.session() as session:
        before = session.scalar(select(func.count()).select_from(PersonRow))
        seats = session.scalar(select(func.count()).select_from(CommitteeMember))
        leaders = session.scalar(select(func.count()).select_from(LeadershipRole))
        again = import_paths(session, [FIXTURES], NOW)
        assert session.scalar(select(func.count()).select_from(PersonRow)) == before
        assert session.scalar(select(func.count()).select_from(CommitteeMember)) == seats
        assert session.scalar(select(func.count()).select_from(LeadershipRole)) == leaders
    assert all(r.added == 0 and r.updated == 0 for r in again)


def test_an_unexpected_error_in_one_file_skips_that_file_only(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wall behind the typed reads: whatever one record does, the state imports."""
    real = openstates._person

    def fragile(record, state_code, today):  # type: ignore[no-untyped-def]
        if "Nadeau" in record.file:
            raise TypeError("'NoneType' object is not subscriptable")
        return real(record, state_code, today)

    monkeypatch.setattr(openstates, "_person", fragile)
    with db.session() as session:
        results = import_paths(session, [FIXTURES / "dc"], NOW)
    [result] = results
    assert result.people == 2
    messages = [p.line() for p in result.problems if p.action == "skipped"]
    assert any("Brianne-Nadeau.yml" in m and "TypeError" in m for m in messages)


# -- DC and the territories -----------------------------------------------------------------


def test_dc_councilmembers_are_councilmembers(states: Database) -> None:
    bonds = person(states, "dc01")
    assert (bonds.jurisdiction, bonds.chamber, bonds.title) == (
        "dc",
        "legislature",
        "Councilmember",
    )
    assert (bonds.state, bonds.district) == ("DC", "0")  # at-large, as for Congress
    with states.session() as session:
        committee = session.scalars(
            select(CommitteeRow).where(CommitteeRow.jurisdiction == "dc")
        ).one()
    assert committee.chamber == "legislature"


def test_puerto_rico_has_a_senado_and_a_camara(states: Database) -> None:
    assert person(states, "pr01").title == "Sen."
    assert person(states, "pr03").title == "Rep."
    assert person(states, "pr03").chamber == "house"
    # Partido Popular Democrático is not the Democratic Party.
    ids, _ = select_ids(states, jurisdiction="pr", party="D")
    assert ids == []


def test_spanish_committee_roles(states: Database) -> None:
    with states.session() as session:
        seats = {
            m.person_id: (m.role, m.title)
            for m in session.scalars(
                select(CommitteeMember).where(CommitteeMember.committee_id.like("%0000000pr0c1"))
            )
        }
    assert seats == {
        pid("pr01"): ("chair", "presidente"),
        pid("pr02"): ("vice chair", "vicepresidenta"),
        pid("pr03"): ("member", "secretario"),
    }
    ids, _ = select_ids(states, committee="Comisión de Hacienda", role="presidente")
    assert ids == [pid("pr01")]


def test_dc_sync_through_the_fake_open_data_server(tmp_path: Path) -> None:
    """``directory sync --state DC`` ends with DC imported, not a traceback."""
    from tests.fakes.opendata import OpenDataServer

    data = tmp_path / "data"
    shutil.copytree(FIXTURES, data / "openstates")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    with OpenDataServer(data) as server:
        result = CliRunner().invoke(
            cli, ["directory", "sync", "--state", "DC"], env={**env, **server.env()}
        )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "openstates DC: 3 people (3 new" in result.output, result.output
    assert "Broken-Record.yml" in result.output  # the skip is reported, by its URL
    assert result.exit_code == 1  # a record was skipped: someone must look


# -- parties ----------------------------------------------------------------------------------


def test_party_families_include_fusion_and_state_labels(states: Database) -> None:
    democrats, _ = select_ids(states, jurisdiction=["ny", "mn"], party="D")
    assert set(democrats) == {pid("ny01"), pid("ny02"), pid("mn01")}
    republicans, _ = select_ids(states, jurisdiction="ny", party="Republican")
    assert set(republicans) == {pid("ny03"), pid("ny04")}
    # The full label is kept, for display and exact selection.
    assert person(states, "ny02").party == "Democratic/Working Families"
    assert person(states, "ny03").party == "Republican/Conservative/Independence/Libertarian"
    exact, _ = select_ids(states, party_label="democratic/working families")
    assert exact == [pid("ny02")]
    labelled, _ = select_ids(states, party="Democratic-Farmer-Labor")
    assert labelled == [pid("mn01")]


@pytest.mark.parametrize(
    ("label", "family"),
    [
        ("Democratic", "D"),
        ("Democrat", "D"),
        ("Democratic/Working Families", "D"),
        ("Democratic/Independence/Working Families", "D"),
        ("Democratic-Farmer-Labor", "D"),
        ("Democratic/Progressive", "D"),
        ("Republican", "R"),
        ("Republican/Conservative", "R"),
        ("Republican/Conservative/Independence/Reform", "R"),
        ("Independent", "I"),
        ("Progressive/Democratic", "other"),
        ("Partido Popular Democrático", "other"),
        ("Partido Nuevo Progresista", "other"),
        ("Nonpartisan", "other"),
        ("Independence", "other"),
        ("Forward", "other"),
        (None, None),
    ],
)
def test_party_family(label: str | None, family: str | None) -> None:
    assert normalize.party_family(label) == family


# -- committee roles ------------------------------------------------------------------------


def test_pennsylvania_chair_of_senate_judiciary_is_one_person(states: Database) -> None:
    chair, problems = select_ids(
        states, jurisdiction="pa", chamber="senate", committee="Judiciary", role="chair"
    )
    assert chair == [pid("pa01")] and problems == []
    ranking, _ = select_ids(
        states, jurisdiction="pa", committee="Senate Judiciary", role="minority chair"
    )
    assert ranking == [pid("pa04")]
    ex_officio, _ = select_ids(
        states, jurisdiction="pa", committee="Senate Judiciary", role="ex officio"
    )
    assert ex_officio == [pid("pa03")]


def test_pennsylvania_party_named_chairs_without_a_plain_chair(states: Database) -> None:
    """The House's majority (Democratic) party's "democratic chair" chairs the committee."""
    with states.session() as session:
        seats = {
            m.person_id: (m.role, m.title, m.side)
            for m in session.scalars(
                select(CommitteeMember).where(CommitteeMember.committee_id.like("%0000000pa0c2"))
            )
        }
    assert seats == {
        pid("pa05"): ("chair", "democratic chair", "majority"),
        pid("pa07"): ("ranking member", "republican chair", "minority"),
        pid("pa06"): ("member", "democratic secretary", "majority"),
    }


@pytest.mark.parametrize(
    ("title", "role"),
    [
        ("chair", "chair"),
        ("Chairman", "chair"),
        ("Chairperson", "chair"),
        ("presidente", "chair"),
        ("presidenta", "chair"),
        ("co-chair", "co-chair"),
        ("vice chair", "vice chair"),
        ("Vice Chairman", "vice chair"),
        ("first vice chair", "vice chair"),
        ("vicepresidente", "vice chair"),
        ("vice-presidenta", "vice chair"),
        ("ranking member", "ranking member"),
        ("Ranking Member", "ranking member"),
        ("ranking republican member", "ranking member"),
        ("minority chair", "ranking member"),
        ("vice ranking member", "member"),
        ("second vice chair", "member"),
        ("ex-officio", "ex officio"),
        ("exoficio", "ex officio"),
        ("secretary", "member"),
        ("secretario", "member"),
        ("portavoz", "member"),
        ("miembro", "member"),
        ("member", "member"),
        (None, "member"),
    ],
)
def test_role_table(title: str | None, role: str) -> None:
    """The rows of the table in docs/directory.md (party-named titles: see the PA tests)."""
    assert normalize.role(title) == role


# -- Nebraska -------------------------------------------------------------------------------


def test_nebraska_upper_chamber_says_there_is_one_chamber(states: Database) -> None:
    ids, problems = select_ids(states, jurisdiction="ne", chamber="upper")
    assert ids == []
    assert problems and "Nebraska has one chamber, the legislature" in problems[0]
    ids, problems = select_ids(states, jurisdiction="ne", chamber="legislature")
    assert set(ids) == {pid("ne01"), pid("ne02")} and problems == []


def test_nebraska_committees_are_the_legislatures(states: Database) -> None:
    with states.session() as session:
        chambers = set(
            session.scalars(select(CommitteeRow.chamber).where(CommitteeRow.jurisdiction == "ne"))
        )
    assert chambers == {"legislature"}
    ids, problems = select_ids(
        states, jurisdiction="ne", chamber="legislature", committee="Judiciary", role="chair"
    )
    assert ids == [pid("ne02")] and problems == []


# -- leadership and presiding officers --------------------------------------------------------


def test_the_texas_lieutenant_governor_presides_over_the_senate(states: Database) -> None:
    patrick = person(states, "tx90")
    assert (patrick.title, patrick.chamber, patrick.active) == ("Lt. Gov.", None, True)
    leaders, _ = select_ids(states, jurisdiction="tx", leadership=True)
    assert leaders == [pid("tx90")]
    presiding, _ = select_ids(states, jurisdiction="tx", chamber="senate", leadership=True)
    assert presiding == [pid("tx90")]
    titled, _ = select_ids(states, jurisdiction="tx", leadership="president of the senate")
    assert titled == [pid("tx90")]
    # Not a member: "the Texas Senate" is its 31 senators (two here).
    senators, _ = select_ids(states, jurisdiction="tx", chamber="senate")
    assert set(senators) == {pid("tx01"), pid("tx02")}
    # The governor is not imported; the presiding officer's accounts are.
    with states.session() as session:
        assert session.get(PersonRow, pid("tx91")) is None
        handles = session.scalars(
            select(PersonHandle.handle).where(PersonHandle.person_id == pid("tx90"))
        ).all()
    assert handles == ["DanPatrick"]


def test_nebraskas_lieutenant_governor_presides_over_the_legislature(states: Database) -> None:
    ids, _ = select_ids(states, jurisdiction="ne", chamber="legislature", leadership=True)
    assert ids == [pid("ne90")]


# -- terms ----------------------------------------------------------------------------------


def test_a_term_whose_end_date_is_past_is_not_active(db: Database) -> None:
    before = datetime(2026, 6, 1, tzinfo=UTC)
    with db.session() as session:
        import_paths(session, [FIXTURES / "dc"], before)
    assert person(db, "dc03").active is True
    with db.session() as session:
        [result] = import_paths(session, [FIXTURES / "dc"], NOW)  # 2026-08-10
    assert result.deactivated == 1
    crawford = person(db, "dc03")
    assert crawford.active is False and crawford.left_at is not None
    ids, _ = select_ids(db, jurisdiction="dc")
    assert pid("dc03") not in ids and pid("dc01") in ids


def test_congress_members_whose_term_ended_are_not_active(shared_data: Path) -> None:
    """An appointed senator's term in legislators-current ends at the special election."""
    from datetime import date

    from bot.directory.importers import congress

    files = {
        kind: shared_data / "congress-legislators" / f"{kind}.yaml"
        for kind in ("legislators-current",)
    }
    during = congress.read(files, date(2026, 8, 10)).people or []
    after = congress.read(files, date(2027, 1, 4)).people or []
    assert all(p.active for p in during if p.term_end and p.term_end >= date(2026, 8, 10))
    ended = {p.id for p in after if not p.active}
    assert ended == {p.id for p in after if p.term_end and p.term_end < date(2027, 1, 4)}
    assert ended  # every House term ends 2027-01-03


# -- with Congress, Missouri and Colorado (the shared data) ------------------------------------


def test_a_committee_name_found_in_several_jurisdictions_warns(full_db: Database) -> None:
    """``committee: Senate Judiciary`` without a jurisdiction meant Congress's, silently;
    Colorado's senate Judiciary is known by that name too."""
    ids, problems = select_ids(full_db, committee="Senate Judiciary")
    assert ids  # still Congress's committee, as the name is its own
    assert len(problems) == 1
    assert "SSJU" in problems[0] and "CO (" in problems[0] and "'jurisdiction'" in problems[0]
    ids, problems = select_ids(full_db, committee="Senate Judiciary", jurisdiction="us")
    assert ids and problems == []
    colorado, problems = select_ids(full_db, committee="Senate Judiciary", jurisdiction="co")
    assert colorado and problems == [] and not set(colorado) & set(ids)


def test_leadership_entries_in_an_overrides_file(
    full_db: Database, shared_data: Path, tmp_path: Path
) -> None:
    """Missouri's data lists no leadership: organizers maintain it, and re-imports keep it."""
    from bot.directory.overrides import load_overrides

    with full_db.session() as session:
        senators = session.scalars(
            select(PersonRow)
            .where(PersonRow.jurisdiction == "mo", PersonRow.chamber == "senate")
            .order_by(PersonRow.id)
            .limit(2)
        ).all()
        pro_tem, leader = senators[0].id, senators[1].name
    path = tmp_path / "overrides.yaml"
    path.write_text(
        "leadership:\n"
        f"  - {{person: {pro_tem}, title: President Pro Tem}}\n"
        f"  - {{person: {leader}, title: Majority Floor Leader, chamber: upper}}\n"
        "  - {person: Nobody Of That Name, title: Speaker, chamber: house}\n"
    )
    with full_db.session() as session:
        result = load_overrides(session, path, NOW)
    assert result.leadership == 2 and result.unknown_leaders == ["Nobody Of That Name"]
    with full_db.session() as session:
        import_paths(session, [shared_data / "openstates" / "mo"], NOW)  # survives
        load_overrides(session, path, NOW)  # loading again replaces, never doubles
    ids, _ = select_ids(full_db, jurisdiction="mo", leadership=True, chamber="senate")
    lt_governor = [i for i in ids if person_by_id(full_db, i).chamber is None]
    assert set(ids) - set(lt_governor) == {pro_tem, senators[1].id}
    named, _ = select_ids(full_db, jurisdiction="mo", leadership="floor leader")
    assert named == [senators[1].id]


def person_by_id(db: Database, person_id: str) -> PersonRow:
    with db.session() as session:
        row = session.get(PersonRow, person_id)
        assert row is not None
        session.expunge(row)
        return row


def test_search_says_when_the_list_was_cut(
    full_db: Database, directory_template: Path, tmp_path: Path
) -> None:
    from bot.directory.search import find

    with full_db.session() as session:
        results = find(session, "MO", limit=5)
    assert len(results.hits) == 5 and results.total > 5 and results.truncated
    database = tmp_path / "full.db"
    env = {"DATABASE_URL": f"sqlite:///{database}"}
    shutil.copy(directory_template, database)
    output = CliRunner().invoke(cli, ["directory", "search", "MO", "--limit", "5"], env=env)
    assert f"5 of {results.total} shown; use --limit {results.total}" in output.output


def test_a_value_too_long_for_its_column_skips_that_person_only(db: Database) -> None:
    """PostgreSQL refuses a too-long value and with it the whole import; one person is
    reported instead (SQLite would store it, so the check is the writer's)."""
    from bot.directory.importers.records import PersonRecord, SourceData
    from bot.directory.importers.writer import write

    data = SourceData(source="openstates", scope="ma", origin="data/ma")
    data.people = [
        PersonRecord(id="ocd-person/a", jurisdiction="ma", name="Fits", district="Second Suffolk"),
        PersonRecord(id="ocd-person/b", jurisdiction="ma", name="Too Long", district="x" * 101),
    ]
    with db.session() as session:
        result = write(session, data, NOW)
    assert result.people == 1 and result.skipped_records == 1
    assert "district is 101 characters long" in result.problems[0].message


def test_a_campaign_may_select_by_exact_party_label() -> None:
    from bot.campaigns.schema import TargetsSpec

    spec = TargetsSpec.model_validate(
        {"select": [{"jurisdiction": "ny", "party_label": "Democratic/Working Families"}]}
    )
    assert spec.select[0].party_label == ("Democratic/Working Families",)
    assert "party_label: Democratic/Working Families" in spec.select[0].describe()
    family = TargetsSpec.model_validate({"select": [{"party": ["Democrat", "GOP", "other"]}]})
    assert family.select[0].party == ("D", "R", "other")
    assert "party: [Democratic, Republican, other]" in family.select[0].describe()
