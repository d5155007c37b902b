"""The sweep: what is told, once, over real SMTP and HTTP servers; failures retried."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.campaigns.loaded import LoadedCampaign
from bot.config import Mode
from bot.notify import NotifySettings, find_notices, notifier_from, sweep
from bot.platforms.base import Failure, PublishError
from bot.schedule import runner
from bot.schedule.worker import resolve_unknown
from bot.store import queries
from bot.store.models import NoticeRecord
from tests.notify.conftest import SMTP_PASSWORD, WEBHOOK_TOKEN, free_port, smtp_env
from tests.schedule.test_worker import ScriptedPlatform, publish
from tests.support import make_campaign, people

NOW = datetime(2026, 3, 2, 16, 1, tzinfo=UTC)
RESUME = "Fix the account, then `advocacy-bot resume --account {}`"


def notifier(smtp=None, webhook=None, **env):
    values = dict(env)
    if smtp is not None:
        values.update(smtp_env(smtp))
    if webhook is not None:
        values["NOTIFY_WEBHOOK_URL"] = webhook.url
    result = notifier_from(NotifySettings.from_env(values))
    assert result is not None
    return result


def pause(db, scope, reason, until=None, at=NOW):
    with db.session() as session:
        queries.set_pause(session, scope, reason, at, until)


def auth_pause(db, account="x:default", at=NOW):
    reason = f"credentials rejected: auth (HTTP 401): Unauthorized. {RESUME.format(account)}"
    pause(db, f"account:{account}", reason, at=at)


def skipped_run(db, campaign="c", *, at=NOW, mode=Mode.LIVE, planned=0, note="quiet hours"):
    with db.session() as session:
        queries.record_run(session, campaign, mode, at, at, planned, note)


def rows(db) -> list[NoticeRecord]:
    with db.new_session() as session:
        return list(session.scalars(select(NoticeRecord).order_by(NoticeRecord.id)))


def kinds(db, now=NOW) -> dict[str, str]:
    with db.new_session() as session:
        return {notice.key: notice.kind for notice in find_notices(session, now)}


@pytest.fixture
def queued(db):
    campaign = LoadedCampaign(make_campaign(), Path("t.yaml"), tuple(people(2)))
    (report,) = runner.run_due(db, [campaign], mode=Mode.LIVE, now=NOW)
    return report.posts[0].id


def test_what_needs_a_person_is_found_and_nothing_else(db):
    auth_pause(db)
    pause(db, "account:facebook:default", f"out of credits: payment. {RESUME}")
    pause(
        db,
        "account:bluesky:default",
        "credentials rejected: auth (HTTP 400): Bluesky refused the account while posting "
        f"(AccountTakedown: Account has been taken down). {RESUME}",
    )
    pause(
        db,
        "account:mastodon:default",
        "MASTODON_ACCESS_TOKEN is not set. Fix the setting, then "
        "`advocacy-bot resume --account mastodon:default`",
    )
    # Not told: a person's own pauses, and pauses that lift by themselves.
    pause(db, "account:x:other", "paused by an organizer")
    pause(db, "campaign:c", "paused from the dashboard")
    pause(db, "all", "credentials rejected: typed by a person")
    pause(db, "account:x:limited", "rate limited by x", until=NOW + timedelta(minutes=15))
    pause(db, "account:x:down", "platform failing (HTTP 503: x)", until=NOW + timedelta(minutes=1))
    skipped_run(db, "told", note="run at 2026-03-02 03:00 CST falls in quiet hours; nothing posted")
    skipped_run(db, "dry", mode=Mode.DRY_RUN)
    skipped_run(db, "planned", planned=2)
    skipped_run(db, "old", at=NOW - timedelta(days=2))
    found = kinds(db)
    assert found == {
        "pause:account:x:default:auth": "auth",
        "pause:account:facebook:default:payment": "payment",
        "pause:account:bluesky:default:takedown": "takedown",
        "pause:account:mastodon:default:config": "config",
        found_run_key(db, "told"): "skipped",
    }


def found_run_key(db, campaign: str) -> str:
    from bot.store.models import CampaignRun

    with db.new_session() as session:
        run = session.scalar(select(CampaignRun).where(CampaignRun.campaign_id == campaign))
    return f"run:{run.id}"


def test_the_worker_s_own_pauses_and_unknown_posts_are_recognised(db, queued):
    """The reasons come from the real worker, so the sweep follows them if they change."""
    from bot.config import Settings
    from bot.platforms.registry import build_publisher
    from bot.schedule.worker import publish_due
    from tests.guards import allow_all

    def resume():
        with db.session() as session:
            assert queries.clear_pause(session, "account:x:default")

    publish(db, ScriptedPlatform([PublishError(Failure.AUTH, "Unauthorized", 401)]))
    assert kinds(db) == {"pause:account:x:default:auth": "auth"}
    resume()
    publish(db, ScriptedPlatform([PublishError(Failure.PAYMENT, "CreditsDepleted", 402)]))
    assert kinds(db) == {"pause:account:x:default:payment": "payment"}
    resume()
    suspended = PublishError(Failure.AUTH, "Forbidden: this account is suspended", 403)
    publish(db, ScriptedPlatform([suspended]))
    assert kinds(db) == {"pause:account:x:default:takedown": "takedown"}
    resume()
    closed = PublishError(
        Failure.AUTH,
        "Bluesky has taken the account down; appeal to Bluesky moderation",
        400,
        details={"account_state": "AccountTakedown"},
    )
    publish(db, ScriptedPlatform([closed]))
    assert kinds(db) == {"pause:account:x:default:takedown": "takedown"}
    resume()
    no_role = PublishError(
        Failure.AUTH,
        "Meta says the Page token may not do this on the Page",
        400,
        details={"pause_as": "Page permission missing"},
    )
    publish(db, ScriptedPlatform([no_role]))
    assert kinds(db) == {"pause:account:x:default:auth": "auth"}
    resume()
    settings = Settings(env={"X_API_KEY": "key-only"}, mode=Mode.LIVE)

    def missing_credentials(platform, account):
        return build_publisher(platform, account, settings, live=True)

    from bot.clock import FrozenClock

    publish_due(db, missing_credentials, mode=Mode.LIVE, clock=FrozenClock(NOW), guard=allow_all)
    assert kinds(db) == {"pause:account:x:default:config": "config"}
    resume()
    publish(db, ScriptedPlatform([PublishError(Failure.MAYBE_SENT, "read timed out")]))
    assert kinds(db) == {f"unknown:{queued}": "unknown"}


def test_each_notice_is_sent_once_by_email_and_webhook(db, smtp, webhook):
    auth_pause(db)
    first = sweep(db, notifier(smtp, webhook), NOW)
    assert [n.key for n in first.sent] == ["pause:account:x:default:auth"] and first.ok
    second = sweep(db, notifier(smtp, webhook), NOW + timedelta(minutes=1))
    assert second.sent == [] and second.failed == [] and second.ok
    (mail,) = smtp.messages
    assert mail.message["Subject"] == (
        "[advocacy-bot] x account 'default' paused: credentials rejected"
    )
    assert mail.rcpt_tos == ["organizers@example.org", "ops@example.org"]
    body = mail.message.get_content()
    assert "Unauthorized" in body and "advocacy-bot resume --account x:default" in body
    (request,) = webhook.requests
    assert request["json"]["kind"] == "auth"
    assert request["json"]["subject"] == "x account 'default' paused: credentials rejected"
    (row,) = rows(db)
    assert (row.sent_at, row.delivered, row.attempts) == (NOW, "email,webhook", 1)
    assert row.outcome == "email: sent; webhook: sent"


def test_an_unknown_post_and_a_skipped_run_are_told(db, queued, webhook):
    publish(db, ScriptedPlatform([PublishError(Failure.MAYBE_SENT, "read timed out")]))
    skipped_run(db, "quiet", note="run at 03:00 falls in quiet hours; nothing posted")
    report = sweep(db, notifier(webhook=webhook), NOW)
    assert sorted(n.kind for n in report.sent) == ["skipped", "unknown"]
    by_kind = {r["json"]["kind"]: r["json"] for r in webhook.requests}
    assert f"advocacy-bot resolve {queued} --posted" in by_kind["unknown"]["body"]
    assert "please support" in by_kind["unknown"]["body"]  # the post's text
    subject = "campaign 'quiet' posted nothing at 2026-03-02 16:01 UTC"
    assert by_kind["skipped"]["subject"] == subject
    assert "falls in quiet hours" in by_kind["skipped"]["text"]


def test_a_failing_channel_is_retried_next_sweep_and_the_other_not_sent_twice(
    db, smtp, webhook, caplog
):
    auth_pause(db)
    webhook.statuses.append(500)
    first = sweep(db, notifier(smtp, webhook), NOW)
    assert first.sent == [] and not first.ok
    ((notice, why),) = first.failed
    assert why == "webhook: 127.0.0.1 answered HTTP 500 Internal Server Error: invalid_token ***"
    (row,) = rows(db)
    assert (row.sent_at, row.delivered, row.claimed_until) == (None, "email", None)
    assert "webhook: failed" in row.outcome
    assert "trying again at the next sweep" in caplog.text

    second = sweep(db, notifier(smtp, webhook), NOW + timedelta(minutes=1))
    assert [n.key for n in second.sent] == [notice.key]
    assert len(smtp.messages) == 1  # the email went out the first time only
    assert len(webhook.requests) == 2
    (row,) = rows(db)
    assert (row.sent_at, row.delivered, row.attempts) == (
        NOW + timedelta(minutes=1),
        "email,webhook",
        2,
    )


def test_a_mail_server_that_is_down_never_raises_and_the_notice_waits(db, smtp):
    auth_pause(db)
    down = notifier(**smtp_env(smtp, NOTIFY_SMTP_PORT=str(free_port())))
    report = sweep(db, down, NOW)
    assert report.sent == [] and "connection refused" in report.failed[0][1]
    assert rows(db)[0].sent_at is None
    smtp.refuse = True  # up, but not taking mail
    assert sweep(db, notifier(smtp), NOW + timedelta(minutes=1)).failed
    smtp.refuse = False
    assert len(sweep(db, notifier(smtp), NOW + timedelta(minutes=2)).sent) == 1
    assert len(smtp.messages) == 1
    assert rows(db)[0].attempts == 3


def test_trouble_that_ends_and_comes_back_is_told_again(db, queued, webhook):
    publish(db, ScriptedPlatform([PublishError(Failure.MAYBE_SENT, "read timed out")]))
    auth_pause(db)
    hook = notifier(webhook=webhook)
    assert len(sweep(db, hook, NOW).sent) == 2  # the unknown post and the pause
    with db.session() as session:
        queries.clear_pause(session, "account:x:default")
    resolve_unknown(db, queued, posted=True, now=NOW)
    report = sweep(db, hook, NOW + timedelta(minutes=1))
    assert report.cleared == 2 and report.sent == []
    auth_pause(db, at=NOW + timedelta(hours=1))
    assert len(sweep(db, hook, NOW + timedelta(hours=1)).sent) == 1
    assert [r["json"]["kind"] for r in webhook.requests] == ["auth", "unknown", "auth"]
    ids = {row.key.partition("#")[0]: row.id for row in rows(db) if "#" in row.key}
    assert [row.key for row in rows(db)] == [
        f"pause:account:x:default:auth#{ids['pause:account:x:default:auth']}",
        f"unknown:{queued}#{ids[f'unknown:{queued}']}",
        "pause:account:x:default:auth",
    ]
    assert sweep(db, hook, NOW + timedelta(hours=2)).sent == []


def test_a_pause_set_again_while_paused_is_not_told_again(db, webhook):
    hook = notifier(webhook=webhook)
    auth_pause(db)
    sweep(db, hook, NOW)
    auth_pause(db, at=NOW + timedelta(minutes=5))  # the worker re-pauses on each re-check
    assert sweep(db, hook, NOW + timedelta(minutes=6)).sent == []
    assert len(webhook.requests) == 1


def test_a_notice_another_process_is_sending_is_left_to_it(db, webhook):
    auth_pause(db)
    with db.session() as session:
        session.add(
            NoticeRecord(
                key="pause:account:x:default:auth",
                kind="auth",
                subject="...",
                created_at=NOW,
                delivered="",
                attempts=0,
                claimed_until=NOW + timedelta(minutes=5),
            )
        )
    hook = notifier(webhook=webhook)
    report = sweep(db, hook, NOW + timedelta(minutes=1))
    assert (report.sent, report.waiting) == ([], 1) and webhook.requests == []
    # The other process died mid-send: its claim runs out and this one sends it.
    assert len(sweep(db, hook, NOW + timedelta(minutes=6)).sent) == 1


def test_two_processes_sweeping_at_once_send_each_notice_once(db, webhook):
    for index in range(5):
        auth_pause(db, account=f"x:account{index}")
    hooks = [notifier(webhook=webhook) for _ in range(3)]
    threads = [threading.Thread(target=sweep, args=(db, hook, NOW)) for hook in hooks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    keys = sorted(request["json"]["key"] for request in webhook.requests)
    assert keys == sorted(f"pause:account:x:account{index}:auth" for index in range(5))
    assert all(row.sent_at is not None for row in rows(db))


def test_a_backlog_is_sent_a_few_at_a_time(db, webhook):
    for index in range(5):
        skipped_run(db, f"c{index}")
    hook = notifier(webhook=webhook)
    first = sweep(db, hook, NOW, limit=3)
    assert (len(first.sent), first.waiting) == (3, 2)
    assert len(sweep(db, hook, NOW + timedelta(minutes=1), limit=3).sent) == 2


def test_secrets_reach_no_log_report_or_row(db, smtp, webhook, caplog):
    caplog.set_level(logging.DEBUG)
    auth_pause(db)
    webhook.statuses.extend([404, 404])
    wrong = notifier(**smtp_env(smtp, NOTIFY_SMTP_PASSWORD=SMTP_PASSWORD + "-wrong"))
    wrong_url = webhook.url.replace("127.0.0.1", "localhost")  # a second spelling of the URL
    reports = [
        sweep(db, notifier(webhook=webhook), NOW),
        sweep(db, notifier(NOTIFY_WEBHOOK_URL=wrong_url), NOW + timedelta(minutes=1)),
        sweep(db, wrong, NOW + timedelta(minutes=2)),
    ]
    written = caplog.text + repr(reports)
    with db.engine.connect() as connection:
        written += repr(connection.execute(text("SELECT * FROM notices")).all())
    assert "invalid_token" in written and "refused the login" in written  # failures were told
    assert WEBHOOK_TOKEN not in written and "xoxbSECRET" not in written
    assert SMTP_PASSWORD not in written


def test_a_database_that_cannot_be_read_does_not_raise(db, webhook):
    auth_pause(db)
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE notices"))
    report = sweep(db, notifier(webhook=webhook), NOW)
    assert report.error and not report.ok and webhook.requests == []
