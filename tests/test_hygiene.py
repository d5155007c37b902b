"""No test sleeps for long or reads the wall clock, except where it says why.

Tests move time with the injected clock (:mod:`bot.clock`) and wait on events,
so that they neither take seconds nor fail on a loaded machine. This test reads
every file under ``tests/`` with :mod:`ast` and fails on

- ``time.sleep(x)`` with a constant ``x`` above :data:`LONGEST_SLEEP` seconds, and
- reading the wall clock: ``time.time()``, ``time.time_ns()``, ``datetime.now()``,
  ``datetime.utcnow()``, ``datetime.today()``, ``date.today()``,

outside :data:`ALLOWED`, which names each place that may and why. An entry is a
file, a folder (ending in ``/``) or ``file::function``. Entries under "not yet"
are debt, not exceptions: tests still to move to the injected clock.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).parent
ROOT = TESTS.parent
LONGEST_SLEEP = 0.1

#: (module or class name, attribute) of the calls that read the wall clock.
WALL_CLOCK = {
    ("time", "time"),
    ("time", "time_ns"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
}

ALLOWED: dict[str, str] = {
    # -- about real time ---------------------------------------------------------------------
    "tests/fakes/": "the fake platforms answer on real time, like the platforms they stand "
    "for (their `clock` attribute lets a test stop it, as the X tests do); fault delays are "
    "the platform taking its time",
    "tests/reliability/harness.py": "the proofs run the bot as separate processes on the "
    "host's clock: posts are queued and fast-forwarded to the processes' real 'now'",
    "tests/reliability/skewed/": "skews a process's real clock (the skewed-clocks proof)",
    "tests/reliability/test_clocks.py": "proof of workers whose real clocks disagree",
    "tests/reliability/test_storm.py": "proof against separate processes on real time: "
    "what is 'due' is the processes' now",
    "tests/platforms/test_bluesky_real.py": "the reference PDS runs on real time (sessions "
    "expire, rate limits reset)",
    "tests/platforms/test_bluesky_fake_vs_real.py": "record keys (TIDs) are made from the "
    "time, as the reference PDS expects",
    "tests/schedule/test_never_twice.py::test_the_database_clock_corrects_a_host_clock_six_"
    "minutes_ahead": "compares the host clock with the database's real clock",
    "tests/schedule/test_never_twice.py::b_with_a_fast_clock": "same proof: a host clock "
    "ahead of the database's real clock",
    "tests/schedule/test_service.py::check_now": "APScheduler 3 schedules by the process "
    "clock: 'run the digest job now' must be its now (the bot's own clock is frozen)",
    "tests/web/test_signup.py::get_timestamp": "itsdangerous dates a token by the real "
    "clock; the test signs one three days before it",
    "tests/web/test_digest.py::test_the_command_sends_the_digest": "the command under test "
    "runs on the real clock (a CLI process takes no clock)",
    "tests/notify/test_cli.py::paused": "the commands under test run on the real clock",
}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    function: str
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} in {self.function}: {self.code}"


def _called_name(call: ast.Call) -> tuple[str | None, str | None]:
    """(the name before the dot, the attribute) of ``a.b(...)`` or ``x.a.b(...)``."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None, None
    base = func.value
    if isinstance(base, ast.Attribute):
        return base.attr, func.attr
    if isinstance(base, ast.Name):
        return base.id, func.attr
    return None, func.attr


def _long_sleep(call: ast.Call) -> bool:
    if _called_name(call) != ("time", "sleep") or not call.args:
        return False
    seconds = call.args[0]
    return (
        isinstance(seconds, ast.Constant)
        and isinstance(seconds.value, int | float)
        and seconds.value > LONGEST_SLEEP
    )


def findings(path: Path, relative: str | None = None) -> list[Finding]:
    """Every long sleep and wall-clock read in one file, with its enclosing function."""
    source = path.read_text(encoding="utf-8")
    if not any(word in source for word in ("sleep", "time", "now", "today")):
        return []  # nothing to look for: skip parsing it
    tree = ast.parse(source, filename=str(path))
    relative = relative or path.relative_to(ROOT).as_posix()
    found: list[Finding] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = (
                child.name
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                else function
            )
            if isinstance(child, ast.Call) and (
                _long_sleep(child) or _called_name(child) in WALL_CLOCK
            ):
                found.append(Finding(relative, child.lineno, function, ast.unparse(child)))
            visit(child, inner)

    visit(tree, "<module>")
    return found


@functools.cache
def every_finding() -> tuple[Finding, ...]:
    return tuple(finding for path in sorted(TESTS.rglob("*.py")) for finding in findings(path))


def allowed(finding: Finding) -> bool:
    return any(
        key == f"{finding.path}::{finding.function}"
        or key == finding.path
        or (key.endswith("/") and finding.path.startswith(key))
        for key in ALLOWED
    )


def test_no_test_sleeps_long_or_reads_the_wall_clock() -> None:
    offenders = [str(finding) for finding in every_finding() if not allowed(finding)]
    assert offenders == [], "use the injected clock (bot.clock) and event waits:\n" + "\n".join(
        offenders
    )


def test_every_allowance_is_still_needed() -> None:
    """An entry nothing matches any more goes (so the list stays short and true)."""
    every = every_finding()
    unused = [
        key
        for key in ALLOWED
        if not any(
            key == f"{f.path}::{f.function}"
            or key == f.path
            or (key.endswith("/") and f.path.startswith(key))
            for f in every
        )
    ]
    assert unused == []


def test_the_scan_sees_what_it_is_meant_to(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import time\nfrom datetime import UTC, date, datetime\n\n"
        "def waits():\n    time.sleep(0.5)\n    time.sleep(0.05)\n\n"
        "def reads():\n    return datetime.now(UTC), date.today(), time.time()\n",
        encoding="utf-8",
    )
    found = [(f.function, f.code) for f in findings(sample, "tests/sample.py")]
    assert found == [
        ("waits", "time.sleep(0.5)"),
        ("reads", "datetime.now(UTC)"),
        ("reads", "date.today()"),
        ("reads", "time.time()"),
    ]
