"""Fixtures for the directory tests: the reference data, raw views of it, databases.

Expected values are computed here straight from the raw files (``raw_*``
fixtures), never through the code under test. Importing all of Congress and
two states takes a few seconds, so it is done once per session into a
template SQLite file; each test that needs it gets its own copy (tests may
write to it).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.store.db import Database
from tests.support import SHARED_DATA, unavailable

#: The day the directory tests run "on": inside the current terms of the reference data.
TODAY = date(2026, 8, 10)
NOW = datetime(2026, 8, 10, 12, 0, tzinfo=UTC)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _require_data() -> Path:
    if not (SHARED_DATA / "congress-legislators").is_dir():
        unavailable(
            f"reference data not found at {SHARED_DATA} (the shared/data folder beside the "
            "project: congress-legislators and openstates); these tests need it"
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared reference data folder (``../shared/data``); skips the test if absent."""
    return _require_data()


def load_yaml(path: Path) -> Any:
    with path.open("rb") as handle:
        return yaml.load(handle, Loader=_Loader)


@pytest.fixture(scope="session")
def raw_congress(shared_data: Path) -> dict[str, Any]:
    """The four congress-legislators files, parsed, by name."""
    folder = shared_data / "congress-legislators"
    return {
        name: load_yaml(folder / f"{name}.yaml")
        for name in (
            "legislators-current",
            "legislators-social-media",
            "committees-current",
            "committee-membership-current",
        )
    }


@pytest.fixture(scope="session")
def raw_social(raw_congress: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """bioguide → the ``social`` mapping of legislators-social-media.yaml."""
    return {
        e["id"]["bioguide"]: e.get("social") or {} for e in raw_congress["legislators-social-media"]
    }


def raw_state_people(shared_data: Path, state: str) -> list[dict[str, Any]]:
    """Every person file of an Open States state folder, parsed."""
    folder = shared_data / "openstates" / state / "legislature"
    return [load_yaml(path) for path in sorted(folder.glob("*.yml"))]


def current_chamber(person: dict[str, Any]) -> str | None:
    """upper/lower of the role in force on :data:`TODAY` (computed from the raw schema)."""
    for role in person["roles"]:
        end = role.get("end_date")
        if end is None or date.fromisoformat(str(end)) >= TODAY:
            return role["type"]
    return None


def new_database(path: Path) -> Database:
    return Database(f"sqlite:///{path}")


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty database file, made once (migrating costs about a second)."""
    path = tmp_path_factory.mktemp("empty") / "directory.db"
    new_database(path).dispose()
    return path


@pytest.fixture
def db(empty_template: Path, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated directory database (SQLite in a temp folder)."""
    path = tmp_path / "empty.db"
    shutil.copy(empty_template, path)
    database = new_database(path)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def directory_template(
    shared_data: Path, empty_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A database file holding Congress, Missouri and Colorado, imported once."""
    from bot.directory.importers import import_paths

    path = tmp_path_factory.mktemp("template") / "directory.db"
    shutil.copy(empty_template, path)
    database = new_database(path)
    with database.session() as session:
        import_paths(
            session,
            [
                shared_data / "congress-legislators",
                shared_data / "openstates" / "mo",
                shared_data / "openstates" / "co",
            ],
            NOW,
        )
    database.dispose()  # checkpoints the WAL into the file
    return path


@pytest.fixture
def full_db(directory_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A private copy of the imported directory."""
    path = tmp_path / "full.db"
    shutil.copy(directory_template, path)
    database = new_database(path)
    yield database
    database.dispose()
