"""``advocacy-bot bills sync|show|steps|list`` end to end, against the local fakes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.cli import cli
from tests.bills.test_triggers import STEPS
from tests.fakes.congress import FakeCongress
from tests.fakes.openstates_api import FakeOpenStates
from tests.support import campaign_dict


@pytest.fixture
def env(
    directory_template: Path, tmp_path: Path, congress: FakeCongress, openstates: FakeOpenStates
) -> dict[str, str]:
    database = tmp_path / "cli.db"
    shutil.copy(directory_template, database)
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    data = campaign_dict(
        id="fedramp",
        bills=[
            {"jurisdiction": "us", "session": "117", "identifier": "HR 21", "title": "FedRAMP"},
            {"jurisdiction": "mo", "session": "2026", "identifier": "SB 792", "title": "Records"},
        ],
        targets={
            "select": [{"bill_role": "committee_members_not_cosponsoring", "bill": "HR 21"}],
            "people": [{"id": "H001089", "name": "Josh Hawley", "title": "Sen."}],
        },
        steps=STEPS,
    )
    (campaigns / "fedramp.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return {
        "DATABASE_URL": f"sqlite:///{database}",
        "CAMPAIGNS_DIR": str(campaigns),
        "BOT_MODE": "dry_run",
        "CONGRESS_API_URL": f"{congress.url}/v3",
        "CONGRESS_API_KEY": "fake-congress-key",
        "CONGRESS_API_MIN_INTERVAL": "0",
        "OPENSTATES_API_URL": openstates.url,
        "OPENSTATES_API_KEY": "fake-openstates-key",
        "OPENSTATES_API_MIN_INTERVAL": "0",
    }


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def ok(env: dict[str, str], *args: str) -> str:
    result = run(env, *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_sync_show_steps_and_list(env: dict[str, str]) -> None:
    out = ok(env, "bills", "sync")
    assert "us/117/HR 21: FedRAMP Authorization Act" in out
    assert "passed the House; in the Senate, in committee (Homeland Security" in out
    assert "event: referred:senate:SSGA" in out
    assert "mo/2026/SB 792: Modifies provisions" in out
    assert "fedramp: step 'committee' fired by us/117/HR 21 referred:senate:SSGA" in out
    assert "requests: " in out

    again = json.loads(ok(env, "bills", "sync", "--json"))
    assert [b["events"] for b in again["bills"]] == [[], []]
    assert again["steps"] == []

    shown = json.loads(ok(env, "bills", "show", "HR 21", "--json"))
    assert shown["bill"] == "us/117/HR 21"
    assert [c["id"] for c in shown["cosponsors"]] == ["C001108", "H001071"]
    assert shown["cosponsors"][0]["directory"] == "in office"
    assert shown["cosponsors"][1]["directory"] is None  # not in the current data
    assert shown["roles"]["committee_of_referral"]
    assert {e["key"] for e in shown["events"]} >= {"passed:house", "referred:senate:SSGA"}
    text = ok(env, "bills", "show", "us/117/HR 21")
    assert "cosponsors (2)" in text and "SSGA" in text and "← now" in text
    assert "[not in the directory]" in text

    steps = ok(env, "bills", "steps", "fedramp")
    assert "step committee: on referred → targets, post" in steps
    assert "fired " in steps and "referred:senate:SSGA" in steps
    assert "would post at once, when the bill is signed into law" in steps

    listed = ok(env, "bills", "list")
    assert "us/117/HR 21" in listed and "mo/2026/SB 792" in listed

    # The campaign validates, and its targets resolve through the bill role.
    assert run(env, "validate").exit_code == 0
    targets = ok(env, "targets", "fedramp")
    assert "Rand Paul" in targets or "Paul" in targets


def test_a_wrong_key_uses_the_cache_and_says_how_old(env: dict[str, str]) -> None:
    ok(env, "bills", "sync")
    result = run({**env, "CONGRESS_API_KEY": "wrong"}, "bills", "sync")
    assert result.exit_code == 1
    assert "us/117/HR 21: not synced: Congress.gov refused the API key (HTTP 403" in result.output
    assert "using the cached copy fetched" in result.output
    assert "mo/2026/SB 792: Modifies provisions" in result.output  # the other source still works
    data = json.loads(run({**env, "CONGRESS_API_KEY": "wrong"}, "bills", "sync", "--json").output)
    failed = data["bills"][0]
    assert failed["ok"] is False and failed["cached_at"] and failed["cache_age_seconds"] >= 0
    assert "wrong" not in result.output.replace("wrong key", "")


def test_show_an_unknown_bill(env: dict[str, str]) -> None:
    result = run(env, "bills", "show", "HR 9999")
    assert result.exit_code == 1
    assert "no bill 'HR 9999'; known bills: mo/2026/SB 792, us/117/HR 21" in result.output
    result = run(env, "bills", "show", "HR 21")
    assert "has not been synced yet" in result.output
