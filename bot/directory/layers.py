"""Where a target's handles came from, and do-not-tag rules: plain data, no SQLAlchemy.

Defined apart from :mod:`bot.directory.load` (which reads them from the
database, and re-exports them) so that ``validate`` over an empty directory
resolves a campaign's named people without importing SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class HandleInfo:
    """Where one handle came from."""

    platform: str
    handle: str | None
    """None: an override saying the person has no account there."""
    source: str
    """``congress-legislators``, ``openstates``, ``set-handle``, ``file:<path>``,
    ``override:<path>`` (a campaign's overrides file), ``campaign``, ``roster``."""
    kind: str | None = None
    when: datetime | None = None
    """Imported (last seen by an import) or, for an override, last set."""
    note: str | None = None


@dataclass(frozen=True)
class NoTag:
    """A do-not-tag entry, from the database or a campaign's overrides file."""

    person_id: str | None
    platform: str | None
    handle: str | None
    reason: str | None
    source: str

    def describe(self) -> str:
        """``do-not-tag: the office asked on 2026-03-02 [file:overrides.yaml]``."""
        reason = f": {self.reason}" if self.reason else ""
        source = "" if self.source == "do-not-tag" else f" [{self.source}]"
        return f"do-not-tag{reason}{source}"
