"""Queries over the post log, each backed by an index (see bot.store.models).

Everything the planner, the worker and the commands ask of the log lives
here or beside it in :mod:`bot.store` (:mod:`bot.store.logs`: the log as people
read it; :mod:`bot.store.history`: what the guard reads), so the SQL has one home.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    CompoundSelect,
    CursorResult,
    Result,
    Select,
    Table,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased, selectinload
from sqlalchemy.sql import FromClause, Subquery
from sqlalchemy.sql.selectable import TableValuedAlias

from bot.config import Mode
from bot.posts import LoggedPost as LoggedPost  # re-exported: callers name it from here
from bot.posts import PlanHistory, PlannedPost

# The log as people read it (filters, pages by key, exports) lives in bot.store.logs,
# which loads without the planner; these names stay importable from here.
from bot.store.logs import LogFilter, list_posts, log_query, logged_campaign_ids  # noqa: F401
from bot.store.models import LIVE_STATES, Attempt, CampaignRun, Pause, Post, PostTarget, Status

if TYPE_CHECKING:  # only a type: the store sits below the campaigns it is told about
    from bot.campaigns.schema import Campaign

#: Post states that count as "addressed" for rotation, cooldown and no-repeat.
COUNTED_STATES = tuple(sorted({*LIVE_STATES, Status.DRY_RUN}))


def history_modes(mode: Mode) -> tuple[str, ...]:
    """Whose history a run respects: live runs only live posts; dry runs both.

    Dry runs never hold back live posts, while a dry run shows what a live run
    would do next.
    """
    return (Mode.LIVE.value,) if mode is Mode.LIVE else (Mode.LIVE.value, Mode.DRY_RUN.value)


def plan_history(
    session: Session,
    campaign: Campaign,
    person_ids: Sequence[str],
    mode: Mode,
    day_start: datetime,
    *,
    x_tags_from: Callable[[Sequence[str], datetime], list[tuple[str, str, datetime]]] | None = None,
) -> PlanHistory:
    """What the planner needs to know about earlier posts of ``campaign``.

    ``x_tags_from(person_ids, day_start)`` answers as :func:`x_tags` does, from
    rows read once for several campaigns (:func:`x_tags_reader`); by default
    :func:`x_tags` reads them.

    Each "when last" is the newest counted post of its key, found by walking
    an index backwards (``ORDER BY created_at DESC LIMIT 1``, a correlated
    subquery per key): one statement for the rotation keys, one for the
    people's tags (a ``UNION ALL`` of a SELECT per (bill, platform) over all the
    people), one for today's count. The cost follows
    the number of keys, not the length of the log.
    """
    modes = history_modes(mode)
    counted = (Post.status.in_(COUNTED_STATES), Post.mode.in_(modes))
    platforms = [p.value for p in campaign.platforms]
    bills = [b.key for b in campaign.bills]
    history = PlanHistory()
    # Core, not the ORM: thousands of plain rows, no objects.
    connection = session.connection()

    # (platform, bill, variant) -> newest post; rotation looks at the newest per
    # variant and per bill.
    rotation = _product(session, "rotation", platforms, bills, [v.id for v in campaign.messages])
    newest = (
        select(Post.created_at)
        .where(Post.campaign_id == campaign.id, *counted)
        .where(
            Post.platform == rotation.c.a, Post.bill == rotation.c.b, Post.variant == rotation.c.c
        )
        .order_by(Post.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    for platform, bill, variant, last in connection.execute(
        select(rotation.c.a, rotation.c.b, rotation.c.c, newest)
    ):
        if last is not None:
            _keep_latest(history.last_variant, (platform, variant), last)
            _keep_latest(history.last_bill, (platform, bill), last)

    # Per (bill, platform), every person's newest tag: one SELECT over all the people
    # each, sent as one statement (UNION ALL; a round trip each was 11 for the
    # examples). Not a cross join of people, bills and platforms: that costs SQLite
    # more than the lookups themselves.
    people = _values(session, "people", person_ids)
    pairs = [(bill, platform) for bill in bills for platform in platforms]

    def newest_tag(bill: str, platform: str) -> ColumnElement[Any]:
        return (
            select(PostTarget.created_at)
            .join(Post, Post.id == PostTarget.post_id)
            .where(*counted)
            .where(
                PostTarget.person_id == people.c.value,
                PostTarget.bill == bill,
                PostTarget.platform == platform,
            )
            .order_by(PostTarget.created_at.desc())
            .limit(1)
            .scalar_subquery()
        )

    if pairs and person_ids:
        # Every person comes back, NULL where never tagged: filtering in SQL would
        # make SQLite run the subquery twice for each tagged one.
        tagged = union_all(
            *(
                select(literal(index).label("pair"), people.c.value, newest_tag(bill, platform))
                for index, (bill, platform) in enumerate(pairs)
            )
        )
        for index, person_id, last in connection.execute(tagged).all():
            if last is not None:
                bill, platform = pairs[index]
                history.last_tagged[(person_id, bill, platform)] = last

    if "x" in platforms and campaign.x_mentions == "tag":  # X, with x_mentions: tag
        tags = x_tags_from or (lambda people, day: x_tags(session, people, mode, day))
        history.x_tags = tags(person_ids, day_start)

    history.posts_today = {
        platform: count
        for platform, count in connection.execute(
            select(Post.platform, func.count())
            .where(Post.campaign_id == campaign.id, Post.platform.in_(platforms))
            .where(*counted, Post.created_at >= day_start)
            .group_by(Post.platform)
        )
    }
    return history


def x_tags(
    session: Session, person_ids: Sequence[str], mode: Mode, day_start: datetime
) -> list[tuple[str, str, datetime]]:
    """``(person id, account, planned at)`` of every automated tag on X of ``person_ids``,
    by any campaign, planned since a week before ``day_start`` (and a day more, so the
    planner's budget windows, counted back from its ``now``, fall inside it).

    Counted as the planner counts (queued and held posts too: they will go out).
    One statement: X's posts of those 8 days on ``ix_posts_platform_status_updated``
    (a row is updated no earlier than it is created, give or take the clocks of the
    hosts, which the extra day covers: ``updated_at >= since`` only lets the index
    bound the range), their targets on ``ix_post_targets_post``; its
    cost follows the organisation's X posts of the week, not the number of people
    or the length of the log.
    """
    since = day_start - timedelta(days=8)
    return [(p, a, c) for p, a, c, _ in _x_tag_rows(session, person_ids, mode, since)]


def x_tags_reader(
    session: Session, person_ids: Sequence[str], mode: Mode, day_starts: Sequence[datetime]
) -> Callable[[Sequence[str], datetime], list[tuple[str, str, datetime]]]:
    """:func:`x_tags` for several campaigns from one read: ``(ids, day_start)`` -> the
    answer :func:`x_tags` gives, for ``ids`` among ``person_ids`` and ``day_start`` no
    earlier than the earliest of ``day_starts`` (the rows are kept by the same
    conditions the query applies). "What goes out next" plans every campaign at once,
    and each read is a walk over the week's X posts."""
    earliest = min(day_starts) - timedelta(days=8)
    read: list[list[tuple[str, str, datetime, datetime]]] = []

    def tags(ids: Sequence[str], day_start: datetime) -> list[tuple[str, str, datetime]]:
        if not read:  # on the first campaign that tags on X, not before
            read.append(_x_tag_rows(session, person_ids, mode, earliest))
        since = day_start - timedelta(days=8)
        wanted = set(ids)
        return [
            (person, account, created)
            for person, account, created, updated in read[0]
            if person in wanted and created >= since and updated >= since
        ]

    return tags


def _x_tag_rows(
    session: Session, person_ids: Sequence[str], mode: Mode, since: datetime
) -> list[tuple[str, str, datetime, datetime]]:
    people = _values(session, "people", person_ids)
    rows = session.execute(
        select(PostTarget.person_id, Post.account, Post.created_at, Post.updated_at)
        .join(PostTarget, PostTarget.post_id == Post.id)
        .where(Post.platform == "x", Post.updated_at >= since)
        .where(Post.created_at >= since)
        .where(Post.status.in_(COUNTED_STATES), Post.mode.in_(history_modes(mode)))
        .where(PostTarget.handle.is_not(None))
        # Only ``person_ids``' tags leave the database (the week's X posts of every
        # campaign came back, to be dropped in Python: a row and two timestamps each).
        # ``|| ''`` keeps the database from driving the join from the people through
        # ``ix_post_targets_cooldown``, which would read each person's whole history.
        .where(PostTarget.person_id.concat("").in_(select(people.c.value)))
    ).all()
    return [(person, account, created, updated) for person, account, created, updated in rows]


def _values(session: Session, name: str, items: Sequence[str]) -> TableValuedAlias:
    """``items`` as a one-column table (column ``value``) to join against.

    The list travels as one JSON parameter, unpacked by the database's own table
    function (SQLite's ``json_each``, PostgreSQL's ``json_array_elements_text``):
    the statement is the same whatever the list, so SQLAlchemy compiles it once,
    and 7,400 people cost one parameter.
    """
    unique = list(dict.fromkeys(items))
    if session.get_bind().dialect.name == "postgresql":
        unpacked = func.json_array_elements_text(literal(unique, JSON))
    else:
        unpacked = func.json_each(json.dumps(unique))
    return unpacked.table_valued("value").alias(name)


def _product(session: Session, name: str, *columns: Sequence[str]) -> Subquery:
    """Every combination of ``columns``' values (:func:`_values`), as columns ``a``, ``b``..."""
    tables = [_values(session, f"{name}_{index}", items) for index, items in enumerate(columns)]
    joined: FromClause = tables[0]
    for table in tables[1:]:
        joined = joined.join(table, true())
    return (
        select(*(table.c.value.label("abc"[index]) for index, table in enumerate(tables)))
        .select_from(joined)
        .subquery(name)
    )


def _keep_latest(
    found: dict[tuple[str, str], datetime], key: tuple[str, str], when: datetime
) -> None:
    if key not in found or found[key] < when:
        found[key] = when


def text_checker(session: Session, mode: Mode) -> Callable[[str, str, str], bool]:
    """``used(platform, account, text_hash)``: has the account sent that text? One query a call.

    The planner uses :class:`TextChecker`, which batches; this stays for one-off checks.
    """
    modes = history_modes(mode)

    def used(platform: str, account: str, digest: str) -> bool:
        found = session.scalar(
            select(Post.id)
            .where(Post.platform == platform, Post.account == account, Post.text_hash == digest)
            .where(Post.status.in_(COUNTED_STATES), Post.mode.in_(modes))
            .limit(1)
        )
        return found is not None

    return used


class TextChecker:
    """``used(platform, account, text_hash)`` for the planner, checked in batches.

    A text not asked about before is answered "not used" and remembered;
    :meth:`verify` then looks all of them up at once (one query per 500 texts,
    on the ``(platform, account, text_hash)`` index) and says
    whether any was in fact used. The caller plans again until none was
    (:func:`bot.schedule.runner.plan_posts`): every answer of the last plan is
    then what a query per text would have said, for a fraction of the cost.
    """

    BATCH = 500

    def __init__(self, session: Session, mode: Mode) -> None:
        self.session = session
        self.modes = history_modes(mode)
        self.known: dict[tuple[str, str, str], bool] = {}
        self.pending: set[tuple[str, str, str]] = set()

    def __call__(self, platform: str, account: str, digest: str) -> bool:
        key = (platform, account, digest)
        found = self.known.get(key)
        if found is None:
            self.pending.add(key)
            return False
        return found

    def verify(self) -> bool:
        """Look up the texts answered "not used" so far; True if any was used.

        One statement per :attr:`BATCH` texts, whichever accounts they are of: a
        run of a few posts on each platform (the scheduler's, or every coming run
        of "what goes out next") is one statement, not one per account. The
        texts are sorted by account, so the national run's thousands per account
        still ask one account at a time.
        """
        pending = sorted(self.pending)
        self.pending.clear()
        any_used = False
        for start in range(0, len(pending), self.BATCH):
            chunk = pending[start : start + self.BATCH]
            used = self._sent(chunk)
            any_used = any_used or bool(used)
            for key in chunk:
                self.known[key] = key in used
        return any_used

    def _sent(self, keys: list[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
        """Which of ``keys`` the log holds a counted post of.

        Each column's values as one ``IN`` list: the database seeks
        ``ix_posts_account_text`` for each combination (platforms x accounts x
        texts: a few per text), and pairs that are not asked about are dropped here.
        """
        platforms = sorted({platform for platform, _, _ in keys})
        accounts = sorted({account for _, account, _ in keys})
        digests = sorted({digest for _, _, digest in keys})
        rows = self.session.execute(
            select(Post.platform, Post.account, Post.text_hash)
            .where(Post.platform.in_(platforms), Post.account.in_(accounts))
            .where(Post.text_hash.in_(digests))
            .where(Post.status.in_(COUNTED_STATES), Post.mode.in_(self.modes))
        )
        asked = set(keys)
        return {(p, a, d) for p, a, d in rows if (p, a, d) in asked}


def existing_keys(session: Session, keys: Iterable[str], mode: Mode) -> set[str]:
    """Which of ``keys`` the log already holds in ``mode``."""
    keys = list(keys)
    if not keys:
        return set()
    return set(session.scalars(select(Post.key).where(Post.key.in_(keys), Post.mode == mode.value)))


def insert_planned(
    session: Session,
    planned: Sequence[PlannedPost],
    *,
    mode: Mode,
    now: datetime,
    scheduled_for: datetime,
    status: Status = Status.QUEUED,
    reason: str | None = None,
) -> list[LoggedPost]:
    """Write planned posts to the log (skipping keys already there); return the new rows."""
    known = existing_keys(session, (p.key for p in planned), mode)
    fresh = [item for item in planned if item.key not in known]
    logged: list[LoggedPost] = []
    # A national run logs tens of thousands of posts: a chunk at a time bounds
    # the rows held at once (and the driver's copies of them).
    for start in range(0, len(fresh), INSERT_CHUNK):
        logged += _insert_chunk(
            session, fresh[start : start + INSERT_CHUNK], mode, now, scheduled_for, status, reason
        )
    return logged


#: Posts a chunk of :func:`insert_planned` writes (on PostgreSQL one statement a chunk).
INSERT_CHUNK = 500


def _insert_chunk(
    session: Session,
    fresh: Sequence[PlannedPost],
    mode: Mode,
    now: datetime,
    scheduled_for: datetime,
    status: Status,
    reason: str | None,
) -> list[LoggedPost]:
    if session.get_bind().dialect.name == "postgresql":
        ids = _insert_postgres(session, fresh, mode, now, scheduled_for, status, reason)
    else:
        ids = _insert_sqlite(session, fresh, mode, now, scheduled_for, status, reason)
    return [
        LoggedPost.of(
            item,
            id=ids[item.key],
            created_at=now,
            scheduled_for=scheduled_for,
            updated_at=now,
            mode=mode.value,
            status=status.value,
            reason=reason,
            cost=0.0,
            attempt_count=0,
        )
        for item in fresh
    ]


def _insert_sqlite(
    session: Session,
    fresh: Sequence[PlannedPost],
    mode: Mode,
    now: datetime,
    scheduled_for: datetime,
    status: Status,
    reason: str | None,
) -> dict[str, int]:
    # Two executemany INSERTs (posts, then their targets) and a SELECT of the new
    # ids, instead of the unit of work's statement per object. (INSERT ...
    # RETURNING was tried: SQLAlchemy sends SQLite a few rows a batch and splices
    # the results quadratically; the ORM's bulk insert splits batches wherever a
    # value is None.)
    rows = [
        {
            "key": item.key,
            "created_at": now,
            "scheduled_for": scheduled_for,
            "updated_at": now,
            "mode": mode.value,
            "campaign_id": item.campaign_id,
            "bill": item.bill,
            "platform": item.platform,
            "account": item.account,
            "variant": item.variant,
            "text": item.text,
            "text_hash": item.text_hash,
            "length": item.length,
            "link": item.link,
            "status": status.value,
            "reason": reason,
            "cost": 0.0,
            "attempt_count": 0,
            "claim_token": 0,
            "next_attempt_at": None,
            "lease_owner": None,
            "lease_expires": None,
            "approved_by": None,
            "error": None,
            "remote_id": None,
            "remote_url": None,
        }
        for item in fresh
    ]
    session.execute(cast(Table, Post.__table__).insert(), rows)
    new_ids = select(Post.key, Post.id).where(
        Post.mode == mode.value, Post.key.in_([item.key for item in fresh])
    )
    ids: dict[str, int] = {key: post_id for key, post_id in session.execute(new_ids)}
    target_rows = [
        {
            "post_id": ids[item.key],
            "position": index,
            "person_id": target.person_id,
            "name": target.name,
            "handle": target.handle,
            "platform": item.platform,
            "bill": item.bill,
            "created_at": now,
        }
        for item in fresh
        for index, target in enumerate(item.targets)
    ]
    if target_rows:
        session.execute(cast(Table, PostTarget.__table__).insert(), target_rows)
    return ids


#: PostgreSQL: a chunk's posts in one statement, their columns as arrays (the values the
#: chunk shares once), then their targets likewise.
_POSTGRES_POSTS = (
    "INSERT INTO posts (key, campaign_id, bill, platform, account, variant, text, text_hash,"
    " length, link, created_at, scheduled_for, updated_at, mode, status, reason, cost,"
    " attempt_count, claim_token)"
    " SELECT r.*, %(now)s, %(scheduled_for)s, %(now)s, %(mode)s, %(status)s, %(reason)s::text,"
    " 0.0, 0, 0 FROM unnest(%(key)s::text[], %(campaign_id)s::text[], %(bill)s::text[],"
    " %(platform)s::text[], %(account)s::text[], %(variant)s::text[], %(text)s::text[],"
    " %(text_hash)s::text[], %(length)s::int[], %(link)s::text[])"
    " AS r (key, campaign_id, bill, platform, account, variant, text, text_hash, length, link)"
    " RETURNING key, id"
)
_POSTGRES_TARGETS = (
    "INSERT INTO post_targets (post_id, position, person_id, name, handle, platform, bill,"
    " created_at) SELECT r.*, %(now)s FROM unnest(%(post_id)s::int[], %(position)s::int[],"
    " %(person_id)s::text[], %(name)s::text[], %(handle)s::text[], %(platform)s::text[],"
    " %(bill)s::text[]) AS r (post_id, position, person_id, name, handle, platform, bill)"
)


def _insert_postgres(
    session: Session,
    fresh: Sequence[PlannedPost],
    mode: Mode,
    now: datetime,
    scheduled_for: datetime,
    status: Status,
    reason: str | None,
) -> dict[str, int]:
    # One statement for the chunk's posts, not one a post (an executemany): the
    # counts' trigger runs once a statement, and a run's posts all add to the same
    # few count rows, which updated a post at a time in one transaction made the
    # run's write grow with the square of its posts (bot.store.counts). Arrays
    # rather than SQLAlchemy's multi-row VALUES: one parameter a column, not one a
    # value, so the client does no more work a post than psycopg's executemany.
    connection = session.connection()
    stored = {"now": _naive_utc(now), "scheduled_for": _naive_utc(scheduled_for)}
    written = connection.exec_driver_sql(
        _POSTGRES_POSTS,
        {
            **stored,
            "mode": mode.value,
            "status": status.value,
            "reason": reason,
            "key": [item.key for item in fresh],
            "campaign_id": [item.campaign_id for item in fresh],
            "bill": [item.bill for item in fresh],
            "platform": [item.platform for item in fresh],
            "account": [item.account for item in fresh],
            "variant": [item.variant for item in fresh],
            "text": [item.text for item in fresh],
            "text_hash": [item.text_hash for item in fresh],
            "length": [item.length for item in fresh],
            "link": [item.link for item in fresh],
        },
    )
    ids: dict[str, int] = {key: post_id for key, post_id in written}
    targets = [
        (ids[item.key], index, item, target)
        for item in fresh
        for index, target in enumerate(item.targets)
    ]
    if targets:
        connection.exec_driver_sql(
            _POSTGRES_TARGETS,
            {
                "now": stored["now"],
                "post_id": [post_id for post_id, _, _, _ in targets],
                "position": [index for _, index, _, _ in targets],
                "person_id": [target.person_id for _, _, _, target in targets],
                "name": [target.name for _, _, _, target in targets],
                "handle": [target.handle for _, _, _, target in targets],
                "platform": [item.platform for _, _, item, _ in targets],
                "bill": [item.bill for _, _, item, _ in targets],
            },
        )
    return ids


def _naive_utc(moment: datetime) -> datetime:
    """As the columns store it (bot.store.types.UTCDateTime)."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def last_fire_time(session: Session, campaign_id: str, mode: Mode) -> datetime | None:
    return session.scalar(
        select(func.max(CampaignRun.fire_time)).where(
            CampaignRun.campaign_id == campaign_id, CampaignRun.mode == mode.value
        )
    )


def record_run(
    session: Session,
    campaign_id: str,
    mode: Mode,
    fire_time: datetime,
    now: datetime,
    planned: int,
    note: str | None = None,
) -> None:
    session.add(
        CampaignRun(
            campaign_id=campaign_id,
            mode=mode.value,
            fire_time=fire_time,
            ran_at=now,
            planned=planned,
            note=note,
        )
    )
    session.flush()


def pause_scopes(campaign_id: str, platform: str, account: str) -> list[str]:
    return ["all", f"campaign:{campaign_id}", f"account:{platform}:{account}"]


def active_pause(
    session: Session, campaign_id: str, platform: str, account: str, now: datetime
) -> Pause | None:
    """The pause that stops a post of this campaign and account now, if any: the one
    pause lookup (the guard's). The broadest scope that applies wins (all, then the
    campaign, then the account); one primary-key lookup per scope."""
    for scope in pause_scopes(campaign_id, platform, account):
        pause = session.get(Pause, scope)
        if pause is not None and (pause.until is None or pause.until > now):
            return pause
    return None


def set_pause(
    session: Session, scope: str, reason: str | None, now: datetime, until: datetime | None = None
) -> None:
    pause = session.get(Pause, scope)
    if pause is None:
        session.add(Pause(scope=scope, reason=reason, since=now, until=until))
    else:
        pause.reason, pause.since, pause.until = reason, now, until
    session.flush()


def clear_pause(session: Session, scope: str) -> bool:
    pause = session.get(Pause, scope)
    if pause is None:
        return False
    session.delete(pause)
    session.flush()
    return True


def _due(mode: Mode, now: datetime) -> Select[Post]:
    return (
        select(Post)
        .where(Post.status == Status.QUEUED.value, Post.scheduled_for <= now)
        .where(Post.mode == mode.value)
        .where(or_(Post.next_attempt_at.is_(None), Post.next_attempt_at <= now))
        .order_by(Post.scheduled_for, Post.id)
    )


def lock_next_due(
    session: Session,
    mode: Mode,
    now: datetime,
    *,
    passing_over: Collection[tuple[str, str]] = (),
) -> Post | None:
    """The oldest due post no pause covers, locked for this transaction.

    Posts of the (platform, account) pairs in ``passing_over`` are not taken
    (the worker's accounts that must wait this round).

    On PostgreSQL the row is taken ``FOR UPDATE SKIP LOCKED``, so workers
    never wait on each other's rows; SQLite has one writer at a time anyway
    (the bot begins its transactions IMMEDIATE there).

    Posts of an account that has a post ``sending`` are passed over: one post
    in flight per account. A post left ``sending`` by a worker that died is
    settled by reading the account's latest posts (Facebook, Mastodon, X with
    reads); were others posted meanwhile, it could fall out of what the check
    reads, be taken for "not sent" and go out twice. (See :func:`lock_account`
    for the race between two workers claiming for the same account.)

    The post is chosen among the accounts' heads (:func:`_account_heads`): the
    oldest due post of each account that may publish, so the cost follows the
    number of accounts, not the backlog of an account that must wait.
    """
    pauses = list(
        session.scalars(select(Pause.scope).where(or_(Pause.until.is_(None), Pause.until > now)))
    )
    if "all" in pauses:
        return None
    campaigns = [
        scope.removeprefix("campaign:") for scope in pauses if scope.startswith("campaign:")
    ]
    accounts = [
        (platform, account)
        for platform, _, account in (
            scope.removeprefix("account:").partition(":")
            for scope in pauses
            if scope.startswith("account:")
        )
    ]
    passed = {*accounts, *passing_over}
    parameters: dict[str, Any] = {"mode": mode.value, "now": now}
    if campaigns:
        parameters["paused_campaigns"] = campaigns
    heads = [
        post_id
        for platform, account, post_id in session.execute(
            _account_heads(bool(campaigns)), parameters
        )
        if post_id is not None and (platform, account) not in passed
    ]
    if not heads:
        return None
    # The oldest head, locked. Two statements, not one: with the heads as a
    # subquery, PostgreSQL walked ix_posts_status_due in time order testing each
    # post against them (it guesses that a head comes early), the very walk this
    # avoids; a list of ids it reads by primary key. Each head is looked at
    # again under the lock (PostgreSQL re-reads a row that changed since the
    # statement began): one another worker claimed meanwhile is no longer
    # queued, one it holds locked is skipped.
    query = _due(mode, now).where(Post.id.in_(heads))
    return session.scalar(query.limit(1).with_for_update(skip_locked=True, of=Post))


@functools.cache
def _account_heads(campaigns_paused: bool) -> CompoundSelect[Any]:
    """``(platform, account, id)`` of each account's oldest due post (id None if it has
    none), for the accounts with nothing in flight; parameters ``mode``, ``now``, and
    ``paused_campaigns`` (a list) if ``campaigns_paused``. Built once: building it
    took longer than running it. (Paused and passed-over accounts are left out by
    the caller: a few seeks more, and one statement whatever they are.)

    The oldest due post overall is the oldest of these heads, so the claim
    need not walk the queue in time order, past the backlog of an account
    that has a post in flight (or is paused, or passed over this round): with
    one account's national campaign queued and its post in flight, that walk
    read every post of the backlog, at each idle worker's poll.

    All of it is seeks on ``ix_posts_claim`` (status, platform, account, mode,
    next_attempt_at, scheduled_for, id), in one statement:

    1. the accounts with queued posts, a loose index scan (a recursive CTE
       that seeks the next (platform, account) after the last, one seek an
       account), less those with a post in flight (:func:`in_flight`, two
       seeks) and those paused or passed over;
    2. each one's oldest due post never deferred (``next_attempt_at`` NULL):
       one seek, in (scheduled_for, id) order;
    3. and each one's oldest due post among those deferred to a time now
       past: a deferral usually moves all the account's due posts to one time
       (:func:`defer_account`), so a second loose scan walks the distinct
       ``next_attempt_at`` values up to now (a few: the account's latest
       deferral, posts backing off) and seeks the oldest post of each.
       Deferred posts still waiting (``next_attempt_at`` ahead) are never read,
       so an account at its cap with a backlog costs a few seeks too.

    Posts of a paused campaign are still passed over one by one, as before.
    """
    queued = Status.QUEUED.value
    mode = bindparam("mode", type_=Post.__table__.c.mode.type)
    now = bindparam("now", type_=Post.__table__.c.scheduled_for.type)

    def account_rows(alias: Any, platform: Any, account: Any) -> list[ColumnElement[bool]]:
        return [alias.status == queued, alias.platform == platform, alias.account == account]

    # 1. The accounts with queued posts, in (platform, account) order: after each,
    # the next account on the same platform, else the first on the next platform
    # (two seeks; SQLite seeks a row value ``(platform, account) > (?, ?)`` on its
    # first column only, and would read the rest of the account's posts).
    def next_account(*where: Callable[[Any], ColumnElement[bool]]) -> Any:
        post = aliased(Post, name="next_account")
        return (
            select(post.id)
            .where(post.status == queued, *(clause(post) for clause in where))
            .order_by(post.status, post.platform, post.account)
            .limit(1)
            .scalar_subquery()
        )

    found = aliased(Post, name="found")
    seen = (
        select(found.platform, found.account)
        .where(found.id == next_account())
        .cte("queued_accounts", recursive=True)
    )
    last = seen.alias("last_account")
    seen = seen.union_all(
        select(found.platform, found.account)
        .select_from(last)
        .join(
            found,
            found.id
            == func.coalesce(
                next_account(
                    lambda p: p.platform == last.c.platform, lambda p: p.account > last.c.account
                ),
                next_account(lambda p: p.platform > last.c.platform),
            ),
        )
    )
    sending, checking = aliased(Post, name="sending"), aliased(Post, name="checking")
    eligible_query = select(seen.c.platform, seen.c.account).where(  # in_flight(), two seeks
        ~exists().where(
            sending.status == Status.SENDING.value,
            sending.platform == seen.c.platform,
            sending.account == seen.c.account,
        ),
        ~exists().where(
            checking.status == Status.UNKNOWN.value,
            checking.platform == seen.c.platform,
            checking.account == seen.c.account,
            checking.next_attempt_at.is_not(None),
        ),
    )
    eligible = eligible_query.cte("eligible_accounts")

    def head(platform: Any, account: Any, deferred_to: Any) -> Any:
        post = aliased(Post, name="head")
        query = (
            select(post.id)
            .where(*account_rows(post, platform, account), post.mode == mode)
            .where(
                post.next_attempt_at.is_(None)
                if deferred_to is None
                else post.next_attempt_at == deferred_to
            )
            .where(post.scheduled_for <= now)
            # next_attempt_at first, though it is one value here: PostgreSQL does not
            # take ``IS NULL`` as fixing the index's order, and would sort them all.
            .order_by(post.next_attempt_at, post.scheduled_for, post.id)
            .limit(1)
        )
        if campaigns_paused:
            query = query.where(
                post.campaign_id.not_in(bindparam("paused_campaigns", expanding=True))
            )
        return query.scalar_subquery()

    # 2. Each account's oldest due post never deferred.
    fresh = select(
        eligible.c.platform,
        eligible.c.account,
        head(eligible.c.platform, eligible.c.account, None).label("id"),
    )

    # 3. The distinct past deferral times of each account, and the oldest post of each.
    def next_time(platform: Any, account: Any, after: Any) -> Any:
        post = aliased(Post, name="deferred")
        query = (
            select(post.next_attempt_at)
            .where(*account_rows(post, platform, account), post.mode == mode)
            .where(post.next_attempt_at <= now)
            .order_by(post.next_attempt_at)
            .limit(1)
        )
        if after is not None:
            query = query.where(post.next_attempt_at > after)
        return query.scalar_subquery()

    times = select(
        eligible.c.platform,
        eligible.c.account,
        next_time(eligible.c.platform, eligible.c.account, None).label("at"),
    ).cte("deferral_times", recursive=True)
    earlier = times.alias("earlier")
    times = times.union_all(
        select(
            earlier.c.platform,
            earlier.c.account,
            next_time(earlier.c.platform, earlier.c.account, earlier.c.at),
        ).where(earlier.c.at.is_not(None))
    )
    retried = select(
        times.c.platform, times.c.account, head(times.c.platform, times.c.account, times.c.at)
    ).where(times.c.at.is_not(None))
    return fresh.union_all(retried)


def defer_account(
    session: Session,
    platform: str,
    account: str,
    mode: Mode,
    now: datetime,
    until: datetime,
    reason: str,
) -> None:
    """Defer every due queued post of an account to ``until``, saying why.

    For the guard's account-wide answers (a cap, the spacing): one UPDATE, so
    a backlog of thousands neither costs a guard check and a transaction a
    post, nor shows in the log as queued without a reason.
    """
    session.execute(
        update(Post)
        .where(Post.status == Status.QUEUED.value, Post.mode == mode.value)
        .where(Post.platform == platform, Post.account == account, Post.scheduled_for <= now)
        .where(or_(Post.next_attempt_at.is_(None), Post.next_attempt_at < until))
        .values(next_attempt_at=until, reason=reason, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def lock_account(session: Session, platform: str, account: str) -> None:
    """Hold the account's claim lock until this transaction ends.

    Two PostgreSQL workers can lock two posts of one account at once (``SKIP
    LOCKED`` hands them different rows), each see no post of it in flight, and
    each pass the guard on the same history: two posts in flight, and a daily
    cap or the spacing exceeded by one. Claims for one account therefore take a
    transaction-scoped advisory lock, then look again (:func:`account_in_flight`)
    and run the guard on what the other committed. SQLite needs nothing: every
    claim transaction there begins IMMEDIATE, one at a time.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"advocacy-bot account {platform}:{account}".encode()).digest()
    session.execute(
        select(func.pg_advisory_xact_lock(int.from_bytes(digest[:8], "big", signed=True)))
    )


def in_flight(post: type[Post] | Any = Post) -> ColumnElement[bool]:
    """A post that holds its account: ``sending``, or ``unknown`` awaiting a re-check.

    An ``unknown`` post the bot will check again blocks its account like one in
    flight: the checks read the account's latest posts, and were others posted
    meanwhile, the unknown one could fall out of what they read and be taken for
    "not sent".
    """
    return or_(
        post.status == Status.SENDING.value,
        (post.status == Status.UNKNOWN.value) & post.next_attempt_at.is_not(None),
    )


def account_in_flight(session: Session, platform: str, account: str, besides: int) -> bool:
    """Whether another post of the account is in flight (:func:`in_flight`)."""
    found = session.scalar(
        select(Post.id)
        .where(in_flight(), Post.id != besides)
        .where(Post.platform == platform, Post.account == account)
        .limit(1)
    )
    return found is not None


def lock_post(session: Session, post_id: int) -> Post:
    """The post, locked for this transaction (``FOR UPDATE`` on PostgreSQL; SQLite's
    IMMEDIATE transactions already hold the write lock)."""
    return session.scalars(
        select(Post)
        .where(Post.id == post_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def stale_sending_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Posts left ``sending`` whose lease ran out (their worker died or lost the database),
    and ``unknown`` posts due for a re-check."""
    return list(
        session.scalars(
            select(Post.id)
            .where(
                or_(
                    (Post.status == Status.SENDING.value) & (Post.lease_expires < now),
                    (Post.status == Status.UNKNOWN.value) & (Post.next_attempt_at <= now),
                )
            )
            .order_by(Post.id)
            .limit(limit)
        )
    )


def take_over(
    session: Session, post_id: int, worker: str, now: datetime, lease_until: datetime
) -> int | None:
    """Take a post for a check: ``sending`` with an expired lease, or ``unknown`` due for a
    re-check. Returns the new claim token; None if it is not (or no longer) takeable."""
    post = lock_post(session, post_id)
    stale = post.status == Status.SENDING.value and (
        post.lease_expires is None or post.lease_expires < now
    )
    recheck = (
        post.status == Status.UNKNOWN.value
        and post.next_attempt_at is not None
        and post.next_attempt_at <= now
    )
    if not (stale or recheck):
        return None
    post.status = Status.SENDING.value
    post.lease_owner, post.lease_expires, post.updated_at = worker, lease_until, now
    post.claim_token += 1
    return post.claim_token


def claim(
    session: Session, post: Post, worker: str, now: datetime, lease_until: datetime
) -> int | None:
    """Move a queued post to ``sending`` for ``worker``; its new claim token, or None if
    someone else has it (the token moved since ``post`` was read)."""
    token = post.claim_token + 1
    result = session.execute(
        update(Post)
        .where(Post.id == post.id, Post.status == Status.QUEUED.value)
        .where(Post.claim_token == post.claim_token)
        .values(
            status=Status.SENDING.value,
            lease_owner=worker,
            lease_expires=lease_until,
            updated_at=now,
            claim_token=token,
        )
        .execution_options(synchronize_session=False)
    )
    return token if _rowcount(result) == 1 else None


def _rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE matched (``Session.execute`` is typed as a plain ``Result``)."""
    return cast(CursorResult[Any], result).rowcount


def renew_lease(
    session: Session, post_id: int, token: int, now: datetime, lease_until: datetime
) -> bool:
    """Extend the lease of a post still ``sending`` under ``token``; False if it is not."""
    result = session.execute(
        update(Post)
        .where(Post.id == post_id, Post.status == Status.SENDING.value)
        .where(Post.claim_token == token)
        .values(lease_expires=lease_until)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def interruptions(session: Session, post_id: int) -> int:
    """Calls to the platform for this post that ended with no answer at all (a timeout,
    a dropped connection, a worker killed): ``maybe_sent`` attempts without a status."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Attempt)
            .where(Attempt.post_id == post_id, Attempt.outcome == "maybe_sent")
            .where(Attempt.http_status.is_(None))
        )
        or 0
    )


def failed_checks(session: Session, post_id: int) -> int:
    """Checks of an uncertain post that could not tell (``check_failed`` attempts)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Attempt)
            .where(Attempt.post_id == post_id, Attempt.outcome == "check_failed")
        )
        or 0
    )


def first_attempt_at(session: Session, post_id: int) -> datetime | None:
    """When the platform was first called for this post."""
    return session.scalar(select(func.min(Attempt.started_at)).where(Attempt.post_id == post_id))


def had_uncertain_attempt(session: Session, post_id: int) -> bool:
    """Whether an earlier call for this post may have gone through (maybe sent, or
    interrupted and then found absent)."""
    return (
        session.scalar(
            select(Attempt.id)
            .where(Attempt.post_id == post_id)
            .where(Attempt.outcome.in_(("maybe_sent", "not_sent", "check_failed")))
            .limit(1)
        )
        is not None
    )


# --- Organizer decisions: approvals (the CLI's approve/reject and the dashboard) ---------

REJECTED_REASON = "rejected by an organizer"


@dataclass(frozen=True)
class HeldKey:
    """A held post's place in the approvals queue's order, ``(scheduled_for, id)``."""

    scheduled_for: datetime
    id: int


def held_key(session: Session, post_id: int) -> HeldKey | None:
    """The queue key of post ``post_id`` (one primary-key lookup, whatever its state now:
    a page is still found after its posts were decided), None if there is none."""
    row = session.execute(select(Post.scheduled_for, Post.id).where(Post.id == post_id)).first()
    return HeldKey(row[0], row[1]) if row else None


def held_page(
    session: Session,
    *,
    campaign: str | None = None,
    limit: int,
    after: HeldKey | None = None,
    before: HeldKey | None = None,
) -> list[Post]:
    """Up to ``limit`` held posts, soonest due first, with their targets.

    By key, never OFFSET: ``after`` the posts due after that key (the next
    page), ``before`` those just before it (read from the key backwards,
    returned soonest first). ``ix_posts_status_due`` ``(status, scheduled_for)``
    serves the order, ``ix_posts_campaign_status_due`` with a campaign, so a
    page deep in the queue reads its own rows only. The
    targets come in one more statement for the whole page (``selectinload``),
    not one per post.
    """
    query = select(Post).options(selectinload(Post.targets)).where(Post.status == Status.HELD.value)
    if campaign:
        query = query.where(Post.campaign_id == campaign)
    if before is not None:
        query = query.where(
            Post.scheduled_for <= before.scheduled_for,
            or_(Post.scheduled_for < before.scheduled_for, Post.id < before.id),
        )
        found = session.scalars(
            query.order_by(Post.scheduled_for.desc(), Post.id.desc()).limit(limit)
        )
        return list(reversed(list(found)))
    if after is not None:
        query = query.where(
            Post.scheduled_for >= after.scheduled_for,
            or_(Post.scheduled_for > after.scheduled_for, Post.id > after.id),
        )
    return list(session.scalars(query.order_by(Post.scheduled_for, Post.id).limit(limit)))


def waiting_posts(
    session: Session, campaign_ids: Sequence[str], mode: Mode, limit: int
) -> dict[str, list[Post]]:
    """Each campaign's first ``limit`` posts waiting in the log (``queued`` or ``held``)
    in ``mode``, soonest due first: campaign id -> posts.

    One statement for every campaign: per campaign and state, a seek on
    ``ix_posts_campaign_status_due`` ``(campaign_id, status, scheduled_for)``
    reading at most ``limit`` rows (``UNION ALL``), whatever the log or the
    queue holds. The order over the two states is made in Python.
    """
    parts = [
        select(Post.id)
        .where(Post.campaign_id == campaign_id, Post.status == state, Post.mode == mode.value)
        .order_by(Post.scheduled_for, Post.id)
        .limit(limit)
        .subquery()
        for campaign_id in dict.fromkeys(campaign_ids)
        for state in (Status.QUEUED.value, Status.HELD.value)
    ]
    found: dict[str, list[Post]] = {}
    if not parts:
        return found
    ids = union_all(*(select(part.c.id) for part in parts))
    for post in session.scalars(
        select(Post).where(Post.id.in_(ids)).order_by(Post.scheduled_for, Post.id)
    ):
        shown = found.setdefault(post.campaign_id, [])
        if len(shown) < limit:
            shown.append(post)
    return found


def held_per_campaign(session: Session) -> list[tuple[str, int]]:
    """``(campaign id, held posts)`` for each campaign with any, by campaign id.

    Read from ``post_counts`` (kept by triggers, :mod:`bot.store.counts`): a
    few rows per campaign, where a ``GROUP BY`` of the held posts read every
    one of them on every view of the approvals page.
    """
    from bot.store.counts import PostCount  # mapped where read: the planner never reads it

    total = func.sum(PostCount.posts)
    rows = session.execute(
        select(PostCount.campaign_id, total)
        .where(PostCount.status == Status.HELD.value)
        .group_by(PostCount.campaign_id)
        .having(total > 0)
        .order_by(PostCount.campaign_id)
    ).all()
    return [(campaign_id, int(count)) for campaign_id, count in rows]


#: Post ids per ``UPDATE`` when deciding posts named by id (the bound parameters' limit).
DECIDE_CHUNK = 500


def approve_posts(
    session: Session,
    post_ids: Sequence[int] = (),
    *,
    campaign: str | None = None,
    every: bool = False,
    by: str,
    now: datetime,
) -> list[int]:
    """Release held posts for publishing (``approved_by`` records ``by``); their ids.

    Posts that are not held are left alone (compare the ids to see which).
    An approved post is due at once, or at its scheduled time if that is later.
    See :func:`_decide_held` for how (a few statements, whatever the number).
    """
    due = literal(now, Post.scheduled_for.type)
    return _decide_held(
        session,
        post_ids,
        campaign,
        every,
        status=Status.QUEUED.value,
        reason=None,
        approved_by=by,
        scheduled_for=case((Post.scheduled_for < due, due), else_=Post.scheduled_for),
        updated_at=now,
    )


def reject_posts(
    session: Session,
    post_ids: Sequence[int] = (),
    *,
    campaign: str | None = None,
    every: bool = False,
    now: datetime,
) -> list[int]:
    """Mark held posts ``rejected``: they are never published. Returns their ids."""
    return _decide_held(
        session,
        post_ids,
        campaign,
        every,
        status=Status.REJECTED.value,
        reason=REJECTED_REASON,
        approved_by=None,
        updated_at=now,
    )


def _decide_held(
    session: Session,
    post_ids: Sequence[int],
    campaign: str | None,
    every: bool,
    **values: Any,
) -> list[int]:
    """Set ``values`` on the held posts with ``post_ids``, and/or of ``campaign``, or
    (``every``) on all of them; their ids. Naming nothing (no ids, no campaign,
    ``every`` false) is refused with :class:`ValueError`, so a slip never approves
    or rejects the whole queue.

    ``UPDATE posts SET ... WHERE status = 'held' ... RETURNING id``: one statement
    for a campaign's or every held post (10,000 of them, where each was loaded as
    an object and written back by an UPDATE of its own), one per
    :data:`DECIDE_CHUNK` ids. The database checks ``status = 'held'`` on each row
    as it changes it, so a post claimed, approved or rejected by another process
    meanwhile is neither changed nor returned: PostgreSQL waits for that
    transaction and checks the row again as committed (a SELECT, then an UPDATE
    by id, overwrote a claim made in between), and SQLite's write lock keeps
    anyone else from writing during the transaction. The counts
    (``post_counts``...) follow by their row triggers (:mod:`bot.store.counts`).
    Post objects already in ``session`` are not refreshed.
    """
    if not (post_ids or campaign or every):
        raise ValueError("name post ids, or a campaign, or every held post")
    held = [Post.status == Status.HELD.value]
    if campaign:
        held.append(Post.campaign_id == campaign)
    wanted = sorted(set(post_ids))
    chunks: list[list[int] | None] = [
        wanted[i : i + DECIDE_CHUNK] for i in range(0, len(wanted), DECIDE_CHUNK)
    ]
    returns = session.get_bind().dialect.update_returning
    decided: list[int] = []
    for chunk in chunks or [None]:
        where = held if chunk is None else [*held, Post.id.in_(chunk)]
        statement = update(Post).where(*where).values(**values)
        options = {"synchronize_session": False}
        if returns:
            found = session.execute(statement.returning(Post.id), execution_options=options)
            decided.extend(found.scalars())
        else:
            # SQLite before 3.35 has no RETURNING. A writing session holds SQLite's
            # write lock from its first statement (bot.store.db), so the held posts
            # read first are the ones the UPDATE then changes.
            decided.extend(session.scalars(select(Post.id).where(*where)))
            session.execute(statement, execution_options=options)
    return sorted(decided)


# --- Names the commands check before acting on them -----------------------------------


def logged_accounts(session: Session) -> set[tuple[str, str]]:
    """Every ``(platform, account)`` the log has a post of."""
    query = select(Post.platform, Post.account).distinct()
    return {(platform, account) for platform, account in session.execute(query)}


def post_statuses(session: Session, post_ids: Iterable[int]) -> dict[int, str]:
    """Post id -> its status, for those of ``post_ids`` that are in the log."""
    query = select(Post.id, Post.status).where(Post.id.in_(list(post_ids)))
    return {post_id: status for post_id, status in session.execute(query)}


def pause_list(session: Session) -> list[Pause]:
    """Every pause in force or recorded, by scope."""
    return list(session.scalars(select(Pause).order_by(Pause.scope)))
