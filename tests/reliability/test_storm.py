"""Proof 3: a storm of platform faults; no process dies, no cap is exceeded, nothing is lost.

30% of the calls that create a post fail, at random, in every way a platform
fails: 429 with its reset headers (a 2-second reset, so the run stays short),
5xx, a gateway's HTML 502, an answer that comes after the client gave up (the
post *was* created), a request never processed, a connection dropped after
processing, a post created and then answered with a 503, a 200 whose body is
cut short or is a gateway's HTML page. On top of that one account's credentials are wrong (Bluesky
answers 401 to its login), and caps are set low on three accounts so that the
guard has something to refuse.

What each post must end as:

* ``posted`` with the server's id, or ``failed`` with the platform's reason
  (after 5 attempts), or ``unknown`` on the X account that cannot be checked
  (a timeout there leaves the bot unable to tell);
* ``queued`` only when explained, and the explanation is checked: the account's
  credentials were rejected (one attempt, then a pause row naming the fix,
  ``advocacy-bot resume --account ...``), or a cap holds it (its reason names
  the cap, its retry time is tomorrow or next month).

Retry backoffs are real minutes; the proof moves them to "now" as it goes
(:func:`tests.reliability.harness.fast_forward`) so it ends in a minute or two.
On PostgreSQL the database connections of the workers are also cut every few
seconds (``pg_terminate_backend``): the workers must carry on.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from tests.reliability.harness import (
    ACCOUNTS,
    PROOF_APPLICATION,
    bot_env,
    check_log_against_servers,
    env_int,
    fast_forward,
    output,
    pauses,
    queue_posts,
    read_log,
    server_posts,
    start_worker,
    statuses,
    table,
    wait_until,
)

POSTS = env_int("RELIABILITY_POSTS", 210) // 7 * 7  # the same number on each account
WORKERS = {"postgresql": 4, "sqlite": 1}
RATE = 0.3
COMMON = [
    {"kind": "rate_limited", "reset_in": 2},
    {"kind": "timeout", "delay": 3},  # processed; the answer comes after the client gave up
    {"kind": "hang", "delay": 3},  # not processed; no answer in time
    {"kind": "drop"},  # processed; the connection closes without an answer
    # Created, and then the answer says otherwise:
    {"kind": "accepted_then", "then": {"kind": "server_error", "status": 503}},
    {"kind": "garbled", "body": "truncated"},  # a 200 cut short
    {"kind": "garbled", "body": "html"},  # a 200 that is a gateway's page
]
KINDS = {
    "x": [
        *COMMON,
        {"kind": "server_error", "status": 503},
        {"kind": "server_error", "status": 500},
    ],
    "facebook": [
        {"kind": "rate_limited", "code": 32, "regain_minutes": 0},
        *COMMON[1:],
        {"kind": "server_error"},
        {"kind": "bad_gateway"},
    ],
    "bluesky": [
        *COMMON,
        {"kind": "server_error", "status": 502},
        {"kind": "server_error", "status": 500},
    ],
    "mastodon": [*COMMON, {"kind": "server_error", "status": 503}],
}
X_PRICE = 0.015


def test_a_fault_storm_ends_with_every_post_explained(backend, supervisor, fakes, tmp_path):
    name, url = backend
    per_account = POSTS // len(ACCOUNTS)
    caps = {  # low enough that the guard must refuse some posts of these accounts
        "mastodon:default": per_account - 10,
        "facebook:coalition": per_account - 7,
    }
    spend_cap = round(X_PRICE * (per_account - 5), 3)  # x:default: a monthly spend cap
    env = bot_env(
        url,
        fakes,
        tmp_path / "state",
        extra={
            "BLUESKY_COALITION_APP_PASSWORD": "not-the-app-password",  # 401 on this account
            "MASTODON_POSTS_PER_DAY": str(caps["mastodon:default"]),
            "FACEBOOK_COALITION_POSTS_PER_DAY": str(caps["facebook:coalition"]),
            "X_MONTHLY_SPEND_CAP": f"{spend_cap + 0.001:.3f}",
            "X_COALITION_MONTHLY_SPEND_CAP": "100000",
            "X_PRICE_PER_POST": str(X_PRICE),
        },
    )
    queue_posts(url, POSTS)
    for seed, (platform, fake) in enumerate(fakes.items()):
        fake.storm(RATE, KINDS[platform], seed=seed)
    workers = [start_worker(supervisor, env, f"worker-{i}") for i in range(WORKERS[name])]
    cuts = _cut_connections(url) if name == "postgresql" else None

    started = time.monotonic()
    try:
        settled = wait_until(
            lambda: fast_forward(url) >= 0 and _settled(url), timeout=60 + POSTS * 0.4, interval=0.5
        )
    finally:
        if cuts:
            cuts.set()
    seconds = time.monotonic() - started
    alive = [w.poll() is None for w in workers]
    codes = [supervisor.stop(w) for w in workers]
    for fake in fakes.values():
        fake.calm()

    rows = read_log(url)
    accepted, repeats = server_posts(fakes)
    calls = {p: f.create_requests() for p, f in fakes.items()}
    counts = statuses(rows)
    print(
        table(
            [
                ("database", name),
                ("workers", len(workers)),
                ("posts", POSTS),
                ("create calls", sum(calls.values())),
                ("accepted by the servers", len(accepted)),
                *((s, n) for s, n in sorted(counts.items())),
                *(
                    (f"attempts {outcome}", n)
                    for outcome, n in sorted(Counter(o for r in rows for o in r.outcomes).items())
                ),
                ("database connections cut", getattr(cuts, "count", 0)),
                ("seconds", round(seconds, 1)),
            ]
        )
    )
    assert all(alive), [output(w)[-3000:] for w in workers]
    assert codes == [0] * len(workers), [output(w)[-3000:] for w in workers]
    assert settled, counts

    paused = pauses(url)
    auth_scope = "account:bluesky:coalition"

    def explained(row) -> bool:  # noqa: ANN001
        if row.status != "queued":
            return False
        if row.label == "bluesky:coalition":
            return True
        return bool(row.reason and "cap" in row.reason) and row.next_attempt_at > datetime.now(
            UTC
        ) + timedelta(hours=1)

    assert check_log_against_servers(rows, accepted, repeats, allowed_states=explained) == []

    # 401: one attempt, then the account is paused with a reason that says how to resume.
    coalition = [r for r in rows if r.label == "bluesky:coalition"]
    assert {r.status for r in coalition} == {"queued"}
    assert sum(r.outcomes.count("auth") for r in coalition) == 1
    assert sum(len(r.outcomes) for r in coalition) == 1
    pause = paused[auth_scope]
    assert pause.until is None
    assert "advocacy-bot resume --account bluesky:coalition" in pause.reason

    # No cap exceeded, counted at the servers; and each cap was reached, not dodged.
    by_account = {a.label: 0 for a in ACCOUNTS}
    for item in accepted:
        by_account[f"{item.platform}:{item.account}"] += 1
    for label, cap in caps.items():
        held = [r for r in rows if r.label == label and r.status == "queued"]
        assert by_account[label] <= cap, (label, by_account[label], cap)
        assert held and all("the cap is" in r.reason for r in held), label
    spent = by_account["x:default"] * X_PRICE
    assert spent <= spend_cap + 1e-9, (spent, spend_cap)
    held = [r for r in rows if r.label == "x:default" and r.status == "queued"]
    assert held and all("monthly spend cap" in r.reason for r in held)

    # Every failure names its reason; unknown only where the platform cannot be checked.
    for row in rows:
        if row.status == "failed":
            assert row.error, row
        if row.status == "unknown":
            assert row.label == "x:coalition", row


def _settled(url: str) -> bool:
    """Nothing left to do: no row ``sending``, every ``queued`` one held by a pause or a cap."""
    now = datetime.now(UTC)
    held = {scope for scope, pause in pauses(url).items() if pause.until is None}
    for row in read_log(url):
        if row.status == "sending":
            return False
        if row.status == "queued":
            if f"account:{row.label}" in held:
                continue
            if (
                row.reason
                and "cap" in row.reason
                and row.next_attempt_at > now + timedelta(hours=1)
            ):
                continue
            return False
    return True


class _Cutter(threading.Event):
    count = 0


def _cut_connections(url: str, every: float = 3.0) -> _Cutter:
    """Every ``every`` seconds, end every other session on the database (until set)."""
    stop = _Cutter()
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))

    def cut() -> None:
        while not stop.wait(every):
            with engine.begin() as connection:
                stop.count += connection.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        f"AND application_name <> '{PROOF_APPLICATION}'"
                    )
                ).scalar_one()
        engine.dispose()

    threading.Thread(target=cut, daemon=True).start()
    return stop
