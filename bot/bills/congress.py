"""Congress.gov API v3: a bill, its actions, committees and cosponsors; committee meetings.

Endpoints (``<base>`` is ``CONGRESS_API_URL``, default ``https://api.congress.gov/v3``):

``<base>/bill/{congress}/{type}/{number}``              title, sponsors, origin chamber,
                                                        ``updateDate`` and the count of each list
``<base>/bill/{congress}/{type}/{number}/actions``      every action (paged)
``<base>/bill/{congress}/{type}/{number}/committees``   committees and their activities (paged)
``<base>/bill/{congress}/{type}/{number}/cosponsors``   with ``sponsorshipDate`` and
                                                        ``sponsorshipWithdrawnDate`` (paged)
``<base>/committee-meeting/{congress}/{chamber}``       meetings updated since a time (paged),
``<base>/committee-meeting/{congress}/{chamber}/{id}``  each with its date, status and bills

Lists are paged with ``offset``/``limit`` (at most 250) and answer a
``pagination`` object whose ``next`` is the following page's URL; it is
followed (re-based on the configured base URL) until there is none.

When the bill's ``updateDate`` and a list's count are what the cache holds,
that list is not fetched again (``bills sync --full`` fetches everything).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bot.bills.http import ApiClient, ApiError, Service
from bot.bills.ident import NO_PRESIDENT_TYPES, ONE_CHAMBER_TYPES, BillRef
from bot.bills.records import Action, BillRecord, CommitteeRef, Hearing, Sponsor
from bot.bills.status import derive

SERVICE = Service(
    name="Congress.gov",
    key_env="CONGRESS_API_KEY",
    key_header="X-Api-Key",
    signup="https://api.congress.gov/sign-up/",
)
DEFAULT_URL = "https://api.congress.gov/v3"
#: One request every 0.75 s keeps under 5,000 an hour.
DEFAULT_MIN_INTERVAL = 0.75
PAGE_SIZE = 250
MAX_PAGES = 200

_WEB_TYPES = {
    "hr": "house-bill",
    "s": "senate-bill",
    "hjres": "house-joint-resolution",
    "sjres": "senate-joint-resolution",
    "hconres": "house-concurrent-resolution",
    "sconres": "senate-concurrent-resolution",
    "hres": "house-resolution",
    "sres": "senate-resolution",
}


def malformed(what: str) -> ApiError:
    return ApiError(f"Congress.gov sent a malformed answer: {what}", kind="malformed")


def rebase(client: ApiClient, url: str) -> str:
    """A ``next`` URL from the API, moved onto the configured base URL."""
    parts = urlsplit(url)
    path = parts.path
    base_path = urlsplit(client.base_url).path.rstrip("/")
    for prefix in (base_path, "/v3"):
        if prefix and path.startswith(prefix + "/"):
            path = path[len(prefix) :]
            break
    return client.url(path + (f"?{parts.query}" if parts.query else ""))


def paged(
    client: ApiClient, path: str, key: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every item of a paged list, following ``pagination.next``."""
    query = {"format": "json", "offset": 0, "limit": PAGE_SIZE, **(params or {})}
    url = client.url(path, query)
    items: list[dict[str, Any]] = []
    seen = {url}
    expected: int | None = None
    for _ in range(MAX_PAGES):
        data = client.get_json(url)
        page = data.get(key)
        if not isinstance(page, list) or not all(isinstance(i, dict) for i in page):
            raise malformed(f"{path} has no '{key}' list")
        items.extend(page)
        found = data.get("pagination")
        pagination: dict[str, Any] = found if isinstance(found, dict) else {}
        if expected is None:
            total = pagination.get("total", pagination.get("count"))
            expected = total if isinstance(total, int) else None
        following = pagination.get("next")
        if not following or not page:
            break
        url = rebase(client, str(following))
        if url in seen:
            raise malformed(f"{path}: pagination.next goes round in a circle")
        seen.add(url)
    else:
        raise malformed(f"{path}: more than {MAX_PAGES} pages")
    if expected is not None and len(items) < expected:
        raise malformed(f"{path}: {len(items)} of {expected} items arrived")
    return items


