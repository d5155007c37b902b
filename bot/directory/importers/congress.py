"""Members of Congress from ``unitedstates/congress-legislators``.

Reads the four files the project publishes (YAML, or the same data as JSON):

``legislators-current``            people, their current term, leadership roles
``legislators-social-media``       official accounts (joined on ``id.bioguide``)
``committees-current``             committees and subcommittees (``thomas_id``)
``committee-membership-current``   seats, keyed by committee ``thomas_id``
                                   (a subcommittee appends its own id: ``SSAF13``)

Any subset may be given; parts not given are left alone in the directory.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from bot.directory import contact, normalize
from bot.directory.importers.fields import MAX_LONG_TEXT, Fields, person_label, read_yaml
from bot.directory.importers.records import (
    SKIPPED,
    CommitteeRecord,
    HandleRecord,
    LeadershipRecord,
    MemberRecord,
    OfficeRecord,
    PersonRecord,
    Problem,
    SourceData,
)

SOURCE = "congress-legislators"

#: The files this importer reads, by name without extension.
FILES = (
    "legislators-current",
    "legislators-social-media",
    "committees-current",
    "committee-membership-current",
)

_SOCIAL = {
    # source key -> (platform, key of the numeric id)
    "twitter": ("x", "twitter_id"),
    "facebook": ("facebook", None),
    "bluesky": ("bluesky", None),
    "mastodon": ("mastodon", None),
    "instagram": ("instagram", "instagram_id"),
    "youtube": ("youtube", "youtube_id"),
}


def file_kind(path: Path) -> str | None:
    """Which of :data:`FILES` ``path`` is (``legislators-current.yaml`` → its stem), or None."""
    if path.suffix.lower() not in {".yaml", ".yml", ".json"}:
        return None
    return path.stem if path.stem in FILES else None


def read(files: Mapping[str, Path], today: date) -> SourceData:
    """Read the given congress-legislators files (kind → path) into a :class:`SourceData`.

    A file that cannot be read (or is over the YAML budget) is a reported skip
    and its part is left alone in the directory; so is each malformed entry.
    """
    origin = ", ".join(str(files[kind]) for kind in FILES if kind in files)
    data = SourceData(source=SOURCE, scope="us", origin=origin)
    parsed: dict[str, Any] = {}
    for kind in FILES:
        if kind in files:
            ok, raw = read_yaml(files[kind], data.problems)
            if ok:
                parsed[kind] = raw
    if "legislators-current" in parsed:
        path = str(files["legislators-current"])
        found = _people(parsed["legislators-current"], path, data.problems, today)
        if found is not None:
            data.people, data.leadership = found
    names = {person.id: person_label(person.name, person.id) for person in data.people or ()}
    if "legislators-social-media" in parsed:
        path = str(files["legislators-social-media"])
        data.handles = _handles(parsed["legislators-social-media"], path, data.problems, names)
    if "committees-current" in parsed:
        path = str(files["committees-current"])
        data.committees = _committees(parsed["committees-current"], path, data.problems)
    if "committee-membership-current" in parsed:
        path = str(files["committee-membership-current"])
        data.members = _members(parsed["committee-membership-current"], path, data.problems)
    return data


def _entries(raw: object, file: str, problems: list[Problem]) -> list[Fields] | None:
    """The file's entries (a list of mappings); None after reporting a file that is not one."""
    if not isinstance(raw, list):
        problems.append(Problem(SKIPPED, file, "expected a list of entries; the file was skipped"))
        return None
    return [
        fields
        for index, item in enumerate(raw)
        if (fields := Fields.of(item, file, problems, f"entry {index + 1}")) is not None
    ]


