"""Warnings: a campaign that is valid but will not run when its organizer thinks.

The clock is injected: "today" is fixed, so these never depend on the date
the tests run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from bot.campaigns.validate import validate_all
from bot.cli import cli
from bot.clock import FrozenClock
from tests.campaigns.conftest import WriteCampaign

#: 2026-03-02 09:00 in Chicago: the base campaign runs from 2026-01-05
TODAY = FrozenClock(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))


def warnings(path: Path, clock: FrozenClock = TODAY) -> list[str]:
    found = validate_all([path], clock)
    assert found.errors == []
    assert [loaded.path for loaded in found.campaigns] == [path]  # warned, still valid
    assert all(warning.is_warning for warning in found.warnings)
    return [str(warning) for warning in found.warnings]


def test_a_running_campaign_has_no_warnings(write_campaign: WriteCampaign) -> None:
    assert warnings(write_campaign()) == []


def test_an_end_that_has_passed(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"end: 2099-06-30": "end: 2026-02-27"})
    assert warnings(path) == [
        f"{path}:30: schedule.end: the campaign ran out on 2026-02-27 (its end date, 3 days "
        "ago): it will not run again. Fix: move end to a later date to run it again, or set "
        "enabled: false to keep it as a record"
    ]


def test_the_end_day_itself_still_runs_in_the_campaigns_timezone(
    write_campaign: WriteCampaign,
) -> None:
    # 2026-03-02 03:00 UTC is still 2026-03-01 in Chicago: the end day has not passed there.
    path = write_campaign({"end: 2099-06-30": "end: 2026-03-01"})
    assert warnings(path, FrozenClock(datetime(2026, 3, 2, 3, 0, tzinfo=UTC))) == []
    assert len(warnings(path, FrozenClock(datetime(2026, 3, 2, 7, 0, tzinfo=UTC)))) == 1


def test_a_start_far_ahead(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"start: 2026-01-05": "start: 2062-01-05", "2099-06-30": "2062-06-30"})
    assert warnings(path) == [
        f"{path}:29: schedule.start: the campaign will not run until 2062-01-05 (its start "
        "date, 13093 days from now). Fix: if that is a typo, correct the start date"
    ]


def test_a_start_next_month_is_no_warning(write_campaign: WriteCampaign) -> None:
    assert warnings(write_campaign({"start: 2026-01-05": "start: 2026-04-01"})) == []


def test_every_at_time_past(write_campaign: WriteCampaign) -> None:
    path = write_campaign({'cron: "0 12 * * 1-5"': 'at: ["2026-02-01 09:00", "2026-02-02 09:00"]'})
    assert warnings(path) == [
        f"{path}:27: schedule.at: every time under 'at' has passed (the last was "
        "2026-02-02 09:00:00): the campaign will not run again. Fix: add a time still to "
        "come, or set enabled: false"
    ]


def test_a_disabled_campaign_is_not_warned_about(write_campaign: WriteCampaign) -> None:
    path = write_campaign(
        {"end: 2099-06-30": "end: 2026-02-27", "cooldown: 7d": "cooldown: 7d\nenabled: false"}
    )
    assert warnings(path) == []


def test_validate_prints_warnings_and_exits_0(write_campaign: WriteCampaign) -> None:
    path = write_campaign(
        {"end: 2099-06-30": "end: 2020-06-30", "start: 2026-01-05": "start: 2020-01-05"}
    )
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"✓ us-s1693 ({path}): 1 bill, 2 messages, 2 platforms"
    assert lines[1].startswith(
        f"warning: {path}:30: schedule.end: the campaign ran out on 2020-06-30"
    )
    assert lines[2] == "1 campaign OK, 1 warning"
    strict = CliRunner().invoke(cli, ["validate", "--strict", str(path)])
    assert strict.exit_code == 1
