"""``advocacy-bot validate``: check campaign files and explain every mistake.

Loads nothing but the campaign code (YAML, pydantic, Jinja2 and the length
rules): no database, scheduler or platform client, so it answers quickly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from bot.campaigns.errors import CampaignProblem
    from bot.campaigns.loaded import LoadedCampaign
    from bot.config import Settings

#: How bad a problem is: errors fail validate; warnings fail it with --strict;
#: notes only inform.
SEVERITIES = ("error", "warning", "note")

#: What validate says of every campaign that posts to Facebook.
FACEBOOK_NOTE = (
    "facebook: every target is named in plain text; Facebook does not tag "
    "(a Page cannot tag people by handle), so Facebook handles are not needed"
)


@dataclass(frozen=True)
class Problem:
    """One thing validate reports, as text and as JSON."""

    severity: str
    path: str | None
    line: int | None
    field: str | None
    message: str
    hint: str | None
    text: str
    """The whole one-line report (what the terminal shows after ``error:``)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
            "text": self.text,
        }


def from_error(error: CampaignProblem) -> Problem:
    """A campaign file's problem; an error unless the loader says otherwise."""
    severity = str(getattr(error, "severity", None) or "error")
    return Problem(
        severity=severity if severity in SEVERITIES else "error",
        path=str(error.path),
        line=error.line,
        field=error.field,
        message=error.message,
        hint=error.hint,
        text=str(error),
    )


def target_problem(loaded: LoadedCampaign, message: str, severity: str = "warning") -> Problem:
    """A finding about a campaign's targets (from the directory, or about its platforms)."""
    return Problem(
        severity=severity,
        path=str(loaded.path),
        line=None,
        field="targets",
        message=message,
        hint=None,
        text=f"{loaded.path}: targets: {message}",
    )