def fetch(
    client: ApiClient, ref: BillRef, previous: BillRecord | None = None, *, full: bool = False
) -> BillRecord:
    """The bill from Congress.gov (lists the cache already holds unchanged are reused)."""
    detail = client.get_json(ref.congress_path, {"format": "json"})
    bill = detail.get("bill")
    if not isinstance(bill, dict):
        raise malformed(f"{ref.congress_path} has no 'bill' object")
    counts = {
        "actions": list_count(bill, "actions"),
        "committees": list_count(bill, "committees"),
        "cosponsors": list_count(bill, "cosponsors", "countIncludingWithdrawnCosponsors"),
    }
    reuse = (
        previous is not None
        and not full
        and previous.source == "congress.gov"
        and previous.updated is not None
        and previous.updated == bill.get("updateDate")
    )
    lists: dict[str, list[dict[str, Any]] | None] = {}
    for name in ("actions", "committees", "cosponsors"):
        known = previous.counts.get(name) if reuse and previous is not None else None
        if known is not None and known == counts[name]:
            lists[name] = None  # unchanged: keep the cached part
        else:
            lists[name] = paged(client, f"{ref.congress_path}/{name}", name)
    return build(ref, bill, lists, counts, previous)


def list_count(bill: dict[str, Any], name: str, field: str = "count") -> int | None:
    part = bill.get(name)
    if isinstance(part, dict):
        value = part.get(field, part.get("count"))
        return value if isinstance(value, int) else None
    return None


def build(
    ref: BillRef,
    bill: dict[str, Any],
    lists: dict[str, list[dict[str, Any]] | None],
    counts: dict[str, int | None],
    previous: BillRecord | None = None,
) -> BillRecord:
    """A :class:`BillRecord` from Congress.gov's answers (``None`` list: reuse ``previous``)."""
    title = bill.get("title")
    if not isinstance(title, str) or not title.strip():
        raise malformed(f"{ref.congress_path} has no title")
    origin = _chamber(bill.get("originChamber"))
    assert ref.type is not None
    record = BillRecord(
        key=ref.key,
        jurisdiction="us",
        session=ref.session,
        identifier=ref.identifier,
        source="congress.gov",
        source_id=f"{ref.congress}/{ref.type}/{ref.number}",
        title=title.strip(),
        url=f"https://www.congress.gov/bill/{_ordinal(ref.congress or 0)}-congress/"
        f"{_WEB_TYPES[ref.type]}/{ref.number}",
        origin_chamber=origin or ("senate" if ref.type.startswith("s") else "house"),
        introduced=_day(bill.get("introducedDate")),
        updated=str(bill["updateDate"]) if bill.get("updateDate") else None,
        one_chamber=ref.type in ONE_CHAMBER_TYPES,
        needs_executive=ref.type not in NO_PRESIDENT_TYPES,
        counts={k: v for k, v in counts.items() if v is not None},
    )
    sponsors = bill.get("sponsors") or []
    if not isinstance(sponsors, list):
        raise malformed(f"{ref.congress_path}: 'sponsors' is not a list")
    record.sponsors = [_sponsor(s, "sponsor", record.introduced) for s in sponsors]
    cached = previous if previous is not None else BillRecord("", "", "", "", "", "", "")
    if lists["cosponsors"] is None:
        record.sponsors += [s for s in cached.sponsors if s.role == "cosponsor"]
    else:
        record.sponsors += [_sponsor(s, "cosponsor", None) for s in lists["cosponsors"]]
    if lists["actions"] is None:
        record.actions = list(cached.actions)
    else:
        record.actions = _actions(lists["actions"])
    if lists["committees"] is None:
        record.committees = list(cached.committees)
    else:
        record.committees = _committees(lists["committees"])
    if bill.get("laws") and not any("signed" in a.kinds for a in record.actions):
        law = bill["laws"][0] if isinstance(bill["laws"][0], dict) else {}
        text = f"Became Public Law {law.get('number', '')}".strip()
        latest = _day((bill.get("latestAction") or {}).get("actionDate")) or record.introduced
        if latest is not None:
            record.actions.append(Action(latest, text, "executive", ("signed",)))
    return derive(record)


