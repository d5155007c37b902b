"""The log's text search ("text contains"), served by an index.

What matches (docs/web.md): posts whose text contains the searched text as
written, anywhere (a substring, spaces and punctuation included), ignoring
case (on SQLite for the letters A-Z only, as SQLite's ``LIKE``; on
PostgreSQL every letter, as ``ILIKE``). The condition itself is
:func:`contains`; an index only narrows which posts it is tried on.

SQLite: ``posts_search``, an FTS5 table over ``posts.text`` with the
``trigram`` tokenizer (every three characters, case folded), kept by
triggers (migration ``0017_counts``). :func:`candidate_ids` asks it how many
posts hold each three-character piece of the searched text (each count stops
at :data:`RANKED`, or at the third smallest count so far), then for the
posts holding all three rarest pieces: if there are at most
:data:`CANDIDATES` (and at most the square root of 50 times the posts in the
log: past that, reading newest first finds a page sooner), the page's query
tries the text on those alone. If there are more, the matches are common
too, as a rule: the page reads the log newest first until it has a page. A
text under three characters is searched that way too.

Those candidates are not each looked up to be put in the log's order
(``created_at, id``): post ids follow that order, but for the posts that
``posts_search_displaced`` lists (migration ``0019_search``; kept by
triggers: a post written with an earlier time than a post of a smaller id,
or its own id into a gap, or its time changed). :func:`walk_ids` walks the
other candidates in id order from the index, trying the text and the
filters on each, and stops when the page is full; the displaced candidates
(:func:`displaced_among`, as a rule none) are tried apart, and the page is
the first of both in the log's order (bot.store.logs.list_posts).

PostgreSQL: ``ix_posts_text_trgm``, a ``pg_trgm`` GIN index on ``posts.text``;
without the extension (a host that refuses ``CREATE EXTENSION``) the
migration leaves it out and the search reads the log. Asked for the whole
text, the index reads the posting list of every trigram in it, and the
common ones ("please": every post) grow with the log; it then returns every
match, each fetched from the table and sorted to keep a page. So the page
(bot.store.logs, ``_trigram_ids``) first reads the :data:`WINDOW` newest
posts past its key and tries the text on each (a common text fills its page
there); how many of them hold each of its :func:`index_pieces` tells which
are rare (:func:`rarest`): those are all the index is asked for (the whole
text is tried on what it returns): their posting lists are as short as
their posts are few. Each post holding them is still fetched and the page
sorted from them: that part grows with the matches. Chunks of the key
range, for a BitmapAnd with ``ix_posts_created``, were tried and left (see
``_trigram_ids``).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import column, literal, select, table, text
from sqlalchemy.orm import Session

from bot.store.models import Post

#: At most this many posts are tried for a searched text (see the module's doc), and
#: at most sqrt(PAGE x the posts in the log), but never fewer than FEWEST.
CANDIDATES = 3000
FEWEST = 200
PAGE = 50
#: Each piece's count stops here: enough to tell a rare piece, bounded in what it reads.
RANKED = 1000
#: The posts tried hold this many of the rarest pieces of the text.
RAREST = 3
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
        "posts_search_displaced",
    }
)


_SEARCH = table("posts_search", column("rowid"))
_DISPLACED = table("posts_search_displaced", column("id"))


def _matches(match: str) -> Any:
    """The condition ``posts_search MATCH match``."""
    return text("posts_search MATCH :search_match").bindparams(search_match=match)


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

#: SQLite, migration ``0019_search``: the posts whose ``(created_at, id)`` order
#: disagrees with their ids' (see :func:`walk_ids`). A post is listed when it
#: is written or its time changes if some other post has a smaller id and a later
#: time, or a larger id and an earlier one; so among the posts not listed, the
#: order of ids is the log's order. Each check is an empty range of an index as a
#: rule (a new post has the largest id and the latest time): the ``+`` keeps
#: SQLite from walking the other column's range instead.
_DISPLACED_WHEN = (
    "EXISTS (SELECT 1 FROM posts AS other WHERE other.created_at > NEW.created_at"
    " AND +other.id < NEW.id)"
    " OR EXISTS (SELECT 1 FROM posts AS other WHERE other.id > NEW.id"
    " AND +other.created_at < NEW.created_at)"
)
#: The triggers that keep ``posts_search_displaced`` (a migration that rebuilds
#: ``posts`` on SQLite drops them with the old table: run these again after it).
SQLITE_ORDER_TRIGGERS = (
    "CREATE TRIGGER posts_search_displaced_insert AFTER INSERT ON posts"
    f" WHEN {_DISPLACED_WHEN} BEGIN"
    " INSERT OR IGNORE INTO posts_search_displaced (id) VALUES (NEW.id); END",
    "CREATE TRIGGER posts_search_displaced_update AFTER UPDATE OF created_at, id ON posts"
    f" WHEN {_DISPLACED_WHEN} BEGIN"
    " INSERT OR IGNORE INTO posts_search_displaced (id) VALUES (NEW.id); END",
    "CREATE TRIGGER posts_search_displaced_delete AFTER DELETE ON posts BEGIN"
    " DELETE FROM posts_search_displaced WHERE id = OLD.id; END",
)
#: The table and its triggers (then :func:`fill_displaced` for an existing log).
SQLITE_ORDER_CREATE = (
    "CREATE TABLE posts_search_displaced (id INTEGER PRIMARY KEY)",
    *SQLITE_ORDER_TRIGGERS,
)
SQLITE_ORDER_DROP = (
    "DROP TRIGGER IF EXISTS posts_search_displaced_insert",
    "DROP TRIGGER IF EXISTS posts_search_displaced_update",
    "DROP TRIGGER IF EXISTS posts_search_displaced_delete",
    "DROP TABLE IF EXISTS posts_search_displaced",
)


def fill_displaced(connection: Any) -> None:
    """List the displaced posts of an existing log (SQLite; migration ``0019_search``).

    As few as can be: every post but a longest run of posts, in id order,
    whose times never go back (one post written far ahead of its time lists
    itself, not every post after it). One read of ids and times in id order.
    """
    rows = connection.exec_driver_sql("SELECT id, created_at FROM posts ORDER BY id").all()
    ends: list[Any] = []  # ends[n]: the least time ending a run of n + 1 posts
    ends_at: list[int] = []  # ...and the index of that post
    before: list[int] = []  # the index of the post before it in its run, -1: none
    for index, (_, created_at) in enumerate(rows):
        place = bisect.bisect_right(ends, created_at)
        before.append(ends_at[place - 1] if place else -1)
        if place == len(ends):
            ends.append(created_at)
            ends_at.append(index)
        else:
            ends[place] = created_at
            ends_at[place] = index
    kept: set[int] = set()
    index = ends_at[-1] if ends_at else -1
    while index >= 0:
        kept.add(index)
        index = before[index]
    displaced = [(post_id,) for index, (post_id, _) in enumerate(rows) if index not in kept]
    if displaced:
        connection.exec_driver_sql("INSERT INTO posts_search_displaced (id) VALUES (?)", displaced)


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

#: PostgreSQL: the newest posts past the page's key read first, the text tried on each;
#: their texts tell which pieces of the searched text are rare.
WINDOW = 250
#: A piece in more than this share of the window's posts is not asked of the index.
COMMON_SHARE = 0.05


def index_pieces(needle: str) -> list[str]:
    """The pieces of ``needle`` PostgreSQL's trigram index may be asked for.

    Three-character pieces of ASCII letters and digits only, folded to lower
    case: a trigram of one word as ``pg_trgm`` makes it, and a piece whose
    case folding cannot differ from its place in the folded text. A text
    holding ``needle`` holds each, so asking for them loses no match.

    >>> index_pieces("P123 please!")
    ['p12', '123', 'ple', 'lea', 'eas', 'ase']
    """
    return list(
        dict.fromkeys(
            piece.lower()
            for piece in pieces(needle, most=len(needle))
            if piece.isascii() and piece.isalnum()
        )
    )


def rarest(counts: dict[str, int], posts: int) -> list[str]:
    """The pieces to ask the index for, by ``counts`` (how many of ``posts`` posts, the
    window's, hold each): at most :data:`RAREST`, the rarest, each in at most
    :data:`COMMON_SHARE` of them; [] when none is rare.

    >>> rarest({"p12": 9, "123": 1, "ple": 500, "lea": 500}, 500)
    ['123', 'p12']
    """
    counted = sorted((count, commonness(piece), piece) for piece, count in counts.items())
    most = COMMON_SHARE * posts
    return [piece for count, _, piece in counted[:RAREST] if count <= most]


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


def commonness(piece: str) -> int:
    """How common a piece is likely to be in posts, by what it is made of (0: rarest).

    Digits first, then punctuation, capitals, spaces, and lower-case letters
    last: among pieces whose counts stopped at :data:`RANKED` alike, the
    likelier rare ones are tried.

    >>> [commonness(p) for p in ("123", "(S ", "Hi!", "Abc", "a b", "ple")]
    [0, 1, 1, 2, 3, 4]
    """
    if any(c.isdigit() for c in piece):
        return 0
    if any(not c.isalnum() and not c.isspace() for c in piece):
        return 1
    if any(c.isupper() for c in piece):
        return 2
    if any(c.isspace() for c in piece):
        return 3
    return 4


def _phrase(piece: str) -> str:
    """``piece`` as an FTS5 string (a trigram of it, case folded by the tokenizer)."""
    return '"' + piece.replace('"', '""') + '"'


def _has_index(session: Session) -> bool:
    """Whether ``posts_search`` is there (one look at the schema: a few microseconds)."""
    found = session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'posts_search'")
    ).first()
    return found is not None


@dataclass(frozen=True)
class Narrowed:
    """What the index offers for a searched text: the posts holding its rarest pieces."""

    #: The FTS5 query that finds them (``"p12" AND "123" AND "3 p"``); empty: none.
    match: str
    #: How many they are (a superset of the posts holding the text).
    count: int

    def ids(self) -> Any:
        """A SELECT of their ids, for ``IN``."""
        return select(_SEARCH.c.rowid).where(_matches(self.match))


def candidate_ids(session: Session, needle: str | None) -> list[int] | None:
    """Ids of the posts that may contain ``needle`` (a superset of those that do).

    None when the index cannot narrow the search: not SQLite (PostgreSQL's
    index serves the condition itself), no ``posts_search``, a text under three
    characters, or more than :data:`CANDIDATES` posts holding its rarest pieces.
    """
    found = narrowing(session, needle)
    if found is None or not found.count:
        return None if found is None else []
    return list(session.scalars(found.ids()))


def narrowing(session: Session, needle: str | None) -> Narrowed | None:
    """:func:`candidate_ids`, with the FTS5 query that finds them."""
    if not needle or len(needle) < 3 or session.get_bind().dialect.name != "sqlite":
        return None
    if not _has_index(session):
        return None
    connection = session.connection()
    counted: list[tuple[int, int, str]] = []
    bound = RANKED
    # Digits, capitals and punctuation first: likelier rare, they bring the bound down.
    for piece in sorted(pieces(needle), key=commonness):
        # A piece in more posts than the third rarest so far cannot be one of the
        # three rarest: its count stops there.
        count = connection.exec_driver_sql(
            "SELECT count(*) FROM (SELECT 1 FROM posts_search WHERE posts_search MATCH ? LIMIT ?)",
            (_phrase(piece), bound + 1),
        ).scalar_one()
        if count == 0:
            return Narrowed("", 0)  # no post holds this piece: none holds the text
        # Among pieces whose counts stopped alike, plain lower-case letters are the
        # likelier common ones; digits, capitals and punctuation go first.
        counted.append((count, commonness(piece), piece))
        counted.sort()
        if len(counted) >= RAREST:
            bound = min(bound, counted[RAREST - 1][0])
    # Trying the text on C posts costs C lookups; reading newest first finds a page
    # of 50 after some 50 N / C posts when C of N match: past sqrt(50 N), reading wins.
    (newest,) = connection.exec_driver_sql("SELECT max(id) FROM posts").one()
    most = min(CANDIDATES, max(FEWEST, math.isqrt(PAGE * (newest or 0))))
    query = " AND ".join(_phrase(piece) for _, _, piece in counted[:RAREST])
    found = connection.exec_driver_sql(
        "SELECT count(*) FROM (SELECT 1 FROM posts_search WHERE posts_search MATCH ? LIMIT ?)",
        (query, most + 1),
    ).scalar_one()
    if found > most:
        return None  # the rarest pieces are common together: so, as a rule, is the text
    return Narrowed(query, found)


def escaped(needle: str) -> str:
    """``needle`` as a ``LIKE`` pattern for "contains", escaped with ``/``."""
    safe = needle.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{safe}%"


def has_order_table(session: Session) -> bool:
    """Whether ``posts_search_displaced`` is there (migration ``0019_search``)."""
    found = session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'posts_search_displaced'")
    ).first()
    return found is not None


def in_order(session: Session, post_id: int, created_at: Any) -> bool:
    """Whether post ``post_id`` is in the log with that time and not displaced: then, among
    posts not displaced, those before it in the log are those with smaller ids."""
    found = session.execute(
        select(literal(1)).where(
            Post.id == post_id,
            Post.created_at == created_at,
            Post.id.not_in(select(_DISPLACED.c.id)),
        )
    ).first()
    return found is not None


def walk_ids(
    session: Session,
    narrowed: Narrowed,
    where: list[Any],
    *,
    below: int | None,
    above: int | None,
    newest_first: bool,
    count: int,
) -> list[int]:
    """Up to ``count`` ids of the candidates not displaced that meet ``where`` (conditions
    on ``posts``), in id order (newest first: descending), ids between ``above`` and
    ``below`` (exclusive).

    The search index gives its posts in id order and SQLite stops at ``count``:
    only the posts walked are looked up (one primary-key seek each), not every
    candidate.
    """
    row_meets = select(literal(1)).where(Post.id == _SEARCH.c.rowid, *where).exists()
    rowid = _SEARCH.c.rowid
    bounds = []
    if below is not None:
        bounds.append(rowid < below)
    if above is not None:
        bounds.append(rowid > above)
    statement = (
        select(rowid)
        .where(
            _matches(narrowed.match),
            rowid.not_in(select(_DISPLACED.c.id)),
            *bounds,
            row_meets,
        )
        .order_by(rowid.desc() if newest_first else rowid.asc())
        .limit(count)
    )
    return list(session.scalars(statement))


def displaced_among(narrowed: Narrowed) -> Any:
    """A SELECT of the ids of ``narrowed``'s posts that are displaced: the (as a rule
    empty) list of those is read, and each is looked for in the index by its id."""
    indexed = (
        select(literal(1))
        .select_from(_SEARCH)
        .where(_SEARCH.c.rowid == _DISPLACED.c.id, _matches(narrowed.match))
        .exists()
    )
    return select(_DISPLACED.c.id).where(indexed)
