"""Store a :class:`~bot.directory.importers.records.SourceData` in the directory.

Idempotent: importing the same data twice changes nothing but timestamps.
People are updated in place; those of the same source and scope missing from
the new data become inactive (never deleted, so old post-log rows still
resolve), and come back to active if they reappear. Handles, committee seats
and leadership roles of the source are replaced by what the data says.
Organizer data (``handle_overrides``, ``do_not_tag``, people with source
``organizer``) is never touched.

Writes are bulk ``executemany`` statements (a few per table), whatever the
number of people.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from bot.directory import normalize
from bot.directory.importers.records import SKIPPED, Problem, SourceData, drop_shared_handles
from bot.directory.models import (
    CommitteeAlias,
    CommitteeMember,
    CommitteeRow,
    DirectoryImport,
    LeadershipRole,
    PersonHandle,
    PersonOffice,
    PersonRow,
)

_PERSON_FIELDS = (
    "jurisdiction",
    "name",
    "given_name",
    "family_name",
    "title",
    "party",
    "state",
    "chamber",
    "district",
    "term_start",
    "term_end",
    "phone",
    "email",
    "contact_form",
    "office_address",
    "url",
    "photo_url",
)


@dataclass
class ImportResult:
    """What one import changed."""

    source: str
    scope: str
    origin: str
    people: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    reactivated: int = 0
    handles: int = 0
    committees: int = 0
    memberships: int = 0
    leadership: int = 0
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """Values cleaned up, values and records skipped, handles in conflict (see records)."""
    skipped: bool = False
    """Nothing was imported from this origin (the reason is its problem)."""

    @classmethod
    def not_imported(cls, data: SourceData) -> ImportResult:
        """The result for a folder skipped whole (nothing written)."""
        return cls(
            source=data.source,
            scope=data.scope,
            origin=data.origin,
            problems=list(data.problems),
            notes=list(data.notes),
            skipped=True,
        )

    @property
    def skipped_records(self) -> int:
        """Files and records (people, committees) left out; a value left out is not counted."""
        return sum(1 for p in self.problems if p.action == SKIPPED)

    def summary(self) -> str:
        """One line for the command line."""
        scope = "Congress" if self.scope == "us" else self.scope.upper()
        if self.skipped:
            return f"{self.source} {self.origin}: not imported"
        parts = [
            f"{self.people} people ({self.added} new, {self.updated} updated, "
            f"{self.deactivated} now inactive)"
        ]
        if self.reactivated:
            parts.append(f"{self.reactivated} back in office")
        parts.append(f"{self.handles} handles")
        parts.append(f"{self.committees} committees, {self.memberships} seats")
        parts.append(f"{self.leadership} leadership roles")
        return f"{self.source} {scope}: " + ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def write(session: Session, data: SourceData, now: datetime) -> ImportResult:
    """Apply ``data`` to the directory in ``session`` (the caller commits)."""
    drop_shared_handles(data)
    result = ImportResult(source=data.source, scope=data.scope, origin=data.origin)
    result.notes.extend(data.notes)
    result.problems.extend(data.problems)
    if data.people is not None:
        _write_people(session, data, now, result)
    known = _people_ids(session, data.scope)
    if data.handles is not None:
        _write_handles(session, data, known, now, result)
    if data.leadership is not None:
        _write_leadership(session, data, known, result)
    if data.committees is not None:
        _write_committees(session, data, now, result)
    if data.members is not None:
        _write_members(session, data, known, result)
    session.add(
        DirectoryImport(
            source=data.source,
            scope=data.scope,
            origin=data.origin,
            started_at=now,
            finished_at=now,
            added=result.added,
            updated=result.updated,
            deactivated=result.deactivated,
            handles=result.handles,
            committees=result.committees,
            memberships=result.memberships,
            note="; ".join([*result.notes, *(p.line() for p in result.problems)])[:10_000] or None,
        )
    )
    session.flush()
    return result


def _people_ids(session: Session, scope: str) -> set[str]:
    rows = session.execute(select(PersonRow.id).where(PersonRow.jurisdiction == scope))
    return set(rows.scalars())


def _search_text(record: Any) -> str:
    names = [record.name, *record.other_names]
    if record.given_name and record.family_name:
        names.append(f"{record.given_name} {record.family_name}")
    seen: list[str] = []
    for name in names:
        text = normalize.plain(name)
        if text and text not in seen:
            seen.append(text)
    return " | ".join(seen)


def _too_long(record: Any, fields: tuple[str, ...], table: Any) -> str | None:
    """The first field of ``record`` longer than its column allows, described; else None."""
    for name in fields:
        value = getattr(record, name)
        length = getattr(table.c[name].type, "length", None)
        if isinstance(value, str) and length is not None and len(value) > length:
            return f"{name} is {len(value)} characters long, more than the {length} stored"
    return None


def _write_people(session: Session, data: SourceData, now: datetime, result: ImportResult) -> None:
    assert data.people is not None
    # A value too long for its column would make PostgreSQL refuse the whole import:
    # that one person is a reported skip instead.
    fitting = []
    for record in data.people:
        problem = _too_long(record, ("id", *_PERSON_FIELDS), PersonRow.__table__)
        if problem:
            result.problems.append(
                Problem(
                    SKIPPED,
                    data.origin,
                    f"{problem}; this person was skipped",
                    f"{record.name} ({record.id})",
                )
            )
        else:
            fitting.append(record)
    data.people = fitting
    incoming = {record.id: record for record in data.people}
    result.people = len(incoming)
    columns = [getattr(PersonRow, name) for name in _PERSON_FIELDS]
    wanted = (PersonRow.source == data.source) & (PersonRow.jurisdiction == data.scope)
    if incoming:
        wanted = wanted | PersonRow.id.in_(list(incoming))
    query = select(
        PersonRow.id,
        PersonRow.source,
        PersonRow.active,
        PersonRow.left_at,
        PersonRow.search_text,
        *columns,
    ).where(wanted)
    existing = {row.id: row for row in session.execute(query)}
    ended_terms = 0
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for person_id, record in incoming.items():
        values = {name: getattr(record, name) for name in _PERSON_FIELDS}
        values["search_text"] = _search_text(record)
        old = existing.get(person_id)
        if old is None:
            inserts.append(
                {
                    "id": person_id,
                    "source": data.source,
                    "active": record.active,
                    "first_seen_at": now,
                    "updated_at": now,
                    "left_at": None if record.active else now,
                    **values,
                }
            )
            continue
        changed = (
            old.active != record.active
            or old.source != data.source
            or any(getattr(old, name) != value for name, value in values.items())
        )
        if record.active and not old.active:
            result.reactivated += 1
        ended = old.active and not record.active
        if ended:
            ended_terms += 1
        if changed:
            updates.append(
                {
                    "id": person_id,
                    "source": data.source,
                    "active": record.active,
                    "left_at": None if record.active else (now if ended else old.left_at),
                    "updated_at": now,
                    **values,
                }
            )
        else:
            result.unchanged += 1
    gone = [
        {"id": row.id, "active": False, "left_at": now, "updated_at": now}
        for row in existing.values()
        if row.id not in incoming and row.active and row.source == data.source
    ]
    result.added, result.updated = len(inserts), len(updates)
    result.deactivated = len(gone) + ended_terms
    if inserts:
        session.execute(insert(PersonRow), inserts)
    if updates:
        session.execute(update(PersonRow), updates)
    if gone:
        session.execute(update(PersonRow), gone)
    _write_offices(session, data.source, data.people)


def _write_offices(session: Session, source: str, people: list[Any]) -> None:
    """Replace this source's offices of these people with what the data lists now."""
    ids = [record.id for record in people]
    for start in range(0, len(ids), 500):
        session.execute(
            delete(PersonOffice).where(
                PersonOffice.source == source, PersonOffice.person_id.in_(ids[start : start + 500])
            )
        )
    rows = [
        {
            "person_id": record.id,
            "kind": office.kind,
            "name": office.name,
            "phone": office.phone,
            "address": office.address,
            "position": position,
            "source": source,
        }
        for record in people
        for position, office in enumerate(record.offices)
    ]
    if rows:
        session.execute(insert(PersonOffice), rows)


