"""A post's key is logged once: a run that plans a post the log already holds skips it.

The planner's history only counts posts that went or may go out (queued, held,
sending, posted, unknown, dry run); a post an organizer rejected is not in it,
so the next run may plan exactly the same post again. The log's key check
(:func:`bot.store.queries.existing_keys`) is what keeps that post rejected and
lets the rest of the run through.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.campaigns.loaded import LoadedCampaign
from bot.config import Mode
from bot.schedule import runner
from bot.store import queries
from bot.store.db import Database
from bot.store.models import CampaignRun, Post
from tests.support import make_campaign, people

TEN_AM = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 10:00 in Chicago


def test_dedupe_a_post_already_in_the_log_is_not_logged_again_and_the_run_goes_on(
    sqlite_url: str,
):
    """Kills the mutant "existing_keys returns an empty set": the second run would then
    insert the rejected post's key again, hit the log's unique key and lose the whole
    run (its new post too), reported as "already run by another process"."""
    db = Database(sqlite_url)
    campaign = make_campaign(
        approval="required",
        messages=[{"id": "a", "text": "{{ mentions }} please support {{ bill.identifier }}."}],
        schedule={"cron": "0 10 * * *", "timezone": "America/Chicago", "posts_per_run": 2},
    )
    one, two = (LoadedCampaign(campaign, Path("test.yaml"), tuple(people(n))) for n in (1, 2))
    first = runner.run_campaign(db, one, mode=Mode.LIVE, now=TEN_AM, fire_time=TEN_AM)
    assert [p.text for p in first.posts] == ["@Sen0 please support S 1693."]
    with db.session() as session:
        queries.reject_posts(session, [first.posts[0].id], now=TEN_AM)

    day_two = TEN_AM + timedelta(days=1)
    # the directory gained a legislator: the run plans the rejected post again, and a new one
    second = runner.run_campaign(db, two, mode=Mode.LIVE, now=day_two, fire_time=day_two)

    assert [p.text for p in second.posts] == ["@Sen1 please support S 1693."]
    with db.new_session() as session:
        logged = session.execute(select(Post.text, Post.status).order_by(Post.id)).all()
        runs = session.scalars(select(CampaignRun.fire_time).order_by(CampaignRun.id)).all()
    assert logged == [
        ("@Sen0 please support S 1693.", "rejected"),  # once, and still rejected
        ("@Sen1 please support S 1693.", "held"),
    ]
    assert [run.replace(tzinfo=UTC) for run in runs] == [TEN_AM, day_two]
    db.dispose()


def test_post_key_a_post_to_other_people_in_the_same_words_is_a_new_post(sqlite_url: str):
    """Kills the mutant "post_key leaves out the targets": the post to the right
    legislator would then share the rejected post's key and be skipped as a repeat.

    An organizer rejects a post that addressed the wrong legislator and corrects the
    campaign's targets; the message names nobody, so the next run plans the same words
    for the right one: a post of its own, held for approval."""
    db = Database(sqlite_url)
    campaign = make_campaign(
        approval="required",
        messages=[{"id": "a", "text": "Support {{ bill.identifier }} today."}],
    )
    wrong, right = people(2)
    first = runner.run_campaign(
        db,
        LoadedCampaign(campaign, Path("test.yaml"), (wrong,)),
        mode=Mode.LIVE,
        now=TEN_AM,
        fire_time=TEN_AM,
    )
    with db.session() as session:
        queries.reject_posts(session, [first.posts[0].id], now=TEN_AM)

    later = TEN_AM + timedelta(hours=1)
    second = runner.run_campaign(
        db,
        LoadedCampaign(campaign, Path("test.yaml"), (right,)),
        mode=Mode.LIVE,
        now=later,
        fire_time=later,
    )

    assert [(p.text, [t.person_id for t in p.targets]) for p in second.posts] == [
        ("Support S 1693 today.", [right.id])
    ]
    with db.new_session() as session:
        logged = session.execute(select(Post.text, Post.status).order_by(Post.id)).all()
    assert logged == [("Support S 1693 today.", "rejected"), ("Support S 1693 today.", "held")]
    db.dispose()
