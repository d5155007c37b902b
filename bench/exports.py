"""Exports end to end: the whole log out as CSV or JSON, against SQLite's own export.

Over the larger filled log of bench/log.py (1,000,000 posts; quick: 50,000),
each timed as a person runs it, from start to the last byte:

``log --csv``        ``advocacy-bot log --csv --limit <all>`` to a file
``log --json``       ``advocacy-bot log --json --limit <all>`` to a file
``dashboard CSV``    ``GET /dashboard/log.csv`` through waitress (bench.serve),
                     read to the end by ``http.client``

Baseline: ``sqlite3 -csv DB "SELECT * FROM posts"`` (the table, every column,
by SQLite's shell; when the shell is not installed, Python's ``sqlite3`` and
``csv`` modules, said in the note). Budget: 3x. The commands' peak memory
(``ru_maxrss`` of the child) is shown and judged against 150 MB: an export
streams, it never holds the log.
"""

from __future__ import annotations

import http.client
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from bench.common import PYTHON, ROOT, Report, Row, bot_command, clean_env
from bench.log import SIZES, filled
from bench.pages import serving

BUDGET = 3.0
MEMORY_MB = 150.0

_PEAK = (
    "import resource, subprocess, sys, time; start = time.perf_counter(); "
    "subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], 'wb'), check=True); "
    "used = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(time.perf_counter() - start, used.ru_maxrss / 1024, used.ru_utime + used.ru_stime)"
)
_PYTHON_CSV = (
    "import csv, sqlite3, sys; w = csv.writer(sys.stdout); "
    "w.writerows(sqlite3.connect(sys.argv[1]).execute('SELECT * FROM posts'))"
)


def timed_usage(command: list[str], out: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """(seconds, peak MB, CPU seconds) of ``command`` writing its stdout to ``out``."""
    result = subprocess.run(
        [PYTHON, "-c", _PEAK, str(out), *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, peak, cpu = result.stdout.split()
    return float(seconds), float(peak), float(cpu)


def download(port: int, path: str) -> tuple[float, int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    start = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    size = 0
    while chunk := response.read(1 << 16):
        size += len(chunk)
    connection.close()
    return time.perf_counter() - start, size


def measure(
    report: Report,
    section: str,
    size: int,
    env: dict[str, str],
    raw: tuple[list[str], str],
    served: Path | str,
    out: Path,
    *,
    repeat: int = 3,
) -> None:
    """The three exports of the log that ``env``'s DATABASE_URL (and ``served``, for the
    dashboard) name, each beside its own run of ``raw`` (the command and what it is), in
    turn: the load weighs on both. Shared by this section and bench/postgres.py."""
    command, raw_is = raw
    everything = str(size * 10)
    timed_usage(command, out, env)  # warm the file cache (the server's)
    for name, args in (
        ("log --csv, the whole log", ["log", "--csv", "--limit", everything]),
        ("log --json, the whole log", ["log", "--json", "--limit", everything]),
    ):
        pairs = [
            (timed_usage(command, out, env), timed_usage([*bot_command(), *args], out, env))
            for _ in range(repeat)
        ]
        peak = max(p for _, (_, p, _) in pairs)
        cpu = statistics.median(c for _, (_, _, c) in pairs)
        raw_cpu = statistics.median(c for (_, _, c), _ in pairs)
        report.add(
            Row(
                section,
                f"{name}: {size:,} posts",
                statistics.median(s for _, (s, _, _) in pairs),
                statistics.median(s for (s, _, _), _ in pairs),
                "s",
                BUDGET,
                raw_is,
                note=f"median of {repeat}, each after a baseline run; peak {peak:.0f} MB"
                + (" (over 150 MB!)" if peak > MEMORY_MB else "")
                + f"; CPU {cpu:.2f} s against {raw_cpu:.2f} s ({cpu / raw_cpu:.2f}x)",
            )
        )
    with serving(served) as port:
        download(port, "/dashboard/log.csv?status=failed")  # warm the server
        times = [
            (timed_usage(command, out, env)[0], download(port, "/dashboard/log.csv")[0])
            for _ in range(repeat)
        ]
    report.add(
        Row(
            section,
            f"dashboard CSV, the whole log: {size:,} posts",
            statistics.median(s for _, s in times),
            statistics.median(b for b, _ in times),
            "s",
            BUDGET,
            raw_is,
            note=f"HTTP through waitress, read to the end; median of {repeat}",
        )
    )


def run(report: Report, *, quick: bool) -> None:
    _, size = SIZES[quick]
    path = filled(size)
    out = path.with_suffix(".out")
    env = clean_env(DATABASE_URL=f"sqlite:///{path}", CAMPAIGNS_DIR="campaigns")
    if shutil.which("sqlite3"):
        raw = (
            ["sqlite3", "-csv", str(path), "SELECT * FROM posts"],
            'sqlite3 -csv DB "SELECT * FROM posts"',
        )
    else:
        raw = (
            [PYTHON, "-c", _PYTHON_CSV, str(path)],
            "Python's sqlite3 and csv modules (no sqlite3 shell here)",
        )
    try:
        measure(report, "export", size, env, raw, path, out)
    finally:
        out.unlink(missing_ok=True)
