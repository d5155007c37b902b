from __future__ import annotations

import pytest

from bot.store.db import Database


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'log.db'}")
    yield database
    database.dispose()
