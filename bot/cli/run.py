"""``advocacy-bot run`` and ``advocacy-bot preview``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import database, fail, settings, stop_on_signals
from bot.clock import Clock, SystemClock

if TYPE_CHECKING:
    from bot.campaigns.loaded import LoadedCampaign
    from bot.campaigns.schema import Schedule
    from bot.compose.plan import Plan, PlannedPost
    from bot.config import Mode, Settings
    from bot.platforms.base import Publisher
    from bot.schedule.runner import RunReport
    from bot.schedule.worker import GuardCheck, Outcome, PublisherFor
    from bot.store.db import Database
    from bot.store.queries import LoggedPost

PLATFORM_CHOICE = click.Choice(["x", "facebook", "bluesky", "mastodon"])

#: The clock ``run`` and ``preview`` read; tests set it to run at a chosen time. None:
#: publishing reads the database's clock (one time for every worker, bot.store.clock),
#: a preview this host's.
CLOCK: Callable[[], Clock] | None = None


def publishing_clock(db: Database) -> Clock:
    """The clock leases and backoffs are measured by: the database server's."""
    from bot.store.clock import DatabaseClock

    return CLOCK() if CLOCK is not None else DatabaseClock(db)


def _campaigns(config: Settings, directory: Path | None) -> tuple[list[LoadedCampaign], list[str]]:
    """Load every campaign, reporting broken ones: the good campaigns and the skipped files."""
    from bot.campaigns.loader import load_campaigns

    folder = directory or config.campaigns_dir
    if not folder.is_dir():
        fail(f"no campaigns folder at {folder}; create it or set CAMPAIGNS_DIR")
    loaded, errors = load_campaigns([folder])
    for error in errors:
        click.secho(f"skipped: {error}", fg="yellow", err=True)
    return loaded, list(dict.fromkeys(_shown(error.path) for error in errors))


def _shown(path: Path) -> str:
    """``path`` relative to the working directory where it lies under it (as users type it)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _schedules(config: Settings, directory: Path | None) -> tuple[dict[str, Schedule], list[str]]:
    """Campaign id -> schedule for every campaign file that loads (for the guard), and
    the files that do not.

    A broken file gives no schedule, so the guard holds its campaign's live
    posts back (fails closed) rather than publishing them unchecked.
    """
    from bot.campaigns.loader import load_campaigns

    folder = directory or config.campaigns_dir
    if not folder.is_dir():
        return {}, [str(folder)]
    loaded, errors = load_campaigns([folder])
    skipped = list(dict.fromkeys(_shown(error.path) for error in errors))
    return {c.campaign.id: c.campaign.schedule for c in loaded}, skipped


def _named_campaigns(
    config: Settings, directory: Path | None, campaign_ids: tuple[str, ...]
) -> tuple[list[LoadedCampaign], dict[str, Schedule]]:
    """The campaigns named (exit 1 saying what is wrong with any of them), and every
    loadable campaign's schedule for the guard, from one load of the folder."""
    from bot.campaigns.errors import CampaignLoadError
    from bot.campaigns.loader import load_all, pick_campaign

    folder = directory or config.campaigns_dir
    found = load_all([folder])
    try:
        selected = [pick_campaign(found, folder, campaign_id) for campaign_id in campaign_ids]
    except CampaignLoadError as exc:
        fail("\n".join(str(error) for error in exc.errors))
    return selected, {loaded.campaign.id: loaded.campaign.schedule for loaded, _ in found.campaigns}


def run_summary(reports: list[RunReport], skipped_files: list[str]) -> str:
    """The last line of ``run --once``: how many campaigns ran, and which files were skipped.

    >>> run_summary([], ["campaigns/x.yaml"])
    '0 campaigns ran; 1 file skipped: campaigns/x.yaml (see above)'
    """
    ran = sum(1 for r in reports if r.ran and not r.error)
    parts = [f"{ran} campaign{'' if ran == 1 else 's'} ran"]
    not_run = sum(1 for r in reports if not r.ran)
    if not_run:
        parts.append(f"{not_run} not run (see {'its note' if not_run == 1 else 'their notes'})")
    failed = sum(1 for r in reports if r.error)
    if failed:
        parts.append(f"{failed} failed")
    if skipped_files:
        count = len(skipped_files)
        parts.append(
            f"{count} file{'' if count == 1 else 's'} skipped: {', '.join(skipped_files)} "
            "(see above)"
        )
    return "; ".join(parts)


