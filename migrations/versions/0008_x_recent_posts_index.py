"""x rules: an index for the guard's recent posts of a platform, across accounts

Before an X post is published the guard reads every post of the organisation's X
accounts sent (or in flight) in the last week, and whom each tagged: X's mention
budget per person and the near-duplicate check across accounts
(``bot.guard._recent_on_platform``). ``ix_posts_platform_status_updated``
(platform, status, updated_at) makes that a range per state, so its cost follows
the week's X posts rather than the length of the log.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_posts_platform_status_updated",
            ["platform", "status", "updated_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_platform_status_updated")
