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
    "expect.readable": {"fr": "un fichier CSV ou XLSX lisible ({error})", "en": "a readable CSV or XLSX file ({error})"},
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


def t(key: str, lang: str | None = None, **values) -> str:
    """The message *key* in *lang* (default: the current language), filled with *values*."""
    text = MESSAGES[key][lang or current_language()]
    return text.format(**values) if values else text
