"""Cron schedules across DST changes: every wall-clock time fires once, whatever the restarts.

The rules (docs/campaigns.md, "Schedules, quiet hours and missed runs"):

* a wall-clock time that happens twice (the hour repeated when DST ends) fires
  once, at its first occurrence;
* a wall-clock time that never happens (the hour skipped when DST starts)
  fires once, at the jump (03:00 CDT in Chicago), however many such times
  the cron names.

In Chicago DST ends on 2026-11-01 (02:00 CDT becomes 01:00 CST, at 07:00 UTC)
and starts on 2026-03-08 (02:00 CST becomes 03:00 CDT, at 08:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.campaigns.loaded import LoadedCampaign
from bot.campaigns.schema import Schedule
from bot.clock import FrozenClock
from bot.config import Mode
from bot.platforms.dryrun import DryRunPublisher
from bot.schedule.service import BotService
from bot.schedule.timing import build_trigger, due, fire_times
from bot.store.models import CampaignRun
from tests.guards import allow_all
from tests.support import make_campaign, people

CHICAGO = ZoneInfo("America/Chicago")

FALL_BACK = datetime(2026, 11, 1, 7, 0, tzinfo=UTC)  # 01:00 CST, the second 01:00
SPRING_FORWARD = datetime(2026, 3, 8, 8, 0, tzinfo=UTC)  # 03:00 CDT; 02:00-02:59 never happen
FIRST_0130 = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 CDT
SECOND_0130 = datetime(2026, 11, 1, 7, 30, tzinfo=UTC)  # 01:30 CST


def schedule(**fields) -> Schedule:
    return Schedule.model_validate({"timezone": "America/Chicago", **fields})


def local(times) -> list[str]:
    return [t.astimezone(CHICAGO).strftime("%m-%d %H:%M %Z") for t in times]


def wall(times) -> list[str]:
    return [t.astimezone(CHICAGO).strftime("%m-%d %H:%M") for t in times]


def scheduler_fire_times(s: Schedule, start: datetime, until: datetime) -> list[datetime]:
    """Fire times as APScheduler's job loop asks for them: (previous, a little later)."""
    trigger = build_trigger(s)
    found = []
    moment = trigger.get_next_fire_time(None, start)
    while moment is not None and moment <= until:
        found.append(moment.astimezone(UTC))
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=3))
    return found


# --- the repeated hour (DST ends) ---------------------------------------------------------------


def test_a_time_in_the_repeated_hour_fires_once_at_its_first_occurrence():
    s = schedule(cron="30 1 * * *")
    start, until = datetime(2026, 10, 31, 12, tzinfo=UTC), datetime(2026, 11, 2, 12, tzinfo=UTC)
    expected = ["11-01 01:30 CDT", "11-02 01:30 CST"]
    assert local(fire_times(s, start, until)) == expected
    assert local(scheduler_fire_times(s, start, until)) == expected


def test_a_restart_in_the_second_occurrence_does_not_plan_the_repeated_time_again():
    """Restarted at 01:32 CST: the 01:30 CDT run was recorded, 01:30 CST is no fire time."""
    s = schedule(cron="30 1 * * *")
    restart = SECOND_0130 + timedelta(minutes=2)
    assert due(s, restart, FIRST_0130) is None
    # nor for a bot that never ran the campaign (or lost its record of 01:30 CDT)
    assert due(s, restart, None) is None
    # the scheduler's first wake-up after the restart is the next day's 01:30
    trigger = build_trigger(s)
    assert local([trigger.get_next_fire_time(None, restart)]) == ["11-02 01:30 CST"]
    assert local([trigger.get_next_fire_time(FIRST_0130, restart)]) == ["11-02 01:30 CST"]


