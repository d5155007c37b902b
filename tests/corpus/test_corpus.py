"""Every hostile or malformed input in ``tests/corpus`` gets a precise answer.

See ``tests/corpus/README.md`` for what a case is. Each case runs the real
command line in a child process, in a copy of its folder, with its own
database and no access to the working directory's data.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
PROBE = HERE / "_probe.py"
ROOT = HERE.parent.parent
HANG = 30.0  # seconds: past this a case is hung
MEMORY = 200 * 1024 * 1024


@dataclass(frozen=True)
class Case:
    folder: Path
    about: str
    run: list[str]
    exit: int
    says: list[str]
    setup: list[list[str]]

    @property
    def name(self) -> str:
        return str(self.folder.relative_to(HERE))


def cases() -> list[Case]:
    found = []
    for expect in sorted(HERE.rglob("expect.yaml")):
        spec = yaml.safe_load(expect.read_text(encoding="utf-8"))
        found.append(
            Case(
                folder=expect.parent,
                about=spec["about"],
                run=[str(arg) for arg in spec["run"]],
                exit=int(spec["exit"]),
                says=[str(line) for line in spec.get("says") or []],
                setup=[[str(arg) for arg in step] for step in spec.get("setup") or []],
            )
        )
    return found


@dataclass(frozen=True)
class Outcome:
    code: int
    output: str
    seconds: float
    peak: int


def run_cli(args: list[str], cwd: Path) -> Outcome:
    """``advocacy-bot ARGS`` in ``cwd``, hermetically, measured."""
    peak_file = cwd / ".probe-peak"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "DATABASE_URL", "CAMPAIGNS_DIR", "X_", "FACEBOOK_"))
        and not key.startswith(("BLUESKY_", "MASTODON_", "DASHBOARD_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{cwd / 'corpus.db'}",
        CAMPAIGNS_DIR=str(cwd / "campaigns"),
        PROBE_PEAK=str(peak_file),
        PYTHONPATH=str(ROOT),
        NO_COLOR="1",
        COLUMNS="200",
    )
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(PROBE), *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=HANG,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"advocacy-bot {' '.join(args)} hung: stopped after {HANG:.0f} s")
    seconds = time.perf_counter() - start
    peak = int(peak_file.read_text()) if peak_file.exists() else 0
    return Outcome(done.returncode, done.stdout + done.stderr, seconds, peak)


ALL = cases()


def test_the_corpus_is_large_enough() -> None:
    """The issue that built it asked for at least 80 cases."""
    assert len(ALL) >= 80, f"only {len(ALL)} cases in tests/corpus"


@pytest.mark.parametrize("case", ALL, ids=lambda case: case.name)
def test_case(case: Case, tmp_path: Path) -> None:
    work = tmp_path / "case"
    shutil.copytree(case.folder, work, ignore=shutil.ignore_patterns("expect.yaml"))
    (work / "campaigns").mkdir(exist_ok=True)
    for step in case.setup:
        done = run_cli(step, work)
        assert done.code == 0, f"setup {step} failed:\n{done.output}"
    outcome = run_cli(case.run, work)
    print(f"{case.name}: {outcome.seconds:.2f} s, {outcome.peak / 2**20:.0f} MB")
    assert "Traceback" not in outcome.output, outcome.output
    assert outcome.code == case.exit, f"{case.about}: exit {outcome.code}\n{outcome.output}"
    missing = [line for line in case.says if line not in outcome.output]
    assert not missing, f"{case.about}: output lacks {missing}:\n{outcome.output}"
    assert 0 < outcome.peak < MEMORY, f"{case.about}: peak memory {outcome.peak / 2**20:.0f} MB"


def test_good_campaigns_still_run_beside_every_hostile_one(tmp_path: Path) -> None:
    """All the corpus's campaign files in one folder with the examples: the examples run.

    ``run --once --all`` (dry run) plans every example campaign, skips every
    hostile file with its reason, exits 1, and stays within the budgets.
    """
    from bot import safeyaml

    work = tmp_path / "all"
    shutil.copytree(ROOT / "campaigns", work / "campaigns")
    examples = {
        safeyaml.load_file(path, safeyaml.CAMPAIGN)["id"]
        for path in (ROOT / "campaigns").glob("*.yaml")
    }
    hostile = 0
    for case in ALL:
        for path in sorted((case.folder / "campaigns").glob("*.y*ml")):
            try:
                data = safeyaml.load_file(path, safeyaml.CAMPAIGN)
            except Exception:  # a bomb, bad YAML, not UTF-8: exactly what it is for
                data = None
            if isinstance(data, dict) and data.get("id") in examples:
                continue  # a duplicate of an example would rightly stop it from running
            name = f"zz-{case.name.replace('/', '-')}-{path.name}"
            shutil.copyfile(path, work / "campaigns" / name)
            hostile += 1
    assert hostile >= 30, f"only {hostile} hostile campaign files"
    outcome = run_cli(["run", "--once", "--all"], work)
    print(
        f"{hostile} hostile files beside the examples: {outcome.seconds:.1f} s, "
        f"{outcome.peak / 2**20:.0f} MB"
    )
    assert "Traceback" not in outcome.output, outcome.output[-3000:]
    assert outcome.code == 1, outcome.output[-3000:]
    for campaign_id in sorted(examples):
        assert f"● {campaign_id}:" in outcome.output, f"{campaign_id} did not run"
    summary = outcome.output.strip().splitlines()[-1]
    skipped = re.search(r"(\d+) files skipped: (.*) \(see above\)$", summary)
    assert skipped, summary
    assert int(skipped.group(1)) >= 60, summary
    assert all(name.startswith("campaigns/zz-") for name in skipped.group(2).split(", "))
    assert 0 < outcome.peak < MEMORY, f"peak memory {outcome.peak / 2**20:.0f} MB"
