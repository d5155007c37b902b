"""The policy guard: pure rules, settings, and the history read from the post log."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import ConfigError, Settings
from bot.guard import (
    DEFAULT_POLICIES,
    History,
    VerdictKind,
    automated_label_reminder,
    check,
    load_history,
    next_month,
    policy_for,
    remaining,
)
from bot.platforms.base import Mention, OutgoingPost

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
X = DEFAULT_POLICIES["x"]
BLUESKY = DEFAULT_POLICIES["bluesky"]


def post(
    platform: str = "x", text: str = "Pass SB 792", *handles: str, account: str = "default"
) -> OutgoingPost:
    return OutgoingPost(
        key=hashlib.sha256(text.encode()).hexdigest(),
        platform=platform,
        account=account,
        text=text,
        mentions=tuple(Mention(f"p-{h}", h) for h in handles),
    )


# -- the rules -------------------------------------------------------------------------------


def test_a_quiet_account_may_post() -> None:
    verdict = check(post(), History(), X, NOW)
    assert verdict.allowed and verdict.kind is VerdictKind.ALLOW


def test_a_pause_defers_until_it_ends_or_a_minute_later() -> None:
    until = NOW + timedelta(hours=2)
    timed = check(post(), History(paused="account:x:default (429)", paused_until=until), X, NOW)
    assert (timed.kind, timed.until) == (VerdictKind.DEFER, until)
    open_ended = check(post(), History(paused="all"), X, NOW)
    assert open_ended.kind is VerdictKind.DEFER and open_ended.until == NOW + timedelta(minutes=1)
    assert "paused: all" in open_ended.reason


def test_do_not_tag_skips() -> None:
    verdict = check(
        post("bluesky", "@sen.bsky.social", "sen.bsky.social"),
        History(do_not_tag=("@sen.bsky.social",)),
        BLUESKY,
        NOW,
    )
    assert verdict.kind is VerdictKind.SKIP
    assert "do-not-tag" in verdict.reason


def test_the_same_text_on_two_x_accounts_is_skipped_elsewhere_allowed() -> None:
    history = History(same_text_account="mocoalition")
    x = check(post(), history, X, NOW)
    assert x.kind is VerdictKind.SKIP and "mocoalition" in x.reason
    assert check(post("bluesky"), history, BLUESKY, NOW).allowed


def test_too_many_mentions_are_skipped() -> None:
    many = post(
        "bluesky",
        "hi",
        "a.bsky.social",
        "b.bsky.social",
        "c.bsky.social",
        "d.bsky.social",
        "e.bsky.social",
        "f.bsky.social",
    )
    verdict = check(many, History(), BLUESKY, NOW)
    assert verdict.kind is VerdictKind.SKIP and "at most 5" in verdict.reason


def test_x_posts_that_tag_people_wait_for_approval() -> None:
    tagging = post("x", "@SenHawley pass SB 792", "SenHawley")
    held = check(tagging, History(), X, NOW)
    assert held.kind is VerdictKind.HOLD
    assert "X_REQUIRE_APPROVAL_FOR_MENTIONS=0" in held.reason
    assert check(tagging, History(approved=True), X, NOW).allowed
    switched_off = replace(X, require_approval_for_mentions=False)
    assert check(tagging, History(), switched_off, NOW).allowed
    assert check(
        post("bluesky", "@s.bsky.social", "s.bsky.social"), History(), BLUESKY, NOW
    ).allowed


def test_a_campaign_can_require_approval_everywhere() -> None:
    history = History(approval_required=True)
    assert check(post("bluesky"), history, BLUESKY, NOW).kind is VerdictKind.HOLD
    assert check(post("bluesky"), replace(history, approved=True), BLUESKY, NOW).allowed


def test_approval_comes_before_caps() -> None:
    verdict = check(post("x", "@a hi", "a"), History(posts_last_24h=999), X, NOW)
    assert verdict.kind is VerdictKind.HOLD


def test_the_spend_cap_defers_to_next_month() -> None:
    assert check(post(), History(spend_this_month=9.985), X, NOW).allowed  # 9.985 + 0.015 = 10
    over = check(post(), History(spend_this_month=9.99), X, NOW)
    assert over.kind is VerdictKind.DEFER
    assert over.until == datetime(2026, 12, 1, tzinfo=UTC)
    assert "$9.990 spent of $10.00" in over.reason
    with_url = check(
        post("x", "Read https://senate.mo.gov/sb792"), History(spend_this_month=9.85), X, NOW
    )
    assert with_url.kind is VerdictKind.DEFER and "$0.200" in with_url.reason


def test_a_post_dearer_than_the_cap_is_held() -> None:
    verdict = check(
        post("x", "Read https://senate.mo.gov"), History(), replace(X, monthly_spend_cap=0.10), NOW
    )
    assert verdict.kind is VerdictKind.HOLD


def test_the_monthly_cap_defers_to_next_month() -> None:
    verdict = check(post("bluesky"), History(posts_this_month=600), BLUESKY, NOW)
    assert (verdict.kind, verdict.until) == (VerdictKind.DEFER, datetime(2026, 12, 1, tzinfo=UTC))


def test_the_daily_cap_defers_until_the_oldest_post_is_a_day_old() -> None:
    oldest = NOW - timedelta(hours=20)
    verdict = check(post(), History(posts_last_24h=20, oldest_in_last_24h=oldest), X, NOW)
    assert (verdict.kind, verdict.until) == (VerdictKind.DEFER, oldest + timedelta(hours=24))
    assert check(post(), History(posts_last_24h=19, oldest_in_last_24h=oldest), X, NOW).allowed


def test_spacing_defers_until_it_has_passed() -> None:
    last = NOW - timedelta(minutes=10)
    verdict = check(post(), History(last_post_at=last), X, NOW)
    assert (verdict.kind, verdict.until) == (VerdictKind.DEFER, last + timedelta(minutes=30))
    assert "30 min" in verdict.reason
    assert check(post(), History(last_post_at=NOW - timedelta(minutes=30)), X, NOW).allowed


def test_next_month_rolls_over_the_year() -> None:
    assert next_month(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == datetime(
        2027, 1, 1, tzinfo=UTC
    )


def test_remaining_trims_a_batch_to_the_caps() -> None:
    assert remaining(History(posts_last_24h=15), X) == 5
    assert remaining(History(posts_this_month=299), X) == 1
    assert remaining(History(spend_this_month=9.97), X) == 2  # $0.03 left at $0.015 a post
    assert remaining(History(posts_last_24h=50), X) == 0


def test_the_automated_label_reminder() -> None:
    text = automated_label_reminder(["x/default"])
    assert "'Automated' label" in text and "x/default" in text


# -- settings -----------------------------------------------------------------------------------


def test_defaults_sit_below_platform_limits() -> None:
    policy = policy_for("x", "default", Settings())
    assert policy == replace(X, account="default")
    assert policy.require_approval_for_mentions and not policy.same_text_across_accounts


def test_overrides_per_platform_and_per_account() -> None:
    settings = Settings(
        env={
            "X_POSTS_PER_DAY": "12",
            "X_MIN_SPACING": "45m",
            "X_MONTHLY_SPEND_CAP": "4.50",
            "X_MOCOALITION_POSTS_PER_DAY": "3",
            "X_REQUIRE_APPROVAL_FOR_MENTIONS": "0",
            "BLUESKY_MENTIONS_PER_POST": "2",
            "MASTODON_MIN_SPACING": "90",
        }
    )
    default = policy_for("x", "default", settings)
    coalition = policy_for("x", "mocoalition", settings)
    assert (default.posts_per_day, coalition.posts_per_day) == (12, 3)
    assert coalition.min_spacing == timedelta(minutes=45)  # falls back to the platform setting
    assert default.monthly_spend_cap == 4.50
    assert not default.require_approval_for_mentions
    assert policy_for("bluesky", "default", settings).mentions_per_post == 2
    assert policy_for("mastodon", "default", settings).min_spacing == timedelta(seconds=90)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"X_POSTS_PER_DAY": "5000"}, "X_POSTS_PER_DAY=5000 is above what x allows"),
        ({"X_POSTS_PER_DAY": "lots"}, "X_POSTS_PER_DAY must be a number"),
        ({"X_MIN_SPACING": "soon"}, "X_MIN_SPACING: 'soon' is not a duration; write a number"),
        ({"X_REQUIRE_APPROVAL_FOR_MENTIONS": "maybe"}, "must be 1 or 0"),
        ({"X_MONTHLY_SPEND_CAP": "-1"}, "X_MONTHLY_SPEND_CAP must be ≥ 0"),
    ],
)
def test_bad_settings_are_configuration_errors(env, message) -> None:
    with pytest.raises(ConfigError, match=message):
        policy_for("x", "default", Settings(env=env))


# -- the post log ---------------------------------------------------------------------------------


@pytest.fixture
def database(tmp_path):
    from bot.store.db import Database

    db = Database(f"sqlite:///{tmp_path / 'guard.db'}")
    yield db
    db.dispose()


def row(
    n: int,
    *,
    when: datetime,
    status: str = "posted",
    account: str = "default",
    platform: str = "x",
    mode: str = "live",
    text: str | None = None,
    cost: float = 0.015,
    campaign: str = "sb792",
):
    from bot.store.models import Post

    text = text or f"post {n}"
    return Post(
        key=f"{n:064d}",
        created_at=when,
        scheduled_for=when,
        updated_at=when,
        mode=mode,
        campaign_id=campaign,
        bill="MO SB 792",
        platform=platform,
        account=account,
        variant="a",
        text=text,
        text_hash=hashlib.sha256(text.encode()).hexdigest(),
        length=len(text),
        status=status,
        cost=cost,
        attempt_count=1,
    )


def test_load_history_counts_what_went_out_for_this_account(database) -> None:
    from bot.store.models import Pause, PostTarget

    with database.session() as session:
        session.add_all(
            [
                row(1, when=NOW - timedelta(hours=1)),
                row(2, when=NOW - timedelta(hours=5), cost=0.2),
                row(3, when=NOW - timedelta(days=3)),  # this month, not today
                row(4, when=datetime(2026, 10, 30, tzinfo=UTC)),  # last month
                row(5, when=NOW - timedelta(minutes=5), status="failed"),  # never went out
                row(6, when=NOW - timedelta(minutes=4), mode="dry_run", status="dry_run"),
                row(7, when=NOW - timedelta(minutes=3), account="mocoalition", text="Pass SB 792"),
                row(
                    8,
                    when=NOW - timedelta(minutes=2),
                    status="sending",
                    cost=0.0,
                    text="Read https://senate.mo.gov",
                ),  # in flight: $0.20 expected
                row(9, when=NOW - timedelta(minutes=1), platform="bluesky"),
            ]
        )
        session.flush()
        current = row(10, when=NOW, status="queued", text="Pass SB 792")
        session.add(current)
        session.flush()
        session.add(
            PostTarget(
                post_id=current.id,
                position=0,
                person_id="H001089",
                name="Josh Hawley",
                handle="HawleyMO",
                platform="x",
                bill="MO SB 792",
                created_at=NOW,
            )
        )
        session.add(Pause(scope="campaign:sb792", reason="hearing moved", since=NOW))

    with database.session() as session:
        from bot.store.models import Post

        current = session.query(Post).filter_by(key=f"{10:064d}").one()
        history = load_history(session, current, NOW, do_not_tag={"hawleymo"}, settings=Settings())

    assert history.posts_last_24h == 3  # 1, 2 and the one being sent
    assert history.oldest_in_last_24h == NOW - timedelta(hours=5)
    assert history.posts_this_month == 4
    assert history.last_post_at == NOW - timedelta(minutes=2)
    assert history.spend_this_month == pytest.approx(0.015 + 0.2 + 0.015 + 0.2)
    assert history.same_text_account == "mocoalition"
    assert history.do_not_tag == ("@HawleyMO",)
    assert history.paused == "campaign:sb792 (hearing moved)"
    assert not history.approved

    verdict = check(post("x", "Pass SB 792", "HawleyMO"), history, X, NOW)
    assert verdict.kind is VerdictKind.DEFER  # the pause comes first


def test_load_history_of_a_dry_run_ignores_live_posts(database) -> None:
    with database.session() as session:
        session.add_all(
            [
                row(1, when=NOW - timedelta(hours=1)),
                row(2, when=NOW - timedelta(hours=2), mode="dry_run", status="dry_run"),
            ]
        )
        session.flush()
        current = row(3, when=NOW, mode="dry_run", status="queued")
        current.approved_by = "pat"
        session.add(current)
        session.flush()
        history = load_history(session, current, NOW)
    assert (history.posts_last_24h, history.approved, history.paused) == (1, True, None)


def test_the_directory_do_not_tag_list_is_read_when_none_is_given(database) -> None:
    from bot.directory import models
    from bot.store.models import Post, PostTarget

    with database.session() as session:
        current = row(1, when=NOW, status="queued", platform="bluesky")
        session.add(current)
        session.flush()
        for position, (person, handle) in enumerate(
            [("H001089", "hawley.bsky.social"), ("S001227", "Schmitt.bsky.social")]
        ):
            session.add(
                PostTarget(
                    post_id=current.id,
                    position=position,
                    person_id=person,
                    name=person,
                    handle=handle,
                    platform="bluesky",
                    bill="MO SB 792",
                    created_at=NOW,
                )
            )
        session.add_all(
            [
                models.DoNotTag(
                    person_id="H001089", platform="x", source="do-not-tag", created_at=NOW
                ),  # another platform: not here
                models.DoNotTag(
                    platform="bluesky",
                    handle="schmitt.bsky.social",
                    source="do-not-tag",
                    created_at=NOW,
                ),
            ]
        )
        session.flush()
        history = load_history(session, session.get(Post, current.id), NOW)
    assert history.do_not_tag == ("@Schmitt.bsky.social",)


def test_guard_for_is_what_the_worker_calls(database) -> None:
    from bot.guard import guard_for
    from bot.store.models import Post, PostTarget

    settings = Settings(env={"X_API_KEY": "k" * 8, "X_POSTS_PER_DAY": "1"})
    guard = guard_for(settings)
    with database.session() as session:
        session.add(row(1, when=NOW - timedelta(hours=2)))
        current = row(2, when=NOW, status="queued", text="@HawleyMO pass SB 792")
        session.add(current)
        session.flush()
        session.add(
            PostTarget(
                post_id=current.id,
                position=0,
                person_id="H001089",
                name="Josh Hawley",
                handle="HawleyMO",
                platform="x",
                bill="MO SB 792",
                created_at=NOW,
            )
        )
        session.flush()
        session.expire(current)
        post_row = session.get(Post, current.id)
        assert guard(session, post_row, NOW).kind == "hold"  # tags someone on X
        post_row.approved_by = "pat"
        verdict = guard(session, post_row, NOW)
    assert verdict.kind == "defer" and "cap is 1" in verdict.reason

    with pytest.raises(ConfigError, match="X_POSTS_PER_DAY"):
        guard_for(Settings(env={"X_API_KEY": "k" * 8, "X_POSTS_PER_DAY": "99999"}))


# -- the campaign's schedule, and failing closed ----------------------------------------------


def chicago(**fields):
    from bot.campaigns.schema import Schedule

    return Schedule.model_validate({"cron": "0 10 * * *", "timezone": "America/Chicago", **fields})


def test_schedule_verdict_defers_live_posts_in_quiet_hours_until_they_end() -> None:
    from bot.guard import schedule_verdict

    quiet = chicago(quiet_hours={"start": "21:00", "end": "08:00"})
    ten_pm = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)  # 22:00 CST on the 17th
    verdict = schedule_verdict("sb792", quiet, live=True, now=ten_pm)
    assert verdict is not None and verdict.kind is VerdictKind.DEFER
    assert verdict.until == datetime(2026, 11, 18, 14, 0, tzinfo=UTC)  # 08:00 CST
    assert verdict.reason == "quiet hours of campaign sb792 (21:00-08:00 America/Chicago)"
    # a dry run goes through quiet hours (`run` says so on the campaign); daytime is free
    assert schedule_verdict("sb792", quiet, live=False, now=ten_pm) is None
    assert schedule_verdict("sb792", quiet, live=True, now=NOW) is None


def test_schedule_verdict_skips_posts_after_the_end_date_in_every_mode() -> None:
    from bot.guard import schedule_verdict

    ended = chicago(end="2026-11-01")
    for live in (True, False):
        verdict = schedule_verdict("sb792", ended, live=live, now=NOW)
        assert verdict is not None and verdict.kind is VerdictKind.SKIP
        assert verdict.reason == "campaign sb792 ended on 2026-11-01 (schedule.end)"


def test_schedule_verdict_holds_back_a_live_post_it_cannot_check() -> None:
    from bot.guard import schedule_verdict

    verdict = schedule_verdict("gone", None, live=True, now=NOW)
    assert verdict is not None and verdict.kind is VerdictKind.DEFER
    assert "campaign gone is not among the campaign files loaded" in verdict.reason


def test_a_missing_do_not_tag_table_stops_the_guard_instead_of_allowing(
    database, monkeypatch
) -> None:
    """The do-not-tag list is never read as empty because its module failed to import."""
    import sys

    from bot.store.models import Post, PostTarget

    with database.session() as session:
        current = row(1, when=NOW, status="queued", text="@HawleyMO pass SB 792")
        session.add(current)
        session.flush()
        session.add(
            PostTarget(
                post_id=current.id, position=0, person_id="H001089", name="Josh Hawley",
                handle="HawleyMO", platform="x", bill="MO SB 792", created_at=NOW,
            )
        )  # fmt: skip
        session.flush()
        monkeypatch.setitem(sys.modules, "bot.directory.models", None)
        with pytest.raises(ImportError):
            load_history(session, session.get(Post, current.id), NOW)


def test_run_builds_no_guard_when_the_guard_cannot_be_imported(monkeypatch) -> None:
    """`run` and `worker` once fell back to letting every post through."""
    import sys

    from bot.cli.run import make_guard
    from bot.config import Mode

    monkeypatch.setitem(sys.modules, "bot.guard", None)
    with pytest.raises(ImportError):
        make_guard(Settings(env={}), Mode.DRY_RUN, {})


# -- X's rules on automated mentions: near-duplicates and the mention budget ---------------------

from bot.guard import (  # noqa: E402
    RecentPost,
    SentMention,
    fits_at,
    mention_budget,
    near_duplicate,
    normalise,
    similarity,
)

LETTER = (
    "{who}: survivors of human trafficking should not carry their traffickers' crimes on "
    "their records. Please support SB 792 and vote yes this week. {link}"
)


def test_normalise_sets_aside_handles_names_links_case_and_punctuation() -> None:
    tagged = LETTER.format(who="@SenHawley @EricSchmitt", link="https://senate.mo.gov/sb792")
    named = LETTER.format(
        who="Sen. Nick Schroer, Rep. Ann Kelley and @RepSmith", link="senate.mo.gov/sb792?x=1"
    ).upper()
    expected = (
        "survivors of human trafficking should not carry their traffickers crimes on their "
        "records please support sb 792 and vote yes this week"
    )
    assert normalise(tagged, ["SenHawley", "EricSchmitt"]) == expected
    assert normalise(named, ["Sen. Nick Schroer", "Rep. Ann Kelley", "RepSmith"]) == expected
    # a name without its title, and the surname alone (written with its capital)
    assert normalise("Josh Hawley, pass it", ["Sen. Josh Hawley"]) == "pass it"
    assert normalise("Thank you, Senator Hawley!", ["Sen. Josh Hawley"]) == "thank you senator"
    # what is not a handle, a name or a link stays: a different message differs
    assert normalise("Write to jo@example.org about SB 792") != normalise("Write about SB 792")


def test_similarity_is_the_jaccard_of_word_shingles() -> None:
    base = normalise(LETTER.format(who="@a", link=""))
    assert similarity(base, base) == 1.0
    shingles = len(base.split()) - 2  # of three words each
    longer = base + " today"  # one shingle more
    assert similarity(base, longer) == pytest.approx(shingles / (shingles + 1))
    assert similarity(base, longer) > 0.9
    changed = base.replace("support", "back")  # one word changes three shingles
    assert similarity(base, changed) < 0.9
    assert similarity("pass it", "kill it") == 0.0
    assert similarity("", "pass it") == 0.0


def test_near_duplicate_looks_within_each_window() -> None:
    mine = LETTER.format(who="@EricSchmitt", link="")
    earlier = LETTER.format(who="@SenHawley", link="https://senate.mo.gov")
    recent = [
        RecentPost("default", NOW - timedelta(hours=25), earlier, ("SenHawley",)),
        RecentPost("mocoalition", NOW - timedelta(days=6), earlier, ("SenHawley",)),
        RecentPost("default", NOW - timedelta(hours=1), "Something else entirely, SB 792"),
    ]
    windows = {"threshold": 0.9, "window": timedelta(hours=24), "now": NOW}
    found = near_duplicate(
        mine, ["EricSchmitt"], "default", recent, window_across=timedelta(days=7), **windows
    )
    assert found is not None and found.post.account == "mocoalition" and not found.same_account
    assert found.score == 1.0
    assert (
        near_duplicate(
            mine, ["EricSchmitt"], "default", recent, window_across=timedelta(days=5), **windows
        )
        is None
    )  # this account's copy is 25 h old, the other account's 6 days


def test_fits_at_is_the_sliding_window_arithmetic() -> None:
    day = timedelta(hours=24)
    assert fits_at([], 1, day, NOW) is None
    assert fits_at([NOW - timedelta(hours=30)], 1, day, NOW) is None  # left the window
    assert fits_at([NOW - timedelta(hours=3)], 1, day, NOW) == NOW + timedelta(hours=21)
    times = [NOW - timedelta(days=d) for d in (6, 5, 2, 1)]  # 4 in the week, cap 3
    week = timedelta(days=7)
    # two must leave: the second oldest (5 days ago) leaves in 2 days
    assert fits_at(times, 3, week, NOW) == NOW + timedelta(days=2)
    assert fits_at(times[1:], 4, week, NOW) is None
    assert fits_at([], 0, day, NOW) is not None  # a budget of 0 never fits


def test_mention_budget_per_account_a_day_and_across_accounts_a_week() -> None:
    sent = [
        SentMention("H001089", "default", NOW - timedelta(hours=2)),
        SentMention("S001227", "mocoalition", NOW - timedelta(hours=2)),
        SentMention("S001227", "default", NOW - timedelta(days=2)),
        SentMention("S001227", "default", NOW - timedelta(days=4)),
    ]
    budget = {"per_account_per_day": 1, "per_person_per_week": 3, "now": NOW}
    over = mention_budget([("H001089", "SenHawley")], "default", sent, **budget)
    assert [(o.person_id, o.until) for o in over] == [("H001089", NOW + timedelta(hours=22))]
    assert "from this account in the last 24 h (at most 1)" in over[0].reason
    # another account may tag Hawley today; Schmitt has had his three this week
    assert mention_budget([("H001089", "SenHawley")], "mocoalition", sent, **budget) == []
    (schmitt,) = mention_budget([("S001227", "EricSchmitt")], "other", sent, **budget)
    assert schmitt.until == NOW - timedelta(days=4) + timedelta(days=7)
    assert "3 time(s) from the organisation's X accounts in the last 7 days" in schmitt.reason
    assert mention_budget([("S001227", "EricSchmitt")], "other", sent[:3], **budget) == []


def x_post(text: str, *people: tuple[str, str], account: str = "default") -> OutgoingPost:
    return OutgoingPost(
        key=hashlib.sha256(text.encode()).hexdigest(),
        platform="x",
        account=account,
        text=text,
        mentions=tuple(Mention(person, handle) for person, handle in people),
    )


def test_check_skips_a_near_duplicate_from_another_account_and_defers_one_of_its_own() -> None:
    earlier = LETTER.format(who="@SenHawley", link="")
    mine = x_post(LETTER.format(who="@EricSchmitt", link=""), ("S001227", "EricSchmitt"))
    elsewhere = History(
        approved=True,
        names=("EricSchmitt",),
        recent=(RecentPost("mocoalition", NOW - timedelta(hours=3), earlier, ("SenHawley",)),),
    )
    skipped = check(mine, elsewhere, X, NOW)
    assert skipped.kind is VerdictKind.SKIP
    assert "near-duplicate (100% similar" in skipped.reason and "'mocoalition'" in skipped.reason
    own = replace(elsewhere, recent=(replace(elsewhere.recent[0], account="default"),))
    deferred = check(mine, own, X, NOW)
    assert (deferred.kind, deferred.until) == (VerdictKind.DEFER, NOW + timedelta(hours=21))
    assert "waits 24 h after it" in deferred.reason
    # Bluesky has no such rule; on X, a threshold of None switches the check off
    assert check(mine, own, replace(X, similarity_threshold=None), NOW).allowed


def test_check_defers_a_tag_past_the_mention_budget() -> None:
    mine = x_post("@SenHawley pass SB 792", ("H001089", "SenHawley"))
    history = History(
        approved=True, sent_mentions=(SentMention("H001089", "default", NOW - timedelta(hours=2)),)
    )
    verdict = check(mine, history, X, NOW)
    assert (verdict.kind, verdict.until) == (VerdictKind.DEFER, NOW + timedelta(hours=22))
    assert "mention budget" in verdict.reason and "@SenHawley" in verdict.reason
    assert not verdict.account_wide  # the account's other posts may go
    assert check(mine, history, replace(X, person_mentions_per_day=2), NOW).allowed
    never = check(mine, History(approved=True), replace(X, person_mentions_per_week=0), NOW)
    assert never.kind is VerdictKind.SKIP and "allows no automated tag" in never.reason
    assert check(mine, History(approved=True), X, NOW).allowed


def test_an_at_handle_written_in_the_text_counts_as_a_mention_on_x() -> None:
    literal = x_post("Sen. Josh Hawley (@SenHawley), pass SB 792; mail jo@example.org")
    held = check(literal, History(), X, NOW)
    assert held.kind is VerdictKind.HOLD and "unsolicited" in held.reason
    assert check(x_post("Sen. Josh Hawley, pass SB 792"), History(), X, NOW).allowed
    crowded = x_post("@a @b @c @d pass it")
    assert check(crowded, History(), X, NOW).kind is VerdictKind.SKIP


def test_x_rules_settings() -> None:
    policy = policy_for("x", "default", Settings())
    assert (policy.person_mentions_per_day, policy.person_mentions_per_week) == (1, 3)
    assert policy.similarity_threshold == 0.9
    assert policy.near_duplicate_window == timedelta(hours=24)
    assert policy.near_duplicate_window_across == timedelta(days=7)
    settings = Settings(
        env={
            "X_MENTIONS_PER_PERSON_PER_DAY": "2",
            "X_MOCOALITION_MENTIONS_PER_PERSON_PER_DAY": "0",
            "X_MENTIONS_PER_PERSON_PER_WEEK": "5",
            "X_MOCOALITION_MENTIONS_PER_PERSON_PER_WEEK": "50",  # org-wide: not per account
            "X_SIMILARITY_THRESHOLD": "0.8",
            "X_NEAR_DUPLICATE_WINDOW": "48h",
        }
    )
    coalition = policy_for("x", "mocoalition", settings)
    assert (coalition.person_mentions_per_day, coalition.person_mentions_per_week) == (0, 5)
    assert policy_for("x", "default", settings).person_mentions_per_day == 2
    assert (coalition.similarity_threshold, coalition.near_duplicate_window) == (
        0.8,
        timedelta(hours=48),
    )
    assert policy_for("bluesky", "default", settings).person_mentions_per_day is None
    for env, message in [
        ({"X_SIMILARITY_THRESHOLD": "0.2"}, "between 0.5 and 1"),
        ({"X_MENTIONS_PER_PERSON_PER_WEEK": "-1"}, "whole number"),
        ({"X_MENTIONS_PER_PERSON_PER_DAY": "1.5"}, "whole number"),
        ({"X_NEAR_DUPLICATE_WINDOW": "10m"}, "at least 1h"),
    ]:
        with pytest.raises(ConfigError, match=message):
            policy_for("x", "default", Settings(env=env))


def _targets(session, post_row, *people: tuple[str, str | None, str]) -> None:
    from bot.store.models import PostTarget

    for position, (person, handle, name) in enumerate(people):
        session.add(
            PostTarget(
                post_id=post_row.id,
                position=position,
                person_id=person,
                name=name,
                handle=handle,
                platform=post_row.platform,
                bill=post_row.bill,
                created_at=post_row.created_at,
            )
        )


def _x_guard():
    from bot.guard import guard_for

    return guard_for(Settings(env={"X_API_KEY": "k" * 8, "X_MIN_SPACING": "0"}))


def test_the_guard_counts_the_mention_budget_from_the_log(any_db) -> None:
    from bot.store.models import Post

    hawley = ("H001089", "SenHawley", "Sen. Josh Hawley")
    guard = _x_guard()
    with any_db.session() as session:
        counted = [
            row(1, when=NOW - timedelta(days=6), account="a"),
            row(2, when=NOW - timedelta(days=3), account="b", status="unknown"),
            row(3, when=NOW - timedelta(hours=5), account="c", status="sending", cost=0),
        ]
        ignored = [
            row(4, when=NOW - timedelta(days=8), account="a"),  # before the week
            row(5, when=NOW - timedelta(hours=1), account="a", status="failed"),
            row(6, when=NOW - timedelta(hours=1), account="a", status="queued"),
            row(7, when=NOW - timedelta(hours=1), account="a", platform="bluesky"),
            row(8, when=NOW - timedelta(hours=1), account="a", mode="dry_run", status="dry_run"),
        ]
        named = row(9, when=NOW - timedelta(hours=1), account="a")  # named, not tagged
        session.add_all([*counted, *ignored, named])
        session.flush()
        for item in [*counted, *ignored]:
            _targets(session, item, hawley)
        _targets(session, named, (hawley[0], None, hawley[2]))
        current = row(10, when=NOW, status="queued", text="@SenHawley please pass SB 792")
        current.approved_by = "pat"
        session.add(current)
        session.flush()
        _targets(session, current, hawley)
        session.flush()
        session.expire_all()
        verdict = guard(session, session.get(Post, current.id), NOW)
        assert verdict.kind == "defer", verdict
        # three this week; the oldest (6 days ago) leaves the week in a day
        assert verdict.until == NOW + timedelta(days=1)
        assert "3 time(s) from the organisation's X accounts" in verdict.reason

        session.get(Post, counted[0].id).status = "failed"  # two left this week
        session.flush()
        assert guard(session, session.get(Post, current.id), NOW).kind == "allow"

        session.get(Post, counted[1].id).status = "failed"  # one left this week
        session.add(row(11, when=NOW - timedelta(hours=2), account="default"))  # this account
        session.flush()
        _targets(session, session.query(Post).filter_by(key=f"{11:064d}").one(), hawley)
        session.flush()
        verdict = guard(session, session.get(Post, current.id), NOW)
    assert verdict.kind == "defer" and verdict.until == NOW + timedelta(hours=22)
    assert "from this account in the last 24 h" in verdict.reason


def test_the_guard_finds_near_duplicates_in_the_log(any_db) -> None:
    from bot.store.models import Post

    guard = _x_guard()
    with any_db.session() as session:
        earlier = row(
            1,
            when=NOW - timedelta(hours=3),
            account="mocoalition",
            text=LETTER.format(who="@SenHawley", link="https://senate.mo.gov/sb792"),
        )
        session.add(earlier)
        session.flush()
        _targets(session, earlier, ("H001089", "SenHawley", "Sen. Josh Hawley"))
        # the same template for another person, who is named rather than tagged
        current = row(
            2, when=NOW, status="queued", text=LETTER.format(who="Sen. Eric Schmitt", link="")
        )
        session.add(current)
        session.flush()
        _targets(session, current, ("S001227", None, "Sen. Eric Schmitt"))
        session.flush()
        session.expire_all()
        verdict = guard(session, session.get(Post, current.id), NOW)
        assert verdict.kind == "skip", verdict
        assert "near-duplicate" in verdict.reason and "'mocoalition'" in verdict.reason

        session.get(Post, earlier.id).account = "default"  # the same account: wait a day
        session.flush()
        verdict = guard(session, session.get(Post, current.id), NOW)
        assert (verdict.kind, verdict.until) == ("defer", NOW + timedelta(hours=21))

        session.get(Post, earlier.id).status = "rejected"  # never went out
        session.flush()
        assert guard(session, session.get(Post, current.id), NOW).kind == "allow"


def test_a_run_then_the_worker_skip_a_near_duplicate_and_name_an_over_budget_person(any_db):
    """End to end in a dry run: two campaigns with one template on two X accounts.

    The second campaign's post differs from the first's only by its handle: the worker
    (real guard) skips it with the reason. A third campaign on the first account tags
    the person the first one tagged today: its run names them in plain text instead.
    """
    from pathlib import Path

    from bot.campaigns.loaded import LoadedCampaign
    from bot.clock import FrozenClock
    from bot.config import Mode
    from bot.guard import guard_for
    from bot.platforms.dryrun import DryRunPublisher
    from bot.schedule import runner
    from bot.schedule.worker import publish_due
    from bot.store.models import Post
    from tests.support import make_campaign, people

    template = [{"id": "a", "text": "{{ mentions }} please support {{ bill.identifier }} today."}]

    def loaded(cid: str, account: str, who, text=template) -> LoadedCampaign:
        campaign = make_campaign(id=cid, accounts={"x": account}, messages=text, cooldown="1h")
        return LoadedCampaign(campaign, Path(f"{cid}.yaml"), tuple(who))

    senators = people(2)
    guard = guard_for(Settings(env={"X_REQUIRE_APPROVAL_FOR_MENTIONS": "0"}))
    first = runner.run_now(
        any_db, loaded("one", "default", senators[:1]), mode=Mode.DRY_RUN, now=NOW
    )
    second = runner.run_now(
        any_db, loaded("two", "coalition", senators[1:]), mode=Mode.DRY_RUN, now=NOW
    )
    assert [p.text for p in first.posts + second.posts] == [
        "@Sen0 please support S 1693 today.",
        "@Sen1 please support S 1693 today.",
    ]
    publish_due(
        any_db,
        lambda platform, account: DryRunPublisher(platform, account),
        mode=Mode.DRY_RUN,
        clock=FrozenClock(NOW),
        guard=guard,
    )
    with any_db.new_session() as session:
        rows = {p.campaign_id: p for p in session.query(Post)}
    assert rows["one"].status == "dry_run"
    assert rows["two"].status == "skipped"
    assert "near-duplicate" in rows["two"].reason and "'default'" in rows["two"].reason

    other = [{"id": "b", "text": "{{ mentions }}: a hearing on {{ bill.identifier }} is set."}]
    third = runner.run_now(
        any_db,
        loaded("three", "default", senators[:1], other),
        mode=Mode.DRY_RUN,
        now=NOW + timedelta(hours=2),  # past the cooldown, not the day's mention budget
    )
    (post,) = third.posts
    assert post.text == "Sen. Person 0: a hearing on S 1693 is set."
    assert any("named in plain text, not tagged" in note for note in third.notes)
