"""The arithmetic of X's mention budget, shared by the planner and the guard.

At most so many automated tags of one person per sliding window: per X account
in :data:`BUDGET_DAY`, across the organisation's X accounts in :data:`BUDGET_WEEK`.
The planner keeps to it (:class:`bot.compose.plan.XBudget`) so the guard
(:func:`bot.guard.mention_budget`) rarely has to defer a post for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

#: The windows of the mention budget: per account a day, across accounts a week.
BUDGET_DAY = timedelta(hours=24)
BUDGET_WEEK = timedelta(days=7)


def fits_at(
    times: Iterable[datetime], cap: int, window: timedelta, now: datetime
) -> datetime | None:
    """When one more event fits ``cap`` events per sliding ``window``: None if it fits now.

    ``times`` are the earlier events (those outside the window are ignored). With
    ``n ≥ cap`` events in the window, one more fits once ``n - cap + 1`` of them
    have left it: at the ``(n - cap)``-th oldest (0-based) plus ``window``.
    ``cap`` 0 never fits: :data:`datetime.max` (UTC).
    """
    if cap <= 0:
        return datetime.max.replace(tzinfo=UTC)
    inside = sorted(t for t in times if now - window < t <= now)
    if len(inside) < cap:
        return None
    return inside[len(inside) - cap] + window
