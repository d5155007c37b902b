"""When a campaign runs: fire times, quiet hours, local days, missed runs.

APScheduler's own triggers compute every fire time (cron, interval, explicit
dates, in the campaign's IANA timezone, DST included); this module adds what
the post log needs on top: which fire time a run answers to, and whether runs
were missed while the bot was down. Pure functions of a schedule and a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from functools import cache
from typing import TYPE_CHECKING

from bot.campaigns.schema import Schedule

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger

#: A run this late is still on time; later than this it was missed.
MISFIRE_GRACE = timedelta(minutes=15)
#: Interval schedules without a start date count from this moment (local time),
#: so every process computes the same fire times.
INTERVAL_ANCHOR = datetime(2020, 1, 6)  # a Monday, midnight

#: How far back :func:`due` looks for missed fire times.
MAX_LOOKBACK = timedelta(days=31)

_CRON_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def cron_weekdays_to_names(field: str) -> str:
    """Cron's weekday field (0 or 7 = Sunday) as a list of day names.

    APScheduler 3 numbers weekdays from Monday = 0 and cannot take a range
    that starts on Sunday (``sun-sat``), so numbers, numeric ranges and steps
    are spelled out: ``1-5`` becomes ``mon,tue,wed,thu,fri`` and ``*/2``
    ``sun,tue,thu,sat``. ``*`` and day names pass through unchanged.
    """
    if not any(ch.isdigit() for ch in field):
        return field
    names: list[str] = []
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        low, dash, high = ("0", "-", "6") if base == "*" else base.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            names.append(part)  # day names (``mon-fri``) mean the same to both
            continue
        last = int(high) if dash else (7 if step_text else int(low))
        for number in range(int(low), last + 1, int(step_text) if step_text else 1):
            if _CRON_WEEKDAYS[number] not in names:
                names.append(_CRON_WEEKDAYS[number])
    return ",".join(names)


def build_trigger(schedule: Schedule) -> BaseTrigger:
    """The APScheduler 3 trigger for a campaign's schedule."""
    tz = schedule.tz
    start = datetime.combine(schedule.start, time.min, tz) if schedule.start else None
    end = datetime.combine(schedule.end, time.max, tz) if schedule.end else None
    if schedule.cron:
        from apscheduler.triggers.cron import CronTrigger

        minute, hour, day, month, weekday = schedule.cron.split()
        # The cron is matched against the wall clock (a zone without DST stands in for it),
        # and each matching wall-clock time is then placed in the campaign's zone by
        # :func:`wall_clock_instant`: once per DST change, whatever the restarts.
        on_the_wall = CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=cron_weekdays_to_names(weekday),
            start_date=_as_wall(start, tz) if start else None,
            end_date=_as_wall(end, tz) if end else None,
            timezone=UTC,
        )
        return _wall_clock_trigger_class()(on_the_wall, tz)
    if schedule.interval:
        from apscheduler.triggers.interval import IntervalTrigger

        return IntervalTrigger(
            seconds=int(schedule.interval.total_seconds()),
            start_date=start or INTERVAL_ANCHOR.replace(tzinfo=tz),
            end_date=end,
            timezone=tz,
        )
    from apscheduler.triggers.combining import OrTrigger
    from apscheduler.triggers.date import DateTrigger

    return OrTrigger(
        [DateTrigger(run_date=moment, timezone=tz) for moment in explicit_times(schedule)]
    )


def wall_clock_instant(wall: datetime, tz: tzinfo) -> datetime:
    """When the wall clock in ``tz`` shows ``wall`` (naive): the moment a cron time fires.

    The rules for the two DST changes a year (docs/campaigns.md):

    * a wall-clock time that happens twice (the hour repeated when DST ends)
      is its first occurrence: 01:30 on the fall-back night is 01:30 CDT, never
      01:30 CST;
    * a wall-clock time that never happens (the hour skipped when DST starts)
      is the jump itself, the first moment after it: 02:30 on the
      spring-forward night is 03:00 CDT (as Vixie cron runs skipped times
      right after the jump). Every skipped time is that same moment, so a
      schedule fires once there however many skipped times it names.
    """
    first = wall.replace(tzinfo=tz, fold=0)  # zoneinfo: fold=0 is the first occurrence
    if _as_wall(first, tz) == wall:
        return first
    # Skipped: fold=1 reads it with the offset before the jump, fold=0 with the one after;
    # the jump lies between those two instants (the offset changes once in an hour or two).
    before = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    after = first.astimezone(UTC)
    if before > after:
        before, after = after, before
    offset_after = after.astimezone(tz).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(tz).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    return after.replace(microsecond=0).astimezone(tz)


