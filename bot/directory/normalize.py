"""One vocabulary for every source: chambers, parties, titles, roles, names.

Congress (congress-legislators) and the states (Open States) spell the same
things differently. Everything stored in the directory, and every selector
value, goes through these functions, so ``chamber: upper`` in a campaign
matches a senator imported from either source.
"""

from __future__ import annotations

import re
import unicodedata

#: Canonical chambers: ``senate`` (an upper chamber), ``house`` (a lower
#: chamber, whatever the state calls it), ``legislature`` (a unicameral one).
CHAMBERS = ("senate", "house", "legislature")

_CHAMBER_ALIASES = {
    "senate": "senate",
    "sen": "senate",
    "upper": "senate",
    "house": "house",
    "rep": "house",
    "lower": "house",
    "assembly": "house",
    "house of representatives": "house",
    "house of delegates": "house",
    "legislature": "legislature",
    "unicameral": "legislature",
}

_PARTY_ALIASES = {
    "d": "Democratic",
    "dem": "Democratic",
    "democrat": "Democratic",
    "democratic": "Democratic",
    "r": "Republican",
    "rep": "Republican",
    "gop": "Republican",
    "republican": "Republican",
    "i": "Independent",
    "ind": "Independent",
    "independent": "Independent",
    "l": "Libertarian",
    "libertarian": "Libertarian",
    "g": "Green",
    "green": "Green",
    "nonpartisan": "Nonpartisan",
}

#: Committee roles, canonical form; anything else a source says is ``member``.
ROLES = ("chair", "co-chair", "vice chair", "ranking member", "ex officio", "member")

#: Territories whose member of the House is a delegate (or resident commissioner).
_DELEGATE_STATES = {"DC", "GU", "VI", "AS", "MP"}

#: States whose lower chamber is not called "House": how its members are addressed.
_LOWER_TITLES = {
    "CA": "Asm.",
    "NV": "Asm.",
    "NY": "Asm.",
    "WI": "Rep.",
    "NJ": "Asm.",
    "MD": "Del.",
    "VA": "Del.",
    "WV": "Del.",
}

#: The states, DC and the territories that send a delegate to Congress: postal code -> name.
STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
    "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "DC": "District of Columbia",
    "PR": "Puerto Rico", "GU": "Guam", "VI": "U.S. Virgin Islands", "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}  # fmt: skip

#: Postal codes of the states, DC and the territories that send a delegate to Congress.
US_STATES = frozenset(STATE_NAMES)


def chamber(value: str | None) -> str | None:
    """``upper``/``Senate``/``sen`` → ``senate``; ``lower``/``Assembly`` → ``house``.

    Raises :class:`ValueError` for a word that names no chamber.
    """
    if value is None:
        return None
    key = " ".join(value.strip().lower().split())
    try:
        return _CHAMBER_ALIASES[key]
    except KeyError:
        raise ValueError(
            f"{value!r} is not a chamber; use senate (or upper), house (or lower, assembly) "
            "or legislature"
        ) from None


def party(value: str | None) -> str | None:
    """``Democrat``/``D`` → ``Democratic``; ``GOP``/``R`` → ``Republican``; others as given."""
    if value is None:
        return None
    text = value.strip()
    return _PARTY_ALIASES.get(text.lower(), text)


def state(value: str | None) -> str | None:
    """A postal code in upper case (``mo`` → ``MO``); :class:`ValueError` if it is none."""
    if value is None:
        return None
    code = value.strip().upper()
    if code not in US_STATES:
        raise ValueError(f"{value!r} is not a state; use its two-letter postal code, e.g. MO")
    return code


def jurisdiction(value: str) -> str:
    """``US``/``us`` → ``us``; ``MO`` → ``mo``; :class:`ValueError` otherwise."""
    code = value.strip().lower()
    if code != "us" and code.upper() not in US_STATES:
        raise ValueError(
            f"{value!r} is not a jurisdiction; use 'us' for Congress or a state's "
            "two-letter code such as 'mo'"
        )
    return code


def district(value: object) -> str | None:
    """Districts as text without leading zeros (``3``, ``"03"`` → ``"3"``); at-large is ``0``."""
    if value is None:
        return None
    text = str(value).strip()
    if text.lower() in {"at-large", "at large", "al"}:
        return "0"
    return str(int(text)) if text.isdigit() else text


def role(value: str | None) -> str:
    """A committee role in canonical form: ``Chairman`` → ``chair``, ``Ranking Member``…"""
    text = (value or "").strip().lower().replace("-", " ")
    if not text or text == "member":
        return "member"
    if "ranking" in text:
        return "ranking member"
    if "ex officio" in text or "ex oficio" in text:
        return "ex officio"
    if text.startswith("co") and "chair" in text:
        return "co-chair"
    if "vice" in text and "chair" in text:
        return "vice chair"
    if "chair" in text:
        return "chair"
    return "member"


def canonical_role(value: str) -> str:
    """A role given in a selector; :class:`ValueError` when it is not one of :data:`ROLES`."""
    text = " ".join(value.strip().lower().replace("-", " ").split())
    aliases = {
        "chair": "chair",
        "chairman": "chair",
        "chairwoman": "chair",
        "chairperson": "chair",
        "co chair": "co-chair",
        "cochair": "co-chair",
        "vice chair": "vice chair",
        "vice chairman": "vice chair",
        "ranking member": "ranking member",
        "ranking": "ranking member",
        "ex officio": "ex officio",
        "member": "member",
    }
    try:
        return aliases[text]
    except KeyError:
        raise ValueError(
            f"{value!r} is not a committee role; use one of: {', '.join(ROLES)}"
        ) from None


def title(chamber_name: str | None, state_code: str | None, jurisdiction_code: str) -> str | None:
    """How a post addresses a legislator: ``Sen.``, ``Rep.``, ``Del.``, ``Asm.``…"""
    if chamber_name == "senate":
        return "Sen."
    if chamber_name == "legislature":
        return "Sen."  # Nebraska's unicameral legislature: its members are senators
    if chamber_name == "house":
        if jurisdiction_code == "us":
            if state_code == "PR":
                return "Res. Comm."
            return "Del." if state_code in _DELEGATE_STATES else "Rep."
        return _LOWER_TITLES.get(state_code or "", "Rep.")
    return None


def plain(text: str) -> str:
    """Lower case, accents and punctuation removed, spaces collapsed: for matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_text = ascii_text.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text).split())


_COMMITTEE_NOISE = {"committee", "on", "the", "of", "subcommittee", "select", "standing"}


def committee_key(name: str) -> str:
    """A committee name reduced for matching: ``Senate Committee on the Judiciary`` →
    ``senate judiciary``. ``select`` and ``standing`` are dropped too, so names match
    however a source words them."""
    words = [w for w in plain(name).split() if w not in _COMMITTEE_NOISE]
    return " ".join(words)
