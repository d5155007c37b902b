"""Publishing: claim due posts from the log, ask the guard, call the platform, record.

Two-phase, so a crash can never lose a post or send one twice blindly:

1. in one transaction, check pauses and the guard, then move the post to
   ``sending`` with this worker's lease, and commit;
2. call the platform (no transaction open);
3. in a second transaction, record the attempt and the post's new state.

A post left in ``sending`` by a dead worker is reconciled, never resent
blindly (see :func:`reconcile_stale`).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.config import Mode
from bot.platforms.base import (
    Failure,
    Mention,
    OutgoingPost,
    Publisher,
    PublishError,
    PublishResult,
)
from bot.store import queries
from bot.store.db import Database
from bot.store.models import Attempt, Post, Status

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
PublisherFor = Callable[[str, str], Publisher]
"""``(platform, account) -> Publisher``."""


@dataclass(frozen=True)
class Verdict:
    """The guard's answer for one post (see :mod:`bot.guard`)."""

    kind: str
    """``allow``, ``hold``, ``defer`` or ``skip``."""
    reason: str | None = None
    until: datetime | None = None


GuardCheck = Callable[[Session, Post, datetime], Verdict]


def allow_all(session: Session, post: Post, now: datetime) -> Verdict:
    return Verdict("allow")


@dataclass(frozen=True)
class Outcome:
    post_id: int
    status: str
    detail: str | None = None


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def outgoing(post: Post) -> OutgoingPost:
    return OutgoingPost(
        key=post.key,
        platform=post.platform,
        account=post.account,
        text=post.text,
        mentions=tuple(Mention(t.person_id, t.handle) for t in post.targets if t.handle),
        link=post.link,
    )


def publish_due(
    db: Database,
    publisher_for: PublisherFor,
    *,
    mode: Mode,
    clock: Clock,
    guard: GuardCheck = allow_all,
    worker: str | None = None,
    limit: int = 100,
) -> list[Outcome]:
    """Publish every queued post whose time has come (up to ``limit``)."""
    worker = worker or worker_id()
    with db.new_session() as session:
        ids = queries.due_post_ids(session, mode, clock.now(), limit)
    return [
        outcome
        for post_id in ids
        if (
            outcome := publish_one(
                db, post_id, publisher_for, mode=mode, clock=clock, guard=guard, worker=worker
            )
        )
    ]


def publish_one(
    db: Database,
    post_id: int,
    publisher_for: PublisherFor,
    *,
    mode: Mode,
    clock: Clock,
    guard: GuardCheck = allow_all,
    worker: str,
) -> Outcome | None:
    """Take one queued post through the two phases; None if another worker took it."""
    now = clock.now()
    with db.session() as session:
        post = session.get(Post, post_id)
        if post is None or post.status != Status.QUEUED.value:
            return None
        pause = queries.active_pause(session, post.campaign_id, post.platform, post.account, now)
        if pause is not None:
            return Outcome(
                post_id, Status.QUEUED.value, f"paused ({pause.scope}): {pause.reason or ''}"
            )
        verdict = guard(session, post, now)
        if verdict.kind != "allow":
            return _apply_verdict(post, verdict, now)
        if not queries.claim(session, post_id, worker, now, now + LEASE):
            return None
        message = outgoing(post)
        publisher = publisher_for(post.platform, post.account)

    started = clock.now()
    try:
        result = publisher.publish(message)
    except PublishError as error:
        return _record_failure(db, post_id, error, started, clock.now(), worker)
    except Exception as exc:  # a bug or an unmapped library error: treat as "maybe sent"
        log.exception("publisher for %s crashed", message.platform)
        error = PublishError(Failure.MAYBE_SENT, f"unexpected error: {type(exc).__name__}")
        return _record_failure(db, post_id, error, started, clock.now(), worker)
    return _record_success(db, post_id, result, started, clock.now(), worker, live=publisher.live)


def _apply_verdict(post: Post, verdict: Verdict, now: datetime) -> Outcome:
    post.updated_at = now
    if verdict.kind == "hold":
        post.status, post.reason = Status.HELD.value, verdict.reason
    elif verdict.kind == "skip":
        post.status, post.reason = Status.SKIPPED.value, verdict.reason
    elif verdict.kind == "defer":
        post.next_attempt_at, post.reason = verdict.until, verdict.reason
    return Outcome(post.id, post.status, verdict.reason)


def _record_success(
    db: Database,
    post_id: int,
    result: PublishResult,
    started: datetime,
    finished: datetime,
    worker: str,
    *,
    live: bool,
) -> Outcome:
    with db.session() as session:
        post = session.get_one(Post, post_id)
        post.status = (Status.POSTED if live else Status.DRY_RUN).value
        post.remote_id, post.remote_url, post.cost = result.remote_id, result.url, result.cost
        post.error = None
        post.reason = None
        post.lease_owner = post.lease_expires = post.next_attempt_at = None
        post.updated_at = finished
        session.add(
            Attempt(
                post_id=post_id,
                started_at=started,
                finished_at=finished,
                outcome="ok",
                rate_limit_remaining=result.rate_limit_remaining,
                rate_limit_reset=result.rate_limit_reset,
                worker=worker,
            )
        )
        return Outcome(post_id, post.status, result.url)


def _record_failure(
    db: Database,
    post_id: int,
    error: PublishError,
    started: datetime,
    finished: datetime,
    worker: str,
) -> Outcome:
    with db.session() as session:
        post = session.get_one(Post, post_id)
        session.add(
            Attempt(
                post_id=post_id,
                started_at=started,
                finished_at=finished,
                outcome=error.kind.value,
                http_status=error.http_status,
                error=error.message,
                rate_limit_reset=error.retry_at,
                worker=worker,
            )
        )
        post.lease_owner = post.lease_expires = None
        post.updated_at = finished
        post.error = str(error)
        scope = f"account:{post.platform}:{post.account}"
        match error.kind:
            case Failure.RATE_LIMITED:
                until = error.retry_at or finished + timedelta(minutes=15)
                post.status, post.next_attempt_at = Status.QUEUED.value, until
                queries.set_pause(
                    session, scope, f"rate limited by {post.platform}", finished, until
                )
            case Failure.AUTH | Failure.PAYMENT:
                post.status = Status.QUEUED.value
                what = "credentials rejected" if error.kind is Failure.AUTH else "out of credits"
                queries.set_pause(
                    session,
                    scope,
                    f"{what}: {error.message}. Fix the account, then "
                    f"`advocacy-bot resume --account {post.platform}:{post.account}`",
                    finished,
                )
            case Failure.TRANSIENT if post.attempt_count < MAX_ATTEMPTS:
                post.status = Status.QUEUED.value
                post.next_attempt_at = finished + timedelta(seconds=30 * 2**post.attempt_count)
            case Failure.MAYBE_SENT:
                post.status = Status.UNKNOWN.value
                post.reason = "the platform call may have gone through; reconcile before resending"
            case Failure.DUPLICATE:
                post.status = Status.FAILED.value
                post.reason = "the platform says this text was already posted; not retried"
            case _:
                post.status = Status.FAILED.value
        return Outcome(post_id, post.status, str(error))