def _sponsor(item: dict[str, Any], role: str, since: date | None) -> Sponsor:
    bioguide = item.get("bioguideId")
    if not isinstance(bioguide, str) or not bioguide:
        raise malformed(f"a {role} without a bioguideId: {str(item)[:120]}")
    district = item.get("district")
    return Sponsor(
        name=str(item.get("fullName") or bioguide),
        role=role,
        person_id=bioguide,
        since=_day(item.get("sponsorshipDate")) or since,
        withdrawn=_day(item.get("sponsorshipWithdrawnDate")),
        original=item.get("isOriginalCosponsor"),
        party=item.get("party"),
        state=item.get("state"),
        district=None if district is None else str(district),
    )


def _actions(items: list[dict[str, Any]]) -> list[Action]:
    """Oldest first (Congress.gov lists the newest first)."""
    actions = []
    for index, item in enumerate(items):
        day = _day(item.get("actionDate"))
        if day is None:
            raise malformed(f"an action without an actionDate: {str(item)[:120]}")
        actions.append((day, item.get("actionTime") or "", -index, parse_action(item, day)))
    return [a for *_, a in sorted(actions, key=lambda t: t[:3])]


@dataclass(frozen=True)
class Code:
    """What one Congress.gov action code means to the bot."""

    kinds: tuple[str, ...]
    """Action kinds (:data:`~bot.bills.records.ACTION_KINDS`); empty: noted, no change."""
    chamber: str | None
    description: str
    """Congress.gov's own name for the code."""


#: The Library of Congress action codes (``sourceSystem`` 9), from Congress.gov's
#: authoritative list (https://www.congress.gov/help/field-values/action-codes), plus the
#: ``Intro-H``/``Intro-S`` and ``E`` codes seen in real answers. docs/bills.md has the table.
ACTION_CODES: dict[str, Code] = {
    "1000": Code(("introduced",), "house", "Introduced in House"),
    "Intro-H": Code(("introduced",), "house", "Introduced in House"),
    "2000": Code(("referred",), "house", "Referred to House committee"),
    "3000": Code(("referred",), "house", "Referred to House subcommittee"),
    "4000": Code((), "house", "House committee/subcommittee actions"),
    "4100": Code(("hearing",), "house", "House committee/subcommittee hearings"),
    "4200": Code((), "house", "House committee/subcommittee markups"),
    "4900": Code((), "house", "House committee time extension"),
    "4950": Code(("discharge_petition",), "house", "House discharge petition filed"),
    "5000": Code(("reported",), "house", "Reported to House"),
    "5500": Code(("discharged",), "house", "House committee discharged"),
    "7000": Code((), "house", "House floor actions"),
    "8000": Code(("passed",), "house", "Passed/agreed to in House"),
    "9000": Code(("failed",), "house", "Failed of passage/not agreed to in House"),
    "10000": Code(("introduced",), "senate", "Introduced in Senate"),
    "Intro-S": Code(("introduced",), "senate", "Introduced in Senate"),
    "11000": Code(("referred",), "senate", "Referred to Senate committee"),
    "12000": Code(("referred",), "senate", "Referred to Senate subcommittee"),
    "13000": Code((), "senate", "Senate committee/subcommittee actions"),
    "13100": Code(("hearing",), "senate", "Senate committee/subcommittee hearings"),
    "13200": Code((), "senate", "Senate committee/subcommittee markups"),
    "13900": Code((), "senate", "Senate committee time extension"),
    "14000": Code(("reported",), "senate", "Reported to Senate"),
    "14500": Code(("discharged",), "senate", "Senate committee discharged"),
    "14900": Code((), "senate", "Senate committee report filed after reporting"),
    "16000": Code((), "senate", "Senate floor actions"),
    "17000": Code(("passed",), "senate", "Passed/agreed to in Senate"),
    "18000": Code(("failed",), "senate", "Failed of passage/not agreed to in Senate"),
    "19000": Code((), "house", "Resolving differences -- House actions"),
    "19500": Code((), "house", "Resolving differences -- House actions (as sent)"),
    "20000": Code((), "senate", "Resolving differences -- Senate actions"),
    "20500": Code((), "senate", "Resolving differences -- Senate actions (as sent)"),
    "20800": Code((), None, "Conference committee actions"),
    "20900": Code((), None, "Conference report filed"),
    "21000": Code((), "house", "Conference report agreed to in House"),
    "22000": Code((), "house", "Conference report disagreed to in House"),
    "23000": Code((), "senate", "Conference report agreed to in Senate"),
    "24000": Code((), "senate", "Conference report disagreed to in Senate"),
    "25000": Code((), "house", "Roll call votes on measures in House"),
    "26000": Code((), "senate", "Roll call votes on measures in Senate"),
    "28000": Code(("presented",), "executive", "Presented to President"),
    "E20000": Code(("presented",), "executive", "Presented to President"),
    "29000": Code(("signed",), "executive", "Signed by President"),
    "E30000": Code(("signed",), "executive", "Signed by President"),
    "29100": Code(("signed",), "executive", "Sent to Archivist unsigned by President"),
    "30000": Code(("vetoed", "pocket_veto"), "executive", "Pocket vetoed by President"),
    "31000": Code(("vetoed",), "executive", "Vetoed by President"),
    "32000": Code(("override_passed",), "house", "Passed House over veto"),
    "33000": Code(("override_failed",), "house", "Failed of passage in House over veto"),
    "34000": Code(("override_passed",), "senate", "Passed Senate over veto"),
    "35000": Code(("override_failed",), "senate", "Failed of passage in Senate over veto"),
    "36000": Code(("signed",), "executive", "Became Public Law"),
    "E40000": Code(("signed",), "executive", "Became Public Law"),
    "37000": Code(("signed",), "executive", "Public Law signed by President"),
    "38000": Code(("signed",), "executive", "Public Law unsigned by President"),
    "39000": Code(("signed",), "executive", "Public Law enacted over veto"),
    "40000": Code(("signed",), "executive", "Public Law by other means"),
    "41000": Code(("signed",), "executive", "Became Private Law"),
    "42000": Code(("signed",), "executive", "Private Law signed by President"),
    "43000": Code(("signed",), "executive", "Private Law unsigned by President"),
    "44000": Code(("signed",), "executive", "Private Law enacted over veto"),
    "45000": Code(("signed",), "executive", "Private Law by other means"),
    "46000": Code(("line_item_veto",), "executive", "Line item veto by President"),
    "47000": Code((), "house", "Disapproval bill in House"),
    "48000": Code((), "senate", "Disapproval bill in Senate"),
}
#: Amendment codes (71000-97000) are about amendments, not the bill's stage: no kind.
AMENDMENT_CODES = range(71000, 98000)

