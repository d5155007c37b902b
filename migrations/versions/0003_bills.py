"""bills: cached bill data, bill events, and the campaign steps they fired

Tables of :mod:`bot.bills.models`. ``bills`` caches each bill (the whole
record as JSON, with when it was fetched); ``bill_sponsors`` and
``bill_committees`` hold what bill-role selectors resolve in SQL (person and
committee ids are the directory's, without foreign keys: a sponsor may not be
in the directory). ``bill_events`` (unique per bill and key) and
``bill_step_firings`` (unique per campaign, step, event and mode) make a bill
event fire its step once. ``bill_http_cache`` keeps answers with validators for
conditional requests; ``bill_scans`` when each hearing scan last ran.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 20:12:46.664079
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bill_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bill_key", sa.String(length=120), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("seen_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bill_key", "key", name="uq_bill_events"),
    )
    op.create_table(
        "bill_http_cache",
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("etag", sa.String(length=300), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("fetched_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("url"),
    )
    op.create_table(
        "bill_scans",
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("scanned_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )
    op.create_table(
        "bills",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("session", sa.String(length=40), nullable=False),
        sa.Column("identifier", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_date", sa.Date(), nullable=True),
        sa.Column("current_chamber", sa.String(length=20), nullable=True),
        sa.Column("remote_updated", sa.String(length=40), nullable=True),
        sa.Column("fetched_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "bill_committees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bill_key", sa.String(length=120), nullable=False),
        sa.Column("committee_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("chamber", sa.String(length=20), nullable=True),
        sa.Column("referred", sa.Date(), nullable=True),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["bill_key"], ["bills.key"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bill_committees", schema=None) as batch_op:
        batch_op.create_index("ix_bill_committees_bill", ["bill_key", "current"], unique=False)

    op.create_table(
        "bill_sponsors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bill_key", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("withdrawn", sa.Date(), nullable=True),
        sa.Column("original", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["bill_key"], ["bills.key"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bill_sponsors", schema=None) as batch_op:
        batch_op.create_index("ix_bill_sponsors_bill", ["bill_key", "role"], unique=False)
        batch_op.create_index("ix_bill_sponsors_person", ["person_id"], unique=False)

    op.create_table(
        "bill_step_firings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=100), nullable=False),
        sa.Column("step", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("fired_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("scheduled_for", bot.store.types.UTCDateTime(), nullable=True),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["bill_events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "step", "event_id", "mode", name="uq_bill_step_firings"),
    )
    with op.batch_alter_table("bill_step_firings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bill_step_firings_campaign", ["campaign_id", "mode", "fired_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("bill_step_firings", schema=None) as batch_op:
        batch_op.drop_index("ix_bill_step_firings_campaign")

    op.drop_table("bill_step_firings")
    with op.batch_alter_table("bill_sponsors", schema=None) as batch_op:
        batch_op.drop_index("ix_bill_sponsors_person")
        batch_op.drop_index("ix_bill_sponsors_bill")

    op.drop_table("bill_sponsors")
    with op.batch_alter_table("bill_committees", schema=None) as batch_op:
        batch_op.drop_index("ix_bill_committees_bill")

    op.drop_table("bill_committees")
    op.drop_table("bills")
    op.drop_table("bill_scans")
    op.drop_table("bill_http_cache")
    op.drop_table("bill_events")
