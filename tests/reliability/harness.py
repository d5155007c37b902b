"""What the reliability proofs share: real processes, a real post log, and the checks.

Everything here runs the bot as its users do: the fake platform servers are
separate processes (``python -m tests.fakes.<platform>``), the bot is the
``advocacy-bot`` command in its own process group, and the only link between
them is HTTP on 127.0.0.1 and the database named by ``DATABASE_URL``.

:class:`Supervisor` owns every process a proof starts and kills their whole
process groups when it closes, whatever happened; pytest fixtures close it in
a finalizer and ``scripts/crash-test`` in a ``with`` block.

:func:`check_log_against_servers` is the proof itself: it compares what the
fake servers accepted (their journals) with the post log, and returns every
broken promise it finds (an empty list is a pass).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[2]

#: The endpoint that creates a post on each fake (its route name, for faults).
CREATE_ROUTE = {"x": "create", "facebook": "feed", "bluesky": "create_record", "mastodon": "create"}

#: Environment variables the proofs own: anything inherited with these prefixes is dropped,
#: so a developer's own credentials or database never leak into a proof.
OWNED_PREFIXES = ("X_", "FACEBOOK_", "BLUESKY_", "MASTODON_", "BOT_", "DATABASE_URL")


@dataclass(frozen=True)
class Account:
    """One of the organisation's accounts, as the bot and as the fake server name it."""

    platform: str
    account: str
    """The bot's name for it (``default`` reads unprefixed variables)."""
    remote: str
    """How the fake names it: X and Mastodon username, Facebook Page id, Bluesky handle."""
    checkable: bool = True
    """Whether the platform lets the bot check an interrupted post (X needs paid reads)."""

    @property
    def label(self) -> str:
        return f"{self.platform}:{self.account}"


ACCOUNTS: tuple[Account, ...] = (
    Account("x", "default", "moadvocacy", checkable=True),  # X_RECONCILE_READS=1
    Account("x", "coalition", "mocoalition", checkable=False),  # no reads: `unknown` after a crash
    Account("facebook", "default", "104857600000001"),
    Account("facebook", "coalition", "104857600000002"),
    Account("bluesky", "default", "moadvocacy.bsky.social"),
    Account("bluesky", "coalition", "mocoalition.bsky.social"),
    Account("mastodon", "default", "moadvocacy"),
)


def account(label: str) -> Account:
    return next(a for a in ACCOUNTS if a.label == label)


# -- processes -------------------------------------------------------------------------------


