"""Pure checks on values in a campaign file, beyond their type.

The schema (:mod:`bot.campaigns.schema`) calls these from its validators, so
a mistake is reported with its field and line like any other. Nothing here
does I/O.

- :func:`jurisdiction_problem`: ``us``, a state, DC or a territory; not ``zz``.
- :func:`text_problem`: characters that hide or reorder what readers see
  (bidirectional controls, zero-width spaces, other control characters).
- :func:`timezone_problem`: ``CST`` and other abbreviations, which are
  ambiguous and (as zone names) ignore daylight saving time.
- :func:`cron_never_fires`: ``0 0 31 2 *`` (February 31st) is valid cron that
  never runs.
- :func:`url_problem`: only ``http`` and ``https`` links go into posts.
- :func:`x_mentions_problem`: ``x_mentions`` is ``tag`` or ``name``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import time
from urllib.parse import urlsplit

from bot.directory.normalize import STATE_NAMES

# --- Jurisdictions ----------------------------------------------------------------

#: what a campaign's ``jurisdiction`` may be: ``us``, or a state's, DC's or a territory's code
JURISDICTIONS: dict[str, str] = {
    "us": "the United States Congress",
    **{code.lower(): name for code, name in STATE_NAMES.items()},
}

_BY_NAME = {name.lower().removeprefix("the "): code for code, name in JURISDICTIONS.items()}


def jurisdiction_problem(value: str) -> str | None:
    """Why ``value`` (lowercase) is not a jurisdiction, with the fix; None if it is one."""
    if value in JURISDICTIONS:
        return None
    named = _BY_NAME.get(value.strip().lower().removeprefix("the "))
    if named is not None:
        return f"{value!r} is not a jurisdiction code; write {named!r} for {JURISDICTIONS[named]}"
    return (
        f"{value!r} is not a jurisdiction; use 'us' for Congress, or the two-letter postal "
        "code of a state, DC or a territory, such as 'mo' for Missouri"
    )


# --- Characters that hide or reorder text -------------------------------------------

#: Unicode's explicit bidirectional formatting characters (and the invisible marks)
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO
    "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI
    "\u200e\u200f\u061c"  # LRM RLM ALM
)
#: invisible characters that split or hide words, links and hashtags. The zero-width
#: joiner and non-joiner are not here: emoji sequences and some scripts need them.
ZERO_WIDTH = frozenset("\u200b\u2060\ufeff\u180e\u00ad")


def text_problem(value: str, *, multiline: bool) -> str | None:
    """What is wrong with the characters of ``value``, with the fix; None if nothing.

    Refused: bidirectional controls (they make a post read differently from
    what was written), zero-width spaces and other invisible characters, and
    control characters (tabs and, where ``multiline``, line breaks are fine).
    """
    for index, character in enumerate(value):
        kind = _character_kind(character, multiline)
        if kind is None:
            continue
        name = unicodedata.name(character, "a control character")
        where = f"U+{ord(character):04X} ({name}) at character {index + 1}"
        if kind == "bidi":
            return (
                f"holds the bidirectional control character {where}: it reorders what "
                "readers see, so the post would not say what the file seems to say; "
                "delete it (retype the text around it if you cannot see it)"
            )
        if kind == "invisible":
            return (
                f"holds the invisible character {where}: it hides inside words and links; "
                "delete it (retype the text around it if you cannot see it)"
            )
        if kind == "newline":
            return f"holds a line break at character {index + 1}; write it on one line"
        return f"holds the control character {where}; delete it"
    return None


def _character_kind(character: str, multiline: bool) -> str | None:
    if character in BIDI_CONTROLS:
        return "bidi"
    if character in ZERO_WIDTH or "\U000e0000" <= character <= "\U000e007f":
        return "invisible"
    if character in "\n\r\u2028\u2029":
        return None if multiline else "newline"
    if character != "\t" and unicodedata.category(character) == "Cc":
        return "control"
    return None


# --- Timezones ------------------------------------------------------------------------

#: abbreviations organizers write, and the IANA zone they (in the US) usually mean
_ABBREVIATIONS: dict[str, tuple[str, str]] = {
    "est": ("America/New_York", "US Eastern time"),
    "edt": ("America/New_York", "US Eastern time"),
    "et": ("America/New_York", "US Eastern time"),
    "eastern": ("America/New_York", "US Eastern time"),
    "cst": ("America/Chicago", "US Central time"),
    "cdt": ("America/Chicago", "US Central time"),
    "ct": ("America/Chicago", "US Central time"),
    "central": ("America/Chicago", "US Central time"),
    "mst": ("America/Denver", "US Mountain time; 'America/Phoenix' for Arizona"),
    "mdt": ("America/Denver", "US Mountain time"),
    "mt": ("America/Denver", "US Mountain time; 'America/Phoenix' for Arizona"),
    "mountain": ("America/Denver", "US Mountain time; 'America/Phoenix' for Arizona"),
    "pst": ("America/Los_Angeles", "US Pacific time"),
    "pdt": ("America/Los_Angeles", "US Pacific time"),
    "pt": ("America/Los_Angeles", "US Pacific time"),
    "pacific": ("America/Los_Angeles", "US Pacific time"),
    "akst": ("America/Anchorage", "Alaska time"),
    "akdt": ("America/Anchorage", "Alaska time"),
    "hst": ("Pacific/Honolulu", "Hawaii time"),
    "hdt": ("Pacific/Honolulu", "Hawaii time"),
    "hast": ("Pacific/Honolulu", "Hawaii time"),
    "ast": ("America/Puerto_Rico", "Atlantic time (Puerto Rico, the Virgin Islands)"),
    "chst": ("Pacific/Guam", "Chamorro time (Guam, the Northern Marianas)"),
    "sst": ("Pacific/Pago_Pago", "Samoa time"),
}
#: names that mean UTC (or GMT, the same clock) and are fine as written
UTC_NAMES = frozenset({"utc", "gmt", "uct", "zulu", "etc/utc", "etc/gmt", "universal", "z"})


def timezone_problem(value: str) -> str | None:
    """Why a timezone abbreviation should be an IANA name, with the fix; None otherwise.

    ``EST``, ``MST`` and ``HST`` exist in the timezone database as fixed offsets,
    so ``timezone: EST`` would post an hour late all summer; ``CST`` is also
    China's and Cuba's. Both are refused with the zone the organizer meant.
    """
    key = value.strip().lower()
    if key in UTC_NAMES:
        return None
    found = _ABBREVIATIONS.get(key)
    if found is None:
        return None
    zone, meaning = found
    return (
        f"{value!r} is an abbreviation, not a timezone: abbreviations are ambiguous (one can "
        "name several places: CST is also China's) and do not follow daylight saving time; "
        f"use {zone!r} ({meaning})"
    )


def timezone_suggestion(value: str) -> str | None:
    """``use 'America/Chicago' (US Central time)`` for ``CST``; None for others."""
    found = _ABBREVIATIONS.get(value.strip().lower())
    return f"use {found[0]!r} ({found[1]})" if found else None


def utc_name(value: str) -> bool:
    """``UTC``, ``gmt``, ``Zulu``...: names that mean UTC in any spelling."""
    return value.strip().lower() in UTC_NAMES


# --- Cron expressions that never fire -------------------------------------------------

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
#: the most days each month can have (February: in a leap year)
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def cron_never_fires(expr: str) -> str | None:
    """Why a (valid) five-field cron expression never fires, or None if it can.

    Only the day of the month and the month can contradict each other
    (``31 2``: February 31st); every other combination exists somewhere.
    """
    fields = expr.split()
    if len(fields) != 5 or fields[2] == "*":
        return None
    days = _expand(fields[2], 1, 31, ())
    months = _expand(fields[3], 1, 12, _MONTH_NAMES)
    if not days or not months:
        return None
    if any(day <= _MONTH_DAYS[month - 1] for day in days for month in months):
        return None
    shown_months = ", ".join(_MONTH_NAMES[month - 1].title() for month in sorted(months))
    shown_days = ", ".join(str(day) for day in sorted(days))
    return (
        f"{expr!r} never runs: no month {shown_months} has day {shown_days}; "
        "check the day (third field) and the month (fourth field)"
    )


def _expand(text: str, low: int, high: int, names: tuple[str, ...]) -> set[int]:
    """The values a cron field (already checked) matches; empty if it cannot tell."""
    values: set[int] = set()
    for item in text.lower().split(","):
        span, _, step_text = item.partition("/")
        step = int(step_text) if step_text.isdigit() else 1
        if span == "*":
            first, last = low, high
        else:
            parts = span.split("-")
            try:
                bounds = [names.index(p) + low if p in names else int(p) for p in parts]
            except ValueError:
                return set()
            first, last = bounds[0], bounds[-1]
        values.update(range(first, last + 1, max(step, 1)))
    return values


# --- Links ----------------------------------------------------------------------------


def url_problem(value: str) -> str | None:
    """Why ``value`` is not a link to put in a post, with the fix; None if it is one."""
    if any(character.isspace() or unicodedata.category(character) == "Cc" for character in value):
        return f"{value!r} is not a link: it holds spaces or control characters; remove them"
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        scheme = f"a {parts.scheme}: link" if parts.scheme else "not a web address"
        return (
            f"{value!r} is {scheme}; only http:// and https:// links are allowed, "
            "e.g. https://www.congress.gov/bill/..."
        )
    if not parts.hostname or "." not in parts.hostname:
        return f"{value!r} has no web site in it; write the full address, e.g. https://senate.mo.gov/..."
    if parts.username is not None or parts.password is not None:
        return (
            f"{value!r} hides its real web site behind 'name@' (the site is {parts.hostname!r}); "
            "remove everything between '//' and '@'"
        )
    return None


#: the most characters a text field may hold: a message is a post (Facebook's
#: limit is far above any post worth reading); a title or a name is a line
MAX_MESSAGE = 5_000
MAX_LINE = 300


def field_text_problem(value: str, *, multiline: bool) -> str | None:
    """:func:`text_problem`, and a length check: at most :data:`MAX_MESSAGE` characters
    where ``multiline`` (messages, summaries), else :data:`MAX_LINE` (titles, names)."""
    most = MAX_MESSAGE if multiline else MAX_LINE
    if len(value) > most:
        return f"is {len(value):,} characters long, more than the {most:,} allowed here; shorten it"
    return text_problem(value, multiline=multiline)


# --- Messages that never name their targets --------------------------------------------

#: the template variables that put a post's targets into its text
TARGET_VARIABLES = frozenset({"mentions", "names", "targets"})


def template_variables(source: str) -> frozenset[str] | None:
    """The template variables ``source`` reads; None if it does not parse or the
    sandbox refuses it (``validate`` reports that, with the template's own line)."""
    from bot.compose.render import TemplateProblem, check_template, variables_used

    try:
        check_template(source)  # what the sandbox refuses is reported first, by validate
        return variables_used(source)
    except TemplateProblem:
        return None


def targets_problem(source: str, mentions_per_post: int) -> str | None:
    """Why a message and ``mentions_per_post`` disagree about naming targets; None if not.

    With mentions, a message must name them (``{{ mentions }}``, ``{{ names }}``
    or a loop over ``targets``): the planner picks targets for every post, logs
    them and starts their cooldown, so a message without them would "address"
    legislators who are never named. With ``mentions_per_post: 0`` those
    variables are empty, and the text around them would read oddly.
    """
    from bot.compose.render import TEMPLATE_VARIABLES

    used = template_variables(source)
    if used is None or used - TEMPLATE_VARIABLES:  # a typo: validate names it first
        return None
    naming = sorted(used & TARGET_VARIABLES)
    if mentions_per_post and not naming:
        return (
            "never names the legislators it is posted to (it has no {{ mentions }}, "
            "{{ names }} or {{ targets }}), yet each post picks targets, logs them and starts "
            "their cooldown; add {{ mentions }} where they should be tagged (or set "
            "mentions_per_post: 0 for posts that address nobody)"
        )
    if not mentions_per_post and naming:
        shown = ", ".join(f"{{{{ {name} }}}}" for name in naming)
        return (
            f"uses {shown}, which is always empty because mentions_per_post is 0; remove it, "
            "or set mentions_per_post to how many legislators each post should address"
        )
    return None


def cron_always_quiet(expr: str, is_quiet: Callable[[time], bool]) -> str | None:
    """Why every time of day ``expr`` fires is inside quiet hours, or None.

    Such a campaign never posts live: each run lands in quiet hours and is
    recorded as held back. Only the minute and hour fields decide it.
    """
    fields = expr.split()
    if len(fields) != 5:
        return None
    minutes = _expand(fields[0], 0, 59, ())
    hours = _expand(fields[1], 0, 23, ())
    if not minutes or not hours:
        return None
    if not all(is_quiet(time(hour, minute)) for hour in hours for minute in minutes):
        return None
    first = min(hours), min(minutes)
    return (
        f"every time the cron {expr!r} fires (e.g. {first[0]:02d}:{first[1]:02d}) is inside "
        "quiet_hours, so the campaign would never post; move the cron's hour out of the quiet "
        "hours, or change quiet_hours"
    )


# --- How posts on X address legislators -----------------------------------------------

#: what organizers may write for ``x_mentions`` meaning one of its two values
_X_MENTIONS_SYNONYMS = {
    "tag": "tag",
    "tags": "tag",
    "tagged": "tag",
    "mention": "tag",
    "mentions": "tag",
    "handle": "tag",
    "handles": "tag",
    "at": "tag",
    "@": "tag",
    "name": "name",
    "names": "name",
    "named": "name",
    "plain": "name",
    "plain text": "name",
    "text": "name",
}


def x_mentions_problem(value: object) -> str | None:
    """Why ``value`` is not a campaign's ``x_mentions`` (``tag`` or ``name``); None if it is."""
    if value in ("tag", "name"):
        return None
    meant = _X_MENTIONS_SYNONYMS.get(value.strip().lower()) if isinstance(value, str) else None
    shown = repr(value) if isinstance(value, str | bool | int | float) else "this value"
    if value is None or isinstance(value, bool):
        shown = f"{str(value).lower() if isinstance(value, bool) else 'an empty value'}"
    hint = (
        f"; write {meant!r}"
        if meant
        else (
            "; write 'tag' (tag each legislator's @handle on X: every such post waits for "
            "an organizer's approval, and X limits automated mentions) or 'name' (name them "
            "in plain text: nobody is notified)"
        )
    )
    return f"{shown} is neither 'tag' nor 'name'{hint}"
