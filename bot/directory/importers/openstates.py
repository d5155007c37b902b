"""State legislators from Open States people data (``openstates/people``).

A state folder, as in that repository's ``data/<state>/``, holds
``legislature/*.yml`` (one file per current legislator, Open States person
schema) and ``committees/*.yml`` (committees whose ``members:`` name
``person_id``s). Social accounts sit under a person's ``ids:`` (``twitter``,
``facebook``, ``instagram``, ``youtube``); Open States does not say whether
an account is official or a campaign's, so their kind is left unknown.
A legislator's ``extras.title`` (``Majority Leader``, ``Speaker Pro Tempore``)
is kept as a leadership role.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.directory import normalize
from bot.directory.importers.fields import MAX_LONG_TEXT, Fields, person_label, read_yaml
from bot.directory.importers.records import (
    CommitteeRecord,
    DirectoryImportError,
    HandleRecord,
    LeadershipRecord,
    MemberRecord,
    PersonRecord,
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
        ids = record.child("ids")
        for key, platform in _SOCIAL.items():
            handle = ids.contact(key, platform) if ids is not None else None
            if handle:
                handles.append(HandleRecord(person.id, platform, handle, file=str(path)))
        extras = record.child("extras")
        title = extras.text("title") if extras is not None else None
        if title:
            leadership.append(LeadershipRecord(person.id, title, person.chamber))
    data.people, data.handles, data.leadership = people, handles, leadership

    committees_dir = folder / "committees"
    if committees_dir.is_dir():
        known = {person.id for person in people}
        data.committees, data.members = _committees(committees_dir, scope, known, data)
    return data


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
    offices = record.children("offices")
    capitol = next((o for o in offices if o.text("classification") == "capitol"), None)
    office = capitol or (offices[0] if offices else None)
    phone = office.contact("voice", "phone") if office is not None else None
    if phone is None:
        phone = next(
            (v for o in offices if o is not office and (v := o.contact("voice", "phone"))), None
        )
    links = record.children("links")
    urls = [(link.text("note"), link.contact("url", "url")) for link in links]
    homepage = next((url for note, url in urls if note == "homepage" and url), None)
    first_url = next((url for _, url in urls if url), None)
    others = tuple(n for other in record.children("other_names") if (n := other.text("name")))
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
        term_end=role.date("end_date"),
        phone=phone,
        email=record.contact("email", "email"),
        office_address=office.text("address", MAX_LONG_TEXT) if office is not None else None,
        url=homepage or first_url,
        other_names=others,
    )


def _current_role(roles: list[Fields], state_code: str, today: date) -> Fields | None:
    """The legislative role in force today, else the latest one."""
    marker = f"state:{state_code.lower()}/"
    legislative = [
        r
        for r in roles
        if r.text("type") in {"upper", "lower", "legislature"}
        and marker in (r.text("jurisdiction") or marker)
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
    folder: Path, scope: str, known: set[str], data: SourceData
) -> tuple[list[CommitteeRecord], list[MemberRecord]]:
    committees: list[CommitteeRecord] = []
    members: list[MemberRecord] = []
    unmatched = 0
    ids: set[str] = set()
    for path in sorted(folder.glob("*.y*ml")):
        ok, raw = read_yaml(path, data.problems)
        what = "an Open States committee record (a mapping)"
        record = Fields.of(raw, str(path), data.problems, None, what) if ok else None
        if record is None:
            continue
        committee_id = record.person = record.text("id")
        name = record.text("name")
        record.person = committee_id or name
        if committee_id is None or name is None:
            missing = "id" if committee_id is None else "name"
            record.skip(missing, f"no usable {missing!r}; this committee was skipped")
            continue
        if committee_id in ids:
            record.skip("id", f"{committee_id!r} is listed twice; this file was skipped")
            continue
        record.person = f"committee {name} ({committee_id})"
        try:
            raw_chamber = record.text("chamber") or "legislature"
            chamber = "joint" if raw_chamber == "legislature" else normalize.chamber(raw_chamber)
        except ValueError as exc:
            record.skip("chamber", f"{exc}; this committee was skipped")
            continue
        assert chamber is not None
        ids.add(committee_id)
        word = _CHAMBER_WORD[chamber]
        aliases = [n for other in record.children("other_names") if (n := other.text("name"))]
        aliases.append(f"{word} {name}".strip())
        urls = [u for link in record.children("links") if (u := link.contact("url", "url"))]
        committees.append(
            CommitteeRecord(
                id=committee_id,
                jurisdiction=scope,
                chamber=chamber,
                name=name,
                parent_id=record.text("parent"),
                url=urls[0] if urls else None,
                aliases=tuple(aliases),
            )
        )
        seen: set[str] = set()
        for seat in record.children("members"):
            person_id = seat.text("person_id")
            if not person_id or person_id not in known:
                unmatched += 1
                continue
            if person_id in seen:
                continue
            seen.add(person_id)
            role = seat.text("role")
            members.append(
                MemberRecord(
                    committee_id=committee_id,
                    person_id=person_id,
                    role=normalize.role(role),
                    title=role,
                )
            )
    if unmatched:
        data.notes.append(
            f"{unmatched} committee seat(s) name no current legislator of {scope.upper()} "
            "and were skipped"
        )
    return committees, members
