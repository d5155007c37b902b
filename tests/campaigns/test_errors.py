"""How a campaign error reads: one line, parts left out when unknown."""

from __future__ import annotations

from pathlib import Path

from bot.campaigns.errors import CampaignLoadError, CampaignProblem

PATH = Path("campaigns/mo-sb792.yaml")


def test_every_part() -> None:
    error = CampaignProblem(
        PATH, 14, "schedule.cron", "'0 25 * * *' is not a valid cron expression", "write 0 9 * * *"
    )
    assert str(error) == (
        "campaigns/mo-sb792.yaml:14: schedule.cron: '0 25 * * *' is not a valid cron "
        "expression. Fix: write 0 9 * * *"
    )


def test_parts_left_out() -> None:
    assert str(CampaignProblem(PATH, None, None, "no such file", None)) == (
        "campaigns/mo-sb792.yaml: no such file"
    )
    assert str(CampaignProblem(PATH, 3, None, "unknown field 'x'", "did you mean 'id'?")) == (
        "campaigns/mo-sb792.yaml:3: unknown field 'x'. Fix: did you mean 'id'?"
    )


def test_no_second_full_stop() -> None:
    error = CampaignProblem(PATH, 1, "id", "Too long.", "shorten it")
    assert str(error) == "campaigns/mo-sb792.yaml:1: id: Too long. Fix: shorten it"


def test_load_error_carries_every_error() -> None:
    errors = [CampaignProblem(PATH, 1, None, "a"), CampaignProblem(PATH, 2, None, "b")]
    raised = CampaignLoadError(errors)
    assert raised.errors == errors
    assert str(raised) == "campaigns/mo-sb792.yaml:1: a\ncampaigns/mo-sb792.yaml:2: b"
