"""``bills import``: saved API answers seed the cache ``bills sync`` fills, without a key."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.bills import store
from bot.bills.importer import MAX_FILE_BYTES, import_files
from bot.cli import cli
from bot.store.db import Database
from tests.bills import mo_data
from tests.bills.conftest import HR21, NOW, SB792, run_sync
from tests.bills.test_triggers import STEPS, campaign
from tests.fakes.congress import FakeCongress
from tests.support import campaign_dict


def copy_samples(samples: Path, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    for path in samples.glob("*.json"):
        shutil.copy(path, folder / path.name)
    return folder


def test_the_real_answers_import_as_a_sync_would_have_fetched_them(
    dir_db: Database, samples: Path, tmp_path: Path, congress: FakeCongress
) -> None:
    loaded = campaign()
    report = import_files(dir_db, [samples], now=NOW, campaigns=[loaded])
    assert report.ok, report.problems
    [outcome] = report.bills
    assert outcome.key == HR21.key
    assert outcome.new_events == ["passed:house", "referred:senate:SSGA"]
    assert [(f.step, f.event_key) for f in report.firings] == [
        ("next-chamber", "passed:house"),
        ("committee", "referred:senate:SSGA"),
    ]
    skipped = [n for n in report.notes if "skipped" in n]
    assert len(skipped) == 9  # bill lists, amendments, subjects... : answers the bot does not use
    with dir_db.new_session() as session:
        imported = store.load(session, HR21.key)
    assert imported is not None

    # The same answers through `bills sync` make the same record.
    other = Database(f"sqlite:///{tmp_path / 'synced.db'}")
    run_sync(other, [HR21], congress)
    with other.new_session() as session:
        synced = store.load(session, HR21.key)
    assert synced is not None
    assert imported.record.as_dict() == synced.record.as_dict()
    other.dispose()

    # Importing again finds nothing new and fires nothing.
    again = import_files(dir_db, [samples], now=NOW, campaigns=[loaded])
    assert again.bills[0].new_events == [] and again.firings == []


def test_an_open_states_bill_imports_with_its_committees_joined(
    dir_db: Database, mo_folder: Path, tmp_path: Path
) -> None:
    path = tmp_path / "sb792.json"
    path.write_text(json.dumps(mo_data.bill(mo_folder)))
    report = import_files(dir_db, [path], now=NOW)
    assert report.ok, report.problems
    [outcome] = report.bills
    assert outcome.key == SB792.key
    record = outcome.record
    assert record is not None and record.status == "in_committee"
    assert [c.id for c in record.current_committees] == [mo_data.FAMILIES]
    # A search answer ({"results": [...]}) holds bills too.
    path.write_text(json.dumps({"results": [mo_data.bill(mo_folder)], "pagination": {}}))
    assert import_files(dir_db, [path], now=NOW).bills[0].new_events == []


def test_lists_without_their_bill_and_missing_pages_are_named(
    dir_db: Database, samples: Path, tmp_path: Path
) -> None:
    folder = copy_samples(samples, tmp_path / "answers")
    (folder / "bill_117_hr_21.json").unlink()
    report = import_files(dir_db, [folder], now=NOW)
    assert report.bills == []
    assert report.problems == [
        f"{folder / 'bill_117_hr_21_actions.json'}: lists for us/117/HR 21 but not the bill "
        "itself: add the answer of /bill/117/hr/21"
    ]
    shutil.copy(samples / "bill_117_hr_21.json", folder / "bill_117_hr_21.json")
    actions = json.loads((folder / "bill_117_hr_21_actions.json").read_text())
    actions["actions"] = actions["actions"][:4]  # one page of three
    (folder / "bill_117_hr_21_actions.json").write_text(json.dumps(actions))
    report = import_files(dir_db, [folder], now=NOW)
    assert report.bills == []
    assert report.problems == [
        f"{folder / 'bill_117_hr_21.json'}: 4 of the 10 actions of us/117/HR 21: give every "
        "page of the answer (the API sends 250 at a time)"
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            b"{not json",
            "not JSON (line 1, column 2: Expecting property name enclosed in double quotes)",
        ),
        (b"[1, 2]", "not a JSON object, as the APIs answer"),
        (b'{"hello": 1}', "neither a Congress.gov answer"),
        (b"\xff\xfe{}", "not UTF-8 text (byte 0)"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply"),
        (b'{"bill": {"congress": 117, "type": "XX", "number": 1}}', "names no Congress bill"),
        (
            b'{"id": "ocd-bill/1", "identifier": "SB 1", "session": "2026", '
            b'"jurisdiction": {"id": "ocd-jurisdiction/country:us/state:mo/government"}}',
            "has no 'sponsorships' or 'actions': save the answer asked with "
            "include=sponsorships&include=actions",
        ),
    ],
)
def test_a_bad_file_is_named_with_what_is_wrong_and_the_others_import(
    dir_db: Database, samples: Path, tmp_path: Path, content: bytes, problem: str
) -> None:
    folder = tmp_path / "answers"
    folder.mkdir()
    for name in ("", "_actions", "_committees", "_cosponsors"):
        shutil.copy(samples / f"bill_117_hr_21{name}.json", folder)
    bad = folder / "zz-bad.json"
    bad.write_bytes(content)
    report = import_files(dir_db, [folder], now=NOW)
    [found] = report.problems
    assert found.startswith(f"{bad}: ") and problem in found
    assert [b.key for b in report.bills] == [HR21.key]


def test_a_file_over_the_budget_is_not_read_whole(dir_db: Database, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 10)
    report = import_files(dir_db, [big, tmp_path / "missing.json"], now=NOW)
    assert report.problems == [
        f"{big}: larger than 20 MB: not one saved API answer",
        f"{tmp_path / 'missing.json'}: no such file",
    ]


def test_the_command(directory_template: Path, tmp_path: Path, samples: Path) -> None:
    database = tmp_path / "cli.db"
    shutil.copy(directory_template, database)
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    data = campaign_dict(
        id="fedramp",
        bills=[{"jurisdiction": "us", "session": "117", "identifier": "HR 21", "title": "F"}],
        targets={"select": [{"bill_role": "committee_members_not_cosponsoring"}]},
        steps=STEPS,
    )
    (campaigns / "fedramp.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    env = {
        "DATABASE_URL": f"sqlite:///{database}",
        "CAMPAIGNS_DIR": str(campaigns),
        "BOT_MODE": "dry_run",
        "CONGRESS_API_KEY": "",
    }
    result = CliRunner().invoke(cli, ["bills", "import", str(samples)], env=env)
    assert result.exit_code == 0, result.output
    assert "us/117/HR 21: FedRAMP Authorization Act" in result.output
    assert "event: referred:senate:SSGA" in result.output
    assert "fedramp: step 'committee' fired by us/117/HR 21 referred:senate:SSGA" in result.output
    assert "imported 1 bill(s)" in result.output
    shown = CliRunner().invoke(cli, ["bills", "show", "HR 21", "--json"], env=env)
    assert json.loads(shown.output)["status"] == "in_committee"
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    result = CliRunner().invoke(cli, ["bills", "import", str(bad), "--json"], env=env)
    assert result.exit_code == 1
    assert json.loads(result.output)["problems"][0].startswith(f"{bad}: not JSON")
