"""The one pause lookup (queries.active_pause), which the guard and every caller use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store import queries

NOW = datetime(2026, 3, 2, 15, tzinfo=UTC)


def _active(session) -> str | None:
    pause = queries.active_pause(session, "sb792", "x", "default", NOW)
    return pause.scope if pause else None


def test_the_broadest_pause_that_applies_wins_and_ended_ones_do_not(any_db) -> None:
    with any_db.session() as session:
        assert _active(session) is None
        queries.set_pause(session, "account:x:default", "429", NOW, until=NOW + timedelta(hours=1))
        queries.set_pause(session, "account:x:other", "not this account", NOW)
        assert _active(session) == "account:x:default"
        queries.set_pause(session, "campaign:sb792", "hearing moved", NOW)
        assert _active(session) == "campaign:sb792"
        queries.set_pause(session, "all", None, NOW - timedelta(hours=2), until=NOW)
        assert _active(session) == "campaign:sb792"  # the pause of everything has ended
        queries.set_pause(session, "all", "stop", NOW)
        assert _active(session) == "all"
