"""``python -m bench``: the performance budget of issues 8 and 17, measured.

Usage (from the repository root)::

    .venv/bin/python -m bench            # everything, some 5-10 minutes
    .venv/bin/python -m bench --quick    # a smoke run: small sizes, few repeats
    .venv/bin/python -m bench --only startup,log
    .venv/bin/python -m bench --postgres postgresql://USER:PW@HOST/DB --only postgres,workers

Prints one table: each figure beside a baseline measured in the same run,
their ratio and the budget (``ok`` or ``MISSED``), then the details (heavy
imports, query plans). Exits 0 whatever the figures: nothing here is a test
assertion (see tests/test_bench.py for the smoke test); a section that fails is
reported with its traceback, the others' figures are still printed, and the
exit status is 1. ``--markdown`` prints
the table as docs/benchmarks.md shows it; ``--json PATH`` also writes the
figures as data (tests/test_bench.py reads them). ``--postgres URL`` (or
$BENCH_POSTGRES_URL) runs the ``postgres`` and ``workers`` sections against
that server (bench/pg.py: they make sibling databases there); without it
they are skipped.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

from bench.common import Report
from bench.pg import ENV

SECTIONS = (
    "startup",
    "planning",
    "directory",
    "log",
    "pages",
    "exports",
    "ratecap",
    "memory",
    "postgres",
    "workers",
)


def machine() -> str:
    def out(*command: str) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"

    memory = out("free", "-h").splitlines()
    total = memory[1].split()[1] if len(memory) > 1 else "?"
    cpu = ""
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if "model name" in line), "")
    except OSError:
        pass
    return (
        f"{out('nproc')} CPUs ({cpu or platform.machine()}), {total} memory, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}; "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    parser.add_argument("--only", help=f"comma-separated sections of {', '.join(SECTIONS)}")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown")
    parser.add_argument("--json", metavar="PATH", help="also write the figures to PATH as JSON")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL database whose role may create databases: run the postgres and"
        " workers sections there (default: $BENCH_POSTGRES_URL)",
    )
    args = parser.parse_args(argv)
    sections = args.only.split(",") if args.only else list(SECTIONS)
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")

    if args.postgres:
        os.environ[ENV] = args.postgres  # read by bench/pg.py, here and in its children

    report = Report()
    started = time.perf_counter()
    failed: list[str] = []
    for name in sections:
        print(f"[{name}]", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            module.run(report, quick=args.quick)
        except Exception as exc:  # a section that breaks must not lose the others' figures
            traceback.print_exc()
            failed.append(f"{name} ({type(exc).__name__}: {exc})")
    elapsed = time.perf_counter() - started

    print(f"machine: {machine()}")
    print(f"mode: {'quick' if args.quick else 'full'}; {elapsed:.0f} s\n")
    print(report.markdown() if args.markdown else report.table())
    print()
    for detail in report.details:
        print(detail)
        print()
    if args.json:
        Path(args.json).write_text(json.dumps(report.as_json(machine(), args.quick), indent=2))
    missed = report.missed
    print(f"{len(report.rows) - len(missed)} of {len(report.rows)} figures within budget"
          + (f"; missed: {', '.join(r.figure for r in missed)}" if missed else ""))  # fmt: skip
    if failed:
        print(f"failed, so not measured: {'; '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
