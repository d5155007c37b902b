"""Find what the organisation must be told, and tell it once.

:func:`find_notices` reads the post log for what needs a person:

* an account paused for good by the worker (``pauses`` with no ``until``):
  its credentials were rejected (``auth``), it ran out of credits (``payment``),
  the platform took it down or suspended it (``takedown``), or a setting it
  needs is missing (``config``). Pauses that lift by themselves (rate limits,
  outages) and pauses a person made are not told;
* a post left ``unknown`` for a person (no re-check is due): it may or may not
  have gone out, and someone must look and ``advocacy-bot resolve`` it;
* a live campaign run that planned nothing (quiet hours, a run missed while
  the bot was down, a step that stopped the campaign...), from the last day.

:func:`sweep` sends each through the :class:`~bot.notify.channels.Notifier`
once: a row in ``notices`` per key records what went out. A notice is claimed
before it is sent (several processes may sweep at once); a channel that fails
leaves the notice unsent for that channel, and the next sweep tries it again
(the channels that took it are not sent it twice). When what a notice told of
is over (the account resumed, the post resolved) its row is closed, so the same
trouble coming back is told again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.notify.channels import Notice, Notifier
from bot.platforms._secrets import redact
from bot.store.db import Database
from bot.store.models import CampaignRun, NoticeRecord, Pause, Post, Status

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=5)
"""How long a sweeping process holds a notice it is sending; a process that died
mid-send frees it after this (the notice may then go out twice, never zero times)."""
RUN_LOOKBACK = timedelta(days=1)
"""Skipped campaign runs older than this are not told (turning notifications on
for an old log does not send its history)."""
MAX_PER_SWEEP = 20
"""Notices sent per sweep; the rest wait for the next (a backlog does not flood)."""

#: Keys of notices about a state that can end (an active pause, an unknown post).
CONDITION_PREFIXES = ("pause:", "unknown:")

_TAKEDOWN_WORDS = ("takedown", "taken down", "suspended", "suspension", "deactivated", "banned")
_FIX_SETTING = "Fix the setting, then `advocacy-bot resume"
_FIX_ACCOUNT = "Fix the account, then `advocacy-bot resume"
_WHAT = {
    "auth": "credentials rejected",
    "payment": "out of credits",
    "takedown": "taken down or suspended",
    "config": "a setting is missing or wrong",
}


@dataclass
class SweepReport:
    sent: list[Notice] = field(default_factory=list)
    failed: list[tuple[Notice, str]] = field(default_factory=list)
    """Each notice not (fully) sent, and why, secrets masked."""
    waiting: int = 0
    """Notices found but left for later (claimed by another process, over the limit)."""
    cleared: int = 0
    error: str | None = None
    """Why the sweep itself could not run (the database), if it could not."""

    @property
    def ok(self) -> bool:
        return not self.failed and self.error is None


def pause_kind(pause: Pause) -> str | None:
    """``auth``, ``payment``, ``takedown`` or ``config`` for a pause the worker set and
    only a person can lift; None for the others (rate limits, outages, a person's own)."""
    if not pause.scope.startswith("account:") or pause.until is not None:
        return None
    reason = pause.reason or ""
    # The worker ends each such reason with how to resume, whatever its first words
    # ("credentials rejected", "out of credits", "account closed", "Page permission
    # missing", ...: the publisher may name what went wrong).
    automatic = _FIX_ACCOUNT in reason or reason.startswith(
        ("credentials rejected", "out of credits")
    )
    if not automatic and _FIX_SETTING not in reason:
        return None
    if reason.startswith("account closed") or any(w in reason.lower() for w in _TAKEDOWN_WORDS):
        return "takedown"
    if reason.startswith("out of credits"):
        return "payment"
    if automatic:
        return "auth"
    return "config"


def find_notices(session: Session, now: datetime) -> list[Notice]:
    """Everything that should be told now, oldest first within each kind."""
    notices = []
    for pause in session.scalars(
        select(Pause).where(Pause.until.is_(None)).order_by(Pause.since, Pause.scope)
    ):
        kind = pause_kind(pause)
        if kind is None:
            continue
        _, platform, account = pause.scope.split(":", 2)
        notices.append(
            Notice(
                kind=kind,
                subject=f"{platform} account {account!r} paused: {_WHAT[kind]}",
                body=(
                    f"The bot stopped posting from the {platform} account {account!r} "
                    f"at {_when(pause.since)}:\n\n{pause.reason}\n\n"
                    "Nothing is published from this account until a person resumes it: "
                    f"`advocacy-bot resume --account {platform}:{account}` or the dashboard."
                ),
                key=f"pause:{pause.scope}:{kind}",
            )
        )
    for post in session.scalars(
        select(Post)
        .where(Post.status == Status.UNKNOWN.value, Post.next_attempt_at.is_(None))
        .order_by(Post.updated_at, Post.id)
    ):
        notices.append(
            Notice(
                kind="unknown",
                subject=f"post #{post.id} on {post.platform} may or may not have gone out",
                body=(
                    f"Post #{post.id} of campaign {post.campaign_id!r} from the "
                    f"{post.platform} account {post.account!r} was interrupted while "
                    f"sending, and the bot cannot tell whether it went out "
                    f"({post.reason or post.error or 'no check possible'}).\n\n"
                    f"Its text:\n{post.text}\n\n"
                    "Look at the account's posts, then run "
                    f"`advocacy-bot resolve {post.id} --posted` (it is there) or "
                    f"`advocacy-bot resolve {post.id} --not-posted` (send it again). "
                    "Until then the account holds its other posts back."
                ),
                key=f"unknown:{post.id}",
            )
        )
    for run in session.scalars(
        select(CampaignRun)
        .where(
            CampaignRun.planned == 0,
            CampaignRun.mode == "live",
            CampaignRun.note.is_not(None),
            CampaignRun.ran_at >= now - RUN_LOOKBACK,
        )
        .order_by(CampaignRun.ran_at, CampaignRun.id)
    ):
        notices.append(
            Notice(
                kind="skipped",
                subject=f"campaign {run.campaign_id!r} posted nothing at {_when(run.fire_time)}",
                body=(
                    f"The run of campaign {run.campaign_id!r} due at {_when(run.fire_time)} "
                    f"planned no post:\n\n{run.note}\n\n"
                    "`advocacy-bot log` and the dashboard show the campaign's runs."
                ),
                key=f"run:{run.id}",
            )
        )
    return notices


def sweep(
    db: Database,
    notifier: Notifier,
    now: datetime,
    *,
    limit: int = MAX_PER_SWEEP,
    claim: timedelta = CLAIM,
) -> SweepReport:
    """Tell what :func:`find_notices` finds and was not told yet. Never raises.

    A channel that fails is logged (secrets masked) and tried again at the next
    sweep; the notice is marked sent only once every channel took it.
    """
    report = SweepReport()
    secrets = notifier.settings.secrets
    try:
        due = _due(db, now, report)
    except Exception as exc:
        report.error = redact(f"{type(exc).__name__}: {_first_line(exc)}", secrets)
        log.warning("notifications: cannot read the post log (%s); next sweep", report.error)
        return report
    for notice in due:
        if len(report.sent) + len(report.failed) >= limit:
            report.waiting += 1
            continue
        try:
            _tell(db, notifier, notice, now, claim, report)
        except Exception as exc:  # the database went away mid-sweep, or a bug
            why = redact(f"{type(exc).__name__}: {_first_line(exc)}", secrets)
            report.failed.append((notice, why))
            log.warning("notifications: %r not recorded (%s); next sweep", notice.subject, why)
    return report


def _due(db: Database, now: datetime, report: SweepReport) -> list[Notice]:
    """The notices to send now; closes the rows of notices whose cause is over."""
    with db.session() as session:
        notices = find_notices(session, now)
        keys = {notice.key for notice in notices}
        open_rows = session.scalars(
            select(NoticeRecord).where(
                NoticeRecord.cleared_at.is_(None),
                or_(*(NoticeRecord.key.startswith(prefix) for prefix in CONDITION_PREFIXES)),
            )
        )
        for stale in open_rows:
            if stale.key not in keys:
                stale.key, stale.cleared_at = f"{stale.key}#{stale.id}", now
                report.cleared += 1
        session.flush()
        rows = (
            {
                row.key: row
                for row in session.scalars(select(NoticeRecord).where(NoticeRecord.key.in_(keys)))
            }
            if keys
            else {}
        )
    due = []
    for notice in notices:
        row = rows.get(notice.key)
        if row is None:
            due.append(notice)
        elif row.sent_at is None:
            if row.claimed_until is not None and row.claimed_until > now:
                report.waiting += 1
            else:
                due.append(notice)
    return due


def _tell(
    db: Database,
    notifier: Notifier,
    notice: Notice,
    now: datetime,
    claim: timedelta,
    report: SweepReport,
) -> None:
    row_id, delivered = _claim(db, notice, now, now + claim)
    if row_id is None:
        report.waiting += 1
        return
    results = notifier.send(notice, skip=frozenset(delivered))
    delivered |= {name for name, error in results.items() if error is None}
    errors = {name: error for name, error in results.items() if error is not None}
    done = set(notifier.names) <= delivered
    outcome = "; ".join(
        f"{name}: {'sent' if error is None else 'failed (' + error + ')'}"
        for name, error in results.items()
    )
    with db.session() as session:
        session.execute(
            update(NoticeRecord)
            .where(NoticeRecord.id == row_id)
            .values(
                delivered=",".join(sorted(delivered)),
                outcome=redact(outcome, notifier.settings.secrets),
                attempts=NoticeRecord.attempts + 1,
                claimed_until=None,
                sent_at=now if done else None,
            )
        )
    if done:
        report.sent.append(notice)
        log.info("notifications: told %s (%s)", notice.subject, ", ".join(sorted(delivered)))
    else:
        why = "; ".join(errors.values())
        report.failed.append((notice, why))
        log.warning(
            "notifications: %r not sent (%s); trying again at the next sweep", notice.subject, why
        )


def _claim(
    db: Database, notice: Notice, now: datetime, until: datetime
) -> tuple[int | None, set[str]]:
    """Take the notice for this process: (its row's id, the channels that already took it),
    or (None, ...) when another process holds it or sent it meanwhile."""
    try:
        with db.session() as session:
            row = session.scalar(select(NoticeRecord).where(NoticeRecord.key == notice.key))
            if row is None:
                row = NoticeRecord(
                    key=notice.key,
                    kind=notice.kind,
                    subject=notice.subject[:1000],
                    created_at=now,
                    delivered="",
                    attempts=0,
                    claimed_until=until,
                )
                session.add(row)
                session.flush()
                return row.id, set()
            taken = session.execute(
                update(NoticeRecord)
                .where(
                    NoticeRecord.id == row.id,
                    NoticeRecord.sent_at.is_(None),
                    or_(NoticeRecord.claimed_until.is_(None), NoticeRecord.claimed_until <= now),
                )
                .values(claimed_until=until)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return None, set()
            return row.id, {name for name in row.delivered.split(",") if name}
    except IntegrityError:  # another process inserted the same key first
        return None, set()


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else ""
