"""directory: legislators, their handles, committees, leadership, overrides, do-not-tag

Tables of :mod:`bot.directory.models`. Legislators' platform identities are
``person_handles`` (an "account" is the organisation's own identity, see
DESIGN.md); organizer data (``handle_overrides``, ``do_not_tag``) has no
foreign key to ``people`` so it can name someone not imported yet.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 19:38:55.861639
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "committees",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("chamber", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("parent_id", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("updated_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["committees.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("committees", schema=None) as batch_op:
        batch_op.create_index(
            "ix_committees_jurisdiction", ["jurisdiction", "chamber"], unique=False
        )
        batch_op.create_index("ix_committees_parent", ["parent_id"], unique=False)

    op.create_table(
        "directory_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("started_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("deactivated", sa.Integer(), nullable=False),
        sa.Column("handles", sa.Integer(), nullable=False),
        sa.Column("committees", sa.Integer(), nullable=False),
        sa.Column("memberships", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("directory_imports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_directory_imports_source", ["source", "scope", "finished_at"], unique=False
        )

    op.create_table(
        "do_not_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=True),
        sa.Column("handle", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("do_not_tag", schema=None) as batch_op:
        batch_op.create_index("ix_do_not_tag_handle", ["platform", "handle"], unique=False)
        batch_op.create_index("ix_do_not_tag_person", ["person_id"], unique=False)

    op.create_table(
        "handle_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("handle", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "platform", "source", name="uq_handle_overrides"),
    )
    with op.batch_alter_table("handle_overrides", schema=None) as batch_op:
        batch_op.create_index("ix_handle_overrides_person", ["person_id"], unique=False)

    op.create_table(
        "people",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=True),
        sa.Column("family_name", sa.String(length=100), nullable=True),
        sa.Column("title", sa.String(length=40), nullable=True),
        sa.Column("party", sa.String(length=40), nullable=True),
        sa.Column("state", sa.String(length=2), nullable=True),
        sa.Column("chamber", sa.String(length=20), nullable=True),
        sa.Column("district", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=True),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("phone", sa.String(length=60), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("contact_form", sa.Text(), nullable=True),
        sa.Column("office_address", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("first_seen_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("left_at", bot.store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(
            "ix_people_jurisdiction_chamber", ["jurisdiction", "chamber", "active"], unique=False
        )
        batch_op.create_index("ix_people_party", ["party"], unique=False)
        batch_op.create_index(
            "ix_people_source_jurisdiction", ["source", "jurisdiction"], unique=False
        )
        batch_op.create_index(
            "ix_people_state_chamber_district", ["state", "chamber", "district"], unique=False
        )

    op.create_table(
        "committee_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.String(length=100), nullable=False),
        sa.Column("alias", sa.String(length=300), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["committee_id"], ["committees.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("committee_id", "alias", name="uq_committee_aliases"),
    )
    with op.batch_alter_table("committee_aliases", schema=None) as batch_op:
        batch_op.create_index("ix_committee_aliases_alias", ["alias"], unique=False)

    op.create_table(
        "committee_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("side", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(["committee_id"], ["committees.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("committee_id", "person_id", name="uq_committee_members"),
    )
    with op.batch_alter_table("committee_members", schema=None) as batch_op:
        batch_op.create_index("ix_committee_members_person", ["person_id"], unique=False)
        batch_op.create_index("ix_committee_members_role", ["committee_id", "role"], unique=False)

    op.create_table(
        "leadership_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("chamber", sa.String(length=20), nullable=True),
        sa.Column("start", sa.Date(), nullable=True),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("leadership_roles", schema=None) as batch_op:
        batch_op.create_index("ix_leadership_roles_person", ["person_id"], unique=False)

    op.create_table(
        "person_handles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("handle", sa.String(length=200), nullable=False),
        sa.Column("platform_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("first_seen_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("imported_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "platform", "source", name="uq_person_handles_source"),
    )
    with op.batch_alter_table("person_handles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_person_handles_platform_handle", ["platform", "handle"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("person_handles", schema=None) as batch_op:
        batch_op.drop_index("ix_person_handles_platform_handle")

    op.drop_table("person_handles")
    with op.batch_alter_table("leadership_roles", schema=None) as batch_op:
        batch_op.drop_index("ix_leadership_roles_person")

    op.drop_table("leadership_roles")
    with op.batch_alter_table("committee_members", schema=None) as batch_op:
        batch_op.drop_index("ix_committee_members_role")
        batch_op.drop_index("ix_committee_members_person")

    op.drop_table("committee_members")
    with op.batch_alter_table("committee_aliases", schema=None) as batch_op:
        batch_op.drop_index("ix_committee_aliases_alias")

    op.drop_table("committee_aliases")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index("ix_people_state_chamber_district")
        batch_op.drop_index("ix_people_source_jurisdiction")
        batch_op.drop_index("ix_people_party")
        batch_op.drop_index("ix_people_jurisdiction_chamber")

    op.drop_table("people")
    with op.batch_alter_table("handle_overrides", schema=None) as batch_op:
        batch_op.drop_index("ix_handle_overrides_person")

    op.drop_table("handle_overrides")
    with op.batch_alter_table("do_not_tag", schema=None) as batch_op:
        batch_op.drop_index("ix_do_not_tag_person")
        batch_op.drop_index("ix_do_not_tag_handle")

    op.drop_table("do_not_tag")
    with op.batch_alter_table("directory_imports", schema=None) as batch_op:
        batch_op.drop_index("ix_directory_imports_source")

    op.drop_table("directory_imports")
    with op.batch_alter_table("committees", schema=None) as batch_op:
        batch_op.drop_index("ix_committees_parent")
        batch_op.drop_index("ix_committees_jurisdiction")

    op.drop_table("committees")
