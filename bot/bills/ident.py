"""Bill identity: a campaign's ``jurisdiction``/``session``/``identifier`` as each API names it.

Congress.gov names a bill by congress, type and number (``/bill/117/hr/21``);
a campaign writes ``{jurisdiction: us, session: "117", identifier: HR 21}``.
Open States names it by jurisdiction, session and identifier
(``/bills/mo/2026/SB 792``), as the campaign does.

The key every table uses is the campaign's :attr:`bot.campaigns.schema.Bill.key`:
``us/117/HR 21``, ``mo/2026/SB 792``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Congress.gov's bill types, by the prefix a campaign writes (dots and spaces removed).
CONGRESS_TYPES: dict[str, str] = {
    "HR": "hr",
    "S": "s",
    "HJRES": "hjres",
    "SJRES": "sjres",
    "HCONRES": "hconres",
    "SCONRES": "sconres",
    "HRES": "hres",
    "SRES": "sres",
}

#: Types that only their own chamber passes (simple resolutions).
ONE_CHAMBER_TYPES = frozenset({"hres", "sres"})
#: Types that never go to the President.
NO_PRESIDENT_TYPES = frozenset({"hres", "sres", "hconres", "sconres"})

_IDENTIFIER = re.compile(r"([A-Za-z. ]+?)\s*(\d+)")


def split_identifier(identifier: str) -> tuple[str, int]:
    """``"H.J.Res. 5"`` → ``("HJRES", 5)``; raise ValueError if it is not an identifier."""
    match = _IDENTIFIER.fullmatch(identifier.strip())
    if not match:
        raise ValueError(
            f"{identifier!r} is not a bill identifier; write the chamber prefix and number, "
            "e.g. 'SB 792' or 'S 1693'"
        )
    return match.group(1).replace(".", "").replace(" ", "").upper(), int(match.group(2))


def congress_type(prefix: str) -> str:
    """The Congress.gov type of an identifier prefix: ``"HR"`` → ``"hr"``."""
    try:
        return CONGRESS_TYPES[prefix.upper()]
    except KeyError:
        known = ", ".join(CONGRESS_TYPES)
        raise ValueError(
            f"{prefix!r} is not a kind of Congress bill; use one of {known} "
            "(e.g. 'S 1693', 'HR 21', 'HJRES 7')"
        ) from None


def congress_number(session: str) -> int:
    """The congress a ``session`` names: ``"117"`` → 117."""
    text = str(session).strip()
    if not text.isdigit() or not 1 <= int(text) <= 200:
        raise ValueError(
            f"{session!r} is not a congress; for Congress, session is the congress number, "
            "e.g. '119'"
        )
    return int(text)


@dataclass(frozen=True)
class BillRef:
    """One bill, as the bot and its sources name it."""

    jurisdiction: str
    session: str
    identifier: str
    congress: int | None = None
    type: str | None = None
    number: int | None = None

    @property
    def key(self) -> str:
        return f"{self.jurisdiction}/{self.session}/{self.identifier}"

    @property
    def is_congress(self) -> bool:
        return self.jurisdiction == "us"

    @property
    def congress_path(self) -> str:
        """``bill/117/hr/21``: the bill's path in Congress.gov API v3."""
        return f"bill/{self.congress}/{self.type}/{self.number}"

    @classmethod
    def parse(cls, jurisdiction: str, session: str, identifier: str) -> BillRef:
        """Normalise and, for Congress, derive congress/type/number (ValueError if impossible)."""
        jurisdiction = jurisdiction.strip().lower()
        prefix, number = split_identifier(identifier)
        identifier = f"{prefix} {number}"
        session = str(session).strip()
        if jurisdiction != "us":
            return cls(jurisdiction, session, identifier)
        congress = congress_number(session)
        return cls(jurisdiction, str(congress), identifier, congress, congress_type(prefix), number)

    @classmethod
    def from_key(cls, key: str) -> BillRef:
        """``"us/117/HR 21"`` → the ref (ValueError if it is not a key)."""
        parts = key.split("/", 2)
        if len(parts) != 3:
            raise ValueError(
                f"{key!r} is not a bill key; write jurisdiction/session/identifier, "
                "e.g. 'us/117/HR 21' or 'mo/2026/SB 792'"
            )
        return cls.parse(*parts)


def bill_matches(wanted: str, key: str) -> bool:
    """Whether ``wanted`` (an identifier such as ``S 1693``, or a key) names the bill ``key``."""
    text = wanted.strip()
    if text.lower() == key.lower():
        return True
    identifier = key.rsplit("/", 1)[-1]
    try:
        prefix, number = split_identifier(text)
    except ValueError:
        return False
    return f"{prefix} {number}" == identifier
