"""How a post names or tags a legislator on each platform.

Pure rules, no I/O. A person is *tagged* where they have a handle on the
platform and the platform allows tagging from the bot; otherwise they are
*named* in plain text by their display name. A handle is never invented.
"""

from __future__ import annotations

from bot.directory.people import Person

#: Platforms on which the bot writes ``@handle`` mentions.
TAGGING_PLATFORMS = frozenset({"x", "bluesky", "mastodon"})


def tag_handle(person: Person, platform: str, *, name_on_x: bool = False) -> str | None:
    """The handle the bot tags ``person`` with on ``platform``, or None to name them.

    Facebook Pages cannot tag people without Meta's "Page Mentioning" feature
    (and its numeric page ids, which the public data mostly lacks), so names are
    plain text there. On X, a campaign with ``x_mentions: name`` (``name_on_x``)
    names everyone in plain text: X's rules forbid unsolicited automated @mentions.
    """
    if platform not in TAGGING_PLATFORMS:
        return None
    if platform == "x" and name_on_x:
        return None
    return person.handle(platform)


def mention_text(person: Person, platform: str, handle: str | None) -> str:
    """What the post says for ``person``: ``@handle`` or their display name."""
    if handle is None:
        return person.display_name
    return f"@{handle}"
