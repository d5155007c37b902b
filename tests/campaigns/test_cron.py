"""Cron expressions: exact reasons for rejection, and agreement with APScheduler 3."""

from __future__ import annotations

import pytest

from bot.schedule.cron import check_cron

VALID = [
    "0 9 * * *",
    "*/15 9-17 * * 1-5",
    "0,30 8,12,18 * * mon-fri",
    "0 10 * * 1-5",
    "30 11 * * 2,4",
    "0 9 1 jan,jul *",
    "0 9 * * 7",  # Sunday, as in cron
    "5/10 * * * *",
    "0 0 1-31/2 * *",
    "59 23 31 12 *",
    "0 9 * * SAT",
]


@pytest.mark.parametrize("expr", VALID)
def test_valid(expr: str) -> None:
    check_cron(expr)


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("0 25 * * *", "hour must be 0-23"),
        ("60 * * * *", "minute must be 0-59"),
        ("0 9 0 * *", "day must be 1-31"),
        ("0 9 * 13 *", "month must be 1-12 or jan-dec"),
        (
            "0 9 * jun-sep/2 *",
            "month 'jun-sep/2' is not a number, a range like 1-5, a step like */15 or '*'",
        ),
        ("0 9 * * 8", "weekday must be 0-7 or sun-sat (0 and 7 are Sunday)"),
        (
            "0 9 * * monday",
            "weekday 'monday' is not a number, a range like 1-5, a step like */15 or '*'",
        ),
        ("0 9 * * fri-mon", "weekday range fri-mon runs backwards"),
        ("0 9 * * xyz", "weekday must be 0-7 or sun-sat (0 and 7 are Sunday)"),
        ("*/0 * * * *", "a step must be at least 1"),
        ("0 9 L * *", "day 'L' is not a number, a range like 1-5, a step like */15 or '*'"),
        ("0 9 * *", "it has 4 fields; cron needs 5: minute hour day month weekday"),
        ("0 0 9 * * *", "it has 6 fields; cron needs 5: minute hour day month weekday"),
        ("0 9 1 * mon", "give a day of the month or a weekday, not both"),
    ],
)
def test_invalid(expr: str, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_cron(expr)
    assert str(caught.value) == f"{expr!r} is not a valid cron expression ({reason})"


_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _weekdays_as_names(field: str) -> str:
    """Cron weekdays (0 and 7 Sunday) as the names APScheduler 3 reads the same way."""
    if field == "*":
        return field
    days: set[int] = set()
    for item in field.lower().split(","):
        span, _, step = item.partition("/")
        first, _, last = span.partition("-")
        low = _NAMES.index(first) if first in _NAMES else int(first)
        high = (_NAMES.index(last) if last in _NAMES else int(last)) if last else low
        days.update(range(low, high + 1, int(step or 1)))
    return ",".join(_NAMES[day % 7] for day in sorted(days))


@pytest.mark.parametrize("expr", VALID)
def test_apscheduler_reads_what_check_cron_accepts(expr: str) -> None:
    from apscheduler.triggers.cron import CronTrigger

    minute, hour, day, month, weekday = expr.split()
    CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=_weekdays_as_names(weekday),
        timezone="UTC",
    )
