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
        ({"X_MIN_SPACING": "soon"}, "X_MIN_SPACING must be a duration"),
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
