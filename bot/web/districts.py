"""A supporter's own legislators, from their state and district(s).

The directory (:mod:`bot.directory`) stores each legislator's jurisdiction
(``us`` or a state), chamber (``senate``, ``house``, ``legislature``), state
and district; these queries use its ``(state, chamber, district)`` index.

For Congress a supporter has two senators (state-wide) and one member of the
House (their congressional district; ``0`` is at-large). For a state
legislature they have a senator and a representative, each for their own
district (a state's Senate and House districts are numbered separately), or
one member of a unicameral legislature.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from bot.directory import contact, normalize
from bot.directory.load import NoTag, chunks, do_not_tag_entries, load_entries
from bot.directory.models import PersonOffice, PersonRow
from bot.directory.people import Person

STATE_NAMES = normalize.STATE_NAMES


@dataclass(frozen=True)
class DistrictField:
    """One district a supporter is asked for."""

    name: str
    """The form field: ``us_house``, ``senate``, ``house``, ``legislature``."""
    jurisdiction: str
    chamber: str
    label: str
    choices: tuple[str, ...]
    """District values the directory knows (``0`` is at-large)."""


@dataclass(frozen=True)
class Office:
    """One office a supporter can call or visit: the capitol office, or a district office."""

    kind: str
    """``capitol`` or ``district``."""
    name: str | None
    phone: str | None
    address: str | None

    @property
    def label(self) -> str:
        """``Capitol office``, ``District office``, or the name the data gives it."""
        if self.name:
            return self.name
        return "Capitol office" if self.kind == "capitol" else "District office"

    @property
    def tel(self) -> str | None:
        """``tel:+15737511234`` for the office's phone, or None."""
        return contact.tel_uri(self.phone) if self.phone else None


@dataclass(frozen=True)
class Legislator:
    """A supporter's legislator: the shared :class:`Person` plus where to reach them.

    Pages link only what these properties give: each value checked for its kind
    (:mod:`bot.directory.contact`), whatever the database holds.
    """

    person: Person
    url: str | None
    office_address: str | None
    offices: tuple[Office, ...] = ()
    """Every office the directory lists, the organisation's first, capitol before district."""
    photo_url: str | None = None
    """The source's portrait URL: pages show ``/photo/<id>`` instead (:mod:`bot.web.photos`)."""

    @property
    def tel(self) -> str | None:
        """``tel:+15737511234`` for the office's phone, or None."""
        return contact.tel_uri(self.person.phone) if self.person.phone else None

    @property
    def phones(self) -> list[Office]:
        """The offices to call, each with a valid phone number, each number once.

        The directory's offices, or, where it lists none (data imported before it
        kept offices), the one number it has, as the capitol office.
        """
        listed = list(self.offices) or [
            Office("capitol", None, self.person.phone, self.office_address)
        ]
        seen: set[str] = set()
        found = []
        for office in listed:
            tel = office.tel
            if tel and tel not in seen:
                seen.add(tel)
                found.append(office)
        return found

    @property
    def email(self) -> str | None:
        """The office's email address if it is exactly one valid address, else None."""
        return contact.valid(contact.email_address, self.person.email)

    @property
    def mailto(self) -> str | None:
        """``mailto:`` with exactly one addressee and no headers, or None."""
        return contact.mailto_uri(self.person.email) if self.person.email else None

    @property
    def contact_form(self) -> str | None:
        """The contact form's http(s) URL, or None."""
        return contact.safe_web_url(self.person.contact_form) if self.person.contact_form else None

    @property
    def website(self) -> str | None:
        """The official website's http(s) URL, or None."""
        return contact.safe_web_url(self.url) if self.url else None

    @property
    def seat(self) -> str:
        p = self.person
        where = "U.S." if p.jurisdiction == "us" else STATE_NAMES.get(p.state or "", p.state)
        chamber = {"senate": "Senate", "house": "House", "legislature": "Legislature"}.get(
            p.chamber or "", p.chamber or ""
        )
        district = (
            ""
            if not p.district
            else (", at-large" if p.district == "0" else f", district {p.district}")
        )
        return f"{where} {chamber}{district}"


def states_with_people(session: Session, jurisdictions: Iterable[str]) -> list[str]:
    """Postal codes of the states the directory has legislators for, in these jurisdictions."""
    wanted = list(jurisdictions)
    if not wanted:
        return []
    found = session.scalars(
        select(PersonRow.state)
        .where(PersonRow.jurisdiction.in_(wanted), PersonRow.active.is_(True))
        .where(PersonRow.state.is_not(None))
        .distinct()
    )
    return sorted({code for code in found if code}, key=lambda c: STATE_NAMES.get(c, c))


