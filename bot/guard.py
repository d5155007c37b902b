"""The policy guard: platform rules and organizer policy, checked before every publish.

:func:`check` is pure: given a post, a :class:`History` (a handful of numbers
the caller reads from the post log with :func:`load_history`), a
:class:`GuardPolicy` and the time, it returns a :class:`Verdict`:

``allow``                 publish now;
``hold(reason)``          wait for a person (an organizer's approval);
``defer(until, reason)``  not now: spacing, a daily or monthly cap, the spend
                          cap, a pause; the post stays queued until ``until``;
``skip(reason)``          never: the same text already went out on another X
                          account, a tagged person is on the do-not-tag list,
                          too many mentions.

Rules, in the order they are checked (first match wins):

1. a pause (``pauses`` table: all, the campaign, or the account) → defer;
2. a tagged person on the do-not-tag list → skip;
3. on X, the same text sent (or being sent) from another account → skip;
4. more mentions than ``mentions_per_post`` → skip;
5. the campaign requires approval, or (on X) the post tags people and
   ``X_REQUIRE_APPROVAL_FOR_MENTIONS`` is on (the default) → hold until approved;
6. this post's price would take the month's spend past ``monthly_spend_cap`` →
   defer to the first of next month (hold if the post alone costs more than the cap);
7. ``posts_per_month`` reached (calendar month, UTC) → defer to next month;
8. ``posts_per_day`` reached in the last 24 hours → defer until the oldest of
   those posts is 24 hours old;
9. less than ``min_spacing`` since the last post → defer until it has passed.

Defaults sit well below each platform's documented limits (:data:`PLATFORM_LIMITS`)
and every number can be set per platform (``X_POSTS_PER_DAY``) or per account
(``X_MOCOALITION_POSTS_PER_DAY``); a setting above the platform's own limit is
a configuration error.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings
from bot.platforms.base import OutgoingPost

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.campaigns.schema import Schedule
    from bot.store.models import Post


class VerdictKind(StrEnum):
    ALLOW = "allow"
    HOLD = "hold"
    DEFER = "defer"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: VerdictKind
    reason: str = ""
    until: datetime | None = None
    """For ``defer``: the earliest time to try again."""
    account_wide: bool = False
    """For ``defer``: every post of the account gets the same answer until ``until``
    (a cap or the spacing), so a worker passes over the account's other posts."""

    @classmethod
    def allow(cls) -> Verdict:
        return cls(VerdictKind.ALLOW)

    @classmethod
    def hold(cls, reason: str) -> Verdict:
        return cls(VerdictKind.HOLD, reason)

    @classmethod
    def defer(cls, until: datetime, reason: str, *, account_wide: bool = False) -> Verdict:
        return cls(VerdictKind.DEFER, reason, until, account_wide)

    @classmethod
    def skip(cls, reason: str) -> Verdict:
        return cls(VerdictKind.SKIP, reason)

    @property
    def allowed(self) -> bool:
        return self.kind is VerdictKind.ALLOW


# -- policy --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    """What a platform itself documents (the guard's settings may not exceed it)."""

    posts_per_day: int | None
    source: str


#: Documented per-account limits, checked 2026.
PLATFORM_LIMITS: dict[str, PlatformLimits] = {
    "x": PlatformLimits(2400, "X Help Center: 2,400 posts a day per account"),
    "bluesky": PlatformLimits(
        11_666, "docs.bsky.app rate limits: 35,000 points a day, 3 points per record created"
    ),
    "mastodon": PlatformLimits(2400, "Mastodon: 300 statuses per 3 hours per account"),
    "facebook": PlatformLimits(None, "Meta publishes no fixed Page post count (usage-based)"),
}


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    """The rules for one account on one platform."""

    platform: str
    posts_per_day: int
    posts_per_month: int
    min_spacing: timedelta
    mentions_per_post: int
    monthly_spend_cap: float | None = None
    """US dollars per calendar month; ``None`` where the platform does not charge."""
    price_per_post: float = 0.0
    price_per_post_with_url: float = 0.0
    require_approval_for_mentions: bool = False
    same_text_across_accounts: bool = True
    """Whether one text may go out from two accounts (never on X)."""
    account: str = "default"

    def post_cost(self, post: OutgoingPost) -> float:
        if not (self.price_per_post or self.price_per_post_with_url):
            return 0.0
        from bot.platforms.pricing import has_url

        return self.price_per_post_with_url if has_url(post.text) else self.price_per_post


