"""``GET /api/v1/export/{format}``: the cooperation network for Gephi, yEd, Cytoscape, Kumu and spreadsheets.

Natural persons (agents, elected officials' ties) are in an export only for those who may see them
(:func:`api.state.territory`, the rule of every surface); the open-data package never has them.
"""
from __future__ import annotations

from flask import Blueprint, Response

from api.questions import raw_values
from api.registry import REGISTRY
from api.state import territory
from graph.i18n import Bilingual
from graph.questions.declaration import AS_OF, Choice, Parameter
from visualisations import exports

blueprint = Blueprint("exports", __name__, url_prefix="/api/v1")
FORMAT = Parameter("format", Choice(exports.FORMATS), Bilingual(
    "Format : gexf (Gephi), graphml (yEd, Cytoscape), kumu-csv (ZIP de deux CSV), kumu-xlsx, cytoscape (JSON), "
    "opendata (paquet Frictionless sans donnée personnelle, en ZIP).",
    "Format: gexf (Gephi), graphml (yEd, Cytoscape), kumu-csv (ZIP of two CSV), kumu-xlsx, cytoscape (JSON), "
    "opendata (Frictionless package without personal data, as ZIP)."),
    required=True, path=True)
MIMETYPES = {"gexf": "application/gexf+xml", "graphml": "application/graphml+xml", "kumu-csv": "application/zip",
             "kumu-xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "cytoscape": "application/json", "opendata": "application/zip"}


@REGISTRY.get(blueprint, "/export/<format>", Bilingual(
    "Le réseau de coopération exporté (sans les personnes pour un visiteur sans compte).",
    "The cooperation network exported (without persons for a visitor without an account)."),
    FORMAT, AS_OF, tag="export", media_types=tuple(dict.fromkeys(MIMETYPES.values())),
    answer=exports.CYTOSCAPE)
def export(format: str) -> Response:
    t = territory()
    raw = raw_values((FORMAT, AS_OF), {"format": format})
    fmt, as_of = FORMAT.check(raw["format"], t), AS_OF.check(raw["as_of"], t)
    body = exports.export(t, fmt, as_of=as_of)  # persons only for those who may see them (territory())
    response = Response(body, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="maillage{exports.SUFFIXES[fmt]}"'
    return response
