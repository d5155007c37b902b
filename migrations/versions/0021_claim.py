"""perf: a worker's claim seeks each account's oldest due post

The claim chose the oldest due post by walking ``ix_posts_status_due``
(status, scheduled_for) and passing over the posts of accounts that may not
publish now (a post in flight, a pause, passed over this round). With one
account's backlog queued behind its post in flight, that walk read the whole
backlog at every idle worker's poll (a sequential scan of 100,000 rows on
PostgreSQL). ``ix_posts_claim`` (status, platform, account, mode,
next_attempt_at, scheduled_for, id) lets it enumerate the accounts with queued
posts (a loose index scan), see which have a post in flight, and seek each
one's oldest due post, never deferred or deferred to a time now past: a few
seeks an account, whatever the queue holds (``queries.lock_next_due``).

Measured by ``python -m bench --only workers``; see docs/benchmarks.md.

Revision ID: 0021_claim
Revises: 0020_queue
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021_claim"
down_revision: str | None = "0020_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["status", "platform", "account", "mode", "next_attempt_at", "scheduled_for", "id"]


def upgrade() -> None:
    # A plain CREATE INDEX (no batch): on SQLite it leaves the table, and 0017's
    # triggers on it, as they are.
    op.create_index("ix_posts_claim", "posts", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_posts_claim", table_name="posts")
