"""Organizer decisions: approve or reject held posts; pause and resume posting."""

from __future__ import annotations

import click

from bot.cli.common import database, fail


def _decide(post_ids: tuple[int, ...], campaign: str | None, every: bool, approve: bool) -> None:
    from datetime import UTC, datetime

    from bot.store.queries import approve_posts, reject_posts

    if not (post_ids or campaign or every):
        fail("name post ids, or --campaign ID, or --all")
    db = database()
    now = datetime.now(UTC)
    with db.session() as session:
        if approve:
            posts = approve_posts(
                session, post_ids, campaign=campaign, every=every, by="cli", now=now
            )
        else:
            posts = reject_posts(session, post_ids, campaign=campaign, every=every, now=now)
        verb = "approved" if approve else "rejected"
        click.echo(f"{verb} {len(posts)} post(s)")
        missing = set(post_ids) - {p.id for p in posts}
        if missing:
            click.echo(f"not held (so unchanged): {', '.join(map(str, sorted(missing)))}")


@click.command()
@click.argument("post_ids", nargs=-1, type=int)
@click.option("--campaign", help="Every held post of this campaign.")
@click.option("--all", "every", is_flag=True, help="Every held post.")
def approve(post_ids: tuple[int, ...], campaign: str | None, every: bool) -> None:
    """Approve held posts (by id, or a campaign's, or all) so they can be published."""
    _decide(post_ids, campaign, every, approve=True)


@click.command()
@click.argument("post_ids", nargs=-1, type=int)
@click.option("--campaign", help="Every held post of this campaign.")
@click.option("--all", "every", is_flag=True, help="Every held post.")
def reject(post_ids: tuple[int, ...], campaign: str | None, every: bool) -> None:
    """Reject held posts: they will never be published."""
    _decide(post_ids, campaign, every, approve=False)


def _scope(campaign: str | None, account: str | None, every: bool) -> str:
    chosen = [x for x in (campaign, account, every or None) if x]
    if len(chosen) != 1:
        fail("give exactly one of --campaign ID, --account PLATFORM:NAME or --all")
    if campaign:
        return f"campaign:{campaign}"
    if account:
        if ":" not in account:
            fail("--account takes PLATFORM:NAME, e.g. x:default")
        return f"account:{account}"
    return "all"


@click.command()
@click.option("--campaign", help="Pause one campaign.")
@click.option("--account", help="Pause one account, as PLATFORM:NAME.")
@click.option("--all", "every", is_flag=True, help="Pause everything.")
@click.option("--reason", default="paused by an organizer")
def pause(campaign: str | None, account: str | None, every: bool, reason: str) -> None:
    """Stop publishing (checked before every publish, by every worker)."""
    from datetime import UTC, datetime

    from bot.store.queries import set_pause

    scope = _scope(campaign, account, every)
    with database().session() as session:
        set_pause(session, scope, reason, datetime.now(UTC))
    click.echo(f"paused {scope}")


@click.command()
@click.option("--campaign", help="Resume one campaign.")
@click.option("--account", help="Resume one account, as PLATFORM:NAME.")
@click.option("--all", "every", is_flag=True, help="Resume everything.")
def resume(campaign: str | None, account: str | None, every: bool) -> None:
    """Undo a pause."""
    from bot.store.queries import clear_pause

    scope = _scope(campaign, account, every)
    with database().session() as session:
        found = clear_pause(session, scope)
    click.echo(f"resumed {scope}" if found else f"{scope} was not paused")