_REPORTED = re.compile(r"(?:^|[.:]\s*)reported\b", re.IGNORECASE)
_ADVERSE = re.compile(r"\b(?:adversely|unfavorabl[ey])\b", re.IGNORECASE)


def action_kinds(item: dict[str, Any]) -> tuple[tuple[str, ...], str | None, str]:
    """(kinds, chamber, how) of one Congress.gov action; ``how`` is ``code``, ``type`` or ``text``.

    The Library of Congress ``actionCode`` decides where it is in :data:`ACTION_CODES`
    (an amendment code, or one the table does not know, means no kind). An action
    without one (the Senate's own entries carry none; the House's ``H...`` codes have no
    authoritative list) is read from its ``type``: ``IntroReferral`` naming committees
    is a referral, ``BecameLaw`` is law; and, only where the action carries no code at
    all, from the start of its text for the types that need it (``President``, ``Veto``,
    ``Committee``, ``Discharge``, ``Floor``, ``IntroReferral``). ``Discharge`` actions are
    read from their text even with a House code: the House files discharge petitions
    under its own codes, and only the text tells a petition from a discharge. A report
    whose text says ``adversely`` or ``unfavorably`` is an unfavourable report, coded or not.
    """
    text = " ".join(str(item.get("text") or "").split())
    low = text.lower()
    kind = str(item.get("type") or "")
    code = str(item.get("actionCode") or "").strip()
    named = bool(item.get("committees"))
    if code in ACTION_CODES:
        found = ACTION_CODES[code]
        kinds = found.kinds
        if "reported" in kinds and _ADVERSE.search(text):
            kinds = ("reported_unfavorably",)
        return kinds, found.chamber, "code"
    if code.isdigit() and int(code) in AMENDMENT_CODES:
        return (), None, "code"
    kinds_found: list[str] = []
    if kind == "IntroReferral" and named:
        kinds_found.append("referred")
    if kind == "BecameLaw":
        kinds_found.append("signed")
    if code and kind != "Discharge":  # a House code: the type alone decides
        return tuple(kinds_found), None, "type"
    how = "type" if kinds_found else "text"
    if kind == "IntroReferral" and low.startswith("introduced in"):
        kinds_found.insert(0, "introduced")
    elif kind == "President":
        if low.startswith("presented to president"):
            kinds_found.append("presented")
        elif low.startswith("signed by president"):
            kinds_found.append("signed")
        elif low.startswith("pocket vetoed"):
            kinds_found += ["vetoed", "pocket_veto"]
        elif low.startswith("vetoed by president"):
            kinds_found.append("vetoed")
    elif kind == "Veto":
        if "over veto" in low or "over the veto" in low or "overrid" in low:
            if low.startswith(("failed", "override attempt failed")) or " failed " in low[:60]:
                kinds_found.append("override_failed")
            elif low.startswith("passed"):
                kinds_found.append("override_passed")
    elif kind == "Committee":
        if _REPORTED.search(text) and "ordered to be reported" not in low:
            kinds_found.append("reported_unfavorably" if _ADVERSE.search(text) else "reported")
        elif low.startswith("hearings held"):
            kinds_found.append("hearing")
    elif kind == "Discharge":
        if "petition" in low:
            kinds_found.append("discharge_petition")
        elif "discharged" in low and not low.startswith("motion"):
            kinds_found.append("discharged")
    elif kind == "Floor":
        if low.startswith(("passed/agreed to in", "passed senate", "passed house")):
            kinds_found.append("passed")
        elif low.startswith("failed of passage") and "over veto" not in low:
            kinds_found.append("failed")
    return tuple(dict.fromkeys(kinds_found)), None, how


