"""Resolve a campaign's targets to people.

The one function the pipeline calls to learn whom a campaign addresses:

    targets = named people (campaign file and roster)
            ∪ select[0] ∪ select[1] ∪ ...        (each selector: the AND of its keys)
            − exclude[0] − exclude[1] − ...

in that order, de-duplicated by id. Handles per platform, strongest first:
the campaign's ``targets.overrides`` file, organizer overrides in the
database, the handles the campaign file or roster gives, imported data (see
:mod:`bot.directory.load`). Then the do-not-tag list (the database's and the
campaign overrides file's) withholds handles: such people stay targets and
are **named in plain text, never tagged** (they asked not to be tagged, not
to be left out of the conversation); :attr:`Person.untagged` says why.

:func:`check_targets` turns the same work into the warnings ``validate``
prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.campaigns.schema import PLATFORM_NAMES
from bot.directory.people import Person, build_person, details_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.campaigns.loaded import LoadedCampaign
    from bot.directory.layers import HandleInfo, NoTag
    from bot.directory.load import Entry
    from bot.directory.match import Match
    from bot.directory.overrides import OverridesFile
    from bot.directory.selectors import Selector

NAMED = "named in the campaign"


@dataclass
class Resolution:
    people: list[Person]
    """Whom the campaign addresses, de-duplicated by id, in a stable order."""
    notes: list[str] = field(default_factory=list)
    """Things an organizer should know (a selector matched nobody, ...)."""
    handle_details: dict[str, dict[str, HandleInfo]] = field(default_factory=dict)
    """Person id → platform → where the handle used (or withheld) came from."""
    matched_by: dict[str, list[str]] = field(default_factory=dict)
    """Person id → why they are a target (``named in the campaign``, ``select[0]``...)."""
    excluded: list[str] = field(default_factory=list)
    """Ids removed by ``exclude``."""
    matches: list[Match] = field(default_factory=list)
    exclude_matches: list[Match] = field(default_factory=list)


def resolve_targets(
    loaded: LoadedCampaign, session: Session | None = None, *, now: datetime | None = None
) -> Resolution:
    """The people a campaign targets: named people, selector matches, minus exclusions.

    Without a database ``session`` only the people named in the campaign are
    targeted (and a note says selectors were not resolved). Selectors with a
    ``bill_role`` are resolved by :mod:`bot.bills.roles` against the
    campaign's bills; given ``now``, notes say when that bill data is stale.
    """
    spec = loaded.campaign.targets
    notes: list[str] = []
    named_people: dict[str, Person] = {}
    for person in loaded.people:
        named_people.setdefault(person.id, person)
    matched_by: dict[str, list[str]] = {i: [NAMED] for i in named_people}
    matches: list[Match] = []
    exclude_matches: list[Match] = []
    excluded = {ref for sel in spec.exclude for ref in sel.people or () if ref in named_people}

    if session is None:
        if spec.select or spec.exclude:
            notes.append("selectors were not resolved: no directory database was given")
    elif (spec.select or spec.exclude) and directory_is_empty(session):
        # Not "no committee X" for every selector: the cause is one, and so is the fix.
        notes.append(EMPTY_DIRECTORY)
    else:
        bills = [bill.key for bill in loaded.campaign.bills]
        matches = [_run(session, selector, bills, now) for selector in spec.select]
        exclude_matches = [_run(session, selector, bills, now) for selector in spec.exclude]
        for index, m in enumerate(matches):
            notes.extend(f"targets.select[{index}]: {problem}" for problem in m.problems)
            if not m.ids and not m.problems:
                notes.append(f"targets.select[{index}] ({m.selector.describe()}) matches nobody")
            for person_id in m.ids:
                matched_by.setdefault(person_id, []).append(f"select[{index}]")
        for index, m in enumerate(exclude_matches):
            notes.extend(f"targets.exclude[{index}]: {problem}" for problem in m.problems)
            excluded.update(m.ids)
    order = [i for i in matched_by if i not in excluded]

    context = _Context.build(loaded, session, order, notes)
    people: list[Person] = []
    details: dict[str, dict[str, HandleInfo]] = {}
    for person_id in order:
        person, layers = context.finish(person_id, named_people.get(person_id))
        people.append(person)
        details[person_id] = layers
    return Resolution(
        people=people,
        notes=notes,
        handle_details=details,
        matched_by={i: matched_by[i] for i in order},
        excluded=[i for i in matched_by if i in excluded],
        matches=matches,
        exclude_matches=exclude_matches,
    )


EMPTY_DIRECTORY = (
    "the legislator directory is empty, so targets.select finds nobody: run "
    "`advocacy-bot directory sync` or `advocacy-bot directory import PATH`"
)


def directory_is_empty(session: Session) -> bool:
    """True when no legislator has been imported yet."""
    from sqlalchemy import select

    from bot.directory.models import PersonRow

    return session.scalars(select(PersonRow.id).limit(1)).first() is None


def _run(session: Session, selector: Selector, bills: list[str], now: datetime | None) -> Match:
    """One selector's matches: the directory's keys, and bill roles where it has one."""
    if selector.bill_role:
        from bot.bills import roles

        return roles.run(session, selector, bills, now)
    from bot.directory import match as matching

    return matching.run(session, selector)


@dataclass
class _Context:
    """What resolving every target needs, fetched once (a few queries in all)."""

    entries: dict[str, Entry]
    db_overrides: dict[str, dict[str, HandleInfo]]
    """Overrides for named people the directory lacks."""
    file_handles: dict[str, dict[str, HandleInfo]]
    """The campaign overrides file's handles, by person id."""
    no_tag_people: dict[str, list[NoTag]]
    no_tag_handles: dict[tuple[str, str], list[NoTag]]

    @classmethod
    def build(
        cls, loaded: LoadedCampaign, session: Session | None, order: list[str], notes: list[str]
    ) -> _Context:
        from bot.directory.layers import HandleInfo, NoTag

        entries: dict[str, Entry] = {}
        db_overrides: dict[str, dict[str, HandleInfo]] = {}
        rules: list[NoTag] = []
        if session is not None:
            from bot.directory.load import do_not_tag_entries, load_entries, overrides_for

            entries = load_entries(session, order)
            db_overrides = overrides_for(session, [i for i in order if i not in entries])
            rules = do_not_tag_entries(session)

        file_handles: dict[str, dict[str, HandleInfo]] = {}
        overrides = _campaign_overrides(loaded, notes, session)
        if overrides is not None:
            source = f"override:{loaded.campaign.targets.overrides}"
            for item in overrides.handles:
                person_id = _person_ref(session, item.person)
                for platform, handle in item.handles().items():
                    file_handles.setdefault(person_id, {})[platform] = HandleInfo(
                        platform, handle, source, item.kind, None, item.note
                    )
            rules += [
                NoTag(
                    _person_ref(session, e.person) if e.person else None,
                    e.platform,
                    e.bare_handle,
                    e.reason,
                    source,
                )
                for e in overrides.do_not_tag
            ]
        by_person: dict[str, list[NoTag]] = {}
        by_handle: dict[tuple[str, str], list[NoTag]] = {}
        for rule in rules:
            if rule.handle is not None and rule.platform is not None:
                by_handle.setdefault((rule.platform, rule.handle.lower()), []).append(rule)
            elif rule.person_id is not None:
                by_person.setdefault(rule.person_id, []).append(rule)
        return cls(entries, db_overrides, file_handles, by_person, by_handle)

    def finish(self, person_id: str, named: Person | None) -> tuple[Person, dict[str, HandleInfo]]:
        """One target's final Person: fields, layered handles, do-not-tag."""
        from bot.directory.layers import HandleInfo

        entry = self.entries.get(person_id)
        base = named or (entry.person if entry else None)
        assert base is not None, person_id
        layers: dict[str, HandleInfo] = dict(entry.imported) if entry else {}
        if named is not None:
            for platform, handle in named.handles.items():
                source = named.handle_sources.get(platform, "campaign")
                layers[platform] = HandleInfo(platform, handle, source)
        layers.update(entry.overrides if entry else self.db_overrides.get(person_id, {}))
        layers.update(self.file_handles.get(person_id, {}))

        untagged: dict[str, str] = {}
        for rule in self.no_tag_people.get(person_id, ()):
            for platform in PLATFORM_NAMES:
                if rule.platform in (None, platform):
                    untagged.setdefault(platform, rule.describe())
        for platform, info in layers.items():
            if info.handle:
                for rule in self.no_tag_handles.get((platform, info.handle.lower()), ()):
                    untagged.setdefault(platform, rule.describe())

        details = details_of(base)
        if named is not None and entry is not None:
            # The organizer's words win; the directory fills in what they left out.
            directory = details_of(entry.person)
            details = {k: directory[k] if v is None else v for k, v in details.items()}
        person = build_person(base.id, base.name, details, layers, untagged)
        return person, layers


