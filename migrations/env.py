"""Alembic environment: migrations run against the bot's own engine.

``bot.store.db.upgrade`` passes its engine in ``config.attributes``; the
``alembic`` command line falls back to ``DATABASE_URL``. SQLite uses batch
mode so ALTERs work there too.
"""

from __future__ import annotations

import os

from alembic import context

import bot.tables  # noqa: F401  (registers every table on Base.metadata)
from bot.store.models import Base
from bot.store.search import include_name

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from bot.config import DEFAULT_DATABASE_URL
        from bot.store.db import make_engine

        engine = make_engine(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
