"""Figure 1, start-up: the commands a person types often, whole, against their floor.

Each command runs to its end over a migrated, empty SQLite database (the
schema current: no command may migrate, or import Alembic), beside the
import of what it truly needs: median wall-clock time of several runs of
each, in subprocesses, interleaved. Budget: 1.5x each.

=====================================  ===========================================
``advocacy-bot --help``                ``import click``
``advocacy-bot validate`` (examples)   click, dotenv, Jinja's sandbox, yaml, one
                                       pydantic model (see below), ``regex`` and
                                       ``sqlite3``; no SQLAlchemy: the directory
                                       is empty
``advocacy-bot log --limit 50``        click, dotenv, and what opening SQLite
                                       needs: ``sqlalchemy.orm``, its SQLite
                                       dialect, ``sqlite3``
``preview``, ``targets`` (an example)  validate's floor (``targets``: without
                                       ``regex``, it counts no text) and SQLite's
``run --once``, nothing due            the same and APScheduler's cron trigger
                                       (the examples, scheduled yearly)
=====================================  ===========================================

Then each command once more under ``python -X importtime``: the modules that
cost the most, and any it must not load (platform clients, the scheduler,
Alembic, the web framework; for ``--help`` and ``validate``, SQLAlchemy too).

``validate``'s baseline is not ``import pydantic, yaml, jinja2``: pydantic 2's
package is lazy, so ``import pydantic`` loads almost nothing until a model is
defined (which then also looks up pydantic's plugins), and a command needs its
CLI framework as ``--help`` does. The baseline therefore imports click, yaml,
Jinja's sandbox and python-dotenv (the settings' ``.env``) and defines one
pydantic model; the time against the bare ``import pydantic, yaml, jinja2`` is
shown beside it. ``regex`` is in the floor of the commands that count a
text's length (``validate``, ``preview``): the examples post to Mastodon,
whose counter (bot.compose.mastodon_length) needs its Unicode classes and
grapheme clusters (``run --once`` with nothing due counts none, and no longer
imports it); ``sqlite3`` is how ``validate`` asks whether the directory holds
anyone (bot.cli.validate.sqlite_directory_is_empty), and a command that
opens the database loads it with SQLAlchemy's SQLite dialect.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import PYTHON, ROOT, Report, Row, bot_command, clean_env, interleaved_medians
from bot.store.db import Database

BUDGET = 1.5

#: Top-level packages that ``--help`` and ``validate`` must not import.
FORBIDDEN = (
    "sqlalchemy",
    "alembic",
    "apscheduler",
    "tweepy",
    "facebook",
    "atproto",
    "mastodon",
    "requests",
    "httpx",
    "twitter_text",
    "flask",
    "starlette",
    "fastapi",
    "uvicorn",
    "werkzeug",
    "psycopg",
)


#: What a command that reads the database must still not import: no migrations run
#: when the schema is current, and no client, scheduler or web framework it does not use.
FORBIDDEN_WITH_DB = tuple(name for name in FORBIDDEN if name not in ("sqlalchemy",))

_CAMPAIGN_FLOOR = (
    "import click, dotenv, jinja2.sandbox, yaml; from pydantic import BaseModel; "
    "type('Model', (BaseModel,), {'__annotations__': {'x': int}})(x=1)"
)
#: What opening a SQLite database needs: the ORM, the dialect and the driver it loads.
_SQLITE_FLOOR = "import sqlalchemy.orm, sqlalchemy.dialects.sqlite, sqlite3"


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    baseline: str
    """Python code whose run time is the baseline."""
    bare: str | None = None
    """A barer baseline, whose ratio is shown in the notes (not judged)."""
    forbidden: tuple[str, ...] = FORBIDDEN
    nothing_due: bool = False
    """Run over the examples rescheduled to noon on 1 January (``run --once``, nothing due)."""


CASES = (
    Case("advocacy-bot --help", ("--help",), "import click"),
    Case(
        "advocacy-bot validate",
        ("validate", "campaigns"),
        # With a database file present it asks the directory, with the standard library.
        _CAMPAIGN_FLOOR + "; import regex, sqlite3",
        "import pydantic, yaml, jinja2",
    ),
    Case(
        "advocacy-bot log --limit 50",
        ("log", "--limit", "50"),
        "import click, dotenv; " + _SQLITE_FLOOR,
        forbidden=FORBIDDEN_WITH_DB,
    ),
    Case(
        "advocacy-bot preview (an example)",
        ("preview", "us-s1693-online-trafficking"),
        _CAMPAIGN_FLOOR + "; import regex; " + _SQLITE_FLOOR,
        forbidden=FORBIDDEN_WITH_DB,
    ),
    Case(
        "advocacy-bot targets (an example)",
        ("targets", "us-s1693-online-trafficking"),
        _CAMPAIGN_FLOOR + "; " + _SQLITE_FLOOR,
        forbidden=FORBIDDEN_WITH_DB,
    ),
    Case(
        "advocacy-bot run --once, nothing due",
        ("run", "--once"),
        # Due times come from APScheduler's triggers (bot/schedule/timing.py).
        _CAMPAIGN_FLOOR + "; " + _SQLITE_FLOOR + "; import apscheduler.triggers.cron",
        forbidden=tuple(name for name in FORBIDDEN_WITH_DB if name != "apscheduler"),
        nothing_due=True,
    ),
)


def imports(args: tuple[str, ...], env: dict[str, str]) -> list[tuple[str, int, int]]:
    """(module, cumulative µs, depth) of every import the command makes."""
    result = subprocess.run(
        [PYTHON, "-X", "importtime", "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = []
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            depth = len(match.group(3)) // 2
            found.append((match.group(4), int(match.group(2)), depth))
    return found


def heavy(found: list[tuple[str, int, int]], threshold_ms: float = 15.0) -> list[str]:
    """The top-level and first-level imports costing at least ``threshold_ms``."""
    rows = [
        (us, depth, name) for name, us, depth in found if depth <= 1 and us >= threshold_ms * 1e3
    ]
    rows.sort(reverse=True)
    return [f"{us / 1e3:6.1f} ms  {'  ' * depth}{name}" for us, depth, name in rows]


def run(report: Report, *, quick: bool) -> None:
    runs = 3 if quick else 11
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        # A migrated, empty database (the schema current: no command may migrate), and
        # the examples scheduled once a year, for "run --once with nothing due".
        database = Path(tmp) / "bot.db"
        Database(f"sqlite:///{database}").dispose()
        yearly = Path(tmp) / "campaigns"
        shutil.copytree(ROOT / "campaigns", yearly)  # rosters and overrides too
        for example in (ROOT / "campaigns").glob("*.yaml"):
            text = re.sub(r'cron: "[^"]*"', 'cron: "0 12 1 1 *"', example.read_text("utf-8"))
            (yearly / example.name).write_text(text, "utf-8")
        for case in CASES:
            env = clean_env(
                CAMPAIGNS_DIR=str(yearly) if case.nothing_due else "campaigns",
                DATABASE_URL=f"sqlite:///{database}",
            )
            _measure(report, case, runs, env)


def _measure(report: Report, case: Case, runs: int, env: dict[str, str]) -> None:
    command = [*bot_command(), *case.args]
    commands = [command, [PYTHON, "-c", case.baseline]]
    if case.bare:
        commands.append([PYTHON, "-c", case.bare])
    seconds, baseline, *bare = interleaved_medians(commands, runs, env)
    found = imports(case.args, env)
    loaded = {name.split(".")[0] for name, _, _ in found}
    forbidden = sorted(loaded & set(case.forbidden))
    report.add(
        Row(
            "start-up",
            case.name,
            seconds,
            baseline,
            "s",
            BUDGET,
            f'python -c "{case.baseline}"',
            note=f"median of {runs}; "
            + (f"imports {', '.join(forbidden)}!" if forbidden else "imports none it must not")
            + (f'; {seconds / bare[0]:.2f}x python -c "{case.bare}"' if bare else ""),
        )
    )
    report.detail(
        f"{case.name}: imports costing 15 ms or more (python -X importtime, one run)",
        heavy(found) or ["(none)"],
    )
