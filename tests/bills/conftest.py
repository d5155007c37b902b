"""Fixtures for the bill tests: the real Congress.gov samples, local fake APIs, databases.

The Congress.gov answers are the real ones in ``../shared/data/congress-api/samples``
(bill 117 HR 21), read at test time; Open States answers are built from its API
v3 schema around real Missouri legislators and committees
(``../shared/data/openstates/mo``), so their ids join the directory. Tests that
need the data skip, saying why, when the folder is absent.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.bills.ident import BillRef
from bot.bills.sync import Clients, Sources, SyncReport, sync
from bot.store.db import Database
from tests.bills import mo_data
from tests.fakes.congress import API_KEY as CONGRESS_KEY
from tests.fakes.congress import FakeCongress
from tests.fakes.openstates_api import API_KEY as OPENSTATES_KEY
from tests.fakes.openstates_api import FakeOpenStates
from tests.support import SHARED_DATA, unavailable

#: The reference directory's "today": inside the current terms of its people.
NOW = datetime(2026, 8, 10, 12, 0, tzinfo=UTC)
HR21 = BillRef.parse("us", "117", "HR 21")
SB792 = BillRef.parse("mo", "2026", "SB 792")


def _need(path: Path, what: str) -> Path:
    if not path.exists():
        unavailable(f"{what} not found at {path} (the shared/data folder beside the project)")
    return path


@pytest.fixture(scope="session")
def samples() -> Path:
    return _need(SHARED_DATA / "congress-api" / "samples", "the Congress.gov sample responses")


@pytest.fixture(scope="session")
def mo_folder() -> Path:
    return _need(SHARED_DATA / "openstates" / "mo", "the Open States Missouri data")


@pytest.fixture
def congress(samples: Path) -> Iterator[FakeCongress]:
    with FakeCongress(config={"samples": str(samples)}) as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def openstates(mo_folder: Path) -> Iterator[FakeOpenStates]:
    with FakeOpenStates() as fake:
        fake.bills[("mo", "2026", "SB 792")] = mo_data.bill(mo_folder)  # type: ignore[attr-defined]
        yield fake  # type: ignore[misc]


def sources(
    congress: FakeCongress | None = None,
    openstates: FakeOpenStates | None = None,
    *,
    congress_key: str = CONGRESS_KEY,
    openstates_key: str = OPENSTATES_KEY,
) -> Sources:
    return Sources(
        congress_url=f"{congress.url}/v3" if congress else "http://127.0.0.1:9/v3",
        congress_key=congress_key,
        congress_interval=0.0,
        openstates_url=openstates.url if openstates else "http://127.0.0.1:9",
        openstates_key=openstates_key,
        openstates_interval=0.0,
    )


class Sleeps(list[float]):
    """A ``sleep`` that records instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def run_sync(
    db: Database,
    refs: list[BillRef],
    congress: FakeCongress | None = None,
    openstates: FakeOpenStates | None = None,
    *,
    now: datetime = NOW,
    sleeps: Sleeps | None = None,
    **options: object,
) -> SyncReport:
    keys = {k: options.pop(k) for k in ("congress_key", "openstates_key") if k in options}
    clients = Clients.build(
        sources(congress, openstates, **keys),  # type: ignore[arg-type]
        timeout=5,
        sleep=sleeps if sleeps is not None else Sleeps(),
    )
    return sync(db, refs, clients=clients, now=now, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bills-empty") / "empty.db"
    Database(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def db(empty_template: Path, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated SQLite database."""
    path = tmp_path / "bills.db"
    shutil.copy(empty_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def directory_template(
    empty_template: Path, mo_folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Congress and Missouri imported into the directory, once."""
    from bot.directory.importers import import_paths

    congress_folder = _need(SHARED_DATA / "congress-legislators", "congress-legislators")
    path = tmp_path_factory.mktemp("bills-directory") / "directory.db"
    shutil.copy(empty_template, path)
    database = Database(f"sqlite:///{path}")
    with database.session() as session:
        import_paths(session, [congress_folder, mo_folder], NOW)
    database.dispose()
    return path


@pytest.fixture
def dir_db(directory_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A private copy of a directory holding Congress and Missouri."""
    path = tmp_path / "directory.db"
    shutil.copy(directory_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()