#: Safe defaults: a small organisation's pace, far below every platform limit.
DEFAULT_POLICIES: dict[str, GuardPolicy] = {
    "x": GuardPolicy(
        "x",
        posts_per_day=20,
        posts_per_month=300,
        min_spacing=timedelta(minutes=30),
        mentions_per_post=3,
        monthly_spend_cap=10.0,
        price_per_post=0.015,
        price_per_post_with_url=0.200,
        require_approval_for_mentions=True,
        same_text_across_accounts=False,
    ),
    "facebook": GuardPolicy(
        "facebook",
        posts_per_day=10,
        posts_per_month=200,
        min_spacing=timedelta(hours=1),
        mentions_per_post=5,
    ),
    "bluesky": GuardPolicy(
        "bluesky",
        posts_per_day=40,
        posts_per_month=600,
        min_spacing=timedelta(minutes=15),
        mentions_per_post=5,
    ),
    "mastodon": GuardPolicy(
        "mastodon",
        posts_per_day=40,
        posts_per_month=600,
        min_spacing=timedelta(minutes=15),
        mentions_per_post=5,
    ),
}

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$")
_UNIT_SECONDS = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_spacing(value: str, name: str) -> timedelta:
    """``"30m"``, ``"2h"``, ``"1d"``, ``"90s"`` or a number of seconds."""
    match = _DURATION.match(value)
    if not match:
        raise ConfigError(f"{name} must be a duration like 30m, 2h or 90s (got {value!r})")
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def policy_for(platform: str, account: str, settings: Settings) -> GuardPolicy:
    """The defaults for ``platform`` with the organisation's overrides applied."""
    from bot.platforms.accounts import AccountConfig

    if platform not in DEFAULT_POLICIES:
        raise ConfigError(f"no guard policy for platform {platform!r}")
    base = DEFAULT_POLICIES[platform]
    config = AccountConfig(settings, platform, account)

    def whole(name: str, default: int) -> int:
        value = config.number(name, default)
        if value < 0 or value != int(value):
            raise ConfigError(f"{config.name(name)} must be a whole number ≥ 0")
        return int(value)

    spacing_text = config.setting("MIN_SPACING")
    cap = config.setting("MONTHLY_SPEND_CAP")
    policy = replace(
        base,
        account=account,
        posts_per_day=whole("POSTS_PER_DAY", base.posts_per_day),
        posts_per_month=whole("POSTS_PER_MONTH", base.posts_per_month),
        min_spacing=(
            parse_spacing(spacing_text, config.name("MIN_SPACING"))
            if spacing_text
            else base.min_spacing
        ),
        mentions_per_post=whole("MENTIONS_PER_POST", base.mentions_per_post),
        monthly_spend_cap=(
            config.number("MONTHLY_SPEND_CAP", 0.0) if cap is not None else base.monthly_spend_cap
        ),
        price_per_post=config.number("PRICE_PER_POST", base.price_per_post),
        price_per_post_with_url=config.number(
            "PRICE_PER_POST_WITH_URL", base.price_per_post_with_url
        ),
        require_approval_for_mentions=(
            config.flag("REQUIRE_APPROVAL_FOR_MENTIONS", base.require_approval_for_mentions)
            if platform == "x"
            else False
        ),
    )
    limit = PLATFORM_LIMITS[platform].posts_per_day
    if limit is not None and policy.posts_per_day > limit:
        raise ConfigError(
            f"{config.name('POSTS_PER_DAY')}={policy.posts_per_day} is above what {platform} "
            f"allows ({PLATFORM_LIMITS[platform].source})"
        )
    if policy.monthly_spend_cap is not None and policy.monthly_spend_cap < 0:
        raise ConfigError(f"{config.name('MONTHLY_SPEND_CAP')} must be ≥ 0")
    return policy


# -- history -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class History:
    """What the guard needs to know from the post log, for one post's account."""

    posts_last_24h: int = 0
    oldest_in_last_24h: datetime | None = None
    posts_this_month: int = 0
    last_post_at: datetime | None = None
    spend_this_month: float = 0.0
    same_text_account: str | None = None
    """Another account of the same platform that sent (or is sending) this exact text."""
    approved: bool = False
    approval_required: bool = False
    """The campaign asks an organizer to approve every post."""
    do_not_tag: tuple[str, ...] = ()
    """People tagged by this post who are on the do-not-tag list."""
    paused: str | None = None
    """Why posting is paused for this post (all, its campaign or its account), if it is."""
    paused_until: datetime | None = None


