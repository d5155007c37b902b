"""Selectors resolved in SQL.

Each selector becomes one ``SELECT people.id`` with a ``WHERE`` per key (an
index lookup on the people, committee-seat or leadership tables), so
resolving a campaign costs a few queries whatever the directory's size, and
never a scan per person.

Committees are found by id (``SSJU``, ``ocd-organization/...``), else by
name: first among committees' own names, then among the other names a source
lists (and ``<chamber> <name>`` for state committees), all compared after
:func:`~bot.directory.normalize.committee_key` (case, punctuation and the
words "committee", "on", "the", "of", "select", "standing" ignored). The
selector's ``jurisdiction`` narrows the search, and its ``chamber`` breaks a
tie. A name that still fits several committees is reported as ambiguous,
with their ids, rather than guessed. A name found without a ``jurisdiction``
that other jurisdictions' committees are also known by (``Senate Judiciary``:
Congress's, and every state's senate judiciary committee) resolves to the
committee whose own name it is, with a warning naming the others.

``party`` compares major-party families (:func:`~bot.directory.normalize.party_family`)
of the labels stored, ``party_label`` the labels themselves. ``chamber: upper``
in a one-chamber jurisdiction (Nebraska, DC) warns that its chamber is
``legislature``. With ``leadership``, ``chamber`` also finds presiding officers
who hold no seat (a lieutenant governor presiding over the senate).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from bot.directory import normalize
from bot.directory.models import (
    CommitteeAlias,
    CommitteeMember,
    CommitteeRow,
    LeadershipRole,
    PersonRow,
)
from bot.directory.overrides import find_person_id
from bot.directory.selectors import Selector, leadership_key, leadership_title_matches


@dataclass
class CommitteeLookup:
    """The committees a selector's ``committee`` value names, or why there are none."""

    text: str
    committees: list[CommitteeRow] = field(default_factory=list)
    problem: str | None = None
    warning: str | None = None
    """Found, but the name also fits other jurisdictions' committees."""


@dataclass
class Match:
    """One selector's result."""

    selector: Selector
    ids: list[str] = field(default_factory=list)
    """Matching people, in directory order (jurisdiction, state, chamber, name)."""
    problems: list[str] = field(default_factory=list)
    """Unknown or ambiguous committees (the selector then matches nobody: it is not
    guessed at) and unknown people (skipped; the rest of the list still counts)."""
    committees: list[CommitteeLookup] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)
    """The ids ``people:`` named, in their order."""


def find_committees(
    session: Session,
    text: str,
    jurisdictions: tuple[str, ...] | None = None,
    chambers: tuple[str, ...] | None = None,
) -> CommitteeLookup:
    """The committee(s) ``text`` names (see the module's doc for the rules)."""
    lookup = CommitteeLookup(text=text)
    base = select(CommitteeRow).where(CommitteeRow.active.is_(True))
    if jurisdictions:
        base = base.where(CommitteeRow.jurisdiction.in_(jurisdictions))
    found = list(session.scalars(base.where(CommitteeRow.id.in_({text, text.upper()}))))
    by_id = bool(found)
    key = normalize.committee_key(text)
    if not found and key:
        for primary_only in (True, False):
            query = base.join(CommitteeAlias, CommitteeAlias.committee_id == CommitteeRow.id)
            query = query.where(CommitteeAlias.alias == key)
            if primary_only:
                query = query.where(CommitteeAlias.is_primary.is_(True))
            found = list(session.scalars(query.distinct().order_by(CommitteeRow.id)))
            if found:
                break
    if len(found) > 1 and chambers:
        narrowed = [c for c in found if c.chamber in chambers]
        found = narrowed or found
    exact = by_id or any(normalize.plain(c.name) == normalize.plain(text) for c in found)
    if found and not jurisdictions and key and not exact:
        # A committee's full own name ("Senate Committee on the Judiciary") says which;
        # a short one ("Senate Judiciary") may be several jurisdictions' committee.
        lookup.warning = _elsewhere(session, text, key, found)
    if len(found) > 1:
        listed = "; ".join(f"{c.name} ({c.id}, {_where(c)})" for c in found[:8])
        lookup.problem = (
            f"committee {text!r} is ambiguous: it fits {len(found)} committees: {listed}. "
            "Use the committee's id, or add 'jurisdiction' (and 'chamber') to the selector"
        )
    elif not found:
        close = close_committees(session, text, jurisdictions)
        hint = f"; close matches: {'; '.join(close)}" if close else ""
        scope = f" in {', '.join(jurisdictions)}" if jurisdictions else ""
        lookup.problem = f"no committee {text!r}{scope}{hint}"
    lookup.committees = found
    return lookup


