"""Fire times from APScheduler's real triggers: local time, DST, quiet hours, missed runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.campaigns.schema import Schedule
from bot.schedule.timing import (
    MISFIRE_GRACE,
    cron_weekdays_to_names,
    due,
    fire_times,
    in_quiet_hours,
    local_day_start,
    outside_dates,
    quiet_hours_end,
    quiet_hours_note,
)

CHICAGO = ZoneInfo("America/Chicago")


def schedule(**fields) -> Schedule:
    return Schedule.model_validate({"timezone": "America/Chicago", **fields})


def local(times):
    return [t.astimezone(CHICAGO).strftime("%a %Y-%m-%d %H:%M %Z") for t in times]


def test_cron_fires_at_the_same_local_time_across_the_spring_dst_change():
    # DST starts in the US on Sunday 2026-03-08 at 02:00.
    times = fire_times(
        schedule(cron="0 10 * * *"),
        datetime(2026, 3, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 10, 0, tzinfo=UTC),
    )
    assert local(times) == [
        "Sat 2026-03-07 10:00 CST",
        "Sun 2026-03-08 10:00 CDT",
        "Mon 2026-03-09 10:00 CDT",
    ]
    assert [t.hour for t in times] == [16, 15, 15]  # UTC shifts by an hour


def test_cron_in_the_repeated_hour_of_the_autumn_change_fires_once():
    # DST ends on 2026-11-01: 01:00-02:00 happens twice in Chicago.
    times = fire_times(
        schedule(cron="30 1 * * *"),
        datetime(2026, 10, 31, 12, tzinfo=UTC),
        datetime(2026, 11, 2, 12, tzinfo=UTC),
    )
    assert local(times) == ["Sun 2026-11-01 01:30 CDT", "Mon 2026-11-02 01:30 CST"]


def test_cron_weekday_numbers_mean_what_they_mean_in_cron():
    assert cron_weekdays_to_names("1-5") == "mon,tue,wed,thu,fri"
    assert cron_weekdays_to_names("0,6") == "sun,sat"
    assert cron_weekdays_to_names("0-6") == "sun,mon,tue,wed,thu,fri,sat"
    assert cron_weekdays_to_names("1-7/2") == "mon,wed,fri,sun"
    assert cron_weekdays_to_names("*") == "*"
    assert cron_weekdays_to_names("*/2") == "sun,tue,thu,sat"
    assert cron_weekdays_to_names("mon-fri") == "mon-fri"
    times = fire_times(
        schedule(cron="0 10 * * 1-5"),
        datetime(2026, 3, 6, 0, tzinfo=UTC),  # a Friday
        datetime(2026, 3, 10, 0, tzinfo=UTC),
    )
    assert local(times) == ["Fri 2026-03-06 10:00 CST", "Mon 2026-03-09 10:00 CDT"]


def test_every_weekday_range_is_accepted_by_apscheduler():
    for field in ["0-6", "0-4", "sun", "7", "1-5", "*/2", "0,3,6"]:
        assert fire_times(
            schedule(cron=f"0 10 * * {field}"),
            datetime(2026, 3, 1, tzinfo=UTC),
            datetime(2026, 3, 15, tzinfo=UTC),
        ), field


def test_interval_fire_times_are_the_same_in_every_process():
    # Anchored at a fixed local midnight, so every process computes the same
    # grid; an interval counts elapsed time, so after DST it sits an hour later.
    s = schedule(interval="6h")
    winter = datetime(2026, 2, 1, 1, 17, tzinfo=UTC)
    summer = datetime(2026, 5, 1, 1, 17, tzinfo=UTC)
    assert fire_times(s, winter, winter + timedelta(days=1)) == fire_times(
        s, winter, winter + timedelta(days=1)
    )

    def hours(after: datetime) -> set[int]:
        return {t.astimezone(CHICAGO).hour for t in fire_times(s, after, after + timedelta(days=1))}

    assert hours(winter) == {0, 6, 12, 18}
    assert hours(summer) == {1, 7, 13, 19}


def test_explicit_datetimes_are_local_to_the_campaign():
    s = schedule(at=["2026-03-09T09:00:00", "2026-03-10T09:00:00"])
    times = fire_times(s, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert local(times) == ["Mon 2026-03-09 09:00 CDT", "Tue 2026-03-10 09:00 CDT"]


def test_start_and_end_dates_bound_the_schedule():
    s = schedule(cron="0 10 * * *", start="2026-03-02", end="2026-03-03")
    times = fire_times(s, datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert local(times) == ["Mon 2026-03-02 10:00 CST", "Tue 2026-03-03 10:00 CST"]


def test_quiet_hours_wrap_past_midnight():
    s = schedule(cron="0 * * * *", quiet_hours={"start": "21:00", "end": "08:00"})
    at = lambda hour: datetime(2026, 3, 2, hour, 0, tzinfo=CHICAGO)  # noqa: E731
    assert [h for h in range(24) if in_quiet_hours(s, at(h))] == [
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        21,
        22,
        23,
    ]


def test_local_day_starts_at_local_midnight():
    s = schedule(cron="0 10 * * *")
    start = local_day_start(s, datetime(2026, 3, 3, 3, 0, tzinfo=UTC))  # 21:00 on the 2nd, local
    assert start == datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def test_due_finds_the_fire_time_a_run_answers_to():
    s = schedule(cron="0 10 * * *")
    ten = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 10:00 CST
    assert due(s, ten - timedelta(minutes=1), None) is None
    found = due(s, ten + timedelta(minutes=2), None)
    assert found is not None and found.fire_time == ten and not found.late and found.missed == 0
    # once recorded, the same fire time is not due again
    assert due(s, ten + timedelta(minutes=3), ten) is None


def test_due_reports_runs_missed_while_down():
    s = schedule(cron="0 10 * * *")
    last = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    found = due(s, last + timedelta(days=3, hours=2), last)
    assert found is not None
    assert found.late and found.missed == 2
    assert found.fire_time == datetime(2026, 3, 5, 16, 0, tzinfo=UTC)


def test_a_new_bot_does_not_catch_up_on_history():
    s = schedule(cron="0 10 * * *")
    ten = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert due(s, ten + MISFIRE_GRACE + timedelta(seconds=1), None) is None


# --- dates and quiet hours that hold for every way of running ---------------------------------


def test_quiet_hours_end_is_the_next_local_end_even_across_midnight():
    quiet = schedule(cron="0 10 * * *", quiet_hours={"start": "21:00", "end": "08:00"})
    before_midnight = datetime(2026, 3, 3, 4, 30, tzinfo=UTC)  # 22:30 CST on March 2nd
    after_midnight = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # 02:00 CST on March 3rd
    for moment in (before_midnight, after_midnight):
        assert local([quiet_hours_end(quiet, moment)]) == ["Tue 2026-03-03 08:00 CST"]
    assert quiet_hours_end(quiet, datetime(2026, 3, 3, 16, 0, tzinfo=UTC)) is None  # 10:00
    note = quiet_hours_note(quiet, before_midnight)
    assert note == (
        "now (22:30 CST) falls in the quiet hours (21:00-08:00 America/Chicago); "
        "nothing is posted live before 2026-03-03 08:00 CST"
    )


def test_start_and_end_are_whole_local_days_inclusive():
    dated = schedule(cron="0 10 * * *", start="2026-03-02", end="2026-03-06")
    last_minute = datetime(2026, 3, 7, 5, 59, tzinfo=UTC)  # 23:59 CST on the 6th
    assert outside_dates(dated, last_minute) is None
    assert outside_dates(dated, last_minute + timedelta(minutes=1)) == (
        "the campaign ended on 2026-03-06 (schedule.end); nothing is planned after it"
    )
    assert outside_dates(dated, datetime(2026, 3, 2, 5, 59, tzinfo=UTC)) == (  # 23:59 on the 1st
        "the campaign starts on 2026-03-02 (schedule.start); nothing is planned before it"
    )


def test_explicit_times_outside_the_dates_never_fire():
    dated = schedule(
        at=["2026-03-01T10:00", "2026-03-03T10:00", "2026-03-09T10:00"],
        start="2026-03-02",
        end="2026-03-06",
    )
    times = fire_times(dated, datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert local(times) == ["Tue 2026-03-03 10:00 CST"]