def parse_action(item: dict[str, Any], day: date) -> Action:
    """One Congress.gov action as the bot reads it (kinds from :func:`action_kinds`)."""
    text = str(item.get("text") or "")
    low = text.lower()
    source = str((item.get("sourceSystem") or {}).get("name") or "")
    kinds, chamber, _ = action_kinds(item)
    if chamber is None:
        chamber = (
            "house"
            if source.startswith("House")
            else "senate"
            if source.startswith("Senate")
            else None
        )
    if chamber is None and " in house" in low[:60]:
        chamber = "house"
    elif chamber is None and " in senate" in low[:60]:
        chamber = "senate"
    if chamber is None and set(kinds) & {"presented", "signed", "vetoed", "line_item_veto"}:
        chamber = "executive"
    committees = tuple(
        thomas_id(c["systemCode"])
        for c in item.get("committees") or []
        if isinstance(c, dict) and c.get("systemCode")
    )
    if "referred" in kinds and not committees:
        kinds = tuple(k for k in kinds if k != "referred")
    return Action(day, text, chamber, kinds, committees, item.get("actionTime"))


def _committees(items: list[dict[str, Any]]) -> list[CommitteeRef]:
    found: list[CommitteeRef] = []
    for item in items:
        chamber = _chamber(item.get("chamber"))
        found.append(_committee(item, chamber))
        for sub in item.get("subcommittees") or []:
            if isinstance(sub, dict) and sub.get("systemCode"):
                found.append(_committee(sub, chamber))
    return found


def _committee(item: dict[str, Any], chamber: str | None) -> CommitteeRef:
    code = item.get("systemCode")
    if not isinstance(code, str) or not code:
        raise malformed(f"a committee without a systemCode: {str(item)[:120]}")
    activities = [a for a in item.get("activities") or [] if isinstance(a, dict)]
    activities.sort(key=lambda a: str(a.get("date") or ""))
    latest = str(activities[-1].get("name") or "") if activities else None
    referred = next(
        (_day(a.get("date")) for a in activities if "referred" in str(a.get("name")).lower()),
        None,
    )
    current = bool(latest) and not str(latest).lower().startswith(("reported", "discharged"))
    return CommitteeRef(
        name=str(item.get("name") or code),
        id=thomas_id(code),
        chamber=chamber,
        referred=referred,
        current=current,
        activity=latest,
    )


