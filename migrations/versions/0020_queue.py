"""perf: a campaign's held and queued posts, soonest due first, by seek

The approvals page filtered on a campaign, and "what goes out next" listing
each campaign's waiting posts, walked ``ix_posts_status_due`` (status,
scheduled_for) past every other campaign's held posts (all 10,000 of them for
a campaign with none), or read every post the campaign ever made through
``ix_posts_campaign_platform_status_created`` and sorted them. The new index
leads with the campaign: each page reads the rows it shows. Approving or
rejecting every held post of a campaign finds them by it too.

A plain CREATE INDEX (no table rebuild), so the triggers of 0017 stay.

Revision ID: 0020_queue
Revises: 0019_search
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_queue"
down_revision: str | None = "0019_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["campaign_id", "status", "scheduled_for"]


def upgrade() -> None:
    op.create_index("ix_posts_campaign_status_due", "posts", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_posts_campaign_status_due", table_name="posts")
