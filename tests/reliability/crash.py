"""The crash test: SIGKILL a live worker again and again until the queue drains.

N posts are queued across seven accounts on four platforms; the fake servers
run as their own processes; ``advocacy-bot worker --live`` runs as a
subprocess and is killed with SIGKILL, then started again, K times. Kills come
in three kinds, in turn:

``random``        at a random moment while it publishes: after a random number of
                  posts went out, 0-100 ms later (reading an answer, committing,
                  claiming the next post, reconciling);
``startup``       at a random moment of its first seconds (imports, migrations,
                  reconciling what the last one left);
``after_accept``  the fake has accepted a post and holds its answer back: the
                  worker dies between the platform call and the commit, the
                  dangerous moment (the post is out, the log says ``sending``);
``in_call``       the request reached the fake, which has not processed it: the
                  worker dies mid-call with nothing sent.

Then one last worker runs without kills until nothing is ``queued`` or
``sending``, and the log is compared with what the servers accepted
(:func:`tests.reliability.harness.check_log_against_servers`).

``scripts/crash-test`` runs it at full size (1,000 posts, 50 kills) and prints a
table; ``tests/reliability/test_crash.py`` runs it smaller in the test suite.
"""

from __future__ import annotations

import argparse
import random
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.reliability.harness import (
    ACCOUNTS,
    CREATE_ROUTE,
    LEASE,
    JournalCounter,
    Supervisor,
    bot_command,
    bot_env,
    check_log_against_servers,
    fast_forward,
    pending,
    queue_posts,
    read_log,
    server_posts,
    start_fakes,
    statuses,
    table,
    wait_ready,
    wait_until,
)

KILL_KINDS = ("random", "after_accept", "in_call", "random", "after_accept", "startup")
#: Platform timeouts (seconds) in the crash test; the lease (harness.LEASE) exceeds
#: the slowest call a post can take with them.
TIMEOUT = 2.0


@dataclass
class Kill:
    kind: str
    landed: bool
    """For after_accept/in_call: the fake was at that point when the worker died."""
    left_sending: int
    """Posts the dead worker left ``sending`` (found by its lease)."""
    accepted_text: str | None = None


@dataclass
class CrashReport:
    posts: int
    kills: list[Kill]
    statuses: Counter
    accepted: int
    repeats: int
    problems: list[str]
    seconds: float
    unknown_by_account: Counter = field(default_factory=Counter)
    unknown_at_server: int = 0
    """``unknown`` posts the platform did receive (what ``advocacy-bot resolve`` will say)."""
    self_exits: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, object]]:
        kinds = Counter(k.kind for k in self.kills)
        landed = Counter(k.kind for k in self.kills if k.landed)
        return [
            ("posts queued (N)", self.posts),
            ("kills (SIGKILL)", len(self.kills)),
            ("  at a random moment", kinds["random"]),
            ("  while starting up", kinds["startup"]),
            ("  after the platform accepted", landed["after_accept"]),
            ("  during the call, not processed", landed["in_call"]),
            ("  that left a post sending", sum(1 for k in self.kills if k.left_sending)),
            ("accepted by the servers", self.accepted),
            ("  accepted twice", self.duplicates),
            ("repeats turned away", self.repeats),
            ("posted", self.statuses.get("posted", 0)),
            ("unknown (X without reads)", self.statuses.get("unknown", 0)),
            ("  of which X did receive", self.unknown_at_server),
            ("failed", self.statuses.get("failed", 0)),
            ("left queued or sending", self.statuses["queued"] + self.statuses["sending"]),
            ("problems", len(self.problems)),
            ("seconds", round(self.seconds, 1)),
        ]

    @property
    def duplicates(self) -> int:
        return sum(1 for p in self.problems if "received" in p and "times" in p)


def run_crash_test(
    workdir: Path,
    database_url: str,
    *,
    posts: int,
    kills: int,
    seed: int = 1,
    supervisor: Supervisor | None = None,
    log=print,  # noqa: ANN001
    deadline: float = 1800.0,
) -> CrashReport:
    """Run the crash test; the caller asserts on ``report.problems`` (empty is a pass)."""
    own = supervisor is None
    supervisor = supervisor or Supervisor(workdir)
    try:
        return _run(workdir, database_url, posts, kills, seed, supervisor, log, deadline)
    finally:
        if own:
            supervisor.close()


