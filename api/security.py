"""What every response carries: security headers, a request id, and one log line.

The Content-Security-Policy allows no inline script or style but those the templates
wrote with this response's nonce (a name or a text that slipped into a page as markup
would not have it), nothing from another site, no framing (``frame-ancestors 'none'``),
forms posted only here. The views stay self-contained files: ``maillage view`` writes
them without a nonce, the server with one.

Each request gets an id (``X-Request-Id``: the client's if it sent a reasonable one)
and, once answered, one log line (:mod:`api.logs`): method, route, status, duration,
the account's login. Never the query string (a search may be a person's name), a
survey or invitation link's token, or a body.
"""
from __future__ import annotations

import logging
import re
import secrets
import time
import uuid

from flask import Flask, Response, g, request

from api import state

LOG = logging.getLogger("maillage.requests")
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
SECRET_ARGUMENTS = ("token",)  # route arguments never logged (personal links)


def csp_nonce() -> str:
    """This response's nonce, for the templates' ``<script>`` and ``<style>`` elements."""
    return g.get("csp_nonce", "")


def content_security_policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'none'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ])


def _begin() -> None:
    g.started = time.perf_counter()
    g.csp_nonce = secrets.token_urlsafe(18)
    asked = request.headers.get("X-Request-Id", "")
    g.request_id = asked if REQUEST_ID.fullmatch(asked) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    response = state.mark_stale(response)
    response.headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"  # frame-ancestors, for browsers that predate it
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["X-Request-Id"] = g.get("request_id", "")
    _log(response)
    return response


def _log(response: Response) -> None:
    rule = request.url_rule.rule if request.url_rule is not None else None
    arguments = {name: value for name, value in (request.view_args or {}).items() if name not in SECRET_ARGUMENTS}
    # The account only if this request loaded it already: logging must not read the store (it may be down).
    user = g.get("_login_user")
    login = user.account.login if getattr(user, "is_authenticated", False) else None
    LOG.info("%s %s %s", request.method, rule or "(no route)", response.status_code, extra={"fields": {
        "request_id": g.get("request_id"), "method": request.method, "route": rule, "arguments": arguments,
        "status": response.status_code, "ms": round((time.perf_counter() - g.get("started", time.perf_counter()))
                                                     * 1000, 2),
        "account": login, "stale": bool(g.get("stale"))}})


def init(app: Flask) -> None:
    app.before_request(_begin)
    app.context_processor(lambda: {"csp_nonce": csp_nonce()})
    app.after_request(_finish)
