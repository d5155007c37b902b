"""The dashboard login and CSRF protection.

**Login.** One shared password (``DASHBOARD_PASSWORD``), compared in constant
time. A successful login marks the session (Flask's cookie, signed with
itsdangerous, ``HttpOnly``, ``SameSite=Lax``) and gives it a fresh CSRF
token. Too many wrong passwords from one address within
:data:`THROTTLE_WINDOW` are answered 429 until the window passes.

**CSRF.** Every session holds a random token; every form carries it in a
hidden ``csrf_token`` field, and every POST without the session's token is
refused with 400 before any view runs (the login form included). A POST whose
``Origin`` header names another site is refused too.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

CSRF_FIELD = "csrf_token"
THROTTLE_ATTEMPTS = 10
THROTTLE_WINDOW = 15 * 60.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

blueprint = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., object])


def _password() -> str | None:
    from bot.web.context import state

    return state().config.password


def auth_enabled() -> bool:
    return _password() is not None


def logged_in() -> bool:
    """Whether this request may see the dashboard and act on it."""
    return not auth_enabled() or session.get("organizer") is True


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def csrf_exempt(app: Flask, endpoint: str) -> None:
    """Let POSTs to ``endpoint`` through without a CSRF token: only for a view whose URL
    itself carries an unguessable secret (the one-click unsubscribe, RFC 8058)."""
    app.extensions.setdefault("advocacy.csrf_exempt", set()).add(endpoint)


def _check_csrf() -> None:
    if request.method in SAFE_METHODS:
        return
    if request.endpoint in current_app.extensions.get("advocacy.csrf_exempt", ()):
        return
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        abort(403, "This form was sent from another site.")
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get(CSRF_FIELD)
    if not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        abort(
            400,
            "The form's security token is missing or out of date. Go back, reload the page "
            "and try again.",
        )


def require_login() -> Response | None:
    """A ``before_request`` hook for the dashboard's blueprints."""
    if logged_in():
        return None
    if request.method in SAFE_METHODS:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(403, "Log in to the dashboard first.")


class _Throttle:
    """Wrong passwords per client address, in a sliding window (one process's memory)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def blocked(self, who: str, now: float) -> float:
        """Seconds until ``who`` may try again (0: now)."""
        with self._lock:
            recent = self._prune(who, now)
            if len(recent) < THROTTLE_ATTEMPTS:
                return 0.0
            return recent[0] + THROTTLE_WINDOW - now

    def fail(self, who: str, now: float) -> None:
        with self._lock:
            self._prune(who, now).append(now)

    def clear(self, who: str) -> None:
        with self._lock:
            self._failures.pop(who, None)

    def _prune(self, who: str, now: float) -> deque[float]:
        recent = self._failures.setdefault(who, deque())
        while recent and recent[0] <= now - THROTTLE_WINDOW:
            recent.popleft()
        return recent


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no ``//host`` or ``scheme:``) is followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("dashboard.overview")


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int, dict[str, str]]:
    target = _safe_next(request.values.get("next"))
    if not auth_enabled():
        return redirect(target)
    throttle: _Throttle = current_app.extensions["advocacy_throttle"]
    who = request.remote_addr or "?"
    error = None
    if request.method == "POST":
        now = time.monotonic()
        wait = throttle.blocked(who, now)
        if wait > 0:
            error = f"Too many wrong passwords. Try again in {int(wait // 60) + 1} minutes."
            page = render_template("login.html", error=error, next=target)
            return page, 429, {"Retry-After": str(int(wait) + 1)}
        given = request.form.get("password", "")
        expected = _password() or ""
        if hmac.compare_digest(given.encode(), expected.encode()):
            throttle.clear(who)
            session.clear()
            session.permanent = True
            session["organizer"] = True
            csrf_token()
            flash("Logged in.")
            return redirect(target)
        throttle.fail(who, now)
        error = "That password is not right."
    return render_template("login.html", error=error, next=target)


@blueprint.route("/logout", methods=["POST"])
def logout() -> Response:
    session.clear()
    flash("Logged out.")
    return redirect(url_for("public.index"))


def init(app: Flask) -> None:
    """CSRF on every POST, the login routes, and ``csrf_token()`` in templates."""
    app.extensions["advocacy_throttle"] = _Throttle()
    app.before_request(_check_csrf)
    app.register_blueprint(blueprint)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["logged_in"] = logged_in
    app.jinja_env.globals["auth_enabled"] = auth_enabled
