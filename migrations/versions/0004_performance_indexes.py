"""performance indexes: the log's filtered listings stay index lookups as the log grows

``advocacy-bot log`` and the dashboard list posts newest first under filters.
With a campaign, platform and status, ``ix_posts_campaign_created`` alone made
SQLite walk every post of the campaign since ``--since`` (thousands at a
million rows); with a status alone it walked ``ix_posts_created`` until it had
found enough (all of it for a rare status such as ``unknown``). These two
indexes answer both with a search that reads only the page asked for
(measured by ``python -m bench --only log``; see docs/benchmarks.md).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_posts_campaign_platform_status_created",
            ["campaign_id", "platform", "status", "created_at"],
            unique=False,
        )
        batch_op.create_index("ix_posts_status_created", ["status", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_status_created")
        batch_op.drop_index("ix_posts_campaign_platform_status_created")
