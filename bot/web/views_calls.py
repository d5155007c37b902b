"""The dashboard's "Calls" page: how supporters' calls went, per campaign and legislator.

Registered inside the public blueprint (``public.calls.*``) so the app factory
needs no change; every page of it needs the organizers' login.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template
from sqlalchemy import select

from bot.directory.models import PersonRow
from bot.web import auth
from bot.web.context import db_session, state
from bot.web.outcomes import Tally, tallies

blueprint = Blueprint("calls", __name__, url_prefix="/dashboard")
blueprint.before_request(auth.require_login)


@dataclass(frozen=True)
class Row:
    tally: Tally
    name: str
    """``Sen. Josh Hawley``, or the id when the directory no longer has them."""


@blueprint.route("/calls")
def calls() -> str:
    session = db_session()
    found = tallies(session)
    ids = {t.person_id for t in found}
    names = {
        row.id: f"{row.title} {row.name}" if row.title else row.name
        for row in session.execute(
            select(PersonRow.id, PersonRow.name, PersonRow.title).where(PersonRow.id.in_(ids))
        )
    }
    by_campaign: dict[str, list[Row]] = {}
    for t in found:
        by_campaign.setdefault(t.campaign_id, []).append(
            Row(t, names.get(t.person_id, t.person_id))
        )
    titles = {c.campaign.id: c.campaign.title for c in state().campaigns.all()}
    return render_template("supporter/calls.html", by_campaign=by_campaign, titles=titles)
