"""The newest migration's revision, read from ``migrations/versions`` without SQLAlchemy.

Apart from :mod:`bot.store.db` so that a command that reads through the
driver alone (``log --csv`` on SQLite, :mod:`bot.store.exports`) can check
the schema is current without importing SQLAlchemy.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"

_REVISION = re.compile(r"^(down_revision|revision)\b[^=\n]*=\s*(None|['\"]([^'\"]+)['\"])", re.M)


@functools.cache
def head_revision() -> str | None:
    """The newest revision in ``migrations/versions``, read from the files, not Alembic.

    Each migration file declares ``revision = "..."`` and ``down_revision =
    "..."`` at top level (Alembic's own template): the head is the revision no
    other names as its ``down_revision``. Several heads (a merge not made yet)
    fall back to Alembic, which reports them as its error.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        found = {name: value for name, _, value in _REVISION.findall(path.read_text("utf-8"))}
        if found.get("revision"):
            revisions.add(found["revision"])
            if found.get("down_revision"):
                parents.add(found["down_revision"])
    heads = revisions - parents
    if len(heads) == 1:
        return heads.pop()
    from alembic.script import ScriptDirectory

    from bot.store.db import alembic_config

    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()
