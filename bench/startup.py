"""Figure 1, start-up: what a command costs before it does anything.

``advocacy-bot --help`` against ``python -c "import click"``, and
``advocacy-bot validate`` (the example campaigns) against importing, for real,
the libraries validation uses: median wall-clock time of several runs of each,
in subprocesses, interleaved. Budget: 1.5x each. Then each command once more
under ``python -X importtime``: the modules that cost the most, and any of the
modules only other commands may load (platform clients, the scheduler,
SQLAlchemy, the web framework).

``validate``'s baseline is not ``import pydantic, yaml, jinja2``: pydantic 2's
package is lazy, so ``import pydantic`` loads almost nothing until a model is
defined (which then also looks up pydantic's plugins), and a command needs its
CLI framework as ``--help`` does. The baseline therefore imports click, yaml,
Jinja's sandbox and python-dotenv (the settings' ``.env``) and defines one
pydantic model; the time against the bare ``import pydantic, yaml, jinja2`` is
shown beside it.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from bench.common import PYTHON, ROOT, Report, Row, bot_command, clean_env, interleaved_medians

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


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    baseline: str
    """Python code whose run time is the baseline."""
    bare: str | None = None
    """A barer baseline, whose ratio is shown in the notes (not judged)."""


CASES = (
    Case("advocacy-bot --help", ("--help",), "import click"),
    Case(
        "advocacy-bot validate",
        ("validate", "campaigns"),
        "import click, dotenv, jinja2.sandbox, yaml; from pydantic import BaseModel; "
        "type('Model', (BaseModel,), {'__annotations__': {'x': int}})(x=1)",
        "import pydantic, yaml, jinja2",
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
    env = clean_env(CAMPAIGNS_DIR="campaigns")
    for case in CASES:
        command = [*bot_command(), *case.args]
        commands = [command, [PYTHON, "-c", case.baseline]]
        if case.bare:
            commands.append([PYTHON, "-c", case.bare])
        seconds, baseline, *bare = interleaved_medians(commands, runs, env)
        found = imports(case.args, env)
        loaded = {name.split(".")[0] for name, _, _ in found}
        forbidden = sorted(loaded & set(FORBIDDEN))
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
                + (f"imports {', '.join(forbidden)}!" if forbidden else "no heavy client imported")
                + (f'; {seconds / bare[0]:.2f}x python -c "{case.bare}"' if bare else ""),
            )
        )
        report.detail(
            f"{case.name}: imports costing 15 ms or more (python -X importtime, one run)",
            heavy(found) or ["(none)"],
        )
