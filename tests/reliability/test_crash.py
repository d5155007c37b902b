"""Proof 1: SIGKILL the worker again and again; no post is sent twice or lost.

The test suite runs it small (``CRASH_TEST_POSTS``, default 140 posts, and
``CRASH_TEST_KILLS``, default 12 kills); ``scripts/crash-test`` runs it at full
size (1,000 posts, 50 kills) and prints the table. See
:mod:`tests.reliability.crash` for how and where the kills land.
"""

from __future__ import annotations

from tests.reliability.crash import run_crash_test
from tests.reliability.harness import env_int, table

POSTS = env_int("CRASH_TEST_POSTS", 140)
KILLS = env_int("CRASH_TEST_KILLS", 12)


def test_killing_the_worker_at_any_moment_never_sends_twice_nor_loses_a_post(
    supervisor, sqlite_url
):
    report = run_crash_test(
        supervisor.workdir,
        sqlite_url,
        posts=POSTS,
        kills=KILLS,
        supervisor=supervisor,
        deadline=600.0,  # a queue that does not drain fails in minutes, not half an hour
    )
    print(table(report.rows()))
    assert report.problems == []
    assert len(report.kills) == KILLS
    landed = {k.kind for k in report.kills if k.landed}
    assert {"after_accept", "in_call"} <= landed  # the dangerous moments were hit
    assert report.statuses["queued"] == report.statuses["sending"] == 0
    assert set(report.statuses) <= {"posted", "unknown"}
    assert set(report.unknown_by_account) <= {"x:coalition"}
