"""The network views and figures over HTTP: one route per declared view (:data:`visualisations.views.VIEWS`)."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, request

from api.questions import flask_path
from api.state import territory
from graph.errors import InvalidParameter
from graph.i18n import Message
from visualisations.declaration import View
from visualisations.views import FIGURES, VIEWS

blueprint = Blueprint("views", __name__, url_prefix="/views")


def _page(view: View) -> Callable[..., Response]:
    def page(**in_path: str) -> Response:
        raw = {p.name: in_path.get(p.public_name) if p.path else request.args.get(p.public_name)
               for p in view.parameters}
        return Response(view.html(territory(), **raw), mimetype="text/html")

    page.__name__ = f"{view.name}_view"
    return page


for _view in VIEWS.values():
    blueprint.add_url_rule(flask_path(_view.path), view_func=_page(_view), methods=["GET"])


@blueprint.get("/figures/<name>.<fmt>")
def figure(name: str, fmt: str) -> Response:
    declared = FIGURES.get(name)
    if declared is None:
        raise InvalidParameter("figure", name, Message("expect.choice", choices=", ".join(FIGURES)))
    raw = {p.name: request.args.get(p.public_name) for p in declared.parameters}
    return Response(declared.image(territory(), fmt, **raw), mimetype=declared.mimetype(fmt))
