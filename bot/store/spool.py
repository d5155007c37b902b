"""Answers the platform gave that the database has not recorded yet.

A worker that has the platform's answer (the post is up, here is its id) and
cannot write it to the log (SQLite locked past its busy timeout, PostgreSQL
restarting) must not throw it away: the post would end ``unknown`` or, where
the platform cannot be checked, be sent again. So the answer is written here
first, one small JSON file per answer (written to a temporary name, flushed to
disk and renamed: a file is whole or absent), and removed once the log has it.
The worker replays what is left at every round and at start (after a restart).

Only successes are kept: they carry what no check can give back cheaply. A
lost failure only means the post is checked when its lease runs out.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeptAnswer:
    """A platform's acceptance of one post, waiting to be recorded."""

    post_id: int
    token: int
    """The claim the call was made under."""
    worker: str
    live: bool
    remote_id: str
    url: str | None
    cost: float
    started: datetime
    finished: datetime
    rate_limit_remaining: int | None = None
    rate_limit_reset: datetime | None = None

    @property
    def name(self) -> str:
        return f"post-{self.post_id}-claim-{self.token}.json"

    def to_json(self) -> str:
        fields = asdict(self)
        for key, value in fields.items():
            if isinstance(value, datetime):
                fields[key] = value.isoformat()
        return json.dumps(fields)

    @classmethod
    def from_json(cls, text: str) -> KeptAnswer:
        fields = json.loads(text)
        for key in ("started", "finished", "rate_limit_reset"):
            if fields.get(key):
                fields[key] = datetime.fromisoformat(fields[key])
        return cls(**fields)


class Spool:
    """A folder of :class:`KeptAnswer` files (``BOT_SPOOL_DIR``, default ``./spool``)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def keep(self, answer: KeptAnswer) -> None:
        """Write ``answer`` durably before anything else is tried."""
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / answer.name
        temporary = final.with_suffix(".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(answer.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)

    def forget(self, answer: KeptAnswer) -> None:
        (self.folder / answer.name).unlink(missing_ok=True)

    def answers(self) -> list[KeptAnswer]:
        """What is waiting, oldest post first; an unreadable file is logged and left."""
        if not self.folder.is_dir():
            return []
        kept = []
        for path in sorted(self.folder.glob("post-*-claim-*.json")):
            try:
                kept.append(KeptAnswer.from_json(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError) as exc:
                log.error("cannot read the kept answer %s: %s", path, exc)
        return sorted(kept, key=lambda a: (a.post_id, a.token))
