"""The ``directory`` and ``targets`` commands, end to end through click."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.cli import cli
from tests.support import campaign_dict

HAWLEY, SCHMITT = "H001089", "S001227"


@pytest.fixture
def env(directory_template: Path, tmp_path: Path) -> dict[str, str]:
    """Settings for a CLI run on a copy of the imported directory, with a campaigns folder."""
    database = tmp_path / "cli.db"
    shutil.copy(directory_template, database)
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    return {"DATABASE_URL": f"sqlite:///{database}", "CAMPAIGNS_DIR": str(campaigns)}


def run(env: dict[str, str], *args: str) -> Result:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result


def ok(env: dict[str, str], *args: str) -> str:
    result = run(env, *args)
    assert result.exit_code == 0, result.output
    return result.output


def write_campaign(env: dict[str, str], targets: dict[str, Any], platforms: list[str]) -> None:
    data = campaign_dict(id="judiciary", targets=targets, platforms=platforms)
    (Path(env["CAMPAIGNS_DIR"]) / "judiciary.yaml").write_text(
        yaml.safe_dump(data, sort_keys=False)
    )


def test_import_twice_reports_no_changes(tmp_path: Path, shared_data: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    folder = str(shared_data / "openstates" / "co")
    assert "openstates CO: 100 people (100 new" in ok(env, "directory", "import", folder)
    again = json.loads(ok(env, "directory", "import", folder, "--json"))
    assert [(r["added"], r["updated"], r["unchanged"]) for r in again] == [(0, 0, 100)]
    assert "openstates co: 100 in office, 0 inactive" in ok(env, "directory", "status")


def test_import_refuses_a_stray_path(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = run(env, "directory", "import", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert "no such file or folder. Nothing was imported." in result.output


def test_search(env: dict[str, str]) -> None:
    text = ok(env, "directory", "search", "hawley")
    assert HAWLEY in text and "Sen. Josh Hawley (R-MO, Congress senate)" in text
    assert "x:SenHawleyPress" in text
    hits = json.loads(ok(env, "directory", "search", "SSJU", "--json", "--limit", "100"))
    assert len(hits) == 22 and all("committee SSJU" in h["why"] for h in hits)
    grassley = next(h for h in hits if h["id"] == "G000386")
    assert grassley["committees"] == ["Senate Committee on the Judiciary (SSJU, chair)"]
    district = json.loads(ok(env, "directory", "search", "MO-1", "--json"))
    assert {(h["jurisdiction"], h["chamber"]) for h in district} == {
        ("us", "house"),
        ("mo", "senate"),
        ("mo", "house"),
    }
    assert "nobody matches" in ok(env, "directory", "search", "zzzzzz")


def test_set_handle_and_show_provenance(env: dict[str, str]) -> None:
    out = ok(
        env,
        "directory",
        "set-handle",
        "Josh Hawley",
        "bluesky",
        "hawley.bsky.social",
        "--note",
        "his site",
    )
    assert "H001089 on bluesky: @hawley.bsky.social (source: set-handle)" in out
    shown = json.loads(ok(env, "directory", "show", HAWLEY, "--json"))
    assert shown["handles"]["bluesky"]["source"] == "set-handle"
    assert shown["handles"]["bluesky"]["note"] == "his site"
    assert shown["handles"]["x"] == {
        "handle": "SenHawleyPress",
        "source": "congress-legislators",
        "kind": "official",
        "when": shown["handles"]["x"]["when"],
        "note": None,
    }
    assert {"id": "SSJU", "name": "Senate Committee on the Judiciary", "role": "member"} in shown[
        "committees"
    ]
    text = ok(env, "directory", "show", HAWLEY)
    assert "bluesky: @hawley.bsky.social  [set-handle" in text

    bad = run(env, "directory", "set-handle", HAWLEY, "x", "no spaces allowed")
    assert bad.exit_code == 1 and "is not an X handle" in bad.output
    unknown = run(env, "directory", "set-handle", "Josh Hawly", "x", "Foo")
    assert unknown.exit_code == 1 and "no person 'Josh Hawly'" in unknown.output
    assert "removed 1 bluesky override" in ok(
        env, "directory", "set-handle", HAWLEY, "bluesky", "--clear"
    )


def test_do_not_tag_commands(env: dict[str, str]) -> None:
    ok(env, "directory", "do-not-tag", SCHMITT, "--reason", "asked on 2026-03-02")
    ok(env, "directory", "do-not-tag", "@SomeOffice", "--platform", "x")
    listed = ok(env, "directory", "do-not-tag", "--list")
    assert "S001227 on every platform: asked on 2026-03-02" in listed
    assert "@SomeOffice on x" in listed
    needs_platform = run(env, "directory", "do-not-tag", "@SomeOffice")
    assert needs_platform.exit_code == 1 and "needs --platform" in needs_platform.output
    assert "removed 1 do-not-tag entry" in ok(env, "directory", "do-not-tag", SCHMITT, "--remove")


def test_load_overrides_command(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(
        f"handles:\n  - person: {HAWLEY}\n    bluesky: hawley.bsky.social\n"
        "  - person: nobody-yet\n    x: Someone\n"
    )
    out = ok(env, "directory", "load-overrides", str(path))
    assert "2 handles, 0 people added, 0 do-not-tag entries" in out
    assert "not in the directory yet (kept; they apply once imported): nobody-yet" in out
    path.write_text("handles:\n  - person: X\n    x: 'bad handle'\n")
    result = run(env, "directory", "load-overrides", str(path))
    assert result.exit_code == 1 and "is not an X handle" in result.output


def test_targets_per_platform(env: dict[str, str]) -> None:
    ok(env, "directory", "do-not-tag", SCHMITT, "--reason", "asked")
    write_campaign(
        env,
        {
            "select": [
                {"committee": "Senate Judiciary"},
                {"jurisdiction": "us", "chamber": "senate", "state": "MO"},
            ]
        },
        ["x", "bluesky"],
    )
    report = json.loads(ok(env, "targets", "judiciary", "--json"))
    ids = [t["id"] for t in report["targets"]]
    assert len(ids) == len(set(ids)) == 22  # both MO senators sit on the committee
    assert report["selectors"] == [
        {"index": 0, "selector": "committee: Senate Judiciary", "matches": 22},
        {"index": 1, "selector": "jurisdiction: us, chamber: senate, state: MO", "matches": 2},
    ]
    by_id = {t["id"]: t for t in report["targets"]}
    hawley_x = by_id[HAWLEY]["platforms"]["x"]
    assert (hawley_x["tagged"], hawley_x["handle"], hawley_x["source"], hawley_x["kind"]) == (
        True,
        "SenHawleyPress",
        "congress-legislators",
        "official",
    )
    schmitt_x = by_id[SCHMITT]["platforms"]["x"]
    assert schmitt_x["tagged"] is False and schmitt_x["named_as"] == "Sen. Eric Schmitt"
    assert schmitt_x["why_not"] == "do-not-tag: asked"
    blue = {t["id"]: t["platforms"]["bluesky"] for t in report["targets"]}
    assert all(not b["tagged"] and b["named_as"] for b in blue.values())
    assert {b["why_not"] for i, b in blue.items() if i != SCHMITT} == {"no known handle"}
    assert report["counts"]["bluesky"] == {"tagged": 0, "named": 22}

    text = ok(env, "targets", "judiciary")
    assert text.startswith("judiciary (")
    assert (
        "@SenHawleyPress" in text
        and "Sen. Josh Hawley (H001089)  [congress-legislators, official" in text
    )
    assert 'named as "Sen. Eric Schmitt" (S001227): do-not-tag: asked' in text
    assert "bluesky: 0 tagged, 22 named in plain text" in text


def test_targets_of_an_unknown_campaign(env: dict[str, str]) -> None:
    result = run(env, "targets", "no-such-campaign")
    assert result.exit_code == 1 and "no campaign 'no-such-campaign'" in result.output
