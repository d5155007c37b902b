"""Typed reads of public records: a wrong value is a reported skip, never a crash.

Open States and congress-legislators are edited by strangers. Every field an
importer reads goes through a :class:`Fields`: a value of the wrong type (a
list where a name belongs), one with hidden control characters, or a handle,
email, phone or URL that fails its check (:mod:`bot.directory.contact`) is
reported as a :class:`~bot.directory.importers.records.Problem` naming the
file, the person and the field, and read as absent; the rest of the record,
and of the import, goes on.

:func:`read_yaml` reads a whole file within the ``DATA`` budget of
:mod:`bot.safeyaml`, reporting a file it cannot read as skipped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot import safeyaml
from bot.directory import contact
from bot.directory.importers.records import CLEANED, DROPPED, SKIPPED, Problem

#: The longest name, title or other short text a record may hold.
MAX_TEXT = contact.MAX_TEXT
#: Longer free text (an office's postal address).
MAX_LONG_TEXT = 1_000

_PLATFORM_WORDS = {
    "x": "X",
    "facebook": "Facebook",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "instagram": "Instagram",
    "youtube": "YouTube",
}


class Fields:
    """One record (a mapping) of one file, read field by field with its problems reported."""

    def __init__(
        self,
        raw: Mapping[str, Any],
        file: str,
        problems: list[Problem],
        person: str | None = None,
        prefix: str = "",
    ) -> None:
        self.raw = raw
        self.file = file
        self.problems = problems
        self.person = person
        """``Jane Doe (ocd-person/...)`` once known: every problem names them."""
        self.prefix = prefix
        """Where this record sits in its file: ``offices[0].``."""

    @classmethod
    def of(
        cls,
        raw: object,
        file: str,
        problems: list[Problem],
        where: str | None,
        what: str = "a mapping",
    ) -> Fields | None:
        """A :class:`Fields` for ``raw`` if it is a mapping; else a reported skip and None.

        ``where`` names the entry within the file (``entry 3``); None means the
        record is the whole file.
        """
        if isinstance(raw, Mapping):
            return cls(raw, file, problems)
        done = "this entry was skipped" if where else "the file was skipped"
        message = f"expected {what}, found {contact.type_name(raw)}; {done}"
        problems.append(Problem(SKIPPED, file, message, field=where))
        return None

    def where(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def report(self, key: str, message: str, action: str = DROPPED) -> None:
        """Record a problem with the field ``key`` (by default: its value was not stored)."""
        self.problems.append(Problem(action, self.file, message, self.person, self.where(key)))

    def skip(self, key: str, message: str) -> None:
        """Record that this whole record was left out, because of the field ``key``."""
        self.report(key, message, SKIPPED)

    def has(self, key: str) -> bool:
        return self.raw.get(key) is not None

    def text(self, key: str, limit: int = MAX_TEXT) -> str | None:
        """The field as visible text, or None (absent, or reported as unusable)."""
        value = self.raw.get(key)
        if value is None or value == "":
            return None
        try:
            return contact.plain_text(value, limit) or None
        except ValueError as exc:
            self.report(key, f"{exc}; ignored")
            return None

    def number(self, key: str) -> int | None:
        """The field as a whole number, or None."""
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit() and len(value) < 10:
            return int(value)
        self.report(key, f"must be a whole number, not {contact.shown(value)}; ignored")
        return None

    def date(self, key: str) -> date | None:
        """The field as a date (``2025-01-03``), or None."""
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip()[:10])
            except ValueError:
                pass
        self.report(key, f"{contact.shown(value)} is not a date (YYYY-MM-DD); ignored")
        return None

    def child(self, key: str) -> Fields | None:
        """The field as a nested record, or None (absent, or reported)."""
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.report(key, f"must be a mapping, not {contact.type_name(value)}; ignored")
            return None
        return Fields(value, self.file, self.problems, self.person, f"{self.where(key)}.")

    def children(self, key: str) -> list[Fields]:
        """The field as a list of nested records; items that are not mappings are reported."""
        value = self.raw.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.report(key, f"must be a list, not {contact.type_name(value)}; ignored")
            return []
        found: list[Fields] = []
        for index, item in enumerate(value):
            where = f"{key}[{index}]"
            if isinstance(item, Mapping):
                found.append(
                    Fields(item, self.file, self.problems, self.person, f"{self.where(where)}.")
                )
            else:
                self.report(where, f"must be a mapping, not {contact.type_name(item)}; ignored")
        return found

    def contact(self, key: str, kind: str) -> str | None:
        """The field checked as a ``kind`` (:mod:`bot.directory.contact`): clean, or None.

        A clean-up is applied and reported; a value that fails is reported and not
        stored (for a handle: the person is then named in plain text).
        """
        value = self.raw.get(key)
        if value is None or value == "":
            return None
        try:
            checked = contact.check(kind, value)
        except contact.ContactError as exc:
            self.report(key, f"{exc.message}; {self._not_stored(kind)}")
            return None
        if checked.cleaned:
            self.report(
                key,
                f"{contact.shown(value)} stored as {checked.value!r} ({checked.cleaned})",
                CLEANED,
            )
        return checked.value

    def _not_stored(self, kind: str) -> str:
        if kind in _PLATFORM_WORDS:
            who = self.person.rsplit(" (", 1)[0] if self.person else "the person"
            return f"not stored, so posts name {who} in plain text on {_PLATFORM_WORDS[kind]}"
        return "not stored"


def person_label(name: str, person_id: str) -> str:
    """How a report names a person: ``Jane Doe (ocd-person/...)``."""
    return f"{name} ({person_id})"


def read_yaml(path: Path, problems: list[Problem]) -> tuple[bool, Any]:
    """Parse a YAML (or JSON) data file within :data:`bot.safeyaml.DATA`.

    Returns ``(True, data)``, or ``(False, None)`` after reporting why the file
    was skipped (unreadable, not valid YAML, over budget).
    """
    file = str(path)
    try:
        if path.suffix.lower() == ".json":
            return True, json.loads(safeyaml.read_text(path, safeyaml.DATA))
        return True, safeyaml.load_file(path, safeyaml.DATA)
    except safeyaml.YAMLBudgetError as exc:
        where = f"line {exc.line}" if exc.line else None
        problems.append(Problem(SKIPPED, file, f"{exc.message}; the file was skipped", field=where))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(
            Problem(SKIPPED, file, f"not valid YAML ({reason}); the file was skipped", field=where)
        )
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        problems.append(Problem(SKIPPED, file, f"cannot read it ({reason}); the file was skipped"))
    return False, None
