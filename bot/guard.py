"""The policy guard: platform rules and organizer policy, checked before every publish.

:func:`check` is pure: given a post, a :class:`History` (a handful of numbers
the caller reads from the post log with :func:`load_history`), a
:class:`GuardPolicy` and the time, it returns a :class:`Verdict`:

``allow``                 publish now;
``hold(reason)``          wait for a person (an organizer's approval);
``defer(until, reason)``  not now: spacing, a daily or monthly cap, the spend
                          cap, a pause; the post stays queued until ``until``;
``skip(reason)``          never: the same text (or a near-duplicate) already went
                          out on another X account, a tagged person is on the
                          do-not-tag list, too many mentions.

Rules, in the order they are checked (first match wins):

1. a pause (``pauses`` table: all, the campaign, or the account) → defer;
2. a tagged person on the do-not-tag list → skip;
3. on X, the same text sent (or being sent) from another account → skip;
3a. on X, a near-duplicate (:func:`near_duplicate`: the same once handles, names,
   links, case and punctuation are set aside, or ``X_SIMILARITY_THRESHOLD`` similar)
   sent from another account within ``X_NEAR_DUPLICATE_WINDOW_ACROSS_ACCOUNTS``
   (7 days) → skip; from this account within ``X_NEAR_DUPLICATE_WINDOW`` (24 h)
   → defer until that window has passed;
4. more mentions than ``mentions_per_post`` → skip (on X, ``@handles`` written in
   the text count as well as the targets tagged);
5. the campaign requires approval, or (on X) the post tags people and
   ``X_REQUIRE_APPROVAL_FOR_MENTIONS`` is on (the default) → hold until approved;
5a. on X, the mention budget (:func:`mention_budget`): a tagged person already tagged
   ``X_MENTIONS_PER_PERSON_PER_DAY`` (1) times from this account in 24 hours, or
   ``X_MENTIONS_PER_PERSON_PER_WEEK`` (3) times from all the organisation's X
   accounts in 7 days → defer until the tag fits (skip if a budget is 0);
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
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.clock import month_start as month_start  # re-exported (bot.web.stats)
from bot.compose.budget import BUDGET_DAY as BUDGET_DAY  # the budget's windows and
from bot.compose.budget import BUDGET_WEEK as BUDGET_WEEK  # arithmetic, shared with
from bot.compose.budget import fits_at as fits_at  # the planner (bot.compose.plan.XBudget)
from bot.config import ConfigError, Settings
from bot.platforms.base import OutgoingPost
from bot.posts import Verdict as Verdict  # the guard's answer, in bot.posts so the
from bot.posts import VerdictKind as VerdictKind  # worker reads it without the guard

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.campaigns.schema import Schedule
    from bot.compose.urls import FoundUrl
    from bot.platforms.accounts import AccountConfig
    from bot.store.models import Post


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
    person_mentions_per_day: int | None = None
    """X: automated tags of one person from this account in 24 hours (None: no budget)."""
    person_mentions_per_week: int | None = None
    """X: automated tags of one person from all the organisation's accounts in 7 days."""
    similarity_threshold: float | None = None
    """X: a post this similar to a recent one (:func:`similarity`) is a near-duplicate
    (None: no near-duplicate check beyond the same text)."""
    near_duplicate_window: timedelta = timedelta(hours=24)
    """How long a post keeps a near-duplicate of it off the same account."""
    near_duplicate_window_across: timedelta = timedelta(days=7)
    """How long a post keeps a near-duplicate of it off the organisation's other accounts."""

    def post_cost(self, post: OutgoingPost) -> float:
        if not (self.price_per_post or self.price_per_post_with_url):
            return 0.0
        from bot.platforms.pricing import price

        return price(post.text, self.price_per_post, self.price_per_post_with_url)


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
        person_mentions_per_day=1,
        person_mentions_per_week=3,
        similarity_threshold=0.9,
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


def parse_spacing(value: str, name: str) -> timedelta:
    """The duration setting ``name`` (``30m``, ``2h``, ``90s``; a bare number is seconds,
    as docs/platforms.md promises), in the grammar of :mod:`bot.durations`."""
    from bot.durations import DurationError, parse_duration

    try:
        return parse_duration(value, field=name, bare_seconds=True)
    except DurationError as exc:
        raise ConfigError(str(exc)) from None


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
    if platform == "x":
        policy = _x_rules(policy, AccountConfig(settings, platform, "default"), whole)
    limit = PLATFORM_LIMITS[platform].posts_per_day
    if limit is not None and policy.posts_per_day > limit:
        raise ConfigError(
            f"{config.name('POSTS_PER_DAY')}={policy.posts_per_day} is above what {platform} "
            f"allows ({PLATFORM_LIMITS[platform].source})"
        )
    if policy.monthly_spend_cap is not None and policy.monthly_spend_cap < 0:
        raise ConfigError(f"{config.name('MONTHLY_SPEND_CAP')} must be ≥ 0")
    return policy


