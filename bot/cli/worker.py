"""``advocacy-bot worker`` (publishing only) and ``advocacy-bot resolve``."""

from __future__ import annotations

import signal
import threading

import click

from bot.cli.common import database, fail, settings


@click.command()
@click.option("--live", is_flag=True, help="Really post (default: dry run, nothing leaves).")
@click.option("--once", is_flag=True, help="Publish what is due now, then exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls when idle.")
def worker(live: bool, once: bool, interval: float) -> None:
    """Publish queued posts; never plans.

    `advocacy-bot run` already publishes. On PostgreSQL, start as many extra
    workers as you like: they claim posts with FOR UPDATE SKIP LOCKED and a
    lease, so each post is sent by one worker, and a post left behind by a
    worker that died is reconciled with the platform, never resent blindly.
    """
    from bot.cli.run import _guard, _print_outcome, publishers
    from bot.clock import SystemClock
    from bot.config import Mode
    from bot.schedule.worker import publish_due, reconcile_stale, worker_id

    config = settings()
    mode = Mode.LIVE if live else config.mode
    db = database(config)
    clock = SystemClock()
    publisher_for = publishers(config, mode)
    guard = _guard(config, mode)
    me = worker_id()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"worker {me} publishing ({mode.value}); Ctrl-C stops it", err=True)
    while not stop.is_set():
        outcomes = reconcile_stale(db, publisher_for, clock=clock, worker=me)
        outcomes += publish_due(db, publisher_for, mode=mode, clock=clock, guard=guard, worker=me)
        for outcome in outcomes:
            _print_outcome(outcome)
        if once:
            break
        if not outcomes:
            stop.wait(interval)


@click.command()
@click.argument("post_id", type=int)
@click.option("--posted", "decision", flag_value="posted", help="It went out.")
@click.option("--not-posted", "decision", flag_value="not_posted", help="It did not: send again.")
@click.option("--remote-id", help="With --posted: the platform's id for the post.")
@click.option("--url", help="With --posted: the post's public URL.")
def resolve(post_id: int, decision: str | None, remote_id: str | None, url: str | None) -> None:
    """Decide what happened to a post whose outcome is `unknown`.

    A post is `unknown` when the bot was interrupted while sending it and the
    platform offers no way to check (X without read access). Look at the
    account's timeline, then say --posted (with --remote-id/--url if you have
    them) or --not-posted to queue it again.
    """
    from datetime import UTC, datetime

    from bot.schedule.worker import resolve_unknown

    if decision is None:
        fail("say --posted or --not-posted")
    try:
        post = resolve_unknown(
            database(),
            post_id,
            posted=decision == "posted",
            now=datetime.now(UTC),
            remote_id=remote_id,
            url=url,
        )
    except (LookupError, ValueError) as exc:
        fail(str(exc))
    click.echo(f"post #{post.id} is now {post.status}")
