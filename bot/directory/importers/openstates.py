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
from typing import Any

import yaml

from bot.directory import normalize
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

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


def _load(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            value = yaml.load(handle, Loader=_Loader)
    except (OSError, yaml.YAMLError) as exc:
        raise DirectoryImportError(f"{path}: cannot read it: {exc}") from exc
    if not isinstance(value, dict):
        raise DirectoryImportError(f"{path}: expected a mapping (an Open States record)")
    return value


def read(folder: Path, today: date, state: str | None = None) -> SourceData:
    """Read one state folder into a :class:`SourceData` (scope: the state's lowercase code)."""
    state_code = normalize.state(state) if state else state_of(folder)
    assert state_code is not None
    scope = state_code.lower()
    data = SourceData(source=SOURCE, scope=scope, origin=str(folder))
    people: list[PersonRecord] = []
    handles: list[HandleRecord] = []
    leadership: list[LeadershipRecord] = []
    for path in sorted((folder / "legislature").glob("*.y*ml")):
        record = _load(path)
        person = _person(record, state_code, today, path)
        people.append(person)
        for key, platform in _SOCIAL.items():
            value = (record.get("ids") or {}).get(key)
            if value:
                handle = str(value).strip()
                if platform in {"x", "bluesky", "mastodon"}:
                    handle = handle.lstrip("@")
                handles.append(HandleRecord(person.id, platform, handle))
        title = (record.get("extras") or {}).get("title")
        if isinstance(title, str) and title.strip():
            leadership.append(LeadershipRecord(person.id, title.strip(), person.chamber))
    data.people, data.handles, data.leadership = people, handles, leadership

    committees_dir = folder / "committees"
    if committees_dir.is_dir():
        known = {person.id for person in people}
        data.committees, data.members = _committees(committees_dir, scope, known, data.notes)
    return data


def _person(record: dict[str, Any], state_code: str, today: date, path: Path) -> PersonRecord:
    try:
        person_id, name = record["id"], record["name"]
    except KeyError as exc:
        raise DirectoryImportError(f"{path}: no {exc.args[0]!r}") from None
    role = _current_role(record.get("roles") or [], state_code, today)
    if role is None:
        raise DirectoryImportError(f"{path}: no legislative role in {state_code}")
    chamber = normalize.chamber(role.get("type"))
    offices = record.get("offices") or []
    capitol = next((o for o in offices if o.get("classification") == "capitol"), None)
    office = capitol or (offices[0] if offices else {})
    phone = office.get("voice") or next((o["voice"] for o in offices if o.get("voice")), None)
    links = record.get("links") or []
    homepage = next((link["url"] for link in links if link.get("note") == "homepage"), None)
    others = tuple(other["name"] for other in record.get("other_names") or () if other.get("name"))
    return PersonRecord(
        id=person_id,
        jurisdiction=state_code.lower(),
        name=name,
        given_name=record.get("given_name"),
        family_name=record.get("family_name"),
        title=normalize.title(chamber, state_code, state_code.lower()),
        party=normalize.party(_current_party(record.get("party") or [], today)),
        state=state_code,
        chamber=chamber,
        district=normalize.district(role.get("district")),
        term_start=as_date(role.get("start_date")),
        term_end=as_date(role.get("end_date")),
        phone=phone,
        email=record.get("email"),
        office_address=office.get("address"),
        url=homepage or (links[0]["url"] if links else None),
        other_names=others,
    )


def _current_role(
    roles: list[dict[str, Any]], state_code: str, today: date
) -> dict[str, Any] | None:
    """The legislative role in force today, else the latest one."""
    marker = f"state:{state_code.lower()}/"
    legislative = [
        r
        for r in roles
        if r.get("type") in {"upper", "lower", "legislature"}
        and marker in str(r.get("jurisdiction", marker))
    ]
    if not legislative:
        return None

    def started(role: dict[str, Any]) -> date:
        return as_date(role.get("start_date")) or date.min

    current = [
        r for r in legislative if (end := as_date(r.get("end_date"))) is None or end >= today
    ]
    if current:
        return max(current, key=started)
    return max(legislative, key=lambda r: as_date(r.get("end_date")) or date.min)


def _current_party(parties: list[dict[str, Any]], today: date) -> str | None:
    current = [p for p in parties if (end := as_date(p.get("end_date"))) is None or end >= today]
    chosen = current or parties
    return chosen[-1].get("name") if chosen else None


def _committees(
    folder: Path, scope: str, known: set[str], notes: list[str]
) -> tuple[list[CommitteeRecord], list[MemberRecord]]:
    committees: list[CommitteeRecord] = []
    members: list[MemberRecord] = []
    unmatched = 0
    for path in sorted(folder.glob("*.y*ml")):
        record = _load(path)
        try:
            committee_id, name = record["id"], record["name"]
        except KeyError as exc:
            raise DirectoryImportError(f"{path}: no {exc.args[0]!r}") from None
        raw_chamber = record.get("chamber", "legislature")
        chamber = "joint" if raw_chamber == "legislature" else normalize.chamber(raw_chamber)
        assert chamber is not None
        word = _CHAMBER_WORD[chamber]
        aliases = [other["name"] for other in record.get("other_names") or () if other.get("name")]
        aliases.append(f"{word} {name}".strip())
        links = record.get("links") or []
        committees.append(
            CommitteeRecord(
                id=committee_id,
                jurisdiction=scope,
                chamber=chamber,
                name=name,
                parent_id=record.get("parent"),
                url=links[0]["url"] if links else None,
                aliases=tuple(aliases),
            )
        )
        seen: set[str] = set()
        for seat in record.get("members") or ():
            person_id = seat.get("person_id")
            if not person_id or person_id not in known:
                unmatched += 1
                continue
            if person_id in seen:
                continue
            seen.add(person_id)
            members.append(
                MemberRecord(
                    committee_id=committee_id,
                    person_id=person_id,
                    role=normalize.role(seat.get("role")),
                    title=seat.get("role"),
                )
            )
    if unmatched:
        notes.append(
            f"{unmatched} committee seat(s) name no current legislator of {scope.upper()} "
            "and were skipped"
        )
    return committees, members
