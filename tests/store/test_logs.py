"""The log as people read it (bot.store.logs): pages by key, capped counts, exports, and
start-up without Alembic when the schema is current."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.store import exports, logs
from bot.store.db import Database, current_revision, head_revision
from bot.store.models import Post, PostTarget
from tests.support import ROOT

T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)


def _fill(database: Database, count: int) -> None:
    """``count`` posts, three to a timestamp (ties the key must break by id), two targets each."""
    with database.session() as session:
        for index in range(count):
            when = T0 + timedelta(minutes=index // 3)
            post = Post(
                key=f"k{index}", created_at=when, scheduled_for=when, updated_at=when,
                mode="dry_run", campaign_id="c1" if index % 2 else "c2", bill="us/119/S 1",
                platform="x", account="default", variant="m1", text=f"post {index}\nline",
                text_hash=f"h{index}", length=10, status="failed" if index % 5 == 0 else "dry_run",
            )  # fmt: skip
            post.targets = [
                PostTarget(
                    position=p,
                    person_id=f"P{(index + p) % 7}",
                    name=f"Name {(index + p) % 7}",
                    handle=None if p else f"h{index % 7}",
                    platform="x",
                    bill="us/119/S 1",
                    created_at=when,
                )
                for p in range(2)
            ]
            session.add(post)


def _newest_first(database: Database, filters: logs.LogFilter) -> list[int]:
    with database.new_session() as session:
        return [p.id for p in logs.list_posts(session, filters, limit=10_000)]


def test_pages_by_key_walk_the_whole_log_both_ways_through_ties(any_db) -> None:
    _fill(any_db, 40)
    for filters in (logs.LogFilter(), logs.LogFilter(campaign="c1"), logs.LogFilter(person="P3")):
        expected = _newest_first(any_db, filters)
        pages: list[list[int]] = []
        with any_db.new_session() as session:
            page = logs.list_posts(session, filters, limit=4)
            while page:
                pages.append([p.id for p in page])
                key = logs.post_key(session, page[-1].id)
                page = logs.list_posts(session, filters, limit=4, before=key)
            assert [i for ids in pages for i in ids] == expected
            # and back up: the page newer than each page is the one before it
            for older, newer in zip(pages[1:], pages, strict=False):
                key = logs.post_key(session, older[0])
                back = logs.list_posts(session, filters, limit=4, after=key)
                assert [p.id for p in back] == newer


def test_counts_stop_at_the_cap_and_say_so(any_db) -> None:
    _fill(any_db, 30)
    with any_db.new_session() as session:
        assert logs.count_matching(session, logs.LogFilter(), cap=10) == (10, True)
        assert logs.count_matching(session, logs.LogFilter(), cap=30) == (30, False)
        assert logs.count_matching(session, logs.LogFilter(status="failed"), cap=100) == (6, False)


def test_logged_people_are_every_person_addressed_once_by_name(any_db) -> None:
    _fill(any_db, 20)
    with any_db.new_session() as session:
        people = logs.logged_people(session)
        expected = (
            session.execute(text("SELECT DISTINCT person_id FROM post_targets ORDER BY person_id"))
            .scalars()
            .all()
        )
    assert sorted(p for p, _ in people) == expected
    assert people == sorted(people, key=lambda row: (row[1], row[0]))
    assert all(name == f"Name {p[1:]}" for p, name in people)


def _exported(database: Database, filters: logs.LogFilter, shape: str, **kwargs) -> str:
    """The export of ``shape`` as the CLI writes it, through the pool's connections."""
    chunks = exports.export_chunks(
        exports.pooled(database.engine), database.engine.dialect.name, filters, shape=shape,
        **kwargs,
    )  # fmt: skip
    texts = exports.csv_texts(chunks) if shape == "csv" else exports.json_texts(chunks)
    return "".join(texts)


def test_exports_hold_what_the_log_shows_in_its_order_across_chunks(any_db) -> None:
    """Each filter (every field of LogFilter) and a limit: the exports' posts are the log
    page's, in its order, whatever the chunk size."""
    from dataclasses import fields

    _fill(any_db, 25)
    cases = [
        logs.LogFilter(),
        logs.LogFilter(campaign="c1"),
        logs.LogFilter(platform="x", status="failed"),
        logs.LogFilter(since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=6)),
        logs.LogFilter(bill="us/119/S 1", account="default"),
        logs.LogFilter(person="P3"),
        logs.LogFilter(text="ST 1"),  # contains, ignoring case: post 1, 10..19
        logs.LogFilter(campaign="nobody"),
    ]
    assert {f.name for f in fields(logs.LogFilter)} == {
        name for case in cases for name, value in vars(case).items() if value
    } | {"campaign"}, "every filter is tried here"
    for filters in cases:
        expected = _newest_first(any_db, filters)
        for chunk, limit in ((4, None), (2, 5), (1000, None), (3, 3)):
            csv_text = _exported(any_db, filters, "csv", chunk=chunk, limit=limit)
            rows = list(csv.reader(io.StringIO(csv_text)))
            assert [int(row[0]) for row in rows[1:]] == expected[:limit], (filters, chunk)
            texts = _exported(any_db, filters, "json", chunk=chunk, limit=limit)
            records = json.loads(texts)
            assert [r["id"] for r in records] == expected[:limit], (filters, chunk)


