"""Figure 2, planning at national scale.

A campaign with 5 message variants on 3 platforms (X, Bluesky, Mastodon),
one mention a post, addressing every target once: all 537 members of
Congress (``../shared/data/congress-legislators``), then a synthetic 50-state
directory of 7,400 legislators. One measured step is what a campaign run
does: read the plan history from the post log, plan (pick targets, variants,
render, measure, fit), check no account repeats a text, and write the posts
and their targets to the log (:func:`bot.schedule.runner.plan_posts` and
:func:`bot.store.queries.insert_planned`, on SQLite).

Baseline: raw ``sqlite3`` ``executemany`` of the same rows (posts and
post_targets, values precomputed) into the same schema, in the same run: the
floor for writing them at all. Budget: 10x. Growth: the cost per post of the
larger run against the smaller one, at most 1.1 (10x the posts at most 11x
the time).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bench.common import SHARED_DATA, Report, Row
from bot.campaigns.schema import Campaign
from bot.compose.plan import PlannedPost
from bot.config import Mode
from bot.directory.people import Person
from bot.schedule.runner import plan_posts
from bot.store import queries
from bot.store.db import Database
from bot.store.models import Status

NOW = datetime(2026, 3, 2, 15, tzinfo=UTC)
WHO = {"congress": "members of Congress", "states": "state legislators"}
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MESSAGES = [
    "{{ mentions }}: survivors of trafficking should not carry their traffickers' crimes on "
    "their records. Please support {{ bill.identifier }}. {{ bill.url }}",
    "{{ mentions }}, please vote yes on {{ bill.identifier }} ({{ bill.title }}). {{ bill.url }}",
    "Children are bought and sold online. {{ mentions }}, please pass {{ bill.identifier }}. "
    "{{ bill.url }}",
    "{{ bill.identifier }} would let prosecutors pursue websites that knowingly promote sex "
    "trafficking. {{ mentions }}, we're counting on you.",
    "Thank you {{ names }} for your attention to {{ bill.identifier }}: {{ bill.title }}. "
    "{{ mentions }} {{ bill.url }}",
]


def campaign(people: int) -> Campaign:
    """The benchmark campaign, its daily cap lifted so one run plans every post."""
    from tests.support import campaign_dict

    data = campaign_dict(
        id="national",
        platforms=["x", "bluesky", "mastodon"],
        messages=[{"id": f"m{i}", "text": text} for i, text in enumerate(MESSAGES)],
        mentions_per_post=1,
    )
    loaded = Campaign.model_validate(data)
    schedule = loaded.schedule.model_copy(update={"posts_per_day": people + 1})
    return loaded.model_copy(update={"schedule": schedule})


def congress() -> list[Person]:
    """The members of Congress with their official X and Facebook accounts."""
    folder = SHARED_DATA / "congress-legislators"
    with (folder / "legislators-current.yaml").open("rb") as handle:
        current = yaml.load(handle, Loader=_Loader)
    with (folder / "legislators-social-media.yaml").open("rb") as handle:
        social = {e["id"]["bioguide"]: e.get("social", {}) for e in yaml.load(handle, _Loader)}
    people = []
    for entry in current:
        term = entry["terms"][-1]
        bioguide = entry["id"]["bioguide"]
        accounts = social.get(bioguide, {})
        handles = {"x": accounts["twitter"]} if accounts.get("twitter") else {}
        if accounts.get("mastodon"):
            handles["mastodon"] = accounts["mastodon"]
        name = entry["name"]
        people.append(
            Person(
                id=bioguide,
                name=name.get("official_full") or f"{name['first']} {name['last']}",
                title="Sen." if term["type"] == "sen" else "Rep.",
                state=term["state"],
                chamber="senate" if term["type"] == "sen" else "house",
                district=str(term.get("district", "")) or None,
                handles=handles,
                jurisdiction="us",
            )
        )
    return people


def states(count: int) -> list[Person]:
    """A synthetic 50-state directory: some with X, Bluesky or Mastodon handles."""
    codes = [f"S{i:02d}" for i in range(50)]
    people = []
    for i in range(count):
        state = codes[i % 50]
        handles = {}
        if i % 3:
            handles["x"] = f"Leg{state}{i}"[:15]
        if i % 5 == 0:
            handles["bluesky"] = f"leg{i}.{state.lower()}.example.org"
        if i % 7 == 0:
            handles["mastodon"] = f"leg{i}@mastodon.example"
        people.append(
            Person(
                id=f"ocd-person/{state.lower()}-{i:05d}",
                name=f"Firstname{i} Lastname{i % 997}",
                title="Sen." if i % 4 == 0 else "Rep.",
                state=state,
                chamber="senate" if i % 4 == 0 else "house",
                district=str(i % 150 + 1),
                handles=handles,
                jurisdiction=state.lower(),
            )
        )
    return people


def bot_run(database: Database, plan_campaign: Campaign, people: list[Person]) -> list[Any]:
    """What one campaign run does: history, plan, dedupe check, write the log."""
    with database.session() as session:
        plan = plan_posts(
            session, plan_campaign, people, mode=Mode.DRY_RUN, now=NOW, posts_per_run=len(people)
        )
        return queries.insert_planned(
            session, plan.posts, mode=Mode.DRY_RUN, now=NOW, scheduled_for=NOW
        )


def raw_rows(posts: list[PlannedPost]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    now = NOW.replace(tzinfo=None).isoformat(sep=" ")
    post_rows, target_rows = [], []
    for index, post in enumerate(posts, start=1):
        post_rows.append(
            (index, post.key, now, now, now, "dry_run", post.campaign_id, post.bill, post.platform,
             post.account, post.variant, post.text, post.text_hash, post.length, post.link,
             Status.QUEUED.value, 0.0, 0)
        )  # fmt: skip
        for position, target in enumerate(post.targets):
            target_rows.append(
                (index, position, target.person_id, target.name, target.handle, post.platform,
                 post.bill, now)
            )  # fmt: skip
    return post_rows, target_rows


def raw_write(path: Path, rows: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]) -> None:
    """The same rows through ``sqlite3`` ``executemany``: the floor."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=NORMAL")
    with connection:
        connection.executemany(
            "INSERT INTO posts (id, key, created_at, scheduled_for, updated_at, mode, campaign_id,"
            " bill, platform, account, variant, text, text_hash, length, link, status, cost,"
            " attempt_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows[0],
        )
        connection.executemany(
            "INSERT INTO post_targets (post_id, position, person_id, name, handle, platform, bill,"
            " created_at) VALUES (?,?,?,?,?,?,?,?)",
            rows[1],
        )
    connection.close()


