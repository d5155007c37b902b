"""Organizer decisions: approve or reject held posts; pause and resume posting.

These are the emergency stop and the review queue, so they never accept a
name they do not know: a typo'd campaign, an account that is neither
configured nor in the log, a post id that is not held, or resuming what is
not paused are errors (exit 1, with the close match), and nothing changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from bot.cli.common import database, fail, require_account, require_campaign, settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def _check_selection(post_ids: tuple[int, ...], campaign: str | None, every: bool) -> None:
    """Exactly one way of naming posts: ids, or --campaign, or --all."""
    chosen = sum((bool(post_ids), campaign is not None, every))
    if chosen == 0:
        fail("name post ids, or --campaign ID, or --all")
    if chosen > 1:
        fail("give post ids, or --campaign ID, or --all: only one of them")


def not_held(statuses: dict[int, str], post_ids: tuple[int, ...]) -> list[str]:
    """What is wrong with each of ``post_ids`` that is not a held post (empty: all held)."""
    problems = []
    for post_id in dict.fromkeys(post_ids):
        status = statuses.get(post_id)
        if status is None:
            problems.append(f"no post #{post_id} in the log")
        elif status != "held":
            problems.append(f"post #{post_id} is {status}, not held")
    return problems


def _decide(post_ids: tuple[int, ...], campaign: str | None, every: bool, approve: bool) -> None:
    from datetime import UTC, datetime

    from bot.store.queries import approve_posts, post_statuses, reject_posts

    _check_selection(post_ids, campaign, every)
    config = settings()
    verb = "approved" if approve else "rejected"
    with database(config).session() as session:
        if campaign is not None:
            require_campaign(config, session, campaign)
        if post_ids:
            problems = not_held(post_statuses(session, post_ids), post_ids)
            if problems:
                fail(
                    f"{'; '.join(problems)}. Nothing was {verb}: name only held posts "
                    "(`advocacy-bot log --status held` lists them)"
                )
        now = datetime.now(UTC)
        if approve:
            decided = approve_posts(
                session, post_ids, campaign=campaign, every=every, by="cli", now=now
            )
        else:
            decided = reject_posts(session, post_ids, campaign=campaign, every=every, now=now)
    click.echo(f"{verb} {len(decided)} post(s)")


@click.command()
@click.argument("post_ids", nargs=-1, type=click.IntRange(min=1))
@click.option("--campaign", help="Every held post of this campaign.")
@click.option("--all", "every", is_flag=True, help="Every held post.")
def approve(post_ids: tuple[int, ...], campaign: str | None, every: bool) -> None:
    """Approve held posts (by id, or a campaign's, or all) so they can be published.

    Exits 1 and changes nothing if a post id is not a held post or the
    campaign is unknown.
    """
    _decide(post_ids, campaign, every, approve=True)


@click.command()
@click.argument("post_ids", nargs=-1, type=click.IntRange(min=1))
@click.option("--campaign", help="Every held post of this campaign.")
@click.option("--all", "every", is_flag=True, help="Every held post.")
def reject(post_ids: tuple[int, ...], campaign: str | None, every: bool) -> None:
    """Reject held posts: they will never be published.

    Exits 1 and changes nothing if a post id is not a held post or the
    campaign is unknown.
    """
    _decide(post_ids, campaign, every, approve=False)


def scope_of(campaign: str | None, account: str | None, every: bool) -> str:
    """The pause scope the options name: ``all``, ``campaign:ID`` or ``account:P:NAME``."""
    chosen = [x for x in (campaign, account, every or None) if x is not None]
    if len(chosen) != 1:
        fail("give exactly one of --campaign ID, --account PLATFORM:NAME or --all")
    if campaign is not None:
        return f"campaign:{campaign}"
    if account is not None:
        return f"account:{account}"
    return "all"


def _check_known(session: Session, campaign: str | None, account: str | None) -> None:
    config = settings()
    if campaign is not None:
        require_campaign(config, session, campaign)
    if account is not None:
        require_account(config, session, account)


@click.command()
@click.option("--campaign", help="Pause one campaign (in the campaigns folder or the log).")
@click.option("--account", help="Pause one account, as PLATFORM:NAME (configured or in the log).")
@click.option("--all", "every", is_flag=True, help="Pause everything.")
@click.option("--reason", default="paused by an organizer")
def pause(campaign: str | None, account: str | None, every: bool, reason: str) -> None:
    """Stop publishing (checked before every publish, by every worker).

    An unknown campaign or account is an error (exit 1, with the close
    match), so a typo never looks like a pause.
    """
    from datetime import UTC, datetime

    from bot.store.queries import set_pause

    scope = scope_of(campaign, account, every)
    with database().session() as session:
        _check_known(session, campaign, account)
        set_pause(session, scope, reason, datetime.now(UTC))
    click.echo(f"paused {scope}")


@click.command()
@click.option("--campaign", help="Resume one campaign.")
@click.option("--account", help="Resume one account, as PLATFORM:NAME.")
@click.option("--all", "every", is_flag=True, help="Resume everything.")
def resume(campaign: str | None, account: str | None, every: bool) -> None:
    """Undo a pause. Resuming what is not paused is an error (exit 1)."""
    from bot.campaigns.loader import suggest
    from bot.store.queries import clear_pause, pause_list

    scope = scope_of(campaign, account, every)
    with database().session() as session:
        if not clear_pause(session, scope):
            paused = [p.scope for p in pause_list(session)]
            hint = suggest(scope, paused)
            now = f"paused now: {', '.join(paused)}" if paused else "nothing is paused"
            fail("; ".join(x for x in (f"{scope} is not paused: nothing resumed", hint, now) if x))
    click.echo(f"resumed {scope}")
