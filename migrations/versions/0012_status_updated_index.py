"""perf: the dashboard's overview reads only what it shows, at any length of log

The overview shows the latest failures (newest by ``updated_at``) and each X
account's spend this month (charged as posts are finalised: ``updated_at``).
With no index on ``updated_at`` both read every post: the failures sorted
every failed post of the log, the spend scanned the whole table.
``ix_posts_status_updated`` (status, updated_at) serves both: the failures
walk it backwards per status and stop at five; the spend seeks each status's
range from the month's start.

Measured by ``python -m bench --only pages``; see docs/benchmarks.md.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index("ix_posts_status_updated", ["status", "updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_status_updated")
