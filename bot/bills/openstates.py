"""Open States API v3: a state bill with its sponsorships and actions; committee events.

Endpoints (``<base>`` is ``OPENSTATES_API_URL``, default ``https://v3.openstates.org``),
answering the models of ``api/schemas.py`` in the openstates/api-v3 repository:

``<base>/bills/{state}/{session}/{identifier}?include=sponsorships&include=actions``
    one ``Bill``: ``title``, ``from_organization``, ``updated_at``, ``sponsorships``
    (``person`` is a ``CompactPerson`` with its ``ocd-person/...`` id, ``primary``,
    ``classification``) and ``actions`` (``organization``, ``date``,
    ``classification`` such as ``referral-committee`` or ``passage``,
    ``related_entities`` naming committees)
``<base>/events?jurisdiction={state}&require_bills=true&after={day}&include=agenda&include=participants``
    upcoming events (``pagination``: ``page``/``max_page``), each with agenda items whose
    ``related_entities`` name bills, and participants naming committees

Open States gives sponsors without dates or withdrawals. Committees are named
by their ``ocd-organization/...`` id when the API links them, else by name,
matched against the directory's committees of that state and chamber.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from bot.bills.http import ApiClient, ApiError, Service
from bot.bills.ident import BillRef, split_identifier
from bot.bills.records import Action, BillRecord, CommitteeRef, Hearing, Sponsor
from bot.bills.status import current_from_actions, derive

SERVICE = Service(
    name="Open States",
    key_env="OPENSTATES_API_KEY",
    key_header="X-API-KEY",
    signup="https://openstates.org/accounts/signup/ (then copy it from your profile page)",
)
DEFAULT_URL = "https://v3.openstates.org"
#: One request every 6 s keeps under the free tier's 10 a minute.
DEFAULT_MIN_INTERVAL = 6.0
EVENT_PAGE_SIZE = 20
MAX_PAGES = 50

#: Every Open States action classification (openstates-core's
#: ``BILL_ACTION_CLASSIFICATIONS``) → the bot's action kinds; ``()``: noted, no change.
#: ``referral`` counts as a referral only when it names a committee. A classification
#: not listed here (a new one) is kept in the action's text and changes nothing.
#: docs/bills.md has the table.
KINDS: dict[str, tuple[str, ...]] = {
    "filing": ("introduced",),
    "introduction": ("introduced",),
    "enrolled": (),
    "reading-1": (),
    "reading-2": (),
    "reading-3": (),
    "receipt": ("received",),
    "referral-committee": ("referred",),
    "referral": ("referred",),
    "committee-passage": ("reported",),
    "committee-passage-favorable": ("reported",),
    "committee-passage-unfavorable": ("reported_unfavorably",),
    "committee-failure": ("failed_committee",),
    "passage": ("passed",),
    "failure": ("failed",),
    "withdrawal": ("withdrawn",),
    "substitution": (),
    "amendment-introduction": (),
    "amendment-passage": (),
    "amendment-withdrawal": (),
    "amendment-failure": (),
    "amendment-amendment": (),
    "amendment-deferral": (),
    "deferral": ("deferred",),
    "executive-receipt": ("presented",),
    "executive-signature": ("signed",),
    "became-law": ("signed",),
    "executive-veto": ("vetoed",),
    "executive-veto-line-item": ("line_item_veto",),
    "veto-override-passage": ("override_passed",),
    "veto-override-failure": ("override_failed",),
}
CHAMBERS = {
    "upper": "senate",
    "lower": "house",
    "legislature": "legislature",
    "executive": "executive",
}

#: ``lookup(name, chamber)`` → the directory's committee id for a committee named in the data.
CommitteeLookup = Callable[[str, str | None], str | None]


def malformed(what: str) -> ApiError:
    return ApiError(f"Open States sent a malformed answer: {what}", kind="malformed")


def fetch(client: ApiClient, ref: BillRef) -> dict[str, Any]:
    """The raw bill, with sponsorships and actions."""
    path = f"bills/{quote(ref.jurisdiction)}/{quote(ref.session, safe='')}/{quote(ref.identifier)}"
    return client.get_json(path, {"include": ["sponsorships", "actions"]})


def build(ref: BillRef, raw: dict[str, Any], lookup: CommitteeLookup) -> BillRecord:
    """A :class:`BillRecord` from an Open States ``Bill``."""
    title, bill_id = raw.get("title"), raw.get("id")
    if not isinstance(title, str) or not isinstance(bill_id, str):
        raise malformed(f"bill {ref.key} has no title or id")
    origin = _chamber(raw.get("from_organization"))
    record = BillRecord(
        key=ref.key,
        jurisdiction=ref.jurisdiction,
        session=ref.session,
        identifier=ref.identifier,
        source="openstates",
        source_id=bill_id,
        title=title.strip(),
        url=raw.get("openstates_url"),
        origin_chamber=origin,
        introduced=_day(raw.get("first_action_date")),
        updated=str(raw["updated_at"]) if raw.get("updated_at") else None,
        one_chamber="resolution" in (raw.get("classification") or [])
        and "concurrent" not in " ".join(raw.get("classification") or []),
    )
    sponsorships = raw.get("sponsorships")
    actions = raw.get("actions")
    if not isinstance(sponsorships, list) or not isinstance(actions, list):
        raise malformed(f"bill {ref.key} lacks 'sponsorships' or 'actions' (asked to include them)")
    record.sponsors = [_sponsor(s) for s in sponsorships]
    names: dict[str, tuple[str, str | None]] = {}
    record.actions = _actions(actions, lookup, names)
    if record.introduced is None and record.actions:
        record.introduced = record.actions[0].date
    current = current_from_actions(record.actions)
    referred: dict[str, date] = {}
    for action in record.actions:
        if "referred" in action.kinds:
            for committee in action.committees:
                referred.setdefault(committee, action.date)
    record.committees = [
        CommitteeRef(
            name=names[ident][0],
            id=ident if not ident.startswith("name:") else None,
            chamber=names[ident][1],
            referred=day,
            current=ident in current.get(names[ident][1] or "?", []),
        )
        for ident, day in referred.items()
    ]
    return derive(record)


def _sponsor(item: Any) -> Sponsor:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise malformed(f"a sponsorship without a name: {str(item)[:120]}")
    person = item.get("person") if isinstance(item.get("person"), dict) else None
    role = (person or {}).get("current_role") or {}
    primary = bool(item.get("primary")) or item.get("classification") == "primary"
    return Sponsor(
        name=str((person or {}).get("name") or item["name"]),
        role="sponsor" if primary else "cosponsor",
        person_id=(person or {}).get("id"),
        party=(person or {}).get("party"),
        district=None if role.get("district") in (None, "") else str(role.get("district")),
    )


def _actions(
    items: list[Any], lookup: CommitteeLookup, names: dict[str, tuple[str, str | None]]
) -> list[Action]:
    rows: list[tuple[date, int, Action]] = []
    for item in items:
        if not isinstance(item, dict):
            raise malformed(f"an action that is not an object: {str(item)[:120]}")
        day = _day(item.get("date"))
        if day is None:
            raise malformed(f"an action without a date: {str(item)[:120]}")
        chamber = _chamber(item.get("organization"))
        classes = item.get("classification") or []
        if not isinstance(classes, list):
            raise malformed(f"an action whose classification is not a list: {str(item)[:120]}")
        committees = []
        for entity in item.get("related_entities") or []:
            ident = _committee(entity, chamber, lookup, names)
            if ident:
                committees.append(ident)
        kinds = action_kinds([str(c) for c in classes], bool(committees))
        given = item.get("order")
        order = given if isinstance(given, int) else len(rows)
        action = Action(day, str(item.get("description") or ""), chamber, kinds, tuple(committees))
        rows.append((day, order, action))
    return [a for *_, a in sorted(rows, key=lambda r: (r[0], r[1]))]


def action_kinds(classification: list[str], names_committee: bool) -> tuple[str, ...]:
    """The bot's kinds for an action with these Open States classifications."""
    kinds: list[str] = []
    for name in classification:
        if name == "referral" and not names_committee:
            continue  # referred to a calendar or a reading: not a committee
        kinds += KINDS.get(name, ())
    return tuple(dict.fromkeys(kinds))


