"""call_outcomes: how supporters' calls went, counted per campaign and legislator

A supporter who called a legislator from the campaign page may say how it went
(reached, voicemail, busy); each answer adds one to a counter. Nothing about
the supporter is stored (``bot.web.outcomes``, docs/web.md).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("updated_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "person_id", "outcome", name="uq_call_outcomes"),
    )


def downgrade() -> None:
    op.drop_table("call_outcomes")
