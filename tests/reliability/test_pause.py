"""Proof 4: ``advocacy-bot pause --all``, from another process, stops every worker.

The workers publish against slow fakes (each post takes 0.1 s to be
accepted); mid-run an organizer's ``advocacy-bot pause --all`` commits the
pause. From then on the servers receive no new post: at most the one each
worker already had in flight, finished within a second, and nothing at all in
the seconds after. ``resume --all`` then lets the rest out, each post once.
"""

from __future__ import annotations

import time
from collections import Counter

from tests.reliability.harness import (
    bot_command,
    bot_env,
    check_log_against_servers,
    env_int,
    output,
    pauses,
    pending,
    queue_posts,
    read_log,
    server_posts,
    start_worker,
    statuses,
    table,
    wait_until,
)

POSTS = env_int("RELIABILITY_POSTS", 112)
WORKERS = {"postgresql": 4, "sqlite": 1}
SLOW = 0.1


def organizer(supervisor, env, *args: str) -> str:  # noqa: ANN001
    """Run an ``advocacy-bot`` command as an organizer would, in its own process."""
    process = supervisor.start([*bot_command(), *args], env=env, name="-".join(args))
    assert process.wait(timeout=120) == 0, output(process)
    return output(process)


def test_pause_all_stops_every_worker_before_its_next_publish(backend, supervisor, fakes, tmp_path):
    name, url = backend
    env = bot_env(url, fakes, tmp_path / "state")
    queue_posts(url, POSTS)
    for fake in fakes.values():
        fake.storm(1.0, [{"kind": "timeout", "delay": SLOW}], seed=0)  # slow, not failing
    workers = [start_worker(supervisor, env, f"worker-{i}") for i in range(WORKERS[name])]
    assert wait_until(lambda: len(server_posts(fakes)[0]) >= 20, timeout=120, interval=0.1)

    asked = time.time()
    assert "paused all" in organizer(supervisor, env, "pause", "--all")
    exited = time.time()
    # When the command wrote the pause (its transaction committed a few ms later).
    paused = pauses(url)["all"].since.timestamp()
    at_pause = sum(1 for a in server_posts(fakes)[0] if a.time <= paused)
    time.sleep(1.0)
    after_a_second = len(server_posts(fakes)[0])
    time.sleep(3.0)
    accepted = server_posts(fakes)[0]
    late = [a for a in accepted if a.time > paused]
    rows = read_log(url)
    print(
        table(
            [
                ("database", name),
                ("workers", len(workers)),
                ("posts", POSTS),
                ("accepted when the pause committed", at_pause),
                ("accepted after it (in flight)", len(late)),
                (
                    "  the last one, s after the pause",
                    round(max((a.time - paused for a in late), default=0), 3),
                ),
                ("accepted 1 s to 4 s after it", len(accepted) - after_a_second),
                ("pause command took, s", round(exited - asked, 2)),
                *statuses(rows).items(),
            ]
        )
    )
    assert all(w.poll() is None for w in workers), [output(w)[-2000:] for w in workers]
    assert len(late) <= len(workers), late  # at most the post each worker had in flight
    assert all(a.time < paused + 1.0 for a in late), late  # ... finished within a second
    assert len(accepted) == after_a_second  # and nothing more, ever
    assert not [r for r in rows if r.status == "sending"]
    assert statuses(rows)["queued"] == POSTS - len(accepted)

    organizer(supervisor, env, "resume", "--all")
    # A post whose claim met the pause halfway (the guard saw it) waits the guard's
    # one-minute recheck (bot.guard.PAUSE_RECHECK) after the resume.
    assert wait_until(lambda: pending(url) == 0, timeout=120 + POSTS * 0.3, interval=0.5)
    for worker in workers:
        assert supervisor.stop(worker) == 0
    rows = read_log(url)
    accepted, repeats = server_posts(fakes)
    assert check_log_against_servers(rows, accepted, repeats) == []
    assert Counter(r.status for r in rows) == {"posted": POSTS}