def _as_wall(moment: datetime, tz: tzinfo) -> datetime:
    """``moment``'s wall-clock time in ``tz``, naive (by way of UTC: ``astimezone`` to a
    datetime's own zone returns it unchanged, even when no clock ever showed it)."""
    return moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None)


class _WallClock:
    """A cron trigger matched on the wall clock, fired by :func:`wall_clock_instant`.

    APScheduler 3's own cron trigger, given the campaign's zone, fires a time of
    the repeated hour twice and, asked from inside the second occurrence,
    fires it again (a restart at 01:32 CST planned 01:30 CST after 01:30 CDT
    had run); in the skipped hour it fires ``30 2`` at 03:30 but ``*/20 2``
    at 03:00 only. Placing every wall-clock time by one rule gives each of them
    once, and as the rule maps later wall times to later (or the same)
    instants, the next fire time is the first wall-clock match placed after
    the previous fire time.
    """

    def __init__(self, on_the_wall: BaseTrigger, tz: tzinfo) -> None:
        self.on_the_wall = on_the_wall
        self.timezone = tz

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # APScheduler asks for the first fire time after the previous one, or, with none,
        # the first at or after now (which may be the jump a skipped time fires at).
        after = previous_fire_time if previous_fire_time is not None else now - _TICK
        # Wall times from ``after``'s own on, until one is placed after it (in the second
        # occurrence of the repeated hour, the walk goes on to the hour's end).
        wall = _as_wall(after, self.timezone).replace(tzinfo=UTC)
        for _ in range(10_000):
            wall = self.on_the_wall.get_next_fire_time(None, wall)
            if wall is None:
                return None
            instant = wall_clock_instant(wall.replace(tzinfo=None), self.timezone)
            if instant > after:
                return instant
            wall += _TICK
        raise RuntimeError(f"no fire time after {after} found for {self}")  # pragma: no cover

    def __str__(self) -> str:
        return str(self.on_the_wall).replace("cron[", "cron(wall clock)[", 1)


_TICK = timedelta(microseconds=1)


@cache
def _wall_clock_trigger_class() -> type[_WallClock]:
    """:class:`_WallClock` as an APScheduler trigger (imported only when a trigger is built)."""
    from apscheduler.triggers.base import BaseTrigger

    class WallClockTrigger(_WallClock, BaseTrigger):  # type: ignore[misc]
        pass

    return WallClockTrigger


def explicit_times(schedule: Schedule) -> list[datetime]:
    """A schedule's ``at`` datetimes, aware (naive ones are local, placed as cron times are)."""
    tz = schedule.tz
    return sorted(
        moment if moment.tzinfo else wall_clock_instant(moment, tz) for moment in schedule.at or []
    )


def fire_times(
    schedule: Schedule, after: datetime, until: datetime, limit: int = 10_000
) -> list[datetime]:
    """Fire times in ``(after, until]``, in UTC, oldest first (at most ``limit``)."""
    if schedule.at is not None:
        return [
            t.astimezone(UTC)
            for t in explicit_times(schedule)
            if after < t <= until and outside_dates(schedule, t) is None
        ][:limit]
    trigger = build_trigger(schedule)
    found: list[datetime] = []
    moment = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    while moment is not None and moment <= until and len(found) < limit:
        found.append(moment.astimezone(UTC))
        moment = trigger.get_next_fire_time(moment, moment + timedelta(microseconds=1))
    return found


