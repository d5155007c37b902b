"""``bills sync``: fetch every campaign bill, cache it, record its events, fire steps.

Where the data comes from (each can be changed through the environment,
which is how tests point ``sync`` at local fakes):

``CONGRESS_API_KEY``             a free api.data.gov key (https://api.congress.gov/sign-up/)
``CONGRESS_API_URL``             default ``https://api.congress.gov/v3``
``CONGRESS_API_MIN_INTERVAL``    seconds between requests, default 0.75 (5,000 an hour)
``OPENSTATES_API_KEY``           a free Open States key (https://openstates.org/accounts/signup/)
``OPENSTATES_API_URL``           default ``https://v3.openstates.org``
``OPENSTATES_API_MIN_INTERVAL``  seconds between requests, default 6 (10 a minute)

Three phases. **Fetch**: each bill from its source, then the hearings of
the chambers and states those bills are in (Congress.gov committee
meetings updated since the last scan; Open States' upcoming events). A bill
whose source fails (offline, a wrong key, a malformed answer) keeps its
cached copy, untouched, and the report says how old that copy is.
**Write**: every bill that arrived is written in one transaction, with its
new events; nothing is half-written. **Fire**: campaign steps for the new
events (:mod:`bot.bills.triggers`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

import requests
from sqlalchemy.orm import Session

from bot.bills import congress, openstates, store
from bot.bills.http import DEFAULT_TIMEOUT, ApiClient, ApiError, Service
from bot.bills.ident import BillRef
from bot.bills.records import BillRecord, Hearing
from bot.bills.status import label
from bot.bills.triggers import Firing, fire_steps, record_events
from bot.campaigns.loaded import LoadedCampaign
from bot.config import Mode
from bot.store.db import Database

#: ``progress(label, done, total)``.
Progress = Callable[[str, int, int], None]
MARGIN = timedelta(hours=1)
log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Sources:
    congress_url: str = congress.DEFAULT_URL
    congress_key: str | None = None
    congress_interval: float = congress.DEFAULT_MIN_INTERVAL
    openstates_url: str = openstates.DEFAULT_URL
    openstates_key: str | None = None
    openstates_interval: float = openstates.DEFAULT_MIN_INTERVAL

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Sources:
        return cls(
            congress_url=env.get("CONGRESS_API_URL") or congress.DEFAULT_URL,
            congress_key=env.get("CONGRESS_API_KEY") or None,
            congress_interval=_seconds(
                env, "CONGRESS_API_MIN_INTERVAL", congress.DEFAULT_MIN_INTERVAL
            ),
            openstates_url=env.get("OPENSTATES_API_URL") or openstates.DEFAULT_URL,
            openstates_key=env.get("OPENSTATES_API_KEY") or None,
            openstates_interval=_seconds(
                env, "OPENSTATES_API_MIN_INTERVAL", openstates.DEFAULT_MIN_INTERVAL
            ),
        )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name)
    if not text:
        return default
    try:
        return max(0.0, float(text))
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number of seconds") from None


@dataclass
class BillOutcome:
    key: str
    record: BillRecord | None = None
    """What arrived (None: the source failed)."""
    error: str | None = None
    cached_at: datetime | None = None
    """When the copy in the cache was fetched (before this sync)."""
    changes: list[str] = field(default_factory=list)
    new_events: list[str] = field(default_factory=list)
    kind: str | None = None
    """The failure's kind (see :class:`~bot.bills.http.ApiError`)."""

    def as_dict(self, now: datetime) -> dict[str, object]:
        data: dict[str, object] = {"bill": self.key, "ok": self.error is None}
        if self.record is not None:
            data.update(
                title=self.record.title,
                status=self.record.status,
                current_chamber=self.record.current_chamber,
                committees=[c.id or c.name for c in self.record.current_committees],
                changes=self.changes,
                events=self.new_events,
            )
        if self.error:
            data["error"] = self.error
            data["cached_at"] = self.cached_at.isoformat() if self.cached_at else None
            if self.cached_at:
                data["cache_age_seconds"] = int((now - self.cached_at).total_seconds())
        return data


