"""The canonical spreadsheet templates: acteurs, projets, participations, cooperations, financements.

A town copies the files of ``examples/`` and fills in its own data: CSV files, or one
XLSX or ODS workbook with a sheet per template. Each template is one record of the
shared rules (:mod:`graph.rules`); its columns are the French names (English ones are
accepted) of the rule's fields, and problems name the French column.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graph import rules
from graph.i18n import Bilingual, Message
from importers.context import ImportContext
from importers.formats import Format, Recognition, recognition
from importers.tabular import Table, normalise_header, shaped_rows


@dataclass(frozen=True)
class Template:
    name: str  # the French file or sheet name
    english: str
    record: str  # the rule of graph.rules
    columns: dict[str, tuple[str, tuple[str, ...]]]  # French column -> (rule field, accepted spellings, normalised)
    required: tuple[str, ...]  # French columns

    def field_columns(self) -> dict[str, str]:
        """Rule field -> the French column that holds it (how problems name it)."""
        return {field: column for column, (field, _) in self.columns.items()}


def _columns(**columns: tuple[str, ...]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """French column=(rule field, other spellings…) -> the column's field and every accepted spelling."""
    return {name: (field, tuple(normalise_header(a) for a in (name, field, *more)))
            for name, (field, *more) in columns.items()}


TEMPLATES: dict[str, Template] = {template.name: template for template in (
    Template("acteurs", "actors", "actor", _columns(
        identifiant=("id", "identifier"), type=("kind",), nom=("name",), service=("service",),
        categorie=("category",), siret=("siret",), rna=("rna", "rna_id"), commune=("commune", "insee", "code_insee"),
        themes=("themes", "theme"), description=("description",), fonction=("job_title", "poste")),
        ("identifiant", "type", "nom")),
    Template("projets", "projects", "project", _columns(
        identifiant=("id", "identifier"), nom=("name",), statut=("status",), debut=("since", "start"),
        fin=("until", "end"), themes=("themes", "theme"), description=("description",)),
        ("identifiant", "nom")),
    Template("participations", "participations", "participation", _columns(
        acteur=("actor",), projet=("project",), role=("role",), debut=("since", "start"), fin=("until", "end")),
        ("acteur", "projet")),
    Template("cooperations", "cooperations", "cooperation", _columns(
        acteur_a=("actor_a",), acteur_b=("actor_b",), nature=("nature",), frequence=("frequency",),
        debut=("since", "start"), fin=("until", "end"), source=("origin",)),
        ("acteur_a", "acteur_b")),
    Template("financements", "fundings", "funding", _columns(
        financeur=("funder",), beneficiaire=("beneficiary",), projet=("project",), montant=("amount",),
        date=("date",), objet=("object", "purpose"), reference=("reference", "decision")),
        ("financeur",)),
)}
ORDER = list(TEMPLATES)  # actors and projects before what refers to them


def _template_recognition(template: Template, table: Table) -> Recognition:
    name = normalise_header(table.name)
    named = name in (normalise_header(template.name), normalise_header(template.english))
    headers = {normalise_header(h) for h in table.headers}
    needed = {column: bool(set(template.columns[column][1]) & headers) for column in template.required}
    optional = sum(1 for column, (_, spellings) in template.columns.items()
                   if column not in template.required and set(spellings) & headers)
    if named:  # a file or sheet named after its template is that template, whatever its header says
        return Recognition(2.0, tuple(needed), ())
    spellings = {spelling for _, accepted in template.columns.values() for spelling in accepted}
    own = bool(headers - {""}) and headers - {""} <= spellings  # every column is one of the template's
    return recognition(needed, optional, bonus=0.5 if own else 0.0)


def template_of(table: Table) -> Template | None:
    """The template *table* is, by its file or sheet name, else by its header."""
    scored = [(_template_recognition(t, table), t) for t in TEMPLATES.values()]
    best, template = max(scored, key=lambda pair: pair[0].score)
    return template if best.complete else None


class Templates(Format):
    name = "modeles"
    title = Bilingual("modèles canoniques : acteurs, projets, participations, cooperations, financements",
                      "canonical templates: acteurs, projets, participations, cooperations, financements")
    description = Bilingual("les acteurs, projets, participations, coopérations et financements tels quels "
                            "(CSV, ou un classeur XLSX ou ODS à une feuille par modèle)",
                            "the actors, projects, participations, cooperations and fundings as they are "
                            "(CSV, or one XLSX or ODS workbook with a sheet per template)")
    example = "maillage import examples/malaunay-fictif/"
    phase = 10

    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(column for template in TEMPLATES.values() for column in template.columns))

    def recognise(self, table: Table) -> Recognition:
        return max((_template_recognition(t, table) for t in TEMPLATES.values()), key=lambda r: r.score)

    def load(self, context: ImportContext, tables: list[Table]) -> None:
        placed = sorted(((template_of(table), table) for table in tables),
                        key=lambda pair: ORDER.index(pair[0].name) if pair[0] else len(ORDER))
        for template, table in placed:
            if template is None:
                context.report.error(table.label, None, None, None, Message("expect.template"))
                continue
            record = rules.RECORDS[template.record]
            checker, location = context.checker(table, template.field_columns())
            funding = template.record == "funding"
            for line, values in _rows(template, table, context):
                location.line, checker.values = line, values
                provenance = context.provenance(table, line)
                if funding:
                    rules.funding(checker, provenance, str(line))
                else:
                    record(checker, provenance)


def _rows(template: Template, table: Table, context: ImportContext) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row of *table* as (its line, its values by rule field)."""
    positions: dict[str, int] = {}  # French column -> position
    for index, header in enumerate(table.headers):
        normalised = normalise_header(header)
        for column, (_, spellings) in template.columns.items():
            if normalised in spellings and column not in positions:
                positions[column] = index
    missing = [c for c in template.required if c not in positions]
    for column in missing:
        context.report.error(table.label, 1, column, "", Message("expect.column", columns=", ".join(table.headers)))
    if missing:
        return
    fields = {template.columns[column][0]: position for column, position in positions.items()}
    for line, cells in shaped_rows(context.report, table):
        yield line, {field: cells[i].strip() for field, i in fields.items()}


FORMAT = Templates()
