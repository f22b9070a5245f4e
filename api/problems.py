"""HTTP errors as RFC 9457 ``application/problem+json`` bodies, never an HTML page or a 500 trace.

Titles and details are written in the request's language.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from graph.errors import InvalidParameter, NotFound
from graph.i18n import render, t
from graph.mdgp import Infeasible

PROBLEM_TYPE = "application/problem+json"
LOG = logging.getLogger("maillage.errors")


def problem(status: int, title: str, detail: str = "", **extra: Any) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    return response


def _shown(value: Any) -> Any:
    return value if not isinstance(value, str) or len(value) <= 200 else value[:200] + "…"


def register(app: Flask) -> None:
    @app.errorhandler(NotFound)
    def not_found(error: NotFound) -> Response:
        return problem(404, t("problem.not_found"), error.message(), what=render(error.what),
                       identifier=error.identifier)

    @app.errorhandler(InvalidParameter)
    def invalid(error: InvalidParameter) -> Response:
        return problem(400, t("problem.invalid"), error.message(),
                       invalid_params=[{"name": error.name, "value": _shown(error.value), "reason": error.reason()}])

    @app.errorhandler(Infeasible)
    def infeasible(error: Infeasible) -> Response:
        # No plan can meet the workshop's constraints (the API, the brief, its PDF, its participants list).
        return problem(422, t("problem.infeasible"), error.reason.render(), constraint=error.reason.key)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return problem(error.code or 500, error.name, error.description or "")

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        from api import state

        if state.unavailable(error):
            # Nothing was committed (a write whose commit is in doubt raised too): the client tries again.
            state.store_failed()
            LOG.warning("store unavailable: %s", type(error).__name__)
            response = problem(503, t("problem.unavailable"), t("problem.unavailable_detail"))
            response.headers["Retry-After"] = str(state.RETRY_AFTER)
            return response
        LOG.exception("unexpected error")
        return problem(500, "Internal Server Error", t("problem.internal"))