def _x_rules(
    policy: GuardPolicy, platform_config: AccountConfig, whole: Callable[[str, int], int]
) -> GuardPolicy:
    """X's mention budget and near-duplicate settings.

    The daily budget is per account (``X_<ACCOUNT>_MENTIONS_PER_PERSON_PER_DAY`` or
    ``X_MENTIONS_PER_PERSON_PER_DAY``); the weekly one spans every X account, so only
    ``X_MENTIONS_PER_PERSON_PER_WEEK`` sets it; so do the near-duplicate settings.
    """
    base = DEFAULT_POLICIES["x"]
    assert base.person_mentions_per_week is not None and base.similarity_threshold is not None
    per_week = platform_config.number("MENTIONS_PER_PERSON_PER_WEEK", base.person_mentions_per_week)
    if per_week < 0 or per_week != int(per_week):
        raise ConfigError("X_MENTIONS_PER_PERSON_PER_WEEK must be a whole number ≥ 0")
    threshold = platform_config.number("SIMILARITY_THRESHOLD", base.similarity_threshold)
    if not 0.5 <= threshold <= 1.0:
        raise ConfigError(
            f"X_SIMILARITY_THRESHOLD must be between 0.5 and 1 (got {threshold}); "
            "1 flags only texts equal once handles, names and links are removed"
        )
    windows = {}
    for name, default in (
        ("NEAR_DUPLICATE_WINDOW", base.near_duplicate_window),
        ("NEAR_DUPLICATE_WINDOW_ACROSS_ACCOUNTS", base.near_duplicate_window_across),
    ):
        text = platform_config.setting(name)
        windows[name] = parse_spacing(text, f"X_{name}") if text else default
        if windows[name] < timedelta(hours=1):
            raise ConfigError(f"X_{name} must be at least 1h (got {text!r})")
    return replace(
        policy,
        person_mentions_per_day=whole(
            "MENTIONS_PER_PERSON_PER_DAY", base.person_mentions_per_day or 0
        ),
        person_mentions_per_week=int(per_week),
        similarity_threshold=threshold,
        near_duplicate_window=windows["NEAR_DUPLICATE_WINDOW"],
        near_duplicate_window_across=windows["NEAR_DUPLICATE_WINDOW_ACROSS_ACCOUNTS"],
    )


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
    names: tuple[str, ...] = ()
    """This post's targets' names and handles (removed before comparing texts)."""
    recent: tuple[RecentPost, ...] = ()
    """Posts of the platform's accounts sent (or being sent) lately, this one's
    account included (X only): for the near-duplicate check."""
    sent_mentions: tuple[SentMention, ...] = ()
    """Automated tags on the platform lately, every account (X only): the mention budget."""