def _write_handles(
    session: Session, data: SourceData, known: set[str], now: datetime, result: ImportResult
) -> None:
    assert data.handles is not None
    incoming = {(h.person_id, h.platform): h for h in data.handles if h.person_id in known}
    skipped = len({h.person_id for h in data.handles if h.person_id not in known})
    if skipped:
        result.notes.append(f"handles of {skipped} people not in the directory were skipped")
    existing = {
        (row.person_id, row.platform): row
        for row in session.execute(
            select(
                PersonHandle.id,
                PersonHandle.person_id,
                PersonHandle.platform,
                PersonHandle.handle,
                PersonHandle.platform_id,
                PersonHandle.kind,
                PersonHandle.first_seen_at,
            )
            .join(PersonRow, PersonRow.id == PersonHandle.person_id)
            .where(PersonHandle.source == data.source, PersonRow.jurisdiction == data.scope)
        )
    }
    inserts, updates = [], []
    for key, record in incoming.items():
        old = existing.get(key)
        values = {"handle": record.handle, "platform_id": record.platform_id, "kind": record.kind}
        if old is None:
            inserts.append(
                {
                    "person_id": record.person_id,
                    "platform": record.platform,
                    "source": data.source,
                    "first_seen_at": now,
                    "imported_at": now,
                    **values,
                }
            )
        else:
            first_seen = old.first_seen_at if old.handle == record.handle else now
            updates.append(
                {"id": old.id, "imported_at": now, "first_seen_at": first_seen, **values}
            )
    stale = [row.id for key, row in existing.items() if key not in incoming]
    if inserts:
        session.execute(insert(PersonHandle), inserts)
    if updates:
        session.execute(update(PersonHandle), updates)
    if stale:
        session.execute(delete(PersonHandle).where(PersonHandle.id.in_(stale)))
    result.handles = len(incoming)


