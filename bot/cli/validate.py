"""``advocacy-bot validate``: check campaign files and explain every mistake.

Loads nothing but the campaign code (YAML, pydantic, Jinja2 and the length
rules): no database, scheduler or platform client, so it answers quickly.
"""

from __future__ import annotations

from pathlib import Path

import click


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--strict",
    is_flag=True,
    help="Fail on warnings about targets too (a selector that matches nobody...).",
)
def validate(paths: tuple[Path, ...], strict: bool) -> None:
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
    campaigns, errors = found.campaigns, found.errors
    for loaded in campaigns:
        campaign = loaded.campaign
        click.echo(
            f"{click.style('✓', fg='green')} {campaign.id} ({loaded.path}): "
            f"{_plural(len(campaign.bills), 'bill')}, "
            f"{_plural(len(campaign.messages), 'message')}, "
            f"{_plural(len(campaign.platforms), 'platform')}"
        )
    warnings = [str(warning) for warning in found.warnings]
    warnings += _directory_warnings(config, campaigns)
    for warning in warnings:
        click.echo(f"{click.style('warning', fg='yellow')}: {warning}")
    for error in errors:
        click.echo(f"{click.style('error', fg='red')}: {error}")
    summary = f"{_plural(len(campaigns), 'campaign')} OK"
    if errors:
        files = len({error.path for error in errors})
        summary += f", {_plural(files, 'file')} with {_plural(len(errors), 'error')}"
    if warnings:
        summary += f", {_plural(len(warnings), 'warning')}"
    click.echo(summary)
    if errors or (strict and warnings):
        raise SystemExit(1)


def _directory_warnings(config, campaigns) -> list[str]:  # type: ignore[no-untyped-def]
    """Check targets against the directory, if there is a database to read.

    Never creates a database: a SQLite file that does not exist yet means
    there is no directory to check against (and no SQLAlchemy import either).
    """
    url = config.database_url
    if not campaigns or (url.startswith("sqlite:///") and not Path(url[10:]).is_file()):
        return []
    from sqlalchemy.exc import SQLAlchemyError

    from bot.directory.resolve import check_targets
    from bot.store.db import Database

    try:
        db = Database(url)
        with db.new_session() as session:
            return [
                f"{loaded.path}: targets: {warning}"
                for loaded in campaigns
                for warning in check_targets(loaded, session)
            ]
    except SQLAlchemyError as exc:
        return [f"could not check targets against the directory: {type(exc).__name__}"]
