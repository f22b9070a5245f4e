"""Who is asking: accounts with Flask-Login (session cookie) or an API token (``Authorization: Bearer``).

Reading requires an account unless ``MAILLAGE_ANONYMOUS_READ=1`` (a closed intranet, a
workshop room); ``/health``, the login and invitation pages, the static files and the
personal survey links stay open. Every form is protected against cross-site requests
(Flask-WTF); an API call with a token needs no CSRF token (no cookie is involved), an
API call with the session cookie sends it in ``X-CSRFToken``. Logins are throttled per
account and per address. Messages never tell whether an account exists.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlparse

from flask import Blueprint, Flask, Response, current_app, g, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from api import state
from api.problems import problem
from api.state import account, get_store
from graph import accounts, i18n
from graph.config import AccessConfig
from graph.editing import Author
from graph.i18n import t

blueprint = Blueprint("auth", __name__)
csrf = CSRFProtect()
login_manager = LoginManager()
THROTTLE_KEY = "maillage.throttle"
SETTINGS = "settings"
# Paths anyone may open, signed in or not.
OPEN_PREFIXES = ("/health", "/login", "/logout", "/invitation/", "/static/", "/survey/", "/favicon.ico")


class User(UserMixin):
    def __init__(self, account: accounts.Account):
        self.account = account

    def get_id(self) -> str:
        return self.account.login


KNOWN_KEY = "maillage.known_accounts"


def _as_last_known(key: str, lookup: Callable[[], accounts.Account | None]) -> accounts.Account | None:
    """*lookup*'s answer, remembered under *key*; while the store does not answer, the account as it was last
    read (reading from the last snapshot goes on for those signed in; writing fails anyway)."""
    known: dict = current_app.extensions[KNOWN_KEY]
    if key in known and state.recently_failed():
        g.stale = True
        return known[key]
    try:
        found = lookup()
    except Exception as error:
        if not state.unavailable(error) or key not in known:
            raise
        state.store_failed()
        g.stale = True
        return known[key]
    if found is not None:
        known[key] = found
    else:
        known.pop(key, None)
    return found


@login_manager.user_loader
def _load(login: str) -> User | None:
    account = _as_last_known("login:" + login,
                             lambda: accounts.account_of(state.read_marked(accounts.account_key(login))))
    return User(account) if account is not None and not account.disabled else None


@login_manager.request_loader
def _from_token(req) -> User | None:
    header = req.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    token = header[7:].strip()
    account = _as_last_known("token:" + accounts.digest(token), lambda: accounts.account_of_token(
        get_store(), state.read_marked(accounts.token_key(token))))
    if account is None:
        g.bad_token = True
        return None
    g.by_token = True
    return User(account)


class _SessionInterface(SecureCookieSessionInterface):
    """Session cookies marked ``Secure`` when the page was served over HTTPS (or the setting says so)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def anonymous_read(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("MAILLAGE_ANONYMOUS_READ"))


def author(source: str | None = None) -> Author:
    """Who makes this request's change (only called once :func:`require` let it through)."""
    found = account()
    assert found is not None
    return Author(found.login, found.role, found.agent, source or ("api" if request.path.startswith("/api/")
                                                                   else "form"))


def wants_json() -> bool:
    """An API client gets a problem; a person in a browser (pages, views) is sent to the login page."""
    return request.path.startswith("/api/") or g.get("by_token", False)


def unauthorised() -> Any:
    if wants_json():
        response = problem(401, t("problem.unauthorised"), t("problem.unauthorised_detail"))
        response.headers["WWW-Authenticate"] = 'Bearer realm="maillage"'
        return response
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def forbidden(reason: str = "forbidden.role") -> Response:
    return problem(403, t("problem.forbidden"), t(reason))


