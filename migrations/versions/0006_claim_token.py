"""claim token: every write after a platform call must hold the claim it was made under

A post's ``claim_token`` goes up by one each time a worker claims it (from
``queued``), takes it over (an expired lease) or re-checks it (``unknown``).
The worker remembers the token it claimed under, and every later write (the
lease's renewal, the answer, a reconcile) matches it: a worker whose lease was
taken over cannot overwrite what the new holder decided, and cannot requeue a
post another worker has already settled (issue 13; docs/reliability.md).

``ix_posts_status_next_attempt`` finds the ``unknown`` posts due for a re-check.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("claim_token", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            "ix_posts_status_next_attempt", ["status", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_status_next_attempt")
        batch_op.drop_column("claim_token")
