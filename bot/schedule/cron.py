"""Cron expressions: checking a campaign's ``schedule.cron`` without APScheduler.

``check_cron`` is pure Python on purpose: campaign validation runs it for
every cron schedule, and importing APScheduler's cron trigger (with asyncio,
tzlocal and importlib.metadata behind it) would add about 0.15 s to every
``advocacy-bot validate``. The grammar it accepts is standard five-field
cron, restricted to what APScheduler 3 also parses once numeric weekdays are
turned into names; ``tests/campaigns/test_cron.py`` checks the two agree.
"""

from __future__ import annotations

import re
from typing import NoReturn

# --- Checking cron expressions ------------------------------------------------

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")

#: field name, lowest, highest, names (index + lowest = value), how to say the range
_FIELDS: tuple[tuple[str, int, int, tuple[str, ...], str], ...] = (
    ("minute", 0, 59, (), "0-59"),
    ("hour", 0, 23, (), "0-23"),
    ("day", 1, 31, (), "1-31"),
    ("month", 1, 12, _MONTHS, "1-12 or jan-dec"),
    ("weekday", 0, 7, _WEEKDAYS, "0-7 or sun-sat (0 and 7 are Sunday)"),
)
_NUMBERS = re.compile(r"^(\*|\d+(?:-\d+)?)(?:/(\d+))?$")
_NAMES = re.compile(r"^([a-z]{3})(?:-([a-z]{3}))?$")


def check_cron(expr: str) -> None:
    """Raise ``ValueError`` saying exactly what is wrong with a cron expression.

    Five fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12
    or jan-dec), weekday (0-7 or sun-sat; 0 and 7 are Sunday, as in cron).
    Each field is ``*``, a number, a range ``1-5``, a step ``*/15`` or
    ``0-30/10``, a name or name range (``mon-fri``), or a comma list of those.

    Day of month and weekday cannot both be restricted: cron runs on days
    matching *either*, APScheduler on days matching *both*.

    >>> check_cron("0 25 * * *")
    Traceback (most recent call last):
    ...
    ValueError: '0 25 * * *' is not a valid cron expression (hour must be 0-23)
    """
    fields = expr.split()
    if len(fields) != 5:
        _fail(expr, f"it has {len(fields)} fields; cron needs 5: minute hour day month weekday")
    for text, (name, low, high, names, allowed) in zip(fields, _FIELDS, strict=True):
        for item in text.split(","):
            problem = _check_item(item, name, low, high, names, allowed)
            if problem:
                _fail(expr, problem)
    if fields[2] != "*" and fields[4] != "*":
        _fail(expr, "give a day of the month or a weekday, not both")


def _check_item(
    item: str, name: str, low: int, high: int, names: tuple[str, ...], allowed: str
) -> str | None:
    """What is wrong with one comma-separated part of a field, or None."""
    by_number = _NUMBERS.match(item)
    by_name = _NAMES.match(item.lower()) if names else None
    if by_number:
        span, step = by_number.groups()
        if step is not None and int(step) < 1:
            return "a step must be at least 1"
        if span == "*":
            return None
        first, _, last = span.partition("-")
        values = [int(first)] + ([int(last)] if last else [])
    elif by_name:
        words = [word for word in by_name.groups() if word]
        if any(word not in names for word in words):
            return f"{name} must be {allowed}"
        values = [names.index(word) + low for word in words]
    else:
        return f"{name} {item!r} is not a number, a range like 1-5, a step like */15 or '*'"
    if any(not low <= value <= high for value in values):
        return f"{name} must be {allowed}"
    if len(values) == 2 and values[0] > values[1]:
        return f"{name} range {item} runs backwards"
    return None


def _fail(expr: str, reason: str) -> NoReturn:
    raise ValueError(f"{expr!r} is not a valid cron expression ({reason})")