def _committee(
    entity: Any,
    chamber: str | None,
    lookup: CommitteeLookup,
    names: dict[str, tuple[str, str | None]],
) -> str | None:
    if not isinstance(entity, dict) or entity.get("entity_type") != "organization":
        return None
    found = entity.get("organization")
    org: dict[str, Any] = found if isinstance(found, dict) else {}
    if org.get("classification") in ("upper", "lower", "legislature", "executive"):
        return None
    name = str(org.get("name") or entity.get("name") or "").strip()
    ident = org.get("id") or (lookup(name, chamber) if name else None)
    if not ident and not name:
        return None
    key = str(ident) if ident else f"name:{name}"
    names.setdefault(key, (name or key, chamber))
    return key


def _chamber(org: Any) -> str | None:
    if isinstance(org, dict):
        return CHAMBERS.get(str(org.get("classification")))
    return None


def _day(value: object) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise malformed(f"{value!r} is not a date") from None


# -- events (hearings) ----------------------------------------------------------------------

#: Event statuses that mean it will not take place.
DEAD_EVENTS = frozenset({"cancelled", "canceled"})


def scan_events(
    client: ApiClient, state: str, after: date, progress: Callable[[], None] = lambda: None
) -> list[dict[str, Any]]:
    """Upcoming events of ``state`` that list bills, every page."""
    events: list[dict[str, Any]] = []
    page, last = 1, 1
    while page <= last:
        data = client.get_json(
            "events",
            {
                "jurisdiction": state,
                "require_bills": "true",
                "after": after.isoformat(),
                "include": ["agenda", "participants"],
                "per_page": EVENT_PAGE_SIZE,
                "page": page,
            },
        )
        results, pagination = data.get("results"), data.get("pagination")
        if not isinstance(results, list) or not isinstance(pagination, dict):
            raise malformed("events: no 'results' list or 'pagination'")
        events.extend(r for r in results if isinstance(r, dict))
        progress()
        try:
            last = min(int(pagination.get("max_page", 1)), MAX_PAGES)
        except (TypeError, ValueError):
            raise malformed("events: pagination.max_page is not a number") from None
        page += 1
    return events


