"""Benchmark the legislator directory: import, re-import, and resolving selectors.

Run: ``.venv/bin/python bench/bench_directory.py [--repeat 3]``

Times are machine-dependent, so each row is printed beside a baseline
measured in the same run on the same data, and judged by the ratio:

``parse``        reading congress-legislators + MO + CO (the importers' YAML
                 reading) vs. a bare ``yaml.load`` of the same files
``write``        storing the parsed rows through the directory's writer (one
                 transaction, SQLAlchemy bulk statements) vs. raw ``sqlite3``
                 ``executemany`` of the same rows into equivalent tables
``import``       parse + write, from files, into an empty database
``re-import``    the same import again (everything unchanged) vs. ``import``
``resolve ...``  ``resolve_targets`` for a selector on a full-size directory
                 (Congress plus ~8,000 state legislators: MO and CO, and MO's
                 data cloned under 40 other state codes) vs. raw ``sqlite3``
                 fetching the same people's rows and handles (two queries)

Needs ``../shared/data``; exits quietly without it. Nothing is asserted:
tests never assert times.
"""

from __future__ import annotations

import argparse
import copy
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.campaigns.loaded import LoadedCampaign  # noqa: E402
from bot.directory import normalize  # noqa: E402
from bot.directory.importers import discover, read_all  # noqa: E402
from bot.directory.importers.records import SourceData  # noqa: E402
from bot.directory.importers.writer import write  # noqa: E402
from bot.directory.resolve import resolve_targets  # noqa: E402
from bot.store.db import Database  # noqa: E402
from tests.support import make_campaign  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
NOW = datetime(2026, 8, 10, 12, tzinfo=UTC)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def timed(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds over ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def paths() -> list[Path]:
    return [DATA / "congress-legislators", DATA / "openstates" / "mo", DATA / "openstates" / "co"]


def raw_yaml_load() -> int:
    files = list((DATA / "congress-legislators").glob("*.yaml"))
    for state in ("mo", "co"):
        files += list((DATA / "openstates" / state).glob("*/*.yml"))
    for path in files:
        with path.open("rb") as handle:
            yaml.load(handle, Loader=_Loader)
    return len(files)


def parse() -> list[SourceData]:
    return read_all(discover(paths()), NOW)


def fresh_database(folder: Path, name: str) -> Database:
    return Database(f"sqlite:///{folder / name}")


def write_all(database: Database, data: list[SourceData]) -> None:
    with database.session() as session:
        for item in data:
            write(session, item, NOW)


RAW_SCHEMA = """
CREATE TABLE people (id TEXT PRIMARY KEY, source TEXT, jurisdiction TEXT, name TEXT,
  given_name TEXT, family_name TEXT, title TEXT, party TEXT, state TEXT, chamber TEXT,
  district TEXT, active INTEGER, term_start TEXT, term_end TEXT, phone TEXT, email TEXT,
  contact_form TEXT, office_address TEXT, url TEXT, search_text TEXT, first_seen_at TEXT,
  updated_at TEXT);
CREATE INDEX ix_people_j ON people (jurisdiction, chamber, active);
CREATE TABLE person_handles (id INTEGER PRIMARY KEY, person_id TEXT, platform TEXT,
  handle TEXT, platform_id TEXT, kind TEXT, source TEXT, first_seen_at TEXT, imported_at TEXT,
  UNIQUE (person_id, platform, source));
CREATE TABLE committees (id TEXT PRIMARY KEY, jurisdiction TEXT, chamber TEXT, name TEXT,
  parent_id TEXT, source TEXT, active INTEGER, url TEXT, updated_at TEXT);
CREATE TABLE committee_members (id INTEGER PRIMARY KEY, committee_id TEXT, person_id TEXT,
  role TEXT, title TEXT, rank INTEGER, side TEXT, UNIQUE (committee_id, person_id));
CREATE TABLE leadership_roles (id INTEGER PRIMARY KEY, person_id TEXT, title TEXT,
  chamber TEXT, start TEXT, "end" TEXT, source TEXT);
"""


def raw_write(path: Path, data: list[SourceData]) -> None:
    """The same rows, straight through sqlite3 (the floor for any writer)."""
    connection = sqlite3.connect(path)
    connection.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;" + RAW_SCHEMA)
    now = NOW.isoformat()
    with connection:
        for item in data:
            connection.executemany(
                "INSERT INTO people VALUES (?,?,?,?,?,?,?,?,?,?,?,1,?,?,?,?,?,?,?,?,?,?)",
                [
                    (p.id, item.source, p.jurisdiction, p.name, p.given_name, p.family_name,
                     p.title, p.party, p.state, p.chamber, p.district, str(p.term_start),
                     str(p.term_end), p.phone, p.email, p.contact_form, p.office_address, p.url,
                     normalize.plain(p.name), now, now)
                    for p in item.people or ()
                ],
            )  # fmt: skip
            connection.executemany(
                "INSERT INTO person_handles (person_id, platform, handle, platform_id, kind,"
                " source, first_seen_at, imported_at) VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        h.person_id,
                        h.platform,
                        h.handle,
                        h.platform_id,
                        h.kind,
                        item.source,
                        now,
                        now,
                    )
                    for h in item.handles or ()
                ],
            )
            connection.executemany(
                "INSERT INTO committees VALUES (?,?,?,?,?,?,1,?,?)",
                [
                    (c.id, c.jurisdiction, c.chamber, c.name, c.parent_id, item.source, c.url, now)
                    for c in item.committees or ()
                ],
            )
            connection.executemany(
                "INSERT OR IGNORE INTO committee_members (committee_id, person_id, role, title,"
                " rank, side) VALUES (?,?,?,?,?,?)",
                [
                    (m.committee_id, m.person_id, m.role, m.title, m.rank, m.side)
                    for m in item.members or ()
                ],
            )
            connection.executemany(
                "INSERT INTO leadership_roles (person_id, title, chamber, start, \"end\", source)"
                " VALUES (?,?,?,?,?,?)",
                [(r.person_id, r.title, r.chamber, str(r.start), str(r.end), item.source)
                 for r in item.leadership or ()],
            )  # fmt: skip
    connection.close()


