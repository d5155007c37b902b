"""Resolve a campaign's targets to people.

The one function the pipeline calls to learn whom a campaign addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.directory.people import Person

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.campaigns.loaded import LoadedCampaign


@dataclass
class Resolution:
    people: list[Person]
    """Whom the campaign addresses, de-duplicated by id, in a stable order."""
    notes: list[str] = field(default_factory=list)
    """Things an organizer should know (a selector matched nobody, ...)."""


def resolve_targets(loaded: LoadedCampaign, session: Session | None = None) -> Resolution:
    """The people a campaign targets: named people and roster entries."""
    seen: dict[str, Person] = {}
    for person in loaded.people:
        seen.setdefault(person.id, person)
    return Resolution(people=list(seen.values()))
