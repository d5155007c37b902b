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
def validate(paths: tuple[Path, ...]) -> None:
    """Check campaign files and explain every mistake.

    PATHS are campaign files or folders of them (default: the campaigns
    folder, CAMPAIGNS_DIR or ./campaigns). Exits 1 if anything is wrong.
    """
    from bot.campaigns.validate import validate_paths
    from bot.cli.common import settings

    campaigns, errors = validate_paths(paths or [settings().campaigns_dir])
    for loaded in campaigns:
        campaign = loaded.campaign
        click.echo(
            f"{click.style('✓', fg='green')} {campaign.id} ({loaded.path}): "
            f"{_plural(len(campaign.bills), 'bill')}, "
            f"{_plural(len(campaign.messages), 'message')}, "
            f"{_plural(len(campaign.platforms), 'platform')}"
        )
    for error in errors:
        click.echo(f"{click.style('error', fg='red')}: {error}")
    summary = f"{_plural(len(campaigns), 'campaign')} OK"
    if errors:
        files = len({error.path for error in errors})
        summary += f", {_plural(files, 'file')} with {_plural(len(errors), 'error')}"
    click.echo(summary)
    if errors:
        raise SystemExit(1)