def test_a_bot_restarted_at_0132_cst_plans_no_second_run(db):
    campaign = LoadedCampaign(
        make_campaign(schedule={"cron": "30 1 * * *", "timezone": "America/Chicago"}),
        Path("t.yaml"),
        tuple(people(3)),
    )
    clock = FrozenClock(FIRST_0130 + timedelta(minutes=1))
    reports = []

    def service() -> BotService:
        return BotService(
            db,
            [campaign],
            lambda platform, account: DryRunPublisher(platform, account),
            mode=Mode.DRY_RUN,
            clock=clock,
            guard=allow_all,
            on_report=reports.append,
        )

    service().tick()  # 01:31 CDT: the 01:30 run
    assert [len(r.posts) for r in reports] == [1]
    clock.set(SECOND_0130 + timedelta(minutes=2))  # 01:32 CST: restarted
    service().tick()
    assert len(reports) == 1
    with db.new_session() as session:
        assert list(session.scalars(select(CampaignRun.fire_time))) == [FIRST_0130]
    # an hour later, nothing either; the next run is tomorrow's
    clock.advance(timedelta(hours=1))
    service().tick()
    assert len(reports) == 1


@pytest.mark.parametrize("lister", [fire_times, scheduler_fire_times])
def test_every_minute_around_fall_back_gives_each_wall_clock_minute_once(lister):
    s = schedule(cron="* * * * *")
    # The 120 real minutes from 01:00 CDT to 01:59 CST show 60 wall-clock minutes, each
    # twice: 60 fire times, all in the first occurrence.
    times = lister(
        s, FALL_BACK - timedelta(hours=1, microseconds=1), FALL_BACK + timedelta(minutes=59)
    )
    assert len(times) == 60
    assert wall(times) == [f"11-01 01:{m:02d}" for m in range(60)]
    assert {t.astimezone(CHICAGO).tzname() for t in times} == {"CDT"}
    # 00:00 CDT to 02:59 CST, 240 real minutes: 180 wall-clock minutes, 180 fire times,
    # and none lost either side of the repeated hour (02:00 CST fires)
    times = lister(
        s,
        FALL_BACK - timedelta(hours=2, microseconds=1),
        FALL_BACK + timedelta(hours=1, minutes=59),
    )
    expected = [f"11-01 {h:02d}:{m:02d}" for h in range(3) for m in range(60)]
    assert wall(times) == expected
    assert local(times[-60:-58]) == ["11-01 02:00 CST", "11-01 02:01 CST"]


def test_every_minute_restarted_inside_the_repeated_hour_waits_for_0200_cst():
    s = schedule(cron="* * * * *")
    restart = FALL_BACK + timedelta(minutes=10, seconds=30)  # 01:10:30 CST
    assert local([build_trigger(s).get_next_fire_time(None, restart)]) == ["11-01 02:00 CST"]
    # the minutes of the second occurrence are not due: 01:10 CDT was run an hour ago
    assert due(s, restart, FALL_BACK - timedelta(minutes=1)) is None


def test_every_fifteen_minutes_through_the_repeated_hour():
    s = schedule(cron="*/15 * * * *")
    times = fire_times(s, FALL_BACK - timedelta(hours=1, minutes=1), FALL_BACK + timedelta(hours=1))
    assert local(times) == [
        "11-01 01:00 CDT",
        "11-01 01:15 CDT",
        "11-01 01:30 CDT",
        "11-01 01:45 CDT",
        "11-01 02:00 CST",
    ]


# --- the skipped hour (DST starts) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        ("30 2 * * *", ["03-08 03:00 CDT"]),
        ("59 2 * * *", ["03-08 03:00 CDT"]),
        ("0 2 * * *", ["03-08 03:00 CDT"]),
        # several skipped times are one run, at the jump
        ("0,30 2 * * *", ["03-08 03:00 CDT"]),
        ("*/20 2 * * *", ["03-08 03:00 CDT"]),
        # a skipped time and the time right after the jump are one run too
        ("0 2,3 * * *", ["03-08 03:00 CDT"]),
        ("30 2,3 * * *", ["03-08 03:00 CDT", "03-08 03:30 CDT"]),
        ("45 1,2 * * *", ["03-08 01:45 CST", "03-08 03:00 CDT"]),
    ],
)
def test_a_time_in_the_skipped_hour_fires_once_at_the_jump(cron, expected):
    s = schedule(cron=cron)
    start, until = SPRING_FORWARD - timedelta(hours=3), SPRING_FORWARD + timedelta(hours=1)
    assert local(fire_times(s, start, until)) == expected
    assert local(scheduler_fire_times(s, start, until)) == expected


