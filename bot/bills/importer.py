"""``bills import``: seed the bill cache from saved API answers, without keys or network.

An organisation without API keys (and the tests) can save the answers the APIs
give and import them; they fill the same cache ``bills sync`` fills, record the
bills' events and fire the campaigns' steps, exactly as a sync would.

What a file may hold (JSON, as the API returned it; a folder means its ``*.json``):

- **Congress.gov** ``/bill/{congress}/{type}/{number}``: ``{"bill": {...}}``; and its
  lists ``/actions`` (``{"actions": [...]}``, required), ``/committees`` and
  ``/cosponsors`` (optional: without them the bill has no committees or
  cosponsors until a sync fetches them). A list answer names its bill in its
  ``request`` object; one without it belongs to the only bill given. A list that
  came in several pages is several files.
- **Open States** ``/bills/{state}/{session}/{identifier}?include=sponsorships&include=actions``:
  one bill object (``"id": "ocd-bill/..."``), or a search answer
  ``{"results": [bill, ...]}`` whose bills include both.

Files come from outside, so each is read within a budget (:data:`MAX_FILE_BYTES`,
:data:`MAX_ITEMS` per list, JSON nesting Python can parse); a problem names the
file and what to do. A bill whose files have a problem is not imported; the
others are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.bills import congress, openstates, store
from bot.bills.http import ApiError
from bot.bills.ident import BillRef
from bot.bills.records import BillRecord
from bot.bills.sync import BillOutcome, changes, committee_lookup
from bot.bills.triggers import Firing, fire_steps, record_events
from bot.campaigns.loaded import LoadedCampaign
from bot.config import Mode
from bot.errors import AdvocacyBotError
from bot.store.db import Database

#: One saved answer: a bill with thousands of actions is a few megabytes.
MAX_FILE_BYTES = 20_000_000
#: Files in one import (a folder of them included).
MAX_FILES = 5_000
#: Items in one list (actions, cosponsors, committees, bills of a search answer).
MAX_ITEMS = 100_000
LISTS = ("actions", "committees", "cosponsors")
#: Other Congress.gov answers a folder of saved answers may hold: skipped, with a note.
UNUSED = ("bills", "amendments", "relatedBills", "subjects", "summaries", "textVersions", "titles")
_JURISDICTION = re.compile(r"/(?:state|district|territory):([a-z]{2})(?:/|$)")


class ImportProblem(AdvocacyBotError, ValueError):
    """A file the import cannot use; the message names it and says what is wrong."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


@dataclass
class _CongressBill:
    ref: BillRef
    bill: dict[str, Any] | None = None
    lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


