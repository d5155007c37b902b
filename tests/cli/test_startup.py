"""Start-up: ``validate`` over an empty directory answers without SQLAlchemy, and says
exactly what the full target check says over that empty directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.campaigns.loader import load_all
from bot.cli.validate import _empty_directory_warnings, sqlite_directory_is_empty
from bot.directory.resolve import check_targets
from bot.store.db import Database
from tests.support import ROOT


def test_the_empty_directory_warnings_are_the_full_checks(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'bot.db'}")
    assert sqlite_directory_is_empty(tmp_path / "bot.db")
    loaded = [found for found, _ in load_all([ROOT / "campaigns"]).campaigns]
    assert loaded
    with database.new_session() as session:
        for campaign in loaded:
            assert _empty_directory_warnings(campaign) == check_targets(campaign, session)
    database.dispose()


def test_a_directory_with_anyone_in_it_is_not_empty(tmp_path: Path) -> None:
    import sqlite3

    Database(f"sqlite:///{tmp_path / 'bot.db'}").dispose()
    with sqlite3.connect(tmp_path / "bot.db") as connection:
        connection.execute(
            "INSERT INTO do_not_tag (person_id, platform, handle, reason, source, created_at)"
            " VALUES ('P1', NULL, NULL, 'asked', 'do-not-tag', '2026-01-01 00:00:00.000000')"
        )
    assert not sqlite_directory_is_empty(tmp_path / "bot.db")
    assert not sqlite_directory_is_empty(tmp_path / "missing.db")


def test_validate_over_an_empty_directory_imports_no_sqlalchemy(tmp_path: Path) -> None:
    Database(f"sqlite:///{tmp_path / 'bot.db'}").dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE", "PYTHON"))}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "CAMPAIGNS_DIR": "campaigns"}
    code = (
        "import sys; from bot.cli import cli\n"
        "try:\n    cli(['validate'])\nexcept SystemExit:\n    pass\n"
        "top = {m.split('.')[0] for m in sys.modules}\n"
        "print('LOADED', sorted(top & {'sqlalchemy', 'alembic'}))\n"
        "print('UNNEEDED', sorted(set(sys.modules) & {'bot.compose.plan', 'bot.posts',"
        " 'bot.compose.mastodon_length'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert "the legislator directory is empty" in result.stdout, result.stderr
    assert "LOADED []" in result.stdout, result.stdout[-500:]
    # It renders with bot.compose.text: the planner and the post log's shapes (their
    # dataclasses, some 6 ms of its start) are not loaded; the examples' texts fit on
    # Mastodon counted generously, so its URL pattern (some 6 ms more) is not either.
    assert "UNNEEDED []" in result.stdout, result.stdout[-500:]


def test_commands_over_a_current_schema_import_no_alembic_nor_what_they_do_not_use(
    tmp_path: Path,
) -> None:
    """``run --once`` with nothing due counts no text (no ``regex``, which Mastodon's
    counter loads), and neither it nor the exports import Alembic: the schema is current."""
    import re
    import shutil

    Database(f"sqlite:///{tmp_path / 'bot.db'}").dispose()
    yearly = tmp_path / "campaigns"
    shutil.copytree(ROOT / "campaigns", yearly)
    for example in yearly.glob("*.yaml"):
        text = re.sub(r'cron: "[^"]*"', 'cron: "0 12 1 1 *"', example.read_text("utf-8"))
        example.write_text(text, "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE", "PYTHON"))}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "CAMPAIGNS_DIR": str(yearly),
        "BOT_SPOOL_DIR": str(tmp_path / "spool"),
    }
    code = (
        "import sys; from bot.cli import cli\n"
        "def top(): return {m.split('.')[0] for m in sys.modules}\n"
        "for args in (['run', '--once'], ['log', '--csv'], ['log', '--json']):\n"
        "    try:\n        cli(args)\n    except SystemExit:\n        pass\n"
        "    if args[0] == 'run':\n"
        "        print('RUN', sorted(top() & {'regex', 'alembic'}))\n"
        "        print('PG', 'sqlalchemy.dialects.postgresql' in sys.modules)\n"
        "print('ALL', sorted(top() & {'alembic'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert "nothing is due now" in result.stdout, result.stderr[-2000:]
    assert "RUN []" in result.stdout and "ALL []" in result.stdout, result.stdout[-500:]
    # PostgreSQL's dialect (with asyncpg's module) is ~20 ms a SQLite command need not pay
    assert "PG False" in result.stdout, result.stdout[-500:]


def test_preview_maps_only_the_tables_planning_reads(tmp_path: Path) -> None:
    """Mapping a table costs ``preview`` some 1.5 ms of its start: the post counts'
    tables (:mod:`bot.store.counts`, read by the approvals page) are not mapped to
    plan a run, nor are the subscribers' and the call outcomes'."""
    Database(f"sqlite:///{tmp_path / 'bot.db'}").dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE", "PYTHON"))}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "CAMPAIGNS_DIR": "campaigns"}
    code = (
        "import sys; from bot.cli import cli\n"
        "try:\n    cli(['preview', 'us-s1693-online-trafficking'])\nexcept SystemExit:\n    pass\n"
        "from bot.store.models import Base\n"
        "print('MAPPED', sorted(m.local_table.name for m in Base.registry.mappers))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    mapped = result.stdout.rpartition("MAPPED ")[2]
    assert "posts" in mapped and "bill_events" in mapped, result.stderr[-2000:]
    for table in (
        "post_counts",
        "daily_counts",
        "daily_person_counts",
        "subscribers",
        "call_outcomes",
    ):
        assert f"'{table}'" not in mapped, mapped


def test_the_exports_of_a_current_sqlite_log_import_no_sqlalchemy(tmp_path: Path) -> None:
    """``log --csv`` and ``log --json`` read a current SQLite log through the standard
    library's driver: SQLAlchemy's import was half of an export of 50,000 posts. A log
    not yet migrated is migrated first (SQLAlchemy and Alembic then load)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE", "PYTHON"))}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "CAMPAIGNS_DIR": str(tmp_path)}
    code = (
        "import sys; from bot.cli import cli\n"
        "try:\n    cli(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "top = {m.split('.')[0] for m in sys.modules}\n"
        "print('LOADED', sorted(top & {'sqlalchemy', 'alembic'}), file=sys.stderr)"
    )

    def loaded(*args: str) -> tuple[str, str]:
        result = subprocess.run(
            [sys.executable, "-c", code, "log", *args], cwd=ROOT, env=env, capture_output=True,
            text=True,
        )  # fmt: skip
        return result.stdout, result.stderr.strip().splitlines()[-1]

    assert loaded("--csv") == ("id,created_at,campaign,bill,platform,account,status,targets,"
                               "text,remote_id,remote_url,reason,error,cost\n",
                               "LOADED ['alembic', 'sqlalchemy']")  # fmt: skip
    assert loaded("--csv")[1] == "LOADED []"
    assert loaded("--json") == ("[]\n", "LOADED []")


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path) -> None:
    """``advocacy-bot log --json | head -c 10``: no "error: Broken pipe", status 141."""
    import sqlite3

    from bench.log import fill

    Database(f"sqlite:///{tmp_path / 'bot.db'}").dispose()
    fill(tmp_path / "bot.db", 2_000)  # far more than a pipe holds (64 kB)
    with sqlite3.connect(tmp_path / "bot.db") as connection:
        assert connection.execute("SELECT count(*) FROM posts").fetchone() == (2_000,)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE", "PYTHON"))}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "CAMPAIGNS_DIR": "campaigns"}
    commands = (  # what fits the pipe (50 posts) and what does not (2,000)
        ["log", "--json"],
        ["log", "--json", "--limit", "2000"],
        ["log", "--csv", "--limit", "2000"],
        ["log", "--limit", "2000"],
    )
    for command in commands:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", *command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.read(10)
        process.stdout.close()  # the reader goes away, as head does
        errors = process.stderr.read().decode()
        status = process.wait()
        assert errors == "", (command, errors)
        # 50 posts fit the pipe: written in full before the reader leaves, or not.
        assert status == 141 or ("2000" not in command and status == 0), (command, status)


def test_a_broken_pipe_elsewhere_is_still_an_error(tmp_path: Path) -> None:
    """A broken connection (a platform's, the database's) while stdout is fine is said."""
    code = (
        "from bot.cli import _errors_exit_1\n"
        "with _errors_exit_1():\n"
        "    raise BrokenPipeError(32, 'Broken pipe (the platform closed the connection)')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE", "PYTHON"))}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1, result.stderr
    assert "error:" in result.stderr and "Broken pipe" in result.stderr, result.stderr