def next_fire_times(schedule: Schedule, now: datetime, count: int) -> list[datetime]:
    """The next ``count`` fire times after ``now``, in UTC."""
    horizon = now + timedelta(days=400)
    return fire_times(schedule, now, horizon, limit=count)


def in_quiet_hours(schedule: Schedule, moment: datetime) -> bool:
    """Whether ``moment`` falls in the schedule's quiet hours (its local time)."""
    if schedule.quiet_hours is None:
        return False
    return schedule.quiet_hours.contains(moment.astimezone(schedule.tz).time())


def quiet_hours_end(schedule: Schedule, moment: datetime) -> datetime | None:
    """When the quiet hours ``moment`` falls in end (UTC); None outside quiet hours.

    The end is the next local time equal to ``quiet_hours.end`` after ``moment``
    (tomorrow's when the window wraps past midnight), in the campaign's zone.
    """
    quiet = schedule.quiet_hours
    if quiet is None or not in_quiet_hours(schedule, moment):
        return None
    local = moment.astimezone(schedule.tz)
    end = datetime.combine(local.date(), quiet.end, schedule.tz)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), quiet.end, schedule.tz)
    return end.astimezone(UTC)


def describe_quiet_hours(schedule: Schedule) -> str:
    """``21:00-08:00 America/Chicago``: the quiet hours as a campaign file gives them."""
    quiet = schedule.quiet_hours
    if quiet is None:
        return "none"
    return f"{quiet.start:%H:%M}-{quiet.end:%H:%M} {schedule.timezone}"


def quiet_hours_note(schedule: Schedule, moment: datetime) -> str | None:
    """What a run at ``moment`` must say about quiet hours, or None outside them."""
    end = quiet_hours_end(schedule, moment)
    if end is None:
        return None
    local = moment.astimezone(schedule.tz)
    return (
        f"now ({local:%H:%M %Z}) falls in the quiet hours ({describe_quiet_hours(schedule)}); "
        f"nothing is posted live before {end.astimezone(schedule.tz):%Y-%m-%d %H:%M %Z}"
    )


def has_ended(schedule: Schedule, moment: datetime) -> bool:
    """Whether ``moment`` is past the schedule's ``end`` date (a local day, inclusive)."""
    return schedule.end is not None and moment.astimezone(schedule.tz).date() > schedule.end


def outside_dates(schedule: Schedule, moment: datetime) -> str | None:
    """Why the schedule's ``start``/``end`` dates rule out a run at ``moment``, or None.

    Both dates are whole local days in the campaign's timezone, inclusive: a
    campaign with ``end: 2026-05-14`` still runs on May 14th and never after.
    """
    if has_ended(schedule, moment):
        return f"the campaign ended on {schedule.end} (schedule.end); nothing is planned after it"
    if schedule.start is not None and moment.astimezone(schedule.tz).date() < schedule.start:
        return (
            f"the campaign starts on {schedule.start} (schedule.start); "
            "nothing is planned before it"
        )
    return None


def local_day_start(schedule: Schedule, moment: datetime) -> datetime:
    """Midnight of ``moment``'s day in the campaign's timezone, in UTC."""
    local = moment.astimezone(schedule.tz)
    return datetime.combine(local.date(), time.min, schedule.tz).astimezone(UTC)


@dataclass(frozen=True)
class Due:
    """A fire time a run should answer to."""

    fire_time: datetime
    late: bool
    """True when the fire time is older than :data:`MISFIRE_GRACE` (the bot was down)."""
    missed: int
    """How many earlier fire times since the last run were never run."""


def due(schedule: Schedule, now: datetime, last_fire: datetime | None) -> Due | None:
    """The fire time due at ``now``, given the last one a run answered to.

    A bot that never ran a campaign starts from now: it does not catch up on
    fire times from before it existed beyond the grace period.
    """
    since = max(last_fire, now - MAX_LOOKBACK) if last_fire is not None else now - MISFIRE_GRACE
    times = fire_times(schedule, since, now)
    if not times:
        return None
    latest = times[-1]
    return Due(fire_time=latest, late=now - latest > MISFIRE_GRACE, missed=len(times) - 1)
