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
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.config import ConfigError, Mode
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
"""The policy guard (:func:`bot.guard.guard_for`): a required argument of every
publishing function, never defaulted, so no path publishes unchecked."""


@dataclass(frozen=True)
class Outcome:
    post_id: int
    status: str
    detail: str | None = None
    waiting_account: tuple[str, str] | None = None
    """(platform, account) when the post's account can publish nothing more this
    round (a cap, the spacing, a post in flight): :func:`publish_due` passes
    over its other posts."""


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
        created_at=post.created_at,
    )


def publish_due(
    db: Database,
    publisher_for: PublisherFor,
    *,
    mode: Mode,
    clock: Clock,
    guard: GuardCheck,
    worker: str | None = None,
    limit: int = 100,
    lease: timedelta = LEASE,
    stopping: Callable[[], bool] = lambda: False,
) -> list[Outcome]:
    """Publish queued posts whose time has come, oldest first (up to ``limit``).

    An account that must wait (its cap or spacing, a post in flight) is passed
    over for the rest of the round: with a backlog of thousands, asking the
    guard about each of its posts in turn would cost a transaction a post.
    ``stopping`` is asked before each post: once it says True (SIGTERM), the
    post in flight is finished and recorded, and no other is started.
    """
    worker = worker or worker_id()
    outcomes: list[Outcome] = []
    waiting: set[tuple[str, str]] = set()
    while len(outcomes) < limit and not stopping():
        outcome = publish_next(
            db,
            publisher_for,
            mode=mode,
            clock=clock,
            guard=guard,
            worker=worker,
            lease=lease,
            passing_over=waiting,
        )
        if outcome is None:
            break
        outcomes.append(outcome)
        if outcome.waiting_account:
            waiting.add(outcome.waiting_account)
    return outcomes


def publish_next(
    db: Database,
    publisher_for: PublisherFor,
    *,
    mode: Mode,
    clock: Clock,
    guard: GuardCheck,
    worker: str,
    lease: timedelta = LEASE,
    passing_over: Collection[tuple[str, str]] = (),
) -> Outcome | None:
    """Take the next due post through the two phases; None when nothing is due.

    Phase one locks the post (``SKIP LOCKED`` on PostgreSQL) and its account
    (one post in flight per account, see :func:`queries.lock_account`), checks
    pauses and the guard, and commits it as ``sending`` under this worker's
    lease. Only then is the platform called. Posts of the accounts in
    ``passing_over`` (platform, account) are not taken.
    """
    now = clock.now()
    with db.session() as session:
        post = queries.lock_next_due(session, mode, now, passing_over=passing_over)
        if post is None:
            return None
        account = (post.platform, post.account)
        queries.lock_account(session, *account)
        if queries.account_in_flight(session, *account, besides=post.id):
            return Outcome(
                post.id, Status.QUEUED.value, "another post of its account is in flight", account
            )
        verdict = guard(session, post, now)
        if verdict.kind != "allow":
            outcome = _apply_verdict(post, verdict, now)
            if verdict.account_wide and verdict.until is not None:
                # The account's other due posts get the same answer: defer them
                # together, and pass over the account for the rest of the round.
                queries.defer_account(session, *account, mode, now, verdict.until, verdict.reason)
                outcome = replace(outcome, waiting_account=account)
            return outcome
        try:
            publisher = publisher_for(post.platform, post.account)
        except ConfigError as error:
            return _pause_unconfigured(session, post, error, now)
        if not queries.claim(session, post.id, worker, now, now + lease):
            return Outcome(post.id, Status.SENDING.value, "taken by another worker")
        post_id, message = post.id, outgoing(post)

    started = clock.now()
    try:
        result = publisher.publish(message)
    except PublishError as error:
        if error.kind is Failure.MAYBE_SENT:
            return _reconcile(db, post_id, publisher, message, error, started, clock, worker)
        return _record_failure(db, post_id, error, started, clock.now(), worker)
    except Exception as exc:  # a bug or an unmapped library error: treat as "maybe sent"
        log.exception("publisher for %s crashed", message.platform)
        error = PublishError(Failure.MAYBE_SENT, f"unexpected error: {type(exc).__name__}")
        return _reconcile(db, post_id, publisher, message, error, started, clock, worker)
    return _record_success(db, post_id, result, started, clock.now(), worker, live=publisher.live)


def reconcile_stale(
    db: Database,
    publisher_for: PublisherFor,
    *,
    clock: Clock,
    worker: str | None = None,
    lease: timedelta = LEASE,
    stopping: Callable[[], bool] = lambda: False,
) -> list[Outcome]:
    """Settle posts left ``sending`` by a worker that died (its lease ran out).

    Never resends blindly: the platform is asked whether the post went out
    (:meth:`Publisher.reconcile`). Found: ``posted``. Confirmed absent: back to
    ``queued``. Cannot tell: ``unknown``, for a person (``advocacy-bot resolve``).
    """
    worker = worker or worker_id()
    now = clock.now()
    with db.new_session() as session:
        ids = queries.stale_sending_ids(session, now)
    outcomes = []
    for post_id in ids:
        if stopping():
            break
        with db.session() as session:
            if not queries.take_over_lease(session, post_id, worker, now, now + lease):
                continue
            post = session.get_one(Post, post_id)
            message = outgoing(post)
            publisher = publisher_for(post.platform, post.account)
        interrupted = PublishError(Failure.MAYBE_SENT, "the worker stopped while sending")
        outcomes.append(
            _reconcile(db, post_id, publisher, message, interrupted, now, clock, worker)
        )
    return outcomes


