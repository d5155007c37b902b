"""Organizer decisions: the approvals queue, and pause/resume.

The same library functions as ``advocacy-bot approve``/``reject``
(:func:`bot.store.queries.approve_posts`, :func:`~bot.store.queries.reject_posts`)
and ``pause``/``resume`` (:func:`~bot.store.queries.set_pause`,
:func:`~bot.store.queries.clear_pause`). Every action is a POST with the
session's CSRF token (checked in :mod:`bot.web.auth`) by a logged-in organizer,
answered with a redirect (so reloading never repeats it).
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.store.models import Post
from bot.store.queries import (
    approve_posts,
    clear_pause,
    held_key,
    held_page,
    held_per_campaign,
    reject_posts,
    set_pause,
)
from bot.web import auth
from bot.web.context import db_session, state
from bot.web.stats import PLATFORMS

blueprint = Blueprint("review", __name__, url_prefix="/dashboard")
blueprint.before_request(auth.require_login)

PER_PAGE = 50
APPROVED_BY = "web"
_CAMPAIGN_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


def _back(default: str) -> str:
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _post_id(name: str) -> int | None:
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return None
    return value if value > 0 else None


@blueprint.route("/approvals")
def approvals() -> str:
    """Held posts, soonest due first, a page at a time by key.

    "Later →" carries ``after=<id>`` of the page's last post, "← Sooner"
    ``before=<id>`` of its first: a page deep in 10,000 held posts reads its
    own 50 (``ix_posts_status_due``), never an OFFSET that reads every one
    before it. The page sends a fixed number of statements whatever it shows:
    the anchor's key, the posts, their targets (one ``IN`` query), and the
    per-campaign counts (``post_counts``, kept by triggers).
    """
    session = db_session()
    campaign = (request.args.get("campaign") or "").strip() or None
    if campaign and not _CAMPAIGN_ID.match(campaign):
        campaign = None
    before, after = _post_id("before"), _post_id("after")
    wanted = before or after
    anchor = held_key(session, wanted) if wanted else None
    held: list[Post] = []
    sooner = later = False
    if anchor is not None and before:
        found = held_page(session, campaign=campaign, limit=PER_PAGE + 1, before=anchor)
        if len(found) > PER_PAGE:  # a full page before the anchor, and more before that
            held, sooner, later = found[1:], True, True
    elif anchor is not None:
        found = held_page(session, campaign=campaign, limit=PER_PAGE + 1, after=anchor)
        held, sooner, later = found[:PER_PAGE], True, len(found) > PER_PAGE
    if not held:
        # The first page; also where "← Sooner" lands with less than a page before it,
        # and where a page lands once every post on it and after it was decided.
        found = held_page(session, campaign=campaign, limit=PER_PAGE + 1)
        held, sooner, later = found[:PER_PAGE], False, len(found) > PER_PAGE
    per_campaign = held_per_campaign(session)
    return render_template(
        "dashboard/approvals.html",
        held=held,
        sooner=sooner,
        later=later,
        campaign=campaign,
        per_campaign=per_campaign,
        total=sum(count for _, count in per_campaign),
        per_page=PER_PAGE,
    )


@blueprint.route("/approvals/decide", methods=["POST"])
def decide() -> Response:
    form = request.form
    ids: list[int] = []
    campaign: str | None = None
    every = False
    one = form.get("one", "")
    if one:
        action, _, raw = one.partition(" ")
        ids = [int(raw)] if raw.isdigit() else []
    else:
        action = form.get("action", "")
        scope = form.get("scope", "selected")
        if scope == "selected":
            ids = [int(v) for v in form.getlist("post_id") if v.isdigit()]
        elif scope == "campaign":
            campaign = form.get("campaign", "")
            if not _CAMPAIGN_ID.match(campaign):
                abort(400, "Name a campaign.")
        elif scope == "all":
            every = True
    if action not in ("approve", "reject"):
        abort(400, "Choose approve or reject.")
    back = _back(url_for("review.approvals"))
    if not (ids or campaign or every):
        flash("Select at least one post first.", "error")
        return redirect(back)
    now = state().config.clock.now()
    with state().db.session() as session:
        # A few UPDATEs, whatever the number held; only posts still held change.
        if action == "approve":
            changed = approve_posts(
                session, ids, campaign=campaign, every=every, by=APPROVED_BY, now=now
            )
        else:
            changed = reject_posts(session, ids, campaign=campaign, every=every, now=now)
        decided = set(changed)
    verb = "Approved" if action == "approve" else "Rejected"
    flash(f"{verb} {len(decided)} post(s).")
    missing = sorted(set(ids) - decided)
    if missing:
        flash(f"Not held, so unchanged: {', '.join(f'#{i}' for i in missing)}.", "error")
    return redirect(back)


def _scope() -> str:
    kind = request.form.get("kind", "")
    if kind == "all":
        return "all"
    if kind == "campaign":
        campaign = request.form.get("campaign", "")
        if _CAMPAIGN_ID.match(campaign):
            return f"campaign:{campaign}"
    if kind == "account":
        platform, _, account = request.form.get("account", "").partition(":")
        if platform in PLATFORMS and _ACCOUNT.match(account):
            return f"account:{platform}:{account}"
    abort(400, "Choose what to pause: everything, a campaign or an account.")


@blueprint.route("/pause", methods=["POST"])
def pause() -> Response:
    scope = _scope()
    reason = (request.form.get("reason") or "").strip()[:500] or "paused from the dashboard"
    with state().db.session() as session:
        set_pause(session, scope, reason, state().config.clock.now())
    flash(f"Paused {scope}. Nothing in it is published until you resume.")
    return redirect(_back(url_for("dashboard.overview")))


@blueprint.route("/resume", methods=["POST"])
def resume() -> Response:
    scope = _scope()
    with state().db.session() as session:
        found = clear_pause(session, scope)
    flash(f"Resumed {scope}." if found else f"{scope} was not paused.")
    return redirect(_back(url_for("dashboard.overview")))
