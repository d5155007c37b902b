"""State legislators from Open States people data (``openstates/people``).

A state folder, as in that repository's ``data/<state>/``, holds
``legislature/*.yml`` (one file per current legislator, Open States person
schema) and ``committees/*.yml`` (committees whose ``members:`` name
``person_id``s). Social accounts sit under a person's ``ids:`` (``twitter``,
``facebook``, ``instagram``, ``youtube``); Open States does not say whether
an account is official or a campaign's, so their kind is left unknown.
A legislator's ``extras.title`` (``Majority Leader``, ``Speaker Pro Tempore``)
is kept as a leadership role.

Jurisdictions are the states, DC (``district:dc``: the Council, one chamber,
``Councilmember``) and the territories (``territory:pr``: Senado and Cámara).
Where a lieutenant governor presides over the senate without being a member
(Texas), the person file under ``executive/`` is imported as that chamber's
presiding officer: a leadership role, with no chamber seat of their own (see
:data:`LT_GOVERNOR_PRESIDES`).

A record whose term has ended (its role's ``end_date`` is past) is imported
as not in office. One bad file or record is a reported skip, never a failed
import: whatever goes wrong reading it, the rest of the state imports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from bot.directory import normalize
from bot.directory.importers.fields import MAX_LONG_TEXT, Fields, person_label, read_yaml
from bot.directory.importers.records import (
    SKIPPED,
    CommitteeRecord,
    DirectoryImportError,
    HandleRecord,
    LeadershipRecord,
    MemberRecord,
    OfficeRecord,
    PersonRecord,
    Problem,
    SourceData,
    as_date,
)

SOURCE = "openstates"

_SOCIAL = {
    "twitter": "x",
    "facebook": "facebook",
    "instagram": "instagram",
    "youtube": "youtube",
    "bluesky": "bluesky",
    "mastodon": "mastodon",
}
_CHAMBER_WORD = {"senate": "Senate", "house": "House", "joint": "Joint", "legislature": ""}
_LEGISLATIVE = {"upper", "lower", "legislature"}
_OCD_JURISDICTION = re.compile(r"country:us/(?:state|district|territory):([a-z]{2})(?:/|$)")

#: Where the lieutenant governor is the senate's president without being a member
#: (state constitutions): jurisdiction → the chamber they preside over. An organizer
#: can add or correct a presiding officer with a leadership entry in an overrides file.
LT_GOVERNOR_PRESIDES = {
    **dict.fromkeys(
        ("al", "ar", "ca", "ct", "de", "ga", "id", "in", "mi", "mo", "ms", "nc", "nd", "nm",
         "nv", "ny", "ok", "pa", "sd", "tx", "va", "vt", "wa"),
        "senate",
    ),
    "ne": "legislature",
}  # fmt: skip
_PRESIDING_TITLE = {
    "senate": "President of the Senate (Lieutenant Governor)",
    "legislature": "President of the Legislature (Lieutenant Governor)",
}


def jurisdiction_code(ocd_id: str | None) -> str | None:
    """``ocd-jurisdiction/country:us/state:mo/government`` → ``mo``; ``district:dc`` → ``dc``;
    ``territory:pr`` → ``pr``; None for anything else."""
    found = _OCD_JURISDICTION.search(ocd_id or "")
    return found.group(1) if found else None


def is_state_folder(path: Path) -> bool:
    """True for a folder laid out like ``data/<state>/`` (it has ``legislature/``)."""
    return (path / "legislature").is_dir()


def state_of(folder: Path) -> str:
    """The state a folder holds, from its name (``.../data/mo`` → ``MO``)."""
    try:
        return normalize.state(folder.resolve().name) or ""
    except ValueError:
        raise DirectoryImportError(
            f"{folder}: cannot tell which state this is; the folder must be named after the "
            "state's postal code (mo, co, ...), as in openstates/people's data/<state>/"
        ) from None


def read(folder: Path, today: date, state: str | None = None) -> SourceData:
    """Read one state folder into a :class:`SourceData` (scope: the state's lowercase code).

    A file or record that cannot be read is a reported skip
    (:attr:`SourceData.problems`); a value that fails its check is left out
    and reported; the rest imports.
    """
    state_code = normalize.state(state) if state else state_of(folder)
    assert state_code is not None
    scope = state_code.lower()
    data = SourceData(source=SOURCE, scope=scope, origin=str(folder))
    people: list[PersonRecord] = []
    handles: list[HandleRecord] = []
    leadership: list[LeadershipRecord] = []
    seen: dict[str, str] = {}
    for path in sorted((folder / "legislature").glob("*.y*ml")):
        with _guard(path, data.problems):
            ok, raw = read_yaml(path, data.problems)
            what = "an Open States person record (a mapping)"
            record = Fields.of(raw, str(path), data.problems, None, what) if ok else None
            if record is None:
                continue
            person = _person(record, state_code, today)
            if person is None:
                continue
            if person.id in seen:
                record.skip(
                    "id",
                    f"{person.id!r} is also the id in {seen[person.id]}; this file was skipped",
                )
                continue
            seen[person.id] = str(path)
            people.append(person)
            handles.extend(_handles(record, person.id, path))
            extras = record.child("extras")
            title = extras.text("title") if extras is not None else None
            if title and person.active:
                leadership.append(LeadershipRecord(person.id, title, person.chamber))
    for officer, title, accounts in _presiding_officers(folder, scope, today, data.problems):
        if officer.id in seen:
            continue
        seen[officer.id] = officer.id
        people.append(officer)
        handles.extend(accounts)
        leadership.append(LeadershipRecord(officer.id, title, LT_GOVERNOR_PRESIDES[scope]))
    data.people, data.handles, data.leadership = people, handles, leadership

    committees_dir = folder / "committees"
    if committees_dir.is_dir():
        parties = {p.id: (p.chamber, normalize.party_family(p.party)) for p in people if p.active}
        data.committees, data.members = _committees(committees_dir, scope, parties, data)
    return data


@contextmanager
def _guard(path: Path, problems: list[Problem]) -> Iterator[None]:
    """Turns anything unexpected while reading one file into a reported skip of that file.

    :class:`Fields` already reads every value defensively; this is the wall behind it,
    so that no record, however odd, can stop a whole import.
    """
    try:
        yield
    except Exception as exc:  # noqa: BLE001 (reported, and the import goes on)
        problems.append(
            Problem(
                SKIPPED,
                str(path),
                f"cannot read this record ({type(exc).__name__}: {str(exc)[:200]}); "
                "the file was skipped",
            )
        )


def _handles(record: Fields, person_id: str, path: Path) -> list[HandleRecord]:
    ids = record.child("ids")
    found = []
    for key, platform in _SOCIAL.items():
        handle = ids.contact(key, platform) if ids is not None else None
        if handle:
            found.append(HandleRecord(person_id, platform, handle, file=str(path)))
    return found


def _presiding_officers(
    folder: Path, scope: str, today: date, problems: list[Problem]
) -> list[tuple[PersonRecord, str, list[HandleRecord]]]:
    """The lieutenant governor in office, from ``executive/``, where they preside: the
    person, their leadership title and their handles."""
    chamber = LT_GOVERNOR_PRESIDES.get(scope)
    executive = folder / "executive"
    if chamber is None or not executive.is_dir():
        return []
    found: list[tuple[PersonRecord, str, list[HandleRecord]]] = []
    for path in sorted(executive.glob("*.y*ml")):
        with _guard(path, problems):
            ok, raw = read_yaml(path, problems)
            record = Fields.of(raw, str(path), problems, None, "a person record") if ok else None
            if record is None:
                continue
            person_id, name = record.text("id"), record.text("name")
            if person_id is None or name is None:
                continue
            roles = [
                r
                for r in record.children("roles")
                if r.text("type") == "lt_governor"
                and jurisdiction_code(r.text("jurisdiction")) in (scope, None)
                and _in_force(r, today)
            ]
            if not roles:
                continue
            record.person = person_label(name, person_id)
            role = max(roles, key=lambda r: as_date(r.raw.get("start_date")) or date.min)
            offices = record.children("offices")
            office = next((o for o in offices if o.text("classification") == "capitol"), None)
            office = office or (offices[0] if offices else None)
            links = [u for link in record.children("links") if (u := link.contact("url", "url"))]
            person = PersonRecord(
                id=person_id,
                jurisdiction=scope,
                name=name,
                given_name=record.text("given_name"),
                family_name=record.text("family_name"),
                title="Lt. Gov.",
                party=normalize.party(_current_party(record.children("party"), today)),
                state=scope.upper(),
                chamber=None,
                term_start=role.date("start_date"),
                term_end=role.date("end_date"),
                phone=office.contact("voice", "phone") if office is not None else None,
                email=record.contact("email", "email"),
                office_address=office.text("address", MAX_LONG_TEXT) if office else None,
                url=links[-1] if links else None,
            )
            found.append((person, _PRESIDING_TITLE[chamber], _handles(record, person_id, path)))
    return found


def _in_force(role: Fields, today: date) -> bool:
    start, end = as_date(role.raw.get("start_date")), as_date(role.raw.get("end_date"))
    return (start is None or start <= today) and (end is None or end >= today)


def _person(record: Fields, state_code: str, today: date) -> PersonRecord | None:
    """The person a record describes, or None after reporting why it was skipped."""
    person_id = record.person = record.text("id")
    name = record.text("name")
    record.person = person_id or name
    if person_id is None or name is None:
        missing = "id" if person_id is None else "name"
        record.skip(missing, f"no usable {missing!r}; this person was skipped")
        return None
    record.person = person_label(name, person_id)
    role = _current_role(record.children("roles"), state_code, today)
    if role is None:
        record.skip("roles", f"no legislative role in {state_code}; this person was skipped")
        return None
    try:
        chamber = normalize.chamber(role.text("type"))
    except ValueError as exc:
        role.skip("type", f"{exc}; this person was skipped")
        return None
    listed = tuple(_offices(record.children("offices")))
    office = next((o for o in listed if o.kind == "capitol"), listed[0] if listed else None)
    phone = office.phone if office is not None else None
    if phone is None:
        phone = next((o.phone for o in listed if o.phone), None)
    links = record.children("links")
    urls = [(link.text("note"), link.contact("url", "url")) for link in links]
    homepage = next((url for note, url in urls if note == "homepage" and url), None)
    first_url = next((url for _, url in urls if url), None)
    others = tuple(n for other in record.children("other_names") if (n := other.text("name")))
    term_end = role.date("end_date")
    return PersonRecord(
        id=person_id,
        jurisdiction=state_code.lower(),
        name=name,
        given_name=record.text("given_name"),
        family_name=record.text("family_name"),
        title=normalize.title(chamber, state_code, state_code.lower()),
        party=normalize.party(_current_party(record.children("party"), today)),
        state=state_code,
        chamber=chamber,
        district=normalize.district(role.text("district")),
        term_start=role.date("start_date"),
        term_end=term_end,
        phone=phone,
        email=record.contact("email", "email"),
        office_address=office.address if office is not None else None,
        url=homepage or first_url,
        photo_url=record.contact("image", "url"),
        offices=listed,
        other_names=others,
        active=term_end is None or term_end >= today,
    )


def _offices(offices: list[Fields]) -> Iterator[OfficeRecord]:
    """Each office with a phone or an address: ``capitol``, or ``district`` (``district``,
    ``district-mail``, any other classification), each value checked for its kind."""
    for office in offices:
        phone = office.contact("voice", "phone")
        address = office.text("address", MAX_LONG_TEXT)
        if phone is None and address is None:
            continue
        kind = "capitol" if office.text("classification") == "capitol" else "district"
        yield OfficeRecord(kind=kind, name=office.text("name"), phone=phone, address=address)


def _current_role(roles: list[Fields], state_code: str, today: date) -> Fields | None:
    """The legislative role in force today, else the latest one."""
    code = state_code.lower()
    legislative = [
        r
        for r in roles
        if r.text("type") in _LEGISLATIVE
        and jurisdiction_code(r.text("jurisdiction") or f"state:{code}/") == code
    ]
    if not legislative:
        return None

    def started(role: Fields) -> date:
        return as_date(role.raw.get("start_date")) or date.min

    current = [
        r for r in legislative if (end := as_date(r.raw.get("end_date"))) is None or end >= today
    ]
    if current:
        return max(current, key=started)
    return max(legislative, key=lambda r: as_date(r.raw.get("end_date")) or date.min)


def _current_party(parties: list[Fields], today: date) -> str | None:
    current = [
        p for p in parties if (end := as_date(p.raw.get("end_date"))) is None or end >= today
    ]
    chosen = current or parties
    return chosen[-1].text("name") if chosen else None


def _committees(
    folder: Path, scope: str, parties: dict[str, tuple[str | None, str | None]], data: SourceData
) -> tuple[list[CommitteeRecord], list[MemberRecord]]:
    """Committees and their seats. ``parties``: person id → (chamber, party family) of the
    legislators in office (a seat naming anyone else is skipped and counted)."""
    committees: list[CommitteeRecord] = []
    members: list[MemberRecord] = []
    unmatched = 0
    ids: set[str] = set()
    majorities = _majorities(parties)
    for path in sorted(folder.glob("*.y*ml")):
        with _guard(path, data.problems):
            ok, raw = read_yaml(path, data.problems)
            what = "an Open States committee record (a mapping)"
            record = Fields.of(raw, str(path), data.problems, None, what) if ok else None
            if record is None:
                continue
            committee = _committee(record, scope, ids)
            if committee is None:
                continue
            ids.add(committee.id)
            committees.append(committee)
            seats: dict[str, str | None] = {}
            for seat in record.children("members"):
                person_id = seat.text("person_id")
                if not person_id or person_id not in parties:
                    unmatched += 1
                    continue
                seats.setdefault(person_id, seat.text("role"))
            majority = majorities.get(committee.chamber) or majorities.get(None)
            members.extend(_seats(committee.id, seats, parties, majority))
    if unmatched:
        data.notes.append(
            f"{unmatched} committee seat(s) name no current legislator of {scope.upper()} "
            "and were skipped"
        )
    return committees, members


def _committee(record: Fields, scope: str, ids: set[str]) -> CommitteeRecord | None:
    """One committee file's committee, or None after reporting why it was skipped."""
    committee_id = record.person = record.text("id")
    name = record.text("name")
    record.person = committee_id or name
    if committee_id is None or name is None:
        missing = "id" if committee_id is None else "name"
        record.skip(missing, f"no usable {missing!r}; this committee was skipped")
        return None
    if committee_id in ids:
        record.skip("id", f"{committee_id!r} is listed twice; this file was skipped")
        return None
    record.person = f"committee {name} ({committee_id})"
    try:
        raw_chamber = record.text("chamber") or "legislature"
        if raw_chamber == "legislature":
            # The whole legislature: the one chamber of a unicameral one (Nebraska, DC's
            # Council), else a joint committee of both chambers.
            chamber = "legislature" if scope in normalize.UNICAMERAL else "joint"
        else:
            chamber = normalize.chamber(raw_chamber) or "joint"
    except ValueError as exc:
        record.skip("chamber", f"{exc}; this committee was skipped")
        return None
    word = _CHAMBER_WORD[chamber]
    aliases = [n for other in record.children("other_names") if (n := other.text("name"))]
    aliases.append(f"{word} {name}".strip())
    urls = [u for link in record.children("links") if (u := link.contact("url", "url"))]
    return CommitteeRecord(
        id=committee_id,
        jurisdiction=scope,
        chamber=chamber,
        name=name,
        parent_id=record.text("parent"),
        url=urls[0] if urls else None,
        aliases=tuple(aliases),
    )


def _majorities(parties: dict[str, tuple[str | None, str | None]]) -> dict[str | None, str]:
    """The party family holding most seats, per chamber (None: the whole legislature)."""
    counts: dict[str | None, dict[str, int]] = {}
    for chamber, family in parties.values():
        if family in {"D", "R"}:
            for key in (chamber, None):
                tally = counts.setdefault(key, {})
                tally[family] = tally.get(family, 0) + 1
    majorities: dict[str | None, str] = {}
    for key, tally in counts.items():
        ranked = sorted(tally.items(), key=lambda item: -item[1])
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            majorities[key] = ranked[0][0]
    return majorities


def _seats(
    committee_id: str,
    seats: dict[str, str | None],
    parties: dict[str, tuple[str | None, str | None]],
    majority: str | None,
) -> list[MemberRecord]:
    """The seats of one committee with canonical roles (the table in docs/directory.md).

    Party-named titles (Pennsylvania: "chair", "democratic chair", "republican
    vice chair") are settled per committee: the committee's majority is the
    party of its plain "chair" (else the chamber's majority party); the other
    party's "<party> chair" is the ranking (minority) chair, and its other
    party-named seats are members (the title is kept). The majority party's
    "<party> chair", on a committee with no plain chair, is the chair.
    """
    plain_chairs = [
        pid
        for pid, title in seats.items()
        if normalize.party_role(title) is None and normalize.role(title) == "chair"
    ]
    if plain_chairs:
        majority = parties[plain_chairs[0]][1] or majority
    found = []
    for person_id, title in seats.items():
        role = normalize.role(title)
        named = normalize.party_role(title)
        side = None
        if named in {"D", "R"}:
            side = "majority" if named == majority and majority is not None else "minority"
            if side == "minority" or (plain_chairs and role == "chair"):
                side = "minority"
                role = "ranking member" if role == "chair" else "member"
        elif named in {"majority", "minority"}:
            side = named
        found.append(MemberRecord(committee_id, person_id, role, title, side=side))
    return found
