"""Build the publisher for a platform and account.

This is the one place that decides whether a post goes out. Dry run (the
default: ``live`` is false unless the caller says so) always gets
:class:`~bot.platforms.dryrun.DryRunPublisher`: no credentials are read and
nothing leaves the machine; the commands only say which mode they run in.
Live publishers read their credentials from the environment through
:class:`~bot.config.Settings` (variable names in ``.env.example`` and
:mod:`bot.platforms.accounts`) and raise :class:`~bot.config.ConfigError`
naming the first missing variable.

Platform modules are imported only here and only when a live publisher for
that platform is built: atproto alone takes about a second to import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol, cast

from bot.config import ConfigError, Settings
from bot.platforms.accounts import PLATFORMS

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.platforms.base import Publisher


class LivePublisherClass(Protocol):
    """What each live publisher class offers the registry."""

    def from_settings(
        self, account: str, settings: Settings, *, clock: Clock | None = None
    ) -> Publisher:
        """The publisher for ``account``, configured from ``settings``."""
        ...


#: platform -> "module:class" of its live publisher.
PUBLISHERS = {
    "x": "bot.platforms.x:XPublisher",
    "facebook": "bot.platforms.facebook:FacebookPublisher",
    "bluesky": "bot.platforms.bluesky:BlueskyPublisher",
    "mastodon": "bot.platforms.mastodon:MastodonPublisher",
}


def publisher_class(platform: str) -> LivePublisherClass:
    """The live publisher class for ``platform`` (imports its module)."""
    try:
        target = PUBLISHERS[platform]
    except KeyError:
        raise ConfigError(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}") from None
    module_name, _, class_name = target.partition(":")
    return cast(LivePublisherClass, getattr(importlib.import_module(module_name), class_name))


def build_publisher(
    platform: str,
    account: str,
    settings: Settings,
    *,
    live: bool = False,
    clock: Clock | None = None,
) -> Publisher:
    """The publisher for ``account`` on ``platform``; a dry-run one unless ``live``.

    ``live`` is true only where live posting was asked for explicitly
    (``BOT_MODE=live`` or ``--live``: :func:`bot.cli.run.publishers` passes
    ``mode is Mode.LIVE``); left out, nothing is published.
    """
    if platform not in PUBLISHERS:
        raise ConfigError(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}")
    if not live:
        from bot.platforms.dryrun import DryRunPublisher

        return DryRunPublisher(platform, account)
    return publisher_class(platform).from_settings(account, settings, clock=clock)
