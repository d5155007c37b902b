"""Guards for tests that are not about the guard.

Publishing always takes a guard (``guard=``); there is no default, so no
code path can publish unchecked. A test about something else passes
:func:`allow_all` explicitly.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.guard import Verdict
from bot.store.models import Post


def allow_all(session: Session, post: Post, now: datetime) -> Verdict:
    """Let every post through (tests only)."""
    return Verdict.allow()
