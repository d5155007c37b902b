"""``advocacy-bot worker`` (publishing only) and ``advocacy-bot resolve``."""

from __future__ import annotations

import logging

import click

from bot.cli.common import database, fail, settings, stop_on_signals, without_secrets

log = logging.getLogger(__name__)

#: The longest wait between two tries after the loop failed (the database went away...).
MAX_ERROR_WAIT = 60.0

#: A number of seconds above zero (the worker's --interval and --lease).
POSITIVE_SECONDS = click.FloatRange(min=0, min_open=True)


@click.command()
@click.option("--live", is_flag=True, help="Really post (default: dry run, nothing leaves).")
@click.option("--once", is_flag=True, help="Publish what is due now, then exit.")
@click.option(
    "--interval",
    type=POSITIVE_SECONDS,
    default=2.0,
    show_default=True,
    help="Seconds between polls when idle.",
)
@click.option(
    "--lease",
    type=POSITIVE_SECONDS,
    default=300.0,
    show_default=True,
    help="Seconds a claimed post stays this worker's; after that, if this worker died, "
    "another one reconciles the post. Keep it well above the slowest platform call.",
)
def worker(live: bool, once: bool, interval: float, lease: float) -> None:
    """Publish queued posts; never plans.

    `advocacy-bot run` already publishes. On PostgreSQL, start as many extra
    workers as you like: they claim posts with FOR UPDATE SKIP LOCKED and a
    lease, so each post is sent by one worker, and a post left behind by a
    worker that died is reconciled with the platform, never resent blindly.

    The campaign files (CAMPAIGNS_DIR) are read for each campaign's end date
    and quiet hours, which hold for every post; a live post whose campaign
    file is broken or gone waits until it is fixed.
    """
    from datetime import timedelta

    from sqlalchemy.exc import DBAPIError

    from bot.cli.run import (
        _print_outcome,
        _schedules,
        build_clients,
        make_guard,
        publishers,
        publishing_clock,
    )
    from bot.config import Mode
    from bot.errors import AdvocacyBotError
    from bot.schedule.worker import publish_due, reconcile_stale, worker_id
    from bot.store.spool import Spool

    config = settings()
    mode = Mode.LIVE if live else config.mode
    db = database(config)
    clock = publishing_clock(db)
    spool = Spool(config.spool_dir)
    publisher_for = publishers(config, mode)
    schedules, unloaded = _schedules(config, None)
    if unloaded:
        click.secho(
            f"warning: {', '.join(unloaded)} did not load: live posts of campaigns without "
            "a loaded file wait (run `advocacy-bot validate`)",
            fg="yellow",
            err=True,
        )
    guard = make_guard(config, mode, schedules)
    build_clients(config, publisher_for)
    if not once:
        from bot.notify.background import start_sweeper

        start_sweeper(config, db, clock)  # NOTIFY_*: tell the organisation (docs/notifications.md)
    me = worker_id()
    held = timedelta(seconds=lease)
    stop = stop_on_signals("the post in flight")
    click.echo(f"worker {me} publishing ({mode.value}); Ctrl-C stops it", err=True)
    failures = 0
    while not stop.is_set():
        try:
            outcomes = reconcile_stale(
                db,
                publisher_for,
                clock=clock,
                worker=me,
                lease=held,
                stopping=stop.is_set,
                spool=spool,
            )
            outcomes += publish_due(
                db,
                publisher_for,
                mode=mode,
                clock=clock,
                guard=guard,
                worker=me,
                lease=held,
                stopping=stop.is_set,
                spool=spool,
            )
        except Exception as exc:
            # The database went away or is locked, or a bug: the worker keeps running.
            # A post caught mid-way stays `sending` under this worker's lease and is
            # reconciled when the lease runs out, like a crashed worker's.
            failures += 1
            wait = min(interval * 2**failures, MAX_ERROR_WAIT)
            known = isinstance(exc, AdvocacyBotError)  # said in words: no traceback
            if not known and not isinstance(exc, DBAPIError):  # a bug: show where it broke
                log.error("the worker loop failed", exc_info=True)
            text = without_secrets(str(exc)).strip()
            summary = text.splitlines()[0][:300] if text else ""
            what = summary if known else f"{type(exc).__name__}: {summary}"
            click.secho(
                f"error: {what}; trying again in {wait:.1f} s",
                fg="red",
                err=True,
            )
            if once:
                raise SystemExit(1) from None
            stop.wait(wait)
            continue
        failures = 0
        for outcome in outcomes:
            _print_outcome(outcome)
        if once:
            break
        if not outcomes:
            stop.wait(interval)
    if stop.is_set():
        click.echo(f"worker {me} stopped", err=True)


@click.command()
@click.argument("post_id", type=click.IntRange(min=1))
@click.option("--posted", is_flag=True, help="It went out.")
@click.option("--not-posted", is_flag=True, help="It did not: send again.")
@click.option("--remote-id", help="With --posted: the platform's id for the post.")
@click.option("--url", help="With --posted: the post's public URL.")
def resolve(
    post_id: int, posted: bool, not_posted: bool, remote_id: str | None, url: str | None
) -> None:
    """Decide what happened to a post whose outcome is `unknown`.

    A post is `unknown` when the bot was interrupted while sending it and the
    platform offers no way to check (X without read access). Look at the
    account's timeline, then say --posted (with --remote-id/--url if you have
    them) or --not-posted to queue it again.
    """
    from datetime import UTC, datetime

    from bot.schedule.worker import resolve_unknown

    if posted == not_posted:
        fail("say --posted or --not-posted" + (", not both" if posted else ""))
    if not_posted and (remote_id or url):
        fail("--remote-id and --url go with --posted: a post that did not go out has neither")
    if url is not None and not url.lower().startswith(("https://", "http://")):
        fail(f"--url {url!r}: give the post's public http(s):// address")
    try:
        post = resolve_unknown(
            database(),
            post_id,
            posted=posted,
            now=datetime.now(UTC),
            remote_id=remote_id,
            url=url,
        )
    except (LookupError, ValueError) as exc:
        fail(str(exc))
    click.echo(f"post #{post.id} is now {post.status}")