def _people(
    raw: object, file: str, problems: list[Problem], today: date
) -> tuple[list[PersonRecord], list[LeadershipRecord]] | None:
    entries = _entries(raw, file, problems)
    if entries is None:
        return None
    people: list[PersonRecord] = []
    leadership: list[LeadershipRecord] = []
    for index, entry in enumerate(entries):
        person = _person(entry, index, today)
        if person is None:
            continue
        people.append(person)
        for role in entry.children("leadership_roles"):
            start, end = role.date("start"), role.date("end")
            title = role.text("title")
            if not title or not (
                (start is None or start <= today) and (end is None or end > today)
            ):
                continue
            try:
                chamber = normalize.chamber(role.text("chamber"))
            except ValueError as exc:
                role.report("chamber", f"{exc}; ignored")
                chamber = None
            leadership.append(LeadershipRecord(person.id, title, chamber, start, end))
    return people, leadership


def _person(entry: Fields, index: int, today: date) -> PersonRecord | None:
    """One member of Congress, or None after reporting why the entry was skipped.

    A member whose last term has ended (an appointed senator whose seat was filled at
    an election) is read as not in office, though the file still lists them.
    """
    ids, names = entry.child("id"), entry.child("name")
    bioguide = ids.text("bioguide") if ids is not None else None
    terms = entry.children("terms")
    where = f"entry {index + 1}"
    if ids is None or bioguide is None or names is None or not terms:
        missing = "id.bioguide" if bioguide is None else "name" if names is None else "terms"
        entry.skip(missing, f"{where} has no usable {missing}; this person was skipped")
        return None
    first, last = names.text("first") or "", names.text("last") or ""
    nickname, suffix = names.text("nickname"), names.text("suffix")
    full = names.text("official_full") or " ".join(
        part for part in (nickname or first, last, suffix) if part
    )
    if not full:
        entry.skip("name", f"{where} ({bioguide}) has no usable name; this person was skipped")
        return None
    entry.person = person_label(full, bioguide)
    term = terms[-1]
    for part in (ids, names, term):
        part.person = entry.person
    chamber = "senate" if term.text("type") == "sen" else "house"
    try:
        state = normalize.state(term.text("state"))
    except ValueError as exc:
        term.skip("state", f"{exc}; this person was skipped")
        return None
    others = {f"{first} {last}", f"{nickname} {last}" if nickname else ""}
    term_end = term.date("end")
    phone, address = term.contact("phone", "phone"), term.text("address", MAX_LONG_TEXT)
    return PersonRecord(
        id=bioguide,
        jurisdiction="us",
        name=full,
        given_name=nickname or first or None,
        family_name=last or None,
        title=normalize.title(chamber, state, "us"),
        party=normalize.party(term.text("party")),
        state=state,
        chamber=chamber,
        district=normalize.district(term.text("district")) if chamber == "house" else None,
        term_start=term.date("start"),
        term_end=term_end,
        active=term_end is None or term_end >= today,
        phone=phone,
        contact_form=term.contact("contact_form", "url"),
        office_address=address,
        url=term.contact("url", "url"),
        photo_url=congress_photo_url(bioguide),
        offices=(
            (OfficeRecord("capitol", "Washington office", phone, address),)
            if phone or address
            else ()
        ),
        other_names=tuple(sorted(n for n in others if n.strip() and n != full)),
    )


#: Official portraits of members of Congress, by bioguide id (github.com/unitedstates/images,
#: public domain: the congressional pictorial directory and members' official photos).
CONGRESS_PHOTOS = "https://unitedstates.github.io/images/congress/225x275/{bioguide}.jpg"


def congress_photo_url(bioguide: str) -> str | None:
    """The official portrait's URL for a bioguide id (one capital letter, six digits)."""
    if not re.fullmatch(r"[A-Z]\d{6}", bioguide):
        return None
    return CONGRESS_PHOTOS.format(bioguide=bioguide)