def _campaign_overrides(
    loaded: LoadedCampaign, notes: list[str], session: Session | None = None
) -> OverridesFile | None:
    relative = loaded.campaign.targets.overrides
    if not relative:
        return None
    from bot.directory.overrides import OverridesError, read_overrides

    path = Path(loaded.path).parent / relative
    try:
        overrides = read_overrides(path)
    except OverridesError as exc:
        notes.append(f"targets.overrides: {exc}")
        return None
    if overrides.leadership and not _leadership_loaded(session, overrides):
        notes.append(
            f"targets.overrides: {relative} lists leadership:, which a campaign does not read; "
            "load the file with `advocacy-bot directory load-overrides` so every campaign and "
            "the supporter page know the leadership"
        )
    if overrides.people:
        notes.append(
            f"targets.overrides: {relative} lists people:, which a campaign does not read; "
            "name them under targets.people, or load the file with "
            "`advocacy-bot directory load-overrides`"
        )
    return overrides


def _leadership_loaded(session: Session | None, overrides: OverridesFile) -> bool:
    """Whether every ``leadership:`` entry of a campaign's overrides file is in the directory
    (the same person holding the same title: the file was loaded with ``load-overrides``)."""
    if session is None:
        return False
    from sqlalchemy import select

    from bot.directory.models import LeadershipRole
    from bot.directory.overrides import find_person_id
    from bot.directory.selectors import leadership_key

    held = {
        (person_id, leadership_key(title))
        for person_id, title in session.execute(
            select(LeadershipRole.person_id, LeadershipRole.title)
        )
    }
    return all(
        (find_person_id(session, entry.person), leadership_key(entry.title)) in held
        for entry in overrides.leadership
    )


