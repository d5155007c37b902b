"""Builders shared by tests: campaigns as dicts, people, databases."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml

from bot.campaigns.schema import Campaign
from bot.directory.people import Person

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def unavailable(reason: str) -> NoReturn:
    """Skip a test whose server, browser or reference data is missing; in CI, fail it.

    A developer without PostgreSQL or ``../shared/data`` can still run the rest of the
    suite, but CI (``CI`` set, as ``.ci/run`` does) must never pass by skipping: there
    ``scripts/test`` installs everything, so a missing piece is a broken set-up.
    """
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI runs every test (scripts/test sets it all up)", pytrace=False)
    pytest.skip(reason)


BASE_CAMPAIGN: dict[str, Any] = {
    "id": "test-campaign",
    "title": "Test campaign",
    "enabled": True,
    "bills": [
        {
            "jurisdiction": "us",
            "session": "115",
            "identifier": "S 1693",
            "title": "Stop Enabling Sex Traffickers Act",
            "url": "https://www.congress.gov/bill/115th-congress/senate-bill/1693",
        }
    ],
    "targets": {
        "people": [
            {
                "id": "H001089",
                "name": "Josh Hawley",
                "title": "Sen.",
                "handles": {"x": "SenHawleyPress"},
            },
            {
                "id": "S001227",
                "name": "Eric Schmitt",
                "title": "Sen.",
                "handles": {"x": "SenEricSchmitt"},
            },
        ]
    },
    "platforms": ["x"],
    "messages": [
        {"id": "a", "text": "{{ mentions }} please support {{ bill.identifier }}. {{ bill.url }}"},
        {"id": "b", "text": "{{ mentions }}: pass {{ bill.identifier }} now. {{ bill.url }}"},
    ],
    "schedule": {"cron": "0 10 * * *", "timezone": "America/Chicago", "posts_per_run": 1},
    "mentions_per_post": 1,
    "cooldown": "7d",
}


def campaign_dict(**changes: Any) -> dict[str, Any]:
    """The base campaign with top-level keys replaced (``None`` removes a key)."""
    data = copy.deepcopy(BASE_CAMPAIGN)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def make_campaign(**changes: Any) -> Campaign:
    return Campaign.model_validate(campaign_dict(**changes))


def people(count: int, platform: str = "x") -> list[Person]:
    """``count`` senators with handles ``Sen0``, ``Sen1``... on ``platform``."""
    return [
        Person(id=f"P{i}", name=f"Person {i}", title="Sen.", handles={platform: f"Sen{i}"})
        for i in range(count)
    ]


def write_campaign(folder: Path, data: dict[str, Any], name: str | None = None) -> Path:
    path = folder / (name or f"{data['id']}.yaml")
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path
