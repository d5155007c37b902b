"""Proof: workers whose hosts' clocks disagree still send each post once (PostgreSQL).

Three ``advocacy-bot worker`` processes share one Facebook Page's queue (Meta has
no idempotency key: a second send is a second post); one host's clock is 6
minutes ahead, another's 6 minutes behind (``skewed/sitecustomize.py``), and the
posts were due 10 minutes ago so every worker takes some. A third of the creates
are held 3 seconds *before* they take effect. A worker that read leases by its
own clock would see the live lease of a post in flight as long expired (or
write one that others see so), check the Page (nothing there yet), find the
call "long ago" and send it again: with the hosts' clocks this proof fails (the
Page turns a repeat away). The workers read the database's clock
(``bot.store.clock.DatabaseClock``): zero repeats, every post posted once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.reliability.harness import (
    account,
    bot_env,
    check_log_against_servers,
    output,
    pending,
    queue_posts,
    read_log,
    server_posts,
    start_worker,
    statuses,
    table,
    wait_ready,
    wait_until,
)

POSTS = 60
SKEWS = {"+6 min": 360, "-6 min": -360, "right": 0}
SKEWED = Path(__file__).parent / "skewed"


def test_workers_with_skewed_clocks_never_take_over_a_live_lease(
    postgres_url, supervisor, fakes, tmp_path
):
    env = bot_env(postgres_url, fakes, tmp_path / "state", timeout=5.0)
    page = [account("facebook:default")]  # one account: one post in flight at a time
    fakes["facebook"].storm(0.35, [{"kind": "late", "delay": 3.0}], seed=7)
    workers = []
    for number, (_name, seconds) in enumerate(SKEWS.items()):
        skewed = env | {"PYTHONPATH": str(SKEWED), "SKEWED_CLOCK_SECONDS": str(seconds)}
        workers.append(start_worker(supervisor, skewed, f"worker-{number}", lease=12))
    wait_ready(workers)
    # Due 10 minutes ago, so that even the worker 6 minutes behind finds them due.
    queue_posts(postgres_url, POSTS, page, now=datetime.now(UTC) - timedelta(minutes=10))

    drained = wait_until(lambda: pending(postgres_url) == 0, timeout=180, interval=0.5)
    alive = [w.poll() is None for w in workers]
    codes = [supervisor.stop(w) for w in workers]
    rows = read_log(postgres_url)
    accepted, repeats = server_posts(fakes)
    print(table([("workers' clocks", ", ".join(SKEWS)), *statuses(rows).items()]))
    assert all(alive) and codes == [0] * len(workers), [output(w)[-2000:] for w in workers]
    assert drained, statuses(rows)
    assert check_log_against_servers(rows, accepted, repeats) == []
    assert statuses(rows) == {"posted": POSTS}