#: How soon a post held back by an open-ended pause is looked at again.
PAUSE_RECHECK = timedelta(minutes=1)


def month_start(now: datetime) -> datetime:
    now = now.astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(now: datetime) -> datetime:
    start = month_start(now)
    return (start + timedelta(days=32)).replace(day=1)


def check(post: OutgoingPost, history: History, policy: GuardPolicy, now: datetime) -> Verdict:
    """May ``post`` be published at ``now``? See the module docs for the rules."""
    platform = policy.platform
    if history.paused:
        until = history.paused_until or now + PAUSE_RECHECK
        return Verdict.defer(until, f"paused: {history.paused}")

    if history.do_not_tag:
        return Verdict.skip(f"tags {', '.join(history.do_not_tag)}, on the do-not-tag list")
    if not policy.same_text_across_accounts and history.same_text_account:
        return Verdict.skip(
            f"the same text already went out from the {platform} account "
            f"'{history.same_text_account}'; {platform} forbids posting it from two accounts"
        )
    mentions = len({m.handle.lower() for m in post.mentions})
    if mentions > policy.mentions_per_post:
        return Verdict.skip(
            f"tags {mentions} people; at most {policy.mentions_per_post} per post on {platform}"
        )

    if not history.approved:
        if history.approval_required:
            return Verdict.hold(
                "the campaign requires an organizer's approval (advocacy-bot approve)"
            )
        if policy.require_approval_for_mentions and mentions:
            return Verdict.hold(
                "X forbids unsolicited automated @mentions: an organizer approves posts that "
                "tag people (advocacy-bot approve), unless X_REQUIRE_APPROVAL_FOR_MENTIONS=0"
            )

    cost = policy.post_cost(post)
    if policy.monthly_spend_cap is not None and cost > 0:
        if cost > policy.monthly_spend_cap:
            return Verdict.hold(
                f"this post costs ${cost:.3f}, more than the monthly cap of "
                f"${policy.monthly_spend_cap:.2f}"
            )
        if history.spend_this_month + cost > policy.monthly_spend_cap + 1e-9:
            return Verdict.defer(
                next_month(now),
                f"monthly spend cap: ${history.spend_this_month:.3f} spent of "
                f"${policy.monthly_spend_cap:.2f}; this post costs ${cost:.3f}",
            )
    if history.posts_this_month >= policy.posts_per_month:
        return Verdict.defer(
            next_month(now),
            f"{history.posts_this_month} posts this month; the cap is {policy.posts_per_month}",
            account_wide=True,
        )
    if history.posts_last_24h >= policy.posts_per_day:
        oldest = history.oldest_in_last_24h or now
        return Verdict.defer(
            max(oldest + timedelta(hours=24), now + timedelta(seconds=1)),
            f"{history.posts_last_24h} posts in the last 24 hours; the cap is "
            f"{policy.posts_per_day}",
            account_wide=True,
        )
    if history.last_post_at is not None and policy.min_spacing:
        ready = history.last_post_at + policy.min_spacing
        if ready > now:
            return Verdict.defer(
                ready,
                f"posts on {platform} are spaced by at least {_human(policy.min_spacing)}",
                account_wide=True,
            )
    return Verdict.allow()


def remaining(history: History, policy: GuardPolicy) -> int:
    """How many more posts the account may make under the day and month caps.

    The planner uses it to trim a campaign's batch instead of refusing it whole.
    """
    left = min(
        policy.posts_per_day - history.posts_last_24h,
        policy.posts_per_month - history.posts_this_month,
    )
    if policy.monthly_spend_cap is not None and policy.price_per_post > 0:
        left = min(
            left,
            int(
                (policy.monthly_spend_cap - history.spend_this_month) / policy.price_per_post + 1e-9
            ),
        )
    return max(0, left)


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def automated_label_reminder(x_accounts: Iterable[str] = ()) -> str:
    """The start-up reminder for X's "Automated" account label."""
    accounts = ", ".join(x_accounts) or "every X account the bot posts from"
    return (
        f"Reminder: X requires bot accounts to carry the 'Automated' label ({accounts}). "
        "On x.com: Settings and privacy → Your account → Account information → Automation, "
        "then name the person's account that manages it. Without the label X may "
        "restrict or suspend the account."
    )


