"""Readable HTML pages for people: an actor, a project, a theme, each linked to its network view."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, render_template

from api.state import request_language, territory
from graph import i18n, schema
from graph.questions import ask
from visualisations.render import kind_label

blueprint = Blueprint("pages", __name__)


def link(kind: str, node_id: str, text: str) -> dict:
    prefix = {"Project": "/projects/", "Theme": "/themes/"}.get(kind, "/actors/")
    return {"url": prefix + quote(node_id, safe=""), "text": text}


def render(title, subtitle, view_url, sections, edit_url=None, history_url=None, declare_url=None):
    lang = request_language()
    return render_template("page.html", lang=lang, w=i18n.words("page", lang), ui=i18n.words("ui", lang), title=title,
                           subtitle=subtitle, view_url=view_url, sections=sections, edit_url=edit_url,
                           history_url=history_url, declare_url=declare_url)


@blueprint.get("/actors/<actor_id>")
def actor_page(actor_id):
    lang = request_language()
    w, t = i18n.words("page", lang), territory()
    node = t.actor(actor_id)
    collaborators = ask("works-with", t, actor=actor_id)["collaborators"]
    projects = t.participations(actor=actor_id)
    sections = [
        {"title": w["collaborators"], "headers": [w["actor"], w["kind"], w["weight"]],
         "rows": [[link(c["kind"], c["id"], c["name"]), kind_label(c["kind"]), c["weight"]] for c in collaborators]},
        {"title": w["projects"], "headers": [w["projects"], w["role"]],
         "rows": [[link("Project", r.target, t.nodes[r.target].name), schema.role_name(r.properties.get("role"))] for r in projects]},
        {"title": w["themes"], "headers": [],
         "rows": [[link("Theme", th, t.nodes[th].name)] for th in sorted(t.actor_themes.get(actor_id, ()))]},
        {"title": w["properties"], "headers": [],
         "rows": [[k, v] for k, v in sorted(node.properties.items())]
         + ([[w["provenance"], f"{node.provenance.source}:{node.provenance.line or ''}"]] if node.provenance else [])},
    ]
    quoted = quote(actor_id, safe="")
    return render(node.name, kind_label(node.kind), "/views/actors/" + quoted, sections,
                  edit_url=f"/actors/{quoted}/edit", history_url=f"/history?touching={quoted}",
                  declare_url=f"/cooperations/declare?with={quoted}")


@blueprint.get("/projects/<project_id>")
def project_page(project_id):
    lang = request_language()
    w, t = i18n.words("page", lang), territory()
    node = t.node(project_id, (schema.PROJECT.label,), "project")
    participants = t.participations(project=project_id)
    sections = [
        {"title": w["participants"], "headers": [w["actor"], w["kind"], w["role"]],
         "rows": [[link(t.nodes[r.source].kind, r.source, t.nodes[r.source].name), kind_label(t.nodes[r.source].kind),
                   schema.role_name(r.properties.get("role"))] for r in participants]},
        {"title": w["themes"], "headers": [],
         "rows": [[link("Theme", th, t.nodes[th].name)] for th in sorted(t.project_themes.get(project_id, ()))]},
        {"title": w["properties"], "headers": [], "rows": [[k, v] for k, v in sorted(node.properties.items())]},
    ]
    quoted = quote(project_id, safe="")
    return render(node.name, node.properties.get("status", ""), "/views/projects/" + quoted, sections,
                  edit_url=f"/projects/{quoted}/edit", history_url=f"/history?touching={quoted}")


@blueprint.get("/themes/<theme_id>")
def theme_page(theme_id):
    lang = request_language()
    w, t = i18n.words("page", lang), territory()
    coverage = ask("coverage", t, theme=theme_id)
    alerts = [[w[flag]] for flag in ("single_person", "single_service") if coverage[flag]]
    sections = [
        {"title": w["alerts"], "headers": [], "rows": alerts},
        {"title": w["projects"], "headers": [], "rows": [[link("Project", p["id"], p["name"])] for p in coverage["projects"]]},
        {"title": w["actors"], "headers": [w["actor"], w["kind"]],
         "rows": [[link(a["kind"], a["id"], a["name"]), kind_label(a["kind"])] for a in coverage["actors"]]},
        {"title": w["services_list"], "headers": [],
         "rows": [[link("Service", s["id"], s["name"])] for s in coverage["services"]]},
    ]
    quoted = quote(theme_id, safe="")
    return render(coverage["theme"]["name"], "", "/views/themes/" + quoted, sections,
                  edit_url=f"/themes/{quoted}/edit", history_url=f"/history?touching={quoted}")
