"""The selector language of campaign files (``targets.select`` and ``targets.exclude``).

A selector is a mapping of keys; a person matches it when they match **every
key** (an intersection). A key given a list matches **any** of its values.
``select`` is a list of selectors and yields everyone matching **any** of them
(a union); ``exclude`` is a list of selectors too, and everyone matching any
of them is removed. Only people in office (active) are selected.

.. code-block:: yaml

    targets:
      select:
        - committee: Senate Judiciary       # SSJU, by name or id
        - {jurisdiction: us, chamber: senate, state: MO}   # Missouri's U.S. senators
        - {jurisdiction: us, leadership: [majority leader, minority leader]}
      exclude:
        - people: [H001089]

Keys: ``jurisdiction`` (``us`` or a state: which legislature), ``chamber``
(``senate``/``upper``, ``house``/``lower``/``assembly``, ``legislature``),
``state`` (where the member is from: ``{jurisdiction: us, state: MO}`` is
Missouri's delegation in Congress), ``district``, ``party`` (a major-party
family: ``D``, ``R``, ``I`` or ``other``, whatever the label says:
"Democratic/Working Families" and "Democratic-Farmer-Labor" are ``D``; any
other word is an exact label), ``party_label`` (exact labels only), ``committee``
(name or id; with ``role`` and ``subcommittees``), ``leadership`` (``true``,
or words of a leadership title), ``people`` (directory ids or exact names),
``bill_role`` (people in a role on the campaign's bills: ``sponsors``,
``cosponsors``, ``supporters``, ``committee_of_referral``,
``committee_members_not_cosponsoring``, ``chamber_of_current_stage``; see
docs/bills.md) with ``bill`` (which of the campaign's bills; default: all).

This module is pure data (pydantic), so campaign validation can load it
without the database; :mod:`bot.directory.match` resolves selectors in SQL.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.directory import normalize

#: The bill-role selector values (``bill_role:``), resolved by :mod:`bot.bills.roles`.
BILL_ROLES = (
    "sponsors",
    "cosponsors",
    "supporters",
    "committee_of_referral",
    "committee_members_not_cosponsoring",
    "chamber_of_current_stage",
)


#: How :meth:`Selector.describe` writes a party family.
_FAMILY_NAMES = {"D": "Democratic", "R": "Republican", "I": "Independent"}


def _as_list(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, str | int) and not isinstance(value, bool):
        return [value]
    return value


class Selector(BaseModel):
    """One rule yielding targets: the people matching every key given."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    jurisdiction: tuple[str, ...] | None = Field(
        default=None, description="which legislature: 'us' (Congress) or a state code ('mo')"
    )
    chamber: tuple[str, ...] | None = Field(
        default=None, description="senate (upper), house (lower, assembly) or legislature"
    )
    state: tuple[str, ...] | None = Field(
        default=None, description="the state a member represents: 'MO'"
    )
    district: tuple[str, ...] | None = Field(default=None, description="district number or name")
    party: tuple[str, ...] | None = Field(
        default=None,
        description="a major-party family: D (Democratic, and labels such as "
        "'Democratic/Working Families', 'Democratic-Farmer-Labor'), R (Republican, "
        "'Republican/Conservative'), I (Independent) or other; any other word matches that "
        "exact label",
    )
    party_label: tuple[str, ...] | None = Field(
        default=None,
        description="exact party labels as the data writes them ('Democratic/Working "
        "Families'); case is ignored",
    )
    committee: tuple[str, ...] | None = Field(
        default=None, description="committee or subcommittee, by name or id ('SSJU')"
    )
    role: tuple[str, ...] | None = Field(
        default=None,
        description="only these committee roles: chair, co-chair, vice chair, ranking member "
        "(or ranking, minority chair), ex officio, member",
    )
    subcommittees: bool = Field(
        default=False, description="also everyone on the committee's subcommittees"
    )
    leadership: bool | tuple[str, ...] | None = Field(
        default=None,
        description="true: anyone holding a leadership post; or words of the post's title "
        "('majority leader', 'whip')",
    )
    people: tuple[str, ...] | None = Field(
        default=None, description="directory ids (bioguide, ocd-person/...) or exact names"
    )
    bill_role: tuple[str, ...] | None = Field(
        default=None,
        description="people in a role on the campaign's bills: " + ", ".join(BILL_ROLES),
    )
    bill: tuple[str, ...] | None = Field(
        default=None, description="with bill_role: which of the campaign's bills ('S 1693')"
    )

    @field_validator(
        "jurisdiction",
        "chamber",
        "state",
        "party",
        "party_label",
        "committee",
        "role",
        "people",
        "bill_role",
        "bill",
        mode="before",
    )
    @classmethod
    def _listify(cls, value: object) -> object:
        return _as_list(value)

    @field_validator("leadership", mode="before")
    @classmethod
    def _leadership(cls, value: object) -> object:
        return value if isinstance(value, bool) or value is None else _as_list(value)

    @field_validator("jurisdiction")
    @classmethod
    def _jurisdictions(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(normalize.jurisdiction(v) for v in value)

    @field_validator("chamber")
    @classmethod
    def _chambers(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(str(normalize.chamber(v)) for v in value)

    @field_validator("state")
    @classmethod
    def _states(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(str(normalize.state(v)) for v in value)

    @field_validator("district", mode="before")
    @classmethod
    def _districts(cls, value: object) -> object:
        value = _as_list(value)
        if isinstance(value, list | tuple):
            return [normalize.district(v) for v in value]
        return value

    @field_validator("party")
    @classmethod
    def _parties(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(normalize.party_selection(v) for v in value)

    @field_validator("role")
    @classmethod
    def _roles(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(normalize.canonical_role(v) for v in value)

    @field_validator("bill_role")
    @classmethod
    def _bill_roles(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        roles = []
        for text in value:
            role = str(text).strip().lower().replace(" ", "_").replace("-", "_")
            if role not in BILL_ROLES:
                raise ValueError(f"{text!r} is not a bill role; use {', '.join(BILL_ROLES)}")
            roles.append(role)
        return tuple(roles)

    @model_validator(mode="after")
    def _coherent(self) -> Selector:
        given = self.keys()
        if not given:
            raise ValueError(
                "a selector needs at least one key (jurisdiction, chamber, state, district, "
                "party, party_label, committee, leadership, people or bill_role); to target all "
                "of Congress "
                "write 'jurisdiction: us'"
            )
        if (self.role or self.subcommittees) and not self.committee:
            raise ValueError("'role' and 'subcommittees' need a 'committee'")
        if self.bill and not self.bill_role:
            raise ValueError("'bill' needs a 'bill_role' (sponsors, cosponsors, ...)")
        for name in given:
            if getattr(self, name) == ():
                raise ValueError(f"'{name}' is an empty list; give at least one value")
        return self

    def keys(self) -> list[str]:
        """The keys this selector sets, in the documented order."""
        names = (
            "jurisdiction",
            "chamber",
            "state",
            "district",
            "party",
            "party_label",
            "committee",
            "role",
            "leadership",
            "people",
            "bill_role",
            "bill",
        )
        given = [name for name in names if getattr(self, name) is not None]
        if self.subcommittees:
            given.insert(given.index("committee") + 1, "subcommittees")
        return given

    def describe(self) -> str:
        """``committee: Senate Judiciary, role: chair``: for messages."""
        parts = []
        for name in self.keys():
            value: Any = getattr(self, name)
            if name == "party":
                value = tuple(_FAMILY_NAMES.get(v, v) for v in value)
            if isinstance(value, tuple):
                value = value[0] if len(value) == 1 else "[" + ", ".join(value) + "]"
            elif isinstance(value, bool):
                value = "true" if value else "false"
            parts.append(f"{name}: {value}")
        return ", ".join(parts)
