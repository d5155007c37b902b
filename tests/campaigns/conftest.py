"""Campaign files for tests: a valid base campaign that a test tweaks one thing in.

The base campaign targets Missouri's U.S. Senators with their official handles
(congress-legislators' ``legislators-social-media.yaml``). Tests assert exact
line numbers, so they are listed beside the text.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

BASE = """\
id: us-s1693
title: "S 1693: hold trafficking websites to account"
bills:
  - jurisdiction: us
    session: "115"
    identifier: S 1693
    title: Stop Enabling Sex Traffickers Act
    url: https://www.congress.gov/bill/115th-congress/senate-bill/1693
targets:
  people:
    - id: H001089
      name: Josh Hawley
      title: Sen.
      handles: {x: SenHawleyPress, facebook: SenatorHawley}
    - id: S001227
      name: Eric Schmitt
      title: Sen.
      handles: {x: SenEricSchmitt}
platforms: [x, facebook]
messages:
  - id: short
    text: "{{ mentions }}, please support {{ bill.identifier }}. {{ bill.url }}"
  - id: names
    text: >-
      {{ names }}: please move {{ bill.identifier }} forward.
schedule:
  cron: "0 12 * * 1-5"
  timezone: America/Chicago
  start: 2026-01-05
  end: 2099-06-30    # far ahead: validate warns about an end that has passed
  quiet_hours: {start: 21:00, end: 08:00}
cooldown: 7d
"""
# Lines: 1 id, 2 title, 3 bills, 7 bills[0].title, 9 targets, 11 people[0], 19 platforms,
# 20 messages, 21 messages[0], 22 messages[0].text, 24 messages[1].text, 26 schedule,
# 27 cron, 28 timezone, 29 start, 30 end, 31 quiet_hours, 32 cooldown.

WriteCampaign = Callable[..., Path]


def edit(text: str, replacements: dict[str, str]) -> str:
    """``text`` with each key replaced by its value; every key must occur exactly once."""
    for old, new in replacements.items():
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


@pytest.fixture(autouse=True)
def _hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test here sees the working directory's database, ``.env`` or campaigns.

    ``validate`` checks targets against the directory when the configured
    database exists, and ``advocacy-bot.db`` in the working directory is the
    default: after the quick start, tests read the user's data.
    """
    home = tmp_path / "cwd"
    home.mkdir()
    monkeypatch.chdir(home)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{home / 'no-directory.db'}")
    monkeypatch.setenv("CAMPAIGNS_DIR", str(home / "campaigns"))


@pytest.fixture
def write_campaign(tmp_path: Path) -> WriteCampaign:
    """Write the base campaign (with ``replacements`` applied) to ``tmp_path/name``."""

    def write(
        replacements: dict[str, str] | None = None, *, name: str = "s1693.yaml", text: str = BASE
    ) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(edit(text, replacements or {}), encoding="utf-8")
        return path

    return write
