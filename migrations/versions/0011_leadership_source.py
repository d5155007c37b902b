"""directory: a leadership post's source as long as a handle override's

``advocacy-bot directory load-overrides FILE`` records its leadership entries
with the source ``file:<path>``, as it does its handles and do-not-tag entries
(300 characters); ``leadership_roles.source`` was 40, so on PostgreSQL loading
an overrides file by an absolute path (``/srv/.../overrides/missouri.yaml``)
failed with "value too long". It grows to 300.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leadership_roles", schema=None) as batch_op:
        batch_op.alter_column(
            "source", existing_type=sa.String(40), type_=sa.String(300), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("leadership_roles", schema=None) as batch_op:
        batch_op.alter_column(
            "source", existing_type=sa.String(300), type_=sa.String(40), existing_nullable=False
        )
