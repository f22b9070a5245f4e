"""Read endpoints: actors, one actor, projects, themes, services."""
from __future__ import annotations

import unicodedata
from dataclasses import asdict

from flask import Blueprint, jsonify, request

from api.app import get_store
from api.registry import REGISTRY, Param
from api.state import territory
from graph import queries, schema
from graph.errors import InvalidParameter

blueprint = Blueprint("catalogue", __name__, url_prefix="/api/v1")

PAGE = Param("page", "Numéro de page (à partir de 1).", "integer", minimum=1, maximum=100000)
PER_PAGE = Param("per_page", "Éléments par page (1 à 200, 50 par défaut).", "integer", minimum=1, maximum=200)
SEARCH = Param("q", "Recherche dans le nom (sans tenir compte des accents ni de la casse).")


@REGISTRY.get(blueprint, "/status", "Base utilisée et effectifs par type de nœud et de relation.", tag="catalogue")
def status():
    store = get_store()
    return jsonify({"store": store.backend, "nodes": store.node_counts(),
                    "relationships": store.relationship_counts()})


def folded(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()


def paginate(items: list) -> dict:
    page = queries.check_int("page", request.args.get("page"), 1, 100000, 1)
    per_page = queries.check_int("per_page", request.args.get("per_page"), 1, 200, 50)
    start = (page - 1) * per_page
    return {"total": len(items), "page": page, "per_page": per_page, "items": items[start:start + per_page]}


def text_filter():
    q = request.args.get("q")
    if q is not None and len(q) > 200:
        raise InvalidParameter("q", q[:40] + "…", "un texte de 200 caractères au plus")
    return folded(q) if q else None


@REGISTRY.get(blueprint, "/actors", "Acteurs, filtrés par type, service, thème ou texte ; paginés.",
              Param("kind", "Type : agent, service, elu, association, partenaire."),
              Param("service", "Identifiant d'un service : ses agents (et ceux des services qu'il contient)."),
              Param("theme", "Thème (identifiant ou libellé)."), SEARCH, PAGE, PER_PAGE, tag="catalogue")
def actors():
    t = territory()
    kind = queries.check_kind(request.args.get("kind"))
    theme = queries.check_theme(t, request.args.get("theme"))
    service = queries.check_service(t, request.args.get("service"))
    members = t.members_of(service) if service else None
    q = text_filter()
    items = []
    for node in sorted(t.nodes.values(), key=lambda n: (folded(n.name), n.id)):
        if node.kind not in schema.ACTOR_LABELS or (kind and node.kind != kind):
            continue
        if theme and theme not in t.actor_themes.get(node.id, ()):
            continue
        if members is not None and node.id not in members:
            continue
        if q and q not in folded(node.name):
            continue
        items.append(t.summary(node.id))
    return jsonify(paginate(items))


@REGISTRY.get(blueprint, "/actors/<actor_id>", "Un acteur : ses propriétés, thèmes, projets et provenance.",
              Param("actor_id", "Identifiant de l'acteur.", location="path"), tag="catalogue", not_found=True)
def actor(actor_id):
    t = territory()
    node = t.actor(actor_id)
    projects = [{**t.summary(r.target), "role": r.properties.get("role")}
                for r in t.by_type["PARTICIPATES_IN"] if r.source == actor_id]
    return jsonify({**t.summary(actor_id), "properties": node.properties,
                    "themes": [t.summary(th) for th in sorted(t.actor_themes.get(actor_id, ()))],
                    "projects": projects,
                    "provenance": asdict(node.provenance) if node.provenance else None,
                    "personal": node.kind in schema.PERSONAL_LABELS})


@REGISTRY.get(blueprint, "/projects", "Projets, filtrés par thème, statut ou texte ; paginés.",
              Param("theme", "Thème (identifiant ou libellé)."), Param("status", "Statut (ex. « en cours »)."),
              SEARCH, PAGE, PER_PAGE, tag="catalogue")
def projects():
    t = territory()
    theme = queries.check_theme(t, request.args.get("theme"))
    status, q = request.args.get("status"), text_filter()
    items = []
    for node in sorted(t.nodes.values(), key=lambda n: (folded(n.name), n.id)):
        if node.kind != schema.PROJECT.label or (theme and theme not in t.project_themes.get(node.id, ())):
            continue
        if (status and node.properties.get("status") != status) or (q and q not in folded(node.name)):
            continue
        items.append({**t.summary(node.id), **node.properties,
                      "themes": sorted(t.project_themes.get(node.id, ()))})
    return jsonify(paginate(items))


@REGISTRY.get(blueprint, "/projects/<project_id>", "Un projet et ses participants.",
              Param("project_id", "Identifiant du projet.", location="path"), tag="catalogue", not_found=True)
def project(project_id):
    t = territory()
    node = t.node(project_id, (schema.PROJECT.label,), "projet")
    participants = [{**t.summary(r.source), "role": r.properties.get("role")}
                    for r in t.by_type["PARTICIPATES_IN"] if r.target == project_id]
    return jsonify({**t.summary(project_id), "properties": node.properties,
                    "themes": [t.summary(th) for th in sorted(t.project_themes.get(project_id, ()))],
                    "participants": participants})


@REGISTRY.get(blueprint, "/themes", "Thèmes, avec leur couverture (projets, acteurs, services) et les alertes.",
              tag="catalogue")
def themes():
    covered = queries.theme_coverage(territory())["themes"]
    return jsonify({"items": [{**c["theme"], "projects": len(c["projects"]), "actors": len(c["actors"]),
                               "services": len(c["services"]), "single_service": c["single_service"],
                               "single_person": c["single_person"]} for c in covered]})


@REGISTRY.get(blueprint, "/services", "Services et pôles, avec leur parent et leur nombre d'agents.",
              tag="catalogue")
def services():
    t = territory()
    items = [{**t.summary(n.id), "parent": t.parent_of.get(n.id), "pole": t.pole_of(n.id),
              "agents": len(t.agents_by_service.get(n.id, ()))}
             for n in sorted(t.nodes.values(), key=lambda n: n.id) if n.kind == schema.SERVICE.label]
    return jsonify({"items": items})
