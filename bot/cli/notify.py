"""``advocacy-bot notify status|test|send``: the notification channels (docs/notifications.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from bot.cli.common import database, fail, settings

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.notify import Notifier, NotifySettings

NOT_CONFIGURED = (
    "no notification channel is configured: set NOTIFY_WEBHOOK_URL, or NOTIFY_SMTP_HOST and "
    "NOTIFY_EMAIL_TO, in .env (see .env.example and docs/notifications.md)"
)


@click.group()
def notify() -> None:
    """Email and webhook notices of what needs a person (paused accounts, unknown posts,
    skipped runs), sent once each by `run` and `worker` about once a minute."""


def _notify_settings(config: Settings) -> NotifySettings:
    from bot.notify import NotifySettings

    return NotifySettings.from_env(config.env)  # a ConfigError is one line, exit 1


def _notifier(config: Settings) -> Notifier:
    from bot.notify import notifier_from

    notifier = notifier_from(_notify_settings(config))
    if notifier is None:
        fail(NOT_CONFIGURED)
    return notifier


@notify.command()
def status() -> None:
    """Show the channels configured (secrets masked) and what was told."""
    from sqlalchemy import func, select

    from bot.store.models import NoticeRecord

    config = settings()
    described = _notify_settings(config).describe()
    if not described:
        click.echo(f"channels: none. {NOT_CONFIGURED[0].upper()}{NOT_CONFIGURED[1:]}")
    for name, text in described.items():
        click.echo(f"{name}: {text}")
    with database(config).read_session() as session:
        sent = session.scalar(
            select(func.count()).select_from(NoticeRecord).where(NoticeRecord.sent_at.is_not(None))
        )
        last = session.scalar(select(func.max(NoticeRecord.sent_at)))
        waiting = list(
            session.scalars(
                select(NoticeRecord)
                .where(NoticeRecord.sent_at.is_(None), NoticeRecord.cleared_at.is_(None))
                .order_by(NoticeRecord.id)
            )
        )
    told = f"told: {sent} notice(s)"
    if last is not None:
        told += f", the last at {last:%Y-%m-%d %H:%M} UTC"
    click.echo(told)
    for row in waiting:
        click.echo(f"not sent yet: {row.subject} ({row.attempts} attempt(s); {row.outcome})")


@notify.command()
def test() -> None:
    """Send a test notice to every channel; exit 1 if one fails.

    The error says which channel failed and why (secrets masked).
    """
    import socket
    from datetime import UTC, datetime

    from bot.notify import Notice

    notifier = _notifier(settings())
    now = datetime.now(UTC)
    notice = Notice(
        kind="test",
        subject="test notice",
        body=(
            f"A test from advocacy-bot on {socket.gethostname()} at {now:%Y-%m-%d %H:%M} UTC "
            "(`advocacy-bot notify test`). Paused accounts, posts whose outcome is unknown and "
            "skipped campaign runs will be told here."
        ),
        key=f"test:{now.isoformat()}",
    )
    results = notifier.send(notice)
    descriptions = {channel.name: channel.describe() for channel in notifier.channels}
    for name, error in results.items():
        if error is None:
            click.echo(f"{name}: sent ({descriptions[name]})")
    failed = [error for error in results.values() if error is not None]
    if failed:
        fail("; ".join(failed))


@notify.command()
def send() -> None:
    """Run one sweep now: tell what was not told yet. Exit 1 if a notice could not be sent."""
    from datetime import UTC, datetime

    from bot.notify import sweep

    config = settings()
    notifier = _notifier(config)
    report = sweep(database(config), notifier, datetime.now(UTC))
    if report.error:
        fail(f"cannot read the post log: {report.error}")
    for notice in report.sent:
        click.echo(f"told: {notice.subject}")
    for notice, why in report.failed:
        click.secho(f"not sent: {notice.subject}: {why}", fg="red", err=True)
    if not report.sent and not report.failed:
        click.echo("nothing new to tell")
    if report.waiting:
        click.echo(f"{report.waiting} more wait for the next sweep")
    if report.failed:
        fail(f"{len(report.failed)} notice(s) not sent; the next sweep tries again")