def platform_notes(loaded: LoadedCampaign, warnings: list[str]) -> list[Problem]:
    """The directory's warnings about ``loaded``, saying what its posts will do.

    On Facebook nobody is tagged (bot/compose/mentions.py, ``tag_handle``),
    so "N targets have no handle there" is replaced by the note that every
    target is named in plain text.
    """
    facebook = "facebook" in [str(p) for p in loaded.campaign.platforms]
    problems = [
        target_problem(loaded, warning)
        for warning in warnings
        if not (facebook and warning.startswith("facebook: ") and "no handle there" in warning)
    ]
    if facebook:
        problems.append(target_problem(loaded, FACEBOOK_NOTE, severity="note"))
    return problems


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def summary(campaigns: int, problems: list[Problem]) -> str:
    """``3 campaigns OK, 1 file with 2 errors, 1 warning``."""
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    text = f"{_plural(campaigns, 'campaign')} OK"
    if errors:
        files = len({p.path for p in errors})
        text += f", {_plural(files, 'file')} with {_plural(len(errors), 'error')}"
    if warnings:
        text += f", {_plural(len(warnings), 'warning')}"
    return text


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--strict",
    is_flag=True,
    help="Fail on warnings about targets too (a selector that matches nobody...).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def validate(paths: tuple[Path, ...], strict: bool, as_json: bool) -> None:
    """Check campaign files and explain every mistake.

    PATHS are campaign files or folders of them (default: the campaigns
    folder, CAMPAIGNS_DIR or ./campaigns). Exits 1 if anything is wrong.
    What is valid but probably not meant (an end date that has passed, a
    start far ahead) is printed as a warning, and exits 0 unless --strict.
    Where the legislator directory has been imported, each campaign's targets
    are checked against it too (selectors that match nobody, unknown
    committees, targets without a handle on a platform), as warnings.
    """
    from bot.campaigns.validate import validate_all
    from bot.cli.common import settings

    config = settings()
    found = validate_all(paths or [config.campaigns_dir])
    campaigns = found.campaigns
    problems = [from_error(error) for error in [*found.errors, *found.warnings]]
    targets = _target_problems(config, campaigns)
    # Notes, then warnings, then errors, nearest the summary (sorted keeps file order).
    ordered = sorted(problems + targets, key=lambda p: -SEVERITIES.index(p.severity))
    failed = any(p.severity == "error" for p in ordered) or (
        strict and any(p.severity == "warning" for p in ordered)
    )
    if as_json:
        data = {
            "ok": not failed,
            "campaigns": [
                {
                    "id": loaded.campaign.id,
                    "path": str(loaded.path),
                    "bills": len(loaded.campaign.bills),
                    "messages": len(loaded.campaign.messages),
                    "platforms": [str(p) for p in loaded.campaign.platforms],
                }
                for loaded in campaigns
            ],
            "problems": [p.as_dict() for p in ordered],
            "summary": summary(len(campaigns), ordered),
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        for loaded in campaigns:
            campaign = loaded.campaign
            click.echo(
                f"{click.style('✓', fg='green')} {campaign.id} ({loaded.path}): "
                f"{_plural(len(campaign.bills), 'bill')}, "
                f"{_plural(len(campaign.messages), 'message')}, "
                f"{_plural(len(campaign.platforms), 'platform')}"
            )
        colours = {"error": "red", "warning": "yellow", "note": "cyan"}
        for problem in ordered:
            click.echo(
                f"{click.style(problem.severity, fg=colours[problem.severity])}: {problem.text}"
            )
        click.echo(summary(len(campaigns), ordered))
    if failed:
        raise SystemExit(1)


def _target_problems(config: Settings, campaigns: list[LoadedCampaign]) -> list[Problem]:
    """What validate says about the good campaigns' targets, from the directory.

    Targets are checked against the directory if there is a database to
    read; for a campaign that posts to Facebook, :func:`platform_notes` says
    that it names everyone in plain text. Never creates a database: a SQLite
    file that does not exist yet means there is no directory to check
    against. A SQLite directory that holds nobody (no people, overrides or
    do-not-tag rules: :func:`sqlite_directory_is_empty`, one query with the
    standard library) gives the same warnings as before without SQLAlchemy:
    the directory is empty, so selectors find nobody. Only a directory with
    something in it loads SQLAlchemy, and the schema is checked (one SELECT),
    not migrated, unless it is behind.
    """
    url = config.database_url
    if not campaigns or (url.startswith("sqlite:///") and not Path(url[10:]).is_file()):
        return []
    if url.startswith("sqlite:///") and sqlite_directory_is_empty(Path(url[10:])):
        return [
            p
            for loaded in campaigns
            for p in platform_notes(loaded, _empty_directory_warnings(loaded))
        ]
    from sqlalchemy.exc import SQLAlchemyError

    from bot.directory.resolve import check_targets
    from bot.store.db import Database

    try:
        db = Database(url)
        with db.read_session() as session:
            return [
                p
                for loaded in campaigns
                for p in platform_notes(loaded, check_targets(loaded, session))
            ]
    except SQLAlchemyError as exc:
        message = f"could not check targets against the directory: {type(exc).__name__}"
        problem = Problem("warning", None, None, None, message, "check DATABASE_URL", message)
        return [problem]


#: The directory's tables that, holding any row, make the target check read them.
DIRECTORY_TABLES = ("people", "handle_overrides", "do_not_tag")


def sqlite_directory_is_empty(path: Path) -> bool:
    """True if the SQLite database at ``path`` has the directory's tables, all empty.

    Read-only, with the standard library's ``sqlite3`` (SQLAlchemy's import
    alone costs more than validating the examples). False when it cannot
    tell (a table missing: an old schema; the file not a database): then the
    full check runs, and says what is wrong.
    """
    import sqlite3

    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        union = " UNION ALL ".join(
            f"SELECT 1 FROM (SELECT 1 FROM {table} LIMIT 1)" for table in DIRECTORY_TABLES
        )
        return connection.execute(f"SELECT count(*) FROM ({union})").fetchone()[0] == 0
    except sqlite3.Error:
        return False
    finally:
        connection.close()


def _empty_directory_warnings(loaded: LoadedCampaign) -> list[str]:
    """What :func:`~bot.directory.resolve.check_targets` says over an empty directory."""
    from bot.directory.resolve import EMPTY_DIRECTORY, check_targets

    spec = loaded.campaign.targets
    warnings = check_targets(loaded, None)  # type: ignore[arg-type]  # named people only
    warnings = [w for w in warnings if not w.startswith("selectors were not resolved")]
    if spec.select or spec.exclude:
        warnings.insert(0, EMPTY_DIRECTORY)
    return warnings
