"""The Flask application factory and security headers (shared state: :mod:`bot.web.context`)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from flask import Flask, g, render_template
from jinja2 import StrictUndefined
from werkzeug.exceptions import HTTPException

from bot.store.db import Database
from bot.web import filters
from bot.web.campaigns import CampaignFiles
from bot.web.context import State
from bot.web.context import WebConfig as WebConfig  # re-exported: the factory's argument

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

#: Sent with every response. No inline script or style is ever needed: the chart
#: is inline SVG with presentation attributes, the CSS and the one small script
#: (copy buttons) are static files.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def create_app(db: Database, config: WebConfig) -> Flask:
    """The web app over ``db``: the dashboard under ``/dashboard``, supporter pages under ``/c``."""
    app = Flask(__name__)
    # Autoescape every template, whatever its name (.html, .xml, .svg, .txt alike).
    app.jinja_options = {**app.jinja_options, "autoescape": True, "undefined": StrictUndefined}
    app.config.update(
        SECRET_KEY=config.secret_key,
        SESSION_COOKIE_NAME="advocacy_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.behind_proxy,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=256 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )
    if config.behind_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    app.extensions["advocacy"] = State(db, config, CampaignFiles(config.campaigns_dir))

    filters.register(app)

    from bot.web import auth, signup, views_dashboard, views_log, views_public, views_review

    auth.init(app)
    app.register_blueprint(views_public.blueprint)
    app.register_blueprint(views_dashboard.blueprint)
    app.register_blueprint(views_log.blueprint)
    app.register_blueprint(views_review.blueprint)
    signup.init(app)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if config.behind_proxy:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if not response.cache_control.public:
            response.cache_control.no_store = True
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[str, int]:
        code = exc.code or 500
        return render_template("error.html", code=code, name=exc.name, detail=exc.description), code

    return app
