"""What one post says: the variables its template sees, and its text.

The planner composes every post with :func:`addressed` and :func:`post_text`
(:func:`bot.compose.plan.compose_text`), and ``advocacy-bot validate`` renders
every message with the same two, so what passes validation is what posts. They
live apart from the planner so that validate does not load it, nor the post
log's shapes it plans (:mod:`bot.posts`): their dataclasses cost some 6 ms of
every validate's start.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.compose.mentions import mention_text, tag_handle
from bot.compose.render import join_names, render
from bot.compose.views import TargetView, bill_view, campaign_view

if TYPE_CHECKING:
    from bot.campaigns.schema import Bill, Campaign, Variant
    from bot.directory.people import Person


def template_context(
    campaign: Campaign, bill: Bill, platform: str, targets: Sequence[tuple[Person, str | None]]
) -> dict[str, object]:
    """The variables a message template sees (see :mod:`bot.compose.render`).

    Only plain, immutable data (:mod:`bot.compose.views`): never the pydantic
    models themselves, whose methods a template could otherwise reach.
    """
    views = tuple(
        TargetView(
            id=person.id,
            name=person.name,
            title=person.title,
            display_name=person.display_name,
            handle=handle,
            mention=mention_text(person, platform, handle),
            state=person.state,
            district=person.district,
        )
        for person, handle in targets
    )
    return {
        "bill": bill_view(bill),
        "campaign": campaign_view(campaign),
        "targets": views,
        # "@a @b" where everyone is tagged; "@a, Sen. B and Rep. C" otherwise
        "mentions": " ".join(view.mention for view in views)
        if all(view.handle for view in views)
        else join_names([view.mention for view in views]),
        "names": join_names([view.display_name for view in views]),
        "platform": platform,
    }


def addressed(
    people: Sequence[Person],
    platform: str,
    *,
    name_on_x: bool = False,
    untagged: frozenset[str] = frozenset(),
) -> list[tuple[Person, str | None]]:
    """Each person with the handle a post on ``platform`` tags them by (None: named).

    ``name_on_x`` names everyone in plain text on X (``x_mentions: name``);
    ``untagged`` holds the ids of people to name rather than tag.
    """
    return [
        (p, None if p.id in untagged else tag_handle(p, platform, name_on_x=name_on_x))
        for p in people
    ]


def post_text(
    campaign: Campaign,
    bill: Bill,
    platform: str,
    variant: Variant,
    targets: Sequence[tuple[Person, str | None]],
) -> str:
    """``variant`` rendered for ``targets`` (from :func:`addressed`) on ``platform``."""
    return render(variant.text, template_context(campaign, bill, platform, targets))
