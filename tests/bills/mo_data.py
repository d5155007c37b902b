"""Open States API v3 answers for a Missouri bill, built from its schema around real people.

The bill (SB 792, session 2026) is made up; its sponsors, committees and their
ids are real, read from ``shared/data/openstates/mo`` (people and committee
files), so they join the directory the way real API answers would.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

FAMILIES = "ocd-organization/b0dfdb7e-cfbc-450a-82cf-ef83b7426292"  # Families, Seniors and Health
JUDICIARY = "ocd-organization/61204c6c-78c5-4ab9-a676-057a02628079"  # Judiciary and Civil ...
SENATE = {"id": "ocd-organization/mo-senate", "name": "Senate", "classification": "upper"}
HOUSE = {"id": "ocd-organization/mo-house", "name": "House", "classification": "lower"}
JURISDICTION = {
    "id": "ocd-jurisdiction/country:us/state:mo/government",
    "name": "Missouri",
    "classification": "state",
}


@cache
def committee(folder: Path, committee_id: str) -> dict[str, Any]:
    uuid = committee_id.rsplit("/", 1)[1]
    path = next((folder / "committees").glob(f"*{uuid}.yml"))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def person(folder: Path, person_id: str) -> dict[str, Any]:
    uuid = person_id.rsplit("/", 1)[1]
    path = next((folder / "legislature").glob(f"*{uuid}.yml"))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def members(folder: Path, committee_id: str) -> list[str]:
    """The committee's members' ``ocd-person`` ids, in file order."""
    return [m["person_id"] for m in committee(folder, committee_id)["members"]]


def compact_person(folder: Path, person_id: str) -> dict[str, Any]:
    """A ``CompactPerson`` for a real legislator."""
    data = person(folder, person_id)
    role = data["roles"][0]
    return {
        "id": data["id"],
        "name": data["name"],
        "party": data["party"][0]["name"],
        "current_role": {
            "title": "Senator" if role["type"] == "upper" else "Representative",
            "org_classification": role["type"],
            "district": role.get("district"),
            "division_id": f"ocd-division/country:us/state:mo/sld{role['type'][0]}:"
            f"{role.get('district')}",
        },
    }


def sponsorship(folder: Path, person_id: str, primary: bool) -> dict[str, Any]:
    data = person(folder, person_id)
    return {
        "id": "00000000-0000-4000-8000-" + person_id.rsplit("-", 1)[1],
        "name": data["family_name"].upper() if data.get("family_name") else data["name"],
        "entity_type": "person",
        "organization": None,
        "person": compact_person(folder, person_id),
        "primary": primary,
        "classification": "primary" if primary else "cosponsor",
    }


def cast(folder: Path) -> dict[str, Any]:
    """Who plays which part: sponsor and a cosponsor on Families, and a cosponsor off it."""
    families = members(folder, FAMILIES)
    off = [p for p in members(folder, JUDICIARY) if p not in families]
    return {"sponsor": families[0], "cosponsors": [families[1], off[0]], "families": families}


def action(
    order: int,
    day: str,
    description: str,
    classification: list[str],
    chamber: dict[str, Any] = SENATE,
    committee_ids: tuple[str, ...] = (),
    folder: Path | None = None,
) -> dict[str, Any]:
    related = []
    for committee_id in committee_ids:
        name = committee(folder, committee_id)["name"] if folder else committee_id
        related.append(
            {
                "name": name,
                "entity_type": "organization",
                "organization": {"id": committee_id, "name": name, "classification": "committee"},
                "person": None,
            }
        )
    return {
        "id": f"10000000-0000-4000-8000-{order:012d}",
        "organization": chamber,
        "description": description,
        "date": day,
        "classification": classification,
        "order": order,
        "related_entities": related,
    }


def bill(folder: Path, *, committee_id: str = FAMILIES) -> dict[str, Any]:
    """SB 792 in the Missouri Senate, referred to ``committee_id``."""
    people = cast(folder)
    return {
        "id": "ocd-bill/5a1d3c0e-7e11-4f0e-9c55-2b8e2f6c0792",
        "session": "2026",
        "jurisdiction": JURISDICTION,
        "from_organization": SENATE,
        "identifier": "SB 792",
        "title": "Modifies provisions relating to expungement for victims of human trafficking",
        "classification": ["bill"],
        "subject": [],
        "extras": {},
        "created_at": "2026-01-07T10:00:00+00:00",
        "updated_at": "2026-01-15T18:00:00+00:00",
        "openstates_url": "https://openstates.org/mo/bills/2026/SB792/",
        "first_action_date": "2026-01-07",
        "latest_action_date": "2026-01-15",
        "latest_action_description": "Second Read and Referred",
        "sponsorships": [
            sponsorship(folder, people["sponsor"], True),
            *(sponsorship(folder, p, False) for p in people["cosponsors"]),
        ],
        "actions": [
            action(0, "2026-01-07", "Prefiled", ["filing"]),
            action(1, "2026-01-07", "S First Read", ["introduction", "reading-1"]),
            action(
                2,
                "2026-01-15",
                "Second Read and Referred S Committee",
                ["reading-2", "referral-committee"],
                committee_ids=(committee_id,),
                folder=folder,
            ),
        ],
    }


def hearing_event(folder: Path, event_id: str, start: str, committee_id: str = FAMILIES) -> dict:
    """An Open States ``Event`` whose agenda lists SB 792 (session 2026)."""
    name = committee(folder, committee_id)["name"]
    return {
        "id": f"ocd-event/{event_id}",
        "name": f"Senate {name} hearing",
        "jurisdiction": JURISDICTION,
        "description": "",
        "classification": "committee-meeting",
        "start_date": start,
        "end_date": "",
        "all_day": False,
        "status": "tentative",
        "upstream_id": event_id,
        "deleted": False,
        "location": {"name": "Senate Lounge", "url": ""},
        "links": [{"url": "https://www.senate.mo.gov/hearingsschedule/hrings.htm", "note": ""}],
        "participants": [
            {
                "note": "host",
                "name": name,
                "entity_type": "organization",
                "organization": {"id": committee_id, "name": name, "classification": "committee"},
                "person": None,
            }
        ],
        "agenda": [
            {
                "description": "SB 792",
                "classification": [],
                "order": 0,
                "subjects": [],
                "notes": [],
                "extras": {},
                "related_entities": [
                    {
                        "note": "consideration",
                        "name": "SB 792",
                        "entity_type": "bill",
                        "organization": None,
                        "person": None,
                        "bill": {
                            "id": "ocd-bill/5a1d3c0e-7e11-4f0e-9c55-2b8e2f6c0792",
                            "session": "2026",
                            "identifier": "SB 792",
                            "title": "Expungement",
                        },
                        "vote": None,
                    }
                ],
                "media": [],
            }
        ],
    }


def other_event(event_id: str, start: str, identifier: str) -> dict[str, Any]:
    """An event about another bill (filler for paging)."""
    return {
        "id": f"ocd-event/{event_id}",
        "name": "Other hearing",
        "jurisdiction": JURISDICTION,
        "description": "",
        "classification": "committee-meeting",
        "start_date": start,
        "end_date": "",
        "all_day": False,
        "status": "tentative",
        "upstream_id": event_id,
        "deleted": False,
        "location": None,
        "participants": [],
        "agenda": [
            {
                "description": identifier,
                "classification": [],
                "order": 0,
                "subjects": [],
                "notes": [],
                "extras": {},
                "related_entities": [
                    {
                        "note": "",
                        "name": identifier,
                        "entity_type": "bill",
                        "organization": None,
                        "person": None,
                        "bill": {
                            "id": "ocd-bill/x",
                            "session": "2026",
                            "identifier": identifier,
                            "title": "x",
                        },
                        "vote": None,
                    }
                ],
                "media": [],
            }
        ],
    }