def district_fields(
    session: Session, jurisdictions: Iterable[str], state: str
) -> list[DistrictField]:
    """The districts to ask a supporter in ``state`` for, for bills in ``jurisdictions``."""
    fields: list[DistrictField] = []
    state_name = STATE_NAMES.get(state, state)
    for jurisdiction in dict.fromkeys(jurisdictions):
        if jurisdiction == "us":
            chambers = [("us_house", "house", "U.S. House (congressional) district")]
        elif jurisdiction.upper() == state:
            chambers = [
                ("senate", "senate", f"{state_name} Senate district"),
                ("house", "house", f"{state_name} House district"),
                ("legislature", "legislature", f"{state_name} Legislature district"),
            ]
        else:
            continue
        for name, chamber, label in chambers:
            choices = _districts(session, jurisdiction, state, chamber)
            if choices:
                fields.append(DistrictField(name, jurisdiction, chamber, label, choices))
    return fields


def _districts(session: Session, jurisdiction: str, state: str, chamber: str) -> tuple[str, ...]:
    found = session.scalars(
        select(PersonRow.district)
        .where(PersonRow.jurisdiction == jurisdiction, PersonRow.state == state)
        .where(PersonRow.chamber == chamber, PersonRow.active.is_(True))
        .where(PersonRow.district.is_not(None))
        .distinct()
    )
    return tuple(sorted({d for d in found if d}, key=_district_order))


def _district_order(district: str) -> tuple[int, int, str]:
    return (0, int(district), "") if district.isdigit() else (1, 0, district)


def legislators_for(
    session: Session,
    fields: Iterable[DistrictField],
    state: str,
    chosen: Mapping[str, str],
    campaign_handles: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Legislator]:
    """The legislators of ``state`` for the districts ``chosen`` (field name → district).

    U.S. senators come with the state, whether or not the congressional district
    is known. Handles are the
    directory's (imported, then organizer overrides), then those the
    campaign file or its roster gives (``campaign_handles``: person id →
    platform → handle); a person on the do-not-tag list keeps their name but
    loses their handle there.
    """
    conditions = []
    for f in fields:
        district = normalize.district(chosen.get(f.name) or None)
        if f.name == "us_house":
            # senators represent the whole state: shown even before the district is known
            seats: ColumnElement[bool] = PersonRow.chamber == "senate"
            if district is not None:
                house = and_(PersonRow.chamber == "house", PersonRow.district == district)
                seats = or_(seats, house)
            conditions.append(and_(PersonRow.jurisdiction == "us", seats))
        elif district is not None:
            conditions.append(
                and_(
                    PersonRow.jurisdiction == f.jurisdiction,
                    PersonRow.chamber == f.chamber,
                    PersonRow.district == district,
                )
            )
    if not conditions:
        return []
    rows = session.execute(
        select(PersonRow.id)
        .where(PersonRow.state == state, PersonRow.active.is_(True))
        .where(or_(*conditions))
    )
    found = legislators_by_id(session, [row.id for row in rows], campaign_handles)
    rank = {"us": 0}
    chamber_rank = {"senate": 0, "legislature": 0, "house": 1}
    found.sort(
        key=lambda leg: (
            rank.get(leg.person.jurisdiction or "", 1),
            chamber_rank.get(leg.person.chamber or "", 2),
            leg.person.name,
        )
    )
    return found


def legislators_by_id(
    session: Session,
    ids: Iterable[str],
    campaign_handles: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Legislator]:
    """These people as :class:`Legislator` s, handles as :func:`legislators_for` gives them."""
    entries = load_entries(session, list(dict.fromkeys(ids)))
    rules = do_not_tag_entries(session)
    offices = offices_of(session, list(entries))
    return [
        Legislator(
            person=_without_do_not_tag(
                replace(
                    entry.person,
                    handles={
                        **entry.person.handles,
                        **contact.valid_handles(
                            dict((campaign_handles or {}).get(entry.person.id, {}))
                        ),
                    },
                ),
                rules,
            ),
            url=entry.row.url,
            office_address=entry.row.office_address,
            offices=offices.get(entry.person.id, ()),
            photo_url=entry.row.photo_url,
        )
        for entry in entries.values()
    ]


