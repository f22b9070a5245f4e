"""The OpenAPI 3 description, built from the endpoint registry, and a readable page documenting it."""
from __future__ import annotations

import re

from flask import Blueprint, jsonify, render_template_string

from api.registry import REGISTRY

blueprint = Blueprint("openapi", __name__, url_prefix="/api/v1")

PROBLEM = {"description": "Problème (application/problem+json)",
           "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def openapi_path(flask_path: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", flask_path)


def spec() -> dict:
    paths: dict = {}
    for endpoint in REGISTRY.endpoints:
        responses = {"200": {"description": "Réponse JSON", "content": {"application/json": {}}},
                     "400": PROBLEM}
        if endpoint.not_found:
            responses["404"] = PROBLEM
        paths["/api/v1" + openapi_path(endpoint.path)] = {"get": {
            "summary": endpoint.summary, "tags": [endpoint.tag], "operationId": endpoint.view.__name__,
            "parameters": [p.openapi() for p in endpoint.params], "responses": responses}}
    paths["/health"] = {"get": {"summary": "Base utilisée et joignabilité.", "tags": ["health"],
                                "operationId": "health", "responses": {
                                    "200": {"description": "Base joignable", "content": {"application/json": {}}},
                                    "503": {"description": "Base injoignable", "content": {"application/json": {}}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Maillage", "version": "1", "description":
                 "Graphe de coopération d'un territoire : qui travaille avec qui, et pourquoi."},
        "paths": paths,
        "components": {"schemas": {"Problem": {"type": "object", "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "detail": {"type": "string"}, "invalid_params": {"type": "array", "items": {"type": "object"}}}}}},
    }


@blueprint.get("/openapi.json")
def openapi_json():
    return jsonify(spec())


DOCS = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>API Maillage</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code{background:#f3f3f3;padding:0 .2rem}h2{margin-top:2rem;font-size:1.1rem}td,th{text-align:left;padding:.2rem .6rem;
border-bottom:1px solid #e5e5e5;vertical-align:top}</style></head><body>
<h1>API Maillage</h1><p>{{ spec.info.description }} Description OpenAPI :
<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>. Les erreurs sont des documents
<code>application/problem+json</code>.</p>
{% for path, item in spec.paths.items() %}<h2><code>GET {{ path }}</code></h2><p>{{ item["get"].summary }}</p>
{% if item["get"].parameters %}<table><tr><th>Paramètre</th><th>Où</th><th>Description</th></tr>
{% for p in item["get"].parameters %}<tr><td><code>{{ p.name }}</code>{% if p.required %} *{% endif %}</td>
<td>{{ p["in"] }}</td><td>{{ p.description }}</td></tr>{% endfor %}</table>{% endif %}{% endfor %}
</body></html>"""


@blueprint.get("/docs")
def docs():
    return render_template_string(DOCS, spec=spec())
