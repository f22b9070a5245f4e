"""What people read, in French by default and English on request.

Code speaks in message keys; this module turns them into sentences.
"""
from __future__ import annotations

import os

MESSAGES: dict[str, dict[str, str]] = {
    "store.embedded": {"fr": "base embarquée ({path})", "en": "embedded store ({path})"},
    "store.neo4j": {"fr": "Neo4j ({uri}, base {database})", "en": "Neo4j ({uri}, database {database})"},
    "status.store": {"fr": "Base utilisée : {store}", "en": "Store in use: {store}"},
    "status.nodes": {"fr": "Nœuds par type :", "en": "Nodes by kind:"},
    "status.relationships": {"fr": "Relations par type :", "en": "Relationships by type:"},
    "import.reading": {"fr": "Lecture de {path}", "en": "Reading {path}"},
    "import.validated": {"fr": "{files} fichier(s) validé(s) : {nodes} nœuds, {relationships} relations.",
                         "en": "{files} file(s) validated: {nodes} nodes, {relationships} relationships."},
    "import.failed": {"fr": "Import refusé : {count} erreur(s). Rien n'a été écrit.",
                      "en": "Import refused: {count} error(s). Nothing was written."},
    "import.writing": {"fr": "Écriture : {store}", "en": "Writing: {store}"},
    "import.progress": {"fr": "  écriture : {done}/{total} ({percent} %)", "en": "  writing: {done}/{total} ({percent}%)"},
    "import.summary": {
        "fr": "Import terminé. Nœuds : {nodes_created} créés, {nodes_updated} mis à jour, {nodes_unchanged} inchangés. "
              "Relations : {relationships_created} créées, {relationships_updated} mises à jour, "
              "{relationships_unchanged} inchangées.",
        "en": "Import done. Nodes: {nodes_created} created, {nodes_updated} updated, {nodes_unchanged} unchanged. "
              "Relationships: {relationships_created} created, {relationships_updated} updated, "
              "{relationships_unchanged} unchanged.",
    },
    "import.rejected": {"fr": "{count} ligne(s) rejetée(s), écrites avec leurs raisons dans {path}",
                        "en": "{count} row(s) rejected, written with their reasons to {path}"},
    "issue.line": {"fr": "{file}, ligne {line}, champ « {field} » : valeur « {value} » — {expected}",
                   "en": "{file}, line {line}, field '{field}': value '{value}' — {expected}"},
    "issue.file": {"fr": "{file} : {expected}", "en": "{file}: {expected}"},
    "expect.required": {"fr": "valeur obligatoire", "en": "a value is required"},
    "expect.column": {"fr": "colonne obligatoire absente (colonnes lues : {columns})",
                      "en": "required column missing (columns read: {columns})"},
    "expect.id": {"fr": "un identifiant fait de lettres, chiffres, « . », « _ », « ~ » ou « - »",
                  "en": "an identifier of letters, digits, '.', '_', '~' or '-'"},
    "expect.type": {"fr": "un type parmi : {choices}", "en": "a type among: {choices}"},
    "expect.role": {"fr": "un rôle parmi : {choices}", "en": "a role among: {choices}"},
    "expect.date": {"fr": "une date (AAAA-MM-JJ, JJ/MM/AAAA ou AAAA)", "en": "a date (YYYY-MM-DD, DD/MM/YYYY or YYYY)"},
    "expect.amount": {"fr": "un montant en euros (ex. 1 500,00)", "en": "an amount in euros (e.g. 1,500.00)"},
    "expect.reference": {"fr": "un identifiant connu de {kinds} (déclaré dans les fichiers importés ou déjà en base)",
                         "en": "a known identifier of {kinds} (declared in the imported files or already stored)"},
    "expect.reference_kind": {"fr": "un identifiant de {kinds}, or c'est un(e) {actual}",
                              "en": "an identifier of {kinds}, but it is a {actual}"},
    "expect.duplicate": {"fr": "un identifiant unique (déjà déclaré ligne {other})",
                         "en": "a unique identifier (already declared on line {other})"},
    "expect.target": {"fr": "un bénéficiaire ou un projet", "en": "a beneficiary or a project"},
    "expect.same_actor": {"fr": "deux acteurs différents", "en": "two different actors"},
    "expect.cells": {"fr": "{expected} cellules comme l'en-tête, {actual} lues",
                     "en": "{expected} cells as in the header, {actual} read"},
    "expect.readable": {"fr": "un fichier CSV, XLSX ou ODS lisible ({error})", "en": "a readable CSV, XLSX or ODS file ({error})"},
    "expect.format": {"fr": "un fichier au format « {format} » (colonnes attendues absentes)",
                      "en": "a file in the '{format}' format (expected columns missing)"},
    "expect.template": {"fr": "un modèle reconnu (acteurs, projets, participations, cooperations, financements)",
                        "en": "a known template (acteurs, projets, participations, cooperations, financements)"},
    "demo.loading": {"fr": "Chargement du territoire d'exemple (fictif) : {path}",
                     "en": "Loading the example territory (fictitious): {path}"},
    "demo.ready": {"fr": "Maillage est prêt. Ouvrez :\n  {url}\n  {url}health  (état de la base)\nCtrl+C pour arrêter.",
                   "en": "Maillage is ready. Open:\n  {url}\n  {url}health  (store status)\nCtrl+C to stop."},
    "serve.ready": {"fr": "Maillage écoute sur {url} (Ctrl+C pour arrêter).",
                    "en": "Maillage is listening on {url} (Ctrl+C to stop)."},
    "generate.done": {"fr": "Territoire synthétique « {scale} » (graine {seed}) écrit dans {out} : {nodes} nœuds, {relationships} relations.",
                      "en": "Synthetic territory '{scale}' (seed {seed}) written to {out}: {nodes} nodes, {relationships} relationships."},
    "error.not_found": {"fr": "Introuvable : {what} « {id} »", "en": "Not found: {what} '{id}'"},
    "error.invalid": {"fr": "Paramètre « {name} » : valeur « {value} » — attendu : {expected}",
                      "en": "Parameter '{name}': value '{value}' — expected: {expected}"},
    "view.written": {"fr": "Vue écrite : {path}", "en": "View written: {path}"},
    "error.store": {"fr": "Base injoignable : {error}", "en": "Store unreachable: {error}"},
    "error.path": {"fr": "Chemin introuvable : {path}", "en": "Path not found: {path}"},
    # Words of the tables of `maillage query`.
    "table.actor": {"fr": "acteur", "en": "actor"},
    "table.kind": {"fr": "type", "en": "kind"},
    "table.service": {"fr": "service", "en": "service"},
    "table.weight": {"fr": "poids", "en": "weight"},
    "table.evidence": {"fr": "preuves", "en": "evidence"},
    "table.distance": {"fr": "distance", "en": "distance"},
    "table.group": {"fr": "groupe", "en": "group"},
    "table.agents": {"fr": "agents", "en": "agents"},
    "table.ei": {"fr": "indice E-I", "en": "E-I index"},
    "table.internal": {"fr": "internes", "en": "internal"},
    "table.external": {"fr": "externes", "en": "external"},
    "table.reasons": {"fr": "raisons", "en": "reasons"},
    "table.through": {"fr": "via l'agent", "en": "through agent"},
    "table.betweenness": {"fr": "intermédiarité", "en": "betweenness"},
    "table.constraint": {"fr": "contrainte", "en": "constraint"},
    "table.effective": {"fr": "taille effective", "en": "effective size"},
    "table.roles": {"fr": "rôles (coord/itin/repr/gard/liais)", "en": "roles (coord/itin/repr/gate/liais)"},
    "table.community": {"fr": "communauté", "en": "community"},
    "table.size": {"fr": "taille", "en": "size"},
    "table.services": {"fr": "services", "en": "services"},
    "table.cuts": {"fr": "transverse", "en": "cross-service"},
    "table.step": {"fr": "pas", "en": "step"},
    "table.path": {"fr": "chemin", "en": "path"},
    "table.theme": {"fr": "thème", "en": "theme"},
    "table.projects": {"fr": "projets", "en": "projects"},
    "table.alerts": {"fr": "alertes", "en": "alerts"},
    "table.tie": {"fr": "lien", "en": "tie"},
    "table.yes": {"fr": "oui", "en": "yes"},
    "table.no": {"fr": "non", "en": "no"},
    "table.none": {"fr": "(aucun résultat)", "en": "(no result)"},
    "table.org": {"fr": "organisation", "en": "organisation"},
    "table.single_service": {"fr": "un seul service", "en": "single service"},
    "table.single_person": {"fr": "une seule personne", "en": "single person"},
    "table.new_ties": {"fr": "Nouveaux liens", "en": "New ties"},
    "table.ended_ties": {"fr": "Liens terminés", "en": "Ended ties"},
    "table.became_isolated": {"fr": "Devenus isolés", "en": "Became isolated"},
    "table.no_longer_isolated": {"fr": "Sortis de l'isolement", "en": "No longer isolated"},
    "table.articulation": {"fr": "Points d'articulation", "en": "Articulation points"},
    "table.bridges": {"fr": "Ponts", "en": "Bridges"},
    "table.through_one": {"fr": "Organisations reliées par un seul agent", "en": "Organisations tied through one agent"},
    "table.sample": {"fr": "échantillon de {n} sources", "en": "sample of {n} sources"},
    "table.exact": {"fr": "calcul exact", "en": "exact computation"},
    "table.no_path": {"fr": "Aucune chaîne de coopération entre ces deux acteurs.", "en": "No cooperation chain between these two actors."},
    "table.reason.no_ties": {"fr": "aucun lien", "en": "no ties"},
    "table.reason.internal_only": {"fr": "liens internes au service seulement", "en": "ties inside own service only"},
    "table.reason.single_tie": {"fr": "un seul lien", "en": "a single tie"},
    "table.reason.lowest_core": {"fr": "k-cœur le plus bas", "en": "lowest k-core"},
    "table.reason.no_project_no_grant": {"fr": "ni projet ni subvention", "en": "no project, no grant"},
    # Words of the network views (legend, tooltips, filters).
    "view.word.legend": {"fr": "Légende", "en": "Legend"},
    "view.word.notes": {"fr": "À noter", "en": "Notes"},
    "view.word.open": {"fr": "Ouvrir", "en": "Open"},
    "view.word.filters": {"fr": "Filtres", "en": "Filters"},
    "view.word.apply": {"fr": "Appliquer", "en": "Apply"},
    "view.word.counts": {"fr": "{nodes} nœuds, {edges} liens", "en": "{nodes} nodes, {edges} ties"},
    "view.word.isolated": {"fr": "isolé ou périphérique", "en": "isolated or peripheral"},
    "view.word.single_point": {"fr": "point de fragilité", "en": "single point of failure"},
    "view.word.center": {"fr": "acteur central", "en": "central actor"},
    "view.word.group": {"fr": "groupe (carte agrégée)", "en": "group (aggregated map)"},
    "view.word.fictitious_hint": {"fr": "Survolez un nœud pour ses détails ; faites glisser pour déplacer, molette pour zoomer.", "en": "Hover a node for details; drag to move, wheel to zoom."},
    "view.word.kind": {"fr": "Type", "en": "Kind"},
    "view.word.service": {"fr": "Service", "en": "Service"},
    "view.word.degree": {"fr": "Liens", "en": "Ties"},
    "view.word.betweenness": {"fr": "Intermédiarité", "en": "Betweenness"},
    "view.word.weight": {"fr": "Poids", "en": "Weight"},
    "view.word.evidence": {"fr": "Preuves", "en": "Evidence"},
    "view.word.ei": {"fr": "Indice E-I", "en": "E-I index"},
    "view.word.agents": {"fr": "Agents", "en": "Agents"},
    "view.word.members": {"fr": "Membres", "en": "Members"},
    # Words of the actor, project and theme pages.
    "page.territory": {"fr": "Territoire", "en": "Territory"},
    "page.services": {"fr": "Carte des services", "en": "Services map"},
    "page.view": {"fr": "Voir le réseau", "en": "See the network"},
    "page.none": {"fr": "Rien pour l'instant.", "en": "Nothing yet."},
    "page.collaborators": {"fr": "Travaille avec", "en": "Works with"},
    "page.actor": {"fr": "Acteur", "en": "Actor"},
    "page.kind": {"fr": "Type", "en": "Kind"},
    "page.weight": {"fr": "Poids", "en": "Weight"},
    "page.projects": {"fr": "Projets", "en": "Projects"},
    "page.role": {"fr": "Rôle", "en": "Role"},
    "page.themes": {"fr": "Thèmes", "en": "Themes"},
    "page.participants": {"fr": "Participants", "en": "Participants"},
    "page.properties": {"fr": "Propriétés", "en": "Properties"},
    "page.provenance": {"fr": "Provenance", "en": "Provenance"},
    "page.source": {"fr": "source", "en": "source"},
    "page.actors": {"fr": "Acteurs engagés", "en": "Engaged actors"},
    "page.alerts": {"fr": "Alertes", "en": "Alerts"},
    "page.single_person": {"fr": "Thème porté par une seule personne", "en": "Theme carried by a single person"},
    "page.single_service": {"fr": "Thème porté par un seul service", "en": "Theme carried by a single service"},
    "page.services_list": {"fr": "Services", "en": "Services"},
    # Words of the home page.
    "home.intro": {"fr": "Le graphe de coopération du territoire : qui travaille avec qui.", "en": "The territory's cooperation graph: who works with whom."},
    "home.store": {"fr": "Base utilisée", "en": "Store in use"},
    "home.kind": {"fr": "Type", "en": "Kind"},
    "home.count": {"fr": "Nombre", "en": "Count"},
    "home.explore": {"fr": "Explorer", "en": "Explore"},
    "home.territory": {"fr": "Réseau de coopération du territoire", "en": "The territory's cooperation network"},
    "home.services": {"fr": "Carte des services", "en": "Services map"},
    "home.matrix": {"fr": "matrice", "en": "matrix"},
    "home.ei": {"fr": "indice E-I", "en": "E-I index"},
    "home.api": {"fr": "API et sa documentation", "en": "API and its documentation"},
    "home.themes": {"fr": "Thèmes", "en": "Themes"},
}


def detect_language(explicit: str | None = None, environ: dict[str, str] | None = None) -> str:
    """``explicit`` if given, else English when LANG/LC_ALL/LANGUAGE starts with ``en``, else French."""
    if explicit:
        return "en" if explicit.lower().startswith("en") else "fr"
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LANGUAGE", "LANG"):
        value = env.get(name)
        if value:
            return "en" if value.lower().startswith("en") else "fr"
    return "fr"


_current = {"lang": None}


def set_language(lang: str | None) -> str:
    _current["lang"] = detect_language(lang)
    return _current["lang"]


def current_language() -> str:
    return _current["lang"] or detect_language()


def words(prefix: str, lang: str | None = None) -> dict[str, str]:
    """Every message under ``prefix.`` in *lang*, by its short key: the words a page template reads."""
    lang = lang or current_language()
    start = prefix + "."
    return {key[len(start):]: text[lang] for key, text in MESSAGES.items() if key.startswith(start)}


def t(key: str, lang: str | None = None, **values) -> str:
    """The message *key* in *lang* (default: the current language), filled with *values*."""
    text = MESSAGES[key][lang or current_language()]
    return text.format(**values) if values else text