@dataclass
class ImportReport:
    bills: list[BillOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    firings: list[Firing] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def files_of(paths: Iterable[Path]) -> list[Path]:
    """The files named, a folder standing for its ``*.json`` files (sorted, not recursive)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix == ".json" and p.is_file())
        else:
            found.append(path)
        if len(found) > MAX_FILES:
            raise ValueError(f"more than {MAX_FILES} files to import; import fewer at a time")
    return found


def read_json(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``, read within the budget (ImportProblem if not)."""
    if not path.exists():
        raise ImportProblem(path, "no such file")
    if not path.is_file():
        raise ImportProblem(path, "not a regular file")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ImportProblem(path, f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ImportProblem(
            path, f"larger than {MAX_FILE_BYTES // 1_000_000} MB: not one saved API answer"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportProblem(path, f"not UTF-8 text (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportProblem(
            path, f"not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise ImportProblem(path, "JSON nested too deeply to be an API answer") from None
    if not isinstance(data, dict):
        raise ImportProblem(path, "not a JSON object, as the APIs answer")
    return data


def _list(path: Path, data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items = data.get(name)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ImportProblem(path, f"'{name}' is not a list of objects")
    if len(items) > MAX_ITEMS:
        raise ImportProblem(path, f"more than {MAX_ITEMS} {name}: not one bill's answer")
    return items


def _congress_ref(path: Path, congress_no: object, kind: object, number: object) -> BillRef:
    try:
        return BillRef.parse("us", str(congress_no), f"{kind} {number}")
    except ValueError as exc:
        raise ImportProblem(path, f"names no Congress bill ({exc})") from None


def _openstates_ref(path: Path, bill: dict[str, Any]) -> BillRef:
    jurisdiction = bill.get("jurisdiction")
    jid = jurisdiction.get("id") if isinstance(jurisdiction, dict) else jurisdiction
    found = _JURISDICTION.search(str(jid or ""))
    if not found:
        raise ImportProblem(
            path,
            f"bill {bill.get('id')} has no jurisdiction id such as "
            "'ocd-jurisdiction/country:us/state:mo/government'",
        )
    try:
        return BillRef.parse(
            found.group(1), str(bill.get("session") or ""), str(bill["identifier"])
        )
    except (KeyError, ValueError) as exc:
        raise ImportProblem(
            path, f"bill {bill.get('id')} has no usable identifier ({exc})"
        ) from None


def _openstates_bills(path: Path, data: dict[str, Any]) -> list[dict[str, Any]]:
    bills = _list(path, data, "results") if "results" in data else [data]
    for bill in bills:
        if not str(bill.get("id") or "").startswith("ocd-bill/"):
            raise ImportProblem(path, "a result that is not an Open States bill (no ocd-bill id)")
        if not isinstance(bill.get("sponsorships"), list) or not isinstance(
            bill.get("actions"), list
        ):
            raise ImportProblem(
                path,
                f"bill {bill.get('identifier')} has no 'sponsorships' or 'actions': save the "
                "answer asked with include=sponsorships&include=actions",
            )
        if len(bill["actions"]) > MAX_ITEMS or len(bill["sponsorships"]) > MAX_ITEMS:
            raise ImportProblem(path, f"more than {MAX_ITEMS} actions or sponsorships")
    return bills


def parse_files(
    paths: list[Path], notes: list[str]
) -> tuple[dict[str, _CongressBill], list[tuple[Path, dict[str, Any]]], list[str]]:
    """Sort the files into Congress bills (with their lists) and Open States bills; problems."""
    problems: list[str] = []
    bills: dict[str, _CongressBill] = {}
    orphans: list[tuple[Path, str, list[dict[str, Any]]]] = []
    states: list[tuple[Path, dict[str, Any]]] = []
    for path in paths:
        try:
            data = read_json(path)
            if isinstance(data.get("bill"), dict):
                bill = data["bill"]
                ref = _congress_ref(
                    path, bill.get("congress"), bill.get("type"), bill.get("number")
                )
                entry = bills.setdefault(ref.key, _CongressBill(ref))
                if entry.bill is not None:
                    raise ImportProblem(path, f"a second answer for {ref.key}; give one")
                entry.bill = bill
                entry.files.append(path)
            elif str(data.get("id") or "").startswith("ocd-bill/") or "results" in data:
                states += [(path, b) for b in _openstates_bills(path, data)]
            elif any(name in data for name in LISTS):
                name = next(n for n in LISTS if n in data)
                items = _list(path, data, name)
                request = data.get("request")
                if isinstance(request, dict) and request.get("billNumber"):
                    ref = _congress_ref(
                        path,
                        request.get("congress"),
                        request.get("billType"),
                        request.get("billNumber"),
                    )
                    entry = bills.setdefault(ref.key, _CongressBill(ref))
                    entry.lists.setdefault(name, []).extend(items)
                    entry.files.append(path)
                else:
                    orphans.append((path, name, items))
            elif any(name in data for name in UNUSED) and "request" in data:
                name = next(n for n in UNUSED if n in data)
                notes.append(
                    f"{path}: skipped, a Congress.gov '{name}' answer the bot does not use"
                )
            else:
                raise ImportProblem(
                    path,
                    "neither a Congress.gov answer ('bill', 'actions', 'committees' or "
                    "'cosponsors') nor an Open States bill ('id': 'ocd-bill/...')",
                )
        except ImportProblem as exc:
            problems.append(str(exc))
    for path, name, items in orphans:
        if len(bills) == 1:
            entry = next(iter(bills.values()))
            entry.lists.setdefault(name, []).extend(items)
            entry.files.append(path)
        else:
            problems.append(
                f"{path}: {name} without a 'request' object naming their bill, among "
                f"{len(bills)} Congress bills; import one bill's files at a time"
            )
    return bills, states, problems


def build_congress(entry: _CongressBill, notes: list[str]) -> BillRecord:
    """A record from one Congress bill's answers (ImportProblem naming its files if not)."""
    first = entry.files[0]
    if entry.bill is None:
        raise ImportProblem(
            first,
            f"lists for {entry.ref.key} but not the bill itself: add the answer of "
            f"/{entry.ref.congress_path}",
        )
    if "actions" not in entry.lists:
        raise ImportProblem(
            first,
            f"no actions for {entry.ref.key}: add the answer of /{entry.ref.congress_path}/actions",
        )
    counts: dict[str, int | None] = {
        "actions": congress.list_count(entry.bill, "actions"),
        "committees": congress.list_count(entry.bill, "committees"),
        "cosponsors": congress.list_count(
            entry.bill, "cosponsors", "countIncludingWithdrawnCosponsors"
        ),
    }
    lists: dict[str, list[dict[str, Any]] | None] = {}
    for name in LISTS:
        items = entry.lists.get(name)
        expected = counts[name]
        if items is None:
            counts[name] = None  # unknown: the next sync fetches it
            lists[name] = []
            notes.append(f"{entry.ref.key}: no {name} given; `bills sync` can fetch them")
            continue
        if expected is not None and len(items) < expected:
            raise ImportProblem(
                first,
                f"{len(items)} of the {expected} {name} of {entry.ref.key}: give every page "
                "of the answer (the API sends 250 at a time)",
            )
        lists[name] = items
    try:
        return congress.build(entry.ref, entry.bill, lists, counts)
    except ApiError as exc:
        raise ImportProblem(first, str(exc).replace("Congress.gov sent", "it is")) from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ImportProblem(first, f"not a readable Congress.gov answer: {exc}") from None


def import_files(
    db: Database,
    paths: Iterable[Path],
    *,
    now: datetime,
    campaigns: Iterable[LoadedCampaign] = (),
    mode: Mode = Mode.DRY_RUN,
) -> ImportReport:
    """Import the saved answers in ``paths`` into the bill cache; fire ``campaigns``' steps."""
    report = ImportReport()
    try:
        files = files_of(paths)
    except ValueError as exc:
        report.problems.append(str(exc))
        return report
    congress_bills, state_bills, report.problems = parse_files(files, report.notes)
    records: list[BillRecord] = []
    for entry in congress_bills.values():
        try:
            records.append(build_congress(entry, report.notes))
        except ImportProblem as exc:
            report.problems.append(str(exc))
    for path, raw in state_bills:
        try:
            ref = _openstates_ref(path, raw)
            records.append(openstates.build(ref, raw, committee_lookup(db, ref.jurisdiction)))
        except ImportProblem as exc:
            report.problems.append(str(exc))
        except ApiError as exc:
            report.problems.append(f"{path}: {str(exc).replace('Open States sent', 'it is')}")
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            report.problems.append(f"{path}: not a readable Open States bill: {exc}")
    seen: set[str] = set()
    with db.session() as session:
        for record in records:
            if record.key in seen:
                report.problems.append(f"{record.key} is given twice; imported once")
                continue
            seen.add(record.key)
            earlier = store.load(session, record.key)
            if earlier is not None:
                record.hearings = list(earlier.record.hearings)
            outcome = BillOutcome(
                record.key, record, cached_at=earlier.fetched_at if earlier else None
            )
            outcome.changes = changes(earlier.record if earlier else None, record)
            store.save(session, record, now)
            outcome.new_events = [e.key for e in record_events(session, record, now)]
            report.bills.append(outcome)
    for loaded in campaigns:
        try:
            report.firings += fire_steps(db, [loaded], mode=mode, now=now)
        except Exception as exc:  # one campaign's steps must not stop the others
            report.notes.append(f"steps of {loaded.campaign.id} not fired: {exc}")
    return report
