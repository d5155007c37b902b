"""``advocacy-bot db``: the schema (migrations also run at every start)."""

from __future__ import annotations

import click

from bot.cli.common import settings


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command()
def upgrade() -> None:
    """Apply every migration (the bot also does this at start)."""
    from bot.config import mask_url
    from bot.store.db import Database, current_revision

    config = settings()
    database = Database(config.database_url)
    click.echo(
        f"{mask_url(config.database_url)} is at revision {current_revision(database.engine)}"
    )


@db.command()
def current() -> None:
    """Print the database's revision without changing anything."""
    from bot.store.db import current_revision, head_revision, make_engine

    engine = make_engine(settings().database_url)
    revision, head = current_revision(engine), head_revision()
    state = "up to date" if revision == head else f"behind (latest is {head})"
    click.echo(f"revision {revision or 'none'}: {state}")
