"""What a supporter does for one legislator: the call script, the email, who posts can tag.

Pure functions over the campaign and the person (no I/O), so they test
without a server. Call scripts are message templates, rendered in the same
sandbox (:mod:`bot.compose.render`) with the same variables, ``targets``
being the one legislator called: ``{{ targets[0].display_name }}`` or
``{{ names }}`` fills in "Sen. Josh Hawley". A campaign's ``call_scripts``
gives a chamber its own wording (``senate``, ``house``, ``legislature``);
``call_script`` is for the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from bot.campaigns.schema import Bill, Campaign, Stance
from bot.compose.plan import template_context
from bot.compose.render import TemplateProblem, render
from bot.directory import contact
from bot.directory.people import Person
from bot.web.districts import Legislator

log = logging.getLogger(__name__)

#: The platforms whose posts can tag a legislator by handle (Facebook's links a page).
TAGGING_PLATFORMS = ("x", "bluesky", "mastodon", "facebook")

_ASK = {
    Stance.SUPPORT: "vote yes on",
    Stance.OPPOSE: "vote no on",
    Stance.AMEND: "amend",
}


def bill_for(campaign: Campaign, person: Person) -> Bill:
    """The campaign's bill in ``person``'s legislature (the first bill if none is)."""
    for bill in campaign.bills:
        if bill.jurisdiction.lower() == (person.jurisdiction or "").lower():
            return bill
    return campaign.bills[0]


def call_script(campaign: Campaign, person: Person) -> str | None:
    """The script to read when calling ``person``, their name and title filled in."""
    source = campaign.call_scripts.get(person.chamber or "") or campaign.call_script  # type: ignore[call-overload]
    if not source:
        return None
    context = template_context(campaign, bill_for(campaign, person), "phone", [(person, None)])
    try:
        return render(source, context)
    except TemplateProblem as problem:
        log.warning("campaign %s: its call script cannot be rendered: %s", campaign.id, problem)
        return None


@dataclass(frozen=True)
class Email:
    """A message to one legislator, ready to send from the supporter's own mail."""

    subject: str
    body: str
    mailto: str | None
    """``mailto:`` with the subject and body, percent-encoded (RFC 6068), or None."""


def mailto(address: str | None, subject: str, body: str) -> str | None:
    """``mailto:ADDRESS?subject=…&body=…`` for exactly one valid address, else None.

    Every character outside the unreserved set is percent-encoded (``&``,
    ``=``, ``#``, ``?``, ``%`` and spaces included), and line breaks are CRLF
    (``%0D%0A``), as RFC 6068 asks.
    """
    base = contact.mailto_uri(address) if address else None
    if base is None:
        return None
    crlf = "\r\n".join(body.splitlines())
    return f"{base}?subject={quote(subject, safe='')}&body={quote(crlf, safe='')}"


def email(campaign: Campaign, person: Person, post: str | None = None) -> Email:
    """The subject and body of an email to ``person`` about the campaign's bill for them.

    ``post`` (``Speaker``) writes to a leader of the chamber rather than to the
    supporter's own legislator: the supporter is not their constituent.
    """
    bill = bill_for(campaign, person)
    ask = _ASK.get(bill.stance, "support")
    subject = f"Please {ask} {bill.identifier}"
    who = (
        f"As {post}, you decide much of what happens to {bill.identifier}, {bill.title}: "
        f"I ask you to {ask} it."
        if post
        else f"I am your constituent, and I ask you to {ask} {bill.identifier}, {bill.title}."
    )
    paragraphs = [
        f"Dear {person.display_name},",
        who,
        *(p for p in (bill.summary, bill.why) if p),
        "Thank you for your time.",
        "Sincerely,",
    ]
    body = "\n\n".join(paragraphs)
    valid = contact.valid(contact.email_address, person.email) if person.email else None
    return Email(subject=subject, body=body, mailto=mailto(valid, subject, body))


def without_handle(people: Iterable[Person], platform: str) -> list[Person]:
    """Those of ``people`` no post can tag on ``platform`` (they are named instead)."""
    return [p for p in people if not p.handles.get(platform)]


@dataclass(frozen=True)
class Step:
    """One legislator on the supporter's list, with everything to act on them."""

    legislator: Legislator
    script: str | None
    email: Email


def steps(campaign: Campaign, legislators: Iterable[Legislator]) -> list[Step]:
    """The supporter's legislators in page order, each with their script and email."""
    return [
        Step(leg, call_script(campaign, leg.person), email(campaign, leg.person))
        for leg in legislators
    ]