def cloned_states(data: list[SourceData], count: int) -> list[SourceData]:
    """MO's data under ``count`` other state codes: a directory of realistic size."""
    template = next(d for d in data if d.scope == "mo")
    codes = sorted(normalize.US_STATES - {"MO", "CO", "DC", "PR", "GU", "VI", "AS", "MP"})[:count]
    clones = []
    for code in codes:
        scope = code.lower()
        clone = copy.deepcopy(template)
        clone.scope, clone.origin = scope, f"clone of MO as {code}"
        for person in clone.people or ():
            person.id, person.jurisdiction, person.state = f"{person.id}-{scope}", scope, code
        for committee in clone.committees or ():
            committee.id, committee.jurisdiction = f"{committee.id}-{scope}", scope
            committee.parent_id = f"{committee.parent_id}-{scope}" if committee.parent_id else None
        for seat in clone.members or ():
            seat.committee_id, seat.person_id = (
                f"{seat.committee_id}-{scope}",
                f"{seat.person_id}-{scope}",
            )
        for handle in clone.handles or ():
            handle.person_id = f"{handle.person_id}-{scope}"
        clones.append(clone)
    return clones


def resolve_rows(database: Database, repeat: int) -> list[tuple[str, float, float, int]]:
    """(name, seconds, raw-sqlite seconds, people) per selector."""
    cases = [
        ("resolve committee SSJU", {"committee": "SSJU"},
         "SELECT p.id FROM people p JOIN committee_members m ON m.person_id = p.id "
         "WHERE m.committee_id = 'SSJU' AND p.active"),
        ("resolve MO U.S. senators", {"jurisdiction": "us", "chamber": "senate", "state": "MO"},
         "SELECT id FROM people WHERE jurisdiction = 'us' AND chamber = 'senate' "
         "AND state = 'MO' AND active"),
        ("resolve all of Congress", {"jurisdiction": "us"},
         "SELECT id FROM people WHERE jurisdiction = 'us' AND active"),
        ("resolve CO senate", {"jurisdiction": "co", "chamber": "senate"},
         "SELECT id FROM people WHERE jurisdiction = 'co' AND chamber = 'senate' AND active"),
    ]  # fmt: skip
    path = database.url.removeprefix("sqlite:///")
    rows = []
    for name, selector, sql in cases:
        loaded = LoadedCampaign(
            campaign=make_campaign(targets={"select": [selector]}, platforms=["x", "facebook"]),
            path=Path("bench.yaml"),
        )

        def run(loaded: LoadedCampaign = loaded) -> int:
            with database.session() as session:
                return len(resolve_targets(loaded, session).people)

        def raw(sql: str = sql) -> int:
            connection = sqlite3.connect(path)
            try:
                people = connection.execute(f"SELECT * FROM people WHERE id IN ({sql})").fetchall()
                connection.execute(
                    f"SELECT * FROM person_handles WHERE person_id IN ({sql})"
                ).fetchall()
                return len(people)
            finally:
                connection.close()

        seconds, found = timed(run, repeat)
        baseline, expected = timed(raw, repeat)
        assert found == expected, (name, found, expected)
        rows.append((name, seconds, baseline, found))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the legislator directory.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clones", type=int, default=40, help="cloned states for the resolve rows")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"skipped: reference data not found at {DATA}")
        return

    results: list[tuple[str, float, float, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t_raw_parse, files = timed(raw_yaml_load, args.repeat)
        t_parse, data = timed(parse, args.repeat)
        people = sum(len(d.people or ()) for d in data)
        results.append(("parse", t_parse, t_raw_parse, "yaml.load", f"{files} files"))

        counter = iter(range(10**6))

        def writer() -> None:
            write_all(fresh_database(folder, f"w{next(counter)}.db"), data)

        def raw() -> None:
            raw_write(folder / f"r{next(counter)}.db", data)

        # Migrating a new database is not part of writing: do it up front.
        databases = [fresh_database(folder, f"w{i}.db") for i in range(args.repeat)]
        pending = iter(databases)
        t_write, _ = timed(lambda: write_all(next(pending), data), args.repeat)
        t_raw_write, _ = timed(raw, args.repeat)
        results.append(("write", t_write, t_raw_write, "sqlite3 executemany", f"{people} people"))

        importing = [fresh_database(folder, f"i{i}.db") for i in range(args.repeat)]
        pending = iter(importing)
        t_import, _ = timed(lambda: write_all(next(pending), parse()), args.repeat)
        results.append(("import", t_import, t_raw_parse + t_raw_write, "yaml.load + sqlite3",
                        f"{people} people"))  # fmt: skip
        again = importing[0]
        t_again, _ = timed(lambda: write_all(again, parse()), args.repeat)
        results.append(("re-import", t_again, t_import, "first import", "nothing changed"))

        big = fresh_database(folder, "big.db")
        write_all(big, data + cloned_states(data, args.clones))
        with big.session() as session:
            from sqlalchemy import func, select

            from bot.directory.models import PersonRow

            total = session.scalar(select(func.count()).select_from(PersonRow))
        for name, seconds, baseline, found in resolve_rows(big, args.repeat):
            results.append((name, seconds, baseline, "raw sqlite3: rows + handles",
                            f"{found} of {total} people"))  # fmt: skip
        for database in [*databases, *importing, big]:
            database.dispose()

    print(f"{'row':<28} {'seconds':>9} {'baseline':>9} {'ratio':>7}  baseline is / size")
    for name, seconds, baseline, what, size in results:
        ratio = seconds / baseline if baseline else float("inf")
        print(f"{name:<28} {seconds:>9.4f} {baseline:>9.4f} {ratio:>7.2f}  {what}; {size}")


if __name__ == "__main__":
    main()
