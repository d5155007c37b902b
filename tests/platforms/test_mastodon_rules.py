"""Mastodon as Mastodon really behaves: its length rule before sending, the instance's
own limit in planning, reconcile against what Mastodon stores, the bot flag, GoToSocial's
rate-limit header and the User-Agent. Real Mastodon.py, real HTTP, the fake instance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FrozenClock
from bot.compose import length
from bot.compose.plan import PlanHistory, plan_run
from bot.config import Settings
from bot.platforms import mastodon as mastodon_module
from bot.platforms.base import Failure, PublishError
from bot.platforms.mastodon import MastodonPublisher, comparable, reset_time
from tests.fakes.mastodon import DEFAULT_CONFIG, FakeMastodon
from tests.platforms.conftest import FAST, make_post
from tests.support import make_campaign, people

ACCOUNT = DEFAULT_CONFIG["accounts"][0]


NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # when the planner plans in these tests


@pytest.fixture(autouse=True)
def _fresh_caches():
    mastodon_module._INSTANCE_CACHE.clear()
    mastodon_module._FALLBACK.clear()
    length.forget_mastodon_instances()
    yield
    mastodon_module._INSTANCE_CACHE.clear()
    mastodon_module._FALLBACK.clear()
    length.forget_mastodon_instances()


def publisher(fake: FakeMastodon, **kwargs) -> MastodonPublisher:
    return MastodonPublisher(
        "default", api_base_url=fake.url, access_token=ACCOUNT["token"], timeouts=FAST, **kwargs
    )


def failure(call) -> PublishError:
    with pytest.raises(PublishError) as caught:
        call()
    return caught.value


# -- the length rule, before sending ------------------------------------------------------------


def test_a_dot_after_a_url_counts_so_the_post_is_refused_before_sending(
    fake_mastodon: FakeMastodon,
) -> None:
    """501 for Mastodon (the "." is not part of the URL); the old check counted 500 and
    sent it, to be refused with a 422."""
    text = "a" * 476 + " https://example.com/bill."
    error = failure(lambda: publisher(fake_mastodon).publish(make_post("mastodon", text)))
    assert error.kind is Failure.PERMANENT
    assert "counts 501 characters" in error.message
    assert fake_mastodon.count("create") == 0


def test_texts_mastodon_accepts_at_the_limit_are_sent(fake_mastodon: FakeMastodon) -> None:
    masto = publisher(fake_mastodon)
    for text in (
        "🏳️\u200d⚧️" * 500,  # one grapheme each
        "a" * 482 + " @john.doe@host.social " + "b" * 7,  # the mention counts as @john.doe
        "क्ष" * 500,  # Unicode 15.1: one cluster each
    ):
        masto.publish(make_post("mastodon", text))
    assert len(fake_mastodon.statuses) == 3
    assert fake_mastodon.rejected == []


# -- the instance's limit, in planning ----------------------------------------------------------


def mastodon_campaign(words: int):
    text = "{{ mentions }} " + " ".join(["support"] * words) + " {{ bill.url }}"
    return make_campaign(platforms=["mastodon"], messages=[{"id": "a", "text": text}])


def test_the_planner_uses_the_limit_the_instance_reported() -> None:
    campaign = mastodon_campaign(words=90)  # some 750 characters
    targets = people(1, "mastodon")
    assert plan_run(campaign, targets, PlanHistory(), NOW).posts == []

    with FakeMastodon(config={**DEFAULT_CONFIG, "max_characters": 1000}) as fake:
        assert publisher(fake).check().ok  # accounts check reads /api/v2/instance
    plan = plan_run(campaign, targets, PlanHistory(), NOW)
    [post] = plan.posts
    assert post.limit == 1000 and 700 < post.length <= 1000


def test_a_smaller_instance_limit_is_planned_for_too() -> None:
    campaign = mastodon_campaign(words=50)  # some 450 characters: fits 500, not 400
    targets = people(1, "mastodon")
    assert plan_run(campaign, targets, PlanHistory(), NOW).posts
    with FakeMastodon(config={**DEFAULT_CONFIG, "max_characters": 400}) as fake:
        assert publisher(fake).max_characters() == 400
    assert plan_run(campaign, targets, PlanHistory(), NOW).posts == []


def test_an_instance_without_v2_configuration_is_not_handed_to_the_planner(
    fake_mastodon: FakeMastodon,
) -> None:
    fake_mastodon.inject("instance", "server_error", status=404)
    masto = publisher(fake_mastodon)
    assert masto.max_characters() == 500  # a guess, kept for this instance
    assert masto.max_characters() == 500
    assert fake_mastodon.count("instance") == 1
    assert length.mastodon_instance("default") is None  # the planner keeps its own default


# -- reconcile against what Mastodon stores -----------------------------------------------------


def test_reconcile_finds_a_status_whose_mentions_mastodon_could_not_resolve(
    fake_mastodon: FakeMastodon,
) -> None:
    """Mastodon leaves ``@staffer@unknown.example`` as text and shows the resolved
    ``@senatorsmith@SENATE.social`` as ``@SenatorSmith``. The old comparison of rendered
    HTML said "not posted" here, and the post went out again after the idempotency hour."""
    fake_mastodon.clock = NOW.timestamp  # the server dates its statuses: now is NOW
    masto = publisher(fake_mastodon)
    text = "@senatorsmith@SENATE.social and @staffer@unknown.example: pass SB 792 https://mo.gov/sb"
    post = make_post("mastodon", text, created_at=NOW)
    fake_mastodon.inject("create", "drop")
    assert failure(lambda: masto.publish(post)).kind is Failure.MAYBE_SENT

    [stored] = fake_mastodon.received("create")
    content = masto._public.account_statuses(ACCOUNT["id"])[0]["content"]
    assert "@staffer@unknown.example" in content  # kept as text
    assert "@<span>SenatorSmith</span>" in content  # resolved, shown with its own username
    found = masto.reconcile(post)
    assert found is not None and found.remote_id == fake_mastodon.statuses[0]["id"]
    assert stored.form["status"] == text


def test_reconcile_ignores_a_same_text_status_from_before_the_post_was_composed(
    fake_mastodon: FakeMastodon,
) -> None:
    fake_mastodon.clock = NOW.timestamp
    masto = publisher(fake_mastodon)
    masto.publish(make_post("mastodon", "Call about SB 792 today", key="a" * 64))
    later = make_post(
        "mastodon",
        "Call about SB 792 today",
        key="b" * 64,
        created_at=NOW + timedelta(hours=2),
    )
    assert masto.reconcile(later) is None
    earlier = make_post("mastodon", "Call about SB 792 today", key="c" * 64)  # no time: any
    assert masto.reconcile(earlier) is not None


def test_reconcile_cannot_confirm_absence_beyond_the_page_it_reads() -> None:
    with FakeMastodon(config={**DEFAULT_CONFIG, "statuses_per_3h": 1000}) as fake:
        fake.clock = NOW.timestamp
        masto = publisher(fake)
        composed = NOW - timedelta(minutes=30)
        for n in range(mastodon_module.RECONCILE_PAGE):
            masto.publish(make_post("mastodon", f"status {n}"))
        error = failure(lambda: masto.reconcile(make_post("mastodon", "x", created_at=composed)))
        assert error.kind is Failure.MAYBE_SENT


def test_comparable_forms() -> None:
    assert comparable("@Senator@senate.social  hi\n") == comparable("@senator hi")
    assert comparable("Tom &  Jerry") == "tom & jerry"
    assert comparable("mail me@host.org") == "mail me@host.org"  # an address is no mention


# -- accounts check, rate limits, User-Agent ---------------------------------------------------


def test_check_reports_the_bot_flag() -> None:
    with FakeMastodon() as fake:
        status = publisher(fake).check()
    assert status.ok and status.limits["bot"] == "yes"
    assert "marked as a bot" in status.detail and "WARNING" not in status.detail

    human = {**ACCOUNT, "bot": False}
    config = {**DEFAULT_CONFIG, "accounts": [human, *DEFAULT_CONFIG["accounts"][1:]]}
    with FakeMastodon(config=config) as fake:
        status = publisher(fake).check()
    assert status.ok and status.limits["bot"] == "no"
    assert "WARNING: the account is not marked as a bot" in status.detail


def test_an_epoch_rate_limit_reset_is_understood() -> None:
    """GoToSocial sends ``X-RateLimit-Reset`` in Unix seconds; the old parser read only
    ISO 8601 and fell back to a 5-minute guess."""
    with FakeMastodon(config={**DEFAULT_CONFIG, "reset_format": "epoch"}) as fake:
        fake.clock = NOW.timestamp
        masto = publisher(fake, clock=FrozenClock(NOW))
        result = masto.publish(make_post("mastodon", "SB 792"))
        assert result.rate_limit_reset == NOW + timedelta(hours=3)  # 3 h after the status
        fake.inject("create", "rate_limited", reset_in=1200)
        error = failure(lambda: masto.publish(make_post("mastodon", "SB 792 again")))
    assert error.kind is Failure.RATE_LIMITED
    assert error.retry_at == NOW + timedelta(minutes=20)


def test_reset_time_formats() -> None:
    assert reset_time("2026-03-02T16:00:00.000Z") == datetime(2026, 3, 2, 16, tzinfo=UTC)
    assert reset_time("1772467200") == datetime(2026, 3, 2, 16, tzinfo=UTC)
    assert reset_time("soon") is None and reset_time(None) is None


def test_the_user_agent_names_the_project_and_the_operators_url(
    fake_mastodon: FakeMastodon,
) -> None:
    settings = Settings(
        env={
            "MASTODON_API_BASE": fake_mastodon.url,
            "MASTODON_ACCESS_TOKEN": ACCOUNT["token"],
            "BOT_PROJECT_URL": "https://advocacy.example.org/bot",
        }
    )
    MastodonPublisher.from_settings("default", settings).check()
    agent = fake_mastodon.received("verify_credentials")[0].header("User-Agent")
    assert agent.startswith("advocacy-bot/")
    assert agent.endswith("(+https://advocacy.example.org/bot)")

    publisher(fake_mastodon).check()
    agent = fake_mastodon.received("verify_credentials")[1].header("User-Agent")
    assert agent.startswith("advocacy-bot/") and "github.com/)" not in agent


def test_a_project_url_that_is_not_one_url_is_refused(fake_mastodon: FakeMastodon) -> None:
    from bot.config import ConfigError

    for bad in ("https://ok.example/\r\nX-Evil: 1", "not a url", "ftp://x.example"):
        with pytest.raises(ConfigError, match="BOT_PROJECT_URL"):
            publisher(fake_mastodon, project_url=bad)


def test_a_live_command_reads_the_instance_limit_before_its_first_run_plans() -> None:
    """`run --once --live` from cron plans before any post: build_clients asks first."""
    from bot.cli.run import build_clients, publishers
    from bot.config import Mode

    campaign = mastodon_campaign(words=90)  # some 750 characters
    targets = people(1, "mastodon")
    with FakeMastodon(config={**DEFAULT_CONFIG, "max_characters": 1000}) as fake:
        settings = Settings.load(
            {
                "MASTODON_API_BASE": fake.url,
                "MASTODON_ACCESS_TOKEN": ACCOUNT["token"],
                "MASTODON_TIMEOUT": "5",
            },
            dotenv=False,
        )
        build_clients(settings, publishers(settings, Mode.LIVE))
    [post] = plan_run(campaign, targets, PlanHistory(), NOW).posts
    assert post.limit == 1000
