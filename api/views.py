"""The network views and figures over HTTP: /views/…"""
from __future__ import annotations

from flask import Blueprint, Response, request

from api.state import request_language, territory
from graph import queries
from graph.errors import InvalidParameter
from visualisations import figures, views
from visualisations.render import to_html

blueprint = Blueprint("views", __name__, url_prefix="/views")


def page(result) -> Response:
    graph, page_ = result
    return Response(to_html(graph, page_), mimetype="text/html")



@blueprint.before_request
def _language():
    request_language()


@blueprint.get("/territory")
def territory_view():
    args = {k: request.args.get(k) for k in ("theme", "service", "kind", "as_of", "size")}
    return page(views.territory(territory(), **args))


@blueprint.get("/actors/<actor_id>")
def actor_view(actor_id):
    return page(views.actor(territory(), actor_id, request.args.get("depth"), request.args.get("as_of")))


@blueprint.get("/projects/<project_id>")
def project_view(project_id):
    return page(views.project(territory(), project_id, request.args.get("as_of")))


@blueprint.get("/themes/<theme_id>")
def theme_view(theme_id):
    return page(views.theme(territory(), theme_id, request.args.get("as_of")))


@blueprint.get("/services")
def services_view():
    return page(views.services_map(territory(), request.args.get("level"), request.args.get("as_of")))


@blueprint.get("/services/<service_id>")
def service_view(service_id):
    return page(views.service(territory(), service_id, request.args.get("as_of")))


@blueprint.get("/figures/<name>.<fmt>")
def figure(name, fmt):
    draw = {"matrix": figures.matrix_heatmap, "ei": figures.ei_bars}.get(name)
    if draw is None:
        raise InvalidParameter("figure", name, "matrix ou ei")
    if fmt not in figures.FORMATS:
        raise InvalidParameter("format", fmt, "png ou svg")
    result = queries.cross_service(territory(), request.args.get("level"), request.args.get("as_of"))
    return Response(draw(result, fmt), mimetype="image/png" if fmt == "png" else "image/svg+xml")
