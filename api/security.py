"""What every response carries: security headers, a request id, and one log line.

The Content-Security-Policy allows no inline script or style except those the page itself
contains, by their SHA-256 hashes (the views are self-contained files: the same HTML is
written by ``maillage view`` and served here, so hashes rather than nonces), nothing
from another site, no framing (``frame-ancestors 'none'``), forms posted only here.

Each request gets an id (``X-Request-Id``: the client's if it sent a reasonable one)
and, once answered, one log line (:mod:`api.logs`): method, route, status, duration,
the account's login. Never the query string (a search may be a person's name), a
survey or invitation link's token, or a body.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from api import state

LOG = logging.getLogger("maillage.requests")
INLINE = re.compile(rb"<(script|style)(?![^>]*\bsrc=)[^>]*>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE)
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
SECRET_ARGUMENTS = ("token",)  # route arguments never logged (personal links)


def _hashes(body: bytes) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"script": [], "style": []}
    for tag, content in INLINE.findall(body):
        digest = base64.b64encode(hashlib.sha256(content).digest()).decode("ascii")
        found[tag.decode("ascii").lower()].append(f"'sha256-{digest}'")
    return found


def content_security_policy(body: bytes | None) -> str:
    """The policy of a page whose HTML is *body* (None: not a page: nothing inline may run)."""
    hashes = _hashes(body) if body else {"script": [], "style": []}
    return "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(["'self'", *dict.fromkeys(hashes["script"])]),
        "style-src " + " ".join(["'self'", *dict.fromkeys(hashes["style"])]),
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ])


def _begin() -> None:
    g.started = time.perf_counter()
    asked = request.headers.get("X-Request-Id", "")
    g.request_id = asked if REQUEST_ID.fullmatch(asked) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    response = state.mark_stale(response)
    html = response.mimetype == "text/html" and not response.direct_passthrough
    response.headers["Content-Security-Policy"] = content_security_policy(response.get_data() if html else None)
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
    found = state.account()
    LOG.info("%s %s %s", request.method, rule or "(no route)", response.status_code, extra={"fields": {
        "request_id": g.get("request_id"), "method": request.method, "route": rule, "arguments": arguments,
        "status": response.status_code, "ms": round((time.perf_counter() - g.get("started", time.perf_counter()))
                                                     * 1000, 2),
        "account": found.login if found is not None else None, "stale": bool(g.get("stale"))}})


def init(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_finish)