def measure(folder: Path, name: str, people: list[Person], repeat: int) -> tuple[float, float, int]:
    """(bot seconds, raw seconds, posts) for one directory, medians of ``repeat``."""
    plan_campaign = campaign(len(people))
    bot_times, raw_times, posts = [], [], 0
    for attempt in range(repeat):
        database = Database(f"sqlite:///{folder / f'{name}-{attempt}.db'}")
        raw_database = Database(f"sqlite:///{folder / f'{name}-raw-{attempt}.db'}")
        raw_database.dispose()
        start = time.perf_counter()
        written = bot_run(database, plan_campaign, people)
        bot_times.append(time.perf_counter() - start)
        posts = len(written)
        with database.new_session() as session:
            plan = plan_posts(session, plan_campaign, people, mode=Mode.LIVE, now=NOW,
                              posts_per_run=len(people))  # fmt: skip
        rows = raw_rows(plan.posts)
        start = time.perf_counter()
        raw_write(folder / f"{name}-raw-{attempt}.db", rows)
        raw_times.append(time.perf_counter() - start)
        database.dispose()
    bot_times.sort()
    raw_times.sort()
    return bot_times[len(bot_times) // 2], raw_times[len(raw_times) // 2], posts


def profile(folder: Path, people: list[Person]) -> list[str]:
    database = Database(f"sqlite:///{folder / 'profile.db'}")
    profiler = cProfile.Profile()
    profiler.enable()
    bot_run(database, campaign(len(people)), people)
    profiler.disable()
    database.dispose()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    return [line.replace(str(Path.cwd()) + "/", "") for line in lines[start:]]


def run(report: Report, *, quick: bool) -> None:
    if not (SHARED_DATA / "congress-legislators").is_dir():
        print(f"  skipped: no reference data at {SHARED_DATA}")
        return
    members = congress()
    small = members[:100] if quick else members
    large = states(1000 if quick else 7400)
    repeat = 1 if quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = {}
        for label, people in (("congress", small), ("states", large)):
            seconds, raw, posts = measure(folder, label, people, repeat)
            results[label] = (seconds, raw, posts)
            report.add(
                Row(
                    "planning",
                    f"{len(people)} {WHO[label]}: per post",
                    seconds / posts,
                    raw / posts,
                    "s",
                    10.0,
                    "sqlite3 executemany of the same rows",
                    note=f"{posts} posts, 3 platforms, 5 variants; {seconds:.2f} s in all",
                )
            )
        (t_small, _, n_small), (t_large, _, n_large) = results["congress"], results["states"]
        report.add(growth("planning", t_small, n_small, t_large, n_large))
        if not quick:
            report.detail(
                f"planning: profile of one run for {len(small)} people (cProfile, by own time)",
                profile(folder, small),
            )


def growth(section: str, t_small: float, n_small: int, t_large: float, n_large: int) -> Row:
    """The growth row: the larger run's cost per post against the smaller's (budget 1.1)."""
    return Row(
        section,
        f"growth: cost per post, {n_large} vs {n_small} posts",
        t_large / n_large,
        t_small / n_small,
        "s",
        1.1,
        "cost per post of the smaller run",
        note=f"{n_large / n_small:.1f}x the posts took {t_large / t_small:.1f}x the time",
    )