def _write_leadership(
    session: Session, data: SourceData, known: set[str], result: ImportResult
) -> None:
    assert data.leadership is not None
    in_scope = select(PersonRow.id).where(PersonRow.jurisdiction == data.scope)
    session.execute(
        delete(LeadershipRole).where(
            LeadershipRole.source == data.source, LeadershipRole.person_id.in_(in_scope)
        )
    )
    rows = [
        {**asdict(record), "source": data.source}
        for record in data.leadership
        if record.person_id in known
    ]
    if rows:
        session.execute(insert(LeadershipRole), rows)
    result.leadership = len(rows)


def _write_committees(
    session: Session, data: SourceData, now: datetime, result: ImportResult
) -> None:
    assert data.committees is not None
    incoming = {record.id: record for record in data.committees}
    existing = set(
        session.execute(
            select(CommitteeRow.id).where(
                CommitteeRow.source == data.source, CommitteeRow.jurisdiction == data.scope
            )
        ).scalars()
    )
    # Parents before subcommittees, so the parent_id foreign key holds at every insert.
    ordered = sorted(incoming.values(), key=lambda c: c.parent_id is not None)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for record in ordered:
        parent = record.parent_id if record.parent_id in incoming else None
        values = {
            "id": record.id,
            "jurisdiction": record.jurisdiction,
            "chamber": record.chamber,
            "name": record.name,
            "parent_id": parent,
            "source": data.source,
            "active": True,
            "url": record.url,
            "updated_at": now,
        }
        (updates if record.id in existing else inserts).append(values)
    if inserts:
        session.execute(insert(CommitteeRow), inserts)
    if updates:
        session.execute(update(CommitteeRow), updates)
    gone = [{"id": cid, "active": False, "updated_at": now} for cid in existing - incoming.keys()]
    if gone:
        session.execute(update(CommitteeRow), gone)
        session.execute(
            delete(CommitteeMember).where(CommitteeMember.committee_id.in_([g["id"] for g in gone]))
        )
    if incoming:
        ids = list(incoming)
        session.execute(delete(CommitteeAlias).where(CommitteeAlias.committee_id.in_(ids)))
        aliases: list[dict[str, Any]] = []
        for record in incoming.values():
            keys = {normalize.committee_key(record.name): True}
            for alias in record.aliases:
                keys.setdefault(normalize.committee_key(alias), False)
            aliases.extend(
                {"committee_id": record.id, "alias": key, "is_primary": primary}
                for key, primary in keys.items()
                if key
            )
        session.execute(insert(CommitteeAlias), aliases)
    result.committees = len(incoming)


def _write_members(
    session: Session, data: SourceData, known: set[str], result: ImportResult
) -> None:
    assert data.members is not None
    committees = set(
        session.execute(
            select(CommitteeRow.id).where(
                CommitteeRow.source == data.source,
                CommitteeRow.jurisdiction == data.scope,
                CommitteeRow.active.is_(True),
            )
        ).scalars()
    )
    session.execute(
        delete(CommitteeMember).where(
            CommitteeMember.committee_id.in_(
                select(CommitteeRow.id).where(
                    CommitteeRow.source == data.source, CommitteeRow.jurisdiction == data.scope
                )
            )
        )
    )
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    missing_committees: set[str] = set()
    for record in data.members:
        if record.committee_id not in committees:
            missing_committees.add(record.committee_id)
            continue
        key = (record.committee_id, record.person_id)
        if record.person_id not in known or key in seen:
            continue
        seen.add(key)
        rows.append(asdict(record))
    if missing_committees:
        result.notes.append(
            f"seats on {len(missing_committees)} committee(s) not in the directory were skipped "
            "(import the committees file too)"
        )
    if rows:
        session.execute(insert(CommitteeMember), rows)
    result.memberships = len(rows)
