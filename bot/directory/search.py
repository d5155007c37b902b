"""``directory search``: find people by name, state, district or committee.

A query is read every way that fits, and the hits are merged (name matches
first):

- ``MO``: the people representing a state (in Congress and in its legislature);
- ``MO-3``, ``MO 3``, ``CO-AL``: a district of a state;
- anything else, ``hawley``, ``josh hawley``: every word appears in a name
  (accents and case ignored; other names a source lists count too);
- ``SSJU``, ``senate judiciary``: members of a committee (by id, or whose name
  contains the words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from bot.directory import normalize
from bot.directory.load import HandleInfo, load_entries
from bot.directory.models import CommitteeAlias, CommitteeMember, CommitteeRow, PersonRow
from bot.directory.people import Person

_DISTRICT = re.compile(r"^([A-Za-z]{2})(?:[- ]+|(?=\d))(\d+|al|at-large)$", re.IGNORECASE)


@dataclass
class Hit:
    """One person found, with why."""

    person: Person
    active: bool
    why: list[str] = field(default_factory=list)
    handles: dict[str, HandleInfo] = field(default_factory=dict)
    committees: list[str] = field(default_factory=list)
    """``Name (id, role)`` of the committees they sit on (when the query named one)."""

    def as_dict(self) -> dict[str, object]:
        p = self.person
        return {
            "id": p.id,
            "name": p.name,
            "title": p.title,
            "jurisdiction": p.jurisdiction,
            "state": p.state,
            "chamber": p.chamber,
            "district": p.district,
            "party": p.party,
            "active": self.active,
            "why": self.why,
            "committees": self.committees,
            "handles": {
                platform: {"handle": info.handle, "source": info.source, "kind": info.kind}
                for platform, info in self.handles.items()
            },
            "phone": p.phone,
            "email": p.email,
            "contact_form": p.contact_form,
        }


@dataclass
class Results:
    """The hits shown, and how many people matched in all."""

    hits: list[Hit]
    total: int
    """Everyone who matched; more than ``len(hits)`` when the limit cut the list."""

    @property
    def truncated(self) -> bool:
        return self.total > len(self.hits)


def search(
    session: Session, query: str, *, limit: int = 25, include_inactive: bool = False
) -> list[Hit]:
    """People matching ``query`` (see the module's doc), at most ``limit``."""
    return find(session, query, limit=limit, include_inactive=include_inactive).hits


def find(
    session: Session, query: str, *, limit: int = 25, include_inactive: bool = False
) -> Results:
    """Like :func:`search`, also counting everyone who matched (to say what was left out)."""
    text = query.strip()
    if not text:
        return Results([], 0)
    found: dict[str, list[str]] = {}
    seats: dict[str, list[str]] = {}

    def collect(statement: Select[str], why: str) -> None:
        if not include_inactive:
            statement = statement.where(PersonRow.active.is_(True))
        # Ids only, all of them (a state's legislature at most): the count must be true.
        statement = statement.order_by(PersonRow.active.desc(), PersonRow.name)
        for person_id in session.scalars(statement):
            found.setdefault(person_id, []).append(why)

    district = _DISTRICT.match(text)
    is_state = len(text) == 2 and text.upper() in normalize.US_STATES
    if district and district.group(1).upper() in normalize.US_STATES:
        state, number = district.group(1).upper(), normalize.district(district.group(2))
        collect(
            select(PersonRow.id).where(PersonRow.state == state, PersonRow.district == number),
            f"district {state}-{number}",
        )
    elif is_state:
        collect(
            select(PersonRow.id).where(PersonRow.state == text.upper()), f"state {text.upper()}"
        )
    elif words := normalize.plain(text).split():
        condition = and_(*(PersonRow.search_text.contains(w, autoescape=True) for w in words))
        collect(select(PersonRow.id).where(condition), "name")
    for committee, why in _committees(session, text):
        statement = (
            select(PersonRow.id)
            .join(CommitteeMember, CommitteeMember.person_id == PersonRow.id)
            .where(CommitteeMember.committee_id == committee.id)
        )
        collect(statement, why)
        roles = session.execute(
            select(CommitteeMember.person_id, CommitteeMember.role).where(
                CommitteeMember.committee_id == committee.id
            )
        )
        for person_id, role in roles:
            seats.setdefault(person_id, []).append(f"{committee.name} ({committee.id}, {role})")

    ids = list(found)[:limit]
    entries = load_entries(session, ids)
    hits = [
        Hit(
            person=entries[i].person,
            active=entries[i].row.active,
            why=found[i],
            handles=entries[i].handles,
            committees=seats.get(i, []),
        )
        for i in ids
        if i in entries
    ]
    return Results(hits, len(found))


def _committees(session: Session, text: str, limit: int = 5) -> list[tuple[CommitteeRow, str]]:
    by_id = session.get(CommitteeRow, text) or session.get(CommitteeRow, text.upper())
    if by_id is not None:
        return [(by_id, f"committee {by_id.id}")]
    key = normalize.committee_key(text)
    if len(key) < 3:
        return []
    base = (
        select(CommitteeRow)
        .join(CommitteeAlias, CommitteeAlias.committee_id == CommitteeRow.id)
        .where(CommitteeRow.active.is_(True))
        .distinct()
        .order_by(CommitteeRow.id)
        .limit(limit)
    )
    # A committee called exactly that, else those whose names contain the words.
    found = list(session.scalars(base.where(CommitteeAlias.alias == key)))
    if not found:
        found = list(
            session.scalars(base.where(CommitteeAlias.alias.contains(key, autoescape=True)))
        )
    return [(c, f"committee {c.name} ({c.id})") for c in found]