def _one_campaign(config: Settings, directory: Path | None, campaign_id: str) -> LoadedCampaign:
    from bot.campaigns.errors import CampaignLoadError
    from bot.campaigns.loader import find_campaign

    try:
        return find_campaign(directory or config.campaigns_dir, campaign_id)
    except CampaignLoadError as exc:
        fail("\n".join(str(error) for error in exc.errors))


def publishers(config: Settings, mode: Mode) -> PublisherFor:
    """``(platform, account) -> Publisher``, built once per account.

    Whether that is a dry-run publisher is :func:`bot.platforms.registry.build_publisher`'s
    decision; this only says the mode (live only when it is :attr:`Mode.LIVE`).
    """
    from bot.config import Mode
    from bot.platforms.registry import build_publisher

    live = mode is Mode.LIVE
    cache: dict[tuple[str, str], Publisher] = {}

    def publisher_for(platform: str, account: str) -> Publisher:
        if (platform, account) not in cache:
            cache[platform, account] = build_publisher(platform, account, config, live=live)
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
        built = [publisher_for(p, a) for p, a in configured_accounts(config)]
    except ConfigError as exc:
        fail(str(exc))
    for publisher in built:
        _read_instance_limits(publisher)


def _read_instance_limits(publisher: object) -> None:
    """Ask a Mastodon instance its length limit now, so the first run plans against it.

    Best effort: an instance that does not answer is asked again at its first post,
    and until then the planner assumes Mastodon's default of 500 characters.
    """
    read = getattr(publisher, "instance_limits", None)
    if read is None:
        return
    from bot.platforms.base import PublishError

    try:
        read()
    except PublishError as exc:
        click.echo(f"note: could not read a Mastodon instance's limits yet ({exc})", err=True)


def _print_post(post: PlannedPost | LoggedPost, *, status: str | None = None) -> None:
    platform = post.platform
    account = post.account
    text = post.text
    targets = post.targets
    header = f"[{platform}:{account}]"
    if status:
        header += f" {status}"
    length, limit = post.length, post.limit
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
    if not report.ran:
        click.secho(f"○ {report.campaign_id}: not run", fg="yellow")
        for note in report.notes:
            click.echo(f"  note: {note.removeprefix('not run: ')}")
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


def waiting_line(status: str, reason: str | None, until: datetime | None) -> str:
    """How a planned post that was not published this round stands: its status, when, why.

    >>> waiting_line("queued", "posts on x are spaced by at least 30 min",
    ...              datetime(2026, 3, 2, 16, 30, tzinfo=UTC))
    'queued until 2026-03-02 16:30 UTC: posts on x are spaced by at least 30 min'
    """
    when = f" until {until.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if until else ""
    why = f": {reason}" if reason else ""
    return f"{status}{when}{why}"


def _print_publishing(db: Database, reports: list[RunReport], outcomes: list[Outcome]) -> None:
    """What publishing did, then every post this run planned that it did not publish.

    A post that must wait shows when it will be tried again. Posts of an
    account that must wait are passed over by the publisher (one UPDATE defers
    them all); they are listed too, so no planned post is left out.
    """
    published = {outcome.post_id for outcome in outcomes}
    rest = [post.id for report in reports for post in report.posts if post.id not in published]
    if not outcomes and not rest:
        return
    rows = _post_states(db, [o.post_id for o in outcomes if o.status == "queued"] + rest)
    click.secho("publishing:", bold=True)
    for outcome in outcomes:
        if outcome.post_id in rows:
            _, _, until = rows[outcome.post_id]
            line = waiting_line(outcome.status, outcome.detail, until)
            click.echo(f"  post #{outcome.post_id} → {line}")
        else:
            _print_outcome(outcome)
    for post_id in rest:
        status, reason, until = rows[post_id]
        click.echo(f"  post #{post_id} → {waiting_line(status, reason, until)}")


