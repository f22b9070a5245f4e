"""The open-data package: what a commune may publish of its cooperation map, with no personal data at all.

A Frictionless data package (``datapackage.json`` with a Table Schema per CSV file), ready
for data.gouv.fr, under the Licence Ouverte 2.0 (Etalab): services (with their number of
agents), organisations (associations, partners), projects, themes, the participations and
ties of organisations and services, and ties between services counted from their agents'
ties. Agents and elected officials never appear; a count between two services is published
only when each has at least :data:`MIN_GROUP` agents, so that no count points at one person.

Reference: Frictionless Data Package and Table Schema specifications (specs.frictionlessdata.io);
Licence Ouverte / Open Licence 2.0 (etalab.gouv.fr).
"""
from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from graph import schema
from graph.territory import Territory

MIN_GROUP = 3
LICENCE = {"name": "etalab-2.0", "title": "Licence Ouverte / Open Licence 2.0",
           "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}
PUBLIC = (schema.SERVICE.label, schema.ASSOCIATION.label, schema.PARTNER.label)


def _field(name: str, kind: str, description: str, required: bool = False) -> dict:
    field: dict[str, object] = {"name": name, "type": kind, "description": description}
    if required:
        field["constraints"] = {"required": True}
    return field


TABLES: dict[str, tuple[str, list[dict], list[str]]] = {
    "services": ("Services et pôles de la collectivité, avec leur nombre d'agents", [
        _field("id", "string", "Identifiant du service", True), _field("nom", "string", "Nom", True),
        _field("parent", "string", "Identifiant du service ou pôle parent"),
        _field("categorie", "string", "Catégorie"), _field("agents", "integer", "Nombre d'agents")], ["id"]),
    "organisations": ("Associations et partenaires du territoire", [
        _field("id", "string", "Identifiant", True), _field("nom", "string", "Nom", True),
        _field("type", "string", "association ou partenaire", True), _field("siret", "string", "SIRET"),
        _field("rna", "string", "Numéro RNA"), _field("commune", "string", "Code INSEE de la commune"),
        _field("themes", "string", "Thèmes, séparés par |")], ["id"]),
    "projets": ("Projets", [
        _field("id", "string", "Identifiant", True), _field("nom", "string", "Nom", True),
        _field("statut", "string", "Statut"), _field("debut", "date", "Début"), _field("fin", "date", "Fin"),
        _field("themes", "string", "Thèmes, séparés par |")], ["id"]),
    "themes": ("Thèmes de la transition", [
        _field("id", "string", "Identifiant", True), _field("nom", "string", "Libellé", True),
        _field("projets", "integer", "Nombre de projets"), _field("acteurs", "integer", "Nombre d'acteurs engagés")],
        ["id"]),
    "participations": ("Participation des services et organisations aux projets", [
        _field("acteur", "string", "Identifiant du service ou de l'organisation", True),
        _field("projet", "string", "Identifiant du projet", True), _field("role", "string", "Rôle")], []),
    "cooperations": ("Liens de coopération entre services et organisations (poids : somme des preuves)", [
        _field("acteur_a", "string", "Identifiant", True), _field("acteur_b", "string", "Identifiant", True),
        _field("poids", "integer", "Poids du lien"), _field("preuves", "string", "Natures des preuves, séparées par |")],
        []),
    "liens_entre_services": (f"Nombre de liens entre agents de deux services (services d'au moins {MIN_GROUP} agents)", [
        _field("service_a", "string", "Identifiant", True), _field("service_b", "string", "Identifiant", True),
        _field("liens", "integer", "Nombre de liens entre leurs agents")], []),
}


def _dates(value) -> str:
    text = str(value or "")
    return text if len(text) == 10 else ""


def rows(t: Territory) -> dict[str, list[list]]:
    """The rows of each table (no natural person in any)."""
    sizes = Counter(t.service_of.values())
    names = {th: t.nodes[th].name for th in t.nodes if t.nodes[th].kind == schema.THEME.label}
    nodes = sorted(t.nodes.values(), key=lambda n: n.id)
    out: dict[str, list[list]] = {name: [] for name in TABLES}
    for n in nodes:
        themes = "|".join(sorted(names[th] for th in t.actor_themes.get(n.id, ()) if th in names))
        if n.kind == schema.SERVICE.label:
            out["services"].append([n.id, n.name, t.parent_of.get(n.id, ""), n.properties.get("category", ""),
                                    sizes.get(n.id, 0)])
        elif n.kind in (schema.ASSOCIATION.label, schema.PARTNER.label):
            out["organisations"].append([n.id, n.name, schema.NODE_KINDS[n.kind].template_type,
                                         n.properties.get("siret", ""), n.properties.get("rna", ""),
                                         n.properties.get("commune", ""), themes])
        elif n.kind == schema.PROJECT.label:
            project_themes = "|".join(sorted(names[th] for th in t.project_themes.get(n.id, ()) if th in names))
            out["projets"].append([n.id, n.name, n.properties.get("status", ""), _dates(n.properties.get("since")),
                                   _dates(n.properties.get("until")), project_themes])
        elif n.kind == schema.THEME.label:
            projects = sum(1 for themes_of in t.project_themes.values() if n.id in themes_of)
            actors = sum(1 for themes_of in t.actor_themes.values() if n.id in themes_of)
            out["themes"].append([n.id, n.name, projects, actors])
    public = {n.id for n in nodes if n.kind in PUBLIC}
    out["participations"] = sorted([r.source, r.target, r.properties.get("role", "")]
                                   for r in t.by_type["PARTICIPATES_IN"] if r.source in public)
    network = t.network()
    between: Counter = Counter()
    for a, b, data in sorted(network.edges(data=True)):
        if a in public and b in public:
            out["cooperations"].append([a, b, int(data["weight"]), "|".join(sorted({e["kind"] for e in data["evidence"]}))])
        sa, sb = t.service_of.get(a), t.service_of.get(b)
        if sa and sb and sa != sb:
            between[tuple(sorted((sa, sb)))] += 1
    out["liens_entre_services"] = [[a, b, count] for (a, b), count in sorted(between.items())
                                   if sizes[a] >= MIN_GROUP and sizes[b] >= MIN_GROUP]
    return out


def write_package(t: Territory, folder: Path, title: str = "Coopérations du territoire",
                  publisher: str = "Commune") -> Path:
    """Write the CSV files and ``datapackage.json`` into *folder*; returns the descriptor's path."""
    folder.mkdir(parents=True, exist_ok=True)
    resources = []
    for name, table in rows(t).items():
        description, fields, key = TABLES[name]
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([f["name"] for f in fields])
            writer.writerows(table)
        table_schema: dict = {"fields": fields}
        if key:
            table_schema["primaryKey"] = key
        resources.append({"name": name.replace("_", "-"), "path": f"{name}.csv", "profile": "tabular-data-resource",
                          "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "description": description,
                          "schema": table_schema})
    descriptor = {
        "profile": "tabular-data-package", "name": "maillage-cooperations", "title": title,
        "description": "Carte des coopérations entre les services d'une collectivité, les associations et les "
                       "partenaires du territoire, sans donnée personnelle (aucun agent ni élu).",
        "licenses": [LICENCE], "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sources": [{"title": f"{publisher}, base Maillage"}], "contributors": [{"title": publisher,
                                                                                 "role": "publisher"}],
        "keywords": ["coopération", "transition", "associations", "services publics"], "resources": resources}
    path = folder / "datapackage.json"
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
