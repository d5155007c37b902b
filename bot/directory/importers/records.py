"""What an importer reads from a source, before it is written to the directory.

Each importer turns its source's files into a :class:`SourceData`; one writer
(:mod:`bot.directory.importers.writer`) stores any of them, so every source
gets the same idempotent update and the same inactive-not-deleted rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.errors import AdvocacyBotError


class DirectoryImportError(AdvocacyBotError):
    """A source's files are missing or malformed; the message names the file."""


#: What an import did with a value or a record it could not take as it was.
SKIPPED = "skipped"
"""Not imported at all: a whole file, or a record (a person, a committee)."""
DROPPED = "dropped"
"""One value not stored (a handle, an email, a field of the wrong type); the record imports."""
CLEANED = "cleaned"
"""Stored after an unambiguous clean-up (a query string dropped after an X handle)."""
CONFLICT = "conflict"
"""A handle listed for two different people: stored for neither."""


@dataclass(frozen=True)
class Problem:
    """One thing an import reports: where (file, person, field), what was wrong, what it did."""

    action: str
    """:data:`SKIPPED`, :data:`DROPPED`, :data:`CLEANED` or :data:`CONFLICT`."""
    file: str
    message: str
    """What was wrong and what was done (``... is not an X handle ...; not stored``)."""
    person: str | None = None
    """``Jane Doe (ocd-person/...)``: whom the record is about, when known."""
    field: str | None = None
    """The field as the source spells it: ``ids.twitter``, ``offices[0].voice``."""

    def line(self) -> str:
        """``FILE: PERSON: FIELD: MESSAGE`` (the parts that are known)."""
        return ": ".join(p for p in (self.file, self.person, self.field, self.message) if p)


@dataclass(frozen=True)
class OfficeRecord:
    """One office as a source lists it; every value already checked for its kind."""

    kind: str
    """``capitol`` or ``district``."""
    name: str | None = None
    phone: str | None = None
    address: str | None = None


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
    photo_url: str | None = None
    offices: tuple[OfficeRecord, ...] = ()
    """Every office the source lists with a phone or an address, in its order."""
    other_names: tuple[str, ...] = ()
    active: bool = True
    """False when the data says the term has ended (its end date is past)."""


@dataclass
class HandleRecord:
    person_id: str
    platform: str
    handle: str
    platform_id: str | None = None
    kind: str | None = None
    file: str = ""
    """The file that lists it, for reports."""


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
    problems: list[Problem] = field(default_factory=list)
    """Values cleaned up, values and records skipped, handles in conflict."""
    not_read: bool = False
    """The whole origin was left out (the reason is in ``problems`` or ``notes``)."""


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


def drop_shared_handles(data: SourceData) -> None:
    """Remove every handle that ``data`` lists for two or more people, and report it.

    Such a handle is somebody's, but the data cannot say whose: tagging it for
    either person might tag a stranger. It is used for neither until an
    organizer settles it with an override (``directory set-handle``).
    """
    if not data.handles:
        return
    names = {person.id: f"{person.name} ({person.id})" for person in data.people or ()}
    owners: dict[tuple[str, str], list[HandleRecord]] = {}
    for record in data.handles:
        owners.setdefault((record.platform, record.handle.lower()), []).append(record)
    shared = {
        key: records
        for key, records in owners.items()
        if len({record.person_id for record in records}) > 1
    }
    if not shared:
        return
    data.handles = [h for h in data.handles if (h.platform, h.handle.lower()) not in shared]
    for (platform, _), records in shared.items():
        people = list(dict.fromkeys(names.get(r.person_id, r.person_id) for r in records))
        files = list(dict.fromkeys(r.file for r in records if r.file))
        data.problems.append(
            Problem(
                CONFLICT,
                ", ".join(files) or data.origin,
                f"{records[0].handle!r} is listed for {' and '.join(people)}; used for "
                f"neither until an override settles whose it is (advocacy-bot directory "
                f"set-handle PERSON {platform} {records[0].handle})",
                field=f"{platform} handle",
            )
        )
