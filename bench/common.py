"""What every benchmark shares: timing, the result rows and the table.

A figure is never judged by its absolute time (machines differ, and a shared
machine's load comes and goes): each is measured beside a baseline in the same
run and judged by the ratio, against the budget of issue 8.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
PYTHON = sys.executable


def bot_command() -> list[str]:
    """How to run ``advocacy-bot``: the installed console script, else ``python -m bot``."""
    script = Path(PYTHON).parent / "advocacy-bot"
    return [str(script)] if script.exists() else [PYTHON, "-m", "bot"]


@dataclass
class Row:
    """One line of the table: a figure, its baseline, their ratio and the budget."""

    section: str
    figure: str
    value: float
    baseline: float
    unit: str
    budget: float | None
    """The largest acceptable ratio (value / baseline), or None for information only."""
    baseline_is: str
    note: str = ""
    at_least: bool = False
    """For shares (rate-cap use): the ratio must be at least the budget."""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")

    @property
    def verdict(self) -> str:
        if self.budget is None:
            return ""
        if self.at_least:
            return "ok" if self.ratio >= self.budget else "MISSED"
        return "ok" if self.ratio <= self.budget else "MISSED"


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    """Query plans, import lists, profiles: printed after the table."""

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(f"  {row.figure}: {_fmt(row.value, row.unit)} vs {_fmt(row.baseline, row.unit)}"
              f" ({row.ratio:.2f}x) {row.verdict}", file=sys.stderr, flush=True)  # fmt: skip

    def detail(self, title: str, lines: Sequence[str]) -> None:
        self.details.append(f"{title}\n" + "\n".join(f"    {line}" for line in lines))

    def table(self) -> str:
        header = ("figure", "measured", "baseline", "ratio", "budget", "", "baseline is")
        lines = []
        for row in self.rows:
            budget = (
                "" if row.budget is None else ("≥ " if row.at_least else "≤ ") + f"{row.budget:g}"
            )
            lines.append(
                (
                    f"{row.section}: {row.figure}",
                    _fmt(row.value, row.unit),
                    _fmt(row.baseline, row.unit),
                    f"{row.ratio:.2f}",
                    budget,
                    row.verdict,
                    row.baseline_is + (f"; {row.note}" if row.note else ""),
                )
            )
        widths = [max(len(str(r[i])) for r in [header, *lines]) for i in range(len(header) - 1)]
        out = []
        for index, cells in enumerate([header, *lines]):
            left = "  ".join(
                str(c).ljust(w) if i == 0 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(cells[:-1], widths, strict=True))
            )
            out.append(f"{left}  {cells[-1]}".rstrip())
            if index == 0:
                out.append("-" * len(out[0]))
        return "\n".join(out)

    def markdown(self) -> str:
        lines = [
            "| figure | measured | baseline | ratio | budget | | baseline is |",
            "|---|--:|--:|--:|--:|---|---|",
        ]
        for row in self.rows:
            budget = (
                "" if row.budget is None else ("≥ " if row.at_least else "≤ ") + f"{row.budget:g}"
            )
            note = row.baseline_is + (f"; {row.note}" if row.note else "")
            lines.append(
                f"| {row.section}: {row.figure} | {_fmt(row.value, row.unit)} | "
                f"{_fmt(row.baseline, row.unit)} | {row.ratio:.2f} | {budget} | {row.verdict} | "
                f"{note} |"
            )
        return "\n".join(lines)

    def as_json(self, machine: str, quick: bool) -> dict[str, Any]:
        """The figures as data (``python -m bench --json PATH``; tests/test_bench.py reads it)."""
        return {
            "machine": machine,
            "quick": quick,
            "rows": [
                {
                    "section": row.section,
                    "figure": row.figure,
                    "value": row.value,
                    "baseline": row.baseline,
                    "unit": row.unit,
                    "ratio": row.ratio,
                    "budget": row.budget,
                    "at_least": row.at_least,
                    "verdict": row.verdict,
                    "note": row.note,
                }
                for row in self.rows
            ],
        }

    @property
    def missed(self) -> list[Row]:
        return [row for row in self.rows if row.verdict == "MISSED"]


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        if value >= 1:
            return f"{value:.2f} s"
        if value >= 1e-3:
            return f"{value * 1e3:.1f} ms"
        return f"{value * 1e6:.1f} µs"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "%":
        return f"{value:.1f} %"
    return f"{value:g} {unit}".strip()


def timed(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def run_quiet(command: Sequence[str], *, env: dict[str, str] | None = None) -> float:
    """Run a command to its end; its wall-clock seconds. Raises if it fails."""
    start = time.perf_counter()
    subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=True,
    )
    return time.perf_counter() - start


def interleaved_medians(
    commands: Sequence[Sequence[str]], runs: int, env: dict[str, str]
) -> list[float]:
    """Median wall-clock seconds of each command, their runs interleaved.

    Interleaving spreads the machine's load evenly over a command and its
    baseline, so their ratio holds even when the absolute times wander.
    """
    samples: list[list[float]] = [[] for _ in commands]
    for command in commands:  # warm the file cache and the bytecode
        run_quiet(command, env=env)
    for _ in range(runs):
        for index, command in enumerate(commands):
            samples[index].append(run_quiet(command, env=env))
    return [statistics.median(times) for times in samples]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a measured subprocess: no .env surprises, no bytecode writes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "BOT_", "DATABASE"))}
    env.update(extra)
    return env