def _post_states(
    db: Database, ids: list[int]
) -> dict[int, tuple[str, str | None, datetime | None]]:
    """Post id -> (status, reason, when it is tried again if it is queued), from the log."""
    from sqlalchemy import select

    from bot.store.models import Post

    if not ids:
        return {}
    found: dict[int, tuple[str, str | None, datetime | None]] = {}
    with db.read_session() as session:
        for post_id, status, reason, until in session.execute(
            select(Post.id, Post.status, Post.reason, Post.next_attempt_at).where(Post.id.in_(ids))
        ):
            if until is not None and until.tzinfo is None:
                until = until.replace(tzinfo=UTC)
            found[post_id] = (status, reason, until if status == "queued" else None)
    return found


@click.command()
@click.option("--once", is_flag=True, help="Run what is due now, publish, and exit.")
@click.option(
    "--campaign",
    "campaign_ids",
    multiple=True,
    metavar="ID",
    help="With --once: run this campaign now, whatever its fire times (repeatable); "
    "its start and end dates and quiet hours still hold.",
)
@click.option(
    "--all",
    "run_all",
    is_flag=True,
    help="With --once: run every enabled campaign now, whatever its fire times.",
)
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

    Start and end dates hold for every way of running, and quiet hours for
    every live post. `run --once` exits 1 when a campaign file was skipped
    (or a campaign failed), after running the others.
    """
    from bot.config import Mode
    from bot.schedule import runner
    from bot.schedule.worker import publish_due, reconcile_stale
    from bot.store.spool import Spool

    check_run_flags(once=once, campaign_ids=campaign_ids, run_all=run_all)
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = settings()
    mode = Mode.LIVE if live else config.mode
    click.secho(
        "LIVE: posts will be published."
        if mode is Mode.LIVE
        else "Dry run: nothing leaves this machine (use --live to post).",
        fg="red" if mode is Mode.LIVE else "yellow",
        err=True,
    )
    db = database(config)
    clock = publishing_clock(db)
    spool = Spool(config.spool_dir)
    publisher_for = publishers(config, mode)
    skipped_files: list[str] = []
    if campaign_ids:
        selected, schedules = _named_campaigns(config, campaigns_dir, campaign_ids)
    else:
        selected, skipped_files = _campaigns(config, campaigns_dir)
        schedules = {c.campaign.id: c.campaign.schedule for c in selected}
    guard = make_guard(config, mode, schedules)
    build_clients(config, publisher_for)
    if mode is Mode.LIVE and any(
        "x" in c.campaign.platforms for c in selected if c.campaign.enabled
    ):
        from bot.guard import automated_label_reminder

        click.secho(automated_label_reminder(), fg="yellow", err=True)

    if not once:
        from bot.notify.background import start_sweeper
        from bot.schedule.service import BotService

        start_sweeper(config, db, clock)  # NOTIFY_*: tell the organisation (docs/notifications.md)

        campaigns = selected
        started = f"scheduler started with {len(campaigns)} campaign(s)"
        if skipped_files:
            started += f"; {run_summary([], skipped_files).partition('; ')[2]}"
        click.echo(f"{started}; Ctrl-C stops it")
        BotService(
            db,
            campaigns,
            publisher_for,
            mode=mode,
            clock=clock,
            guard=guard,
            on_report=_print_report,
            on_outcome=_print_outcome,
            spool=spool,
            stopping=stop_on_signals("the post in flight"),
            digest=daily_digest(config, db, campaigns),
        ).run_forever()
        click.echo("stopped", err=True)
        return

    stop = stop_on_signals("the post in flight")
    now = clock.now()
    if campaign_ids:
        reports = [runner.run_now(db, c, mode=mode, now=now) for c in selected]
    elif run_all:
        enabled = [c for c in selected if c.campaign.enabled]
        reports = [runner.run_now(db, c, mode=mode, now=now) for c in enabled]
    else:
        reports = runner.run_due(db, selected, mode=mode, now=now)
    if not reports:
        click.echo("nothing is due now (use --campaign ID or --all to run regardless)")
    for report in reports:
        _print_report(report)
    _print_pauses(db, clock.now())
    outcomes = reconcile_stale(db, publisher_for, clock=clock, stopping=stop.is_set, spool=spool)
    outcomes += publish_due(
        db, publisher_for, mode=mode, clock=clock, guard=guard, stopping=stop.is_set, spool=spool
    )
    _print_publishing(db, reports, outcomes)
    failed = [r for r in reports if r.error]
    if reports or skipped_files:
        summary = run_summary(reports, skipped_files)
        click.secho(summary, fg="red" if failed or skipped_files else None, err=bool(skipped_files))
    raise SystemExit(1 if failed or skipped_files else 0)


def daily_digest(
    config: Settings, db: Database, campaigns: list[LoadedCampaign]
) -> Callable[[datetime], object] | None:
    """The service's daily digest to supporters, where updates by email are set up
    (``UPDATES_SITE_URL`` and ``NOTIFY_SMTP_*``: docs/web.md); else None, and a wrong
    setting is said once."""
    from bot.config import ConfigError, Organisation
    from bot.web.digest import DigestJob, digest_time
    from bot.web.mail import UpdatesSettings

    try:
        mail_settings = UpdatesSettings.from_env(config.env)
        if mail_settings is None:
            return None
        at = digest_time(config.env.get("UPDATES_DIGEST_AT"))
    except ConfigError as problem:
        click.secho(f"no daily digest to supporters: {problem}", fg="yellow", err=True)
        return None
    try:
        org = Organisation.from_env(config).name
    except ConfigError:  # a wrong ORG_* link or colour: the emails still carry the name
        org = Organisation().name
    click.echo(f"daily digest to supporters: from {at:%H:%M} UTC, once a day")
    return DigestJob(db, mail_settings, list(campaigns), org, at)


def check_run_flags(*, once: bool, campaign_ids: tuple[str, ...], run_all: bool) -> None:
    """Reject flags that contradict each other (click's usage error, exit 2)."""
    if campaign_ids and run_all:
        raise click.UsageError(
            "--all and --campaign contradict each other: give --all to run every enabled "
            "campaign, or --campaign ID for the ones named"
        )
    if (campaign_ids or run_all) and not once:
        flag = "--all" if run_all else "--campaign"
        raise click.UsageError(f"{flag} goes with --once (`advocacy-bot run --once {flag} ...`)")


def _print_pauses(db: Database, now: datetime) -> None:
    """Say what is paused, so an empty publish is never a mystery."""
    from sqlalchemy import or_, select

    from bot.store.models import Pause

    with db.read_session() as session:
        pauses = session.scalars(
            select(Pause).where(or_(Pause.until.is_(None), Pause.until > now))
        ).all()
    for pause in pauses:
        until = f" until {pause.until:%Y-%m-%d %H:%M} UTC" if pause.until else ""
        click.secho(f"paused {pause.scope}{until}: {pause.reason or ''}", fg="yellow")


def make_guard(config: Settings, mode: Mode, schedules: Mapping[str, Schedule]) -> GuardCheck:
    """The policy guard for this run: platform rules, organizer policy, campaign schedules.

    Imported outright: a guard that cannot be built stops the command, never
    falls back to letting everything through.
    """
    from bot.guard import guard_for

    guard: GuardCheck = guard_for(config, mode, schedules=schedules)
    return guard


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
    from bot.schedule.runner import preview as plan_preview

    config = settings()
    loaded = _one_campaign(config, campaigns_dir, campaign_id)
    platforms = [Platform(name) for name in platform_names] or None
    if platforms:
        missing = [p.value for p in platforms if p not in loaded.campaign.platforms]
        if missing:
            fail(f"campaign {campaign_id} does not post on {', '.join(missing)}")
    now = (CLOCK or SystemClock)().now()
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


def preview_json(campaign_id: str, now: datetime, plan: Plan) -> dict[str, object]:
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
