"""What message templates see: small frozen views holding only plain data.

A template never receives a pydantic model, an ORM row or any other object
with behaviour: pydantic's ``Bill.parse_raw(..., proto='pickle')`` once ran
a shell command from a campaign message, and ``parse_file`` read any file.
Each view here holds only ``str``, ``int``, ``None`` or tuples of views, and
exactly the attributes the docs list (docs/campaigns.md, "Message templates").
:data:`VIEW_ATTRIBUTES` is what the sandbox lets a template read of each.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.campaigns.schema import Bill, Campaign


@dataclass(frozen=True, slots=True)
class BillView:
    """A bill as templates see it."""

    identifier: str
    """As the legislature writes it: ``SB 792``."""
    title: str
    url: str | None
    stance: str
    """``support``, ``oppose``, ``amend`` or ``watch``."""
    summary: str | None
    why: str | None
    jurisdiction: str
    """``us`` or a state's lowercase code: ``mo``."""
    session: str
    key: str
    """``mo/2018/SB 792``: jurisdiction, session and identifier."""


@dataclass(frozen=True, slots=True)
class CampaignView:
    """A campaign as templates see it."""

    id: str
    title: str


@dataclass(frozen=True, slots=True)
class TargetView:
    """A target as templates see it."""

    id: str
    name: str
    title: str | None
    display_name: str
    handle: str | None
    mention: str
    state: str | None = None
    district: str | None = None


@dataclass(frozen=True, slots=True)
class EventView:
    """What a bill step's text sees as ``event`` (built by :func:`bot.bills.post.event_view`)."""

    kind: str
    date: str
    """``Tuesday, March 10``."""
    time: str
    """``9:00 AM`` in the campaign's timezone, or empty when the source gives no time."""
    committee: str
    chamber: str
    title: str
    location: str
    url: str
    day: str
    """ISO date: ``2026-03-10``."""


def bill_view(bill: Bill) -> BillView:
    """The plain data of ``bill`` that templates may use."""
    return BillView(
        identifier=bill.identifier,
        title=bill.title,
        url=bill.url,
        stance=str(bill.stance.value),
        summary=bill.summary,
        why=bill.why,
        jurisdiction=bill.jurisdiction,
        session=bill.session,
        key=bill.key,
    )


def campaign_view(campaign: Campaign) -> CampaignView:
    return CampaignView(id=campaign.id, title=campaign.title)


def _names(view: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(view))


#: A view's type to the attributes a template may read of it (all its fields).
VIEW_ATTRIBUTES: dict[type, frozenset[str]] = {
    view: _names(view) for view in (BillView, CampaignView, TargetView, EventView)
}
