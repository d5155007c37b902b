"""Figure 6, importing the legislator directory: the whole command against parsing alone.

``advocacy-bot directory import PATH`` from start to exit, into a migrated,
empty SQLite database (a fresh copy for every run: the first import, not a
re-import), from the reference data in ``../shared/data`` (a local path: no
network), beside a Python process that only parses the same YAML files with
the loader the importer uses (:data:`bot.safeyaml.SafeLoader`: libyaml's
``CSafeLoader`` where PyYAML has it). Median wall-clock time of several runs
of each, interleaved.

=======================  =================================================
Missouri (Open States)   ``openstates/mo``: 192 legislators, 78 committees,
                         one YAML file each (270 files, 1.2 MB)
Colorado (Open States)   ``openstates/co``: 100 legislators, 49 committees
                         (149 files, 0.6 MB); full run only
Congress                 ``congress-legislators``: 537 members, their social
                         accounts, committees and seats (4 files, 1.5 MB);
                         full run only
=======================  =================================================

Budget: 2x against parsing plus what opening the database needs. The
issue's figure is the import against parsing alone, which the note gives
too; but a command that writes to the database pays SQLAlchemy's import and
its dialect's (some 0.3 s, a fixed cost: twice the whole parse of a state
the size of Missouri), so against parsing alone a state's import is judged
mostly by that start-up, which no importer work can cut. The floor is
therefore what the figures of ``startup`` call it: the import of what the
command truly needs (``log``'s floor: click, dotenv, ``sqlalchemy.orm``, its
SQLite dialect, ``sqlite3``), and then parsing the same YAML. Over it the
command checks and cleans every field (names, web addresses, phone numbers,
handles) and writes every row with its indexes in one transaction: 2x leaves
those about as much time as parsing takes. See docs/benchmarks.md.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import PYTHON, SHARED_DATA, Report, Row, bot_command, clean_env, run_quiet
from bot.store.db import Database

BUDGET = 2.0


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    """What ``directory import`` is given."""
    files: tuple[str, ...]
    """The YAML files it reads, as globs under :attr:`path`."""
    quick: bool = False
    """Also measured by ``--quick``."""


CASES = (
    Case(
        "Missouri (Open States, 192 legislators, 270 files)",
        SHARED_DATA / "openstates" / "mo",
        ("legislature/*.yml", "committees/*.yml"),
        quick=True,
    ),
    Case(
        "Colorado (Open States, 100 legislators, 149 files)",
        SHARED_DATA / "openstates" / "co",
        ("legislature/*.yml", "committees/*.yml"),
    ),
    Case(
        "Congress (congress-legislators, 537 members, 4 files)",
        SHARED_DATA / "congress-legislators",
        ("*.yaml",),
    ),
)

#: Parsing alone: each file with the importer's loader class, nothing else.
PARSE = """
import sys, yaml
from pathlib import Path
loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # bot.safeyaml.SafeLoader
for name in sys.argv[1:]:
    yaml.load(Path(name).read_bytes().decode("utf-8"), Loader=loader)
"""
#: The floor: what opening SQLite needs (bench/startup.py's floor for ``log``), then parsing.
FLOOR = "import click, dotenv, sqlalchemy.orm, sqlalchemy.dialects.sqlite, sqlite3\n" + PARSE


def run(report: Report, *, quick: bool) -> None:
    if not SHARED_DATA.is_dir():
        print(f"  skipped: no reference data at {SHARED_DATA} (see its README)")
        return
    runs = 3 if quick else 7
    with tempfile.TemporaryDirectory(prefix="bench-directory-") as tmp:
        empty = Path(tmp) / "empty.db"
        Database(f"sqlite:///{empty}").dispose()  # migrated once, copied for every run
        database = Path(tmp) / "bot.db"
        env = clean_env(DATABASE_URL=f"sqlite:///{database}", CAMPAIGNS_DIR=str(tmp))
        for case in CASES:
            if quick and not case.quick:
                continue
            if not case.path.is_dir():
                print(f"  skipped {case.name}: no {case.path}")
                continue
            files = sorted(str(f) for pattern in case.files for f in case.path.glob(pattern))
            command = [*bot_command(), "directory", "import", str(case.path)]
            floor = [PYTHON, "-c", FLOOR, *files]
            parse = [PYTHON, "-c", PARSE, *files]
            seconds, baseline, parsing = _interleaved(
                command, [floor, parse], empty, database, runs, env
            )
            report.add(
                Row(
                    "directory",
                    f"directory import: {case.name}",
                    seconds,
                    baseline,
                    "s",
                    BUDGET,
                    "importing what opening SQLite needs, then parsing the same YAML "
                    "(CSafeLoader), in one process",
                    note=f"median of {runs}, each into a fresh migrated SQLite database; "
                    f"{seconds / parsing:.2f}x parsing alone ({parsing:.2f} s)",
                )
            )


def _interleaved(
    command: list[str],
    baselines: list[list[str]],
    empty: Path,
    database: Path,
    runs: int,
    env: dict[str, str],
) -> list[float]:
    """Median seconds of the import (each into a fresh copy of ``empty``), then of each
    baseline, their runs interleaved."""
    samples: list[list[float]] = [[] for _ in range(len(baselines) + 1)]
    for index in range(runs + 1):  # the first of each warms the file cache and the bytecode
        for leftover in (database.with_name(database.name + s) for s in ("-wal", "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(empty, database)
        took = [run_quiet(command, env=env)] + [run_quiet(b, env=env) for b in baselines]
        if index:
            for sample, seconds in zip(samples, took, strict=True):
                sample.append(seconds)
    return [statistics.median(sample) for sample in samples]
