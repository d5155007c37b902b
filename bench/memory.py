"""Figure 5, memory: peak resident memory of the bot's processes.

Each process runs on its own (``bench/memory_probe.py``) and reports its peak
resident set size: the scheduler idle with 100 campaigns loaded, a worker
idle, and the national-scale planning run (7,400 legislators, 22,200 posts).
Beside them, in the same run, a process that only imports SQLAlchemy. Budget:
under 150 MB for the bot in any case (the ratio to the budget is judged;
the ratio to SQLAlchemy alone is in the notes).
"""

from __future__ import annotations

import subprocess

from bench.common import PYTHON, ROOT, Report, Row, clean_env

BUDGET_MB = 150.0


def peak_mb(args: list[str]) -> float:
    result = subprocess.run(
        [PYTHON, *args], cwd=ROOT, env=clean_env(), capture_output=True, text=True, check=True
    )
    return int(result.stdout.strip().splitlines()[-1]) / 1024


def run(report: Report, *, quick: bool) -> None:
    floor = peak_mb(["-m", "bench.memory_probe", "sqlalchemy"])
    probes = [("scheduler, idle, 100 campaigns", "scheduler"), ("worker, idle", "worker")]
    if not quick:
        probes.append(("national-scale run, 22,200 posts", "national"))
    for label, what in probes:
        peak = peak_mb(["-m", "bench.memory_probe", what])
        report.add(
            Row(
                "memory",
                f"{label}: peak RSS",
                peak,
                BUDGET_MB,
                "MB",
                1.0,
                f"the {BUDGET_MB:g} MB budget",
                note=f"import sqlalchemy alone: {floor:.1f} MB, {peak / floor:.1f}x that",
            )
        )
