"""The network views and figures over HTTP: one route per declared view (:data:`visualisations.views.VIEWS`)."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, send_from_directory

from api.questions import flask_path, raw_values
from api.security import csp_nonce
from api.state import territory
from graph.errors import InvalidParameter
from graph.i18n import Message
from visualisations.declaration import View
from visualisations.render import ASSETS, VIS_DIR
from visualisations.views import FIGURES, VIEWS

blueprint = Blueprint("views", __name__, url_prefix="/views")
# vis-network's files, once per browser: under /static/ (open, like any library's code) and named by their
# version, so that they are cached for a year and a new version is another address.
ASSETS_URL = f"/static/{VIS_DIR.name}"
assets = Blueprint("view_assets", __name__, url_prefix=ASSETS_URL)


@assets.get("/<name>")
def asset(name: str) -> Response:
    if name not in ASSETS:
        abort(404)
    return send_from_directory(VIS_DIR, name, max_age=365 * 24 * 3600)


def _page(view: View) -> Callable[..., Response]:
    def page(**in_path: str) -> Response:
        return Response(view.html(territory(view.counts_only), csp_nonce(), ASSETS_URL,
                                  **raw_values(view.parameters, in_path)), mimetype="text/html")

    page.__name__ = f"{view.name}_view"
    return page


for _view in VIEWS.values():
    blueprint.add_url_rule(flask_path(_view.path), view_func=_page(_view), methods=["GET"])


@blueprint.get("/figures/<name>.<fmt>")
def figure(name: str, fmt: str) -> Response:
    declared = FIGURES.get(name)
    if declared is None:
        raise InvalidParameter("figure", name, Message("expect.choice", choices=", ".join(FIGURES)))
    return Response(declared.image(territory(declared.counts_only), fmt, **raw_values(declared.parameters)),
                    mimetype=declared.mimetype(fmt))
