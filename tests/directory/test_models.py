"""The directory's tables: the migration matches the models, and downgrades cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Table, inspect

import bot.tables  # noqa: F401  (every table on Base.metadata)
from bot.store.db import Database, upgrade
from bot.store.models import Base

DIRECTORY_TABLES = {
    "people",
    "person_handles",
    "committees",
    "committee_aliases",
    "committee_members",
    "leadership_roles",
    "handle_overrides",
    "do_not_tag",
    "directory_imports",
}


def test_migration_0002_matches_the_models(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'm.db'}")
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    mine = [d for d in differences if DIRECTORY_TABLES & set(_tables(d))]
    assert mine == []
    assert set(inspect(database.engine).get_table_names()) >= DIRECTORY_TABLES
    database.dispose()


def test_downgrade_to_0001_drops_only_the_directory(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'm.db'}")
    from alembic import command

    from bot.store.db import alembic_config

    command.downgrade(alembic_config(database.engine), "0001")
    tables = set(inspect(database.engine).get_table_names())
    assert not DIRECTORY_TABLES & tables
    assert "posts" in tables
    upgrade(database.engine)
    assert set(inspect(database.engine).get_table_names()) >= DIRECTORY_TABLES
    database.dispose()


def _tables(difference: object) -> list[str]:
    """Table names mentioned in one compare_metadata difference (nested tuples/lists)."""
    names: list[str] = []
    items = difference if isinstance(difference, list | tuple) else [difference]
    for item in items:
        if isinstance(item, list | tuple):
            names.extend(_tables(item))
        elif isinstance(item, Table):
            names.append(item.name)
        elif isinstance(getattr(item, "table", None), Table):
            names.append(item.table.name)  # type: ignore[attr-defined]  (an index, a constraint)
        elif isinstance(item, str):
            names.append(item)
    return names
