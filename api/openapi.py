"""The OpenAPI 3 description, built from the endpoint registry in the request's language, and a readable page."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, render_template

from api.registry import REGISTRY
from graph.i18n import Bilingual, current_language

blueprint = Blueprint("openapi", __name__, url_prefix="/api/v1")

TEXT = {
    "problem": Bilingual("Problème (application/problem+json)", "Problem (application/problem+json)"),
    "answer": Bilingual("Réponse JSON", "JSON answer"),
    "health": Bilingual("Base utilisée et joignabilité.", "Store in use and whether it answers."),
    "reachable": Bilingual("Base joignable", "Store reachable"),
    "unreachable": Bilingual("Base injoignable", "Store unreachable"),
    "description": Bilingual("Graphe de coopération d'un territoire : qui travaille avec qui, et pourquoi.",
                             "A territory's cooperation graph: who works with whom, and why."),
    "parameter": Bilingual("Paramètre", "Parameter"),
    "where": Bilingual("Où", "Where"),
    "errors": Bilingual("Les erreurs sont des documents", "Errors are"),
    "role": Bilingual("Rôle minimal :", "Least role:"),
    "if_match": Bilingual("L'ETag lu : la modification n'est faite que si rien n'a changé depuis (sinon 412).",
                          "The ETag read: the change is made only if nothing changed since (412 otherwise)."),
}


def openapi_path(flask_path: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", flask_path)


# Answers any endpoint may give: no account where one is needed (401), the store not answering (503).
ANY_ENDPOINT = (401, 503)


def spec(lang: str | None = None) -> dict[str, Any]:
    lang = lang or current_language()
    problem = {"description": TEXT["problem"].render(lang),
               "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    paths: dict[str, Any] = {}
    for endpoint in REGISTRY.endpoints:
        responses: dict[str, Any] = {"200": {"description": TEXT["answer"].render(lang),
                                             "content": {media: {"schema": endpoint.answer}
                                                         if endpoint.answer and media == "application/json" else {}
                                                         for media in endpoint.media_types}},
                                     "400": problem, **{str(code): problem for code in ANY_ENDPOINT}}
        if endpoint.not_found:
            responses["404"] = problem
        responses.update((str(code), problem) for code in endpoint.problems)
        paths[openapi_path(endpoint.path)] = {"get": {
            "summary": endpoint.summary.render(lang), "tags": [endpoint.tag], "operationId": endpoint.operation_id,
            "parameters": [p.openapi(lang) for p in endpoint.params], "responses": responses}}
    from api.writes import PATH_EXAMPLES, PROPOSAL, WRITES

    for write in WRITES:
        in_path = re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", write.path)
        # A malformed body or query (400), too large (413), no such record (404), a stale ETag (412).
        codes = set(write.responses) | {403, *ANY_ENDPOINT} | ({404} if in_path else set()) \
            | ({400, 413} if write.body is not None or write.method == "GET" else set()) \
            | ({412} if write.etag else set())
        operation: dict[str, Any] = {
            "summary": write.summary.render(lang), "tags": ["edition"], "operationId": write.operation_id,
            "description": TEXT["role"].render(lang) + " " + write.role,
            "security": [{"bearer": []}, {"session": []}],
            "responses": {str(code): ({"description": TEXT["answer"].render(lang), "content": {"application/json": {
                "schema": PROPOSAL if code == 202 else write.answer or {}}}} if code < 300 else problem)
                          for code in sorted(codes)}}
        parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"},
                       **({"example": PATH_EXAMPLES[name]} if name in PATH_EXAMPLES else {})} for name in in_path]
        if write.etag:
            parameters.append({"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
                               "description": TEXT["if_match"].render(lang)})
        if write.path.endswith("/history") and write.method == "GET":
            parameters += [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                           for name in ("by", "kind", "since", "until", "touching", "limit")]
        if parameters:
            operation["parameters"] = parameters
        if write.body is not None:
            operation["requestBody"] = {"required": False, "content": {"application/json": {"schema": write.body}}}
        paths.setdefault(openapi_path(write.path), {})[write.method.lower()] = operation
    from api.health import ANSWER as HEALTH

    paths["/health"] = {"get": {"summary": TEXT["health"].render(lang), "tags": ["health"], "operationId": "health",
                                "responses": {
                                    "200": {"description": TEXT["reachable"].render(lang),
                                            "content": {"application/json": {"schema": HEALTH}}},
                                    "503": {"description": TEXT["unreachable"].render(lang),
                                            "content": {"application/json": {"schema": HEALTH}}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Maillage", "version": "1", "description": TEXT["description"].render(lang)},
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                           "session": {"type": "apiKey", "in": "cookie", "name": "session"}},
                       "schemas": {"Problem": {"type": "object", "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "detail": {"type": "string"}, "invalid_params": {"type": "array", "items": {"type": "object"}}}}}},
    }


@blueprint.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(spec())


@blueprint.get("/docs")
def docs() -> str:
    lang = current_language()
    return render_template("api_docs.html", spec=spec(lang), lang=lang,
                           text={k: v.render(lang) for k, v in TEXT.items()})
