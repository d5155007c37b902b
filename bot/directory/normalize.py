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

#: Committee roles, canonical form; anything else a source says is ``member``
#: (the source's own words are kept beside it). ``ranking member`` is the
#: minority's lead: a ranking member, a minority chair, or (Pennsylvania) the
#: minority party's "democratic chair" / "republican chair".
ROLES = ("chair", "co-chair", "vice chair", "ranking member", "ex officio", "member")

#: The words parties use in committee titles (``republican chair``): → family.
_PARTY_TITLE_WORDS = {
    "democratic": "D",
    "democrat": "D",
    "republican": "R",
    "majority": "majority",
    "minority": "minority",
}  # noqa: E501

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
    """``Democrat``/``D`` → ``Democratic``; ``GOP``/``R`` → ``Republican``; others as given.

    A label with more than one party (``Democratic/Working Families``) is kept
    whole: it is what the legislator's ballot line says. :func:`party_family`
    tells which major party it belongs to.
    """
    if value is None:
        return None
    text = " ".join(value.strip().split())
    return _PARTY_ALIASES.get(text.lower(), text) or None


#: Major-party families a ``party:`` selector can name: Democratic, Republican,
#: Independent, and every other party (including Nonpartisan).
PARTY_FAMILIES = ("D", "R", "I", "other")

_FAMILY_WORDS = {
    "d": "D",
    "dem": "D",
    "democrat": "D",
    "democrats": "D",
    "democratic": "D",
    "r": "R",
    "rep": "R",
    "gop": "R",
    "republican": "R",
    "republicans": "R",
    "i": "I",
    "ind": "I",
    "independent": "I",
    "independents": "I",
    "other": "other",
    "others": "other",
}


def party_family(label: str | None) -> str | None:
    """The major-party family of a party label: ``D``, ``R``, ``I`` or ``other``.

    The first party of a fusion label decides (``Democratic/Working Families``
    → ``D``, ``Republican/Conservative`` → ``R``), and a state party named
    after a major one belongs to it (``Democratic-Farmer-Labor`` → ``D``).
    Only a label that *starts* with the major party's name counts, so Puerto
    Rico's ``Partido Popular Democrático`` is ``other``. None for no label.
    """
    if label is None or not label.strip():
        return None
    first = plain(label.split("/")[0]).split()
    word = first[0] if first else ""
    if word in {"democrat", "democratic", "democrats", "d", "dem"}:
        return "D"
    if word in {"republican", "republicans", "r", "gop"}:
        return "R"
    if first in (["independent"], ["i"], ["ind"]):
        return "I"
    return "other"


def party_selection(value: str) -> str:
    """A ``party:`` selector value: a family (``D``, ``R``, ``I``, ``other``) when it names
    one (``D``, ``Democrat``, ``Democratic``, ``GOP``...), else the label as given, which
    then matches that exact label (case ignored)."""
    text = " ".join(value.strip().split())
    if not text:
        raise ValueError("an empty party; use D, R, I, other or a party's exact label")
    return _FAMILY_WORDS.get(text.lower(), text)


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
    """A committee role in canonical form: ``Chairman`` → ``chair``, ``Ranking Member``…

    English and Spanish (Puerto Rico): ``presidente``/``presidenta`` → ``chair``,
    ``vicepresidente`` → ``vice chair``; ``secretario``, ``portavoz``, ``clerk``... →
    ``member``. A party-named role (``democratic chair``) is read here without its
    party (→ ``chair``); the importer, which knows the committee, decides whether it is
    the minority's (see :func:`party_role`). The whole table is in docs/directory.md.
    """
    words = plain(value or "").split()
    if words and words[0] in _PARTY_TITLE_WORDS:
        side = _PARTY_TITLE_WORDS[words[0]]
        rest = role(" ".join(words[1:]))
        if side == "minority" and rest == "chair":
            return "ranking member"
        return rest
    text = " ".join(words)
    squashed = text.replace(" ", "")
    if not text or text in {"member", "miembro", "miembra"}:
        return "member"
    if words[0] == "ranking":
        return "ranking member"
    if squashed.startswith(("exofficio", "exoficio", "esoficio")):
        return "ex officio"
    if squashed in _CHAIR_WORDS:
        return _CHAIR_WORDS[squashed]
    # "vice ranking member", "alternate chair", "secretario", "portavoz", "clerk"...
    return "member"


#: Squashed role words (no spaces) that are a chair of some kind.
_CHAIR_WORDS = {
    **dict.fromkeys(
        ("chair", "chairman", "chairwoman", "chairperson", "seniorchair", "leadcochair",
         "presidente", "presidenta"),
        "chair",
    ),
    **dict.fromkeys(
        ("cochair", "cochairman", "cochairwoman", "cochairperson", "copresidente",
         "copresidenta"),
        "co-chair",
    ),
    **dict.fromkeys(
        ("vicechair", "vicechairman", "vicechairwoman", "vicechairperson", "firstvicechair",
         "covicechair", "vicepresidente", "vicepresidenta", "vicepresident", "vice"),
        "vice chair",
    ),
}  # fmt: skip


def party_role(value: str | None) -> str | None:
    """The party a committee title names, as a family (``republican chair`` → ``R``), else
    None. ``majority``/``minority`` are returned as such."""
    words = plain(value or "").split()
    return _PARTY_TITLE_WORDS.get(words[0]) if words else None


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
        "ranking chair": "ranking member",
        "minority chair": "ranking member",
        "ex officio": "ex officio",
        "member": "member",
        "presidente": "chair",
        "presidenta": "chair",
        "vicepresidente": "vice chair",
        "vicepresidenta": "vice chair",
        "miembro": "member",
    }
    try:
        return aliases[text]
    except KeyError:
        raise ValueError(
            f"{value!r} is not a committee role; use one of: {', '.join(ROLES)} "
            "(minority chair and ranking mean ranking member)"
        ) from None


#: Jurisdictions with one chamber (``legislature``), and what a member is called.
UNICAMERAL = {
    "ne": "Sen.",  # Nebraska's Legislature: its members are senators
    "dc": "Councilmember",  # the Council of the District of Columbia
    "gu": "Sen.",  # the Legislature of Guam
    "vi": "Sen.",  # the Legislature of the Virgin Islands
}


def title(chamber_name: str | None, state_code: str | None, jurisdiction_code: str) -> str | None:
    """How a post addresses a legislator: ``Sen.``, ``Rep.``, ``Del.``, ``Asm.``…

    A DC councilmember is ``Councilmember``; Puerto Rico's senators and
    representatives (Senado, Cámara de Representantes) are ``Sen.`` and ``Rep.``.
    """
    if chamber_name == "senate":
        return "Sen."
    if chamber_name == "legislature":
        return UNICAMERAL.get(jurisdiction_code, "Sen.")
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
