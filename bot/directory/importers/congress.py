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

import json
from collections.abc import Mapping
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

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def file_kind(path: Path) -> str | None:
    """Which of :data:`FILES` ``path`` is (``legislators-current.yaml`` → its stem), or None."""
    if path.suffix.lower() not in {".yaml", ".yml", ".json"}:
        return None
    return path.stem if path.stem in FILES else None


def load_file(path: Path) -> Any:
    """Parse one YAML or JSON file; :class:`DirectoryImportError` naming it if that fails."""
    try:
        with path.open("rb") as handle:
            if path.suffix.lower() == ".json":
                return json.load(handle)
            return yaml.load(handle, Loader=_Loader)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise DirectoryImportError(f"{path}: cannot read it: {exc}") from exc


def read(files: Mapping[str, Path], today: date) -> SourceData:
    """Read the given congress-legislators files (kind → path) into a :class:`SourceData`."""
    origin = ", ".join(str(files[kind]) for kind in FILES if kind in files)
    data = SourceData(source=SOURCE, scope="us", origin=origin)
    if "legislators-current" in files:
        people, leadership = _people(load_file(files["legislators-current"]), today)
        data.people, data.leadership = people, leadership
    if "legislators-social-media" in files:
        data.handles = _handles(load_file(files["legislators-social-media"]))
    if "committees-current" in files:
        data.committees = _committees(load_file(files["committees-current"]))
    if "committee-membership-current" in files:
        data.members = _members(load_file(files["committee-membership-current"]))
    return data


def _expect_list(value: object, what: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise DirectoryImportError(f"{what}: expected a list of entries")
    return value


def _people(raw: object, today: date) -> tuple[list[PersonRecord], list[LeadershipRecord]]:
    people: list[PersonRecord] = []
    leadership: list[LeadershipRecord] = []
    for entry in _expect_list(raw, "legislators-current"):
        try:
            bioguide = entry["id"]["bioguide"]
            names = entry["name"]
            term = entry["terms"][-1]
        except (KeyError, IndexError, TypeError) as exc:
            raise DirectoryImportError(
                f"legislators-current: an entry lacks id.bioguide, name or terms ({exc})"
            ) from None
        first, last = names.get("first", ""), names.get("last", "")
        nickname, suffix = names.get("nickname"), names.get("suffix")
        full = names.get("official_full") or " ".join(
            part for part in (nickname or first, last, suffix) if part
        )
        chamber = "senate" if term.get("type") == "sen" else "house"
        state = term.get("state")
        others = {f"{first} {last}", f"{nickname} {last}" if nickname else ""}
        people.append(
            PersonRecord(
                id=bioguide,
                jurisdiction="us",
                name=full,
                given_name=nickname or first or None,
                family_name=last or None,
                title=normalize.title(chamber, state, "us"),
                party=normalize.party(term.get("party")),
                state=state,
                chamber=chamber,
                district=normalize.district(term.get("district")) if chamber == "house" else None,
                term_start=as_date(term.get("start")),
                term_end=as_date(term.get("end")),
                phone=term.get("phone"),
                contact_form=term.get("contact_form"),
                office_address=term.get("address"),
                url=term.get("url"),
                other_names=tuple(sorted(n for n in others if n and n != full)),
            )
        )
        for role in entry.get("leadership_roles") or ():
            start, end = as_date(role.get("start")), as_date(role.get("end"))
            if (start is None or start <= today) and (end is None or end > today):
                leadership.append(
                    LeadershipRecord(
                        person_id=bioguide,
                        title=role["title"],
                        chamber=normalize.chamber(role["chamber"]) if role.get("chamber") else None,
                        start=start,
                        end=end,
                    )
                )
    return people, leadership


def _handles(raw: object) -> list[HandleRecord]:
    handles: list[HandleRecord] = []
    for entry in _expect_list(raw, "legislators-social-media"):
        bioguide = (entry.get("id") or {}).get("bioguide")
        social = entry.get("social") or {}
        if not bioguide:
            continue
        for key, (platform, id_key) in _SOCIAL.items():
            value = social.get(key)
            platform_id = social.get(id_key) if id_key else None
            if not value and platform == "youtube" and platform_id:
                value = platform_id
            if not value:
                continue
            handle = str(value).strip()
            if platform in {"mastodon", "x", "bluesky"}:
                handle = handle.lstrip("@")
            handles.append(
                HandleRecord(
                    person_id=bioguide,
                    platform=platform,
                    handle=handle,
                    platform_id=str(platform_id) if platform_id else None,
                    kind="official",  # the project lists official accounts only
                )
            )
    return handles


def _committees(raw: object) -> list[CommitteeRecord]:
    committees: list[CommitteeRecord] = []
    for entry in _expect_list(raw, "committees-current"):
        thomas_id, name = entry.get("thomas_id"), entry.get("name")
        if not thomas_id or not name:
            raise DirectoryImportError("committees-current: an entry lacks thomas_id or name")
        chamber = entry.get("type", "joint")
        chamberless = _without_chamber(name)
        committees.append(
            CommitteeRecord(
                id=thomas_id,
                jurisdiction="us",
                chamber=chamber,
                name=name,
                url=entry.get("url"),
                aliases=(chamberless,) if chamberless != name else (),
            )
        )
        for sub in entry.get("subcommittees") or ():
            sub_name = sub["name"]
            committees.append(
                CommitteeRecord(
                    id=f"{thomas_id}{sub['thomas_id']}",
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


def _members(raw: object) -> list[MemberRecord]:
    if not isinstance(raw, dict):
        raise DirectoryImportError(
            "committee-membership-current: expected a mapping of committee ids to members"
        )
    members: list[MemberRecord] = []
    for committee_id, seats in raw.items():
        for seat in seats or ():
            bioguide = seat.get("bioguide")
            if not bioguide:
                continue
            members.append(
                MemberRecord(
                    committee_id=str(committee_id),
                    person_id=bioguide,
                    role=normalize.role(seat.get("title")),
                    title=seat.get("title"),
                    rank=seat.get("rank"),
                    side=seat.get("party"),
                )
            )
    return members
