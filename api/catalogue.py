"""Read endpoints: actors, one actor, projects, themes, services."""
from __future__ import annotations

import unicodedata
from dataclasses import asdict

from flask import Blueprint, Response, jsonify, request

from api.registry import REGISTRY
from api.state import get_store, territory
from graph import schema
from graph.answers import (
    ANY_OBJECT,
    BOOLEAN,
    COUNTS,
    INTEGER,
    SUMMARY,
    TEXT,
    TEXTS,
    array,
    extended,
    items,
    nullable,
    obj,
)
from graph.i18n import Bilingual
from graph.model import Node
from graph.questions.coverage import theme_coverage
from graph.questions.declaration import ACTOR, ActorKind, Integer, NodeId, Parameter, ServiceId, Text, ThemeRef
from graph.territory import Territory

blueprint = Blueprint("catalogue", __name__, url_prefix="/api/v1")

PAGE = Parameter("page", Integer(1, 100000), Bilingual("Numéro de page (à partir de 1).", "Page number (from 1)."),
                 default=1)
PER_PAGE = Parameter("per_page", Integer(1, 200), Bilingual("Éléments par page (1 à 200, 50 par défaut).",
                                                            "Items per page (1 to 200, 50 by default)."), default=50)
SEARCH = Parameter("q", Text(200), Bilingual("Recherche dans le nom (sans tenir compte des accents ni de la casse).",
                                             "Search in the name (ignoring accents and case)."))
KIND = Parameter("kind", ActorKind(), Bilingual("Type : agent, service, elu, association, partenaire.",
                                                "Kind: agent, service, elected, association, partner."))
SERVICE = Parameter("service", ServiceId(), Bilingual(
    "Identifiant d'un service : ses agents (et ceux des services qu'il contient).",
    "A service's identifier: its agents (and those of the services it contains)."))
THEME = Parameter("theme", ThemeRef(), Bilingual("Thème (identifiant ou libellé).", "Theme (identifier or label)."))
STATUS = Parameter("status", Text(200), Bilingual("Statut (ex. « en cours »).", "Status (e.g. « en cours »)."))
PROJECT = Parameter("project", NodeId((schema.PROJECT.label,), "project"),
                    Bilingual("Identifiant du projet.", "The project's identifier."), required=True, path=True,
                    public="project_id", example="proj-00001")

# The answers' shapes (graph.answers).
STATUS_ANSWER = obj({"store": TEXT, "nodes": COUNTS, "relationships": COUNTS})
PAGE_COUNTS = {"total": INTEGER, "page": INTEGER, "per_page": INTEGER}
_ROLE = {"role": nullable(TEXT)}
_PROVENANCE = nullable(obj({"source": TEXT}, {"line": nullable(INTEGER), "kind": TEXT, "at": nullable(TEXT)},
                           more=True))
ACTOR_ANSWER = extended(SUMMARY, {"properties": ANY_OBJECT, "themes": array(SUMMARY),
                                  "projects": array(extended(SUMMARY, _ROLE)),
                                  "provenance": _PROVENANCE, "personal": BOOLEAN})
# A project's listing carries its own properties beside its summary.
PROJECTS_ANSWER = items({**extended(SUMMARY, {"themes": TEXTS}), "additionalProperties": True}, **PAGE_COUNTS)
PROJECT_ANSWER = extended(SUMMARY, {"properties": ANY_OBJECT, "themes": array(SUMMARY),
                                    "participants": array(extended(SUMMARY, _ROLE))})
THEMES_ANSWER = items(obj({"id": TEXT, "name": TEXT, "projects": INTEGER, "actors": INTEGER, "services": INTEGER,
                           "single_service": BOOLEAN, "single_person": BOOLEAN}))
SERVICES_ANSWER = items(extended(SUMMARY, {"parent": nullable(TEXT), "pole": TEXT, "agents": INTEGER}))


def checked(t: Territory, *parameters: Parameter) -> dict:
    """The query string's values of *parameters*, checked."""
    return {p.name: p.check(request.args.get(p.public_name), t) for p in parameters}


@REGISTRY.get(blueprint, "/status", Bilingual("Base utilisée et effectifs par type de nœud et de relation.",
                                              "Store in use and counts by kind of node and relationship."),
              tag="catalogue", answer=STATUS_ANSWER)
def status() -> Response:
    store = get_store()
    return jsonify({"store": store.backend, "nodes": store.node_counts(),
                    "relationships": store.relationship_counts()})


