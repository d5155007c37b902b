"""perf: PostgreSQL counts a statement's inserted posts at once

The triggers of 0017_counts counted each inserted post on its own: an upsert
of its ``post_counts`` and ``daily_counts`` rows. Every post of a campaign run
adds to the same few of those rows (one per platform), and PostgreSQL keeps
every version of a row updated again and again in one transaction (none is
dead before the transaction ends), so each upsert walked past the versions
before it: writing a run took time growing with the square of its posts (the
national run's 22,200 posts updated each count row 7,400 times; with the
triggers disabled the same rows were written at the same cost a row as 1,611
posts; bench/postgres.py, docs/benchmarks.md).

On PostgreSQL the insert is now counted by a statement-level trigger over its
transition table (``posts_count_insert``: one upsert per count row a statement
touches), and the planner writes a chunk of posts in one statement
(``bot.store.queries.insert_planned``). Status changes and deletes are still
counted a row at a time (``posts_count``, ``posts_count_delete``). SQLite is
unchanged: its rows have no versions to walk.

Revision ID: 0022_pgplan
Revises: 0021_claim
"""

from collections.abc import Sequence

from alembic import op

from bot.store import counts

revision: str = "0022_pgplan"
down_revision: str | None = "0021_claim"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        counts.drop_triggers(connection)
        counts.create_triggers(connection)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        # 0017's per-row trigger (advocacy_count_posts still counts an INSERT).
        for statement in (
            "DROP TRIGGER IF EXISTS posts_count_insert ON posts",
            "DROP FUNCTION IF EXISTS advocacy_count_inserted_posts()",
            "DROP TRIGGER IF EXISTS posts_count ON posts",
            "CREATE TRIGGER posts_count AFTER INSERT OR UPDATE OF"
            " status, campaign_id, platform, mode, created_at ON posts"
            " FOR EACH ROW EXECUTE FUNCTION advocacy_count_posts()",
        ):
            connection.exec_driver_sql(statement)
