"""Organizer overrides: handles, added people, and the do-not-tag list.

Imported data is often incomplete (Missouri's legislators list no accounts at
all) or wrong; organizers correct it, and their corrections win over every
import and survive re-imports, because importers never touch them.

Three ways in:

- ``advocacy-bot directory set-handle PERSON PLATFORM HANDLE`` and
  ``advocacy-bot directory do-not-tag ...``: stored in the database, apply
  to every campaign (source ``set-handle`` / ``do-not-tag``).
- ``advocacy-bot directory load-overrides FILE``: an overrides file loaded
  into the database, for every campaign (source ``file:<path>``); loading the
  same file again replaces what it said before. Its ``people:`` are added to
  the directory (source ``organizer``) so selectors find them.
- ``targets: {overrides: FILE}`` in a campaign: read at every resolution, for
  that campaign only, and winning over everything else (its ``people:`` are
  not read: name a campaign's own people under ``targets.people``).

An overrides file is YAML::

    handles:
      - person: ocd-person/0f1e...        # a directory id, or an exact name
        x: SenJaneDoe
        bluesky: janedoe.bsky.social
        facebook: null                    # no account: hides an imported one
        note: confirmed by phone with the office, 2026-02-01
    people:
      - {id: mo-house-12, name: Jane Doe, title: Rep., state: MO, chamber: house,
         district: 12, party: Republican, handles: {x: JaneDoeMO}}
    do_not_tag:
      - {person: S000148, reason: the office asked on 2026-03-02}
      - {platform: x, handle: SenateGOPOffice, reason: an office account}
    leadership:                           # for legislatures whose data has none
      - {person: Cindy O'Laughlin, title: President Pro Tem, chamber: senate}
      - {person: ocd-person/..., title: Speaker, chamber: house}
    offices:                              # offices the data lacks (district offices)
      - {person: ocd-person/..., kind: district, name: Joplin office,
         phone: 417-555-0134, address: "123 Main St, Joplin, MO 64801"}

Leadership entries are stored as leadership roles (source ``file:<path>``), so
``leadership:`` selectors and the supporter page find them; imports never
touch them, and loading the file again replaces them. A leadership entry must
name someone already in the directory (import the state first). Offices
likewise (source ``file:<path>``): shown on supporter cards beside the offices
the data lists, replaced when the file is loaded again, never touched by imports.

or CSV with a header ``person,platform,handle,note`` (a ``handle`` of ``-``
means "no account"), plus optional ``do_not_tag`` (``yes`` makes the row a
do-not-tag entry; ``platform`` and ``handle`` then narrow it) and ``reason``.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot import safeyaml
from bot.campaigns.schema import PLATFORM_NAMES, Handles, PersonSpec
from bot.directory import contact
from bot.errors import AdvocacyBotError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.orm import Session

SET_HANDLE = "set-handle"
DO_NOT_TAG = "do-not-tag"
ORGANIZER = "organizer"


class OverridesError(AdvocacyBotError):
    """An overrides file is missing or malformed; the message names the file and entry."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _checked(platform: str, value: str | None) -> str | None:
    """``value`` as a valid handle on ``platform`` (:mod:`bot.directory.contact`), cleaned up.

    Raises ``ValueError`` (which pydantic reports with the entry's field) when it is not one.
    """
    if value is None:
        return None
    try:
        return contact.check_handle(platform, value).value
    except contact.ContactError as exc:
        raise ValueError(exc.message) from None


