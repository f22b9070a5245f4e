"""Relational survey exports (organisational network analysis): "with whom do you work, and how often?"

A CSV exported from a form tool: one row per respondent, a respondent column, one
or more multi-valued "works with" columns (names separated by ``|``, ``;``, ``,`` or
line breaks), optionally a frequency column, or a frequency named in a column's
title ("… au quotidien", "… chaque semaine"). Each answer becomes a
``COOPERATES_WITH`` declared by the respondent, with the survey as provenance.
Names that do not resolve to a known actor are reported with the closest known
names; they never become new people.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from graph import schema
from graph.i18n import Bilingual, Message
from graph.model import Relationship
from graph.schema import slugify
from importers.context import ImportContext
from importers.formats import Format, Recognition, recognition
from importers.tabular import Table, normalise_header

RESPONDENT = ("repondant", "repondante", "votrenom", "nom", "nomprenom", "quietesvous", "respondent", "yourname",
              "name", "agent")
WORKS_WITH = re.compile(r"travaill|collabor|workswith|workwith|cooper")
FREQUENCY_COLUMN = ("frequence", "frequency", "afrequence")
FREQUENCY_IN_TITLE = {"quotid": "quotidienne", "daily": "quotidienne", "semaine": "hebdomadaire",
                      "hebdo": "hebdomadaire", "weekly": "hebdomadaire", "mois": "mensuelle", "mensuel": "mensuelle",
                      "monthly": "mensuelle", "ponctuel": "ponctuelle", "occasion": "ponctuelle"}
SEPARATORS = re.compile(r"\s*(?:\||;|,|\n)\s*")


def layout(table: Table) -> tuple[int | None, list[tuple[int, str | None]], int | None]:
    """(respondent column, [(works-with column, frequency named in its title)], frequency column)."""
    respondent = frequency = None
    answers = []
    for index, header in enumerate(table.headers):
        key = normalise_header(header)
        if WORKS_WITH.search(key):
            named = next((f for word, f in FREQUENCY_IN_TITLE.items() if word in key), None)
            answers.append((index, named))
        elif key in FREQUENCY_COLUMN:
            frequency = index
        elif respondent is None and key in RESPONDENT:
            respondent = index
    return respondent, answers, frequency


def known_actors(context: ImportContext) -> dict[str, str]:
    """Normalised name -> id (and ``id:<id>`` -> id) for the actors of the import and of the store, once."""
    if "survey.known" in context.extras:
        return context.extras["survey.known"]
    known: dict[str, str] = {}
    sources = list(context.nodes.values())
    if context.store is not None:
        sources += [n for n in context.store.nodes() if n.kind in schema.ACTOR_LABELS]
    for node in sources:
        if node.kind not in schema.ACTOR_LABELS:
            continue
        known["id:" + node.id] = node.id
        known.setdefault(slugify(node.name), node.id)
        known.setdefault(slugify(node.name) + "#display", node.name)
    context.extras["survey.known"] = known
    return known


class Survey(Format):
    name = "enquete"
    title = Bilingual("enquête relationnelle (export CSV d'un formulaire : répondant, « avec qui travaillez-vous ? »)",
                      "relational survey (form export: respondent, \"with whom do you work?\")")
    description = Bilingual("chaque réponse devient une coopération déclarée par le répondant",
                            "each answer becomes a cooperation declared by the respondent")
    example = "maillage import enquete-2025.csv"
    phase = 40  # after every other format: answers name the actors they declare

    def recognise(self, table: Table) -> Recognition:
        respondent, answers, frequency = layout(table)
        return recognition({"respondent": respondent is not None, "works_with": bool(answers)},
                           int(frequency is not None))

    def rows(self, context: ImportContext, table: Table) -> Iterator[int]:
        known = known_actors(context)
        respondent_at, answers, frequency_at = layout(table)
        report, label = context.report, table.label
        names = sorted(name for name in known if not name.startswith("id:") and not name.endswith("#display"))
        for line, cells in table.rows:
            def cell(i: int | None, cells: list[str] = cells) -> str:
                return cells[i].strip() if i is not None and i < len(cells) else ""

            respondent_text = cell(respondent_at)
            respondent = _resolve(respondent_text, known)
            if respondent is None:
                report.error(label, line, table.headers[respondent_at], respondent_text,  # type: ignore[index]
                             _closest(respondent_text, names, known))
                continue
            prov = context.provenance(table, line, "survey")
            for column, named_frequency in answers:
                for other_text in filter(None, SEPARATORS.split(cell(column))):
                    other = _resolve(other_text, known)
                    if other is None:
                        report.error(label, line, table.headers[column], other_text,
                                     _closest(other_text, names, known))
                        continue
                    if other == respondent:
                        continue
                    frequency = named_frequency or cell(frequency_at) or None
                    context.relationships.append(Relationship(
                        "COOPERATES_WITH", respondent, other, "enquete-" + slugify(label)[:60],
                        {"frequency": frequency, "declared_by": respondent, "origin": label}, prov))
            yield line


def _resolve(text: str, known: dict[str, str]) -> str | None:
    if not text:
        return None
    return known.get("id:" + text) or known.get(slugify(text))


def _closest(text: str, names: list[str], known: dict[str, str]) -> Message:
    close = difflib.get_close_matches(slugify(text), names, n=3, cutoff=0.6)
    if not close:
        return Message("expect.known_name")
    return Message("expect.known_name_close", names=", ".join(known[c + "#display"] for c in close))


FORMAT = Survey()
