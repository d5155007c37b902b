"""offices and photos: a legislator's capitol and district offices; portraits served locally

``person_offices``: every office a source lists (Open States ``offices:``, the
congress-legislators term's office), and offices an organizer adds in an overrides
file. ``people.photo_url``: the source's portrait URL; ``person_photos``: the
portrait fetched once from it, so supporter pages load it from the bot's own
origin (docs/web.md, "Photos").

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("photo_url", sa.Text(), nullable=True))
    op.create_table(
        "person_offices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=60), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_offices_person", "person_offices", ["person_id"])
    op.create_table(
        "person_photos",
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("problem", sa.String(length=200), nullable=True),
        sa.Column("fetched_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade() -> None:
    op.drop_table("person_photos")
    op.drop_index("ix_person_offices_person", table_name="person_offices")
    op.drop_table("person_offices")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("photo_url")