# -- reading the post log --------------------------------------------------------------------


def load_history(
    session: Session,
    post: Post,
    now: datetime,
    *,
    do_not_tag: Collection[str] | None = None,
    approval_required: bool = False,
    settings: Settings | None = None,
) -> History:
    """The :class:`History` of ``post``'s account, from the post log.

    Counts the account's posts in the same mode (live posts count against live
    caps; dry runs simulate them without ever blocking a live post) that went
    out or may have: ``posted``, ``sending`` and ``unknown`` (``dry_run`` in dry
    runs), timed by ``updated_at`` (when the row was claimed or finalised).
    Posts still being sent have no cost recorded yet; with ``settings`` their
    expected price counts towards the month's spend. ``do_not_tag`` holds person
    ids or handles; left out, the directory's ``do_not_tag`` table is read (an
    entry for the person on this platform or every platform, or for the handle
    on this platform). ``approval_required`` comes from the campaign.

    Three aggregate queries, each bounded to the current month (or the last
    24 hours, whichever starts earlier) and filtered on ``(platform, account)``
    or ``(platform, text_hash)``, plus one primary-key lookup per pause scope.
    """
    from sqlalchemy import and_, func, select

    from bot.store.models import Pause, PostTarget, Status

    now = now.astimezone(UTC)
    day_ago = now - timedelta(hours=24)
    start = month_start(now)
    window = min(day_ago, start)
    sent_states = (
        [Status.POSTED, Status.SENDING, Status.UNKNOWN]
        if post.mode == "live"
        else [Status.DRY_RUN, Status.SENDING]
    )
    Post_ = type(post)
    sent = and_(
        Post_.platform == post.platform,
        Post_.account == post.account,
        Post_.mode == post.mode,
        Post_.status.in_([str(s) for s in sent_states]),
        Post_.updated_at >= window,
        Post_.id != post.id,
    )
    in_day = Post_.updated_at > day_ago
    in_month = Post_.updated_at >= start
    counted = session.execute(
        select(
            func.count().filter(in_day),
            func.min(Post_.updated_at).filter(in_day),
            func.count().filter(in_month),
            func.max(Post_.updated_at),
            func.coalesce(func.sum(Post_.cost).filter(in_month), 0.0),
        ).where(sent)
    ).one()
    posts_24h, oldest, posts_month, last, spend = counted

    if settings is not None and post.platform == "x":
        from bot.platforms.pricing import post_cost

        pending = session.execute(
            select(Post_.text, Post_.link).where(
                sent,
                in_month,
                Post_.status.in_([str(Status.SENDING), str(Status.UNKNOWN)]),
                Post_.cost == 0,
            )
        ).all()
        spend += sum(post_cost("x", post.account, t, link, settings) for t, link in pending)

    same_text = session.execute(
        select(Post_.account)
        .where(
            Post_.platform == post.platform,
            Post_.text_hash == post.text_hash,
            Post_.account != post.account,
            Post_.mode == post.mode,
            Post_.status.in_([str(s) for s in sent_states]),
        )
        .limit(1)
    ).scalar_one_or_none()

    paused, paused_until = None, None
    for scope in ("all", f"campaign:{post.campaign_id}", f"account:{post.platform}:{post.account}"):
        pause = session.get(Pause, scope)
        if pause is not None and (pause.until is None or pause.until > now):
            paused = f"{scope}" + (f" ({pause.reason})" if pause.reason else "")
            paused_until = pause.until
            break

    tagged = session.execute(
        select(PostTarget.person_id, PostTarget.handle).where(
            PostTarget.post_id == post.id, PostTarget.handle.is_not(None)
        )
    ).all()
    if do_not_tag is None:
        do_not_tag = _do_not_tag_entries(session, post.platform, tagged) if tagged else ()
    wanted = {x.lower().lstrip("@") for x in do_not_tag}
    blocked = tuple(
        sorted(
            {
                f"@{handle}"
                for person, handle in tagged
                if person.lower() in wanted or handle.lower().lstrip("@") in wanted
            }
        )
    )

    return History(
        posts_last_24h=int(posts_24h or 0),
        oldest_in_last_24h=_aware(oldest),
        posts_this_month=int(posts_month or 0),
        last_post_at=_aware(last),
        spend_this_month=float(spend or 0.0),
        same_text_account=same_text,
        approved=post.approved_by is not None,
        approval_required=approval_required,
        do_not_tag=blocked,
        paused=paused,
        paused_until=paused_until,
    )


