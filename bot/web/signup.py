"""Sign up for advocacy updates by email: double opt-in, one-click unsubscribe.

Routes (no login; every form carries the session's CSRF token, see
:mod:`bot.web.auth`):

- ``GET/POST /updates``: the organisation-wide form; campaign pages post to
  it too, with their campaign's id. The answer is the same whether or not the
  address was already on the list (no page tells who subscribed).
- ``GET/POST /updates/confirm/<signed>``: the link in the confirmation email
  (signed with the app's secret key by itsdangerous, valid
  :data:`~bot.store.subscribers.CONFIRM_WITHIN`). Opening it shows a Confirm
  button; only pressing it confirms, so a mail scanner that fetches every link
  subscribes nobody.
- ``GET/POST /updates/unsubscribe/<token>``: in every update and in its
  ``List-Unsubscribe`` header. The POST needs no CSRF token (RFC 8058: the mail
  provider posts ``List-Unsubscribe=One-Click``); the row's random token is the
  proof, and it can only remove its own row.

Sign-ups are rate-limited in memory, per client address and per email address
(:data:`SIGNUPS_PER_CLIENT`, :data:`MAILS_PER_ADDRESS`); neither is written
anywhere. Addresses are never logged.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Flask, abort, current_app, render_template, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from bot.config import ConfigError
from bot.notify.channels import DeliveryError
from bot.store import subscribers as store
from bot.web import mail
from bot.web.context import db_session, state
from bot.web.outcomes import ReportLimit

log = logging.getLogger(__name__)
blueprint = Blueprint("updates", __name__, url_prefix="/updates")

#: Sign-up requests per client (IP) address per hour.
SIGNUPS_PER_CLIENT = 10
#: Confirmation emails per email address per day (whoever asks).
MAILS_PER_ADDRESS = 3
SALT = "advocacy-bot updates confirm"
WHAT = "advocacy updates by email"


def settings() -> mail.UpdatesSettings | None:
    """The sign-up settings, or ``None`` (off); a wrong setting is logged, and turns it off."""
    try:
        return mail.UpdatesSettings.from_env(state().config.settings.env)
    except ConfigError as problem:
        log.error("updates by email are off: %s", problem)
        return None


def updates_on() -> bool:
    """Whether pages show the sign-up form (``UPDATES_SITE_URL`` and the mail server set)."""
    return settings() is not None


def _limits() -> tuple[ReportLimit, ReportLimit]:
    ext = current_app.extensions
    clients: ReportLimit = ext.setdefault(
        "advocacy.signup_clients", ReportLimit(limit=SIGNUPS_PER_CLIENT, window=3600.0)
    )
    addresses: ReportLimit = ext.setdefault(
        "advocacy.signup_addresses", ReportLimit(limit=MAILS_PER_ADDRESS, window=86400.0)
    )
    return clients, addresses


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


@blueprint.context_processor
def _organisation() -> dict[str, object]:
    from bot.web.views_public import organisation

    return {"org": organisation()}


def _campaign_choice(campaign_id: str) -> tuple[str, str | None]:
    """``(list id, campaign title)`` for a form's campaign field ("" is every campaign)."""
    if not campaign_id:
        return store.EVERYTHING, None
    loaded = state().campaigns.get(campaign_id)
    if loaded is None or not loaded.campaign.enabled:
        abort(400, "There is no such campaign to follow.")
    return loaded.campaign.id, loaded.campaign.title


def _page(name: str, status: int = 200, **values: object) -> tuple[str, int]:
    return render_template(f"supporter/updates_{name}.html", **values), status


@blueprint.route("", methods=["GET", "POST"])
def sign_up() -> tuple[str, int]:
    config = settings()
    if config is None:
        abort(404, "This site does not send updates by email.")
    campaign_id, title = _campaign_choice((request.values.get("campaign") or "").strip()[:64])
    if request.method == "GET":
        return _page("form", campaign_id=campaign_id, title=title, problem=None, email="")
    typed = request.form.get("email", "")[: mail.MAX_ADDRESS + 10]
    try:
        address = mail.clean_address(typed)
    except mail.BadAddress as problem:
        return _page(
            "form",
            400,
            campaign_id=campaign_id,
            title=title,
            problem=str(problem),
            email=typed if len(typed) <= mail.MAX_ADDRESS else "",
        )
    clients, addresses = _limits()
    now_mono = time.monotonic()
    if not clients.allow(request.remote_addr or "?", now_mono):
        abort(429, "Many sign-ups came from here this hour. Please try again later.")
    now = state().config.clock.now()
    # At most a few confirmation emails a day to one address, whoever asks.
    may_mail = addresses.allow(address.lower(), now_mono)
    with state().db.session() as write:
        store.forget_stale(write, now)
        row = store.sign_up(write, address, campaign_id, now, renew=may_mail)
        pending = row.status == store.SubscriberStatus.PENDING.value
        token = row.token
    # The same answer whether the address was new, pending or confirmed: no page says
    # who is on the list. Mail goes only to pending rows.
    if pending and may_mail:
        link = config.site_url + _confirm_path(_serializer().dumps(token))
        org = _org_name()
        hours = int(store.CONFIRM_WITHIN.total_seconds() // 3600)
        what = f"updates on {title}" if title else WHAT
        message = mail.confirmation(config, org, address, link, what, hours)
        try:
            with mail.outbox(config) as box:
                box.send(message)
        except DeliveryError as problem:
            log.error("updates: a confirmation email was not sent: %s", problem)
            return _page("sent", 503, failed=True, campaign_id=campaign_id, title=title)
    return _page("sent", campaign_id=campaign_id, title=title, failed=False)


def _confirm_path(signed: str) -> str:
    from flask import url_for

    return url_for("updates.confirm", signed=signed)


def _org_name() -> str:
    from bot.web.views_public import organisation

    return organisation().name


@blueprint.route("/confirm/<signed>", methods=["GET", "POST"])
def confirm(signed: str) -> tuple[str, int]:
    try:
        token = _serializer().loads(signed, max_age=int(store.CONFIRM_WITHIN.total_seconds()))
    except SignatureExpired:
        return _page("confirm", 410, state="expired", token=None)
    except BadSignature:
        return _page("confirm", 404, state="unknown", token=None)
    if not isinstance(token, str):
        return _page("confirm", 404, state="unknown", token=None)
    if request.method == "GET":
        row = store.by_token(db_session(), token)
        if row is None:
            return _page("confirm", 404, state="unknown", token=None)
        done = row.status == store.SubscriberStatus.CONFIRMED.value
        return _page("confirm", state="done" if done else "ask", token=token, signed=signed)
    with state().db.session() as write:
        row = store.confirm(write, token, state().config.clock.now())
        if row is None:
            return _page("confirm", 410, state="expired", token=None)
    return _page("confirm", state="done", token=token)


@blueprint.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> tuple[str, int]:
    """GET asks; POST (a button, or a mail provider's one-click POST) removes the address."""
    if request.method == "GET":
        known = store.by_token(db_session(), token) is not None
        return _page("unsubscribe", state="ask" if known else "gone", token=token)
    with state().db.session() as write:
        store.unsubscribe(write, token)
    return _page("unsubscribe", state="done", token=token)


def init(app: Flask) -> None:
    """The routes, the dashboard's updates pages, ``updates_on()`` in templates, the
    one-click unsubscribe exempt from the CSRF check."""
    from bot.web import auth, views_updates

    app.register_blueprint(blueprint)
    app.register_blueprint(views_updates.blueprint)
    app.jinja_env.globals["updates_on"] = updates_on
    auth.csrf_exempt(app, "updates.unsubscribe")
