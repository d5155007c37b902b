"""Fixtures of the reliability proofs: a supervisor that kills every process it started.

Sizes are modest by default so ``pytest`` stays reasonable; ``RELIABILITY_POSTS``,
``CRASH_TEST_POSTS`` and ``CRASH_TEST_KILLS`` scale them up (``scripts/crash-test``
runs the crash test at full size).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.harness import Fake, Supervisor, start_fakes


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "reliability: multi-process proofs against the fake servers (slow)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.reliability)


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[Supervisor]:
    """Every process a proof starts; their process groups are killed at teardown."""
    with Supervisor(tmp_path / "run") as running:
        yield running


@pytest.fixture
def fakes(supervisor: Supervisor) -> dict[str, Fake]:
    """The four fake platform servers, each its own process."""
    return start_fakes(supervisor)


@pytest.fixture(params=["postgresql", "sqlite"])
def backend(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(name, URL): a real PostgreSQL (skipped locally without one) or a SQLite file."""
    name = request.param
    return name, request.getfixturevalue("postgres_url" if name == "postgresql" else "sqlite_url")
