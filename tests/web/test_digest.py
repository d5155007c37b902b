"""The daily digest of bill events: the real database, a real SMTP server on 127.0.0.1.

Bill events are rows as ``bills sync`` records them (bot.bills.triggers); the
example campaigns are loaded from campaigns/.
"""

# ruff: noqa: F811 - ``smtp`` is tests/notify's SMTP server fixture, imported below
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bills.models import BillEvent
from bot.campaigns.loader import load_campaigns
from bot.store import subscribers as store
from bot.store.db import Database
from bot.web import mail
from bot.web.digest import describe, send_digest
from tests.notify.conftest import (
    SMTP_PASSWORD,
    SMTP_USER,
    SMTPServer,
    free_port,
    smtp,  # noqa: F401
)
from tests.support import ROOT

NOW = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
SB792 = "mo-sb792-expungement"
S1693 = "us-s1693-online-trafficking"
SITE = "https://act.example.org"


def _settings(port: int) -> mail.UpdatesSettings:
    found = mail.UpdatesSettings.from_env(
        {
            "UPDATES_SITE_URL": SITE,
            "UPDATES_FROM": "updates@example.org",
            "NOTIFY_SMTP_HOST": "127.0.0.1",
            "NOTIFY_SMTP_PORT": str(port),
            "NOTIFY_SMTP_USER": SMTP_USER,
            "NOTIFY_SMTP_PASSWORD": SMTP_PASSWORD,
            "NOTIFY_SMTP_STARTTLS": "0",
            "NOTIFY_TIMEOUT": "5",
        }
    )
    assert found is not None
    return found


@pytest.fixture
def campaigns():  # type: ignore[no-untyped-def]
    loaded, errors = load_campaigns([ROOT / "campaigns"])
    assert not errors
    return loaded


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = Database(f"sqlite:///{tmp_path / 'digest.db'}")
    yield database
    database.dispose()


def _bill_key(campaigns, campaign_id: str) -> str:  # type: ignore[no-untyped-def]
    (loaded,) = [c for c in campaigns if c.campaign.id == campaign_id]
    return loaded.campaign.bills[0].key


def _subscribe(db: Database, email: str, campaign_id: str, *, confirmed: bool = True) -> None:
    with db.session() as session:
        row = store.sign_up(session, email, campaign_id, NOW - timedelta(days=3))
        if confirmed:
            store.confirm(session, row.token, NOW - timedelta(days=3))


def _event(db: Database, bill_key: str, key: str, kind: str, day: date, seen: datetime, **detail):  # type: ignore[no-untyped-def]
    with db.session() as session:
        session.add(
            BillEvent(
                bill_key=bill_key,
                key=key,
                kind=kind,
                day=day,
                detail=json.dumps(detail),
                seen_at=seen,
            )
        )


