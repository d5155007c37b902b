"""A bill as the bot knows it, whatever the source: plain data, JSON round-trip.

Parsers (:mod:`bot.bills.congress`, :mod:`bot.bills.openstates`) build a
:class:`BillRecord`; :func:`bot.bills.status.derive` fills in its status,
current chamber and current committees; :mod:`bot.bills.store` caches it
(sponsors and committees as rows, for selectors in SQL; the whole record as
JSON, for ``bills show`` and for events).

Chambers use the directory's words: ``house``, ``senate``, ``legislature``
(unicameral), plus ``executive`` for a governor's or president's actions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any

#: What an action did, in the bot's words (a source may say several at once). The
#: tables in docs/bills.md say which source code or classification gives which kind.
ACTION_KINDS = (
    "introduced",
    "referred",  # to a committee
    "reported",  # out of a committee, favourably or without recommendation
    "reported_unfavorably",  # a do-not-pass report
    "discharged",  # a committee was discharged of it
    "discharge_petition",  # a discharge petition was filed
    "hearing",  # a committee hearing was held
    "failed_committee",  # a committee voted it down or held it (may be reconsidered)
    "deferred",  # deferred or tabled
    "received",  # received by the second chamber
    "passed",  # by a chamber (``Action.chamber``)
    "failed",  # a chamber's vote on it failed (may be reconsidered)
    "withdrawn",
    "presented",  # to the president or governor
    "signed",  # signed, or became law (without signature, or over a veto)
    "vetoed",
    "pocket_veto",  # vetoed with no chance of an override
    "line_item_veto",  # items vetoed, the rest law
    "override_passed",  # a chamber voted to override the veto
    "override_failed",  # an override vote failed: the veto stands
)


@dataclass(frozen=True)
class Sponsor:
    """A sponsor or cosponsor; ``person_id`` is a directory id where the source gives one."""

    name: str
    role: str
    """``sponsor`` (primary) or ``cosponsor``."""
    person_id: str | None = None
    """bioguide (``C001078``) for Congress, ``ocd-person/...`` for states."""
    since: date | None = None
    withdrawn: date | None = None
    """The day the cosponsor withdrew (Congress.gov's ``sponsorshipWithdrawnDate``)."""
    original: bool | None = None
    party: str | None = None
    state: str | None = None
    district: str | None = None

    @property
    def supports(self) -> bool:
        return self.withdrawn is None


@dataclass(frozen=True)
class CommitteeRef:
    """A committee the bill was referred to."""

    name: str
    id: str | None = None
    """The directory's id: thomas id (``SSGA``, ``SSGA13``) or ``ocd-organization/...``."""
    chamber: str | None = None
    referred: date | None = None
    current: bool = False
    """The bill is in this committee now."""
    activity: str | None = None
    """The last thing the committee did with it (``Referred to``, ``Reported by``)."""


@dataclass(frozen=True)
class Action:
    date: date
    text: str
    chamber: str | None = None
    kinds: tuple[str, ...] = ()
    committees: tuple[str, ...] = ()
    """Committee ids (or names where the source gives no id)."""
    time: str | None = None


@dataclass(frozen=True)
class Hearing:
    """A scheduled committee hearing or meeting that lists the bill."""

    id: str
    """The source's id (Congress.gov eventId, Open States event id)."""
    day: date
    starts: datetime | None = None
    """When it starts, if the source says (aware)."""
    title: str = ""
    committees: tuple[str, ...] = ()
    committee_names: tuple[str, ...] = ()
    location: str | None = None
    url: str | None = None
    status: str = "scheduled"


@dataclass
class BillRecord:
    key: str
    jurisdiction: str
    session: str
    identifier: str
    source: str
    """``congress.gov`` or ``openstates``."""
    source_id: str
    """``117/hr/21`` or ``ocd-bill/...``."""
    title: str
    url: str | None = None
    origin_chamber: str | None = None
    introduced: date | None = None
    updated: str | None = None
    """The source's own update stamp (Congress.gov ``updateDate``, Open States ``updated_at``)."""
    one_chamber: bool = False
    """A simple resolution: passing its own chamber is final."""
    needs_executive: bool = True
    sponsors: list[Sponsor] = field(default_factory=list)
    committees: list[CommitteeRef] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    """Oldest first."""
    hearings: list[Hearing] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    """The source's count of each list (Congress.gov), to know when a cached list is current."""
    # derived by bot.bills.status.derive
    status: str = "introduced"
    status_date: date | None = None
    current_chamber: str | None = None
    passed_chambers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def current_committees(self) -> list[CommitteeRef]:
        return [c for c in self.committees if c.current]

    @property
    def latest_action(self) -> Action | None:
        return self.actions[-1] if self.actions else None

    def as_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BillRecord:
        values = dict(data)
        values["sponsors"] = [_build(Sponsor, s) for s in data.get("sponsors", [])]
        values["committees"] = [_build(CommitteeRef, c) for c in data.get("committees", [])]
        values["actions"] = [_build(Action, a) for a in data.get("actions", [])]
        values["hearings"] = [_build(Hearing, h) for h in data.get("hearings", [])]
        for name in ("introduced", "status_date"):
            values[name] = _date(values.get(name))
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


_DATES = {"since", "withdrawn", "referred", "date", "day"}


def _build(cls: type, data: dict[str, Any]) -> Any:
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name in _DATES:
            value = _date(value)
        elif f.name == "starts" and isinstance(value, str):
            value = datetime.fromisoformat(value)
        elif isinstance(value, list):
            value = tuple(value)
        values[f.name] = value
    return cls(**values)
