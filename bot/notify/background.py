"""Sweep for notices about once a minute beside a long-running process.

``advocacy-bot run`` and ``advocacy-bot worker`` call :func:`start_sweeper`
once; it does nothing when no ``NOTIFY_*`` channel is configured. The sweep
runs in a daemon thread, so a slow or unreachable mail server never holds up
planning or publishing, and the process stops as it did before.
"""

from __future__ import annotations

import logging
import threading

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.notify.channels import Notifier, notifier_from
from bot.notify.settings import NotifySettings
from bot.notify.sweep import sweep
from bot.store.db import Database

log = logging.getLogger(__name__)

SWEEP_EVERY = 60.0
"""Seconds between two sweeps."""


class Sweeper(threading.Thread):
    def __init__(
        self, db: Database, notifier: Notifier, clock: Clock, every: float = SWEEP_EVERY
    ) -> None:
        super().__init__(name="notify-sweeper", daemon=True)
        self.db, self.notifier, self.clock, self.every = db, notifier, clock, every
        self._stop_event = threading.Event()
        self.sweeps = 0

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                sweep(self.db, self.notifier, self.clock.now())
            except Exception:  # sweep never raises; a bug must not end the thread
                log.exception("notifications: the sweep failed")
            self.sweeps += 1
            self._stop_event.wait(self.every)

    def stop(self, timeout: float | None = None) -> None:
        self._stop_event.set()
        self.join(timeout)


def start_sweeper(
    config: Settings, db: Database, clock: Clock | None = None, *, every: float = SWEEP_EVERY
) -> Sweeper | None:
    """Start sweeping if a channel is configured; raises ConfigError for a wrong setting."""
    notifier = notifier_from(NotifySettings.from_env(config.env))
    if notifier is None:
        return None
    sweeper = Sweeper(db, notifier, clock or SystemClock(), every)
    sweeper.start()
    log.info("notifications: telling %s", ", ".join(c.describe() for c in notifier.channels))
    return sweeper
