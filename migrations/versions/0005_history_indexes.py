"""history indexes: the planner's history costs the same at any length of log

Before each run the planner asks, for each key, when it was last posted: each
variant and bill of the campaign on each platform, and each target person on
each bill and platform. Grouping every post of the campaign answered the first
(380 ms at a million rows against 10 ms at ten thousand).
``bot.store.queries.plan_history`` now walks an index newest first to the first
counted post of each key:

* ``ix_posts_campaign_rotation`` (campaign, platform, bill, variant, time) is
  that index for rotation;
* ``ix_post_targets_cooldown`` gains ``post_id``, so the walk for a person
  reads the index alone before it checks the post's status, not the
  ``post_targets`` row too (a third less time at a million rows).

Measured by ``python -m bench --only log``; see docs/benchmarks.md.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COOLDOWN = ["person_id", "bill", "platform", "created_at"]


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_posts_campaign_rotation",
            ["campaign_id", "platform", "bill", "variant", "created_at"],
            unique=False,
        )
    with op.batch_alter_table("post_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_post_targets_cooldown")
        batch_op.create_index("ix_post_targets_cooldown", [*_COOLDOWN, "post_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("post_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_post_targets_cooldown")
        batch_op.create_index("ix_post_targets_cooldown", _COOLDOWN, unique=False)
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_campaign_rotation")
