"""The OpenAPI 3 description, built from the endpoint registry in the request's language, and a readable page."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, render_template_string

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
}


def openapi_path(flask_path: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", flask_path)


def spec(lang: str | None = None) -> dict[str, Any]:
    lang = lang or current_language()
    problem = {"description": TEXT["problem"].render(lang),
               "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    paths: dict[str, Any] = {}
    for endpoint in REGISTRY.endpoints:
        responses: dict[str, Any] = {"200": {"description": TEXT["answer"].render(lang),
                                             "content": {"application/json": {}}}, "400": problem}
        if endpoint.not_found:
            responses["404"] = problem
        paths[openapi_path(endpoint.path)] = {"get": {
            "summary": endpoint.summary.render(lang), "tags": [endpoint.tag], "operationId": endpoint.operation_id,
            "parameters": [p.openapi(lang) for p in endpoint.params], "responses": responses}}
    paths["/health"] = {"get": {"summary": TEXT["health"].render(lang), "tags": ["health"], "operationId": "health",
                                "responses": {
                                    "200": {"description": TEXT["reachable"].render(lang),
                                            "content": {"application/json": {}}},
                                    "503": {"description": TEXT["unreachable"].render(lang),
                                            "content": {"application/json": {}}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Maillage", "version": "1", "description": TEXT["description"].render(lang)},
        "paths": paths,
        "components": {"schemas": {"Problem": {"type": "object", "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "detail": {"type": "string"}, "invalid_params": {"type": "array", "items": {"type": "object"}}}}}},
    }


@blueprint.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(spec())


DOCS = """<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8"><title>API Maillage</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code{background:#f3f3f3;padding:0 .2rem}h2{margin-top:2rem;font-size:1.1rem}td,th{text-align:left;padding:.2rem .6rem;
border-bottom:1px solid #e5e5e5;vertical-align:top}</style></head><body>
<h1>API Maillage</h1><p>{{ spec.info.description }} OpenAPI :
<a href="/api/v1/openapi.json?lang={{ lang }}">/api/v1/openapi.json</a>. {{ text.errors }}
<code>application/problem+json</code>.</p>
{% for path, item in spec.paths.items() %}<h2><code>GET {{ path }}</code></h2><p>{{ item["get"].summary }}</p>
{% if item["get"].parameters %}<table><tr><th>{{ text.parameter }}</th><th>{{ text.where }}</th><th>Description</th></tr>
{% for p in item["get"].parameters %}<tr><td><code>{{ p.name }}</code>{% if p.required %} *{% endif %}</td>
<td>{{ p["in"] }}</td><td>{{ p.description }}</td></tr>{% endfor %}</table>{% endif %}{% endfor %}
</body></html>"""


@blueprint.get("/docs")
def docs() -> str:
    lang = current_language()
    return render_template_string(DOCS, spec=spec(lang), lang=lang,
                                  text={k: v.render(lang) for k, v in TEXT.items()})
