"""Directory rows → :class:`~bot.directory.people.Person`, with handles and provenance.

For a set of ids this runs one query per table (people, handles, overrides),
in chunks that respect the database's parameter limit. Per platform, the
handle a person is tagged with is, from strongest to weakest:

1. an override in the campaign's own ``targets.overrides`` file (applied by
   :mod:`bot.directory.resolve`);
2. an organizer override in the database (``set-handle``, or a file loaded
   with ``load-overrides``), the most recent first;
3. the handle the campaign file or roster gives (applied by resolve);
4. an imported handle: an official account before others, congress-legislators
   before Open States.

An override with no handle means "no account there" and hides weaker ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Row, Table, select
from sqlalchemy.orm import Session

from bot.campaigns.schema import PLATFORM_NAMES
from bot.directory.layers import HandleInfo, NoTag
from bot.directory.models import DoNotTag, HandleOverride, PersonHandle, PersonRow
from bot.directory.people import Person, build_person, details_of

CHUNK = 500
_SOURCE_RANK = {"congress-legislators": 0, "openstates": 1}


@dataclass
class Entry:
    """A directory person with the provenance of each platform's handle."""

    person: Person
    """With the handles of :attr:`handles` (imported, then database overrides)."""
    row: Row[Any]
    """The ``people`` row (columns as attributes: ``row.active``, ``row.office_address``)."""
    imported: dict[str, HandleInfo]
    """The best imported handle per platform."""
    overrides: dict[str, HandleInfo]
    """Organizer overrides from the database, per platform (handle None: no account)."""

    @property
    def handles(self) -> dict[str, HandleInfo]:
        return {**self.imported, **self.overrides}


def chunks(items: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_entries(session: Session, ids: Iterable[str]) -> dict[str, Entry]:
    """Directory entries for ``ids`` (ids unknown to the directory are left out).

    Reads plain rows (not ORM objects: several times faster for all of Congress).
    """
    wanted = list(dict.fromkeys(ids))
    rows: dict[str, Row[Any]] = {}
    imported: dict[str, list[Row[Any]]] = {}
    overrides: dict[str, list[Row[Any]]] = {}
    people, handles, set_by_us = (
        cast(Table, model.__table__) for model in (PersonRow, PersonHandle, HandleOverride)
    )
    for part in chunks(wanted):
        for person in session.execute(select(people).where(people.c.id.in_(part))):
            rows[person.id] = person
        query = select(handles).where(
            handles.c.person_id.in_(part), handles.c.platform.in_(PLATFORM_NAMES)
        )
        for handle in session.execute(query):
            imported.setdefault(handle.person_id, []).append(handle)
        for override in session.execute(select(set_by_us).where(set_by_us.c.person_id.in_(part))):
            overrides.setdefault(override.person_id, []).append(override)
    entries: dict[str, Entry] = {}
    for person_id in wanted:
        row = rows.get(person_id)
        if row is None:
            continue
        best = _best_imported(imported.get(person_id, []))
        mine: dict[str, HandleInfo] = {}
        for o in sorted(overrides.get(person_id, []), key=lambda o: o.updated_at):
            mine[o.platform] = HandleInfo(
                o.platform, o.handle, o.source, o.kind, o.updated_at, o.note
            )
        entries[person_id] = Entry(
            person=to_person(row, {**best, **mine}), row=row, imported=best, overrides=mine
        )
    return entries


def overrides_for(session: Session, ids: Iterable[str]) -> dict[str, dict[str, HandleInfo]]:
    """Database overrides (``set-handle``, loaded files) for people not necessarily imported."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, dict[str, HandleInfo]] = {}
    for part in chunks(wanted):
        query = (
            select(HandleOverride)
            .where(HandleOverride.person_id.in_(part))
            .order_by(HandleOverride.updated_at)
        )
        for o in session.scalars(query):
            found.setdefault(o.person_id, {})[o.platform] = HandleInfo(
                o.platform, o.handle, o.source, o.kind, o.updated_at, o.note
            )
    return found


def _best_imported(handles: list[Row[Any]]) -> dict[str, HandleInfo]:
    def strength(h: Row[Any]) -> tuple[int, int, float]:
        return (
            0 if h.kind == "official" else 1,
            _SOURCE_RANK.get(h.source, 9),
            -h.imported_at.timestamp(),
        )

    best: dict[str, HandleInfo] = {}
    for h in sorted(handles, key=strength):
        best.setdefault(
            h.platform, HandleInfo(h.platform, h.handle, h.source, h.kind, h.imported_at)
        )
    return best


def to_person(row: PersonRow | Row[Any], infos: dict[str, HandleInfo]) -> Person:
    """The shared :class:`Person` for a directory row and its chosen handles.

    Built by :func:`~bot.directory.people.build_person`, which checks every
    handle, phone, email and contact form again: one that fails is left out
    (the person is then named in plain text).
    """
    return build_person(row.id, row.name, details_of(row), infos)


def do_not_tag_entries(session: Session) -> list[NoTag]:
    """Every do-not-tag entry in the database (a short list, read whole)."""
    return [
        NoTag(row.person_id, row.platform, row.handle, row.reason, row.source)
        for row in session.scalars(select(DoNotTag).order_by(DoNotTag.id))
    ]
