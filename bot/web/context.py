"""What every part of the web app shares: its configuration, its state, this request's session.

:func:`bot.web.app.create_app` builds the :class:`State` and installs it; the views
read it through :func:`state` and :func:`db_session`. The views import this module,
never the app factory, so the factory can import the views.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flask import g

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.store.db import Database
from bot.web.campaigns import CampaignFiles

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class WebConfig:
    """What the web app needs besides the database."""

    settings: Settings
    password: str | None
    """The dashboard password; ``None`` turns the login off (``serve --no-auth``)."""
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    """Signs the session cookie (and so the CSRF token it holds)."""
    campaigns_dir: Path = Path("campaigns")
    behind_proxy: bool = False
    """Trust one proxy's X-Forwarded-* headers; cookies then need HTTPS (``Secure``)."""
    clock: Clock = field(default_factory=SystemClock)
    mastodon_instance: str = "mastodon.social"
    """The Mastodon instance share links use until a supporter names their own."""


@dataclass
class State:
    """The app's shared objects, in ``app.extensions["advocacy"]``."""

    db: Database
    config: WebConfig
    campaigns: CampaignFiles


def state() -> State:
    from flask import current_app

    found: State = current_app.extensions["advocacy"]
    return found


def db_session() -> Session:
    """This request's read session (closed when the request ends).

    Read-only (:meth:`bot.store.db.Database.read_session`), whatever the request's
    method: on SQLite it never takes the write lock, so a page never waits for the
    worker or the scheduler writing, nor makes them wait while it renders. A view
    writes in its own short transaction, ``with state().db.session() as write:``; a
    write through this session raises.
    """
    if "db_session" not in g:
        g.db_session = state().db.new_read_session()
    session: Session = g.db_session
    return session
