"""``advocacy-bot updates digest``: email subscribers what happened to the bills (docs/web.md)."""

from __future__ import annotations

import click

from bot.cli.common import database, fail, settings


@click.group()
def updates() -> None:
    """Supporters' updates by email: the daily digest of bill events."""


@updates.command()
def digest() -> None:
    """Send today's digest of new bill events to confirmed subscribers (at most one a day;
    nothing when nothing happened). Run it from cron after `bills sync`."""
    from bot.campaigns.loader import load_campaigns
    from bot.clock import SystemClock
    from bot.config import Organisation
    from bot.web.digest import send_digest
    from bot.web.mail import UpdatesSettings

    config = settings()
    mail_settings = UpdatesSettings.from_env(config.env)  # a ConfigError is one line, exit 1
    if mail_settings is None:
        fail("updates by email are off: set UPDATES_SITE_URL and NOTIFY_SMTP_* (docs/web.md)")
    campaigns, _errors = load_campaigns([config.campaigns_dir])
    org = Organisation.from_env(config).name
    result = send_digest(database(config), mail_settings, campaigns, org, SystemClock().now())
    if result.skipped:
        click.echo(f"digest {result.day}: nothing sent: {result.skipped}")
    else:
        click.echo(
            f"digest {result.day}: {result.events} events, sent to {result.sent}, "
            f"{result.failed} refused"
        )
    if result.failed and not result.sent:
        raise SystemExit(1)
