"""Helpers shared by commands: settings, the database, user-facing errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store.db import Database


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error a user can act on (no traceback) and exit."""
    click.secho(f"error: {message}", fg="red", err=True)
    raise SystemExit(code)


def settings() -> Settings:
    from bot.config import ConfigError, Settings

    try:
        return Settings.load()
    except ConfigError as exc:
        fail(str(exc))


def database(config: Settings | None = None) -> Database:
    """Open the configured database, migrating it to the current schema."""
    from sqlalchemy.exc import OperationalError

    from bot.config import mask_url
    from bot.store.db import Database

    config = config or settings()
    try:
        return Database(config.database_url)
    except OperationalError as exc:
        fail(
            f"cannot open the database at {mask_url(config.database_url)}: "
            f"{str(exc.orig).splitlines()[0]}. Check DATABASE_URL."
        )