def bot_command() -> list[str]:
    """The ``advocacy-bot`` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "advocacy-bot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def _die_with_parent() -> None:
    """In a child about to exec: be killed when the proof's process dies, however it dies.

    Linux's ``PR_SET_PDEATHSIG``; elsewhere a no-op (``Supervisor.close`` still runs on
    any exception or Ctrl-C).
    """
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Supervisor:
    """Starts processes in their own process groups and kills every group on close.

    Children are also set to die with the process that started them, so a proof
    killed outright (SIGKILL, a CI timeout) leaves no fake server or worker behind.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        write_reliability_campaign(self.workdir / "campaigns")
        self.processes: list[subprocess.Popen] = []
        self._files: list[TextIO] = []
        self._logs = 0

    def start(
        self,
        args: list[str],
        *,
        env: dict[str, str],
        name: str,
        cwd: Path | None = None,
        stdout: int | None = None,
    ) -> subprocess.Popen:
        """``args`` in a new session; output to ``<workdir>/logs/<n>-<name>.log``."""
        logs = self.workdir / "logs"
        logs.mkdir(exist_ok=True)
        self._logs += 1
        log = open(logs / f"{self._logs:03d}-{name}.log", "w", encoding="utf-8")  # noqa: SIM115
        self._files.append(log)
        process = subprocess.Popen(
            args,
            cwd=cwd or self.workdir,
            env=env,
            stdout=stdout if stdout is not None else log,
            stderr=log,
            text=True,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        process.log_path = Path(log.name)  # type: ignore[attr-defined]
        self.processes.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        """Signal the process's whole group (the worker and anything it started)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)

    def stop(self, process: subprocess.Popen, timeout: float = 20.0) -> int:
        """SIGTERM, wait; SIGKILL if it does not stop in ``timeout`` seconds. The exit code."""
        if process.poll() is None:
            self.kill(process, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill(process)
                process.wait(timeout=10)
        return process.returncode

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.kill(process)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        for handle in self._files:
            handle.close()

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: The campaign file of the posts :func:`queue_posts` writes. Publishing checks each
#: post's campaign schedule (end date, quiet hours) and holds back live posts whose
#: campaign file does not load, so the processes (run in the workdir) need it. It is
#: disabled: the scheduler never plans it; the proofs plan its posts themselves.
RELIABILITY_CAMPAIGN = """\
id: reliability
title: Reliability proofs
enabled: false
bills:
  - {jurisdiction: us, session: "119", identifier: S 1, title: A bill}
targets:
  people:
    - {id: P0, name: Person Zero, title: Sen.}
platforms: [x, facebook, bluesky, mastodon]
messages:
  - {id: a, text: "{{ mentions }}: please support {{ bill.identifier }}."}
schedule: {cron: "0 10 * * *", timezone: UTC}
"""


def write_reliability_campaign(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reliability.yaml").write_text(RELIABILITY_CAMPAIGN, encoding="utf-8")


def clean_environ() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWNED_PREFIXES)}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


# -- fake servers ----------------------------------------------------------------------------


@dataclass
class Accepted:
    """One post a fake server accepted."""

    platform: str
    account: str
    text: str
    remote_id: str
    time: float
    key: str | None = None
    """Mastodon's Idempotency-Key; Bluesky's record key."""


class Fake:
    """A fake platform server running as its own process."""

    def __init__(self, supervisor: Supervisor, platform: str, config: dict | None = None) -> None:
        self.platform = platform
        self.state_file = supervisor.workdir / f"{platform}.jsonl"
        args = [
            sys.executable,
            "-m",
            f"tests.fakes.{platform}",
            "--port",
            "0",
            "--state-file",
            str(self.state_file),
        ]
        if config is not None:
            config_file = supervisor.workdir / f"{platform}-config.json"
            config_file.write_text(json.dumps(config))
            args += ["--config", str(config_file)]
        self.process = supervisor.start(
            args, env=clean_environ(), name=f"fake-{platform}", cwd=ROOT, stdout=subprocess.PIPE
        )
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        line = self.process.stdout.readline() if ready else ""
        if "listening on" not in line:
            supervisor.kill(self.process)
            raise RuntimeError(f"the {platform} fake did not start (see {self.process.log_path})")
        self.url = line.rsplit(" ", 1)[-1].strip()

    def control(self, path: str, body: dict | None = None, timeout: float = 30) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method="POST" if data is not None else "GET",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def state(self) -> dict:
        return self.control("/_fake/state")

    def fault(self, spec: dict, times: int = 1, route: str | None = None) -> None:
        self.control(
            "/_fake/fault",
            {"route": route or CREATE_ROUTE[self.platform], "fault": spec, "times": times},
        )

    def storm(self, rate: float, kinds: list[dict], seed: int, routes: list[str] | None = None):
        self.control(
            "/_fake/storm",
            {
                "rate": rate,
                "kinds": kinds,
                "seed": seed,
                "routes": routes or [CREATE_ROUTE[self.platform]],
            },
        )

    def calm(self) -> None:
        self.control("/_fake/storm", {"rate": 0})

    def journal_size(self) -> int:
        """Bytes in the journal: it grows with every post accepted (or repeat turned away)."""
        try:
            return self.state_file.stat().st_size
        except FileNotFoundError:
            return 0

    def create_requests(self) -> int:
        return int(self.state()["requests"].get(CREATE_ROUTE[self.platform], 0))

    def accepted(self, state: dict | None = None) -> list[Accepted]:
        state = state or self.state()
        by_remote = {a.remote: a.account for a in ACCOUNTS if a.platform == self.platform}
        found = []
        if self.platform == "x":
            for t in state["tweets"]:
                found.append(Accepted("x", by_remote[t["username"]], t["text"], t["id"], t["time"]))
        elif self.platform == "facebook":
            for p in state["posts"]:
                found.append(
                    Accepted("facebook", by_remote[p["page_id"]], p["message"], p["id"], p["time"])
                )
        elif self.platform == "bluesky":
            for r in state["records"]:
                found.append(
                    Accepted(
                        "bluesky",
                        by_remote[r["handle"]],
                        r["value"]["text"],
                        r["uri"],
                        r["time"],
                        key=r["rkey"],
                    )
                )
        else:
            for s in state["statuses"]:
                found.append(
                    Accepted(
                        "mastodon",
                        by_remote[s["username"]],
                        s["text"],
                        s["id"],
                        s["time"],
                        key=s.get("idempotency_key"),
                    )
                )
        return found

    def repeats(self, state: dict | None = None) -> list[dict]:
        """Requests the platform's own rules turned away as a repeat of an accepted post."""
        return list((state or self.state())["rejected"])


class JournalCounter:
    """How many events the fakes have journaled (posts accepted, repeats turned away).

    Reads only what was appended since the last call, so it can be polled often.
    """

    def __init__(self, fakes: dict[str, Fake]) -> None:
        self.fakes = fakes
        self.offsets = {platform: 0 for platform in fakes}
        self.total = 0

    def __call__(self) -> int:
        for platform, fake in self.fakes.items():
            try:
                with open(fake.state_file, "rb") as handle:
                    handle.seek(self.offsets[platform])
                    data = handle.read()
            except FileNotFoundError:
                continue
            complete = data.rfind(b"\n") + 1  # a line still being written waits
            self.total += data[:complete].count(b"\n")
            self.offsets[platform] += complete
        return self.total


def start_fakes(supervisor: Supervisor) -> dict[str, Fake]:
    """The four fakes, Mastodon's 300-statuses-per-3-hours limit raised for bulk runs."""
    from tests.fakes.mastodon import DEFAULT_CONFIG as MASTODON

    mastodon = {**MASTODON, "statuses_per_3h": 1_000_000}
    return {
        "x": Fake(supervisor, "x"),
        "facebook": Fake(supervisor, "facebook"),
        "bluesky": Fake(supervisor, "bluesky"),
        "mastodon": Fake(supervisor, "mastodon", config=mastodon),
    }


# -- the bot's configuration -------------------------------------------------------------------


def bot_env(
    database_url: str,
    fakes: dict[str, Fake],
    state_dir: Path,
    *,
    timeout: float = 2.0,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a live bot pointed at the fakes, with generous guard limits.

    Credentials are the fakes' own (tests/fakes/*.py ``DEFAULT_CONFIG``). The guard
    is the real one; its limits are raised (no spacing, caps far above any run)
    so that they never stall a proof; ``extra`` sets tighter ones where a proof
    is about caps.
    """
    from tests.fakes.bluesky import DEFAULT_CONFIG as BSKY
    from tests.fakes.facebook import DEFAULT_CONFIG as FB
    from tests.fakes.mastodon import DEFAULT_CONFIG as MASTO
    from tests.fakes.x import DEFAULT_CONFIG as X

    env = clean_environ()
    seconds = str(timeout)
    env |= {
        "DATABASE_URL": database_url,
        "BOT_MODE": "live",
        "BOT_STATE_DIR": str(state_dir),
        # X: two accounts; the default one may read its timeline to reconcile, the other not.
        "X_API_BASE": fakes["x"].url,
        "X_TIMEOUT": seconds,
        "X_API_KEY": X["app"]["consumer_key"],
        "X_API_SECRET": X["app"]["consumer_secret"],
        "X_ACCESS_TOKEN": X["users"][0]["access_token"],
        "X_ACCESS_TOKEN_SECRET": X["users"][0]["access_token_secret"],
        "X_RECONCILE_READS": "1",
        "X_COALITION_API_KEY": X["app"]["consumer_key"],
        "X_COALITION_API_SECRET": X["app"]["consumer_secret"],
        "X_COALITION_ACCESS_TOKEN": X["users"][1]["access_token"],
        "X_COALITION_ACCESS_TOKEN_SECRET": X["users"][1]["access_token_secret"],
        "X_COALITION_RECONCILE_READS": "0",
        "X_MONTHLY_SPEND_CAP": "100000",
        # Facebook: two Pages.
        "FACEBOOK_GRAPH_URL": fakes["facebook"].url,
        "FACEBOOK_TIMEOUT": seconds,
        "FACEBOOK_PAGE_ID": FB["pages"][0]["id"],
        "FACEBOOK_PAGE_TOKEN": FB["pages"][0]["token"],
        "FACEBOOK_COALITION_PAGE_ID": FB["pages"][1]["id"],
        "FACEBOOK_COALITION_PAGE_TOKEN": FB["pages"][1]["token"],
        "FACEBOOK_RATE_LIMIT_BACKOFF": "2",
        # Bluesky: two accounts on one PDS.
        "BLUESKY_SERVICE": fakes["bluesky"].url,
        "BLUESKY_TIMEOUT": seconds,
        "BLUESKY_HANDLE": BSKY["accounts"][0]["handle"],
        "BLUESKY_APP_PASSWORD": BSKY["accounts"][0]["password"],
        "BLUESKY_COALITION_HANDLE": BSKY["accounts"][1]["handle"],
        "BLUESKY_COALITION_APP_PASSWORD": BSKY["accounts"][1]["password"],
        # Mastodon: one account.
        "MASTODON_API_BASE": fakes["mastodon"].url,
        "MASTODON_TIMEOUT": seconds,
        "MASTODON_ACCESS_TOKEN": MASTO["accounts"][0]["token"],
    }
    daily = {"X": 2400, "FACEBOOK": 100_000, "BLUESKY": 11_000, "MASTODON": 2400}
    for prefix, per_day in daily.items():
        env[f"{prefix}_POSTS_PER_DAY"] = str(per_day)
        env[f"{prefix}_POSTS_PER_MONTH"] = "1000000"
        env[f"{prefix}_MIN_SPACING"] = "0"
    env |= extra or {}
    return env


# -- the post log --------------------------------------------------------------------------------

#: PostgreSQL sessions of the proof itself carry this name, so that a proof that cuts
#: the bot's database connections leaves its own alone.
PROOF_APPLICATION = "reliability-proof"


def proof_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        return database_url
    separator = "&" if "?" in database_url else "?"
    return f"{database_url}{separator}application_name={PROOF_APPLICATION}"


def post_text(number: int, acct: Account) -> str:
    """The message template of post ``number`` (``{{ mentions }}`` is who it addresses)."""
    return (
        f"{{{{ mentions }}}}: reliability post {number:05d} from {acct.label}: please support "
        f"{{{{ bill.identifier }}}} and protect survivors."
    )


#: The most posts one planned run makes (a campaign's ``posts_per_run`` limit).
_PER_RUN = 50


def _proof_campaign(acct: Account, index: int, numbers: list[int], per_run: int) -> Any:
    """The reliability campaign as it plans for one account: one bill of its own (so the
    accounts' cooldowns never meet), one message a post, X legislators tagged, and
    every post held for an organizer's approval."""
    from bot.campaigns.schema import Campaign

    return Campaign.model_validate(
        {
            "id": "reliability",
            "title": "Reliability proofs",
            "bills": [
                {
                    "jurisdiction": "us",
                    "session": "119",
                    "identifier": f"S {index + 1}",
                    "title": "A bill",
                }
            ],
            "targets": {"people": [{"id": "P0", "name": "Person Zero", "title": "Sen."}]},
            "platforms": [acct.platform],
            "accounts": {acct.platform: acct.account},
            "messages": [{"id": f"m{n}", "text": post_text(n, acct)} for n in numbers],
            "schedule": {
                "cron": "0 10 * * *",
                "timezone": "UTC",
                "posts_per_run": per_run,
                "posts_per_day": 500,
            },
            "mentions_per_post": 1,
            "approval": "required",
            "x_mentions": "tag",
        }
    )


def queue_posts(
    database_url: str,
    count: int,
    accounts: Iterable[Account] = ACCOUNTS,
    *,
    start: int = 0,
    now: datetime | None = None,
) -> int:
    """Plan ``count`` live posts across ``accounts`` (in turn) and approve them, due now.

    The posts come from the real planner and runner (:func:`bot.schedule.runner.
    run_campaign`), as the scheduler makes them: each addresses a legislator, tagged
    on X with the mention rules on (the budget per person, approval, no near
    duplicates); the campaign requires approval, and an organizer approves them all
    (``advocacy-bot approve --all``). A bug in planning or in the mention rules shows
    in the proofs as posts missing, held or skipped. Each text is its own, so every
    post is recognisable at the servers.
    """
    from bot.campaigns.loaded import LoadedCampaign
    from bot.config import Mode
    from bot.directory.people import Person
    from bot.schedule.runner import run_campaign
    from bot.store import queries
    from bot.store.db import Database

    accounts = list(accounts)
    now = now or datetime.now(UTC)
    numbers: dict[int, list[int]] = {}
    for number in range(start, start + count):
        numbers.setdefault(number % len(accounts), []).append(number)
    most = max((len(n) for n in numbers.values()), default=0)
    people = tuple(
        Person(id=f"P{i}", name=f"Person {i}", title="Sen.", handles={"x": f"Sen{i}"})
        for i in range(most)
    )
    db = Database(proof_url(database_url))
    try:
        planned = 0
        runs = [
            (index, min(_PER_RUN, len(mine) - chunk))
            for index, mine in sorted(numbers.items())
            for chunk in range(0, len(mine), _PER_RUN)
        ]
        for step, (index, per_run) in enumerate(runs):
            acct = accounts[index]
            campaign = _proof_campaign(acct, index, numbers[index], per_run)
            fire_time = now - timedelta(seconds=len(runs) - step)
            report = run_campaign(
                db,
                LoadedCampaign(campaign, Path("reliability.yaml"), people),
                mode=Mode.LIVE,
                now=fire_time,
                fire_time=fire_time,
            )
            planned += len(report.posts)
        with db.session() as session:
            queries.approve_posts(session, every=True, by="reliability-proof", now=now)
        assert planned == count, f"the planner made {planned} of {count} posts"
        return planned
    finally:
        db.dispose()


@dataclass
class Row:
    id: int
    platform: str
    account: str
    text: str
    key: str
    status: str
    remote_id: str | None
    reason: str | None
    error: str | None
    next_attempt_at: datetime | None
    lease_owner: str | None
    attempts: int
    outcomes: list[str] = field(default_factory=list)
    sent_by: str | None = None
    """The worker whose attempt succeeded (``host:pid``)."""

    @property
    def label(self) -> str:
        return f"{self.platform}:{self.account}"


def read_log(database_url: str) -> list[Row]:
    from sqlalchemy import select

    from bot.store.db import Database
    from bot.store.models import Attempt, Post

    db = Database(proof_url(database_url), migrate=False)
    try:
        with db.new_session() as session:
            outcomes: dict[int, list[str]] = {}
            sent_by: dict[int, str | None] = {}
            for post_id, outcome, worker in session.execute(
                select(Attempt.post_id, Attempt.outcome, Attempt.worker).order_by(Attempt.id)
            ):
                outcomes.setdefault(post_id, []).append(outcome)
                if outcome == "ok":
                    sent_by[post_id] = worker
            rows = [
                Row(
                    p.id,
                    p.platform,
                    p.account,
                    p.text,
                    p.key,
                    p.status,
                    p.remote_id,
                    p.reason,
                    p.error,
                    p.next_attempt_at,
                    p.lease_owner,
                    p.attempt_count,
                    outcomes.get(p.id, []),
                    sent_by.get(p.id),
                )
                for p in session.scalars(select(Post).order_by(Post.id))
            ]
            session.rollback()
            return rows
    finally:
        db.dispose()


def statuses(rows: Iterable[Row]) -> Counter[str]:
    return Counter(r.status for r in rows)


def pending(database_url: str) -> int:
    """Rows still to settle: ``queued`` or ``sending``."""
    return sum(1 for r in read_log(database_url) if r.status in ("queued", "sending"))


def fast_forward(database_url: str, *, within: timedelta = timedelta(hours=2)) -> int:
    """Stand in for time passing: waits that real minutes would end end now.

    Retries back off for real minutes (1, 2, 4...), an uncertain post is checked
    again two minutes after its call (``worker.SETTLE``), an account in an
    outage backs off 30 s doubling; a proof that waited for them would take an
    hour. Only waits shorter than ``within`` are cut (backoffs, re-checks,
    outage and rate-limit pauses), never a cap's day or month (nor any wait
    whose reason names a cap), nor a pause that waits for a person. Returns the
    rows moved.
    """
    from sqlalchemy import or_, update

    from bot.schedule.worker import OUTAGE
    from bot.store.db import Database
    from bot.store.models import Pause, Post

    now = datetime.now(UTC)
    db = Database(proof_url(database_url), migrate=False)
    try:
        with db.session() as session:
            moved = session.execute(
                update(Post)
                .where(Post.status.in_(("queued", "unknown")), Post.next_attempt_at > now)
                .where(Post.next_attempt_at < now + within)
                .where(or_(Post.reason.is_(None), ~Post.reason.contains("cap")))
                .values(next_attempt_at=now)
            ).rowcount
            moved += session.execute(
                update(Pause)
                .where(Pause.until > now, Pause.until < now + within)
                .where(
                    or_(Pause.reason.startswith(OUTAGE), Pause.reason.startswith("rate limited"))
                )
                .values(until=now)
            ).rowcount
            return int(moved or 0)
    finally:
        db.dispose()


@dataclass(frozen=True)
class PauseRow:
    reason: str | None
    since: datetime
    until: datetime | None


def pauses(database_url: str) -> dict[str, PauseRow]:
    """Every row of the ``pauses`` table, by scope."""
    from sqlalchemy import select

    from bot.store.db import Database
    from bot.store.models import Pause

    db = Database(proof_url(database_url), migrate=False)
    try:
        with db.new_session() as session:
            return {
                p.scope: PauseRow(p.reason, p.since, p.until)
                for p in session.scalars(select(Pause))
            }
    finally:
        db.dispose()


# -- the proof ----------------------------------------------------------------------------


def server_posts(fakes: dict[str, Fake]) -> tuple[list[Accepted], list[dict]]:
    """Everything the fakes accepted, and every repeat they turned away."""
    accepted: list[Accepted] = []
    repeats: list[dict] = []
    for platform, fake in fakes.items():
        state = fake.state()
        accepted += fake.accepted(state)
        repeats += [{"platform": platform, **r} for r in fake.repeats(state)]
    return accepted, repeats


def check_log_against_servers(
    rows: list[Row],
    accepted: list[Accepted],
    repeats: list[dict],
    *,
    allowed_states: Callable[[Row], bool] | None = None,
) -> list[str]:
    """Every broken promise, as a sentence (an empty list: the log and the servers agree).

    1. the servers received each post at most once (same account and text; for
       Mastodon the same Idempotency-Key, for Bluesky the same record key), and
       no request was even turned away as a repeat of an accepted post;
    2. every post a server accepted is in the log as ``posted`` with the remote
       id the server gave it, or ``unknown`` where no check exists (an X account
       without reads); a ``posted`` row is at its server under that id;
    3. nothing queued was lost: no row is left ``sending``, and every row is
       ``posted``, ``unknown``, ``failed`` with a reason, or (``allowed_states``)
       something the proof explains.
    """
    problems: list[str] = []
    seen = Counter((a.platform, a.account, a.text) for a in accepted)
    for (platform, acct, text), times in seen.items():
        if times > 1:
            problems.append(f"{platform}:{acct} received {times} times: {text!r}")
    keys = Counter((a.platform, a.account, a.key) for a in accepted if a.key)
    for (platform, acct, key), times in keys.items():
        if times > 1:
            problems.append(f"{platform}:{acct} got key {key} {times} times")
    for repeat in repeats:
        problems.append(f"a repeat reached {repeat['platform']}: {repeat}")

    by_text = {(r.platform, r.account, r.text): r for r in rows}
    for item in accepted:
        row = by_text.get((item.platform, item.account, item.text))
        if row is None:
            problems.append(f"{item.platform}:{item.account} has a post the log lacks: {item}")
            continue
        if row.status == "posted":
            if row.remote_id != item.remote_id:
                problems.append(
                    f"post #{row.id} is posted as {row.remote_id}, the server has {item.remote_id}"
                )
        elif row.status == "unknown":
            if account(row.label).checkable:
                problems.append(f"post #{row.id} is unknown, yet {row.label} can be checked")
        else:
            problems.append(
                f"post #{row.id} went out on {row.label} but the log says {row.status} "
                f"({row.reason or row.error})"
            )
    at_server = {(a.platform, a.account, a.text): a for a in accepted}
    for row in rows:
        if row.status == "posted" and (row.platform, row.account, row.text) not in at_server:
            problems.append(f"post #{row.id} is logged as posted but no server has it")
        if row.status == "sending":
            problems.append(f"post #{row.id} is left sending (lease of {row.lease_owner})")
        elif row.status == "failed" and not (row.reason or row.error):
            problems.append(f"post #{row.id} failed without a reason")
        elif row.status == "unknown" and not (row.reason or row.error):
            problems.append(f"post #{row.id} is unknown without a reason")
        elif row.status not in ("posted", "failed", "unknown") and not (
            allowed_states and allowed_states(row)
        ):
            problems.append(
                f"post #{row.id} ({row.label}) ends {row.status}: {row.reason or row.error}"
            )
    return problems


def wait_until(
    condition: Callable[[], bool], timeout: float, interval: float = 0.05, what: str = ""
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def table(rows: list[tuple[str, object]]) -> str:
    """A two-column plain-text table."""
    width = max(len(name) for name, _ in rows)
    line = "+" + "-" * (width + 2) + "+" + "-" * 12 + "+"
    body = [f"| {name:<{width}} | {value!s:>10} |" for name, value in rows]
    return "\n".join([line, *body, line])


@contextlib.contextmanager
def timer() -> Iterator[Callable[[], float]]:
    started = time.monotonic()
    yield lambda: time.monotonic() - started


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=str)


# -- bot processes -------------------------------------------------------------------------------

#: The lease the proofs give workers: a killed worker's post is reconciled this long
#: after it was claimed. It must exceed the slowest platform call (the proofs set
#: 2-second timeouts; a post takes at most a few calls).
LEASE = 6.0


def start_worker(
    supervisor: Supervisor,
    env: dict[str, str],
    name: str,
    *,
    lease: float = LEASE,
    interval: float = 0.2,
) -> subprocess.Popen:
    """``advocacy-bot worker --live`` in its own process group."""
    command = [*bot_command(), "worker", "--live", "--interval", str(interval)]
    return supervisor.start([*command, "--lease", str(lease)], env=env, name=name)


def start_scheduler(supervisor: Supervisor, env: dict[str, str]) -> subprocess.Popen:
    """``advocacy-bot run --live``: the one scheduler (no campaign of its own to plan: the
    proof plans its posts first), which also publishes every few seconds like any worker."""
    campaigns = supervisor.workdir / "campaigns"
    campaigns.mkdir(exist_ok=True)
    return supervisor.start(
        [*bot_command(), "run", "--live", "--campaigns-dir", str(campaigns)],
        env=env,
        name="scheduler",
    )


def output(process: subprocess.Popen) -> str:
    return Path(process.log_path).read_text(encoding="utf-8", errors="replace")  # type: ignore[attr-defined]


def wait_ready(processes: Iterable[subprocess.Popen], timeout: float = 90.0) -> None:
    """Wait until each process says it is running (or fail, showing its output)."""
    markers = ("publishing (", "scheduler started")
    for process in processes:
        ok = wait_until(
            lambda p=process: any(m in output(p) for m in markers) or p.poll() is not None,
            timeout=timeout,
            interval=0.1,
        )
        if not ok or process.poll() is not None:
            raise AssertionError(f"{process.args} did not start:\n{output(process)[-3000:]}")


def worker_of(process: subprocess.Popen) -> str:
    """The worker id a process writes in leases and attempts (``host:pid``)."""
    import socket

    return f"{socket.gethostname()}:{process.pid}"