def _do_not_tag_entries(
    session: Session, platform: str, tagged: Iterable[tuple[str, str]]
) -> set[str]:
    """Person ids and handles among ``tagged`` that the directory's do-not-tag list names."""
    from sqlalchemy import and_, func, or_, select

    from bot.directory.models import DoNotTag

    people = sorted({person for person, _ in tagged})
    handles = sorted({handle.lower().lstrip("@") for _, handle in tagged})
    rows = session.execute(
        select(DoNotTag.person_id, DoNotTag.handle).where(
            or_(
                and_(
                    DoNotTag.person_id.in_(people),
                    or_(DoNotTag.platform.is_(None), DoNotTag.platform == platform),
                ),
                and_(DoNotTag.platform == platform, func.lower(DoNotTag.handle).in_(handles)),
            )
        )
    ).all()
    return {value for row in rows for value in row if value}


#: How soon a live post of a campaign the guard has no schedule for is looked at again.
UNKNOWN_CAMPAIGN_RECHECK = timedelta(minutes=5)


def schedule_verdict(
    campaign_id: str, schedule: Schedule | None, *, live: bool, now: datetime
) -> Verdict | None:
    """What the campaign's schedule says about publishing one of its posts now, or None.

    Pure. Past the campaign's ``end`` date nothing more of it goes out (skip);
    a live post in the campaign's quiet hours waits for them to end (defer).
    Without a schedule (the campaign's file is broken or gone) a live post
    cannot be checked, so it waits: the guard fails closed. Dry-run posts go
    through quiet hours: ``run`` says so on the campaign.
    """
    from bot.schedule.timing import describe_quiet_hours, has_ended, quiet_hours_end

    if schedule is None:
        if not live:
            return None
        return Verdict.defer(
            now + UNKNOWN_CAMPAIGN_RECHECK,
            f"campaign {campaign_id} is not among the campaign files loaded (broken or "
            "removed), so its dates and quiet hours cannot be checked; fix the file, or "
            "`advocacy-bot reject` the post",
        )
    if has_ended(schedule, now):
        return Verdict.skip(f"campaign {campaign_id} ended on {schedule.end} (schedule.end)")
    if live:
        end = quiet_hours_end(schedule, now)
        if end is not None:
            return Verdict.defer(
                end,
                f"quiet hours of campaign {campaign_id} ({describe_quiet_hours(schedule)})",
            )
    return None


def guard_for(  # type: ignore[no-untyped-def]
    settings: Settings,
    mode: object = None,
    *,
    schedules: Mapping[str, Schedule] | None = None,
):
    """The guard the worker calls before every publish: ``(session, post, now) -> Verdict``.

    Policies are read from ``settings`` once per account; those of the configured
    accounts right away, so a bad setting stops the bot at start-up rather than
    at its first post. ``schedules`` (campaign id -> schedule, from the campaign
    files) makes end dates and quiet hours hold for every post published, however
    it was planned (:func:`schedule_verdict`); the commands that publish always
    pass it. Left out, only the policies apply.
    """
    from bot.platforms.accounts import configured_accounts

    policies: dict[tuple[str, str], GuardPolicy] = {}
    for platform, account in configured_accounts(settings):
        policies[platform, account] = policy_for(platform, account, settings)

    def guard(session: Session, post: Post, now: datetime) -> Verdict:
        if schedules is not None:
            verdict = schedule_verdict(
                post.campaign_id,
                schedules.get(post.campaign_id),
                live=post.mode == "live",
                now=now,
            )
            if verdict is not None:
                return verdict
        key = (post.platform, post.account)
        if key not in policies:
            policies[key] = policy_for(post.platform, post.account, settings)
        history = load_history(session, post, now, settings=settings)
        return check(_outgoing(post), history, policies[key], now)

    return guard


def _outgoing(post: Post) -> OutgoingPost:
    from bot.platforms.base import Mention

    return OutgoingPost(
        key=post.key,
        platform=post.platform,
        account=post.account,
        text=post.text,
        mentions=tuple(Mention(t.person_id, t.handle) for t in post.targets if t.handle),
        link=post.link,
        created_at=post.created_at,
    )


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # some drivers hand aggregates back untyped
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
