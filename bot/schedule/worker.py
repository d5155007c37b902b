"""Publishing: claim due posts from the log, ask the guard, call the platform, record.

Two-phase, so a crash can never lose a post or send one twice blindly:

1. in one transaction, check pauses and the guard, then move the post to
   ``sending`` under a new *claim* (a fencing token, ``posts.claim_token``)
   with this worker's lease, and commit;
2. call the platform (no transaction open), renewing the lease meanwhile;
3. in a second transaction, record the attempt and the post's new state,
   if the post is still ``sending`` under this claim.

A post left in ``sending`` by a dead worker is reconciled, never resent
blindly (see :func:`reconcile_stale`); an answer that does not prove the post
was refused is checked, and nothing is sent again until a check made at
least :data:`SETTLE` after the uncertain call shows the post absent. The
protocol, and what each platform's answers mean, is in docs/reliability.md.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError
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
from bot.posts import Verdict
from bot.store import queries
from bot.store.db import Database
from bot.store.models import Attempt, Pause, Post, Status
from bot.store.spool import KeptAnswer, Spool

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
"""How long a claim holds without renewal; the holder renews it every third of it
while its call is in flight, so only a worker that died (or lost the database) loses it."""
MAX_ATTEMPTS = 5
"""Temporary failures of a post's own (not an outage of its account) before it fails."""
MAX_INTERRUPTIONS = 20
"""Calls that ended with no answer, each checked and found absent, before a post fails
(a post that kills its worker every time must not loop forever)."""
SETTLE = timedelta(minutes=2)
"""An uncertain call is taken as "not sent" only when a check made this long after it
shows nothing: a platform may still be processing a request its client gave up on."""
MAX_CHECKS = 12
"""Failed checks of an ``unknown`` post (1 min, 2, 4 ... 6 h apart, about a day and a
half) before it is left for a person."""
MAX_RETRY_AGE = timedelta(days=1)
"""A post the platform has failed for this long (first attempt to now) fails."""
OUTAGE = "platform failing"
"""How an outage's account pause begins (see :func:`_outage`)."""
MAX_OUTAGE_WAIT = timedelta(minutes=30)
RECORD_PATIENCE = 60.0
"""Seconds to keep retrying a record the database refuses before leaving it to the
spool and the next round."""
PublisherFor = Callable[[str, str], Publisher]
"""``(platform, account) -> Publisher``."""


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


