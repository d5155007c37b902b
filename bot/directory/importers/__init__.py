"""Importers: public legislator data into the directory.

:func:`discover` works out what the paths given to ``directory import`` hold;
:func:`read_all` parses them (nothing is written if any file is bad) and
:func:`import_paths` writes the result in the caller's transaction.

Recognised paths:

- congress-legislators files (``legislators-current.yaml``,
  ``legislators-social-media.yaml``, ``committees-current.yaml``,
  ``committee-membership-current.yaml``, or the ``.json`` twins), or a folder
  holding them;
- an Open States state folder (``data/mo/``, with ``legislature/`` and
  ``committees/``), its ``legislature/`` folder, or a folder of state folders
  (``data/``: every state, DC and the territories).

One jurisdiction that cannot be read (a folder named after no state, such as
Open States' own ``data/us``, or anything unexpected inside one) is a
reported skip; everything else imports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from bot.directory.importers import congress, openstates
from bot.directory.importers.records import (
    SKIPPED,
    DirectoryImportError,
    Problem,
    SourceData,
)
from bot.directory.importers.writer import ImportResult, write

__all__ = [
    "DirectoryImportError",
    "ImportResult",
    "Plan",
    "Problem",
    "discover",
    "import_paths",
    "read_all",
]


@dataclass
class Plan:
    """What a set of paths holds: congress files by kind, and state folders."""

    congress: dict[str, Path] = field(default_factory=dict)
    states: list[Path] = field(default_factory=list)
    skipped: list[SourceData] = field(default_factory=list)
    """Folders not imported, each with the reason as its problem."""


def discover(paths: Iterable[Path]) -> Plan:
    """Classify ``paths``; :class:`DirectoryImportError` for one that holds nothing known."""
    plan = Plan()
    for path in paths:
        if not path.exists():
            raise DirectoryImportError(f"{path}: no such file or folder")
        if path.is_file():
            kind = congress.file_kind(path)
            if kind is None:
                raise DirectoryImportError(
                    f"{path}: not a file this importer knows; expected one of "
                    + ", ".join(f"{name}.yaml" for name in congress.FILES)
                    + " or an Open States state folder"
                )
            plan.congress[kind] = path
            continue
        found = _congress_files(path)
        if found:
            plan.congress.update(found)
        elif openstates.is_state_folder(path):
            plan.states.append(path)
        elif path.name == "legislature" and openstates.is_state_folder(path.parent):
            plan.states.append(path.parent)
        else:
            states = sorted(
                p for p in path.iterdir() if p.is_dir() and openstates.is_state_folder(p)
            )
            plan.skipped.extend(_not_states(states))
            states = [s for s in states if _state_code(s) is not None]
            if not states:
                raise DirectoryImportError(
                    f"{path}: holds neither congress-legislators files nor Open States "
                    "state folders (data/<state>/legislature/*.yml)"
                )
            plan.states.extend(states)
    return plan


def _state_code(folder: Path) -> str | None:
    try:
        return openstates.state_of(folder)
    except DirectoryImportError:
        return None


def _not_states(folders: Iterable[Path]) -> list[SourceData]:
    skipped = []
    for folder in folders:
        if _state_code(folder) is not None:
            continue
        if folder.name.lower() == "us":
            why = (
                "Open States' data for Congress is not read: Congress comes from "
                "congress-legislators (directory sync --congress, or directory import "
                "legislators-current.yaml); the folder was skipped"
            )
        else:
            why = (
                f"{folder.name!r} is not a state's, DC's or a territory's postal code, so "
                "the folder was skipped"
            )
        # Not a fault in the data (openstates/people always has data/us): a note, not a skip.
        skipped.append(_skipped(folder, folder.name.lower()[:8], why, note=True))
    return skipped


def _skipped(folder: Path, scope: str, why: str, *, note: bool = False) -> SourceData:
    data = SourceData(source=openstates.SOURCE, scope=scope, origin=str(folder), not_read=True)
    if note:
        data.notes.append(why)
    else:
        data.problems.append(Problem(SKIPPED, str(folder), why))
    return data


def _congress_files(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for kind in congress.FILES:
        for suffix in (".yaml", ".yml", ".json"):
            candidate = folder / f"{kind}{suffix}"
            if candidate.is_file():
                found[kind] = candidate
                break
    return found


def read_all(plan: Plan, now: datetime) -> list[SourceData]:
    """Parse everything ``plan`` names; raises before anything is written.

    Unreadable files and malformed records or values do not raise: they are
    reported in each :attr:`SourceData.problems`, and the rest is read.
    """
    today = now.date()
    data: list[SourceData] = []
    if plan.congress:
        data.append(congress.read(plan.congress, today))
    seen: set[str] = set()
    data.extend(plan.skipped)
    for folder in plan.states:
        try:
            state_data = openstates.read(folder, today)
        except DirectoryImportError:
            raise
        except Exception as exc:  # noqa: BLE001 (one state's surprise must not stop the rest)
            why = f"cannot read it ({type(exc).__name__}: {str(exc)[:200]}); the state was skipped"
            data.append(_skipped(folder, folder.name.lower()[:8], why))
            continue
        if state_data.scope in seen:
            raise DirectoryImportError(f"{folder}: {state_data.scope.upper()} given twice")
        seen.add(state_data.scope)
        data.append(state_data)
    return data


def import_paths(session: Session, paths: Iterable[Path], now: datetime) -> list[ImportResult]:
    """Import ``paths`` into the directory in ``session``'s transaction.

    A folder that was skipped whole is reported as a result with nothing
    written (:attr:`ImportResult.skipped`).
    """
    results = []
    for item in read_all(discover(paths), now):
        if item.not_read:
            results.append(ImportResult.not_imported(item))
        else:
            results.append(write(session, item, now))
    return results