def test_the_head_revision_read_from_the_files_is_alembics() -> None:
    from alembic.script import ScriptDirectory

    from bot.store.db import alembic_config

    head_revision.cache_clear()
    alembic_head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()
    assert head_revision() == alembic_head


def test_a_current_schema_is_opened_without_importing_alembic(sqlite_url) -> None:
    Database(sqlite_url).dispose()  # migrated here
    code = (
        "import sys; from bot.store.db import Database, current_revision, head_revision; "
        f"d = Database({sqlite_url!r}); assert current_revision(d.engine) == head_revision(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_current_schema_costs_one_select_and_takes_no_write_lock(sqlite_url) -> None:
    """Every command asks the revision at start: one SELECT, outside any transaction (the
    bot's SQLite transactions begin IMMEDIATE, which would wait for a busy worker)."""
    from sqlalchemy import event

    from bot.store.db import migrate_to_head

    Database(sqlite_url).dispose()  # migrated here
    database = Database(sqlite_url, migrate=False)
    statements: list[str] = []

    @event.listens_for(database.engine, "connect")
    def _trace(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.set_trace_callback(statements.append)

    migrate_to_head(database.engine)
    database.dispose()
    assert [s for s in statements if not s.startswith("PRAGMA")] == [
        "SELECT version_num FROM alembic_version"
    ]


def test_no_schema_yet_reads_as_no_revision(sqlite_url) -> None:
    database = Database(sqlite_url, migrate=False)
    assert current_revision(database.engine) is None
    database.dispose()


#: Values a CSV or JSON writer must quote or escape, stored in the text columns.
AWKWARD = [
    'a,b', 'say "hi"', "line\nbreak", "cr\rhere", "tab\there", "=1+2", "", "ünï ☃ 😀",
    "ctl\x01\x1f\x7f", "back\\slash", "\u2028", "semi; colon (@x)",
]  # fmt: skip


def _fill_awkward(database: Database) -> None:
    """Posts whose every text column, targets and cost are awkward to write; times with
    and without microseconds, tied, so that chunks end inside a tie."""
    costs = [0.0, 0.1 + 0.2, 1e-05, 12.5, 1e20, 3.0]
    with database.session() as session:
        for index in range(30):
            odd = AWKWARD[index % len(AWKWARD)]
            when = T0 + timedelta(minutes=index // 3, microseconds=0 if index % 4 else 120)
            post = Post(
                key=f"k{index}", created_at=when, scheduled_for=when, updated_at=when,
                mode="live", campaign_id=odd, bill=odd, platform="x", account=odd,
                variant="m1", text=f"post {index} {odd}", text_hash=f"h{index}", length=10,
                status="posted", cost=costs[index % len(costs)], reason=odd or None,
                error=None if index % 2 else odd, remote_id=None if index % 3 else odd,
                remote_url=odd if index % 5 == 0 else None,
            )  # fmt: skip
            post.targets = [
                PostTarget(
                    position=p,
                    person_id=f"P{p}",
                    name=AWKWARD[(index + p) % len(AWKWARD)],
                    handle=[None, "", odd][p % 3],
                    platform="x",
                    bill="b",
                    created_at=when,
                )  # fmt: skip
                for p in reversed(range(index % 4))
            ]
            session.add(post)


def test_exports_write_exactly_what_pythons_writers_write(any_db) -> None:
    """The database formats the exports (times, targets, JSON quoting): byte for byte
    what ``csv.writer`` and ``json.JSONEncoder(ensure_ascii=False)`` make of each record."""
    _fill_awkward(any_db)
    # as the dashboard reads (the pool's connections) and as the CLI does (its own)
    dialect = any_db.engine.dialect.name
    own = exports.DriverConnections(any_db.url, busy_timeout=5)
    for connect in (exports.pooled(any_db.engine), own):
        _compare_exports(any_db, connect, dialect)
    own.close()


def test_exports_read_targets_alike_by_range_or_by_post(any_db, monkeypatch) -> None:
    """PostgreSQL reads a chunk's targets in one range when its ids are dense, else post
    by post (exports.DENSE): the same exports either way, filtered or not."""
    _fill_awkward(any_db)
    written = {}
    for dense in (0, 4, 10**9):  # never, as by default, always
        monkeypatch.setattr(exports, "DENSE", dense)
        for filters in (logs.LogFilter(), logs.LogFilter(campaign="a,b")):  # every 12th
            for shape in ("csv", "json"):
                got = _exported(any_db, filters, shape, chunk=7)
                assert written.setdefault((filters.campaign, shape), got) == got, (dense, shape)
    assert len(json.loads(written[None, "json"])) == 30
    assert len(json.loads(written["a,b", "json"])) == 3


def test_an_export_left_early_stops_its_workers_and_gives_back_its_connections(any_db) -> None:
    """A reader that goes away after the first chunk (``| head``, a closed download):
    PostgreSQL's workers stop after the chunk they are on, every connection returned."""
    import threading

    _fill(any_db, 25)
    dialect = any_db.engine.dialect.name
    for shape in ("csv", "json"):
        chunks = exports.export_chunks(
            exports.pooled(any_db.engine), dialect, logs.LogFilter(), chunk=2, shape=shape
        )
        assert next(chunks)
        chunks.close()
        assert not [t for t in threading.enumerate() if t.name.startswith("export")]
        assert any_db.engine.pool.checkedout() == 0
    own = exports.DriverConnections(any_db.url, busy_timeout=5)
    assert len("".join(exports.export_chunks(own, dialect, logs.LogFilter(), chunk=2))) > 0
    own.close()
    assert own._opened == []


def _compare_exports(any_db, connect, dialect) -> None:
    from bot.cli.log import post_record, write_csv, write_json

    with any_db.new_session() as session:
        records = [post_record(p) for p in logs.list_posts(session, logs.LogFilter(), limit=100)]
    assert len(records) == 30

    expected_csv = io.StringIO()
    writer = csv.writer(expected_csv, lineterminator="\n")
    writer.writerow(logs.COLUMNS)
    for record in records:
        targets = [(t["id"], t["name"], t["handle"]) for t in record["targets"]]
        shown = "; ".join(f"{name} (@{handle})" if handle else name for _, name, handle in targets)
        writer.writerow([*record.values()][:7] + [shown] + [*record.values()][8:])
    chunks = exports.export_chunks(connect, dialect, logs.LogFilter(), chunk=4)
    written = io.StringIO()
    write_csv(chunks, written)
    if dialect == "postgresql":
        # PostgreSQL's COPY quotes a field holding a bare \r, as csv.writer does since
        # Python 3.11.9 (gh-67044); before, it leaves it bare, which csv.reader
        # refuses ("new-line character seen in unquoted field"). So: byte for byte
        # the newer writer's rule (the same as this Python's where it quotes \r), and
        # the same values as this Python's writer, read back.
        expected = _quoted_as_csv_writer_since_3_11_9(expected_csv.getvalue())
        if "\r" in exports._CSV_SPECIAL:
            assert expected == expected_csv.getvalue()
        assert written.getvalue() == expected
        read = csv.reader(io.StringIO(written.getvalue(), newline=""))
        assert list(read) == _read_bare_cr(expected_csv.getvalue())
    else:
        assert written.getvalue() == expected_csv.getvalue()

    encode = json.JSONEncoder(ensure_ascii=False).encode
    written = io.StringIO()
    chunks = exports.export_chunks(connect, dialect, logs.LogFilter(), chunk=4, shape="json")
    write_json(chunks, written)
    lines = written.getvalue().split("\n")[:-1]
    assert (lines[0], lines[-1]) == ("[", "]") and len(lines) == 32
    for line, record in zip(lines[1:-1], records, strict=True):
        assert json.loads(line.removesuffix(",")) == record
        # The targets are spliced as the database wrote them; all else as Python writes it.
        head, _, tail = line.removesuffix(",").partition(', "targets": ')
        tail = tail[tail.index('], "text": ') + 1 :]
        fields = list(record.items())
        assert head + "}" == encode(dict(fields[:7]))
        assert "{" + tail.removeprefix(", ") == encode(dict(fields[8:]))
    if dialect == "postgresql":
        # The targets as json_agg(json_build_object(...)) wrote them, byte for byte.
        with any_db.engine.connect() as connection:
            agg = dict(
                connection.execute(
                    text(
                        "SELECT p.id, coalesce((SELECT CAST(json_agg(json_build_object("
                        "'id', t.person_id, 'name', t.name, 'handle', t.handle)"
                        " ORDER BY t.position) AS TEXT) FROM post_targets AS t"
                        " WHERE t.post_id = p.id), '[]') FROM posts AS p"
                    )
                ).all()
            )
        for line, record in zip(lines[1:-1], records, strict=True):
            spliced = line.partition(', "targets": ')[2].partition(', "text": ')[0]
            assert spliced == agg[record["id"]]


def _quoted_as_csv_writer_since_3_11_9(text: str) -> str:
    """``text`` (csv.writer's, ``lineterminator="\\n"``) with every field that holds a bare
    ``\\r`` quoted, as csv.writer quotes it since Python 3.11.9 and 3.12.3."""
    out = io.StringIO()
    for row in _read_bare_cr(text):
        out.write(
            ",".join(
                '"' + field.replace('"', '""') + '"'
                if any(c in field for c in ',"\n\r') else field
                for field in row
            ) + "\n"
        )  # fmt: skip
    return out.getvalue()


def _read_bare_cr(text: str) -> list[list[str]]:
    """csv.reader's rows of ``text``, where a field may hold a bare ``\\r`` unquoted
    (which csv.reader refuses): each bare \\r read as a placeholder first."""
    placeholder = "\x00"
    assert placeholder not in text
    rows = csv.reader(io.StringIO(text.replace("\r", placeholder), newline=""))
    return [[field.replace(placeholder, "\r") for field in row] for row in rows]
