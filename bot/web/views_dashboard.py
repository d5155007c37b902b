"""The dashboard's overview (numbers, the chart, pauses) and "what goes out next"."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from bot.campaigns.schema import Platform
from bot.store.models import Pause, Status
from bot.web import auth, charts, stats, upcoming
from bot.web.context import db_session, state
from bot.web.filters import PLATFORM_LABELS

blueprint = Blueprint("dashboard", __name__, url_prefix="/dashboard")
blueprint.before_request(auth.require_login)

CHART_DAYS = 14
LEGISLATOR_DAYS = 30


@blueprint.route("/")
def overview() -> str:
    app_state = state()
    session = db_session()
    now = app_state.config.clock.now()
    campaigns = app_state.campaigns.all()
    days = stats.posts_per_day(session, now, CHART_DAYS)
    chart = charts.stacked_bars(days, stats.PLATFORMS, labels=PLATFORM_LABELS)
    # Kept by the database as posts change state (bot.store.counts): read, not counted.
    counts = stats.by_status(session)
    x_accounts = {
        c.campaign.account_for(Platform.X) for c in campaigns if Platform.X in c.campaign.platforms
    }
    pauses = {p.scope: p for p in session.scalars(select(Pause).order_by(Pause.scope))}
    return render_template(
        "dashboard/overview.html",
        now=now,
        mode=app_state.config.settings.mode.value,
        campaigns=campaigns,
        campaign_errors=app_state.campaigns.errors(),
        chart=chart,
        days=days,
        chart_days=CHART_DAYS,
        counts=counts,
        people=stats.per_legislator(session, now, LEGISLATOR_DAYS),
        legislator_days=LEGISLATOR_DAYS,
        spend=stats.spend(session, app_state.config.settings, now, x_accounts),
        problems=stats.recent(session, [Status.FAILED.value, Status.UNKNOWN.value]),
        pauses=pauses,
        active_pauses=[p for p in pauses.values() if p.until is None or p.until > now],
    )


@blueprint.route("/next")
def upcoming_posts() -> str:
    app_state = state()
    now = app_state.config.clock.now()
    outlooks = upcoming.outlooks(
        app_state.db, app_state.campaigns.all(), mode=app_state.config.settings.mode, now=now
    )
    return render_template(
        "dashboard/next.html",
        now=now,
        outlooks=outlooks,
        mode=app_state.config.settings.mode.value,
    )
