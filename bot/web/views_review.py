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
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from bot.store.models import Post, Status
from bot.store.queries import approve_posts, clear_pause, reject_posts, set_pause
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


@blueprint.route("/approvals")
def approvals() -> str:
    session = db_session()
    campaign = (request.args.get("campaign") or "").strip() or None
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    query = select(Post).where(Post.status == Status.HELD.value)
    if campaign:
        query = query.where(Post.campaign_id == campaign)
    held = list(
        session.scalars(
            query.order_by(Post.scheduled_for, Post.id)
            .limit(PER_PAGE + 1)
            .offset((page - 1) * PER_PAGE)
        )
    )
    per_campaign = session.execute(
        select(Post.campaign_id, func.count())
        .where(Post.status == Status.HELD.value)
        .group_by(Post.campaign_id)
        .order_by(Post.campaign_id)
    ).all()
    return render_template(
        "dashboard/approvals.html",
        held=held[:PER_PAGE],
        has_next=len(held) > PER_PAGE,
        page=page,
        campaign=campaign,
        per_campaign=per_campaign,
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
        if action == "approve":
            posts = approve_posts(
                session, ids, campaign=campaign, every=every, by=APPROVED_BY, now=now
            )
        else:
            posts = reject_posts(session, ids, campaign=campaign, every=every, now=now)
        decided = {post.id for post in posts}
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
