"""CI cannot pass by skipping: a missing server, browser or data set fails it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support import ROOT, unavailable


def test_a_missing_backend_fails_in_ci_and_skips_on_a_developers_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no PostgreSQL; CI runs every test"):
        unavailable("no PostgreSQL")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL"):
        unavailable("no PostgreSQL")


def test_ci_sets_the_flag_itself() -> None:
    """CI's own environment may or may not set CI: .ci/run must, before the tests run."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "export CI=" in script.split("scripts/test")[0]


RUN_IN_PARALLEL = """
import os
from pathlib import Path

import pytest

@pytest.fixture(autouse=True)
def note_the_worker():
    with Path(os.environ["WORKERS_SEEN"]).open("a") as seen:
        seen.write(os.environ["PYTEST_XDIST_WORKER"] + " ")

@pytest.fixture
def shared_data():
    return "data"

@pytest.mark.parametrize("n", range(4))
def test_reads_the_data(shared_data, n):
    assert shared_data

def test_fails_on_the_data(shared_data):
    assert not shared_data

def test_needs_postgresql(postgres_url):
    pass

def test_needs_nothing():
    pass
"""


def test_the_backends_line_counts_every_worker_once_and_ci_still_fails_a_missing_backend(
    tmp_path,
) -> None:
    """Under ``pytest -n 2`` (as scripts/test runs) the workers' counts add up in one line.

    The tests are spread over two processes; the ``backends:`` line is printed by
    xdist's controller alone, with all of them, and a missing PostgreSQL still
    fails in CI rather than skipping.
    """
    (tmp_path / "test_spread.py").write_text(RUN_IN_PARALLEL, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_POSTGRES", "PYTEST"))}
    seen = tmp_path / "workers"
    env |= {"CI": "true", "PYTHONPATH": str(ROOT), "WORKERS_SEEN": str(seen)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider"]
        + ["-n", "2", "--dist", "loadgroup", "-q", "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("backends:")]
    assert lines == ["backends: PostgreSQL: 1 failed · shared data: 1 failed, 4 passed"], (
        result.stdout[-3000:] + result.stderr[-3000:]
    )
    assert set(seen.read_text().split()) == {"gw0", "gw1"}
    assert "CI runs every test" in result.stdout