def _person_ref(session: Session | None, reference: str) -> str:
    if session is None:
        return reference
    from bot.directory.overrides import find_person_id

    return find_person_id(session, reference) or reference


def check_targets(loaded: LoadedCampaign, session: Session) -> list[str]:
    """Warnings about a campaign's targets, for ``validate``.

    Reports: an empty directory when selectors are used; a selector matching
    nobody; an unknown or ambiguous committee (with close matches); unknown
    people; an unreadable overrides file; and, per campaign platform, the
    targets without a handle there (they will be named in plain text).
    """
    warnings: list[str] = []
    resolution = resolve_targets(loaded, session)
    warnings.extend(resolution.notes)
    for index, m in enumerate(resolution.exclude_matches):
        if not m.ids and not m.problems:
            warnings.append(f"targets.exclude[{index}] ({m.selector.describe()}) matches nobody")
    if not resolution.people:
        warnings.append("the campaign's targets resolve to nobody")
        return warnings
    total = len(resolution.people)
    for platform in loaded.campaign.platforms:
        if platform == "x" and loaded.campaign.x_mentions == "name":
            continue  # x_mentions: name: everyone is named in plain text on X anyway
        lacking = [
            p for p in resolution.people if not p.handle(platform) and platform not in p.untagged
        ]
        if lacking:
            shown = ", ".join(f"{p.display_name} ({p.id})" for p in lacking[:10])
            more = f" and {len(lacking) - 10} more" if len(lacking) > 10 else ""
            warnings.append(
                f"{platform}: {len(lacking)} of {total} targets have no handle there and will be "
                f"named in plain text: {shown}{more}"
            )
    return warnings
