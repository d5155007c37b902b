"""The leadership of the chambers a campaign is about, for the supporter page.

A supporter can contact "the leadership of both chambers" as well as their own
legislators: the presiding officers (Speaker, President or President Pro Tem),
the floor leaders and the whips. Who they are comes from the directory's
leadership posts: congress-legislators' ``leadership_roles``, Open States'
titles, presiding lieutenant governors, and the organizer's ``leadership:``
entries in an overrides file (Missouri's data has none; see docs/web.md).

Organizer entries are all shown (the organizer chose them); imported posts
only when they are a chamber's principal ones (:func:`principal`), so
Congress's dozens of conference vice chairs and deputy secretaries do not
bury the Speaker. The bot never guesses a leader: a chamber whose data has no
leadership and no entries simply has no cards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.campaigns.schema import Campaign
from bot.directory.models import LeadershipRole, PersonRow
from bot.directory.people import Person
from bot.directory.selectors import leadership_key, leadership_title_matches
from bot.web import actions, share
from bot.web.districts import STATE_NAMES, Legislator, legislators_by_id

#: Sources of leadership posts an organizer wrote (``load-overrides`` stores ``file:<path>``).
ORGANIZER_SOURCES = ("file:", "organizer", "override:")

#: The posts shown from imported data, most senior first: the rank of a title is the
#: first of these phrases it holds (as :func:`leadership_title_matches` compares them).
PRINCIPAL = (
    "speaker",
    "president",
    "president pro tem",
    "speaker pro tem",
    "majority floor leader",
    "majority leader",
    "minority floor leader",
    "minority leader",
    "majority whip",
    "minority whip",
)
#: Words that make a post someone's deputy, not the post itself.
_DEPUTY = {"assistant", "deputy", "vice", "chief"}


def rank(title: str) -> int | None:
    """The seniority of a leadership ``title`` (0 = presiding), or None if not principal."""
    key = leadership_key(title)
    if _DEPUTY & set(key.split()):
        return None
    for index, phrase in enumerate(PRINCIPAL):
        if leadership_title_matches(phrase, key):
            return index
    return None


def principal(title: str) -> bool:
    """Whether an imported post is one the page shows (see :data:`PRINCIPAL`)."""
    return rank(title) is not None


@dataclass(frozen=True)
class Leader:
    """One person of the leadership, with their posts (most senior first)."""

    legislator: Legislator
    titles: tuple[str, ...]
    chamber: str | None
    """The chamber they lead (a presiding lieutenant governor has no seat of their own)."""

    @property
    def person(self) -> Person:
        return self.legislator.person

    @property
    def where(self) -> str:
        """``Missouri Senate``, ``U.S. House``: the chamber they lead."""
        p = self.person
        place = "U.S." if p.jurisdiction == "us" else STATE_NAMES.get(p.state or "", p.state)
        chamber = {"senate": "Senate", "house": "House", "legislature": "Legislature"}.get(
            self.chamber or "", ""
        )
        return f"{place} {chamber}".strip()

    @property
    def post(self) -> str:
        """``Speaker, Missouri House``: for the card and the email."""
        return f"{self.titles[0]}, {self.where}"


@dataclass(frozen=True)
class LeaderStep:
    """A leader's card: the call script and the email, as for a supporter's own legislator."""

    leader: Leader
    script: str | None
    email: actions.Email


@dataclass(frozen=True)
class Leadership:
    """What "The leadership" section shows."""

    steps: list[LeaderStep]
    posts: dict[str, list[share.ReadyPost]]
    """Per platform, the variants that suit leaders, tagging those with a handle."""

    @property
    def people(self) -> list[Person]:
        return [step.leader.person for step in self.steps]

    def untagged(self, platform: str) -> list[Person]:
        """Leaders a post cannot tag on ``platform`` (it names them instead)."""
        return actions.without_handle(self.people, platform)


_CHAMBER_ORDER = {"senate": 0, "legislature": 0, "house": 1}


def leaders_for(
    session: Session,
    jurisdictions: Iterable[str],
    campaign_handles: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Leader]:
    """The leadership of ``jurisdictions`` (in their order), senate before house, most
    senior first; people in office only, one card per person whatever their posts."""
    wanted = list(dict.fromkeys(jurisdictions))
    if not wanted:
        return []
    rows = session.execute(
        select(
            LeadershipRole.person_id,
            LeadershipRole.title,
            LeadershipRole.chamber,
            LeadershipRole.source,
            PersonRow.jurisdiction,
            PersonRow.chamber.label("seat"),
        )
        .join(PersonRow, PersonRow.id == LeadershipRole.person_id)
        .where(PersonRow.active.is_(True), PersonRow.jurisdiction.in_(wanted))
    ).all()
    posts: dict[str, list[tuple[int, str, str | None, str]]] = {}
    for row in rows:
        seniority = rank(row.title)
        if seniority is None and not row.source.startswith(ORGANIZER_SOURCES):
            continue
        order = len(PRINCIPAL) if seniority is None else seniority
        posts.setdefault(row.person_id, []).append(
            (order, row.title, row.chamber or row.seat, row.jurisdiction)
        )
    people = {leg.person.id: leg for leg in legislators_by_id(session, posts, campaign_handles)}
    found: list[tuple[tuple[int, int, int, str], Leader]] = []
    for person_id, held in posts.items():
        legislator = people.get(person_id)
        if legislator is None:
            continue
        held.sort()
        order, _title, chamber, jurisdiction = held[0]
        titles = tuple(dict.fromkeys(title for _o, title, _c, _j in held))
        key = (wanted.index(jurisdiction), _CHAMBER_ORDER.get(chamber or "", 2), order, titles[0])
        found.append((key, Leader(legislator, titles, chamber)))
    found.sort(key=lambda item: (item[0], item[1].person.name))
    return [leader for _key, leader in found]


def leadership(
    campaign: Campaign,
    leaders: Sequence[Leader],
    *,
    instance: str,
    page_url: str,
) -> Leadership:
    """Each leader's call script and email, and the posts that suit them."""
    steps = [
        LeaderStep(
            leader,
            actions.call_script(campaign, _as_seated(leader)),
            actions.email(campaign, leader.person, post=leader.post),
        )
        for leader in leaders
    ]
    people = [_as_seated(leader) for leader in leaders]
    posts = share.ready_posts(campaign, people, instance=instance, page_url=page_url, leaders=True)
    return Leadership(steps=steps, posts=posts)


def _as_seated(leader: Leader) -> Person:
    """The person with the chamber they lead (a presiding officer has no seat), so a
    chamber's call script and variants fit them."""
    from dataclasses import replace

    person = leader.person
    return person if person.chamber else replace(person, chamber=leader.chamber)