def test_one_digest_a_day_to_those_who_follow_the_bill(db, campaigns, smtp: SMTPServer) -> None:
    sb792 = _bill_key(campaigns, SB792)
    _subscribe(db, "everything@example.org", store.EVERYTHING)
    _subscribe(db, "sb792@example.org", SB792)
    _subscribe(db, "s1693@example.org", S1693)
    _subscribe(db, "pending@example.org", SB792, confirmed=False)
    _event(
        db,
        sb792,
        "passed:senate",
        "passed_chamber",
        date(2026, 3, 4),
        NOW - timedelta(hours=3),
        chamber="senate",
    )
    _event(
        db, sb792, "hearing:1:2026-03-10", "hearing", date(2026, 3, 10), NOW - timedelta(hours=2)
    )
    settings = _settings(smtp.port)

    result = send_digest(db, settings, campaigns, "Survivors' Network", NOW)
    assert (result.sent, result.failed, result.skipped) == (2, 0, None)
    got = {r.rcpt_tos[0]: r.message for r in smtp.messages}
    assert sorted(got) == ["everything@example.org", "sb792@example.org"]
    message = got["sb792@example.org"]
    body = message.get_content()
    assert "SB 792 passed the Senate (2026-03-04)" in body
    assert "SB 792 has a committee hearing on 2026-03-10" in body
    assert f"{SITE}/c/{SB792}" in body
    assert message["Subject"] == "Survivors' Network: 2 updates on the bills we follow"
    assert message["List-Unsubscribe"].startswith(f"<{SITE}/updates/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The same day: nothing more, even with a new event.
    _event(db, sb792, "signed", "signed", date(2026, 3, 5), NOW - timedelta(minutes=5))
    again = send_digest(db, settings, campaigns, "Survivors' Network", NOW + timedelta(hours=2))
    assert again.skipped == "a digest already went out today" and len(smtp.messages) == 2

    # The next day: only what is new.
    smtp.messages.clear()
    later = send_digest(db, settings, campaigns, "Survivors' Network", NOW + timedelta(days=1))
    assert later.sent == 2
    body = smtp.messages[0].message.get_content()
    assert "SB 792 was signed into law" in body and "passed the Senate" not in body
    assert "1 update on" in smtp.messages[0].message["Subject"]


def test_no_news_sends_nothing_and_the_first_digest_skips_history(
    db, campaigns, smtp: SMTPServer
) -> None:
    sb792 = _bill_key(campaigns, SB792)
    _subscribe(db, "sb792@example.org", SB792)
    _event(db, sb792, "referred:senate:X", "referred", date(2026, 1, 10), NOW - timedelta(days=50))
    result = send_digest(db, _settings(smtp.port), campaigns, "Org", NOW)
    assert result.skipped == "no new bill event or hearing tomorrow for an enabled campaign"
    assert smtp.messages == []
    with db.session() as session:
        assert session.scalars(select(store.DigestRecord)).all() == []


def test_a_mail_server_that_is_down_leaves_the_day_free_for_a_retry(
    db, campaigns, smtp: SMTPServer
) -> None:
    sb792 = _bill_key(campaigns, SB792)
    _subscribe(db, "sb792@example.org", SB792)
    _event(db, sb792, "signed", "signed", date(2026, 3, 5), NOW - timedelta(hours=1))
    down = send_digest(db, _settings(free_port()), campaigns, "Org", NOW)
    assert down.sent == 0 and "tries again" in (down.skipped or "")
    retry = send_digest(db, _settings(smtp.port), campaigns, "Org", NOW + timedelta(hours=1))
    assert retry.sent == 1 and len(smtp.messages) == 1


def test_an_event_reads_as_a_sentence() -> None:
    event = BillEvent(kind="passed_chamber", day=date(2026, 3, 4), detail='{"chamber": "house"}')
    assert describe(event, "HB 1") == "HB 1 passed the House (2026-03-04)"
    odd = BillEvent(kind="new_kind", day=None, detail="not json")
    assert describe(odd, "HB 1") == "HB 1 new kind"


def test_the_command_sends_the_digest(tmp_path: Path, campaigns, smtp: SMTPServer) -> None:
    from click.testing import CliRunner

    from bot.cli import cli

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database(url)
    _subscribe(db, "sb792@example.org", SB792)
    now = datetime.now(UTC)
    _event(
        db, _bill_key(campaigns, SB792), "signed", "signed", now.date(), now - timedelta(hours=1)
    )
    db.dispose()
    env = {
        "DATABASE_URL": url,
        "CAMPAIGNS_DIR": str(ROOT / "campaigns"),
        "UPDATES_SITE_URL": SITE,
        "UPDATES_FROM": "updates@example.org",
        "NOTIFY_SMTP_HOST": "127.0.0.1",
        "NOTIFY_SMTP_PORT": str(smtp.port),
        "NOTIFY_SMTP_STARTTLS": "0",
        "NOTIFY_EMAIL_TO": "organizers@example.org",
    }
    result = CliRunner().invoke(cli, ["updates", "digest"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "sent to 1, 0 refused" in result.output
    (received,) = smtp.messages
    assert received.rcpt_tos == ["sb792@example.org"]

    off = {**env, "UPDATES_SITE_URL": ""}
    result = CliRunner().invoke(cli, ["updates", "digest"], env=off, catch_exceptions=False)
    assert result.exit_code == 1 and "UPDATES_SITE_URL" in result.output


def test_a_hearing_tomorrow_is_in_the_day_before_s_digest(db, campaigns, smtp: SMTPServer) -> None:
    sb792 = _bill_key(campaigns, SB792)
    _subscribe(db, "sb792@example.org", SB792)
    # seen a week ago (that day's digest told it): tomorrow's digest reminds of it
    _event(db, sb792, "hearing:7:2026-03-06", "hearing", date(2026, 3, 6), NOW - timedelta(days=7))
    with db.session() as session:  # last week's digest covered it
        last = session.scalar(select(BillEvent.id))
        session.add(
            store.DigestRecord(
                day=date(2026, 2, 26), started_at=NOW, last_event_id=last, sent=1, failed=0
            )
        )
    result = send_digest(db, _settings(smtp.port), campaigns, "Org", NOW)
    assert result.sent == 1
    body = smtp.messages[0].message.get_content()
    assert "SB 792 has a committee hearing tomorrow (2026-03-06)" in body
    assert "on 2026-03-06" not in body  # told once, as the reminder


def test_each_subscriber_gets_one_digest_a_day_whoever_sends_it(
    db, campaigns, smtp: SMTPServer
) -> None:
    sb792 = _bill_key(campaigns, SB792)
    _subscribe(db, "a@example.org", SB792)
    _subscribe(db, "b@example.org", SB792)
    _event(db, sb792, "signed", "signed", date(2026, 3, 5), NOW - timedelta(hours=1))
    settings = _settings(smtp.port)
    # Another process already sent a@'s digest today (its claim is in the database).
    with db.session() as session:
        a = session.scalar(
            select(store.Subscriber).where(store.Subscriber.email == "a@example.org")
        )
        session.add(store.DigestSend(day=NOW.date(), subscriber_id=a.id, status="sent", at=NOW))
    result = send_digest(db, settings, campaigns, "Org", NOW)
    assert [m.rcpt_tos for m in smtp.messages] == [["b@example.org"]]
    assert result.sent == 1
    again = send_digest(db, settings, campaigns, "Org", NOW + timedelta(minutes=15))
    assert again.skipped == "a digest already went out today" and len(smtp.messages) == 1
    # An unsubscribe forgets the address, its sends included.
    with db.session() as session:
        assert store.unsubscribe(session, a.token)
    with db.session() as session:
        assert a.id not in set(session.scalars(select(store.DigestSend.subscriber_id)))


def test_a_mail_server_that_fails_half_way_sends_the_rest_at_the_next_run(
    db, campaigns, smtp: SMTPServer
) -> None:
    sb792 = _bill_key(campaigns, SB792)
    for name in ("a", "b"):
        _subscribe(db, f"{name}@example.org", SB792)
    _event(db, sb792, "signed", "signed", date(2026, 3, 5), NOW - timedelta(hours=1))
    smtp.refuse = True  # up, but answers 451 to every message
    first = send_digest(db, _settings(smtp.port), campaigns, "Org", NOW)
    assert (first.sent, first.failed) == (0, 2) and smtp.messages == []
    smtp.refuse = False
    # Nothing went out, so the day is still free: the retry's digest has the new event too.
    _event(db, sb792, "vetoed", "vetoed", date(2026, 3, 5), NOW + timedelta(minutes=5))
    retry = send_digest(db, _settings(smtp.port), campaigns, "Org", NOW + timedelta(minutes=15))
    assert retry.sent == 2
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == ["a@example.org", "b@example.org"]
    assert "SB 792 was vetoed" in smtp.messages[0].message.get_content()


def test_the_digest_time_is_hh_mm_utc() -> None:
    from datetime import time

    from bot.config import ConfigError
    from bot.web.digest import DIGEST_AT, digest_time

    assert digest_time(None) == digest_time(" ") == DIGEST_AT
    assert digest_time("7:30") == time(7, 30)
    for wrong in ("25:00", "noon", "16:00 EST"):
        with pytest.raises(ConfigError, match="UPDATES_DIGEST_AT"):
            digest_time(wrong)
