"""Counts of the post log kept as posts are written, so no page counts the whole log.

Three tables, kept by the database itself: triggers on ``posts`` and
``post_targets`` (migration ``0017_counts``) add and subtract in the same
statement, hence the same transaction, as every insert, status change and
delete of a post, whatever code (or person with ``psql``) makes it:

``post_counts``          posts per campaign, platform, mode and status: the
                         overview's count of each state (exact, any size of log);
``daily_counts``         the same per UTC day the post was created: the
                         overview's posts-per-day chart;
``daily_person_counts``  per UTC day and person, the targets of posts that went
                         out (``posted`` or ``dry_run``): "addressed most".

Why triggers rather than one function in Python: a post's status is set in
some twenty places (the worker's outcomes, claims and take-overs, approvals,
the planner's inserts, bill triggers) by the ORM, by Core UPDATEs and by bulk
INSERTs; a trigger sees every one of them, and any added later, with no way
to forget one. :func:`recount` counts the same from ``posts`` (what the
migration backfills with); the tests compare the two after every flow.

A post's day, campaign, platform and mode are fixed when it is written; the
triggers still move its count if one of them changes. Counts that reach zero
stay as rows of 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Date, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, Status

#: The states of a post that "went out" (the chart and "addressed most" count these).
SENT_STATES = (Status.POSTED.value, Status.DRY_RUN.value)


class PostCount(Base):
    """Posts per campaign, platform, mode and status (kept by triggers)."""

    __tablename__ = "post_counts"
    # SQLite: the rows live in the primary key's B-tree, read in its order.
    __table_args__ = {"sqlite_with_rowid": False}

    campaign_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    posts: Mapped[int] = mapped_column(Integer)


class DailyCount(Base):
    """Posts per UTC day of creation, campaign, platform, mode and status (kept by triggers)."""

    __tablename__ = "daily_counts"
    # SQLite: the rows live in the primary key's B-tree, read in its order.
    __table_args__ = {"sqlite_with_rowid": False}

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    posts: Mapped[int] = mapped_column(Integer)


class DailyPersonCount(Base):
    """Targets of posts that went out, per UTC day of the post and person (kept by triggers)."""

    __tablename__ = "daily_person_counts"
    # SQLite: the rows live in the primary key's B-tree, read in its order.
    __table_args__ = {"sqlite_with_rowid": False}

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    posts: Mapped[int] = mapped_column(Integer)


_SENT = ", ".join(f"'{state}'" for state in SENT_STATES)

#: What each table holds, counted from the log itself: (table, SELECT of its rows) per dialect.
_RECOUNT = {
    "sqlite": (
        (
            "post_counts",
            "SELECT campaign_id, platform, mode, status, count(*) FROM posts"
            " GROUP BY campaign_id, platform, mode, status",
        ),
        (
            "daily_counts",
            "SELECT date(created_at), campaign_id, platform, mode, status, count(*) FROM posts"
            " GROUP BY date(created_at), campaign_id, platform, mode, status",
        ),
        (
            "daily_person_counts",
            "SELECT date(p.created_at), t.person_id, count(*) FROM post_targets t"
            f" JOIN posts p ON p.id = t.post_id WHERE p.status IN ({_SENT})"
            " GROUP BY date(p.created_at), t.person_id",
        ),
    ),
    "postgresql": (
        (
            "post_counts",
            "SELECT campaign_id, platform, mode, status, count(*) FROM posts"
            " GROUP BY campaign_id, platform, mode, status",
        ),
        (
            "daily_counts",
            "SELECT created_at::date, campaign_id, platform, mode, status, count(*) FROM posts"
            " GROUP BY created_at::date, campaign_id, platform, mode, status",
        ),
        (
            "daily_person_counts",
            "SELECT p.created_at::date, t.person_id, count(*) FROM post_targets t"
            f" JOIN posts p ON p.id = t.post_id WHERE p.status IN ({_SENT})"
            " GROUP BY p.created_at::date, t.person_id",
        ),
    ),
}

_COLUMNS = {
    "post_counts": "campaign_id, platform, mode, status, posts",
    "daily_counts": "day, campaign_id, platform, mode, status, posts",
    "daily_person_counts": "day, person_id, posts",
}


def _dialect(connection: Connection) -> str:
    return "postgresql" if connection.dialect.name == "postgresql" else "sqlite"


def rebuild_statements(dialect: str) -> list[str]:
    """The SQL that recounts every table from the log, for ``dialect``.

    Rows are written in key order, days first, as a log writes them day by
    day: on PostgreSQL a table written in its aggregate's hash order scattered
    the rows of a day over the whole heap, so the dashboard's "last 30 days"
    read nearly every page of ``daily_person_counts`` (1,691 of 1,935 at a
    million posts; the overview page took 3× its time at 10,000 posts).
    """
    statements = []
    for table, query in _RECOUNT["postgresql" if dialect == "postgresql" else "sqlite"]:
        key = ", ".join(str(place) for place in range(1, len(_COLUMNS[table].split(", "))))
        statements.append(f"DELETE FROM {table}")
        statements.append(f"INSERT INTO {table} ({_COLUMNS[table]}) {query} ORDER BY {key}")
    return statements


def rebuild(connection: Connection) -> None:
    """Recount every table from the log (the migration's backfill; also a repair)."""
    for statement in rebuild_statements(_dialect(connection)):
        connection.execute(text(statement))


@dataclass(frozen=True)
class Counts:
    """Every non-zero count of the three tables, keyed by their key columns as text."""

    posts: dict[tuple[str, ...], int]
    daily: dict[tuple[str, ...], int]
    people: dict[tuple[str, ...], int]


def _rows(connection: Connection, query: str) -> dict[tuple[str, ...], int]:
    found: dict[tuple[str, ...], int] = {}
    for *key, count in connection.execute(text(query)):
        if count:
            found[tuple(str(part) for part in key)] = int(count)
    return found


def recount(connection: Connection) -> Counts:
    """The counts as the log holds them now, counted from ``posts`` and ``post_targets``."""
    queries = [query for _, query in _RECOUNT[_dialect(connection)]]
    return Counts(*(_rows(connection, query) for query in queries))


def stored(connection: Connection) -> Counts:
    """The counts as the tables hold them (zero rows left out)."""
    return Counts(
        *(
            _rows(connection, f"SELECT {_COLUMNS[table]} FROM {table}")
            for table in ("post_counts", "daily_counts", "daily_person_counts")
        )
    )


# --- The triggers ---------------------------------------------------------------------

_POST_KEY = ("campaign_id", "platform", "mode", "status")

_SQLITE_ADD = (
    "INSERT INTO post_counts (campaign_id, platform, mode, status, posts)"
    " VALUES ({r}.campaign_id, {r}.platform, {r}.mode, {r}.status, {d})"
    " ON CONFLICT (campaign_id, platform, mode, status) DO UPDATE SET posts = posts + {d};"
    " INSERT INTO daily_counts (day, campaign_id, platform, mode, status, posts)"
    " VALUES (date({r}.created_at), {r}.campaign_id, {r}.platform, {r}.mode, {r}.status, {d})"
    " ON CONFLICT (day, campaign_id, platform, mode, status) DO UPDATE SET posts = posts + {d};"
)

_SQLITE_PEOPLE = (
    "INSERT INTO daily_person_counts (day, person_id, posts)"
    " SELECT date({r}.created_at), t.person_id, {d} * count(*) FROM post_targets t"
    " WHERE t.post_id = {r}.id AND {r}.status IN (" + _SENT + ")"
    " GROUP BY t.person_id"
    " ON CONFLICT (day, person_id) DO UPDATE SET posts = posts + excluded.posts;"
)

_SQLITE_TARGET = (
    "INSERT INTO daily_person_counts (day, person_id, posts)"
    " SELECT date(p.created_at), {r}.person_id, {d} FROM posts p"
    " WHERE p.id = {r}.post_id AND p.status IN (" + _SENT + ")"
    " ON CONFLICT (day, person_id) DO UPDATE SET posts = posts + {d};"
)

_MOVED = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in (*_POST_KEY, "created_at"))