@dataclass(frozen=True)
class Claim:
    """The claim a worker holds on one post: every write it makes must match ``token``."""

    post_id: int
    token: int
    worker: str


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def outgoing(post: Post) -> OutgoingPost:
    """A logged post as its publisher (and the guard) sees it: the one conversion."""
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
    spool: Spool | None = None,
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
            stopping=stopping,
            spool=spool,
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
    stopping: Callable[[], bool] = lambda: False,
    spool: Spool | None = None,
    settle: timedelta = SETTLE,
) -> Outcome | None:
    """Take the next due post through the two phases; None when nothing is due.

    Phase one locks the post (``SKIP LOCKED`` on PostgreSQL) and its account
    (one post in flight per account, see :func:`queries.lock_account`), checks
    pauses and the guard, and commits it as ``sending`` under a new claim and
    this worker's lease. Only then is the platform called. Posts of the
    accounts in ``passing_over`` (platform, account) are not taken.
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
            return _pause_account(session, post, str(error), now)
        too_long = lease_too_short(publisher, lease)
        if too_long:
            return _pause_account(session, post, too_long, now)
        token = queries.claim(session, post, worker, now, now + lease)
        if token is None:
            return Outcome(post.id, Status.SENDING.value, "taken by another worker")
        claim, message = Claim(post.id, token, worker), outgoing(post)

    with Heartbeat(db, claim, clock, lease, live=publisher.live):
        started = clock.now()
        try:
            result = publisher.publish(message)
        except PublishError as error:
            failure: PublishError | None = error
        except Exception as exc:  # a bug or an unmapped library error: treat as "maybe sent"
            log.exception("publisher for %s crashed", message.platform)
            failure = PublishError(Failure.MAYBE_SENT, f"unexpected error: {type(exc).__name__}")
        else:
            failure = None
    if failure is None:
        answer = _kept(claim, result, started, clock.now(), live=publisher.live)
        return _record_success(db, answer, clock, stopping=stopping, spool=spool)
    if failure.kind is Failure.MAYBE_SENT:
        return _reconcile(
            db, claim, publisher, message, failure, started, clock, settle=settle, spool=spool
        )
    return _record_failure(db, claim, failure, started, clock.now(), stopping=stopping)


def lease_too_short(publisher: Publisher, lease: timedelta) -> str | None:
    """Why ``lease`` cannot cover one call of ``publisher``, or None when it can.

    The holder renews its lease while its call is in flight, but a worker cut
    off from the database cannot: then its lease must still outlast the call,
    or another worker could check and resend while the first call is under way.
    """
    worst = publisher.unprotected_seconds
    if worst < lease.total_seconds():
        return None
    setting = f"{publisher.platform.upper()}_TIMEOUT"
    return (
        f"the lease ({lease.total_seconds():g} s) is shorter than the longest call to "
        f"{publisher.platform} can take ({worst:g} s with its timeouts): raise the worker's "
        f"--lease or lower {setting}"
    )


class Heartbeat:
    """Renews a claim's lease every third of it while the platform call is in flight.

    A live worker therefore never loses its lease to a slow call; only a worker
    that died or cannot reach the database does. A renewal that finds the post
    no longer under this claim is logged: the answer, when it comes, is then
    recorded as late (:func:`_record_success`).
    """

    def __init__(
        self, db: Database, claim: Claim, clock: Clock, lease: timedelta, *, live: bool = True
    ) -> None:
        self.db, self.claim, self.clock, self.lease = db, claim, clock, lease
        self._stop = threading.Event()
        self._thread = (
            threading.Thread(target=self._run, name=f"lease-{claim.post_id}", daemon=True)
            if live  # a dry run's call returns at once: nothing to renew
            else None
        )
        self.lost = False

    def __enter__(self) -> Heartbeat:
        if self._thread is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        every = max(self.lease.total_seconds() / 3, 0.05)
        while not self._stop.wait(every):
            try:
                with self.db.session() as session:
                    now = self.clock.now()
                    held = queries.renew_lease(
                        session, self.claim.post_id, self.claim.token, now, now + self.lease
                    )
            except Exception as exc:  # the database is away: try again next beat
                log.warning("could not renew the lease of post #%s: %s", self.claim.post_id, exc)
                continue
            if not held:
                self.lost = True
                log.warning(
                    "post #%s was taken over while its call was in flight", self.claim.post_id
                )
                return


def reconcile_stale(
    db: Database,
    publisher_for: PublisherFor,
    *,
    clock: Clock,
    worker: str | None = None,
    lease: timedelta = LEASE,
    stopping: Callable[[], bool] = lambda: False,
    spool: Spool | None = None,
    settle: timedelta = SETTLE,
) -> list[Outcome]:
    """Settle what earlier calls left open, never resending blindly.

    First the answers kept in the spool (the database refused them when they
    came); then posts left ``sending`` whose lease ran out (their worker died),
    and ``unknown`` posts due for a re-check. For each, the platform is asked
    whether the post went out (:meth:`Publisher.reconcile`): found, ``posted``;
    absent (and the call at least ``settle`` ago), ``queued`` again; cannot
    tell, ``unknown``, checked again later where a check exists, otherwise for
    a person (``advocacy-bot resolve``).
    """
    worker = worker or worker_id()
    outcomes = replay_kept(db, spool, clock) if spool is not None else []
    now = clock.now()
    with db.new_session() as session:
        ids = queries.stale_sending_ids(session, now)
    for post_id in ids:
        if stopping():
            break
        with db.session() as session:
            now = clock.now()
            was = session.get_one(Post, post_id)
            interrupted = was.status == Status.SENDING.value
            call_started = was.updated_at
            token = queries.take_over(session, post_id, worker, now, now + lease)
            if token is None:
                continue
            post = session.get_one(Post, post_id)
            message = outgoing(post)
            try:
                publisher = publisher_for(post.platform, post.account)
            except ConfigError as error:
                post.status, post.lease_owner, post.lease_expires = Status.UNKNOWN.value, None, None
                post.next_attempt_at = now + PAUSE_RECHECK
                outcomes.append(_pause_account(session, post, str(error), now))
                continue
        claim = Claim(post_id, token, worker)
        cause = PublishError(
            Failure.MAYBE_SENT,
            "the worker stopped while sending" if interrupted else "checking again",
        )
        with Heartbeat(db, claim, clock, lease, live=publisher.live):
            outcomes.append(
                _reconcile(
                    db,
                    claim,
                    publisher,
                    message,
                    cause,
                    call_started,
                    clock,
                    # A re-check is due only once the call has had time to settle.
                    settle=settle if interrupted else timedelta(0),
                    spool=spool,
                    record_cause=interrupted,
                )
            )
    return outcomes


PAUSE_RECHECK = timedelta(minutes=5)


def replay_kept(db: Database, spool: Spool, clock: Clock) -> list[Outcome]:
    """Record the answers the spool kept (after the database came back, or a restart)."""
    outcomes = []
    for answer in spool.answers():
        outcomes.append(_record_success(db, answer, clock, spool=spool, patience=0.0))
    return outcomes


def _reconcile(
    db: Database,
    claim: Claim,
    publisher: Publisher,
    message: OutgoingPost,
    cause: PublishError,
    started: datetime,
    clock: Clock,
    *,
    settle: timedelta = SETTLE,
    spool: Spool | None = None,
    record_cause: bool = True,
) -> Outcome:
    """Ask the platform whether an uncertain call went out, and record the answer.

    ``cause`` is what made the call uncertain (recorded as a ``maybe_sent``
    attempt when ``record_cause``); ``started`` is when that call began.
    """
    check = getattr(publisher, "reconcile", None)
    try:
        found = check(message) if check else _cannot_check(message)
    except PublishError as error:
        return _still_unknown(db, claim, cause, error, started, clock, record_cause=record_cause)
    except Exception as exc:
        log.exception("reconciling %s failed", message.platform)
        failed = PublishError(Failure.MAYBE_SENT, f"the check failed: {type(exc).__name__}")
        return _still_unknown(db, claim, cause, failed, started, clock, record_cause=record_cause)
    finished = clock.now()
    if found is not None:
        answer = _kept(claim, found, started, finished, live=publisher.live)
        return _record_success(db, answer, clock, spool=spool)
    with db.session() as session:
        post = queries.lock_post(session, claim.post_id)
        if not _holds(post, claim):
            return _late(session, post, claim, cause, started, finished)
        if record_cause:
            _add_attempt(session, claim, cause, started, finished)
            _count_failure(session, post, cause, finished)
        post.lease_owner = post.lease_expires = None
        post.updated_at = finished
        if finished - started < settle:
            # Not there *yet*: the platform may still be working on a request its
            # client gave up on. Look again once it has had time; until then the
            # post holds its account (queries.in_flight), so nothing else goes out.
            post.status = Status.UNKNOWN.value
            post.next_attempt_at = started + settle
            post.error = str(cause)
            post.reason = (
                f"{cause.message}; not on {post.platform} yet: checking again at "
                f"{_hhmm(post.next_attempt_at)} before sending it again"
            )
            return Outcome(post.id, post.status, post.reason)
        session.add(
            Attempt(
                post_id=claim.post_id,
                started_at=started,
                finished_at=finished,
                outcome="not_sent",
                error=f"{cause.message}; checked: not on {post.platform}",
                worker=claim.worker,
            )
        )
        post.status = Status.QUEUED.value
        post.reason = "checked: the platform does not have it; queued again"
        post.next_attempt_at = max(
            _backoff(post.attempt_count, finished), post.next_attempt_at or finished
        )
        if post.attempt_count >= MAX_ATTEMPTS:
            post.status = Status.FAILED.value
            post.reason = f"gave up after {MAX_ATTEMPTS} attempts: {post.error}"
        elif queries.interruptions(session, post.id) >= MAX_INTERRUPTIONS:
            post.status = Status.FAILED.value
            post.reason = (
                f"{MAX_INTERRUPTIONS} calls ended with no answer, none of them went out; "
                "look at the worker's log before sending it again"
            )
        return Outcome(post.id, post.status, post.reason)


def _still_unknown(
    db: Database,
    claim: Claim,
    cause: PublishError,
    check_error: PublishError,
    started: datetime,
    clock: Clock,
    *,
    record_cause: bool,
) -> Outcome:
    """The check could not tell: ``unknown``, checked again later if a check exists.

    A check that failed (the platform's read timed out) is tried again 1, 2, 4
    ... minutes later (capped at 6 hours, :data:`MAX_CHECKS` times); where no
    check exists (X without reads, ``details["uncheckable"]``) or the checks
    ran out, the post waits for a person and the organisation is told.
    """
    finished = clock.now()
    with db.session() as session:
        post = queries.lock_post(session, claim.post_id)
        if not _holds(post, claim):
            return _late(session, post, claim, cause, started, finished)
        if record_cause:
            _add_attempt(session, claim, cause, started, finished)
            _count_failure(session, post, cause, finished)
        detail = f"{cause.message}; {check_error.message}"
        session.add(
            Attempt(
                post_id=claim.post_id,
                started_at=finished,
                finished_at=clock.now(),
                outcome="check_failed",
                error=check_error.message,
                worker=claim.worker,
            )
        )
        post.status = Status.UNKNOWN.value
        post.lease_owner = post.lease_expires = None
        post.updated_at = finished
        post.error = f"{cause.kind.value}: {detail}"
        checks = queries.failed_checks(session, post.id)
        if check_error.details.get("uncheckable") or checks > MAX_CHECKS:
            post.next_attempt_at = None
            why = (
                "it cannot be checked"
                if check_error.details.get("uncheckable")
                else (f"{checks - 1} checks could not tell")
            )
            post.reason = (
                f"the platform call may have gone through and {why}: look at the account, "
                f"then `advocacy-bot resolve {post.id} --posted` or `--not-posted`"
            )
        else:
            wait = min(timedelta(minutes=2 ** max(checks - 1, 0)), timedelta(hours=6))
            post.next_attempt_at = finished + wait
            post.reason = (
                f"the platform call may have gone through and the check failed; "
                f"checking again at {_hhmm(post.next_attempt_at)}"
            )
        return Outcome(post.id, post.status, post.reason)


def _cannot_check(message: OutgoingPost) -> PublishResult | None:
    raise PublishError(
        Failure.MAYBE_SENT,
        f"{message.platform} offers no way to check",
        details={"uncheckable": "yes"},
    )


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


def _pause_account(session: Session, post: Post, problem: str, now: datetime) -> Outcome:
    """The account cannot publish as configured (a credential missing, a lease too short
    for its timeouts): pause it and say how to resume.

    Retrying would only fail again every round; the pause shows on the
    dashboard and in ``advocacy-bot log``. (The message names settings, never
    their values.)
    """
    account = f"{post.platform}:{post.account}"
    reason = f"{problem}. Fix the setting, then `advocacy-bot resume --account {account}`"
    queries.set_pause(session, f"account:{account}", reason, now)
    post.reason, post.updated_at = f"account paused: {problem}", now
    log.error("account %s paused: %s", account, problem)
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


# -- recording -----------------------------------------------------------------------------


def _kept(
    claim: Claim, result: PublishResult, started: datetime, finished: datetime, *, live: bool
) -> KeptAnswer:
    return KeptAnswer(
        post_id=claim.post_id,
        token=claim.token,
        worker=claim.worker,
        live=live,
        remote_id=result.remote_id,
        url=result.url,
        cost=result.cost,
        started=started,
        finished=finished,
        rate_limit_remaining=result.rate_limit_remaining,
        rate_limit_reset=result.rate_limit_reset,
    )


def _holds(post: Post, claim: Claim) -> bool:
    """Whether ``claim`` is still the post's current claim (fencing)."""
    return post.status == Status.SENDING.value and post.claim_token == claim.token


def _record_success(
    db: Database,
    answer: KeptAnswer,
    clock: Clock,
    *,
    stopping: Callable[[], bool] = lambda: False,
    spool: Spool | None = None,
    patience: float | None = None,
) -> Outcome:
    """Record that the platform accepted the post. The answer is kept in the spool
    first, and the record retried while the database refuses it (``patience``
    seconds; then the spool and the next round take over)."""
    if spool is not None:
        try:
            spool.keep(answer)
        except OSError as exc:  # a full or read-only disk: the database may still take it
            log.error("could not keep the answer for post #%s: %s", answer.post_id, exc)
    outcome = _retrying(
        lambda: _write_success(db, answer, clock),
        patience=RECORD_PATIENCE if patience is None else patience,
        stopping=stopping,
    )
    if spool is not None:
        spool.forget(answer)
    return outcome


def _write_success(db: Database, answer: KeptAnswer, clock: Clock) -> Outcome:
    claim = Claim(answer.post_id, answer.token, answer.worker)
    with db.session() as session:
        post = queries.lock_post(session, answer.post_id)
        session.add(
            Attempt(
                post_id=answer.post_id,
                started_at=answer.started,
                finished_at=answer.finished,
                outcome="ok" if _holds(post, claim) else "late",
                rate_limit_remaining=answer.rate_limit_remaining,
                rate_limit_reset=answer.rate_limit_reset,
                worker=answer.worker,
                error=None
                if _holds(post, claim)
                else f"the answer came after the post was {post.status} under another claim",
            )
        )
        if post.status == Status.SENDING.value and not _holds(post, claim):
            # Another worker holds it now: it is checking (and will find this post)
            # or, were its check wrong, sending. It records; this answer stays as history.
            log.error(
                "post #%s went out (%s) after another worker took it over",
                post.id,
                answer.remote_id,
            )
            return Outcome(post.id, post.status, "recorded by the worker that holds it")
        if post.status in (Status.POSTED.value, Status.DRY_RUN.value):
            if post.remote_id != answer.remote_id:
                log.error(
                    "post #%s is logged as %s but %s also reported %s",
                    post.id,
                    post.remote_id,
                    post.platform,
                    answer.remote_id,
                )
            return Outcome(post.id, post.status, post.remote_url)
        late = not _holds(post, claim)
        post.status = (Status.POSTED if answer.live else Status.DRY_RUN).value
        post.remote_id, post.remote_url, post.cost = answer.remote_id, answer.url, answer.cost
        post.error = None
        post.reason = (
            "the platform's answer was recorded late: it had accepted the post" if (late) else None
        )
        post.lease_owner = post.lease_expires = post.next_attempt_at = None
        post.updated_at = clock.now()
        if late:
            post.claim_token += 1  # whoever held the old state holds nothing now
        _end_outage(session, post)
        return Outcome(post.id, post.status, answer.url)


def _record_failure(
    db: Database,
    claim: Claim,
    error: PublishError,
    started: datetime,
    finished: datetime,
    *,
    stopping: Callable[[], bool] = lambda: False,
) -> Outcome:
    return _retrying(
        lambda: _write_failure(db, claim, error, started, finished),
        patience=RECORD_PATIENCE,  # read at call time: tests and harnesses shorten it
        stopping=stopping,
    )


def _write_failure(
    db: Database, claim: Claim, error: PublishError, started: datetime, finished: datetime
) -> Outcome:
    """Record a failure that proves the post was not sent (every kind but MAYBE_SENT)."""
    with db.session() as session:
        post = queries.lock_post(session, claim.post_id)
        if not _holds(post, claim):
            return _late(session, post, claim, error, started, finished)
        _add_attempt(session, claim, error, started, finished)
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
                if error.details.get("account_state"):  # taken down, deactivated, deleted
                    what = "account closed"
                what = error.details.get("pause_as", what)  # the publisher knows better
                queries.set_pause(
                    session,
                    scope,
                    f"{what}: {error.message}. Fix the account, then "
                    f"`advocacy-bot resume --account {post.platform}:{post.account}`",
                    finished,
                )
            case Failure.TRANSIENT:
                resume = _count_failure(session, post, error, finished)
                post.status = Status.QUEUED.value
                post.next_attempt_at = _backoff(post.attempt_count, resume)
                first = queries.first_attempt_at(session, post.id) or finished
                if post.attempt_count >= MAX_ATTEMPTS:
                    post.status = Status.FAILED.value
                    post.reason = f"gave up after {MAX_ATTEMPTS} attempts: {error.message}"
                elif finished - first > MAX_RETRY_AGE:
                    post.status = Status.FAILED.value
                    post.reason = f"{post.platform} kept failing for a day: {error.message}"
            case Failure.DUPLICATE if queries.had_uncertain_attempt(session, post.id):
                # Sent again after a call that may have gone through: the platform
                # refusing the repeat is the proof that the first one did.
                post.status = Status.POSTED.value
                post.error = None
                post.reason = (
                    f"{post.platform} refused the resend as a duplicate, so the earlier "
                    "uncertain attempt went out (its id is not known)"
                )
                _end_outage(session, post)
            case Failure.DUPLICATE:
                post.status = Status.FAILED.value
                post.reason = "the platform says this text was already posted; not retried"
            case _:
                post.status = Status.FAILED.value
        return Outcome(post.id, post.status, str(error))


def _late(
    session: Session,
    post: Post,
    claim: Claim,
    error: PublishError,
    started: datetime,
    finished: datetime,
) -> Outcome:
    """An answer for a claim that is no longer the post's: history only.

    Whoever took the post over decides its state; this worker's write is
    refused (fencing), so it can neither requeue a post another worker has
    settled nor overwrite what the new holder recorded.
    """
    session.add(
        Attempt(
            post_id=post.id,
            started_at=started,
            finished_at=finished,
            outcome=error.kind.value,
            http_status=error.http_status,
            error=f"{error.message} (after another worker had taken the post over)",
            worker=claim.worker,
        )
    )
    return Outcome(post.id, post.status, "taken over by another worker; it decides")


def _add_attempt(
    session: Session, claim: Claim, error: PublishError, started: datetime, finished: datetime
) -> None:
    session.add(
        Attempt(
            post_id=claim.post_id,
            started_at=started,
            finished_at=finished,
            outcome=error.kind.value,
            http_status=error.http_status,
            error=error.message,
            rate_limit_reset=error.retry_at,
            worker=claim.worker,
        )
    )


def _count_failure(session: Session, post: Post, error: PublishError, now: datetime) -> datetime:
    """Count a temporary failure against the post, unless its whole account is failing;
    returns when the account may be tried again (the post's own backoff starts then).

    A platform that answered with a server error (or refused the connection) is
    treated as an outage of the account: the account backs off (30 s, doubling
    to 30 minutes, :func:`_outage`) so one post probes it at a time, and the
    post that failed waits its own backoff after that, so the next probe is
    another post. The first failure of an outage counts against its post, the
    ones during it do not: an outage fails no post unless it lasts a day
    (:data:`MAX_RETRY_AGE`). A post that fails while others go out is failing
    on its own, and fails after :data:`MAX_ATTEMPTS`. A call that got no
    answer at all (a timeout, a kill) is no verdict and never counts.
    """
    answered = error.http_status is not None and error.http_status >= 500
    if not (error.kind is Failure.TRANSIENT or answered):
        return now
    ongoing, resume = _outage(session, post, error, now)
    if not ongoing:
        post.attempt_count += 1
    return resume


def _outage(
    session: Session, post: Post, error: PublishError, now: datetime
) -> tuple[bool, datetime]:
    """Back the account off after a server error: (whether it was already in an outage,
    when the account may be tried again)."""
    scope = f"account:{post.platform}:{post.account}"
    pause = session.get(Pause, scope)
    if pause is not None and pause.until is None:
        return False, now  # paused for good (credentials): leave that pause alone
    ongoing = pause is not None and (pause.reason or "").startswith(OUTAGE)
    wait = timedelta(seconds=30)
    if ongoing and pause is not None and pause.until is not None:
        wait = min(max((pause.until - pause.since) * 2, wait), MAX_OUTAGE_WAIT)
    until = now + wait
    if pause is not None and pause.until is not None and not ongoing and pause.until > until:
        return False, pause.until  # a rate-limit pause that ends later holds the account
    status = f"HTTP {error.http_status}" if error.http_status else "no connection"
    queries.set_pause(
        session,
        scope,
        f"{OUTAGE} ({status}: {error.message}); trying the account again at {_hhmm(until)}",
        now,
        until,
    )
    return ongoing, until


def _end_outage(session: Session, post: Post) -> None:
    """A post went out: the account's outage, if it had one, is over."""
    pause = session.get(Pause, f"account:{post.platform}:{post.account}")
    if pause is not None and (pause.reason or "").startswith(OUTAGE):
        session.delete(pause)


def _retrying(
    write: Callable[[], Outcome], *, patience: float, stopping: Callable[[], bool]
) -> Outcome:
    """Run ``write``, retrying while the database refuses it (locked, restarting).

    Waits 0.5 s, doubling to 8 s, for up to ``patience`` seconds or until the
    worker is stopping; then the last error propagates (the worker loop prints
    it; a kept answer is replayed from the spool next round).
    """
    deadline = time.monotonic() + patience
    wait = 0.5
    while True:
        try:
            return write()
        except DBAPIError as exc:
            if time.monotonic() + wait > deadline or stopping():
                raise
            log.warning(
                "the database refused a record (%s); trying again in %.1f s",
                type(exc.orig).__name__ if exc.orig else type(exc).__name__,
                wait,
            )
            time.sleep(wait)
            wait = min(wait * 2, 8.0)


def _hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M UTC")


def _backoff(attempts: int, now: datetime) -> datetime:
    """When to try again after ``attempts`` attempts: 1 min, 2, 4 ... capped at an hour."""
    return now + min(timedelta(seconds=30 * 2**attempts), timedelta(hours=1))