def require(role: str) -> Callable[[Callable], Callable]:
    """A view only accounts of *role* (or above) reach: 401 without an account, 403 below the role."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any):
            found = account()
            if found is None:
                return unauthorised()
            if not found.may(role):
                return forbidden()
            return view(*args, **kwargs)

        guarded.required_role = role  # type: ignore[attr-defined]
        return guarded

    return decorate


def _gate() -> Response | None:
    """Before every request: a refused token is a 401; reading needs an account unless anonymous reading is on;
    a form or a cookie-authenticated API write needs its CSRF token."""
    path = request.path
    if request.routing_exception is not None:
        return None  # no such page or method: Flask's 404 or 405 problem says so
    if account() is None and g.get("bad_token"):  # loading the account is what tells a refused token
        return problem(401, t("problem.unauthorised"), t("problem.bad_token"))
    if request.method not in state.SAFE_METHODS and not g.get("by_token") and (
            account() is not None or not path.startswith("/api/")):
        csrf.protect()  # an anonymous API call has no session to abuse: it gets its 401 below
    if path.startswith(OPEN_PREFIXES) or path == "/api/v1/openapi.json":
        return None
    if account() is None and not anonymous_read():
        return unauthorised()
    return None


def _secret_key(app: Flask) -> str:
    """``MAILLAGE_SECRET_KEY``, else one made once and kept in the store (every process and restart shares it)."""
    configured = os.environ.get("MAILLAGE_SECRET_KEY")
    if configured:
        return configured
    store = get_store(app)
    found = store.get_record(SETTINGS, "secret_key")
    if found is None:
        found = {"value": secrets.token_hex(32)}
        store.put_records([(SETTINGS, "secret_key", found)])
    return found["value"]


def init(app: Flask) -> None:
    access = AccessConfig.from_env()
    app.config.setdefault("MAILLAGE_ANONYMOUS_READ", access.anonymous_read)
    app.config.setdefault("MAILLAGE_PERSONS_VISIBLE_TO", access.persons_visible_to)
    app.config["SECRET_KEY"] = _secret_key(app)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=os.environ.get("MAILLAGE_SECURE_COOKIES", "") in ("1", "true"),
                      REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax",
                      WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None)
    app.session_interface = _SessionInterface()
    app.extensions[THROTTLE_KEY] = accounts.Throttle()
    app.extensions[KNOWN_KEY] = {}
    csrf.init_app(app)
    login_manager.init_app(app)
    app.before_request(_gate)
    app.jinja_env.globals["csrf_token"] = generate_csrf

    @app.context_processor
    def who() -> dict:
        lang = i18n.current_language()
        return {"me": account(), "w": i18n.words("ui", lang), "lang": lang}

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError) -> Response:
        return problem(400, t("problem.csrf"), t("problem.csrf_detail"))


def _safe_next(target: str | None) -> str:
    """Only a path of this site (no open redirect)."""
    if not target:
        return "/"
    parsed = urlparse(target)
    return target if not parsed.scheme and not parsed.netloc and target.startswith("/") else "/"


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        login_name = request.form.get("login", "").strip()
        password = request.form.get("password", "")
        throttle: accounts.Throttle = current_app.extensions[THROTTLE_KEY]
        keys = accounts.Throttle.keys(login_name, request.remote_addr or "")
        wait = throttle.blocked(get_store(), *keys)
        if wait:
            error, status = t("login.throttled", minutes=max(1, round(wait / 60))), 429
        else:
            found = accounts.authenticate(get_store(), login_name, password)
            if found is None:
                throttle.failed(get_store(), *keys)
                error, status = t("login.failed"), 401
            else:
                throttle.succeeded(get_store(), *keys)
                login_user(User(found))
                return redirect(_safe_next(request.args.get("next")))
    response = Response(render_template("login.html", error=error, next=request.args.get("next", "")),
                        status=status, mimetype="text/html")
    if status == 429:
        response.headers["Retry-After"] = "60"
    return response


@blueprint.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@blueprint.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    store = get_store()
    login_name = accounts.invitation(store, token)
    if login_name is None:
        return Response(render_template("message.html", title=t("invitation.title"),
                                        message=t("account.invitation")), status=404, mimetype="text/html")
    error = None
    if request.method == "POST":
        password, again = request.form.get("password", ""), request.form.get("again", "")
        if password != again:
            error = t("invitation.mismatch")
        else:
            try:
                found = accounts.accept_invitation(store, token, password)
            except accounts.AccountError as refused:
                error = t(refused.key, **refused.values)
            else:
                login_user(User(found))
                return redirect("/")
    return render_template("invitation.html", login=login_name, error=error, minimum=accounts.MIN_PASSWORD)
