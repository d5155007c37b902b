"""The quick bench runs, and no figure misses its budget by a wide margin.

``python -m bench --quick`` measures every figure beside its floor in the
same run (small sizes); a figure whose ratio is more than twice its budget
(or, for a share that must be reached, under half of it) fails here, so a
regression such as ``validate`` importing SQLAlchemy again is caught the day
it happens. The margin is wide because a test machine is often busy: the
budget itself is judged by the full run (docs/benchmarks.md). No wall-clock
time is asserted, only ratios measured side by side.

The sections that measure what people wait for run here (start-up, every
page over HTTP, the exports, and importing Missouri's legislators into the
directory where ``../shared/data`` is present); the log's bare queries (a few milliseconds,
too noisy on a busy machine for a 2x margin), planning, the rate cap and
memory run in ``python -m bench --quick`` by hand.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

SECTIONS = "startup,pages,exports,directory"
MARGIN = 2.0
#: Figures known to miss their budget, each with why (docs/benchmarks.md, "Left to do"):
#: they are reported by the bench, not judged here, until they are fixed.
KNOWN_MISSES: set[str] = set()
# None now: the legislator filter walks an index (0018_filters) and "four filters" asks
# the smaller log for the hours it holds, so both are judged again (quick runs after the
# fixes: 1.6-1.7x and 1.2x).


def missed_widely(row: dict[str, object]) -> bool:
    """Whether ``row``'s ratio misses its budget by more than :data:`MARGIN`."""
    budget, ratio = row["budget"], row["ratio"]
    if budget is None:
        return False
    assert isinstance(budget, float | int) and isinstance(ratio, float | int)
    return ratio < budget / MARGIN if row["at_least"] else ratio > budget * MARGIN


def test_missed_widely_reads_the_budget_both_ways() -> None:
    row = {"budget": 1.5, "ratio": 3.1, "at_least": False}
    assert missed_widely(row) and not missed_widely({**row, "ratio": 2.9})
    share = {"budget": 0.95, "ratio": 0.4, "at_least": True}
    assert missed_widely(share) and not missed_widely({**share, "ratio": 0.5})
    assert not missed_widely({"budget": None, "ratio": 99.0, "at_least": False})


def test_quick_bench_stays_within_twice_each_budget(tmp_path: Path) -> None:
    figures = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", SECTIONS, "--json", str(figures)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "figure" in result.stdout and "baseline" in result.stdout
    rows = json.loads(figures.read_text())["rows"]
    for section in ("start-up", "page", "export"):
        assert any(row["section"] == section for row in rows), section
    if (ROOT.parent / "shared" / "data" / "openstates" / "mo").is_dir():  # else it is skipped
        assert any(row["section"] == "directory" for row in rows)
    # A start-up that imports what it must not is named in its note.
    assert not [r["figure"] for r in rows if r["section"] == "start-up" and "!" in r["note"]]
    missed = [
        f"{r['section']}: {r['figure']}: {r['ratio']:.2f}x against a budget of {r['budget']}"
        for r in rows
        if missed_widely(r) and not r["figure"].startswith(tuple(f"{k}:" for k in KNOWN_MISSES))
    ]
    assert not missed, "\n".join(missed) + "\n\n" + result.stdout
