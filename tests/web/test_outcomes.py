"""Call outcome counters on both databases: one row per campaign, legislator and outcome."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from bot.web.outcomes import Outcome, Tally, record, tallies

NOW = datetime(2026, 8, 12, 18, 0, tzinfo=UTC)


def test_answers_add_up_per_campaign_legislator_and_outcome(any_db) -> None:  # type: ignore[no-untyped-def]
    with any_db.session() as session:
        record(session, "c1", "P1", Outcome.REACHED, NOW)
        record(session, "c1", "P1", Outcome.REACHED, NOW)
        record(session, "c1", "P1", Outcome.BUSY, NOW)
        record(session, "c2", "P1", Outcome.VOICEMAIL, NOW)
    with any_db.session() as session:
        assert tallies(session, "c1") == [Tally("c1", "P1", reached=2, voicemail=0, busy=1)]
        assert [t.total for t in tallies(session)] == [3, 1]


def test_concurrent_first_answers_make_one_counter(any_db) -> None:  # type: ignore[no-untyped-def]
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def answer() -> None:
        try:
            start.wait(5)
            with any_db.session() as session:
                record(session, "c1", "P9", Outcome.VOICEMAIL, NOW)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=answer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with any_db.session() as session:
        assert tallies(session) == [Tally("c1", "P9", reached=0, voicemail=4, busy=0)]


def test_answers_per_address_are_limited_in_a_sliding_window() -> None:
    from bot.web.outcomes import ReportLimit

    limit = ReportLimit(limit=2, window=60)
    assert limit.allow("a", 0) and limit.allow("a", 1)
    assert not limit.allow("a", 2)
    assert limit.allow("b", 2)  # per address
    assert limit.allow("a", 60.5)  # the first answer left the window
    assert not limit.allow("a", 60.9)
