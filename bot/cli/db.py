"""``advocacy-bot db``: the schema (migrations also run at every start)."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import database, database_problem, fail, print_json, settings


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command()
def upgrade() -> None:
    """Apply every migration (the bot also does this at start)."""
    from bot.config import mask_url
    from bot.store.db import current_revision

    config = settings()
    opened = database(config)
    click.echo(f"{mask_url(config.database_url)} is at revision {current_revision(opened.engine)}")


def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for other databases and in-memory ones)."""
    if not url.startswith("sqlite:///"):
        return None
    path = url.removeprefix("sqlite:///").split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def current(as_json: bool) -> None:
    """Print the database's revision without changing anything.

    A SQLite file that does not exist yet is reported as having no schema
    (revision none); it is not created.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from bot.config import mask_url
    from bot.store.db import current_revision, head_revision, make_engine

    config = settings()
    url = config.database_url
    head = head_revision()
    missing = sqlite_file(url)
    if missing is not None and not missing.parent.is_dir():
        fail(
            f"cannot open the database at {url}: the folder {missing.parent} does not exist. "
            "Check DATABASE_URL."
        )
    if missing is not None and not missing.exists():
        revision = None  # not created: this command changes nothing
    else:
        try:
            revision = current_revision(make_engine(url))
        except (SQLAlchemyError, ModuleNotFoundError) as exc:
            fail(database_problem(url, exc))
    if as_json:
        print_json(
            {
                "database": mask_url(url),
                "revision": revision,
                "head": head,
                "up_to_date": revision == head,
            }
        )
        return
    state = "up to date" if revision == head else f"behind (latest is {head})"
    if revision is None:
        state += "; the bot brings it up to date at start, or run `advocacy-bot db upgrade`"
    click.echo(f"revision {revision or 'none'}: {state}")
