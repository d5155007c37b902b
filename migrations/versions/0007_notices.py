"""notices: what the organisation was told, so each thing is told once

``advocacy-bot run`` and ``worker`` sweep the log about once a minute for what
a person must know (an account paused for its credentials, its credits or a
takedown; a post left ``unknown``; a campaign run skipped) and send it by
email or a webhook (``bot.notify``, docs/notifications.md). A row per notice,
its ``key`` unique, records that it was sent (or why not yet), so a second
sweep, or a second process sweeping at the same time, does not send it again.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", bot.store.types.UTCDateTime(), nullable=True),
        sa.Column("delivered", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", bot.store.types.UTCDateTime(), nullable=True),
        sa.Column("cleared_at", bot.store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_notices_key"),
    )


def downgrade() -> None:
    op.drop_table("notices")