def thomas_id(system_code: str) -> str:
    """Congress.gov's ``ssga00`` → the directory's ``SSGA``; ``ssga13`` → ``SSGA13``."""
    code = system_code.strip().upper()
    return code[:-2] if code.endswith("00") and len(code) == 6 else code


def _chamber(value: object) -> str | None:
    text = str(value or "").strip().lower()
    if text.startswith("house"):
        return "house"
    if text.startswith("senate"):
        return "senate"
    if text.startswith("joint"):
        return "joint"
    return None


def _day(value: object) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise malformed(f"{value!r} is not a date") from None


def _ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


# -- committee meetings (hearings) --------------------------------------------------------------

#: Meeting statuses that mean it will take place.
LIVE_MEETINGS = frozenset({"scheduled", "rescheduled"})
FIRST_SCAN = timedelta(days=14)


def scan_meetings(
    client: ApiClient,
    congress: int,
    chamber: str,
    since: datetime,
    wanted: dict[tuple[int, str, int], str],
    progress: Callable[[], None] = lambda: None,
) -> dict[str, list[Hearing]]:
    """Meetings of ``chamber`` updated since ``since`` that list a wanted bill.

    ``wanted`` maps (congress, type, number) to a bill key; the result maps
    bill keys to their meetings (any status: the caller drops cancelled ones).
    """
    stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    items = paged(
        client,
        f"committee-meeting/{congress}/{chamber}",
        "committeeMeetings",
        {"fromDateTime": stamp},
    )
    found: dict[str, list[Hearing]] = {}
    for item in items:
        event_id = item.get("eventId")
        if not event_id:
            raise malformed(f"a committee meeting without an eventId: {str(item)[:120]}")
        path = f"committee-meeting/{congress}/{chamber}/{event_id}"
        detail = client.get_json(path, {"format": "json"})
        progress()
        meeting = detail.get("committeeMeeting")
        if not isinstance(meeting, dict):
            raise malformed(f"{path} has no 'committeeMeeting' object")
        for key in _bills_of(meeting, wanted):
            found.setdefault(key, []).append(_hearing(meeting, congress, chamber, str(event_id)))
    return found


def _bills_of(meeting: dict[str, Any], wanted: dict[tuple[int, str, int], str]) -> list[str]:
    related = meeting.get("relatedItems") or {}
    groups = related if isinstance(related, list) else [related]
    keys = []
    for group in groups:
        bills = group.get("bills") if isinstance(group, dict) else None
        for bill in bills if isinstance(bills, list) else []:
            try:
                ident = (int(bill["congress"]), str(bill["type"]).lower(), int(bill["number"]))
            except (KeyError, TypeError, ValueError):
                continue
            if ident in wanted:
                keys.append(wanted[ident])
    return keys


def _hearing(meeting: dict[str, Any], congress: int, chamber: str, event_id: str) -> Hearing:
    raw = str(meeting.get("date") or "")
    try:
        starts = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise malformed(f"committee meeting {event_id} has no valid date ({raw!r})") from None
    if starts.tzinfo is None:
        starts = starts.replace(tzinfo=UTC)
    committees = [c for c in meeting.get("committees") or [] if isinstance(c, dict)]
    location = meeting.get("location") or {}
    where = " ".join(str(location.get(k)) for k in ("room", "building") if location.get(k))
    return Hearing(
        id=event_id,
        day=starts.date(),
        starts=starts,
        title=str(meeting.get("title") or meeting.get("type") or "Committee meeting").strip(),
        committees=tuple(thomas_id(c["systemCode"]) for c in committees if c.get("systemCode")),
        committee_names=tuple(str(c.get("name")) for c in committees if c.get("name")),
        location=where or None,
        url=f"https://www.congress.gov/event/{_ordinal(congress)}-congress/{chamber}-event/{event_id}",
        status=str(meeting.get("meetingStatus") or "scheduled").strip().lower(),
    )
