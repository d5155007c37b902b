"""perf: an export reads each post's targets from the index alone

``log --csv``, ``log --json`` and the dashboard's CSV bring each post's
targets (name, handle, person id, in order) with a correlated subquery on
``post_targets.post_id``. Over ``ix_post_targets_post`` (post_id) each target
was then looked up in the table, a random read per post: half the time of the
export's SELECT. The index now holds what the exports read (position,
person_id, name, handle after post_id), so the subquery is a covering search;
it still serves every lookup by post_id (the ORM's, the guard's, cascades).

Measured by ``python -m bench --only exports``; see docs/benchmarks.md.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERING = ["post_id", "position", "person_id", "name", "handle"]


def upgrade() -> None:
    with op.batch_alter_table("post_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_post_targets_post")
        batch_op.create_index("ix_post_targets_post", COVERING, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("post_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_post_targets_post")
        batch_op.create_index("ix_post_targets_post", ["post_id"], unique=False)