#: How soon a post held back by an open-ended pause is looked at again.
PAUSE_RECHECK = timedelta(minutes=1)


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
    if policy.similarity_threshold is not None and history.recent:
        found = near_duplicate(
            post.text,
            history.names,
            post.account,
            history.recent,
            threshold=policy.similarity_threshold,
            window=policy.near_duplicate_window,
            window_across=policy.near_duplicate_window_across,
            now=now,
        )
        if found is not None and not found.same_account:
            return Verdict.skip(
                f"a near-duplicate ({found.score:.0%} similar once handles, names and links "
                f"are set aside) went out from the {platform} account '{found.post.account}' "
                f"at {found.post.at:%Y-%m-%d %H:%M} UTC; {platform} forbids substantially "
                "similar posts across accounts"
            )
        if found is not None:
            until = found.post.at + policy.near_duplicate_window
            return Verdict.defer(
                max(until, now + timedelta(seconds=1)),
                f"a near-duplicate ({found.score:.0%} similar once handles, names and links "
                f"are set aside) went out from this account at "
                f"{found.post.at:%Y-%m-%d %H:%M} UTC; {platform} forbids repeating "
                f"substantially similar posts, so this waits "
                f"{_human(policy.near_duplicate_window)} after it",
            )
    handles = {m.handle.lower() for m in post.mentions}
    if platform == "x":
        handles |= {h.lower() for h in text_mentions(post.text)}
    mentions = len(handles)
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

    if policy.person_mentions_per_day is not None and post.mentions:
        over = mention_budget(
            ((m.person_id, m.handle) for m in post.mentions),
            post.account,
            history.sent_mentions,
            per_account_per_day=policy.person_mentions_per_day,
            per_person_per_week=(
                policy.person_mentions_per_week
                if policy.person_mentions_per_week is not None
                else policy.person_mentions_per_day * 7
            ),
            now=now,
        )
        never = [o for o in over if o.until is None]
        if never:
            return Verdict.skip(
                f"tags {', '.join('@' + o.handle for o in never)}, but the mention budget "
                f"({_BUDGET_SETTINGS}) allows no automated tag of a person"
            )
        if over:
            return Verdict.defer(
                max(max(o.until for o in over if o.until), now + timedelta(seconds=1)),
                f"mention budget ({_BUDGET_SETTINGS}): "
                + "; ".join(o.reason for o in over)
                + f"; {platform} forbids unsolicited automated @mentions",
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


_BUDGET_SETTINGS = "X_MENTIONS_PER_PERSON_PER_DAY, X_MENTIONS_PER_PERSON_PER_WEEK"
#: An @mention as X finds it in a text (twitter-text's rule, simplified to err on "a mention").
_X_MENTION = re.compile(r"(?<![A-Za-z0-9_!@#$%&*])[@＠]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@]|://)")


def text_mentions(text: str) -> list[str]:
    """The handles X would read as @mentions in ``text``, whoever wrote them.

    A message written with a literal ``@handle`` tags that account as surely as a
    target's handle does: the guard counts both for approval and the per-post limit.
    """
    return _X_MENTION.findall(text)


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


# -- X's rules on automated mentions: the mention budget and near-duplicates -----------------
#
# X's developer rules allow no unsolicited @mentions in automated posts and forbid
# identical or substantially similar content, across accounts or repeated on one.
# Both checks below are pure; :func:`load_history` reads what they need from the log.


@dataclass(frozen=True, slots=True)
class SentMention:
    """One automated tag of a person on X that went out (or may have): who, from where, when."""

    person_id: str
    account: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BudgetExcess:
    """A person a post would tag past the mention budget, and when the tag would fit."""

    person_id: str
    handle: str
    reason: str
    until: datetime | None
    """None when the budget is 0: the person is never tagged automatically."""


def mention_budget(
    mentions: Iterable[tuple[str, str]],
    account: str,
    sent: Iterable[SentMention],
    *,
    per_account_per_day: int,
    per_person_per_week: int,
    now: datetime,
) -> list[BudgetExcess]:
    """The people among ``mentions`` (``(person id, handle)``) that a post from ``account``
    at ``now`` would tag past the budget: at most ``per_account_per_day`` automated tags
    of a person from one X account in 24 hours, and ``per_person_per_week`` across all
    the organisation's X accounts in 7 days. ``sent`` is every counted tag on X.
    """
    by_person: dict[str, list[SentMention]] = {}
    for item in sent:
        by_person.setdefault(item.person_id, []).append(item)
    found: list[BudgetExcess] = []
    seen: set[str] = set()
    for person_id, handle in mentions:
        if person_id in seen:
            continue
        seen.add(person_id)
        earlier = by_person.get(person_id, [])
        here = [m.at for m in earlier if m.account == account]
        day = fits_at(here, per_account_per_day, BUDGET_DAY, now)
        week = fits_at([m.at for m in earlier], per_person_per_week, BUDGET_WEEK, now)
        if day is None and week is None:
            continue
        if per_account_per_day <= 0 or per_person_per_week <= 0:
            found.append(
                BudgetExcess(person_id, handle, f"@{handle}: the mention budget is 0", None)
            )
            continue
        parts = []
        if day is not None:
            count = sum(1 for t in here if now - BUDGET_DAY < t <= now)
            parts.append(
                f"tagged {count} time(s) from this account in the last 24 h "
                f"(at most {per_account_per_day})"
            )
        if week is not None:
            count = sum(1 for m in earlier if now - BUDGET_WEEK < m.at <= now)
            parts.append(
                f"tagged {count} time(s) from the organisation's X accounts in the last "
                f"7 days (at most {per_person_per_week})"
            )
        until = max(t for t in (day, week) if t is not None)
        found.append(BudgetExcess(person_id, handle, f"@{handle}: {'; '.join(parts)}", until))
    return found


_MENTION = re.compile(r"(?<![\w@])[@＠][A-Za-z0-9_]+(?:[.@][A-Za-z0-9_.-]*[A-Za-z0-9_])*")
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
_PLACEHOLDER = "\x00"
#: Placeholders joined as a list of names is ("A, B and C", "@a @b", "A & B"): one placeholder.
_PLACEHOLDER_RUN = re.compile(
    r"\x00(?:(?:\s*[,;/&+]\s*|\s+(?:and|or|&)\s+|\s*,\s*(?:and|or)\s+|\s+)\x00)+", re.IGNORECASE
)
_NOT_WORD = re.compile(r"[\W_]+")
_TITLE = re.compile(r"^(?:[A-Za-z]{1,8}\.\s+)+")


def name_variants(name: str) -> list[str]:
    """The ways a post may write a target's name: ``Sen. Josh Hawley``, ``Josh Hawley``,
    and (matched case-sensitively by :func:`normalise`) the surname ``Hawley``."""
    name = " ".join(name.split())
    found = [name]
    bare = _TITLE.sub("", name)
    if bare and bare != name:
        found.append(bare)
    return found


def normalise(text: str, names: Iterable[str] = ()) -> str:
    """``text`` without what changes from one target to the next, for comparing posts.

    Removes links, @mentions and handles, and the targets' ``names`` (with or
    without their title; the surname where written with its capital), folds a
    list of them ("@a, @b and Sen. C") into nothing, then drops punctuation and
    case and collapses white space. The same template rendered for different
    targets normalises to the same text.
    """
    text = unicodedata.normalize("NFKC", text)
    for url in sorted({str(u["url"]) for u in _urls(text)}, key=len, reverse=True):
        text = text.replace(url, _PLACEHOLDER)
    text = _URL.sub(_PLACEHOLDER, text)
    text = _MENTION.sub(_PLACEHOLDER, text)
    variants: set[str] = set()
    surnames: set[str] = set()
    for name in names:
        variants.update(v for v in name_variants(name) if v)
        words = name.split()
        if len(words) > 1 and len(words[-1]) > 2:
            surnames.add(words[-1])
    for variant in sorted(variants, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(variant)}(?!\w)", _PLACEHOLDER, text, flags=re.I)
    for surname in sorted(surnames, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(surname)}(?!\w)", _PLACEHOLDER, text)
    text = _PLACEHOLDER_RUN.sub(_PLACEHOLDER, text).replace(_PLACEHOLDER, " ")
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def _urls(text: str) -> list[FoundUrl]:
    from bot.compose.urls import extract_urls_with_indices

    return extract_urls_with_indices(text)


#: Words per shingle in :func:`similarity`.
SHINGLE = 3


def shingles(normalised: str, size: int = SHINGLE) -> frozenset[tuple[str, ...]]:
    """The runs of ``size`` consecutive words of a normalised text (the whole text if shorter)."""
    words = normalised.split()
    if len(words) <= size:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def similarity(a: str, b: str) -> float:
    """The Jaccard similarity of two normalised texts' word shingles: 1.0 when equal."""
    if a == b:
        return 1.0
    first, second = shingles(a), shingles(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


@lru_cache(maxsize=32_768)
def _compared(text: str, names: tuple[str, ...]) -> tuple[str, frozenset[tuple[str, ...]]]:
    """A text's normalised form and shingles, remembered: the guard compares each post
    with the same recent posts again and again (about 0.6 ms a text to normalise)."""
    normalised = normalise(text, names)
    return normalised, shingles(normalised)


@dataclass(frozen=True, slots=True)
class RecentPost:
    """A post sent (or being sent) on the same platform recently, for the near-duplicate check."""

    account: str
    at: datetime
    text: str
    names: tuple[str, ...] = ()
    """Its targets' names and handles, removed before comparing."""


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """An earlier post that ``post`` is too similar to."""

    post: RecentPost
    score: float
    same_account: bool


def near_duplicate(
    text: str,
    names: Iterable[str],
    account: str,
    recent: Iterable[RecentPost],
    *,
    threshold: float,
    window: timedelta,
    window_across: timedelta,
    now: datetime,
) -> NearDuplicate | None:
    """The most similar earlier post within its window, if it reaches ``threshold``.

    A post from the same account counts within ``window``; one from another of
    the organisation's accounts within ``window_across``. Texts are compared
    :func:`normalise`\\ d: equal after that, or a :func:`similarity` of at
    least ``threshold``. Posts of the same account are preferred when two match.
    """
    mine, my_shingles = _compared(text, tuple(sorted(names)))
    best: NearDuplicate | None = None
    for other in recent:
        same = other.account == account
        if not now - (window if same else window_across) < other.at <= now:
            continue
        theirs, their_shingles = _compared(other.text, tuple(sorted(other.names)))
        if mine == theirs:
            score = 1.0
        elif not my_shingles or not their_shingles:
            continue
        else:
            score = len(my_shingles & their_shingles) / len(my_shingles | their_shingles)
        if score + 1e-9 < threshold:
            continue
        found = NearDuplicate(other, score, same)
        if best is None or (found.same_account, found.score) > (best.same_account, best.score):
            best = found
    return best


# -- reading the post log --------------------------------------------------------------------


def load_history(
    session: Session,
    post: Post,
    now: datetime,
    *,
    do_not_tag: Collection[str] | None = None,
    approval_required: bool = False,
    settings: Settings | None = None,
    lookback: timedelta = BUDGET_WEEK,
) -> History:
    """The :class:`History` of ``post``'s account, from the post log.

    The reads are :mod:`bot.store.history`'s (the SQL's home); this only puts them
    together. Counts the account's posts in the same mode (live posts count against
    live caps; dry runs simulate them without ever blocking a live post) that went
    out or may have: ``posted``, ``sending`` and ``unknown`` (``dry_run`` in dry
    runs). Posts still being sent have no cost recorded yet; with ``settings`` their
    expected price (:func:`bot.platforms.pricing.post_cost`) counts towards the
    month's spend. ``do_not_tag`` holds person ids or handles; left out, the
    directory's do-not-tag list is read
    (:func:`bot.directory.overrides.do_not_tag_entries`). ``approval_required``
    comes from the campaign. The pause is :func:`bot.store.queries.active_pause`'s.
    On X, also every account's posts sent or in flight in the last ``lookback``
    (at least the budget's week) and whom they tagged, for the near-duplicate check
    and the mention budget.
    """
    from bot.store import history as log
    from bot.store.queries import active_pause

    now = now.astimezone(UTC)
    on_x = post.platform == "x"
    counts = log.account_counts(session, post, now, pending=settings is not None and on_x)
    spend = counts.spend_this_month
    if counts.pending_texts and settings is not None:
        from bot.platforms.pricing import post_cost

        spend += sum(post_cost("x", post.account, text, settings) for text in counts.pending_texts)

    pause = active_pause(session, post.campaign_id, post.platform, post.account, now)

    targets = log.post_targets(session, post.id)
    tagged = [(person, handle) for person, handle, _ in targets if handle is not None]
    if do_not_tag is None:
        from bot.directory.overrides import do_not_tag_entries

        do_not_tag = do_not_tag_entries(session, post.platform, tagged) if tagged else ()
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

    recent: tuple[RecentPost, ...] = ()
    sent_mentions: tuple[SentMention, ...] = ()
    if on_x:
        sent = log.recent_on_platform(session, post, now - max(lookback, BUDGET_WEEK))
        recent = tuple(RecentPost(p.account, p.at, p.text, p.names) for p in sent)
        sent_mentions = tuple(
            SentMention(person_id, p.account, p.at) for p in sent for person_id in p.tagged
        )

    return History(
        names=tuple(
            sorted({value for _, handle, name in targets for value in (handle, name) if value})
        ),
        recent=recent,
        sent_mentions=sent_mentions,
        posts_last_24h=counts.posts_last_24h,
        oldest_in_last_24h=counts.oldest_in_last_24h,
        posts_this_month=counts.posts_this_month,
        last_post_at=counts.last_post_at,
        spend_this_month=spend,
        same_text_account=log.same_text_account(session, post),
        approved=post.approved_by is not None,
        approval_required=approval_required,
        do_not_tag=blocked,
        paused=(pause.scope + (f" ({pause.reason})" if pause.reason else "")) if pause else None,
        paused_until=pause.until if pause else None,
    )


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


def guard_for(
    settings: Settings,
    mode: object = None,
    *,
    schedules: Mapping[str, Schedule] | None = None,
) -> Callable[[Session, Post, datetime], Verdict]:
    """The guard the worker calls before every publish: ``(session, post, now) -> Verdict``.

    Policies are read from ``settings`` once per account; those of the configured
    accounts right away, so a bad setting stops the bot at start-up rather than
    at its first post. ``schedules`` (campaign id -> schedule, from the campaign
    files) makes end dates and quiet hours hold for every post published, however
    it was planned (:func:`schedule_verdict`); the commands that publish always
    pass it. Left out, only the policies apply.
    """
    from bot.platforms.accounts import configured_accounts
    from bot.schedule.worker import outgoing

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
        policy = policies[key]
        history = load_history(
            session,
            post,
            now,
            settings=settings,
            lookback=max(policy.near_duplicate_window, policy.near_duplicate_window_across),
        )
        return check(outgoing(post), history, policies[key], now)

    return guard