#: SQLite: CREATE TRIGGER statements (migration 0017_counts).
SQLITE_TRIGGERS = (
    "CREATE TRIGGER posts_count_insert AFTER INSERT ON posts BEGIN "
    + _SQLITE_ADD.format(r="NEW", d=1)
    + " END",
    "CREATE TRIGGER posts_count_update AFTER UPDATE OF"
    " status, campaign_id, platform, mode, created_at ON posts"
    f" WHEN {_MOVED} BEGIN "
    + _SQLITE_ADD.format(r="OLD", d=-1)
    + _SQLITE_ADD.format(r="NEW", d=1)
    + _SQLITE_PEOPLE.format(r="OLD", d=-1)
    + _SQLITE_PEOPLE.format(r="NEW", d=1)
    + " END",
    # Before the delete: its targets are still there (a cascade removes them next,
    # and the targets' own trigger then finds no post and counts nothing).
    "CREATE TRIGGER posts_count_delete BEFORE DELETE ON posts BEGIN "
    + _SQLITE_ADD.format(r="OLD", d=-1)
    + _SQLITE_PEOPLE.format(r="OLD", d=-1)
    + " END",
    "CREATE TRIGGER post_targets_count_insert AFTER INSERT ON post_targets BEGIN "
    + _SQLITE_TARGET.format(r="NEW", d=1)
    + " END",
    "CREATE TRIGGER post_targets_count_delete AFTER DELETE ON post_targets BEGIN "
    + _SQLITE_TARGET.format(r="OLD", d=-1)
    + " END",
    "CREATE TRIGGER post_targets_count_update AFTER UPDATE OF person_id, post_id ON post_targets"
    " BEGIN " + _SQLITE_TARGET.format(r="OLD", d=-1) + _SQLITE_TARGET.format(r="NEW", d=1) + " END",
)

SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS posts_count_insert",
    "DROP TRIGGER IF EXISTS posts_count_update",
    "DROP TRIGGER IF EXISTS posts_count_delete",
    "DROP TRIGGER IF EXISTS post_targets_count_insert",
    "DROP TRIGGER IF EXISTS post_targets_count_delete",
    "DROP TRIGGER IF EXISTS post_targets_count_update",
)

#: PostgreSQL: functions and triggers (migration 0017_counts; inserts counted per
#: statement since 0022_pgplan). Each change takes the rows it adds to and subtracts
#: from in one order (the smaller key first), so two transactions moving posts in
#: opposite directions (queued -> sending, sending -> queued) cannot deadlock on the
#: counts.
#:
#: Inserts into ``posts`` are counted once a statement, from its transition table
#: (one upsert per count row the statement touches), not once a row: every post of a
#: run adds to the same few count rows, and PostgreSQL keeps each version of a row
#: updated again and again in one transaction (none is dead before it commits), so
#: each upsert walked past all the versions before it: a run's write grew with the
#: square of its posts (a national run of 22,200 posts updated each count row 7,400
#: times; bench/postgres.py). The planner writes a chunk of posts in one statement
#: (bot.store.queries.insert_planned). Status changes and deletes, a post at a time
#: as a rule, stay counted per row.
POSTGRES_TRIGGERS = (
    """
CREATE FUNCTION advocacy_count_post(r posts, d integer) RETURNS void AS $$
BEGIN
  INSERT INTO post_counts (campaign_id, platform, mode, status, posts)
  VALUES (r.campaign_id, r.platform, r.mode, r.status, d)
  ON CONFLICT (campaign_id, platform, mode, status)
  DO UPDATE SET posts = post_counts.posts + d;
  INSERT INTO daily_counts (day, campaign_id, platform, mode, status, posts)
  VALUES (r.created_at::date, r.campaign_id, r.platform, r.mode, r.status, d)
  ON CONFLICT (day, campaign_id, platform, mode, status)
  DO UPDATE SET posts = daily_counts.posts + d;
  IF r.status IN ("""
    + _SENT
    + """) THEN
    INSERT INTO daily_person_counts (day, person_id, posts)
    SELECT r.created_at::date, t.person_id, d * count(*) FROM post_targets t
    WHERE t.post_id = r.id GROUP BY t.person_id ORDER BY t.person_id
    ON CONFLICT (day, person_id)
    DO UPDATE SET posts = daily_person_counts.posts + excluded.posts;
  END IF;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE FUNCTION advocacy_count_posts() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN  -- a row's insert, as 0017's trigger counted it (0022's downgrade)
    PERFORM advocacy_count_post(NEW, 1);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM advocacy_count_post(OLD, -1);
  ELSIF (OLD.status, OLD.campaign_id, OLD.platform, OLD.mode, OLD.created_at)
        IS DISTINCT FROM (NEW.status, NEW.campaign_id, NEW.platform, NEW.mode, NEW.created_at)
  THEN
    IF (OLD.campaign_id, OLD.platform, OLD.mode, OLD.status)
       < (NEW.campaign_id, NEW.platform, NEW.mode, NEW.status) THEN
      PERFORM advocacy_count_post(OLD, -1);
      PERFORM advocacy_count_post(NEW, 1);
    ELSE
      PERFORM advocacy_count_post(NEW, 1);
      PERFORM advocacy_count_post(OLD, -1);
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;  -- a BEFORE trigger: NULL would cancel the delete
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE FUNCTION advocacy_count_target(r post_targets, d integer) RETURNS void AS $$
BEGIN
  INSERT INTO daily_person_counts (day, person_id, posts)
  SELECT p.created_at::date, r.person_id, d FROM posts p
  WHERE p.id = r.post_id AND p.status IN ("""
    + _SENT
    + """)
  ON CONFLICT (day, person_id) DO UPDATE SET posts = daily_person_counts.posts + d;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE FUNCTION advocacy_count_targets() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    PERFORM advocacy_count_target(OLD, -1);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM advocacy_count_target(NEW, 1);
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE FUNCTION advocacy_count_inserted_posts() RETURNS trigger AS $$
BEGIN
  INSERT INTO post_counts (campaign_id, platform, mode, status, posts)
  SELECT campaign_id, platform, mode, status, count(*) FROM inserted_posts
  GROUP BY campaign_id, platform, mode, status ORDER BY campaign_id, platform, mode, status
  ON CONFLICT (campaign_id, platform, mode, status)
  DO UPDATE SET posts = post_counts.posts + excluded.posts;
  INSERT INTO daily_counts (day, campaign_id, platform, mode, status, posts)
  SELECT created_at::date, campaign_id, platform, mode, status, count(*) FROM inserted_posts
  GROUP BY created_at::date, campaign_id, platform, mode, status
  ORDER BY created_at::date, campaign_id, platform, mode, status
  ON CONFLICT (day, campaign_id, platform, mode, status)
  DO UPDATE SET posts = daily_counts.posts + excluded.posts;
  -- Targets written before their post (not the planner's order, which counts them as
  -- they are written: advocacy_count_targets), of posts that went out.
  IF EXISTS (SELECT 1 FROM inserted_posts WHERE status IN ("""
    + _SENT
    + """)) THEN
    INSERT INTO daily_person_counts (day, person_id, posts)
    SELECT p.created_at::date, t.person_id, count(*)
    FROM inserted_posts p JOIN post_targets t ON t.post_id = p.id
    WHERE p.status IN ("""
    + _SENT
    + """)
    GROUP BY p.created_at::date, t.person_id ORDER BY p.created_at::date, t.person_id
    ON CONFLICT (day, person_id)
    DO UPDATE SET posts = daily_person_counts.posts + excluded.posts;
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    "CREATE TRIGGER posts_count_insert AFTER INSERT ON posts"
    " REFERENCING NEW TABLE AS inserted_posts"
    " FOR EACH STATEMENT EXECUTE FUNCTION advocacy_count_inserted_posts()",
    "CREATE TRIGGER posts_count AFTER UPDATE OF"
    " status, campaign_id, platform, mode, created_at ON posts"
    " FOR EACH ROW EXECUTE FUNCTION advocacy_count_posts()",
    # Before the delete: its targets are still there (the cascade then removes them,
    # and the targets' trigger finds no post and counts nothing).
    "CREATE TRIGGER posts_count_delete BEFORE DELETE ON posts"
    " FOR EACH ROW EXECUTE FUNCTION advocacy_count_posts()",
    "CREATE TRIGGER post_targets_count AFTER INSERT OR DELETE OR UPDATE OF person_id, post_id"
    " ON post_targets FOR EACH ROW EXECUTE FUNCTION advocacy_count_targets()",
)

POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS posts_count_insert ON posts",
    "DROP TRIGGER IF EXISTS posts_count ON posts",
    "DROP TRIGGER IF EXISTS posts_count_delete ON posts",
    "DROP TRIGGER IF EXISTS post_targets_count ON post_targets",
    "DROP FUNCTION IF EXISTS advocacy_count_posts()",
    "DROP FUNCTION IF EXISTS advocacy_count_inserted_posts()",
    "DROP FUNCTION IF EXISTS advocacy_count_targets()",
    "DROP FUNCTION IF EXISTS advocacy_count_post(posts, integer)",
    "DROP FUNCTION IF EXISTS advocacy_count_target(post_targets, integer)",
)


def create_triggers(connection: Connection) -> None:
    """Install the triggers that keep the counts (the migration; after rebuilding ``posts``)."""
    for statement in POSTGRES_TRIGGERS if _dialect(connection) == "postgresql" else SQLITE_TRIGGERS:
        connection.exec_driver_sql(statement)


def drop_triggers(connection: Connection) -> None:
    for statement in POSTGRES_DROP if _dialect(connection) == "postgresql" else SQLITE_DROP:
        connection.exec_driver_sql(statement)
