"""Proof: SIGTERM (a deploy, a dyno restart) mid-call loses nothing and starts nothing.

A host stops a process with SIGTERM and kills it a grace period later (Heroku:
30 s). ``advocacy-bot run`` (the Procfile's process, the only publisher on
SQLite) and ``advocacy-bot worker`` must finish the call in flight, record its
answer, start no other post and exit 0 well within that grace. Before, ``run``
died at once (exit -15): the post that went out stayed ``sending``, holding its
account, and ended ``unknown`` on X; ``worker`` went on publishing its round.

Every platform's create is held for ``HELD`` seconds after the platform accepted
the post, so whichever post goes first is in flight when the signal lands.
"""

from __future__ import annotations

import signal

import pytest

from tests.reliability.harness import (
    CREATE_ROUTE,
    bot_env,
    output,
    queue_posts,
    read_log,
    server_posts,
    start_scheduler,
    start_worker,
    statuses,
    wait_ready,
    wait_until,
)

POSTS = 12
HELD = 3.0
#: What a host waits between SIGTERM and SIGKILL (Heroku's grace period).
GRACE = 30.0


def create_requests(fakes) -> int:  # noqa: ANN001
    return sum(fake.create_requests() for fake in fakes.values())


@pytest.mark.parametrize("command", ["run", "worker"])
def test_sigterm_mid_call_records_the_post_and_starts_no_other(
    command, sqlite_url, supervisor, fakes, tmp_path
):
    env = bot_env(sqlite_url, fakes, tmp_path / "state", timeout=HELD + 5)
    for platform, fake in fakes.items():
        fake.fault({"kind": "timeout", "delay": HELD}, route=CREATE_ROUTE[platform])
    process = (
        start_scheduler(supervisor, env)
        if command == "run"
        else start_worker(supervisor, env, "worker", lease=60)
    )
    wait_ready([process])
    queue_posts(sqlite_url, POSTS)

    assert wait_until(lambda: len(server_posts(fakes)[0]) == 1, timeout=60, interval=0.02)
    (accepted,) = server_posts(fakes)[0]  # accepted; its answer is held back HELD seconds
    supervisor.kill(process, signal.SIGTERM)
    code = process.wait(timeout=GRACE)

    log = output(process)
    assert code == 0, log
    assert "SIGTERM: stopping after the post in flight" in log
    rows = read_log(sqlite_url)
    (sent,) = [r for r in rows if r.text == accepted.text]
    assert (sent.status, sent.remote_id) == ("posted", accepted.remote_id), log
    assert create_requests(fakes) == 1, "a post was started after SIGTERM"
    assert statuses(rows) == {"posted": 1, "queued": POSTS - 1}
    assert not [r for r in rows if r.lease_owner], "a claim was left behind"