def folded(text: str) -> str:
    """*text* without accents, in a case-insensitive form: ``"Élodie"`` and ``"elodie"`` fold alike."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()


def by_name(t: Territory, kinds: tuple[str, ...]) -> list[Node]:
    """The nodes of *kinds*, in order of their folded name (then id): only those are folded and sorted."""
    return sorted((n for n in t.nodes.values() if n.kind in kinds), key=lambda n: (folded(n.name), n.id))


def paginate(t: Territory, items: list) -> dict:
    values = checked(t, PAGE, PER_PAGE)
    page, per_page = values["page"], values["per_page"]
    start = (page - 1) * per_page
    return {"total": len(items), "page": page, "per_page": per_page, "items": items[start:start + per_page]}


@REGISTRY.get(blueprint, "/actors", Bilingual("Acteurs, filtrés par type, service, thème ou texte ; paginés.",
                                              "Actors, filtered by kind, service, theme or text; paginated."),
              KIND, SERVICE, THEME, SEARCH, PAGE, PER_PAGE, tag="catalogue", answer=items(SUMMARY, **PAGE_COUNTS))
def actors() -> Response:
    t = territory()
    values = checked(t, KIND, THEME, SERVICE, SEARCH)
    kind, theme, service = values["kind"], values["theme"], values["service"]
    members = t.members_of(service) if service else None
    q = folded(values["q"]) if values["q"] else None
    items = []
    for node in by_name(t, (kind,) if kind else schema.ACTOR_LABELS):
        if theme and theme not in t.actor_themes.get(node.id, ()):
            continue
        if members is not None and node.id not in members:
            continue
        if q and q not in folded(node.name):
            continue
        items.append(t.summary(node.id))
    return jsonify(paginate(t, items))


@REGISTRY.get(blueprint, "/actors/<actor_id>", Bilingual("Un acteur : ses propriétés, thèmes, projets et provenance.",
                                                      "An actor: its properties, themes, projects and provenance."),
              ACTOR, tag="catalogue", not_found=True, answer=ACTOR_ANSWER)
def actor(actor_id: str) -> Response:
    actor = actor_id
    t = territory()
    node = t.actor(actor)
    projects = [{**t.summary(r.target), "role": r.properties.get("role")}
                for r in t.participations(actor=actor)]
    return jsonify({**t.summary(actor), "properties": node.properties,
                    "themes": [t.summary(th) for th in sorted(t.actor_themes.get(actor, ()))],
                    "projects": projects,
                    "provenance": asdict(node.provenance) if node.provenance else None,
                    "personal": node.kind in schema.PERSONAL_LABELS})


@REGISTRY.get(blueprint, "/projects", Bilingual("Projets, filtrés par thème, statut ou texte ; paginés.",
                                                "Projects, filtered by theme, status or text; paginated."),
              THEME, STATUS, SEARCH, PAGE, PER_PAGE, tag="catalogue", answer=PROJECTS_ANSWER)
def projects() -> Response:
    t = territory()
    values = checked(t, THEME, STATUS, SEARCH)
    theme, status, q = values["theme"], values["status"], folded(values["q"]) if values["q"] else None
    items = []
    for node in by_name(t, (schema.PROJECT.label,)):
        if theme and theme not in t.project_themes.get(node.id, ()):
            continue
        if (status and node.properties.get("status") != status) or (q and q not in folded(node.name)):
            continue
        items.append({**t.summary(node.id), **node.properties,
                      "themes": sorted(t.project_themes.get(node.id, ()))})
    return jsonify(paginate(t, items))


@REGISTRY.get(blueprint, "/projects/<project_id>", Bilingual("Un projet et ses participants.",
                                                          "A project and its participants."),
              PROJECT, tag="catalogue", not_found=True, answer=PROJECT_ANSWER)
def project(project_id: str) -> Response:
    project = project_id
    t = territory()
    node = t.node(project, (schema.PROJECT.label,), "project")
    participants = [{**t.summary(r.source), "role": r.properties.get("role")}
                    for r in t.participations(project=project)]
    return jsonify({**t.summary(project), "properties": node.properties,
                    "themes": [t.summary(th) for th in sorted(t.project_themes.get(project, ()))],
                    "participants": participants})


@REGISTRY.get(blueprint, "/themes",
              Bilingual("Thèmes, avec leur couverture (projets, acteurs, services) et les alertes.",
                        "Themes, with their coverage (projects, actors, services) and alerts."),
              tag="catalogue", answer=THEMES_ANSWER)
def themes() -> Response:
    covered = theme_coverage(territory(counts_only=True))["themes"]  # counts per theme: agents count, unnamed
    return jsonify({"items": [{**c["theme"], "projects": len(c["projects"]), "actors": len(c["actors"]),
                               "services": len(c["services"]), "single_service": c["single_service"],
                               "single_person": c["single_person"]} for c in covered]})


@REGISTRY.get(blueprint, "/services", Bilingual("Services et pôles, avec leur parent et leur nombre d'agents.",
                                                "Services and pôles, with their parent and number of agents."),
              tag="catalogue", answer=SERVICES_ANSWER)
def services() -> Response:
    t = territory(counts_only=True)  # services and their number of agents: no person named
    items = [{**t.summary(n.id), "parent": t.parent_of.get(n.id), "pole": t.pole_of(n.id),
              "agents": len(t.agents_by_service.get(n.id, ()))}
             for n in sorted(t.nodes.values(), key=lambda n: n.id) if n.kind == schema.SERVICE.label]
    return jsonify({"items": items})
