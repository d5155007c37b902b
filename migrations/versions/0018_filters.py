"""perf: a legislator's posts newest first, from an index of their targets

Issue 17: the dashboard log filtered to one legislator (``?person=``) asked
for ``posts.id IN (the person's targets)``, newest first. No index ordered a
person's targets by time (``ix_post_targets_cooldown`` leads with the person,
then the bill and platform), so the databases walked the whole log newest
first and probed each post's targets (PostgreSQL: 460,000 probes for a page
of 51 rows at a million posts), or sorted all of the person's posts.

``ix_post_targets_person_created`` (``person_id, created_at, post_id,
position``) is that order: the page walks it newest first from the key and
joins each target to its post (:func:`bot.store.logs.list_posts`). It holds
the post's time because ``post_targets.created_at`` is the post's
``created_at`` (written together by ``bot.store.queries.insert_planned``);
``position`` lets the walk keep one row per post without reading the table.

Revision ID: 0018_filters
Revises: 0017
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_filters"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["person_id", "created_at", "post_id", "position"]


def upgrade() -> None:
    op.create_index("ix_post_targets_person_created", "post_targets", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_post_targets_person_created", table_name="post_targets")