def _run(workdir, database_url, posts, kills, seed, supervisor, log, deadline) -> CrashReport:  # noqa: ANN001
    rng = random.Random(seed)
    started = time.monotonic()
    fakes = start_fakes(supervisor)
    env = bot_env(database_url, fakes, workdir / "state", timeout=TIMEOUT)
    queued = queue_posts(database_url, posts)
    log(f"queued {queued} posts across {len(ACCOUNTS)} accounts; killing the worker {kills} times")
    command = [*bot_command(), "worker", "--live", "--interval", "0.2", "--lease", str(LEASE)]
    host = socket.gethostname()
    accepted_so_far = JournalCounter(fakes)
    done: list[Kill] = []
    self_exits: list[str] = []

    while len(done) < kills and time.monotonic() - started < deadline:
        fast_forward(database_url)
        rows = read_log(database_url)
        if not any(r.status in ("queued", "sending") for r in rows):
            log("the queue drained before every kill was spent")
            break
        kind = KILL_KINDS[len(done) % len(KILL_KINDS)]
        busy = sorted({r.platform for r in rows if r.status == "queued"})
        worker = supervisor.start(command, env=env, name=f"worker-{len(done) + 1:03d}")
        landed, text = False, None
        if not busy and kind in ("after_accept", "in_call"):
            kind = "random"
        if kind == "startup":
            time.sleep(rng.uniform(0.1, 4.0))
        elif kind == "random":
            # After a random number of posts accepted (paced so the queue outlasts the
            # kills), then 0-100 ms more: reading the answer, committing, claiming...
            waiting = sum(1 for r in rows if r.status in ("queued", "sending"))
            share = max(1, waiting // (kills - len(done) + 1))
            target = accepted_so_far() + rng.randint(1, 2 * share)
            wait_until(
                lambda t=target, w=worker: accepted_so_far() >= t or w.poll() is not None,
                timeout=60,
                interval=0.005,
            )
            time.sleep(rng.uniform(0.0, 0.1))
        elif kind == "after_accept":
            fake = fakes[rng.choice(busy)]
            before = len(fake.accepted())
            size = fake.journal_size()
            fake.fault({"kind": "timeout", "delay": 60})
            landed = (
                wait_until(
                    lambda f=fake, s=size, w=worker: f.journal_size() > s or w.poll() is not None,
                    timeout=30,
                    interval=0.005,
                )
                and fake.journal_size() > size
            )
        else:
            fake = fakes[rng.choice(busy)]
            calls = fake.create_requests()
            fake.fault({"kind": "hang", "delay": 60})
            landed = (
                wait_until(
                    lambda f=fake, c=calls, w=worker: (
                        f.create_requests() > c or w.poll() is not None
                    ),
                    timeout=30,
                    interval=0.02,
                )
                and fake.create_requests() > calls
            )
        if worker.poll() is not None:
            self_exits.append(f"worker {worker.pid} exited by itself ({worker.returncode})")
        Supervisor.kill(worker)
        worker.wait(timeout=10)
        if kind in ("after_accept", "in_call"):
            fake.calm()
            if kind == "after_accept" and landed:
                newest = fake.accepted()[before:]
                text = newest[-1].text if newest else None
        owner = f"{host}:{worker.pid}"
        left = sum(
            1 for r in read_log(database_url) if r.status == "sending" and r.lease_owner == owner
        )
        done.append(Kill(kind, landed, left, text))
        log(
            f"kill {len(done):3d}: {kind:<12} landed={landed!s:<5} left sending={left} "
            f"pending={pending(database_url)}"
        )

    log("draining: one last worker, no kills")
    worker = supervisor.start(command, env=env, name="worker-drain")
    wait_ready([worker])
    drained = wait_until(
        lambda: fast_forward(database_url) >= 0 and pending(database_url) == 0,
        timeout=max(60.0, deadline - (time.monotonic() - started)),
        interval=0.5,
    )
    if worker.poll() is not None:
        self_exits.append(f"the draining worker exited by itself ({worker.returncode})")
    code = supervisor.stop(worker)
    if code != 0:
        self_exits.append(f"the draining worker stopped with exit code {code} on SIGTERM")

    rows = read_log(database_url)
    accepted, repeats = server_posts(fakes)
    at_server = {(a.platform, a.account, a.text) for a in accepted}
    problems = check_log_against_servers(rows, accepted, repeats)
    if not drained:
        problems.append("the queue did not drain in time")
    problems += self_exits
    by_text = {(r.platform, r.text): r for r in rows}
    for kill in done:
        if kill.accepted_text:
            row = next((r for (p, t), r in by_text.items() if t == kill.accepted_text), None)
            if row is None or row.status not in ("posted", "unknown"):
                problems.append(
                    f"a post accepted just before a kill ends {row.status if row else 'missing'}"
                )
    for platform, fake in fakes.items():
        assert CREATE_ROUTE[platform]
        if fake.process.poll() is not None:
            problems.append(f"the {platform} fake died")
    return CrashReport(
        posts=queued,
        kills=done,
        statuses=statuses(rows),
        accepted=len(accepted),
        repeats=len(repeats),
        problems=problems,
        seconds=time.monotonic() - started,
        unknown_by_account=Counter(r.label for r in rows if r.status == "unknown"),
        unknown_at_server=sum(
            1
            for r in rows
            if r.status == "unknown" and (r.platform, r.account, r.text) in at_server
        ),
        self_exits=self_exits,
    )


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000, help="posts to queue (N)")
    parser.add_argument("--kills", type=int, default=50, help="SIGKILLs (at least)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url",
        help="an empty database (default: a new SQLite file in the work folder); "
        "a PostgreSQL URL is wiped first",
    )
    parser.add_argument("--workdir", type=Path, help="where logs and journals go (kept)")
    args = parser.parse_args(argv)
    # SIGTERM (a timeout, a CI runner) unwinds like Ctrl-C, so every process is killed.
    signal.signal(signal.SIGTERM, _interrupt)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="crash-test-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{workdir / 'log.db'}"
    if url.startswith("postgresql"):
        from tests.conftest import _reset_postgres

        _reset_postgres(url)
    print(f"work folder: {workdir}", file=sys.stderr)
    report = run_crash_test(
        workdir,
        url,
        posts=args.posts,
        kills=args.kills,
        seed=args.seed,
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    print(table(report.rows()))
    unknown = sorted(report.unknown_by_account.items())
    print("unknown by account: " + (", ".join(f"{k} {v}" for k, v in unknown) or "none"))
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    ok = not report.problems and len(report.kills) >= args.kills
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
