"""Which steps are in force for a campaign: what its scheduled runs address, and whether it stopped.

Steps fired by bill events (``bill_step_firings``, in the run's mode) are
read in the order they fired:

- the latest step with ``targets`` decides whom runs address, instead of
  the campaign's ``targets`` (its ``exclude`` still applies; people named in
  the file do not); its bill roles are about the bill whose event fired the
  step, unless a selector names its ``bill``;
- the latest step with ``messages`` decides which variants runs use;
- any step with ``stop`` stops the campaign: runs then plan nothing and say why;
- so does any event of one of its bills whose kind is in the campaign's ``stop_on``
  (default :data:`~bot.bills.events.DEFAULT_STOP_ON`: became law, the veto stands,
  withdrawn), whichever came first. Events are facts about the bill, so this holds in
  every mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.bills.events import DEFAULT_STOP_ON
from bot.bills.models import BillEvent, BillStepFiring
from bot.bills.steps import StepTargets
from bot.campaigns.loaded import LoadedCampaign
from bot.config import Mode
from bot.directory.selectors import Selector


@dataclass
class Stage:
    targets: StepTargets | None = None
    bill: str | None = None
    """The bill whose event set ``targets``: their bill roles are about that bill."""
    messages: tuple[str, ...] | None = None
    stopped: str | None = None
    """Why the campaign stopped, or None."""
    notes: list[str] = field(default_factory=list)

    def _about_bill(self, selector: Selector) -> Selector:
        if self.bill is None or not selector.bill_role or selector.bill:
            return selector
        return selector.model_copy(update={"bill": (self.bill,)})

    def apply(self, loaded: LoadedCampaign) -> LoadedCampaign:
        """The campaign as its runs see it now."""
        campaign = loaded.campaign
        update: dict[str, object] = {}
        if self.targets is not None:
            update["targets"] = campaign.targets.model_copy(
                update={
                    "people": [],
                    "roster": None,
                    "select": [self._about_bill(s) for s in self.targets.select],
                    "exclude": [
                        *campaign.targets.exclude,
                        *(self._about_bill(s) for s in self.targets.exclude),
                    ],
                }
            )
        if self.messages is not None:
            update["messages"] = [m for m in campaign.messages if m.id in self.messages]
        if not update:
            return loaded
        people = () if self.targets is not None else loaded.people
        return LoadedCampaign(campaign.model_copy(update=update), loaded.path, people)


def current_stage(session: Session, loaded: LoadedCampaign, mode: Mode) -> Stage:
    """The steps in force for ``loaded``'s campaign in ``mode``."""
    campaign = loaded.campaign
    stage = Stage()
    ending = _ending_event(session, loaded)
    if not campaign.steps:
        stage.stopped = ending[1] if ending else None
        return stage
    steps = {step.name: step for step in campaign.steps}
    rows = session.execute(
        select(BillStepFiring.step, BillStepFiring.fired_at, BillEvent.key, BillEvent.bill_key)
        .join(BillEvent, BillEvent.id == BillStepFiring.event_id)
        .where(BillStepFiring.campaign_id == campaign.id, BillStepFiring.mode == mode.value)
        .order_by(BillStepFiring.fired_at, BillStepFiring.id)
    ).all()
    stopped_at: datetime | None = None
    for name, fired_at, event_key, bill_key in rows:
        step = steps.get(name)
        if step is None:
            continue
        because = f"step {name!r} ({bill_key}: {event_key}, {fired_at:%Y-%m-%d})"
        if step.targets is not None:
            stage.targets, stage.bill = step.targets, bill_key
            stage.notes = [n for n in stage.notes if not n.startswith("targets from")]
            stage.notes.append(f"targets from {because}")
        if step.messages is not None:
            stage.messages = step.messages
        if step.stop and stage.stopped is None:
            stage.stopped = f"campaign stopped by {because}; nothing planned"
            stopped_at = fired_at
    if ending is not None and (stopped_at is None or ending[0] < stopped_at):
        stage.stopped = ending[1]
    return stage


def stop_events(loaded: LoadedCampaign) -> tuple[str, ...]:
    """The event kinds that end ``loaded``'s campaign."""
    stop_on = loaded.campaign.stop_on
    return DEFAULT_STOP_ON if stop_on is None else stop_on


def _ending_event(session: Session, loaded: LoadedCampaign) -> tuple[datetime, str] | None:
    """When the first event in the campaign's ``stop_on`` was seen, and why it stops it."""
    kinds = stop_events(loaded)
    bills = [b.key for b in loaded.campaign.bills]
    if not kinds or not bills:
        return None
    row = session.execute(
        select(BillEvent.seen_at, BillEvent.bill_key, BillEvent.key, BillEvent.day)
        .where(BillEvent.bill_key.in_(bills), BillEvent.kind.in_(kinds))
        .order_by(BillEvent.seen_at, BillEvent.day, BillEvent.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    seen_at, bill_key, key, day = row
    when = f", {day:%Y-%m-%d}" if day else ""
    return seen_at, (
        f"campaign stopped: {bill_key} {key}{when} is one of its stop_on events "
        f"({', '.join(kinds)}); nothing planned"
    )