def _elsewhere(session: Session, text: str, key: str, found: list[CommitteeRow]) -> str | None:
    """A warning when committees of other jurisdictions are also known as ``key``."""
    places = {c.jurisdiction for c in found}
    query = (
        select(CommitteeRow)
        .join(CommitteeAlias, CommitteeAlias.committee_id == CommitteeRow.id)
        .where(
            CommitteeRow.active.is_(True),
            CommitteeAlias.alias == key,
            CommitteeRow.jurisdiction.not_in(places),
        )
        .distinct()
        .order_by(CommitteeRow.jurisdiction, CommitteeRow.id)
    )
    others = list(session.scalars(query))
    if not others:
        return None
    chosen = ", ".join(f"{_place(c.jurisdiction)}'s {c.name} ({c.id})" for c in found)
    listed = ", ".join(dict.fromkeys(f"{_place(c.jurisdiction)} ({c.id})" for c in others[:8]))
    more = f" and {len(others) - 8} more" if len(others) > 8 else ""
    return (
        f"committee {text!r} has no 'jurisdiction', so it "
        f"means {chosen}; the name also fits committees in {listed}{more}. Add 'jurisdiction' "
        "(us, or a state's code) to say which"
    )


def _place(jurisdiction: str) -> str:
    return "Congress" if jurisdiction == "us" else jurisdiction.upper()


def _where(committee: CommitteeRow) -> str:
    place = "Congress" if committee.jurisdiction == "us" else committee.jurisdiction.upper()
    return f"{place} {committee.chamber}"


def close_committees(
    session: Session, text: str, jurisdictions: tuple[str, ...] | None = None, limit: int = 5
) -> list[str]:
    """Committees whose names resemble ``text``, as ``Name (id)``, best first."""
    key = normalize.committee_key(text)
    query = (
        select(CommitteeAlias.alias, CommitteeRow.id, CommitteeRow.name)
        .join(CommitteeRow, CommitteeRow.id == CommitteeAlias.committee_id)
        .where(CommitteeRow.active.is_(True))
    )
    if jurisdictions:
        query = query.where(CommitteeRow.jurisdiction.in_(jurisdictions))
    rows = session.execute(query).all()
    by_alias: dict[str, list[tuple[str, str]]] = {}
    for alias, committee_id, name in rows:
        by_alias.setdefault(alias, []).append((committee_id, name))
    ranked = [a for a in by_alias if key and key in a]
    ranked += difflib.get_close_matches(key, list(by_alias), n=limit * 2, cutoff=0.6)
    seen: dict[str, str] = {}
    for alias in ranked:
        for committee_id, name in by_alias[alias]:
            seen.setdefault(committee_id, f"{name} ({committee_id})")
    return list(seen.values())[:limit]


def selector_query(session: Session, selector: Selector) -> tuple[Select[str], Match]:
    """The SQL selecting ``selector``'s people ids, and the lookups it needed."""
    match = Match(selector=selector)
    query = select(PersonRow.id).where(PersonRow.active.is_(True))
    if selector.jurisdiction:
        query = query.where(PersonRow.jurisdiction.in_(selector.jurisdiction))
    if selector.chamber:
        in_chamber: ColumnElement[bool] = PersonRow.chamber.in_(selector.chamber)
        if selector.leadership:
            presiding = select(LeadershipRole.person_id).where(
                LeadershipRole.chamber.in_(selector.chamber)
            )
            in_chamber = or_(in_chamber, PersonRow.chamber.is_(None) & PersonRow.id.in_(presiding))
        query = query.where(in_chamber)
        match.problems.extend(_one_chamber(selector))
    if selector.state:
        query = query.where(PersonRow.state.in_(selector.state))
    if selector.district:
        query = query.where(PersonRow.district.in_(selector.district))
    if selector.party:
        query = query.where(PersonRow.party.in_(party_labels(session, selector.party)))
    if selector.party_label:
        labels = [label.lower() for label in selector.party_label]
        query = query.where(func.lower(PersonRow.party).in_(labels))
    if selector.committee:
        committee_ids: set[str] = set()
        for text in selector.committee:
            lookup = find_committees(
                session, text, selector.jurisdiction, _committee_chambers(selector)
            )
            match.committees.append(lookup)
            if lookup.problem:
                match.problems.append(lookup.problem)
            elif lookup.warning:
                match.problems.append(lookup.warning)
            committee_ids.update(c.id for c in lookup.committees)
        if selector.subcommittees and committee_ids:
            children = select(CommitteeRow.id).where(CommitteeRow.parent_id.in_(committee_ids))
            committee_ids.update(session.scalars(children))
        seats = select(CommitteeMember.person_id).where(
            CommitteeMember.committee_id.in_(committee_ids)
        )
        if selector.role:
            seats = seats.where(CommitteeMember.role.in_(selector.role))
        query = query.where(PersonRow.id.in_(seats))
    if selector.leadership is True:
        query = query.where(PersonRow.id.in_(select(LeadershipRole.person_id)))
    elif selector.leadership is False:
        query = query.where(PersonRow.id.not_in(select(LeadershipRole.person_id)))
    elif selector.leadership:
        holders = leadership_holders(session, selector, match)
        query = query.where(PersonRow.id.in_(holders))
    if selector.people:
        for reference in selector.people:
            person_id = find_person_id(session, reference)
            if person_id is None:
                match.problems.append(f"no person {reference!r} in the directory")
            else:
                match.listed.append(person_id)
        query = query.where(PersonRow.id.in_(match.listed))
    for jurisdiction in missing_leadership(session, selector):
        match.problems.append(
            f"leadership: the directory knows no leadership posts in {jurisdiction}: its data "
            "has none; add them as leadership entries in an overrides file and load it "
            "(`advocacy-bot directory load-overrides FILE`, see docs/web.md)"
        )
    return query, match


