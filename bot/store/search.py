"""The log's text search ("text contains"), served by an index.

What matches (docs/web.md): posts whose text contains the searched text as
written, anywhere (a substring, spaces and punctuation included), ignoring
case (on SQLite for the letters A-Z only, as SQLite's ``LIKE``; on
PostgreSQL every letter, as ``ILIKE``). The condition itself is
:func:`contains`; an index only narrows which posts it is tried on.

SQLite: ``posts_search``, an FTS5 table over ``posts.text`` with the
``trigram`` tokenizer (every three characters, case folded), kept by
triggers (migration ``0014_counts``). :func:`candidate_ids` asks it how many
posts hold each three-character piece of the searched text (each count stops
at :data:`CANDIDATES`), then for the posts holding the two rarest pieces: at
most :data:`CANDIDATES` posts, on which the page's query tries the text. When
every piece is common (each in more than :data:`CANDIDATES` posts), so are the
matches, as a rule: the page reads the log newest first until it has a page.
A text under three characters is searched that way too.

PostgreSQL: ``ix_posts_text_trgm``, a ``pg_trgm`` GIN index on ``posts.text``
that serves ``ILIKE`` itself; without the extension (a host that refuses
``CREATE EXTENSION``) the migration leaves it out and the search reads the log.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

#: At most this many posts are tried for a searched text (see the module's doc).
CANDIDATES = 2000
#: At most this many pieces of a long searched text are counted.
PIECES = 12

#: Schema objects made by hand in the migration (no model): left out of comparisons.
HAND_MADE = frozenset(
    {
        "posts_search",
        "posts_search_data",
        "posts_search_idx",
        "posts_search_config",
        "posts_search_docsize",
        "posts_search_content",
        "ix_posts_text_trgm",
    }
)


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's ``include_name``: leave out what :data:`HAND_MADE` names."""
    return name not in HAND_MADE


SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE posts_search USING fts5("
    "text, content='posts', content_rowid='id', tokenize='trigram', detail='none')",
    "CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN"
    " INSERT INTO posts_search (rowid, text) VALUES (NEW.id, NEW.text); END",
    "CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN"
    " INSERT INTO posts_search (posts_search, rowid, text) VALUES ('delete', OLD.id, OLD.text);"
    " END",
    "CREATE TRIGGER posts_search_update AFTER UPDATE OF text ON posts BEGIN"
    " INSERT INTO posts_search (posts_search, rowid, text) VALUES ('delete', OLD.id, OLD.text);"
    " INSERT INTO posts_search (rowid, text) VALUES (NEW.id, NEW.text); END",
    "INSERT INTO posts_search (posts_search) VALUES ('rebuild')",
)

SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS posts_search_insert",
    "DROP TRIGGER IF EXISTS posts_search_delete",
    "DROP TRIGGER IF EXISTS posts_search_update",
    "DROP TABLE IF EXISTS posts_search",
)

#: PostgreSQL: the extension if the server has it and lets us, then the index if it is there.
POSTGRES_CREATE = (
    """
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE USING MESSAGE = 'pg_trgm not created, text search reads the log: ' || SQLERRM;
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX IF NOT EXISTS ix_posts_text_trgm ON posts USING gin (text gin_trgm_ops);
  END IF;
END
$$
""",
)

POSTGRES_DROP = ("DROP INDEX IF EXISTS ix_posts_text_trgm",)


def pieces(needle: str, most: int = PIECES) -> list[str]:
    """The distinct three-character pieces of ``needle``, at most ``most`` spread along it.

    >>> pieces("abcde")
    ['abc', 'bcd', 'cde']
    >>> pieces("ab")
    []
    """
    every = list(dict.fromkeys(needle[i : i + 3] for i in range(len(needle) - 2)))
    if len(every) <= most:
        return every
    step = (len(every) - 1) / (most - 1)
    return list(dict.fromkeys(every[round(i * step)] for i in range(most)))


def _phrase(piece: str) -> str:
    """``piece`` as an FTS5 string (a trigram of it, case folded by the tokenizer)."""
    return '"' + piece.replace('"', '""') + '"'


def _has_index(session: Session) -> bool:
    """Whether ``posts_search`` is there (one look at the schema: a few microseconds)."""
    found = session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'posts_search'")
    ).first()
    return found is not None


def candidate_ids(session: Session, needle: str | None) -> list[int] | None:
    """Ids of the posts that may contain ``needle`` (a superset of those that do).

    None when the index cannot narrow the search: not SQLite (PostgreSQL's
    index serves the condition itself), no ``posts_search``, a text under three
    characters, or every piece of it in more than :data:`CANDIDATES` posts.
    """
    if not needle or len(needle) < 3 or session.get_bind().dialect.name != "sqlite":
        return None
    if not _has_index(session):
        return None
    counted = []
    for piece in pieces(needle):
        count = session.execute(
            text(
                "SELECT count(*) FROM (SELECT 1 FROM posts_search"
                " WHERE posts_search MATCH :q LIMIT :cap)"
            ),
            {"q": _phrase(piece), "cap": CANDIDATES + 1},
        ).scalar_one()
        if count == 0:
            return []  # no post holds this piece: none holds the text
        counted.append((count, piece))
    counted.sort()
    if counted[0][0] > CANDIDATES:
        return None
    query = " AND ".join(_phrase(piece) for _, piece in counted[:2])
    rows = session.execute(
        text("SELECT rowid FROM posts_search WHERE posts_search MATCH :q LIMIT :cap"),
        {"q": query, "cap": CANDIDATES},
    )
    return [row[0] for row in rows]


def escaped(needle: str) -> str:
    """``needle`` as a ``LIKE`` pattern for "contains", escaped with ``/``."""
    safe = needle.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{safe}%"
