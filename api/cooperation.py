"""The cooperation queries over HTTP: each one a thin call to :mod:`graph.queries`."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from api.json_provider import encode
from api.registry import ACTOR_ID, AS_OF, REGISTRY, Param
from api.state import territory
from graph import queries

blueprint = Blueprint("cooperation", __name__, url_prefix="/api/v1")


def _args(*names: str) -> dict:
    return {name: request.args.get(name) for name in names}


def global_answer(query, **params) -> Response:
    """A global measure's JSON, encoded once per store version: repeats cost a cache lookup, not a re-encoding."""
    t = territory()
    key = ("json", query.__name__) + tuple(sorted(params.items()))
    body = t.measure(key, lambda: encode(query(t, **params)))
    return Response(body, mimetype="application/json")


@REGISTRY.get(blueprint, "/actors/<actor_id>/works-with",
              "Avec qui travaille cet acteur : collaborateurs, poids et preuves de chaque lien.",
              ACTOR_ID, Param("theme", "Thème (identifiant ou libellé)."),
              Param("kind", "Type des collaborateurs : agent, service, elu, association, partenaire."), AS_OF,
              tag="cooperation", not_found=True)
def works_with(actor_id):
    return jsonify(queries.works_with(territory(), actor_id, **_args("theme", "kind", "as_of")))


@REGISTRY.get(blueprint, "/actors/<actor_id>/ego", "Le voisinage d'un acteur jusqu'à 1, 2 ou 3 pas.",
              ACTOR_ID, Param("depth", "Profondeur (1 à 3).", "integer", minimum=1, maximum=3), AS_OF,
              tag="cooperation", not_found=True)
def ego(actor_id):
    return jsonify(queries.ego(territory(), actor_id, **_args("depth", "as_of")))


@REGISTRY.get(blueprint, "/cooperation/services",
              "Matrice des coopérations entre services (ou pôles) et indice E-I de Krackhardt et Stern.",
              Param("level", "Niveau : service ou pole.", enum=("service", "pole")), AS_OF, tag="cooperation")
def cross_service():
    return global_answer(queries.cross_service, **_args("level", "as_of"))


@REGISTRY.get(blueprint, "/cooperation/isolated", "Acteurs isolés ou périphériques, avec leurs raisons.",
              AS_OF, tag="cooperation")
def isolated():
    return global_answer(queries.isolated, **_args("as_of"))


@REGISTRY.get(blueprint, "/cooperation/single-points",
              "Points de fragilité : organisations reliées par un seul agent, points d'articulation, ponts.",
              AS_OF, tag="cooperation")
def single_points():
    return global_answer(queries.single_points, **_args("as_of"))


@REGISTRY.get(blueprint, "/cooperation/brokers",
              "Passeurs : intermédiarité, contrainte de Burt, taille effective, rôles de Gould et Fernandez.",
              Param("limit", "Nombre de passeurs (1 à 500).", "integer", minimum=1, maximum=500), AS_OF,
              tag="cooperation")
def brokers():
    return global_answer(queries.brokers, **_args("limit", "as_of"))


@REGISTRY.get(blueprint, "/cooperation/communities",
              "Communautés de coopération (Louvain, graine fixe) comparées aux services.",
              AS_OF, Param("seed", "Graine de l'algorithme (42 par défaut).", "integer", minimum=0), tag="cooperation")
def communities():
    return global_answer(queries.communities, **_args("as_of", "seed"))


@REGISTRY.get(blueprint, "/cooperation/path",
              "Chaînes de coopération les plus courtes entre deux acteurs, avec les preuves de chaque pas.",
              Param("from", "Acteur de départ.", required=True), Param("to", "Acteur d'arrivée.", required=True),
              AS_OF, Param("alternatives", "Chemins de rechange (0 à 5).", "integer", minimum=0, maximum=5),
              tag="cooperation", not_found=True)
def path():
    source, target = request.args.get("from"), request.args.get("to")
    for name, value in (("from", source), ("to", target)):
        if not value:
            raise queries.InvalidParameter(name, "", "l'identifiant d'un acteur")
    return jsonify(queries.path(territory(), source, target, **_args("as_of", "alternatives")))


@REGISTRY.get(blueprint, "/themes/<theme_id>/coverage",
              "Couverture d'un thème : projets, acteurs, services ; alerte si un seul service ou une seule personne.",
              Param("theme_id", "Identifiant du thème.", location="path"), AS_OF, tag="cooperation", not_found=True)
def coverage(theme_id):
    return jsonify(queries.theme_coverage(territory(), theme_id, **_args("as_of")))


@REGISTRY.get(blueprint, "/cooperation/changes",
              "Ce qui a changé entre deux dates : liens nouveaux ou terminés, acteurs devenus (ou plus) isolés.",
              Param("from", "Date de début (AAAA-MM-JJ).", required=True, format="date"),
              Param("to", "Date de fin (AAAA-MM-JJ).", required=True, format="date"), tag="cooperation")
def changes():
    return jsonify(queries.changes(territory(), request.args.get("from"), request.args.get("to")))
