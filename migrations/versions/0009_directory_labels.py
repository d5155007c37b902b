"""directory: party labels and districts as legislatures write them

Fusion and state-party labels are longer than 40 characters
("Republican/Conservative/Independence/Libertarian", New York), and the
directory keeps the whole label (issue 16; selectors match its major-party
family); so are some district names ("Berkshire, Hampden, Franklin and
Hampshire", Massachusetts). ``people.party`` and ``people.district`` grow to
100 characters (PostgreSQL refused the whole import before).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        for column in ("party", "district"):
            batch_op.alter_column(
                column, existing_type=sa.String(40), type_=sa.String(100), existing_nullable=True
            )


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        for column in ("party", "district"):
            batch_op.alter_column(
                column, existing_type=sa.String(100), type_=sa.String(40), existing_nullable=True
            )