def _reconcile(
    db: Database,
    post_id: int,
    publisher: Publisher,
    message: OutgoingPost,
    cause: PublishError,
    started: datetime,
    clock: Clock,
    worker: str,
) -> Outcome:
    """Ask the platform whether an interrupted post went out, and record the answer."""
    check = getattr(publisher, "reconcile", None)
    try:
        found = check(message) if check else _cannot_check(message)
    except PublishError as error:
        detail = f"{cause.message}; {error.message}"
        return _record_failure(
            db,
            post_id,
            PublishError(Failure.MAYBE_SENT, detail, cause.http_status),
            started,
            clock.now(),
            worker,
        )
    except Exception as exc:
        log.exception("reconciling %s failed", message.platform)
        detail = f"{cause.message}; the check failed: {type(exc).__name__}"
        return _record_failure(
            db, post_id, PublishError(Failure.MAYBE_SENT, detail), started, clock.now(), worker
        )
    if found is not None:
        return _record_success(
            db, post_id, found, started, clock.now(), worker, live=publisher.live
        )
    with db.session() as session:  # the platform confirms it is not there: safe to send again
        post = session.get_one(Post, post_id)
        session.add(
            Attempt(
                post_id=post_id,
                started_at=started,
                finished_at=clock.now(),
                outcome="not_sent",
                error=cause.message,
                worker=worker,
            )
        )
        post.status, post.lease_owner, post.lease_expires = Status.QUEUED.value, None, None
        post.reason = "interrupted before the platform accepted it; queued again"
        post.updated_at = clock.now()
        post.next_attempt_at = _backoff(post.attempt_count, clock.now())
        if post.attempt_count >= MAX_ATTEMPTS:
            post.status, post.reason = Status.FAILED.value, f"gave up after {MAX_ATTEMPTS} attempts"
        return Outcome(post_id, post.status, post.reason)


def _cannot_check(message: OutgoingPost) -> PublishResult | None:
    raise PublishError(Failure.MAYBE_SENT, f"{message.platform} offers no way to check")


def resolve_unknown(
    db: Database,
    post_id: int,
    *,
    posted: bool,
    now: datetime,
    remote_id: str | None = None,
    url: str | None = None,
) -> Post:
    """A person's decision on an ``unknown`` post: it went out, or it did not (requeue)."""
    with db.session() as session:
        post = session.get(Post, post_id)
        if post is None:
            raise LookupError(f"no post #{post_id} in the log")
        if post.status != Status.UNKNOWN.value:
            raise ValueError(f"post #{post_id} is {post.status}, not unknown")
        if posted:
            post.status = Status.POSTED.value
            post.remote_id, post.remote_url = remote_id or post.remote_id, url or post.remote_url
            post.reason = "confirmed posted by an organizer"
        else:
            post.status = Status.QUEUED.value
            post.reason = "confirmed not posted by an organizer; queued again"
            post.next_attempt_at = None
        post.updated_at = now
        return post


def _pause_unconfigured(session: Session, post: Post, error: ConfigError, now: datetime) -> Outcome:
    """The account cannot be built (a credential missing): pause it, say how to resume.

    Retrying would only fail again every round; the pause shows on the
    dashboard and in ``advocacy-bot log``. (The message names settings, never
    their values.)
    """
    account = f"{post.platform}:{post.account}"
    reason = f"{error}. Fix the setting, then `advocacy-bot resume --account {account}`"
    queries.set_pause(session, f"account:{account}", reason, now)
    post.reason, post.updated_at = f"account paused: {error}", now
    log.error("account %s paused: %s", account, error)
    return Outcome(post.id, post.status, reason, (post.platform, post.account))


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
                post.next_attempt_at = _backoff(post.attempt_count, finished)
            case Failure.MAYBE_SENT:
                post.status = Status.UNKNOWN.value
                post.reason = "the platform call may have gone through; reconcile before resending"
            case Failure.DUPLICATE:
                post.status = Status.FAILED.value
                post.reason = "the platform says this text was already posted; not retried"
            case _:
                post.status = Status.FAILED.value
        return Outcome(post_id, post.status, str(error))


def _backoff(attempts: int, now: datetime) -> datetime:
    """When to try again after ``attempts`` attempts: 1 min, 2, 4 ... capped at an hour."""
    return now + min(timedelta(seconds=30 * 2**attempts), timedelta(hours=1))
