"""The person model every part of the bot shares.

A :class:`Person` is what a campaign's targets resolve to, whatever the
source (a campaign file, a roster, the imported directory). It is plain,
immutable data: composing posts needs nothing else.

:func:`build_person` is the one way to make one from data (a directory row, a
campaign or roster entry, a target's layered handles): it checks every handle,
phone, email and contact form again (:mod:`bot.directory.contact`) and
withholds the handles of do-not-tag entries, so no builder can forget to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.directory import contact
from bot.directory.layers import HandleInfo


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


#: The optional fields of a :class:`Person` besides its handles: what a directory row,
#: a campaign's entry or an organizer's row can each give.
DETAILS = (
    "title",
    "state",
    "chamber",
    "district",
    "party",
    "phone",
    "email",
    "contact_form",
    "jurisdiction",
)


def build_person(
    id: str,
    name: str,
    details: Mapping[str, str | None] | None = None,
    handles: Mapping[str, HandleInfo] | None = None,
    untagged: Mapping[str, str] | None = None,
) -> Person:
    """The :class:`Person` for these fields and handles, every value checked.

    ``details`` maps names in :data:`DETAILS` to values (others are ignored;
    :func:`details_of` reads them off a row or a spec).
    ``handles`` is the chosen handle per platform with where it came from; a
    handle that is not valid for its platform (:func:`contact.valid_handle`),
    or one on a platform in ``untagged`` (platform → the do-not-tag entry's
    description), is left out, so the person is named in plain text there.
    Phone, email and contact form are checked the same way: one that fails
    is left out. This is a second wall behind the importers', the campaign
    loader's and the overrides' own checks: a database edited by hand or
    filled before a check existed cannot put an invalid value in a post.
    """
    given = details or {}
    withheld = dict(untagged or {})
    infos = handles or {}
    checked = {
        platform: valid
        for platform, info in infos.items()
        if info.handle
        and platform not in withheld
        and (valid := contact.valid_handle(platform, info.handle))
    }
    return Person(
        id=id,
        name=name,
        title=given.get("title"),
        state=given.get("state"),
        chamber=given.get("chamber"),
        district=given.get("district"),
        party=given.get("party"),
        handles=checked,
        handle_sources={platform: infos[platform].source for platform in checked},
        phone=contact.valid(contact.phone_number, given.get("phone")),
        email=contact.valid(contact.email_address, given.get("email")),
        contact_form=contact.valid(contact.web_url, given.get("contact_form")),
        jurisdiction=given.get("jurisdiction"),
        untagged=withheld,
    )


def details_of(source: object) -> dict[str, str | None]:
    """The :data:`DETAILS` an object has as attributes (a row, a spec, a Person)."""
    return {name: getattr(source, name, None) for name in DETAILS}
