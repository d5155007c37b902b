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
or words of a leadership title: ``speaker``, ``president pro tem``, ``majority floor
leader``; a word in no leadership title is an error), ``people`` (directory ids or exact names),
``bill_role`` (people in a role on the campaign's bills: ``sponsors``,
``cosponsors``, ``supporters``, ``committee_of_referral``,
``committee_members_not_cosponsoring``, ``chamber_of_current_stage``; see
docs/bills.md) with ``bill`` (which of the campaign's bills; default: all).

This module is pure data (pydantic), so campaign validation can load it
without the database; :mod:`bot.directory.match` resolves selectors in SQL.
"""

from __future__ import annotations

import difflib
import re
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


#: Every word a leadership title is written with, in Congress's ``leadership_roles``, in
#: Open States' ``extras.title`` (19 states) and in Puerto Rico's Spanish; ``leadership:``
#: words must come from here, so a misspelt title is an error, not a selector matching nobody.
_LEADERSHIP_VOCABULARY = """
    speaker president pro tem majority minority floor leader leaders whip whips assistant
    deputy chief caucus conference chair chairman chairwoman chairperson vice secretary
    treasurer policy steering committee outreach communications democratic republican
    senate house assembly legislature council of the and for lieutenant governor presiding
    officer dean emeritus clerk sergeant at arms rules leadership co first second third
    senior associate parliamentarian elect acting interim party democrat republicans
    democrats delegation chamber senator representative member members independent
    presidente presidenta vicepresidente vicepresidenta portavoz alterno alterna mayoria
    minoria secretario secretaria del de la camara senado representantes
"""
LEADERSHIP_WORDS = frozenset(_LEADERSHIP_VOCABULARY.split())

#: Titles a campaign is likely to name, for error messages.
LEADERSHIP_EXAMPLES = (
    "speaker",
    "speaker pro tem",
    "president pro tem",
    "majority floor leader",
    "minority floor leader",
    "majority leader",
    "whip",
)

_PRO_TEM = re.compile(r"\bpro ?tem(?:pore)?\b")


def leadership_key(title: str) -> str:
    """A leadership title compared: lower case, accents and punctuation dropped, one space
    between words, "pro tempore" (and "pro-tem") written "pro tem"."""
    return _PRO_TEM.sub("pro tem", normalize.plain(title))


def leadership_phrase(text: str) -> str:
    """A ``leadership:`` value checked and compared as :func:`leadership_key` does.

    Raises ``ValueError`` naming the word that is in no leadership title (with the
    nearest words), so ``leadership: speeker`` fails when the campaign loads.
    """
    key = leadership_key(str(text))
    if not key:
        raise ValueError(
            f"leadership: {text!r} has no words; write true for every leader, or a title "
            f"such as {', '.join(LEADERSHIP_EXAMPLES)}"
        )
    unknown = [word for word in key.split() if word not in LEADERSHIP_WORDS]
    if unknown:
        word = unknown[0]
        close = difflib.get_close_matches(word, sorted(LEADERSHIP_WORDS), n=3, cutoff=0.7)
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        raise ValueError(
            f"leadership: {text!r}: {word!r} is not a word of any leadership title{hint}; "
            f"write true for every leader, or a title such as "
            f"{', '.join(LEADERSHIP_EXAMPLES)}"
        )
    return key


def leadership_title_matches(phrase: str, title: str) -> bool:
    """Whether ``title`` is a post ``phrase`` names (both as :func:`leadership_key` writes them).

    The phrase must be in the title as whole words ("whip" finds "Majority Whip",
    "majority leader" finds "Assistant Majority Leader", as congress-legislators
    names it). "Pro tem" makes a different post: "speaker" finds the Speaker,
    not the Speaker Pro Tem (name that one: "speaker pro tem").
    """
    words, wanted = title.split(), phrase.split()
    size = len(wanted)
    for start in range(len(words) - size + 1):
        if words[start : start + size] != wanted:
            continue
        after = words[start + size : start + size + 2]
        if after == ["pro", "tem"]:
            continue
        return True
    return False


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

    @field_validator("leadership")
    @classmethod
    def _leadership_titles(cls, value: bool | tuple[str, ...] | None) -> object:
        if value is None or isinstance(value, bool):
            return value
        return tuple(leadership_phrase(text) for text in value)

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
