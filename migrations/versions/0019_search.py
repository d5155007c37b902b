"""search: the text search's page found in id order, without reading every candidate

Issue 17: the log's text search at a million posts read the row of every
post holding the text's rarest pieces (1,918 for "P123 please") to keep the
newest 50 by ``(created_at, id)``. Ids follow that order nearly always, not
always (a clock set back, two planners writing at once, a post written with
its own id): ``posts_search_displaced`` lists the posts whose order differs
from their ids' (kept by triggers on ``posts``, filled here from the log), so
the page walks the other candidates in id order from the search index and
stops when it is full (:func:`bot.store.search.page_ids`). SQLite only;
PostgreSQL's ``pg_trgm`` index is unchanged.

Revision ID: 0019_search
Revises: 0018_filters
"""

from collections.abc import Sequence

from alembic import op

from bot.store import search

revision: str = "0019_search"
down_revision: str | None = "0018_filters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for statement in search.SQLITE_ORDER_CREATE:
            connection.exec_driver_sql(statement)
        search.fill_displaced(connection)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for statement in search.SQLITE_ORDER_DROP:
            connection.exec_driver_sql(statement)
