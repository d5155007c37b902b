"""Migrations build the schema from empty, and agree with the models, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import bot.tables  # noqa: F401
from bot.store.db import Database, current_revision, head_revision
from bot.store.models import Base
from bot.store.search import include_name


def test_migrations_from_empty_reach_head(any_db):
    assert current_revision(any_db.engine) == head_revision()
    tables = set(inspect(any_db.engine).get_table_names())
    assert {"posts", "post_targets", "attempts", "campaign_runs", "pauses"} <= tables


def test_models_and_migrations_agree(any_db):
    with any_db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_opening_twice_does_not_migrate_again(sqlite_url):
    Database(sqlite_url).dispose()
    again = Database(sqlite_url)
    assert current_revision(again.engine) == head_revision()


def test_postgres_scheme_urls_as_hosts_hand_them_out_are_accepted():
    from bot.store.db import make_engine

    for url in ("postgres://bot:pw@db.example/advocacy", "postgresql://bot:pw@db.example/advocacy"):
        assert make_engine(url).url.drivername == "postgresql+psycopg"


def test_every_migration_downgrades_and_upgrades_again(any_db):
    """An operator can step back past the newest migration and forward again."""
    from alembic import command

    from bot.store.db import alembic_config, upgrade

    config = alembic_config(any_db.engine)
    command.downgrade(config, "0003")
    assert current_revision(any_db.engine) == "0003"
    upgrade(any_db.engine)
    assert current_revision(any_db.engine) == head_revision()
    with any_db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_the_revision_is_read_again_when_another_process_migrates_meanwhile(
    sqlite_url, monkeypatch
):
    """A scheduler and a worker started together on a new file: one asks for the revision
    (no table yet), the other creates the schema, then the first looks for the table and
    finds it. That is "ask again", not an error: the scheduler died of it at start
    ("no such table: alembic_version")."""
    import sqlalchemy

    from bot.store.db import make_engine

    engine = make_engine(sqlite_url)
    real_inspect = sqlalchemy.inspect

    def meanwhile_the_other_process_migrates(subject):  # type: ignore[no-untyped-def]
        monkeypatch.setattr(sqlalchemy, "inspect", real_inspect)  # once
        Database(sqlite_url).dispose()  # the other process: migrates to head
        return real_inspect(subject)

    monkeypatch.setattr(sqlalchemy, "inspect", meanwhile_the_other_process_migrates)
    assert current_revision(engine) == head_revision()
    engine.dispose()