def leadership_holders(session: Session, selector: Selector, match: Match) -> list[str]:
    """Ids of people holding a post ``selector.leadership`` names (its phrases, already
    checked by :func:`~bot.directory.selectors.leadership_phrase`).

    Titles are few (a few per chamber), so they are read once and compared in Python
    (:func:`~bot.directory.selectors.leadership_title_matches`). A phrase no title in the
    selector's jurisdictions holds is reported with the titles that are there, and a
    jurisdiction with no leadership at all with how to add it.
    """
    phrases = selector.leadership if isinstance(selector.leadership, tuple) else ()
    query = select(LeadershipRole.person_id, LeadershipRole.title, PersonRow.jurisdiction).join(
        PersonRow, PersonRow.id == LeadershipRole.person_id
    )
    if selector.jurisdiction:
        query = query.where(PersonRow.jurisdiction.in_(selector.jurisdiction))
    rows = session.execute(query.where(PersonRow.active.is_(True))).all()
    holders: list[str] = []
    for phrase in phrases:
        found = [
            row.person_id
            for row in rows
            if leadership_title_matches(phrase, leadership_key(row.title))
        ]
        holders.extend(found)
        if found:
            continue
        where = ", ".join(selector.jurisdiction) if selector.jurisdiction else "the directory"
        titles = sorted({row.title for row in rows})
        if titles:
            shown = ", ".join(titles[:12]) + (", ..." if len(titles) > 12 else "")
            match.problems.append(
                f"leadership: no leadership post in {where} is a {phrase!r}; "
                f"the posts there: {shown}"
            )
    return holders


def missing_leadership(session: Session, selector: Selector) -> list[str]:
    """For a ``leadership`` selector: the jurisdictions it names that have no leadership
    posts in the directory (their data carries none and no overrides file added any)."""
    if not selector.leadership or not selector.jurisdiction:
        return []
    known = set(
        session.scalars(
            select(PersonRow.jurisdiction)
            .join(LeadershipRole, LeadershipRole.person_id == PersonRow.id)
            .where(PersonRow.jurisdiction.in_(selector.jurisdiction))
            .distinct()
        )
    )
    return [j for j in selector.jurisdiction if j not in known]


def party_labels(session: Session, wanted: tuple[str, ...]) -> list[str]:
    """The party labels stored whose family (``D``, ``R``, ``I``, ``other``) is wanted, or
    that equal a wanted label (case ignored). The labels are few: read them all."""
    families = {w for w in wanted if w in normalize.PARTY_FAMILIES}
    exact = {w.lower() for w in wanted if w not in normalize.PARTY_FAMILIES}
    labels = session.scalars(select(PersonRow.party).where(PersonRow.party.is_not(None)).distinct())
    return [
        label
        for label in labels
        if label is not None
        and (normalize.party_family(label) in families or label.lower() in exact)
    ]


def _one_chamber(selector: Selector) -> list[str]:
    """Warnings for ``chamber: senate``/``house`` in a jurisdiction with one chamber."""
    warnings = []
    two = [c for c in selector.chamber or () if c != "legislature"]
    for code in selector.jurisdiction or ():
        if code in normalize.UNICAMERAL and two:
            name = normalize.STATE_NAMES.get(code.upper(), code.upper())
            warnings.append(
                f"{name} has one chamber, the legislature, so 'chamber: {two[0]}' matches "
                f"nobody there; write 'chamber: legislature' (or leave chamber out)"
            )
    return warnings


def _committee_chambers(selector: Selector) -> tuple[str, ...] | None:
    if not selector.chamber:
        return None
    chambers = set(selector.chamber)
    if "legislature" in chambers:
        chambers.add("joint")  # a joint committee belongs to the whole legislature
    return tuple(sorted(chambers))


def run(session: Session, selector: Selector) -> Match:
    """Resolve one selector to people ids (only people in office)."""
    query, match = selector_query(session, selector)
    if any(lookup.problem for lookup in match.committees):
        return match
    ordered = query.order_by(
        PersonRow.jurisdiction, PersonRow.state, PersonRow.chamber, PersonRow.name
    )
    match.ids = list(session.scalars(ordered))
    if selector.people:  # named people keep the order they are listed in
        listed = {person_id: index for index, person_id in enumerate(match.listed)}
        match.ids.sort(key=lambda person_id: listed.get(person_id, len(listed)))
    return match