class HandleEntry(_Model):
    """Handles for one person; a platform given as ``null`` records "no account there"."""

    person: str = Field(description="a directory id (bioguide, ocd-person/...) or exact name")
    x: str | None = None
    facebook: str | None = None
    bluesky: str | None = None
    mastodon: str | None = None
    kind: str | None = Field(default=None, description="official or campaign")
    note: str | None = None

    @field_validator("x", "facebook", "bluesky", "mastodon")
    @classmethod
    def _handle_form(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _checked(str(info.field_name), value)

    @field_validator("person")
    @classmethod
    def _person_text(cls, value: str) -> str:
        return contact.plain_text(value)

    @model_validator(mode="after")
    def _valid_handles(self) -> HandleEntry:
        if not any(p in self.model_fields_set for p in PLATFORM_NAMES):
            raise ValueError(f"no handle given for {self.person!r}; add x:, facebook:, ...")
        return self

    def handles(self) -> dict[str, str | None]:
        """Platform → handle (None: no account), for the platforms the entry names."""
        return {p: getattr(self, p) for p in PLATFORM_NAMES if p in self.model_fields_set}


class DoNotTagEntry(_Model):
    """Someone who asked not to be tagged: a person, or an office's handle."""

    person: str | None = None
    platform: str | None = Field(default=None, description="only this platform (default: all)")
    handle: str | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _target(self) -> DoNotTagEntry:
        if not self.person and not self.handle:
            raise ValueError("a do-not-tag entry needs 'person' or 'handle'")
        if self.handle and not self.platform:
            raise ValueError("a do-not-tag 'handle' needs its 'platform'")
        if self.platform and self.platform not in PLATFORM_NAMES:
            raise ValueError(
                f"unknown platform {self.platform!r}; use one of {', '.join(PLATFORM_NAMES)}"
            )
        if self.handle and self.platform:
            _checked(self.platform, self.handle)
        return self

    @property
    def bare_handle(self) -> str | None:
        """The handle as stored and compared: checked and cleaned up for its platform."""
        if not self.handle:
            return None
        return _checked(self.platform, self.handle) if self.platform else self.handle.lstrip("@")


class LeadershipEntry(_Model):
    """A leadership post an organizer maintains (the data for that legislature lacks it)."""

    person: str = Field(description="a directory id (ocd-person/...) or exact name")
    title: str = Field(description="'President Pro Tem', 'Majority Floor Leader', 'Speaker'")
    chamber: str | None = Field(default=None, description="senate, house or legislature")
    note: str | None = None

    @field_validator("person", "title")
    @classmethod
    def _visible(cls, value: str) -> str:
        text = contact.plain_text(value)
        if not text:
            raise ValueError("must not be empty")
        return text

    @field_validator("chamber")
    @classmethod
    def _chamber(cls, value: str | None) -> str | None:
        from bot.directory import normalize

        return normalize.chamber(value) if value else None


class OfficeEntry(_Model):
    """An office an organizer adds (a district office the data lacks, a corrected number)."""

    person: str = Field(description="a directory id (ocd-person/...) or exact name")
    kind: str = Field(default="district", description="capitol or district")
    name: str | None = Field(default=None, description="'Joplin office'")
    phone: str | None = None
    address: str | None = None
    note: str | None = None

    @field_validator("person", "name", "address")
    @classmethod
    def _visible(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = contact.plain_text(value)
        if not text:
            raise ValueError("must not be empty")
        return text

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in ("capitol", "district"):
            raise ValueError(f"{value!r} is not an office kind; use capitol or district")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return contact.phone_number(value).value if value is not None else None

    @model_validator(mode="after")
    def _something_to_show(self) -> OfficeEntry:
        if self.phone is None and self.address is None:
            raise ValueError("an office needs a phone or an address")
        return self


class OrganizerPerson(PersonSpec):
    """A person an organizer adds to the directory (someone the imports lack)."""

    jurisdiction: str | None = Field(
        default=None,
        description="'us' (Congress) or a state code; default: the person's state's legislature",
    )

    @field_validator("id", "name")
    @classmethod
    def _visible_text(cls, value: str) -> str:
        return contact.plain_text(value)

    @field_validator("handles")
    @classmethod
    def _handle_forms(cls, value: Handles) -> Handles:
        """Every handle checked for its platform (:mod:`bot.directory.contact`), cleaned up."""
        checked: dict[str, str | None] = {}
        for platform in PLATFORM_NAMES:
            try:
                checked[platform] = _checked(platform, value.for_platform(platform))
            except ValueError as exc:
                raise ValueError(f"{platform}: {exc}") from None
        return value.model_copy(update=checked)

    @field_validator("district", mode="before")
    @classmethod
    def _district_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value


class OverridesFile(_Model):
    """The contents of an overrides file."""

    handles: list[HandleEntry] = []
    people: list[OrganizerPerson] = []
    do_not_tag: list[DoNotTagEntry] = []
    leadership: list[LeadershipEntry] = []
    offices: list[OfficeEntry] = []


def read_overrides(path: Path) -> OverridesFile:
    """Parse an overrides file (``.yaml``/``.yml`` or ``.csv``) within the ``OVERRIDES`` budget.

    Every handle is checked for its platform (:mod:`bot.directory.contact`);
    :class:`OverridesError` names the file, the line (YAML) and the field of
    each problem.
    """
    try:
        text = safeyaml.read_text(path, safeyaml.OVERRIDES)
    except safeyaml.YAMLBudgetError as exc:
        raise OverridesError(f"{path}: {exc.message}") from None
    except OSError as exc:
        raise OverridesError(f"{path}: cannot read the overrides file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise OverridesError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    return _parsed(path, text)


@functools.lru_cache(maxsize=32)
def _parsed(path: Path, text: str) -> OverridesFile:
    """:func:`_parse`, kept for the same file and the same text (the last 32).

    "What goes out next" resolves each campaign's targets on every view, and parsing
    an overrides file (the YAML, then the model checking every handle) cost ~1 ms for
    the example's 3.5 kB, twice a view. The file is still read each time (~0.1 ms): a
    parse is reused only for the same text, so an edit is seen at once, however soon
    after the last read and whatever its size and time stamps say. A file that fails
    is parsed again each time (an exception is not kept). The answer is a frozen model
    shared by the callers that read the same file.
    """
    return _parse(path, text)


def _parse(path: Path, text: str) -> OverridesFile:
    root: yaml.Node | None = None
    if path.suffix.lower() == ".csv":
        raw = _from_csv(path, text)
    else:
        loader = safeyaml.SafeLoader(text)
        try:
            root = safeyaml.compose(loader, safeyaml.OVERRIDES)
            raw = loader.construct_document(root) if root is not None else {}
        except safeyaml.YAMLBudgetError as exc:
            where = f":{exc.line}" if exc.line else ""
            raise OverridesError(f"{path}{where}: {exc.message}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            reason = getattr(exc, "problem", None) or exc
            raise OverridesError(f"{path}{where}: not valid YAML: {reason}") from None
        finally:
            loader.dispose()
    if not isinstance(raw, dict):
        raise OverridesError(
            f"{path}: expected handles:, people:, do_not_tag:, leadership: and/or offices: sections"
        )
    try:
        return OverridesFile.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            line = _line_of(root, error["loc"])
            place = f"{path}:{line}" if line else str(path)
            problems.append(f"{place}: {where}: {error['msg'].removeprefix('Value error, ')}")
        raise OverridesError("\n".join(problems)) from None


def _line_of(root: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the YAML node at ``loc`` (pydantic's error path), as near as known."""
    node, line = root, None
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if 0 <= part < len(node.value) else None
        else:
            node = None
    if node is not None:
        line = node.start_mark.line + 1
    return line


def _from_csv(path: Path, text: str) -> dict[str, Any]:
    reader = csv.DictReader(text.splitlines())
    if (
        not reader.fieldnames
        or "person" not in reader.fieldnames
        and "handle" not in (reader.fieldnames or [])
    ):
        raise OverridesError(f"{path}: the CSV needs a header: person,platform,handle,note")
    handles: list[dict[str, Any]] = []
    do_not_tag: list[dict[str, Any]] = []
    for number, row in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        if row.get("do_not_tag", "").lower() in {"yes", "y", "true", "1"}:
            do_not_tag.append(
                {key: row[key] or None for key in ("person", "platform", "handle") if row.get(key)}
                | {"reason": row.get("reason") or row.get("note") or None}
            )
            continue
        platform = row.get("platform", "").lower()
        if platform not in PLATFORM_NAMES:
            raise OverridesError(
                f"{path}:{number}: platform {platform!r} is not one of {', '.join(PLATFORM_NAMES)}"
            )
        handle = row.get("handle", "")
        handles.append(
            {
                "person": row.get("person", ""),
                platform: None if handle in {"", "-"} else handle,
                "note": row.get("note") or None,
            }
        )
    return {"handles": handles, "do_not_tag": do_not_tag}


# -- the database side ---------------------------------------------------------------------


@dataclass
class LoadResult:
    """What ``load-overrides`` stored."""

    source: str
    handles: int = 0
    people: int = 0
    do_not_tag: int = 0
    leadership: int = 0
    offices: int = 0
    unknown: list[str] = field(default_factory=list)
    """Person references that match nobody in the directory (kept: they apply once imported)."""
    unknown_leaders: list[str] = field(default_factory=list)
    """Leadership entries naming nobody in the directory (not stored: import them first)."""
    unknown_offices: list[str] = field(default_factory=list)
    """Office entries naming nobody in the directory (not stored: import them first)."""


def find_person_id(session: Session, reference: str) -> str | None:
    """A directory id for ``reference``: an id as given, else a unique exact name (active first)."""
    from sqlalchemy import func, select

    from bot.directory.models import PersonRow

    if session.get(PersonRow, reference) is not None:
        return reference
    rows = session.execute(
        select(PersonRow.id, PersonRow.active).where(
            func.lower(PersonRow.name) == reference.strip().lower()
        )
    ).all()
    active = [row.id for row in rows if row.active]
    if len(active) == 1:
        return active[0]
    if not active and len(rows) == 1:
        return rows[0].id
    return None


def load_overrides(session: Session, path: Path, now: datetime) -> LoadResult:
    """Store an overrides file in the directory for every campaign; replaces its last load."""
    from sqlalchemy import delete

    from bot.directory.models import (
        DoNotTag,
        HandleOverride,
        LeadershipRole,
        PersonOffice,
        PersonRow,
    )

    overrides = read_overrides(path)
    source = f"file:{path}"
    result = LoadResult(source=source)
    session.execute(delete(HandleOverride).where(HandleOverride.source == source))
    session.execute(delete(DoNotTag).where(DoNotTag.source == source))
    session.execute(delete(LeadershipRole).where(LeadershipRole.source == source))
    session.execute(delete(PersonOffice).where(PersonOffice.source == source))

    for spec in overrides.people:
        row = session.get(PersonRow, spec.id)
        # A person an import already has stays the import's; only the handles are kept.
        if row is None or row.source == ORGANIZER:
            _upsert_organizer_person(session, spec, now)
            result.people += 1
        for platform in PLATFORM_NAMES:
            handle = spec.handles.for_platform(platform)
            if handle:
                _put_override(session, spec.id, platform, handle, None, source, None, now)
                result.handles += 1

    for entry in overrides.handles:
        person_id = find_person_id(session, entry.person)
        if person_id is None:
            result.unknown.append(entry.person)
            person_id = entry.person
        for platform, handle in entry.handles().items():
            _put_override(session, person_id, platform, handle, entry.kind, source, entry.note, now)
            result.handles += 1

    for dnt in overrides.do_not_tag:
        person_id = None
        if dnt.person:
            person_id = find_person_id(session, dnt.person)
            if person_id is None:
                result.unknown.append(dnt.person)
                person_id = dnt.person
        session.add(
            DoNotTag(
                person_id=person_id,
                platform=dnt.platform,
                handle=dnt.bare_handle,
                reason=dnt.reason,
                source=source,
                created_at=now,
            )
        )
        result.do_not_tag += 1

    session.flush()
    for post in overrides.leadership:
        person_id = find_person_id(session, post.person)
        if person_id is None:
            result.unknown_leaders.append(post.person)
            continue
        person = session.get(PersonRow, person_id)
        chamber = post.chamber or (person.chamber if person is not None else None)
        session.add(
            LeadershipRole(person_id=person_id, title=post.title, chamber=chamber, source=source)
        )
        result.leadership += 1
    for position, office in enumerate(overrides.offices):
        person_id = find_person_id(session, office.person)
        if person_id is None:
            result.unknown_offices.append(office.person)
            continue
        session.add(
            PersonOffice(
                person_id=person_id,
                kind=office.kind,
                name=office.name,
                phone=office.phone,
                address=office.address,
                position=position,
                source=source,
            )
        )
        result.offices += 1
    session.flush()
    return result


def _upsert_organizer_person(session: Session, spec: OrganizerPerson, now: datetime) -> None:
    from bot.directory import normalize
    from bot.directory.models import PersonRow

    try:
        state = normalize.state(spec.state) if spec.state else None
        chamber = normalize.chamber(spec.chamber) if spec.chamber else None
        jurisdiction = normalize.jurisdiction(spec.jurisdiction or state or "us")
    except ValueError as exc:
        raise OverridesError(f"person {spec.id!r}: {exc}") from None
    row = session.get(PersonRow, spec.id)
    if row is None:
        row = PersonRow(id=spec.id, source=ORGANIZER, first_seen_at=now)
        session.add(row)
    row.jurisdiction = jurisdiction
    row.name = spec.name
    row.title = spec.title or normalize.title(chamber, state, row.jurisdiction)
    row.party = normalize.party(spec.party)
    row.state = state
    row.chamber = chamber
    row.district = normalize.district(spec.district)
    row.active = True
    row.left_at = None
    row.search_text = normalize.plain(spec.name)
    row.updated_at = now


def _put_override(
    session: Session,
    person_id: str,
    platform: str,
    handle: str | None,
    kind: str | None,
    source: str,
    note: str | None,
    now: datetime,
) -> None:
    from sqlalchemy import select

    from bot.directory.models import HandleOverride

    row = session.execute(
        select(HandleOverride).where(
            HandleOverride.person_id == person_id,
            HandleOverride.platform == platform,
            HandleOverride.source == source,
        )
    ).scalar_one_or_none()
    if row is None:
        row = HandleOverride(person_id=person_id, platform=platform, source=source, created_at=now)
        session.add(row)
    row.handle, row.kind, row.note, row.updated_at = handle, kind, note, now


#: pydantic adapters for one handle per platform: their errors are the ``ValidationError``
#: that ``directory set-handle`` reports.
_ONE_HANDLE = {
    platform: TypeAdapter(
        Annotated[str, AfterValidator(lambda value, p=platform: _checked(p, value))]
    )
    for platform in PLATFORM_NAMES
}


def set_handle(
    session: Session,
    person_id: str,
    platform: str,
    handle: str | None,
    now: datetime,
    note: str | None = None,
) -> None:
    """Record an organizer's handle (None: "no account there") for every campaign."""
    if platform not in PLATFORM_NAMES:
        raise ValueError(f"unknown platform {platform!r}; use one of {', '.join(PLATFORM_NAMES)}")
    if handle is not None:
        handle = _ONE_HANDLE[platform].validate_python(handle)
    _put_override(session, person_id, platform, handle, None, SET_HANDLE, note, now)
    session.flush()


def clear_handle(session: Session, person_id: str, platform: str) -> int:
    """Remove ``set-handle`` overrides for a person on a platform; how many were removed."""
    from sqlalchemy import delete

    from bot.directory.models import HandleOverride

    result = session.execute(
        delete(HandleOverride).where(
            HandleOverride.person_id == person_id,
            HandleOverride.platform == platform,
            HandleOverride.source == SET_HANDLE,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def add_do_not_tag(
    session: Session,
    now: datetime,
    *,
    person_id: str | None = None,
    platform: str | None = None,
    handle: str | None = None,
    reason: str | None = None,
) -> None:
    """Add a do-not-tag entry that every campaign honours."""
    entry = DoNotTagEntry(person=person_id, platform=platform, handle=handle, reason=reason)
    from bot.directory.models import DoNotTag

    session.add(
        DoNotTag(
            person_id=entry.person,
            platform=entry.platform,
            handle=entry.bare_handle,
            reason=entry.reason,
            source=DO_NOT_TAG,
            created_at=now,
        )
    )
    session.flush()


def remove_do_not_tag(
    session: Session,
    *,
    person_id: str | None = None,
    platform: str | None = None,
    handle: str | None = None,
) -> int:
    """Remove matching do-not-tag entries (of any source); how many were removed."""
    from sqlalchemy import delete

    from bot.directory.models import DoNotTag

    query = delete(DoNotTag)
    if person_id is not None:
        query = query.where(DoNotTag.person_id == person_id)
    if handle is not None:
        query = query.where(DoNotTag.handle == handle.lstrip("@"))
    if platform is not None:
        query = query.where(DoNotTag.platform == platform)
    result = session.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)


def do_not_tag_entries(
    session: Session, platform: str, tagged: Iterable[tuple[str, str]]
) -> set[str]:
    """Person ids and handles among ``tagged`` (``(person id, handle)``) that the do-not-tag
    list names: an entry for the person on ``platform`` or every platform, or for the
    handle on ``platform``. The guard's lookup (:func:`bot.guard.load_history`)."""
    from sqlalchemy import and_, func, or_, select

    from bot.directory.models import DoNotTag

    people = sorted({person for person, _ in tagged})
    handles = sorted({handle.lower().lstrip("@") for _, handle in tagged})
    rows = session.execute(
        select(DoNotTag.person_id, DoNotTag.handle).where(
            or_(
                and_(
                    DoNotTag.person_id.in_(people),
                    or_(DoNotTag.platform.is_(None), DoNotTag.platform == platform),
                ),
                and_(DoNotTag.platform == platform, func.lower(DoNotTag.handle).in_(handles)),
            )
        )
    ).all()
    return {value for row in rows for value in row if value}
