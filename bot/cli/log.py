"""``advocacy-bot log``: what went out, when, to whom, and what failed."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, TextIO

import click

from bot.cli.common import database, database_problem, fail, require_campaign, settings
from bot.posts import STATUSES as STATUSES  # plain values: `log --help` loads no SQLAlchemy

if TYPE_CHECKING:
    from bot.store.exports import Connect, LogFilter
    from bot.store.models import Post


def parse_since(value: str) -> datetime:
    """``7d``, ``12h``, ``2026-11-01`` or an ISO datetime, as an aware UTC datetime."""
    from bot.durations import parse_duration

    try:
        return datetime.now(UTC) - parse_duration(value)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--since {value!r}: give a duration (7d, 12h) or a date (2026-11-01)")
    if isinstance(moment, date) and not isinstance(moment, datetime):
        moment = datetime.combine(moment, time.min)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def post_record(post: Post) -> dict[str, object]:
    """One post as a flat record (the shape of --json and --csv)."""
    return {
        "id": post.id,
        "created_at": post.created_at.isoformat(),
        "campaign": post.campaign_id,
        "bill": post.bill,
        "platform": post.platform,
        "account": post.account,
        "status": post.status,
        "targets": [{"id": t.person_id, "name": t.name, "handle": t.handle} for t in post.targets],
        "text": post.text,
        "remote_id": post.remote_id,
        "remote_url": post.remote_url,
        "reason": post.reason,
        "error": post.error,
        "cost": post.cost,
    }


def _targets_text(post: Post) -> str:
    return ", ".join(f"@{t.handle}" if t.handle else t.name for t in post.targets)


@click.command()
@click.option("--campaign", help="Only this campaign id.")
@click.option("--platform", type=click.Choice(["x", "facebook", "bluesky", "mastodon"]))
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--since", help="A duration back from now (7d, 12h) or a date (2026-11-01).")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="How many posts, newest first.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON array.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row.")
def log(
    campaign: str | None,
    platform: str | None,
    status: str | None,
    since: str | None,
    limit: int,
    as_json: bool,
    as_csv: bool,
) -> None:
    """List the post log, newest first.

    A --campaign that is neither in the campaigns folder nor in the log is
    an error (a typo would otherwise look like an empty log).
    """
    from bot.store.exports import LogFilter

    if as_json and as_csv:
        fail("choose one of --json and --csv")
    filters = LogFilter(
        campaign=campaign,
        platform=platform,
        status=status,
        since=parse_since(since) if since else None,
    )
    config = settings()
    if (as_json or as_csv) and campaign is None:
        # Through the driver alone, when the schema is current: no SQLAlchemy to import.
        from bot.store import exports

        url = config.database_url
        dialect = exports.dialect_of(url) or "sqlite"
        try:
            connections = exports.open_current(url, busy_timeout=config.busy_timeout)
            if connections is not None:
                try:
                    export(connections, dialect, filters, limit, as_json)
                finally:
                    connections.close()
                return
        except exports.driver_errors(dialect) as exc:
            fail(database_problem(url, exc))
    db = database(config)
    if campaign is not None:
        with db.read_session() as session:
            require_campaign(config, session, campaign)
    if as_json or as_csv:
        from bot.store.exports import pooled

        export(pooled(db.engine), db.engine.dialect.name, filters, limit, as_json)
        return
    from bot.store.logs import list_posts

    with db.read_session() as session:
        posts = list_posts(session, filters, limit=limit)
        if not posts:
            click.echo("the post log has no posts matching that")
            return
        for post in posts:
            when = post.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
            colour = {"posted": "green", "failed": "red", "unknown": "red", "held": "yellow"}
            click.secho(
                f"#{post.id} {when} {post.campaign_id} {post.bill} {post.platform}:{post.account} "
                f"[{post.status}]",
                fg=colour.get(post.status),
                bold=True,
            )
            click.echo(f"    to: {_targets_text(post) or 'nobody'}")
            for line in post.text.splitlines():
                click.echo(f"    | {line}")
            if post.remote_url or post.remote_id:
                click.echo(f"    remote: {post.remote_url or post.remote_id}")
            if post.reason:
                click.echo(f"    reason: {post.reason}")
            if post.error:
                click.echo(f"    error: {post.error}")


def export(connect: Connect, dialect: str, filters: LogFilter, limit: int, as_json: bool) -> None:
    """The log as JSON or CSV on stdout, written by the database a chunk at a time
    (:mod:`bot.store.exports`)."""
    from bot.store.exports import export_chunks

    shape = "json" if as_json else "csv"
    chunks = export_chunks(connect, dialect, filters, limit=limit, shape=shape)
    (write_json if as_json else write_csv)(chunks, sys.stdout)


def write_json(chunks: Iterable[str], out: TextIO) -> None:
    """Chunks of :func:`bot.store.exports.export_chunks` (``shape="json"``) as one JSON
    array, a record per line, written as they come.

    One compact line per post (not an indented document), which suits
    ``grep`` and ``jq -c``; the database writes each line.
    """
    from bot.store.exports import json_texts

    for text in json_texts(chunks):
        out.write(text)


def write_csv(chunks: Iterable[str], out: TextIO) -> None:
    """Chunks of :func:`bot.store.exports.export_chunks` (``shape="csv"``) as CSV with a
    header row; targets as ``Name (@handle); Name``."""
    from bot.store.exports import csv_texts

    for text in csv_texts(chunks):
        out.write(text)
