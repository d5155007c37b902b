"""The person model every part of the bot shares.

A :class:`Person` is what a campaign's targets resolve to, whatever the
source (a campaign file, a roster, the imported directory). It is plain,
immutable data: composing posts needs nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Person:
    """A legislator as a post addresses them."""

    id: str
    """Stable id: bioguide (``S000148``), ``ocd-person/...``, or an organizer's slug."""
    name: str
    title: str | None = None
    """As addressed: ``Sen.``, ``Rep.``, ``Senator``, ``Representative``."""
    state: str | None = None
    chamber: str | None = None
    district: str | None = None
    party: str | None = None
    handles: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    """Platform name (``x``, ``bluesky``, ...) to handle, without a leading ``@``."""
    handle_sources: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    """Platform name to where the handle came from (``campaign``, ``congress-legislators``...)."""
    phone: str | None = None
    email: str | None = None
    contact_form: str | None = None
    jurisdiction: str | None = None
    """``us`` for Congress, a state's lowercase code (``mo``) for a state legislature."""
    untagged: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    """Platform to why the person must not be tagged there (a do-not-tag entry): their
    handle is withheld, so a post names them in plain text instead."""

    @property
    def display_name(self) -> str:
        """``Sen. Josh Hawley``: how a post names someone it cannot tag."""
        return f"{self.title} {self.name}" if self.title else self.name

    def handle(self, platform: str) -> str | None:
        return self.handles.get(platform)
