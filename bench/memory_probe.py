"""One process whose peak memory ``bench/memory.py`` reads: ``python -m bench.memory_probe WHAT``.

``scheduler``  100 campaigns loaded, the APScheduler service built and started, idle
``worker``     the publishing loop over an empty log, with the guard, idle
``national``   the planning benchmark's run over 7,400 legislators (22,200 posts)

Prints the peak resident set size in kB as its last line (:func:`peak_kb`).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path


def scheduler(folder: Path) -> None:
    import yaml

    from bot.campaigns.loader import load_all
    from bot.clock import SystemClock
    from bot.config import Mode, Settings
    from bot.guard import guard_for
    from bot.platforms.dryrun import DryRunPublisher
    from bot.schedule.service import BotService
    from bot.store.db import Database
    from tests.support import campaign_dict

    for i in range(100):
        data = campaign_dict(id=f"campaign-{i:03d}", platforms=["x", "bluesky", "mastodon"])
        (folder / f"campaign-{i:03d}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    loaded = load_all([folder])
    assert len(loaded.campaigns) == 100, loaded.errors
    database = Database(f"sqlite:///{folder / 'bot.db'}")
    service = BotService(
        database,
        [campaign for campaign, _ in loaded.campaigns],
        lambda platform, account: DryRunPublisher(platform, account),
        mode=Mode.DRY_RUN,
        clock=SystemClock(),
        guard=guard_for(Settings(env={}, mode=Mode.DRY_RUN)),
    )
    scheduler = service.scheduler(blocking=False)
    scheduler.start(paused=True)  # every job scheduled, none due: idle
    time.sleep(1.0)
    scheduler.shutdown(wait=False)


def worker(folder: Path) -> None:
    from bot.clock import SystemClock
    from bot.config import Mode, Settings
    from bot.guard import guard_for
    from bot.platforms.registry import build_publisher
    from bot.schedule.worker import publish_due
    from bot.store.db import Database

    settings = Settings(env={}, mode=Mode.DRY_RUN)
    database = Database(f"sqlite:///{folder / 'bot.db'}")
    guard = guard_for(settings)
    for _ in range(20):
        publish_due(
            database,
            lambda platform, account: build_publisher(platform, account, settings, live=False),
            mode=Mode.DRY_RUN,
            clock=SystemClock(),
            guard=guard,
        )
        time.sleep(0.05)


def national(folder: Path) -> None:
    from bench import planning
    from bot.store.db import Database

    people = planning.states(7400)
    planning.bot_run(Database(f"sqlite:///{folder / 'bot.db'}"), planning.campaign(7400), people)


def peak_kb() -> int:
    """This process's peak resident set size, in kB.

    Linux's ``VmHWM`` is the high-water mark of this program's own memory.
    ``ru_maxrss`` is the fallback elsewhere, but on Linux it carries over the
    parent's peak across ``exec``: a probe started from a large process (the
    bench, after planning 22,200 posts) would report the parent's size.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    what = sys.argv[1]
    if what == "sqlalchemy":  # the baseline: the database library alone
        import sqlalchemy  # noqa: F401
    else:
        with tempfile.TemporaryDirectory() as tmp:
            {"scheduler": scheduler, "worker": worker, "national": national}[what](Path(tmp))
    print(peak_kb())


if __name__ == "__main__":
    main()
