"""counts: the overview's counts kept as posts change; the log's text search indexed

Issue 17: every page at a million posts within 2x of the same page at ten
thousand. The overview counted posts on every view (its chart read the last
14 days of posts, "addressed most" the last 30 days' posts and targets, each
state's count up to 10,000 rows); the log's "text contains" scanned the log.

- ``post_counts``, ``daily_counts``, ``daily_person_counts``
  (:mod:`bot.store.counts`): kept by triggers on ``posts`` and
  ``post_targets`` in the transaction of every insert, status change and
  delete, on SQLite and PostgreSQL alike; backfilled here from the log.
- The text search (:mod:`bot.store.search`): on SQLite ``posts_search``, an
  FTS5 trigram table over ``posts.text`` (external content, kept by
  triggers, rebuilt here); on PostgreSQL a ``pg_trgm`` GIN index on
  ``posts.text``, if the server has the extension.

A later migration that rebuilds ``posts`` on SQLite (batch mode's copy and
rename) drops its triggers with the old table: call
``bot.store.counts.create_triggers`` and run ``bot.store.search.SQLITE_CREATE``
again after it.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store import counts, search

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "post_counts",
        sa.Column("campaign_id", sa.String(length=100), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "platform", "mode", "status"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "daily_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("campaign_id", sa.String(length=100), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "campaign_id", "platform", "mode", "status"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "daily_person_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "person_id"),
        sqlite_with_rowid=False,
    )
    connection = op.get_bind()
    counts.rebuild(connection)
    counts.create_triggers(connection)
    postgres = connection.dialect.name == "postgresql"
    for statement in search.POSTGRES_CREATE if postgres else search.SQLITE_CREATE:
        connection.exec_driver_sql(statement)


def downgrade() -> None:
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    for statement in search.POSTGRES_DROP if postgres else search.SQLITE_DROP:
        connection.exec_driver_sql(statement)
    counts.drop_triggers(connection)
    op.drop_table("daily_person_counts")
    op.drop_table("daily_counts")
    op.drop_table("post_counts")
