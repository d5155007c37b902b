"""Proof 2: one scheduler and several workers share the queue and send each post once.

On a real PostgreSQL, ``advocacy-bot run`` (the scheduler, which publishes too)
and four ``advocacy-bot worker`` processes start together on an empty database
(so they also race to migrate it), then posts are queued. On SQLite the same
suite runs with one worker beside the scheduler. Zero duplicates at the
servers, every post ``posted`` with the server's id, no row left ``sending``.

The second test kills workers among the others, right after a platform
accepted their post, and restarts them: the survivors go on posting on the
same accounts while the dead worker's lease runs, and the post is still
reconciled, never resent.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.reliability.harness import (
    Supervisor,
    account,
    bot_env,
    check_log_against_servers,
    env_int,
    output,
    pending,
    queue_posts,
    read_log,
    server_posts,
    start_scheduler,
    start_worker,
    statuses,
    table,
    wait_ready,
    wait_until,
    worker_of,
)

POSTS = env_int("RELIABILITY_POSTS", 1000)  # the issue asks for 1,000; ~30 s each
WORKERS = {"postgresql": 4, "sqlite": 1}


def test_several_workers_share_the_queue_and_send_each_post_once(
    backend, supervisor, fakes, tmp_path
):
    name, url = backend
    env = bot_env(url, fakes, tmp_path / "state")
    scheduler = start_scheduler(supervisor, env)
    workers = [start_worker(supervisor, env, f"worker-{i}") for i in range(WORKERS[name])]
    wait_ready([scheduler, *workers])

    started = time.monotonic()
    assert queue_posts(url, POSTS) == POSTS
    drained = wait_until(lambda: pending(url) == 0, timeout=60 + POSTS * 0.5, interval=0.5)
    seconds = time.monotonic() - started

    alive = [p for p in [scheduler, *workers] if p.poll() is None]
    assert alive == [scheduler, *workers], [output(p)[-2000:] for p in (scheduler, *workers)]
    codes = [supervisor.stop(w) for w in workers]
    supervisor.kill(scheduler, 2)  # SIGINT: the scheduler's Ctrl-C
    rows = read_log(url)
    accepted, repeats = server_posts(fakes)
    by_worker = Counter(r.sent_by for r in rows)
    print(
        table(
            [
                ("database", name),
                ("workers (+ scheduler)", len(workers)),
                ("posts", POSTS),
                ("accepted by the servers", len(accepted)),
                ("posted", statuses(rows)["posted"]),
                ("seconds to drain", round(seconds, 1)),
                ("posts per second", round(POSTS / seconds, 1)),
                *((f"  sent by {w}", n) for w, n in sorted(by_worker.items(), key=str)),
            ]
        )
    )
    assert drained, statuses(rows)
    assert check_log_against_servers(rows, accepted, repeats) == []
    assert statuses(rows) == {"posted": POSTS}
    assert len(accepted) == POSTS
    assert not [r for r in rows if r.lease_owner], "a row is still claimed"
    assert codes == [0] * len(workers)
    if len(workers) > 1:  # the work was shared
        assert sum(1 for w in map(worker_of, workers) if by_worker[w]) >= 2


@pytest.mark.parametrize("kills", [env_int("RELIABILITY_FLEET_KILLS", 3)])
def test_a_worker_killed_mid_post_among_others_is_reconciled_not_resent(
    postgres_url, supervisor: Supervisor, fakes, tmp_path, kills: int
):
    """PostgreSQL, four workers; one dies just after the platform accepted its post.

    Kills land on the platforms whose check reads the account's latest posts (X
    with reads, Facebook, Mastodon): the others keep posting while the dead
    worker's lease runs out, and the check must still find the post. (Before
    "one post in flight per account", they posted on the same account, the post
    fell out of X's ten latest, was taken for "not sent" and sent again.)
    """
    url, posts = postgres_url, max(POSTS, 700)
    # Answers held back are given up after 5 s: time enough to find the worker and kill it.
    env = bot_env(url, fakes, tmp_path / "state", timeout=5.0)
    workers = [start_worker(supervisor, env, f"worker-{i}", lease=12) for i in range(4)]
    wait_ready(workers)
    queue_posts(url, posts)
    targets = ["x", "facebook", "mastodon"]
    landed = []
    for number in range(kills):
        fake = fakes[targets[number % len(targets)]]
        before, size = len(fake.accepted()), fake.journal_size()
        fake.fault({"kind": "timeout", "delay": 60})  # accepted; the answer is held back
        assert wait_until(lambda f=fake, s=size: f.journal_size() > s, timeout=60, interval=0.005)
        texts = {a.text for a in fake.accepted()[before:]}

        def held(texts=texts) -> list:  # noqa: ANN001
            # Posts accepted alongside are recorded at once; the held one stays sending.
            return [r for r in read_log(url) if r.status == "sending" and r.text in texts]

        seen: list = []

        def caught(seen: list = seen) -> bool:
            seen[:] = held()  # kept as seen while held: a slow machine may see it settle next
            return len(seen) == 1

        assert wait_until(caught, timeout=3, interval=0.1), seen
        (row,) = seen
        victim = next(w for w in workers if worker_of(w) == row.lease_owner)
        supervisor.kill(victim)
        victim.wait(timeout=10)
        fake.calm()
        landed.append((row.id, row.label))
        workers[workers.index(victim)] = start_worker(
            supervisor, env, f"worker-r{number}", lease=12
        )

    drained = wait_until(lambda: pending(url) == 0, timeout=60 + posts * 0.5, interval=0.5)
    assert all(w.poll() is None for w in workers), [output(w)[-2000:] for w in workers]
    for w in workers:
        supervisor.stop(w)
    rows = read_log(url)
    accepted, repeats = server_posts(fakes)
    by_id = {r.id: r for r in rows}
    print(table([("kills after accept", len(landed)), *statuses(rows).items()]))
    assert drained, statuses(rows)
    assert check_log_against_servers(rows, accepted, repeats) == []
    for post_id, label in landed:
        expected = "posted" if account(label).checkable else "unknown"
        assert by_id[post_id].status == expected, (label, by_id[post_id])


def test_four_workers_on_one_account_keep_its_cap_and_one_post_in_flight(
    postgres_url, supervisor: Supervisor, fakes, tmp_path
):
    """All four workers want the same account: the guard's cap holds exactly.

    Without a lock per account, two workers pass the guard on the same history
    (19 posts of 20) and both post: the cap is exceeded, and several posts of
    the account are in flight at once (measured: 62 of a cap of 60, three at once).
    """
    url, cap = postgres_url, 60
    env = bot_env(url, fakes, tmp_path / "state", extra={"MASTODON_POSTS_PER_DAY": str(cap)})
    queue_posts(url, 2 * cap, [account("mastodon:default")])
    fakes["mastodon"].storm(1.0, [{"kind": "timeout", "delay": 0.05}], seed=0)  # slow answers
    workers = [start_worker(supervisor, env, f"worker-{i}") for i in range(4)]
    wait_ready(workers)

    def capped() -> bool:
        rows = read_log(url)
        held = [r for r in rows if r.status == "queued" and r.reason and "the cap is" in r.reason]
        return not any(r.status == "sending" for r in rows) and len(held) == cap

    settled = wait_until(capped, timeout=120, interval=0.5)
    for worker in workers:
        assert supervisor.stop(worker) == 0
    rows = read_log(url)
    accepted, repeats = server_posts(fakes)
    assert settled, statuses(rows)
    assert len(accepted) == cap
    assert (
        check_log_against_servers(
            rows, accepted, repeats, allowed_states=lambda r: "the cap is" in (r.reason or "")
        )
        == []
    )
    # Counted by the platform, as it saw the calls arrive: the attempts' times come from
    # four clocks (each worker's estimate of the database's), a few ms apart.
    assert fakes["mastodon"].state()["most_at_once"]["create"] == 1