def _handles(
    raw: object, file: str, problems: list[Problem], names: Mapping[str, str]
) -> list[HandleRecord] | None:
    entries = _entries(raw, file, problems)
    if entries is None:
        return None
    handles: list[HandleRecord] = []
    for index, entry in enumerate(entries):
        ids = entry.child("id")
        bioguide = ids.text("bioguide") if ids is not None else None
        if not bioguide:
            entry.skip(
                "id.bioguide",
                f"entry {index + 1} has no usable id.bioguide; this entry was skipped",
            )
            continue
        entry.person = names.get(bioguide, bioguide)
        social = entry.child("social")
        if social is None:
            continue
        social.person = entry.person
        for key, (platform, id_key) in _SOCIAL.items():
            platform_id = social.text(id_key) if id_key else None
            if platform_id is not None and not platform_id.isdigit() and platform != "youtube":
                social.report(id_key or key, f"{platform_id!r} is not a numeric id; ignored")
                platform_id = None
            if social.has(key):
                handle = social.contact(key, platform)
            elif platform == "youtube" and platform_id:
                handle = contact.valid_handle("youtube", platform_id)
            else:
                handle = None
            if not handle:
                continue
            handles.append(
                HandleRecord(
                    person_id=bioguide,
                    platform=platform,
                    handle=handle,
                    platform_id=platform_id,
                    kind="official",  # the project lists official accounts only
                    file=file,
                )
            )
    return handles


def _committees(raw: object, file: str, problems: list[Problem]) -> list[CommitteeRecord] | None:
    entries = _entries(raw, file, problems)
    if entries is None:
        return None
    committees: list[CommitteeRecord] = []
    for index, entry in enumerate(entries):
        thomas_id, name = entry.text("thomas_id"), entry.text("name")
        if not thomas_id or not name:
            missing = "thomas_id" if not thomas_id else "name"
            entry.skip(
                missing, f"entry {index + 1} has no usable {missing}; this committee was skipped"
            )
            continue
        entry.person = f"committee {name} ({thomas_id})"
        chamber = entry.text("type") or "joint"
        if chamber not in {"senate", "house", "joint"}:
            entry.skip(
                "type", f"{chamber!r} is not senate, house or joint; this committee was skipped"
            )
            continue
        chamberless = _without_chamber(name)
        committees.append(
            CommitteeRecord(
                id=thomas_id,
                jurisdiction="us",
                chamber=chamber,
                name=name,
                url=entry.contact("url", "url"),
                aliases=(chamberless,) if chamberless != name else (),
            )
        )
        for sub in entry.children("subcommittees"):
            sub_id, sub_name = sub.text("thomas_id"), sub.text("name")
            if not sub_id or not sub_name:
                sub.skip(
                    "name" if sub_id else "thomas_id", "missing; this subcommittee was skipped"
                )
                continue
            committees.append(
                CommitteeRecord(
                    id=f"{thomas_id}{sub_id}",
                    jurisdiction="us",
                    chamber=chamber,
                    name=sub_name,
                    parent_id=thomas_id,
                    aliases=(
                        f"{name} {sub_name}",
                        f"{chamberless} {sub_name}",
                    ),
                )
            )
    return committees


def _without_chamber(name: str) -> str:
    """``Senate Committee on the Judiciary`` → ``Committee on the Judiciary``."""
    for word in ("Senate ", "House ", "Joint "):
        if name.startswith(word):
            return name[len(word) :]
    return name


def _members(raw: object, file: str, problems: list[Problem]) -> list[MemberRecord] | None:
    if not isinstance(raw, dict):
        problems.append(
            Problem(
                SKIPPED,
                file,
                "expected a mapping of committee ids to members; the file was skipped",
            )
        )
        return None
    members: list[MemberRecord] = []
    for committee_id, seats in raw.items():
        if not isinstance(seats, list):
            if seats is not None:
                problems.append(
                    Problem(
                        SKIPPED, file, "must be a list of seats; skipped", field=str(committee_id)
                    )
                )
            continue
        for index, item in enumerate(seats):
            seat = Fields.of(item, file, problems, f"{committee_id}[{index}]")
            if seat is None:
                continue
            seat.prefix = f"{committee_id}[{index}]."
            bioguide = seat.text("bioguide")
            if not bioguide:
                continue
            title = seat.text("title")
            side = seat.text("party")
            members.append(
                MemberRecord(
                    committee_id=str(committee_id),
                    person_id=bioguide,
                    role=normalize.role(title),
                    title=title,
                    rank=seat.number("rank"),
                    side=side if side in {"majority", "minority"} else None,
                )
            )
    return members
