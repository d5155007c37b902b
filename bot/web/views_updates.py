"""The dashboard's "Updates" page: who subscribed (counts), send an update, export the list.

Every page needs the organizers' login. Addresses appear only in the CSV
export (for the organisation's newsletter tool), never on a page.
"""

from __future__ import annotations

import csv
import io
import logging

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from bot.notify.channels import DeliveryError
from bot.store import subscribers as store
from bot.web import auth, mail
from bot.web.context import db_session, state

log = logging.getLogger(__name__)
blueprint = Blueprint("updates_admin", __name__, url_prefix="/dashboard/updates")
blueprint.before_request(auth.require_login)


def _titles() -> dict[str, str]:
    return {c.campaign.id: c.campaign.title for c in state().campaigns.all()}


def _scope(value: str) -> str | None:
    """The form's list: ``None`` for every subscriber, or a known campaign's id."""
    value = (value or "").strip()
    if value in ("", "all"):
        return None
    if value not in _titles():
        abort(400, "Choose one of the campaigns, or everyone.")
    return value


@blueprint.route("/")
def overview() -> str:
    from bot.web.signup import settings

    session = db_session()
    return render_template(
        "dashboard/updates.html",
        counts=store.counts(session),
        titles=_titles(),
        everyone=len(store.recipients(session)),
        configured=settings() is not None,
    )


@blueprint.route("/send", methods=["POST"])
def send() -> BaseResponse:
    """Send one update to the confirmed subscribers of a campaign (and the organisation's
    list), or to all; each gets their own unsubscribe link."""
    from bot.web.signup import settings
    from bot.web.views_public import organisation

    config = settings()
    if config is None:
        abort(409, "Updates by email are not set up: see docs/web.md (UPDATES_SITE_URL).")
    scope = _scope(request.form.get("list", ""))
    subject = mail.one_line(request.form.get("subject", ""))
    body = request.form.get("body", "").replace("\r\n", "\n").strip()
    if not subject or not body:
        abort(400, "Give the update a subject and a text.")
    if len(body) > mail.MAX_BODY:
        abort(400, f"The text is longer than {mail.MAX_BODY} characters; shorten it.")
    people = store.recipients(db_session(), scope)
    org = organisation().name
    sent = failed = 0
    try:
        with mail.outbox(config) as box:
            for person in people:
                link = config.site_url + url_for("updates.unsubscribe", token=person.token)
                try:
                    box.send(mail.update(config, org, person.email, subject, body, link))
                    sent += 1
                except DeliveryError as problem:
                    failed += 1
                    log.warning("updates: one address was refused: %s", problem)
    except DeliveryError as problem:
        flash(f"Nothing more could be sent: {problem}. Sent {sent} of {len(people)}.", "error")
        return redirect(url_for("updates_admin.overview"), 303)
    note = f" {failed} addresses were refused by the mail server." if failed else ""
    flash(f"Sent to {sent} subscribers.{note}")
    return redirect(url_for("updates_admin.overview"), 303)


@blueprint.route("/subscribers.csv")
def export() -> Response:
    """The confirmed addresses (of a campaign's list and the organisation's, or all), as CSV."""
    scope = _scope(request.args.get("list", ""))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "list", "confirmed_at"])
    for person in store.recipients(db_session(), scope):
        confirmed = person.confirmed_at.isoformat() if person.confirmed_at else ""
        writer.writerow([person.email, person.campaign_id or "all campaigns", confirmed])
    name = f"subscribers-{scope or 'all'}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
