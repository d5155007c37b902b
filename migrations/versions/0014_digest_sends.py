"""update_digest_sends: one row per subscriber and day a digest went out to them

The daily digest is now sent by the long-running service (``advocacy-bot run``)
as well as by ``updates digest``, possibly from several processes: each
subscriber's email of the day is claimed by a unique (day, subscriber) row
before it is sent, so nobody gets two digests a day and a run that stopped
half-way finishes the rest at its next try. Deleted with the subscriber.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "update_digest_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscribers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "subscriber_id", name="uq_update_digest_sends"),
    )


def downgrade() -> None:
    op.drop_table("update_digest_sends")
