"""Durations as people write them: ``90s``, ``30m``, ``12h``, ``7d``, ``2w``. One grammar.

Campaign files (``cooldown``, ``schedule.interval``, a step's ``max_age``),
settings (``X_MIN_SPACING``, ``X_NEAR_DUPLICATE_WINDOW``...) and the CLI
(``log --since``) all read durations here:

    a number (``30``, ``1.5``), optional spaces, then a unit:
    ``s`` (or ``sec``), ``m`` (or ``min``), ``h``, ``d`` or ``w``.

A bare number is refused where the unit cannot be guessed (a campaign's
``cooldown: 7``: seconds or days?). Settings documented as "or a number of
seconds" (docs/platforms.md) pass ``bare_seconds=True`` and keep meaning
seconds. Nothing longer than :data:`LONGEST` is accepted: a value from an
untrusted file must not overflow a date.

Plain Python: no framework is imported, so any layer can use it.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

from bot.errors import AdvocacyBotError

#: Seconds in each unit the grammar knows.
UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}

#: The longest duration accepted (about a century).
LONGEST = timedelta(days=36525)

#: The accepted forms, as error messages show them.
FORMS = "a number and a unit, e.g. 90s, 30m, 12h, 7d or 2w"

_GRAMMAR = re.compile(r"^\s*(\d{1,15}(?:\.\d{1,9})?)\s*(sec|min|[smhdw])?\s*$")
_LOOSE = re.compile(
    r"^\s*(\d+)\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|hr|days?|weeks?|wks?)\s*$",
    re.IGNORECASE,
)


class DurationError(AdvocacyBotError, ValueError):
    """A value that is not a duration. The message names the field (where given), the
    value and the accepted forms: ``X_MIN_SPACING: 'soon' is not a duration; write ...``."""


def parse_duration(
    value: object, *, field: str | None = None, bare_seconds: bool = False
) -> timedelta:
    """``value`` (``"30m"``, ``"1.5h"``, ``"2w"``...) as a :class:`~datetime.timedelta`.

    A :class:`~datetime.timedelta` is returned as it is. A bare number (``"90"``)
    is a number of seconds only with ``bare_seconds``; otherwise it is refused.
    ``field`` (a setting's or option's name) starts the error message; leave it
    out where the caller says the field itself (a campaign file's loader does).

    >>> parse_duration("7d")
    datetime.timedelta(days=7)
    >>> parse_duration("90", bare_seconds=True)
    datetime.timedelta(seconds=90)

    :raises DurationError: (a :class:`ValueError`) saying what was wrong and the forms.
    """
    if isinstance(value, timedelta):
        return value
    match = _GRAMMAR.match(value) if isinstance(value, str) else None
    if match is None or (match.group(2) is None and not bare_seconds):
        raise DurationError(_problem(value, field, bare_seconds))
    amount, unit = match.groups()
    seconds = float(amount) * UNITS[unit or "s"]
    if not math.isfinite(seconds) or seconds > LONGEST.total_seconds():
        where = f"{field}: " if field else ""
        raise DurationError(
            f"{where}{value!r} is longer than a century ({LONGEST.days}d); write a shorter duration"
        )
    return timedelta(seconds=seconds)


def suggestion(value: object) -> str | None:
    """``write 7d`` for ``'7 days'``: the short form of a duration written out in words."""
    match = _LOOSE.match(str(value))
    if not match:
        return None
    unit = {"se": "s", "mi": "m", "ho": "h", "hr": "h", "da": "d", "we": "w", "wk": "w"}
    return f"write {int(match.group(1))}{unit[match.group(2).lower()[:2]]}"


def _problem(value: object, field: str | None, bare_seconds: bool) -> str:
    """``FIELD: 'VALUE' is not a duration; write ...`` (what to write, as closely as known)."""
    where = f"{field}: " if field else ""
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    number: object = None
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1e15:
        number = value
    elif isinstance(value, str) and (match := _GRAMMAR.match(value)):
        number = match.group(1)
    if number is not None:
        fix = "add a unit: " + ", ".join(f"{number}{unit}" for unit in "smhd") + f" or {number}w"
    else:
        fix = suggestion(value) or f"write {FORMS}"
        if bare_seconds:
            fix += ", or a number of seconds"
    return f"{where}{shown} is not a duration; {fix}"