def hearings_for(
    events: list[dict[str, Any]], ref: BillRef, lookup: CommitteeLookup
) -> list[Hearing]:
    """The events whose agenda lists the bill."""
    found = []
    for event in events:
        if event.get("deleted") or not _lists(event, ref):
            continue
        raw = str(event.get("start_date") or "")
        try:
            day = date.fromisoformat(raw[:10])
        except ValueError:
            raise malformed(f"event {event.get('id')} has no valid start_date ({raw!r})") from None
        starts = None
        if len(raw) > 10:
            try:
                parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
                starts = parsed if parsed.tzinfo else None
            except ValueError:
                starts = None
        ids, names = [], []
        for participant in event.get("participants") or []:
            if isinstance(participant, dict) and participant.get("entity_type") == "organization":
                org = participant.get("organization") or {}
                name = str(org.get("name") or participant.get("name") or "")
                ident = org.get("id") or lookup(name, None)
                if ident:
                    ids.append(str(ident))
                if name:
                    names.append(name)
        location = event.get("location") or {}
        found.append(
            Hearing(
                id=str(event.get("id")),
                day=day,
                starts=starts,
                title=str(event.get("name") or "Committee hearing"),
                committees=tuple(ids),
                committee_names=tuple(names),
                location=location.get("name") if isinstance(location, dict) else None,
                url=(event.get("links") or [{}])[0].get("url") if event.get("links") else None,
                status=str(event.get("status") or "scheduled").lower(),
            )
        )
    return found


def _lists(event: dict[str, Any], ref: BillRef) -> bool:
    for item in event.get("agenda") or []:
        for entity in (item or {}).get("related_entities") or []:
            bill = (entity or {}).get("bill") if isinstance(entity, dict) else None
            if not isinstance(bill, dict) or str(bill.get("session")) != ref.session:
                continue
            try:
                prefix, number = split_identifier(str(bill.get("identifier") or ""))
            except ValueError:
                continue
            if f"{prefix} {number}" == ref.identifier:
                return True
    return False