def test_a_daily_run_in_the_skipped_hour_happens_every_day():
    s = schedule(cron="30 2 * * *")
    times = fire_times(s, datetime(2026, 3, 6, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC))
    assert local(times) == [
        "03-06 02:30 CST",
        "03-07 02:30 CST",
        "03-08 03:00 CDT",
        "03-09 02:30 CDT",
        "03-10 02:30 CDT",
    ]


def test_every_minute_around_spring_forward_skips_the_missing_hour():
    s = schedule(cron="* * * * *")
    # 01:00 CST to 03:59 CDT is 120 real minutes: 120 fire times, one a minute
    times = fire_times(
        s,
        SPRING_FORWARD - timedelta(hours=1, microseconds=1),
        SPRING_FORWARD + timedelta(minutes=59),
    )
    assert len(times) == 120
    assert all(b - a == timedelta(minutes=1) for a, b in zip(times, times[1:], strict=False))
    assert local(times[59:61]) == ["03-08 01:59 CST", "03-08 03:00 CDT"]


def test_a_restart_right_at_the_jump_still_runs_the_skipped_time():
    s = schedule(cron="30 2 * * *")
    assert build_trigger(s).get_next_fire_time(None, SPRING_FORWARD) == SPRING_FORWARD
    found = due(s, SPRING_FORWARD + timedelta(minutes=5), None)
    assert found is not None and found.fire_time == SPRING_FORWARD and not found.late


def test_explicit_local_times_follow_the_same_rules():
    s = schedule(at=["2026-03-08T02:30:00", "2026-11-01T01:30:00"])
    times = fire_times(s, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert local(times) == ["03-08 03:00 CDT", "11-01 01:30 CDT"]


# --- a model of the rules, checked against the real triggers ------------------------------------


def model_fire_times(minutes: set[int], hours: set[int], start: datetime, until: datetime):
    """Every wall-clock minute the cron names, placed by the rules, once per instant."""
    found: set[datetime] = set()
    moment = start.astimezone(CHICAGO).replace(tzinfo=None, second=0, microsecond=0)
    moment -= timedelta(hours=3)
    end = until.astimezone(CHICAGO).replace(tzinfo=None) + timedelta(hours=3)
    while moment <= end:
        if moment.minute in minutes and moment.hour in hours:
            first = moment.replace(tzinfo=CHICAGO, fold=0)
            exists = first.astimezone(UTC).astimezone(CHICAGO).replace(tzinfo=None) == moment
            if not exists:  # skipped: the jump is the first minute after it that exists
                jump = moment
                while (jump.replace(tzinfo=CHICAGO).astimezone(UTC).astimezone(CHICAGO)).replace(
                    tzinfo=None
                ) != jump:
                    jump += timedelta(minutes=1)
                first = jump.replace(tzinfo=CHICAGO)
            instant = first.astimezone(UTC)
            if start < instant <= until:
                found.add(instant)
        moment += timedelta(minutes=1)
    return sorted(found)


@pytest.mark.parametrize(
    ("cron", "minutes", "hours"),
    [
        ("* * * * *", set(range(60)), set(range(24))),
        ("*/7 * * * *", set(range(0, 60, 7)), set(range(24))),
        ("5,35 0-3 * * *", {5, 35}, {0, 1, 2, 3}),
        ("0 * * * *", {0}, set(range(24))),
        ("59 1,2 * * *", {59}, {1, 2}),
    ],
)
@pytest.mark.parametrize("night", [FALL_BACK, SPRING_FORWARD], ids=["fall-back", "spring-forward"])
def test_fire_times_match_the_rules_minute_by_minute(cron, minutes, hours, night):
    start, until = night - timedelta(hours=4), night + timedelta(hours=4)
    expected = model_fire_times(minutes, hours, start, until)
    assert fire_times(schedule(cron=cron), start, until) == expected
    assert scheduler_fire_times(schedule(cron=cron), start + timedelta(microseconds=1), until) == (
        expected
    )
