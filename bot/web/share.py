"""Share and compose links for supporters, and the ready-made posts behind them.

Every link opens the platform's own page with the text filled in; the
supporter reviews it and posts from their own account. Nothing is posted for
them and no platform API is called.

============  ==============================================================
X             ``https://x.com/intent/post?text=`` (compose),
              ``https://x.com/intent/retweet?tweet_id=`` (repost a post)
Bluesky       ``https://bsky.app/intent/compose?text=``
Facebook      ``https://www.facebook.com/sharer/sharer.php?u=`` (a link only:
              Facebook lets no one pre-fill the text, so it is shown to copy)
Mastodon      ``https://<instance>/share?text=`` (the supporter's own server)
============  ==============================================================
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from bot.campaigns.schema import Bill, Campaign, Platform, Variant
from bot.compose import length
from bot.compose.plan import compose_text
from bot.compose.render import TemplateProblem
from bot.directory.people import Person

#: The platforms supporters get ready-made posts for, in page order.
SUPPORTER_PLATFORMS = ("x", "bluesky", "mastodon", "facebook")

_INSTANCE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _q(text: str) -> str:
    return quote(text, safe="")


def x_post(text: str) -> str:
    return f"https://x.com/intent/post?text={_q(text)}"


def x_repost(remote_id: str | None) -> str | None:
    """The repost intent for an X post id (digits only), or None."""
    if not remote_id or not remote_id.isdigit():
        return None
    return f"https://x.com/intent/retweet?tweet_id={remote_id}"


def bluesky_compose(text: str) -> str:
    return f"https://bsky.app/intent/compose?text={_q(text)}"


def facebook_share(url: str) -> str:
    return f"https://www.facebook.com/sharer/sharer.php?u={_q(url)}"


def mastodon_share(instance: str, text: str) -> str:
    return f"https://{instance}/share?text={_q(text)}"


def clean_instance(value: str | None) -> str | None:
    """A Mastodon server's host name (``mastodon.social``), or None if it is not one.

    Accepts what people type: ``https://mastodon.social/``, ``@me@hachyderm.io``.
    """
    if not value:
        return None
    text = value.strip().lower()
    if "://" in text:  # a URL: its host
        text = text.split("://", 1)[1].split("/", 1)[0]
    elif "@" in text:  # an address, @me@server or me@server: its server
        text = text.rsplit("@", 1)[-1]
    text = text.split("/", 1)[0].rstrip(".")
    return text if _INSTANCE.fullmatch(text) else None


def compose_link(platform: str, text: str, instance: str, page_url: str) -> str:
    """The link that opens ``platform``'s composer with ``text`` (Facebook: shares the page)."""
    if platform == "x":
        return x_post(text)
    if platform == "bluesky":
        return bluesky_compose(text)
    if platform == "mastodon":
        return mastodon_share(instance, text)
    return facebook_share(page_url)


@dataclass(frozen=True)
class ReadyPost:
    """A post a supporter can send from their own account."""

    platform: str
    variant: str
    bill: str
    text: str
    length: int
    limit: int
    tagged: tuple[str, ...]
    """The handles the text tags (``@`` included)."""
    link: str


def ready_posts(
    campaign: Campaign,
    people: Sequence[Person],
    *,
    instance: str,
    page_url: str,
    leaders: bool = False,
) -> dict[str, list[ReadyPost]]:
    """Per platform, every message variant rendered for ``people``.

    A variant is used only for the people it suits (``suits``: a chamber, or
    everyone; never one written for committee members, sponsors or the
    leadership, roles a supporter's own legislator may not have). A text that
    is too long for the platform with everyone in it becomes one post per
    person. Supporters tag whoever has a handle there (they post as themselves,
    so the bot's approval rules do not apply); others are named.

    With ``leaders``, ``people`` are the leadership of the chambers, and a variant
    suits them as :meth:`Variant.suits_leader` says (``suits: [leadership]`` too).
    """
    found: dict[str, list[ReadyPost]] = {}
    if not people:
        return found
    for name in SUPPORTER_PLATFORMS:
        platform = Platform(name)
        posts: list[ReadyPost] = []
        for bill in campaign.bills:
            for variant in campaign.variants_for(platform):
                fitting = [
                    p
                    for p in people
                    if (
                        variant.suits_leader(p.chamber)
                        if leaders
                        else variant.suits_constituents_of(p.chamber)
                    )
                ]
                if fitting:
                    posts.extend(
                        _render(campaign, bill, name, variant, fitting, instance, page_url)
                    )
        found[name] = posts
    return found


def _render(
    campaign: Campaign,
    bill: Bill,
    platform: str,
    variant: Variant,
    people: Sequence[Person],
    instance: str,
    page_url: str,
) -> list[ReadyPost]:
    limit = length.limit(platform)
    groups: list[Sequence[Person]] = [people]
    out: list[ReadyPost] = []
    while groups:
        group = groups.pop(0)
        try:
            text, targets = compose_text(campaign, bill, platform, variant, group)
        except TemplateProblem:
            return []
        size = length.count(platform, text)
        if size > limit and len(group) > 1:
            groups[:0] = [[person] for person in group]
            continue
        out.append(
            ReadyPost(
                platform=platform,
                variant=variant.id,
                bill=bill.identifier,
                text=text,
                length=size,
                limit=limit,
                tagged=tuple(f"@{t.handle}" for t in targets if t.handle),
                link=compose_link(platform, text, instance, page_url),
            )
        )
    return out