@dataclass
class SyncReport:
    bills: list[BillOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    firings: list[Firing] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(b.error is None for b in self.bills)


@dataclass
class Clients:
    congress: ApiClient
    openstates: ApiClient

    @classmethod
    def build(
        cls,
        sources: Sources,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        http: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> Clients:
        def client(service: Service, url: str, key: str | None, interval: float) -> ApiClient:
            made = ApiClient(service, url, key, timeout=timeout, min_interval=interval)
            if http is not None:
                made.http = http
            if sleep is not None:
                made.sleep = sleep
            return made

        return cls(
            congress=client(
                congress.SERVICE,
                sources.congress_url,
                sources.congress_key,
                sources.congress_interval,
            ),
            openstates=client(
                openstates.SERVICE,
                sources.openstates_url,
                sources.openstates_key,
                sources.openstates_interval,
            ),
        )


def campaign_bills(campaigns: Iterable[LoadedCampaign]) -> list[BillRef]:
    """Every bill of ``campaigns``, once each, in campaign order."""
    refs: dict[str, BillRef] = {}
    for loaded in campaigns:
        for bill in loaded.campaign.bills:
            refs.setdefault(
                bill.key, BillRef.parse(bill.jurisdiction, bill.session, bill.identifier)
            )
    return list(refs.values())


def sync(
    db: Database,
    refs: list[BillRef],
    *,
    clients: Clients,
    now: datetime,
    full: bool = False,
    campaigns: Iterable[LoadedCampaign] = (),
    mode: Mode = Mode.DRY_RUN,
    progress: Progress | None = None,
) -> SyncReport:
    """Fetch ``refs``, write what arrived in one transaction, then fire ``campaigns``' steps."""
    report = SyncReport()
    tick = progress or (lambda label, done, total: None)
    # No transaction stays open while the network is used: SQLite takes its write lock
    # when a transaction begins, and other processes would wait on it.
    with db.new_session() as session:
        previous = store.load_many(session, [r.key for r in refs])
    for client in (clients.congress, clients.openstates):
        client.cached = lambda url: _read(db, lambda s: store.cached_answer(s, url))
    down: dict[str, BillOutcome] = {}  # a source offline or refusing the key: not tried again
    for index, ref in enumerate(refs):
        tick("bills", index, len(refs))
        earlier = previous.get(ref.key)
        source = "congress.gov" if ref.is_congress else "openstates"
        if source in down:
            failed = down[source]
            cached_at = earlier.fetched_at if earlier else None
            report.bills.append(
                BillOutcome(ref.key, None, failed.error, cached_at, kind=failed.kind)
            )
            continue
        outcome = _fetch(db, clients, ref, earlier, full)
        if outcome.kind in ("auth", "offline", "rate_limit"):
            down[source] = outcome
        report.bills.append(outcome)
    tick("bills", len(refs), len(refs))
    fresh = [b.record for b in report.bills if b.record is not None]
    scans = _hearings(db, clients, fresh, previous, now, report, tick)
    with db.session() as session:
        for outcome in report.bills:
            if outcome.record is None:
                continue
            earlier = previous.get(outcome.key)
            outcome.changes = changes(earlier.record if earlier else None, outcome.record)
            store.save(session, outcome.record, now)
            outcome.new_events = [e.key for e in record_events(session, outcome.record, now)]
        for client in (clients.congress, clients.openstates):
            store.save_answers(session, client.fresh_answers, now)
        for scope in scans:
            store.record_scan(session, scope, now)
    report.requests = {
        "congress.gov": clients.congress.requests_made,
        "openstates": clients.openstates.requests_made,
    }
    for loaded in campaigns:
        try:
            report.firings += fire_steps(db, [loaded], mode=mode, now=now)
        except Exception as exc:  # one campaign's steps must not stop the others
            log.exception("steps of campaign %s failed", loaded.campaign.id)
            report.notes.append(f"steps of {loaded.campaign.id} not fired: {exc}")
    return report


def _read(db: Database, query: Callable[[Session], T]) -> T:
    """Run a read in a short transaction of its own."""
    with db.new_session() as session:
        try:
            return query(session)
        finally:
            session.rollback()


def _fetch(
    db: Database, clients: Clients, ref: BillRef, earlier: store.Cached | None, full: bool
) -> BillOutcome:
    outcome = BillOutcome(ref.key, cached_at=earlier.fetched_at if earlier else None)
    source = "Congress.gov" if ref.is_congress else "Open States"
    try:
        if ref.is_congress:
            outcome.record = congress.fetch(
                clients.congress, ref, earlier.record if earlier else None, full=full
            )
        else:
            raw = openstates.fetch(clients.openstates, ref)
            outcome.record = openstates.build(ref, raw, committee_lookup(db, ref.jurisdiction))
        if earlier is not None and outcome.record.hearings == []:
            outcome.record.hearings = list(earlier.record.hearings)
    except ApiError as exc:
        outcome.error, outcome.kind = str(exc), exc.kind
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        outcome.error = (
            f"{source} sent a malformed answer for {ref.key}: {type(exc).__name__}: {exc}"
        )
    return outcome


def committee_lookup(db: Database, jurisdiction: str) -> openstates.CommitteeLookup:
    from bot.directory.match import find_committees

    def lookup(name: str, chamber: str | None) -> str | None:
        chambers = (chamber,) if chamber else None
        ids = _read(
            db,
            lambda s: [
                c.id for c in find_committees(s, name, (jurisdiction,), chambers).committees
            ],
        )
        return ids[0] if len(ids) == 1 else None

    return lookup


def _hearings(
    db: Database,
    clients: Clients,
    records: list[BillRecord],
    previous: dict[str, store.Cached],
    now: datetime,
    report: SyncReport,
    tick: Progress,
) -> list[str]:
    """Attach upcoming hearings to ``records``; return the scopes scanned."""
    scanned: list[str] = []
    by_scope: dict[str, list[BillRecord]] = {}
    for record in records:
        if record.source == "congress.gov" and record.current_chamber in ("house", "senate"):
            scope = f"congress.gov:{record.session}:{record.current_chamber}"
        elif record.source == "openstates":
            scope = f"openstates:{record.jurisdiction}"
        else:
            continue
        by_scope.setdefault(scope, []).append(record)
    for done, (scope, group) in enumerate(by_scope.items()):
        tick("hearings", done, len(by_scope))
        try:
            if scope.startswith("congress.gov:"):
                _congress_hearings(db, clients.congress, scope, group, previous, now)
            else:
                _state_hearings(db, clients.openstates, scope, group, now)
        except ApiError as exc:
            report.notes.append(f"hearings not checked ({scope}): {exc}")
            continue
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            report.notes.append(
                f"hearings not checked ({scope}): a malformed answer: {type(exc).__name__}: {exc}"
            )
            continue
        scanned.append(scope)
    tick("hearings", len(by_scope), len(by_scope))
    return scanned


def _congress_hearings(
    db: Database,
    client: ApiClient,
    scope: str,
    group: list[BillRecord],
    previous: dict[str, store.Cached],
    now: datetime,
) -> None:
    _, session_text, chamber = scope.split(":")
    last = _read(db, lambda s: store.last_scan(s, scope))
    new_bill = any(r.key not in previous for r in group)
    since = now - congress.FIRST_SCAN if last is None or new_bill else last - MARGIN
    wanted: dict[tuple[int, str, int], str] = {}
    for record in group:
        ref = BillRef.from_key(record.key)
        assert ref.congress is not None and ref.type is not None and ref.number is not None
        wanted[(ref.congress, ref.type, ref.number)] = record.key
    found = congress.scan_meetings(client, int(session_text), chamber, since, wanted)
    for record in group:
        kept: dict[str, Hearing] = {h.id: h for h in record.hearings if h.day >= now.date()}
        for hearing in found.get(record.key, []):
            kept[hearing.id] = hearing
        record.hearings = sorted(kept.values(), key=lambda h: (h.day, h.id))


def _state_hearings(
    db: Database, client: ApiClient, scope: str, group: list[BillRecord], now: datetime
) -> None:
    state = scope.split(":", 1)[1]
    events = openstates.scan_events(client, state, now.date() - timedelta(days=1))
    lookup = committee_lookup(db, state)
    for record in group:
        ref = BillRef.from_key(record.key)
        record.hearings = openstates.hearings_for(events, ref, lookup)


def changes(before: BillRecord | None, after: BillRecord) -> list[str]:
    """What changed since the cached copy, in words."""
    if before is None:
        return [f"new: {label(after)}"]
    found = []
    if before.status != after.status or before.current_chamber != after.current_chamber:
        found.append(f"{label(before)} → {label(after)}")
    elif {c.id for c in before.current_committees} != {c.id for c in after.current_committees}:
        found.append(f"committee: {label(before)} → {label(after)}")
    old = {s.person_id for s in before.sponsors if s.role == "cosponsor" and s.supports}
    new = {s.person_id for s in after.sponsors if s.role == "cosponsor" and s.supports}
    if old != new:
        found.append(f"cosponsors {len(old)} → {len(new)}")
    withdrew = {s.person_id for s in after.sponsors if s.withdrawn} - {
        s.person_id for s in before.sponsors if s.withdrawn
    }
    if withdrew:
        names = [s.name for s in after.sponsors if s.person_id in withdrew]
        found.append("withdrew: " + ", ".join(names))
    if len(after.actions) > len(before.actions) and after.latest_action:
        found.append(f"latest action: {after.latest_action.date} {after.latest_action.text}")
    return found
