"""What an importer reads from a source, before it is written to the directory.

Each importer turns its source's files into a :class:`SourceData`; one writer
(:mod:`bot.directory.importers.writer`) stores any of them, so every source
gets the same idempotent update and the same inactive-not-deleted rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


class DirectoryImportError(Exception):
    """A source's files are missing or malformed; the message names the file."""


@dataclass
class PersonRecord:
    id: str
    jurisdiction: str
    name: str
    given_name: str | None = None
    family_name: str | None = None
    title: str | None = None
    party: str | None = None
    state: str | None = None
    chamber: str | None = None
    district: str | None = None
    term_start: date | None = None
    term_end: date | None = None
    phone: str | None = None
    email: str | None = None
    contact_form: str | None = None
    office_address: str | None = None
    url: str | None = None
    other_names: tuple[str, ...] = ()


@dataclass
class HandleRecord:
    person_id: str
    platform: str
    handle: str
    platform_id: str | None = None
    kind: str | None = None


@dataclass
class CommitteeRecord:
    id: str
    jurisdiction: str
    chamber: str
    name: str
    parent_id: str | None = None
    url: str | None = None
    aliases: tuple[str, ...] = ()
    """Other names (raw text); the writer normalises them."""


@dataclass
class MemberRecord:
    committee_id: str
    person_id: str
    role: str
    title: str | None = None
    rank: int | None = None
    side: str | None = None


@dataclass
class LeadershipRecord:
    person_id: str
    title: str
    chamber: str | None = None
    start: date | None = None
    end: date | None = None


@dataclass
class SourceData:
    """Everything one import read from one source for one scope.

    A part left as ``None`` was not in the files given and is left alone in
    the database (importing only ``legislators-social-media.yaml`` updates
    handles and nothing else); a list, even empty, replaces what the source
    said before.
    """

    source: str
    scope: str
    origin: str
    people: list[PersonRecord] | None = None
    handles: list[HandleRecord] | None = None
    committees: list[CommitteeRecord] | None = None
    members: list[MemberRecord] | None = None
    leadership: list[LeadershipRecord] | None = None
    notes: list[str] = field(default_factory=list)


def as_date(value: object) -> date | None:
    """``'2025-01-03'`` or a YAML date → :class:`date`; anything else → None."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
