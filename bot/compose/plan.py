"""Planning: which posts a campaign run makes. Pure logic, no I/O.

Given a campaign, the people it targets and a :class:`PlanHistory` (what the
post log says about earlier posts), :func:`plan_run` picks, per platform:

1. the bill: least recently posted about first (then file order);
2. the targets: those not tagged about that bill on that platform within the
   campaign's cooldown, least recently tagged first (then file order), up to
   ``mentions_per_post``;
3. the variant: least recently used first (then file order);
4. renders it, and drops mentions from the end until the text fits the
   platform's limit (a post always keeps at least one target);
5. skips a text the account has already sent.

On X, a campaign with ``x_mentions: name`` names every target in plain text;
otherwise a target whose automated-mention budget is spent (:class:`XBudget`,
as the guard counts it) is named in plain text instead of tagged, with a note.

Each post it picks updates the history, so one run rotates too. Everything it
did not do is explained in :attr:`Plan.notes`.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.campaigns.schema import Bill, Campaign, Platform, Variant, XMentions
from bot.compose import length
from bot.compose.render import TemplateProblem, join_names
from bot.compose.text import addressed, post_text
from bot.compose.text import template_context as template_context  # importable from here too
from bot.directory.people import Person
from bot.posts import PlanHistory as PlanHistory  # the plain shapes live in bot.posts,
from bot.posts import PlannedPost as PlannedPost  # which the store uses without the
from bot.posts import PlannedTarget as PlannedTarget  # planner; importable from here too

_EPOCH = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class XBudget:
    """The mention budget on X the planner keeps to (the guard's defaults unless given):
    tags of one person per X account in 24 hours, and across X accounts in 7 days."""

    per_account_per_day: int = 1
    per_person_per_week: int = 3

    def spent(
        self, tags: Sequence[tuple[str, str, datetime]], account: str, now: datetime
    ) -> set[str]:
        """The people one more tag of from ``account`` at ``now`` would take past the budget."""
        from bot.compose.budget import BUDGET_DAY, BUDGET_WEEK, fits_at

        by_person: dict[str, list[tuple[str, datetime]]] = {}
        for person_id, where, when in tags:
            by_person.setdefault(person_id, []).append((where, when))
        return {
            person_id
            for person_id, seen in by_person.items()
            if fits_at(
                [w for a, w in seen if a == account], self.per_account_per_day, BUDGET_DAY, now
            )
            or fits_at([w for _, w in seen], self.per_person_per_week, BUDGET_WEEK, now)
        }

    @property
    def allows_none(self) -> bool:
        """A budget of 0: nobody is tagged on X."""
        return self.per_account_per_day <= 0 or self.per_person_per_week <= 0


@dataclass
class Plan:
    posts: list[PlannedPost]
    notes: list[str]


def post_key(
    platform: str, account: str, campaign_id: str, bill: str, target_ids: Sequence[str], text: str
) -> str:
    """The post's stable key: sha256 over its identity, the same in every process."""
    parts = [platform, account, campaign_id, bill, ",".join(sorted(target_ids)), text]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def compose_text(
    campaign: Campaign,
    bill: Bill,
    platform: str,
    variant: Variant,
    people: Sequence[Person],
    *,
    name_on_x: bool = False,
    untagged: frozenset[str] = frozenset(),
) -> tuple[str, tuple[PlannedTarget, ...]]:
    """Render one variant for ``people``; return the text and who it addresses.

    ``name_on_x`` names everyone in plain text on X (``x_mentions: name``);
    ``untagged`` holds the ids of people to name rather than tag.
    """
    pairs = addressed(people, platform, name_on_x=name_on_x, untagged=untagged)
    text = post_text(campaign, bill, platform, variant, pairs)
    targets = tuple(PlannedTarget(p.id, p.display_name, handle) for p, handle in pairs)
    return text, targets


def plan_run(
    campaign: Campaign,
    people: Sequence[Person],
    history: PlanHistory,
    now: datetime,
    *,
    text_used: Callable[[str, str, str], bool] = lambda platform, account, digest: False,
    platforms: Sequence[Platform] | None = None,
    posts_per_run: int | None = None,
    limits: dict[str, int] | None = None,
    x_budget: XBudget | None = None,
) -> Plan:
    """Plan one run of ``campaign`` at ``now`` (see the module docstring).

    ``text_used(platform, account, text_hash)`` says whether the account already
    sent that text. ``limits`` overrides a platform's length limit (a Mastodon
    instance's own). ``x_budget`` is the mention budget on X (default:
    :class:`XBudget`'s, the guard's defaults). ``history`` is updated in place
    with the planned posts.
    """
    budget = x_budget or XBudget()
    posts: list[PlannedPost] = []
    notes: list[str] = []
    planned: set[tuple[str, str, str]] = set()

    repeats: set[str] = set()  # platforms where a text was turned down as already sent

    def used(platform: str, account: str, digest: str) -> bool:
        if (platform, account, digest) in planned or text_used(platform, account, digest):
            repeats.add(platform)
            return True
        return False

    run = _Run(
        campaign=campaign,
        people=people,
        order={person.id: index for index, person in enumerate(people)},
        history=history,
        now=now,
        budget=budget,
        text_used=used,
        notes=notes,
    )
    per_run = posts_per_run or campaign.schedule.posts_per_run
    for platform in platforms or campaign.platforms:
        name = platform.value
        account = campaign.account_for(platform)
        limit = (limits or {}).get(name) or length.limit(name, account=account)
        variants = campaign.variants_for(platform)
        channel = _Channel(name, account, limit, tuple(variants))
        if not variants:
            notes.append(f"{name}: no message variant is meant for this platform")
            continue
        room = campaign.schedule.posts_per_day - history.posts_today.get(name, 0)
        if room <= 0:
            notes.append(
                f"{name}: daily cap of {campaign.schedule.posts_per_day} posts reached; "
                "nothing more today"
            )
            continue
        wanted = min(per_run, room)
        noted = len(notes)
        made = 0
        for _ in range(wanted):
            post = _plan_one(run, channel, progress=(made, wanted))
            if post is None:
                break
            made += 1
            planned.add((post.platform, post.account, post.text_hash))
            posts.append(post)
            _remember(history, post, now)
            queue = run.queues.get((post.bill, post.platform))
            if queue is not None:
                for person_id in dict.fromkeys(t.person_id for t in post.targets):
                    queue.tagged(person_id)
        notes.extend(_shortfall_notes(name, made, wanted, per_run, noted < len(notes), repeats))
    return Plan(posts=posts, notes=notes)


@dataclass(frozen=True, slots=True)
class _Run:
    """What stays the same while :func:`plan_run` plans one run of a campaign.

    ``history``, ``notes`` and ``queues`` are the same objects throughout; their
    contents grow as posts are planned.
    """

    campaign: Campaign
    people: Sequence[Person]
    order: dict[str, int]
    """Person id -> its place in :attr:`people` (the tie-break after rotation)."""
    history: PlanHistory
    now: datetime
    budget: XBudget
    text_used: Callable[[str, str, str], bool]
    """``(platform, account, text hash) -> bool``: already sent, or planned this run."""
    notes: list[str]
    queues: dict[tuple[str, str], _TargetQueue] = field(default_factory=dict)
    """(bill key, platform) -> its targets in order, built on first use."""
    x_tags: dict[str, list[tuple[str, str, datetime]]] = field(default_factory=dict)
    """Person id -> their tags on X (:attr:`PlanHistory.x_tags`), indexed on first use and
    kept up as posts are planned: the budget asks about a post's candidates only."""
    x_tags_seen: list[int] = field(default_factory=lambda: [0])
    """How many of :attr:`PlanHistory.x_tags` :attr:`x_tags` holds."""

    def x_tags_of(self, people: Sequence[Person]) -> list[tuple[str, str, datetime]]:
        """The X tags of ``people`` (as :attr:`PlanHistory.x_tags` has them, in its order)."""
        tags = self.history.x_tags
        for tag in tags[self.x_tags_seen[0] :]:
            self.x_tags.setdefault(tag[0], []).append(tag)
        self.x_tags_seen[0] = len(tags)
        ids = dict.fromkeys(person.id for person in people)
        return [tag for person_id in ids for tag in self.x_tags.get(person_id, ())]

    def queue(self, bill: str, platform: str) -> _TargetQueue:
        """The target queue of ``bill`` on ``platform`` (made on first use)."""
        found = self.queues.get((bill, platform))
        if found is None:
            found = self.queues[bill, platform] = _TargetQueue(self, bill, platform)
        return found


@dataclass(frozen=True, slots=True)
class _Channel:
    """Where the posts being planned go: one platform and account, its limit, its texts."""

    platform: str
    account: str
    limit: int
    variants: tuple[Variant, ...]


def _shortfall_notes(
    platform: str, made: int, wanted: int, per_run: int, explained: bool, repeats: set[str]
) -> list[str]:
    """Why a platform got fewer than ``posts_per_run`` posts, where no other note says so.

    The daily cap is named only when it is what stopped the run (every post
    the cap left room for was planned); a run that ran out of targets or
    texts first says that instead.
    """
    if made == wanted:
        if wanted < per_run:
            return [f"{platform}: {per_run - wanted} post(s) held back by the daily cap"]
        return []
    if explained:
        return []
    if platform in repeats:
        return [
            f"{platform}: {made} of {wanted} post(s) planned; every other text this run "
            "could make was already sent from this account"
        ]
    return [f"{platform}: {made} of {wanted} post(s) planned; no other post could be made"]


class _TargetQueue:
    """The people eligible for one (bill, platform), in the planner's order.

    The order is that of the plain rule (least recently tagged first, then the
    order of ``people``; only those out of their cooldown), sorted once per run
    instead of once per post, which made a run quadratic in its targets. A
    person tagged during the run goes to the back (with a cooldown of zero) or
    leaves (any other cooldown); their old places are skipped lazily.
    """

    def __init__(self, run: _Run, bill: str, platform: str) -> None:
        people, order, history, now = run.people, run.order, run.history, run.now
        self.people, self.order, self.now = people, order, now
        self.keep = run.campaign.cooldown <= timedelta(0)  # tagged people stay eligible
        self.positions: dict[str, list[int]] = {}
        for position, person in enumerate(people):
            self.positions.setdefault(person.id, []).append(position)
        last = history.last_tagged
        # (when last tagged, order, position): the plain rule's sort key, made
        # total by the position, as its stable sort over ``people`` was
        self.keys = sorted(
            (last.get((p.id, bill, platform), _EPOCH), order[p.id], position)
            for position, p in enumerate(people)
            if _cooled(history, p.id, bill, platform, run.campaign, now)
        )
        self.size = len(people)
        self.eligible = len(self.keys)
        self.version = [0] * len(people)
        self.versions = [0] * len(self.keys)
        self.start = 0

    def first(self, count: int) -> list[Person]:
        """The first ``count`` eligible people, without taking them."""
        found: list[Person] = []
        index = self.start
        while index < len(self.keys) and len(found) < count:
            position = self.keys[index][2]
            if self.versions[index] == self.version[position]:
                found.append(self.people[position])
            elif index == self.start:
                self.start += 1  # an old place: the person moved or left
            index += 1
        return found

    def tagged(self, person_id: str) -> None:
        """``person_id`` was just tagged at ``now`` (once per post, whatever the mentions)."""
        positions = self.positions.get(person_id, [])
        for position in positions:
            self.version[position] += 1
        if not self.keep:
            self.eligible -= len(positions)
            return
        for position in positions:
            key = (self.now, self.order[person_id], position)
            index = bisect.bisect_right(self.keys, key, lo=self.start)
            self.keys.insert(index, key)
            self.versions.insert(index, self.version[position])


def _plan_one(run: _Run, channel: _Channel, progress: tuple[int, int]) -> PlannedPost | None:
    """The next post of a run on ``platform``, or None (with a note saying why).

    ``progress`` is (posts planned on the platform so far this run, posts wanted),
    so the note about the cooldown is true of a run that already planned some.
    """
    campaign, history, platform = run.campaign, run.history, channel.platform
    bills = sorted(
        enumerate(campaign.bills),
        key=lambda item: (history.last_bill.get((platform, item[1].key), _EPOCH), item[0]),
    )
    ranked_variants = sorted(
        enumerate(channel.variants),
        key=lambda item: (history.last_variant.get((platform, item[1].id), _EPOCH), item[0]),
    )
    cooling = 0
    for _, bill in bills:
        if campaign.mentions_per_post == 0:
            candidates: list[Person] = []
        else:
            queue = run.queue(bill.key, platform)
            cooling += queue.size - queue.eligible
            if not queue.eligible:
                continue
            candidates = queue.first(campaign.mentions_per_post)
        untagged = _untagged(run, platform, channel.account, candidates)
        for _, variant in ranked_variants:
            fitting = [p for p in candidates if variant.suits_chamber(p.chamber)]
            if candidates and not fitting:
                continue  # a text for the other chamber ("suits: [senate]")
            post = _fit(run, channel, bill, variant, fitting, untagged)
            if post is not None:
                _note_budget(post, candidates, untagged, run.budget, run.notes)
                return post
    if run.people and campaign.mentions_per_post and cooling:
        cooldown = _human(campaign.cooldown.total_seconds())
        made, wanted = progress
        if made:
            run.notes.append(
                f"{platform}: {made} of {wanted} post(s) planned; every other target was "
                f"addressed within the cooldown ({cooldown}), this run included, for every bill"
            )
        else:
            run.notes.append(
                f"{platform}: every target was addressed within the cooldown "
                f"({cooldown}) for every bill; nothing to post"
            )
    return None


def _untagged(
    run: _Run, platform: str, account: str, candidates: Sequence[Person]
) -> frozenset[str]:
    """Which of ``candidates`` to name in plain text on X: their mention budget is spent.

    Only the candidates are asked about (a post names no one else): asking about
    everyone the run had tagged, for every post, made a national run's planning
    grow with the square of its posts.
    """
    if platform != "x" or run.campaign.x_mentions is not XMentions.TAG or not candidates:
        return frozenset()
    if run.budget.allows_none:
        return frozenset(p.id for p in candidates)
    return frozenset(run.budget.spent(run.x_tags_of(candidates), account, run.now))


def _fit(
    run: _Run,
    channel: _Channel,
    bill: Bill,
    variant: Variant,
    candidates: list[Person],
    untagged: frozenset[str],
) -> PlannedPost | None:
    """Render ``variant`` with as many of ``candidates`` as fit; None if it cannot.

    ``untagged`` holds the ids of people to name in plain text (X's budget spent).
    """
    campaign, platform, account = run.campaign, channel.platform, channel.account
    limit = channel.limit
    for count in range(len(candidates), 0 if candidates else -1, -1):
        try:
            text, targets = compose_text(
                campaign,
                bill,
                platform,
                variant,
                candidates[:count],
                name_on_x=campaign.x_mentions is XMentions.NAME,
                untagged=untagged,
            )
        except TemplateProblem as exc:
            run.notes.append(f"{platform}: message '{variant.id}' skipped: {exc}")
            return None
        size = length.count(platform, text, account=account)
        if size > limit:
            continue
        digest = text_hash(text)
        if run.text_used(platform, account, digest):
            return None
        ids = [t.person_id for t in targets]
        return PlannedPost(
            key=post_key(platform, account, campaign.id, bill.key, ids, text),
            campaign_id=campaign.id,
            bill=bill.key,
            platform=platform,
            account=account,
            variant=variant.id,
            text=text,
            text_hash=digest,
            length=size,
            limit=limit,
            targets=targets,
            link=bill.url,
        )
    run.notes.append(
        f"{platform}: message '{variant.id}' does not fit {limit} even with one target"
    )
    return None


def _note_budget(
    post: PlannedPost,
    candidates: Sequence[Person],
    untagged: frozenset[str],
    budget: XBudget,
    notes: list[str],
) -> None:
    """Say who a post on X names in plain text because their mention budget is spent."""
    if not untagged:
        return
    addressed = {t.person_id for t in post.targets if t.handle is None}
    named = [
        p.display_name
        for p in candidates
        if p.id in addressed and p.id in untagged and p.handle("x")
    ]
    if named:
        notes.append(
            f"x: {join_names(named)} named in plain text, not tagged: the mention budget "
            f"(X_MENTIONS_PER_PERSON_PER_DAY {budget.per_account_per_day} per account, "
            f"X_MENTIONS_PER_PERSON_PER_WEEK {budget.per_person_per_week} across accounts) "
            "is spent"
        )


def _cooled(
    history: PlanHistory,
    person_id: str,
    bill: str,
    platform: str,
    campaign: Campaign,
    now: datetime,
) -> bool:
    last = history.last_tagged.get((person_id, bill, platform))
    return last is None or now - last >= campaign.cooldown


def _remember(history: PlanHistory, post: PlannedPost, now: datetime) -> None:
    for target in post.targets:
        history.last_tagged[(target.person_id, post.bill, post.platform)] = now
    history.last_variant[(post.platform, post.variant)] = now
    history.last_bill[(post.platform, post.bill)] = now
    history.posts_today[post.platform] = history.posts_today.get(post.platform, 0) + 1
    if post.platform == "x":
        # a new list, not extend: a caller planning again from a copy of the history
        # (``dataclasses.replace``) keeps its own list as it was
        tags = [(t.person_id, post.account, now) for t in post.targets if t.handle]
        history.x_tags = [*history.x_tags, *tags]


def _human(seconds: float) -> str:
    days, rest = divmod(int(seconds), 86400)
    if days and not rest:
        return f"{days}d"
    hours, minutes = divmod(rest // 60, 60)
    return f"{days * 24 + hours}h{minutes:02d}m" if minutes else f"{days * 24 + hours}h"
