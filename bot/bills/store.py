"""The bill cache in the database: write a synced bill, read what is known, say how old it is."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.bills.http import CachedAnswer
from bot.bills.models import BillCommittee, BillHttpCache, BillRow, BillScan, BillSponsor
from bot.bills.records import BillRecord

#: Bill data older than this is called stale in notes.
STALE_AFTER = timedelta(days=2)


@dataclass
class Cached:
    record: BillRecord
    fetched_at: datetime

    def age(self, now: datetime) -> timedelta:
        return now - self.fetched_at

    def describe_age(self, now: datetime) -> str:
        """``fetched 2026-03-01 14:00 UTC (3 days ago)``."""
        return f"fetched {self.fetched_at:%Y-%m-%d %H:%M} UTC ({human_age(self.age(now))} ago)"


def human_age(age: timedelta) -> str:
    seconds = max(0, int(age.total_seconds()))
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 7200:
        return f"{seconds // 60} minutes"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} hours"
    return f"{seconds // 86400} days"


def save(session: Session, record: BillRecord, fetched_at: datetime) -> None:
    """Replace the cached copy of ``record``'s bill (sponsors and committees as rows too)."""
    row = session.get(BillRow, record.key)
    if row is None:
        row = BillRow(key=record.key)
        session.add(row)
    row.jurisdiction = record.jurisdiction
    row.session = record.session
    row.identifier = record.identifier
    row.source = record.source
    row.source_id = record.source_id
    row.title = record.title
    row.status = record.status
    row.status_date = record.status_date
    row.current_chamber = record.current_chamber
    row.remote_updated = record.updated
    row.fetched_at = fetched_at
    row.data = json.dumps(record.as_dict(), ensure_ascii=False, sort_keys=True)
    session.flush()
    session.execute(delete(BillSponsor).where(BillSponsor.bill_key == record.key))
    session.execute(delete(BillCommittee).where(BillCommittee.bill_key == record.key))
    session.add_all(
        BillSponsor(
            bill_key=record.key,
            role=s.role,
            person_id=s.person_id,
            name=s.name[:200],
            since=s.since,
            withdrawn=s.withdrawn,
            original=s.original,
        )
        for s in record.sponsors
    )
    session.add_all(
        BillCommittee(
            bill_key=record.key,
            committee_id=c.id,
            name=c.name[:300],
            chamber=c.chamber,
            referred=c.referred,
            current=c.current,
        )
        for c in record.committees
    )
    session.flush()


def load(session: Session, key: str) -> Cached | None:
    row = session.get(BillRow, key)
    if row is None:
        return None
    return Cached(BillRecord.from_dict(json.loads(row.data)), row.fetched_at)


def load_many(session: Session, keys: list[str]) -> dict[str, Cached]:
    if not keys:
        return {}
    rows = session.scalars(select(BillRow).where(BillRow.key.in_(keys)))
    return {r.key: Cached(BillRecord.from_dict(json.loads(r.data)), r.fetched_at) for r in rows}


def fetched(session: Session, keys: list[str]) -> dict[str, datetime]:
    """When each cached bill was fetched (bills never synced are absent)."""
    if not keys:
        return {}
    rows = session.execute(select(BillRow.key, BillRow.fetched_at).where(BillRow.key.in_(keys)))
    return {key: when for key, when in rows}


def all_keys(session: Session) -> list[str]:
    return list(session.scalars(select(BillRow.key).order_by(BillRow.key)))


def cached_answer(session: Session, url: str) -> CachedAnswer | None:
    row = session.get(BillHttpCache, url)
    return None if row is None else CachedAnswer(row.body, row.etag, row.last_modified)


def save_answers(session: Session, answers: dict[str, CachedAnswer], now: datetime) -> None:
    for url, answer in answers.items():
        row = session.get(BillHttpCache, url) or BillHttpCache(url=url)
        row.etag, row.last_modified, row.body = answer.etag, answer.last_modified, answer.body
        row.fetched_at = now
        session.add(row)
    session.flush()


def last_scan(session: Session, scope: str) -> datetime | None:
    row = session.get(BillScan, scope)
    return None if row is None else row.scanned_at


def record_scan(session: Session, scope: str, when: datetime) -> None:
    row = session.get(BillScan, scope) or BillScan(scope=scope)
    row.scanned_at = when
    session.add(row)
    session.flush()
