"""The subscribers table on SQLite and PostgreSQL: the list's life cycle, and two
sign-ups of one address racing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.store import subscribers as store

NOW = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)


def test_pending_confirmed_forgotten(any_db) -> None:
    with any_db.session() as session:
        kept = store.sign_up(session, "a@example.org", "camp", NOW).token
        store.sign_up(session, "a@example.org", store.EVERYTHING, NOW)
        store.sign_up(session, "late@example.org", "camp", NOW - timedelta(days=3))
        store.sign_up(session, "b@example.org", "other", NOW)
    with any_db.session() as session:
        assert store.confirm(session, kept, NOW + timedelta(hours=1)) is not None
        assert store.forget_stale(session, NOW) == 1  # never confirmed within 48 hours
    with any_db.session() as session:
        for row in session.scalars(select(store.Subscriber)):
            if row.email == "a@example.org" and row.campaign_id == store.EVERYTHING:
                store.confirm(session, row.token, NOW)
    with any_db.session() as session:
        # a campaign's list plus the organisation's, each address once, the campaign's row
        (one,) = store.recipients(session, "camp")
        assert (one.email, one.campaign_id, one.token) == ("a@example.org", "camp", kept)
        assert [r.email for r in store.recipients(session, "other")] == ["a@example.org"]
        assert [(c.campaign_id, c.confirmed, c.pending) for c in store.counts(session)] == [
            ("", 1, 0),
            ("camp", 1, 0),
            ("other", 0, 1),
        ]
        # signing up again keeps a confirmed row as it is
        assert store.sign_up(session, "a@example.org", "camp", NOW).token == kept
    with any_db.session() as session:
        assert store.unsubscribe(session, kept) is True
        assert store.unsubscribe(session, kept) is False
    with any_db.session() as session:
        assert [r.campaign_id for r in store.recipients(session)] == [store.EVERYTHING]


def test_two_sign_ups_of_one_address_at_once_make_one_row(any_db) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def sign_up() -> None:
        try:
            start.wait(5)
            with any_db.session() as session:
                store.sign_up(session, "race@example.org", "camp", NOW)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sign_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    with any_db.session() as session:
        assert len(session.scalars(select(store.Subscriber)).all()) == 1
