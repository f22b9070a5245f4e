"""HTTP errors as RFC 9457 ``application/problem+json`` bodies, never an HTML page or a 500 trace."""
from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from graph.errors import InvalidParameter, NotFound

PROBLEM_TYPE = "application/problem+json"


def problem(status: int, title: str, detail: str = "", **extra):
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    return response


def register(app: Flask) -> None:
    @app.errorhandler(NotFound)
    def not_found(error: NotFound):
        return problem(404, "Introuvable", str(error), what=error.what, identifier=error.identifier)

    @app.errorhandler(InvalidParameter)
    def invalid(error: InvalidParameter):
        value = error.value if not isinstance(error.value, str) or len(error.value) <= 200 else error.value[:200] + "…"
        return problem(400, "Paramètre invalide", str(error),
                       invalid_params=[{"name": error.name, "value": value, "reason": error.expected}])

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return problem(error.code or 500, error.name, error.description or "")

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unexpected error")
        return problem(500, "Internal Server Error", "Erreur interne : l'incident est consigné dans le journal.")