def offices_of(session: Session, ids: list[str]) -> dict[str, tuple[Office, ...]]:
    """Each person's offices: the organisation's own (overrides files) first, then the
    data's; capitol before district; each in the order its source lists them."""
    found: dict[str, list[tuple[tuple[int, int, int], Office]]] = {}
    for part in chunks(ids):
        for row in session.scalars(select(PersonOffice).where(PersonOffice.person_id.in_(part))):
            order = (
                0 if row.source.startswith("file:") else 1,
                0 if row.kind == "capitol" else 1,
                row.position,
            )
            office = Office(row.kind, row.name, row.phone, row.address)
            found.setdefault(row.person_id, []).append((order, office))
    return {
        person: tuple(office for _, office in sorted(listed, key=lambda pair: pair[0]))
        for person, listed in found.items()
    }


def _without_do_not_tag(person: Person, rules: list[NoTag]) -> Person:
    handles = dict(person.handles)
    for rule in rules:
        for platform, handle in list(handles.items()):
            for_person = rule.person_id == person.id and rule.platform in (None, platform)
            for_handle = (
                rule.handle is not None
                and rule.platform == platform
                and rule.handle.lower().lstrip("@") == handle.lower().lstrip("@")
            )
            if for_person or for_handle:
                handles.pop(platform, None)
    return replace(person, handles=handles)


#: Official "find my legislator" pages, for supporters the address lookup could not place.
#: Congress's are the chambers' own; a state's is its legislature's own lookup. Missouri's
#: is the Senate's lookup, which answers for both chambers from an address (the page
#: path as Missouri's own site and civic tools linked it in 2026; checked 2026-12-07).
CONGRESS_FINDERS = (
    (
        "Find your U.S. representative (house.gov)",
        "https://www.house.gov/representatives/find-your-representative",
    ),
    (
        "Find your U.S. senators (senate.gov)",
        "https://www.senate.gov/senators/senators-contact.htm",
    ),
)
STATE_FINDERS = {
    "MO": (
        "Find your Missouri legislators (Missouri Senate)",
        "https://www.senate.mo.gov/LegisLookup/Default.aspx",
    ),
}


def finders(jurisdictions: Iterable[str], state: str | None) -> list[tuple[str, str]]:
    """``(label, URL)`` of the official lookups for these jurisdictions (and ``state``)."""
    found: list[tuple[str, str]] = []
    for jurisdiction in dict.fromkeys(jurisdictions):
        if jurisdiction == "us":
            found.extend(CONGRESS_FINDERS)
        elif state and jurisdiction.upper() == state and state in STATE_FINDERS:
            found.append(STATE_FINDERS[state])
    return found


def picked_districts(
    fields: Iterable[DistrictField], asked: Mapping[str, str | None]
) -> dict[str, str]:
    """The districts asked for (field name → district) that can be real seats.

    A district the directory knows is taken; so is one it does not know (a
    vacant seat) when it is a number within the chamber's known range, as
    the geocoder gives it. Anything else is dropped.
    """
    picked: dict[str, str] = {}
    for f in fields:
        value = normalize.district((asked.get(f.name) or "").strip() or None)
        if value is None:
            continue
        numbers = [int(d) for d in f.choices if d.isdigit()]
        if value in f.choices or (value.isdigit() and numbers and 1 <= int(value) <= max(numbers)):
            picked[f.name] = value
    return picked


@dataclass(frozen=True)
class Vacancy:
    """A seat the supporter has that nobody holds (in the directory) now."""

    seat: str


def vacancies(
    fields: Iterable[DistrictField],
    state: str,
    picked: Mapping[str, str],
    legislators: Iterable[Legislator],
) -> list[Vacancy]:
    """The supporter's seats with nobody in them: two U.S. senators expected, one per district."""
    people = [leg.person for leg in legislators]
    state_name = STATE_NAMES.get(state, state)
    found: list[Vacancy] = []
    for f in fields:
        if f.name == "us_house":
            senators = sum(1 for p in people if p.jurisdiction == "us" and p.chamber == "senate")
            found.extend(Vacancy("U.S. Senate") for _ in range(max(0, 2 - senators)))
        district = picked.get(f.name)
        if district is None:
            continue
        held = any(
            p.jurisdiction == f.jurisdiction
            and p.chamber == f.chamber
            and normalize.district(p.district) == district
            for p in people
        )
        if not held:
            where = "U.S. House" if f.jurisdiction == "us" else f"{state_name} {f.chamber.title()}"
            label = "at-large" if district == "0" else f"district {district}"
            found.append(Vacancy(f"{where}, {label}"))
    return found
