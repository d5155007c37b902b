"""plan_history: the newest counted post per key, whatever the length of the log.

The query walks indexes newest first, one correlated subquery a key; these
tests check its answers against the rule written out plainly in Python over a
random log (statuses, modes, other campaigns, people not asked about), on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.campaigns.schema import Campaign
from bot.compose.plan import PlannedPost, PlannedTarget, text_hash
from bot.config import Mode
from bot.store import queries
from bot.store.models import Status
from tests.support import campaign_dict

NOW = datetime(2026, 3, 2, 15, tzinfo=UTC)
BILL = campaign_dict()["bills"][0]


def campaign(cid: str = "c1") -> Campaign:
    return Campaign.model_validate(
        campaign_dict(
            id=cid,
            bills=[{**BILL, "session": "119", "identifier": f"S {n}"} for n in (1, 2)],
            platforms=["x", "bluesky"],
            messages=[{"id": f"m{n}", "text": "{{ mentions }} please"} for n in range(3)],
        )
    )


def random_log(session, rng: random.Random, count: int) -> list[tuple]:
    """``count`` posts with a target each; returns what was written, plainly."""
    written = []
    for index in range(count):
        cid = rng.choice(["c1", "c1", "c2"])
        bill = rng.choice(["us/119/S 1", "us/119/S 2", "us/119/S 3"])
        platform = rng.choice(["x", "bluesky", "mastodon"])
        variant = rng.choice(["m0", "m1", "m2", "m9"])
        person = rng.choice(["A", "B", "C", "D"])
        status = rng.choice(list(Status))
        mode = rng.choice([Mode.LIVE, Mode.DRY_RUN])
        when = NOW - timedelta(minutes=rng.randrange(60 * 24 * 30))
        text = f"post {index}"
        post = PlannedPost(
            key=f"k{index}", campaign_id=cid, bill=bill, platform=platform, account="default",
            variant=variant, text=text, text_hash=text_hash(text), length=len(text), limit=280,
            targets=(PlannedTarget(person, person, person),), link=None,
        )  # fmt: skip
        queries.insert_planned(
            session, [post], mode=mode, now=when, scheduled_for=when, status=status
        )
        written.append((cid, bill, platform, variant, person, status, mode, when))
    session.flush()
    return written


def expected(written: list[tuple], mode: Mode, day_start: datetime):
    modes = queries.history_modes(mode)
    tagged: dict = {}
    variant_at: dict = {}
    bill_at: dict = {}
    today: dict = {}
    for cid, bill, platform, variant, person, status, post_mode, when in written:
        if status.value not in queries.COUNTED_STATES or post_mode.value not in modes:
            continue
        asked = person in ("A", "B", "C") and platform in ("x", "bluesky")
        if asked and bill in ("us/119/S 1", "us/119/S 2"):
            key = (person, bill, platform)
            tagged[key] = max(tagged.get(key, when), when)
        if cid != "c1":
            continue
        if platform in ("x", "bluesky") and bill != "us/119/S 3" and variant != "m9":
            variant_at[(platform, variant)] = max(variant_at.get((platform, variant), when), when)
            bill_at[(platform, bill)] = max(bill_at.get((platform, bill), when), when)
        if when >= day_start and platform in ("x", "bluesky"):
            today[platform] = today.get(platform, 0) + 1
    return tagged, variant_at, bill_at, today


def test_plan_history_finds_the_newest_counted_post_of_each_key(any_db):
    rng = random.Random(7)
    day_start = NOW - timedelta(hours=15)
    with any_db.session() as session:
        written = random_log(session, rng, 400)
    for mode in (Mode.LIVE, Mode.DRY_RUN):
        with any_db.new_session() as session:
            history = queries.plan_history(session, campaign(), ["A", "B", "C"], mode, day_start)
        tagged, variant_at, bill_at, today = expected(written, mode, day_start)
        assert history.last_tagged == tagged
        assert history.last_variant == variant_at
        assert history.last_bill == bill_at
        assert history.posts_today == today
        assert tagged and variant_at and bill_at and today  # the log exercised every key


def test_plan_history_asks_in_chunks_for_a_large_directory(any_db):
    """More people than one statement binds: the answers are the same."""
    rng = random.Random(3)
    with any_db.session() as session:
        written = random_log(session, rng, 60)
    people = ["A", "B", "C"] + [f"X{n}" for n in range(1200)]
    with any_db.new_session() as session:
        history = queries.plan_history(session, campaign(), people, Mode.DRY_RUN, NOW)
    assert history.last_tagged == expected(written, Mode.DRY_RUN, NOW)[0]


def test_plan_history_on_an_empty_log(any_db):
    with any_db.new_session() as session:
        history = queries.plan_history(session, campaign(), ["A"], Mode.LIVE, NOW)
    assert (history.last_tagged, history.last_variant, history.last_bill) == ({}, {}, {})
    assert history.posts_today == {}


def test_plan_history_reads_the_tags_on_x_of_the_last_week_for_the_budget(any_db):
    """Every campaign's tags on X count (the budget is per person, not per campaign)."""
    rng = random.Random(11)
    day_start = NOW - timedelta(hours=15)
    with any_db.session() as session:
        written = random_log(session, rng, 400)
    since = day_start - timedelta(days=8)
    for mode in (Mode.LIVE, Mode.DRY_RUN):
        with any_db.new_session() as session:
            history = queries.plan_history(session, campaign(), ["A", "B", "C"], mode, day_start)
            named = Campaign.model_validate({**campaign().model_dump(), "x_mentions": "name"})
            assert queries.plan_history(session, named, ["A"], mode, day_start).x_tags == []
        wanted = sorted(
            (person, "default", when)
            for _, _, platform, _, person, status, post_mode, when in written
            if platform == "x"
            and person in ("A", "B", "C")
            and when >= since
            and status.value in queries.COUNTED_STATES
            and post_mode.value in queries.history_modes(mode)
        )
        assert sorted(history.x_tags) == wanted
        assert wanted and len({c for c, *_ in written if c != "c1"})  # other campaigns too


def test_plan_history_sends_as_many_statements_for_nine_bills_and_platforms_as_for_one(any_db):
    """The people's tags come in one statement, whatever the (bill, platform) pairs (it
    sent one per pair: 11 round trips for the examples on PostgreSQL)."""
    from sqlalchemy import event

    rng = random.Random(5)
    with any_db.session() as session:
        written = random_log(session, rng, 200)

    def wide(bills: int, platforms: list[str]) -> Campaign:
        numbered = [{**BILL, "session": "119", "identifier": f"S {n}"} for n in range(bills)]
        return Campaign.model_validate(campaign_dict(bills=numbered[1:], platforms=platforms))

    counts, found = [], []
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    for shape in (wide(2, ["x"]), wide(4, ["x", "bluesky", "mastodon"])):
        statements.clear()
        event.listen(any_db.engine, "before_cursor_execute", before)
        try:
            with any_db.new_session() as session:
                history = queries.plan_history(session, shape, ["A", "B", "C"], Mode.LIVE, NOW)
        finally:
            event.remove(any_db.engine, "before_cursor_execute", before)
        counts.append(len(statements))
        found.append(history.last_tagged)
    assert counts[0] == counts[1], counts
    tagged = {
        (person, bill, platform)
        for _, bill, platform, _, person, status, mode, _ in written
        if status.value in queries.COUNTED_STATES and mode is Mode.LIVE and person != "D"
    }
    assert set(found[1]) == tagged  # every pair's tags, from the one statement
    assert set(found[0]) == {key for key in tagged if key[1:] == ("us/119/S 1", "x")}
