"""A campaign as loaded from disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.campaigns.schema import Campaign
from bot.directory.people import Person


@dataclass(frozen=True)
class LoadedCampaign:
    """A validated campaign, the file it came from, and the people it names.

    ``people`` holds the legislators named in the file and in its roster, in
    file order, each with the handles the organizer gave (handle source
    ``campaign`` or ``roster``). Selectors over the directory are resolved
    later, by :func:`bot.directory.resolve.resolve_targets`.
    """

    campaign: Campaign
    path: Path
    people: tuple[Person, ...] = ()
