"""``advocacy-bot run`` and ``advocacy-bot preview``."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import database, fail, settings

if TYPE_CHECKING:
    from bot.campaigns.loaded import LoadedCampaign
    from bot.compose.plan import PlannedPost
    from bot.config import Mode, Settings
    from bot.schedule.runner import RunReport
    from bot.schedule.worker import Outcome, PublisherFor

PLATFORM_CHOICE = click.Choice(["x", "facebook", "bluesky", "mastodon"])


def _campaigns(config: Settings, directory: Path | None) -> list[LoadedCampaign]:
    """Load every campaign, reporting broken ones (which are skipped)."""
    from bot.campaigns.loader import load_campaigns

    folder = directory or config.campaigns_dir
    if not folder.is_dir():
        fail(f"no campaigns folder at {folder}; create it or set CAMPAIGNS_DIR")
    loaded, errors = load_campaigns([folder])
    for error in errors:
        click.secho(f"skipped: {error}", fg="yellow", err=True)
    return loaded


def _one_campaign(config: Settings, directory: Path | None, campaign_id: str) -> LoadedCampaign:
    from bot.campaigns.errors import CampaignLoadError
    from bot.campaigns.loader import find_campaign

    try:
        return find_campaign(directory or config.campaigns_dir, campaign_id)
    except CampaignLoadError as exc:
        fail("\n".join(str(error) for error in exc.errors))


def publishers(config: Settings, mode: Mode) -> PublisherFor:
    """``(platform, account) -> Publisher``, built once per account."""
    from bot.config import Mode
    from bot.platforms.dryrun import DryRunPublisher

    cache: dict[tuple[str, str], object] = {}

    def publisher_for(platform: str, account: str):  # type: ignore[no-untyped-def]
        if (platform, account) not in cache:
            if mode is Mode.DRY_RUN:
                cache[platform, account] = DryRunPublisher(platform, account)
            else:
                from bot.platforms.registry import build_publisher

                cache[platform, account] = build_publisher(platform, account, config, live=True)
        return cache[platform, account]

    return publisher_for


def build_clients(config: Settings, publisher_for: PublisherFor) -> None:
    """Build each configured account's client now, outside any transaction.

    Built on first use, a client would be built inside the claim transaction,
    and importing a platform library takes seconds (atproto): on SQLite the
    process would hold the write lock all that time, and `advocacy-bot pause`
    would wait for it. A half-configured account stops the command here, with
    the missing setting named, rather than at its first post.
    """
    from bot.config import ConfigError
    from bot.platforms.accounts import configured_accounts

    try:
        for platform, account in configured_accounts(config):
            publisher_for(platform, account)
    except ConfigError as exc:
        fail(str(exc))


def _print_post(post: PlannedPost | object, *, status: str | None = None) -> None:
    platform = post.platform
    account = post.account
    text = post.text
    targets = post.targets
    header = f"[{platform}:{account}]"
    if status:
        header += f" {status}"
    length = getattr(post, "length", None)
    limit = getattr(post, "limit", None)
    if length is not None:
        header += f"  {length}/{limit}" if limit else f"  {length} chars"
    click.secho(header, bold=True)
    for line in text.splitlines():
        click.echo(f"    {line}")
    tagged = [f"@{t.handle}" if t.handle else f"{t.name} (named)" for t in targets]
    click.echo(f"    targets: {', '.join(tagged) if tagged else 'none'}")


def _print_report(report: RunReport) -> None:
    if report.error:
        click.secho(f"✗ {report.campaign_id}: {report.error}", fg="red")
        return
    click.secho(f"● {report.campaign_id}: {len(report.posts)} post(s) planned", fg="cyan")
    for note in report.notes:
        click.echo(f"  note: {note}")
    for post in report.posts:
        _print_post(post, status=post.status)


def _print_outcome(outcome: Outcome) -> None:
    colour = {"posted": "green", "dry_run": "green", "failed": "red", "unknown": "red"}
    detail = f": {outcome.detail}" if outcome.detail else ""
    click.secho(
        f"  post #{outcome.post_id} → {outcome.status}{detail}", fg=colour.get(outcome.status)
    )


@click.command()
@click.option("--once", is_flag=True, help="Run what is due now, publish, and exit.")
@click.option(
    "--campaign",
    "campaign_ids",
    multiple=True,
    metavar="ID",
    help="With --once: run this campaign now, regardless of its schedule (repeatable).",
)
@click.option("--all", "run_all", is_flag=True, help="With --once: run every enabled campaign now.")
@click.option("--live", is_flag=True, help="Really post (default: dry run, nothing leaves).")
@click.option("--campaigns-dir", type=click.Path(path_type=Path, file_okay=False), default=None)
@click.option("-v", "--verbose", is_flag=True, help="Log what the scheduler does.")
def run(
    once: bool,
    campaign_ids: tuple[str, ...],
    run_all: bool,
    live: bool,
    campaigns_dir: Path | None,
    verbose: bool,
) -> None:
    """Plan and publish posts on each campaign's schedule.

    Without --once this is the long-running scheduler (the Procfile's worker).
    Dry run is the default: posts are logged as `dry_run` and nothing leaves
    the machine. Pass --live or set BOT_MODE=live to post for real.
    """
    from bot.clock import SystemClock
    from bot.config import Mode
    from bot.schedule import runner
    from bot.schedule.worker import publish_due

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = settings()
    mode = Mode.LIVE if live else config.mode
    if (campaign_ids or run_all) and not once:
        fail("--campaign and --all go with --once")
    click.secho(
        "LIVE: posts will be published."
        if mode is Mode.LIVE
        else "Dry run: nothing leaves this machine (use --live to post).",
        fg="red" if mode is Mode.LIVE else "yellow",
        err=True,
    )
    db = database(config)
    clock = SystemClock()
    publisher_for = publishers(config, mode)
    guard = _guard(config, mode)
    build_clients(config, publisher_for)
    if campaign_ids:
        selected = [_one_campaign(config, campaigns_dir, cid) for cid in campaign_ids]
    else:
        selected = _campaigns(config, campaigns_dir)
    if mode is Mode.LIVE and any(
        "x" in c.campaign.platforms for c in selected if c.campaign.enabled
    ):
        from bot.guard import automated_label_reminder

        click.secho(automated_label_reminder(), fg="yellow", err=True)

    if not once:
        from bot.schedule.service import BotService

        campaigns = selected
        click.echo(f"scheduler started with {len(campaigns)} campaign(s); Ctrl-C stops it")
        BotService(
            db,
            campaigns,
            publisher_for,
            mode=mode,
            clock=clock,
            guard=guard,
            on_report=_print_report,
            on_outcome=_print_outcome,
        ).run_forever()
        return

    now = clock.now()
    if campaign_ids:
        reports = [runner.run_campaign(db, c, mode=mode, now=now, fire_time=now) for c in selected]
    elif run_all:
        reports = [
            runner.run_campaign(db, c, mode=mode, now=now, fire_time=now)
            for c in selected
            if c.campaign.enabled
        ]
    else:
        reports = runner.run_due(db, selected, mode=mode, now=now)
    if not reports:
        click.echo("nothing is due now (use --campaign ID or --all to run regardless)")
    for report in reports:
        _print_report(report)
    _print_pauses(db, clock.now())
    outcomes = publish_due(db, publisher_for, mode=mode, clock=clock, guard=guard)
    if outcomes:
        click.secho("publishing:", bold=True)
    for outcome in outcomes:
        _print_outcome(outcome)
    failed = [r for r in reports if r.error]
    raise SystemExit(1 if failed else 0)


def _print_pauses(db, now) -> None:  # type: ignore[no-untyped-def]
    """Say what is paused, so an empty publish is never a mystery."""
    from sqlalchemy import or_, select

    from bot.store.models import Pause

    with db.new_session() as session:
        pauses = session.scalars(
            select(Pause).where(or_(Pause.until.is_(None), Pause.until > now))
        ).all()
    for pause in pauses:
        until = f" until {pause.until:%Y-%m-%d %H:%M} UTC" if pause.until else ""
        click.secho(f"paused {pause.scope}{until}: {pause.reason or ''}", fg="yellow")


def _guard(config: Settings, mode: Mode):  # type: ignore[no-untyped-def]
    """The policy guard for this run (platform rules and organizer policy)."""
    try:
        from bot.guard import guard_for
    except ImportError:
        from bot.schedule.worker import allow_all

        return allow_all
    return guard_for(config, mode)


@click.command()
@click.argument("campaign_id", metavar="CAMPAIGN")
@click.option("--platform", "platform_names", type=PLATFORM_CHOICE, multiple=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (see docs/cli.md).")
@click.option("--campaigns-dir", type=click.Path(path_type=Path, file_okay=False), default=None)
def preview(
    campaign_id: str, platform_names: tuple[str, ...], as_json: bool, campaigns_dir: Path | None
) -> None:
    """Show the posts CAMPAIGN's next run would make, with their counted length."""
    from bot.campaigns.schema import Platform
    from bot.clock import SystemClock
    from bot.schedule.runner import preview as plan_preview

    config = settings()
    loaded = _one_campaign(config, campaigns_dir, campaign_id)
    platforms = [Platform(name) for name in platform_names] or None
    if platforms:
        missing = [p.value for p in platforms if p not in loaded.campaign.platforms]
        if missing:
            fail(f"campaign {campaign_id} does not post on {', '.join(missing)}")
    now = SystemClock().now()
    plan = plan_preview(database(config), loaded, mode=config.mode, now=now, platforms=platforms)
    if as_json:
        click.echo(json.dumps(preview_json(campaign_id, now, plan), indent=2, ensure_ascii=False))
        return
    for post in plan.posts:
        _print_post(post)
    for note in plan.notes:
        click.echo(f"note: {note}")
    if not plan.posts:
        click.echo("the next run would post nothing")


def preview_json(campaign_id: str, now, plan) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The stable shape of ``preview --json`` (documented in docs/cli.md)."""
    return {
        "campaign": campaign_id,
        "generated_at": now.isoformat(),
        "posts": [
            {
                "key": post.key,
                "platform": post.platform,
                "account": post.account,
                "bill": post.bill,
                "variant": post.variant,
                "text": post.text,
                "length": post.length,
                "limit": post.limit,
                "link": post.link,
                "targets": [
                    {
                        "id": t.person_id,
                        "name": t.name,
                        "handle": t.handle,
                        "tagged": bool(t.handle),
                    }
                    for t in post.targets
                ],
            }
            for post in plan.posts
        ],
        "notes": plan.notes,
    }
