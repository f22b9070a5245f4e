"""The canonical spreadsheet templates: acteurs, projets, participations, cooperations, financements.

A town copies the files of ``examples/`` and fills in its own data; this module
reads them (CSV or one XLSX workbook with a sheet per template), checks every
cell and every reference, and turns them into one :class:`graph.model.Batch`.
Nothing is written unless every file is free of errors.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from graph import schema
from graph.bulk import collector_paused
from graph.i18n import t
from graph.model import Batch, ChangeRecord, Node, Provenance, Relationship
from graph.schema import is_valid_id, slugify, theme_id
from importers import identity, rna, scdl, survey
from importers.report import ImportRejected, Report, shaped_rows
from importers.tabular import Table, normalise_header, read_tables
from importers.values import parse_amount, parse_date, split_list


@dataclass(frozen=True)
class Template:
    name: str
    english: str
    columns: dict[str, tuple[str, ...]]  # canonical French column -> accepted spellings (normalised)
    required: tuple[str, ...]


def _columns(**aliases: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {name: tuple(normalise_header(a) for a in (name,) + more) for name, more in aliases.items()}


TEMPLATES: dict[str, Template] = {
    "acteurs": Template("acteurs", "actors", _columns(
        identifiant=("id", "identifier"), type=("kind",), nom=("name",), service=(),
        categorie=("category",), siret=(), rna=("rna_id",), commune=("insee", "code_insee"),
        themes=("theme",), description=(), fonction=("job_title", "poste")),
        ("identifiant", "type", "nom")),
    "projets": Template("projets", "projects", _columns(
        identifiant=("id", "identifier"), nom=("name",), statut=("status",), debut=("start", "since"),
        fin=("end", "until"), themes=("theme",), description=()),
        ("identifiant", "nom")),
    "participations": Template("participations", "participations", _columns(
        acteur=("actor",), projet=("project",), role=(), debut=("start", "since"), fin=("end", "until")),
        ("acteur", "projet")),
    "cooperations": Template("cooperations", "cooperations", _columns(
        acteur_a=("actor_a",), acteur_b=("actor_b",), nature=(), frequence=("frequency",),
        debut=("start", "since"), fin=("end", "until"), source=("origin",)),
        ("acteur_a", "acteur_b")),
    "financements": Template("financements", "fundings", _columns(
        financeur=("funder",), beneficiaire=("beneficiary",), projet=("project",), montant=("amount",),
        date=(), objet=("object", "purpose"), reference=("decision",)),
        ("financeur",)),
}
ORDER = list(TEMPLATES)  # actors and projects before what refers to them
TEMPLATE_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".ods", ".tsv", ".txt")


def recognise(table: Table) -> Template | None:
    """The template of *table*: by its file or sheet name, else by its header."""
    name = normalise_header(table.name)
    for template in TEMPLATES.values():
        if name in (normalise_header(template.name), normalise_header(template.english)):
            return template
    headers = {normalise_header(h) for h in table.headers}
    for template in TEMPLATES.values():
        if all(set(template.columns[c]) & headers for c in template.required):
            return template
    return None


@dataclass
class Row:
    table: Table
    line: int
    values: dict[str, str]  # stripped

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class _Reference:
    row: Row
    column: str
    value: str
    kinds: tuple[str, ...]


@dataclass
class ImportResult:
    files: int
    batch: Batch  # the nodes, and the relationships of every table but the grant files
    report: Report
    summary: ChangeRecord | None = None  # once written
    tables: list = field(default_factory=list)  # every table read, to find a rejected row's cells again
    rejected: list = field(default_factory=list)  # (file label, line) of the rows left out by skip_invalid
    # Grant files can hold a million rows: their grants are not kept in memory but read
    # again, in chunks, when written (see :func:`import_templates`).
    deferred: list = field(default_factory=list)
    deferred_count: int = 0
    renames: dict = field(default_factory=dict)  # provisional organisation id -> the known actor it matched
    at: str = ""

    @property
    def relationship_count(self) -> int:
        return len(self.batch.relationships) + self.deferred_count

    def all_relationships(self, store=None) -> list[Relationship]:
        """Every relationship of the import, the deferred grants read again (for a small import, or a look)."""
        return self.batch.relationships + [rel for batch in deferred_batches(self, store) for rel in batch.relationships]


class _Counter:
    """Stands for a relationship list while a grant file is checked: counts, keeps nothing."""

    def __init__(self):
        self.count = 0

    def append(self, _relationship) -> None:
        self.count += 1


@dataclass
class _Builder:
    report: Report = field(default_factory=Report)
    nodes: dict[str, Node] = field(default_factory=dict)
    declared_at: dict[str, tuple[str, int]] = field(default_factory=dict)
    relationships: list[Relationship] = field(default_factory=list)
    references: list[_Reference] = field(default_factory=list)
    at: str = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0).isoformat())

    def provenance(self, row: Row) -> Provenance:
        return Provenance(row.table.label, row.line, "file", self.at)

    # --- cells -------------------------------------------------------------
    def required(self, row: Row, column: str) -> str | None:
        value = row.get(column)
        if not value:
            self.report.error(row.table.label, row.line, column, "", t("expect.required"))
            return None
        return value

    def identifier(self, row: Row, column: str) -> str | None:
        value = self.required(row, column)
        if value is not None and not is_valid_id(value):
            self.report.error(row.table.label, row.line, column, value, t("expect.id"))
            return None
        return value

    def date(self, row: Row, column: str) -> str | None:
        try:
            return parse_date(row.get(column))
        except ValueError:
            self.report.error(row.table.label, row.line, column, row.get(column), t("expect.date"))
            return None

    def amount(self, row: Row, column: str) -> float | None:
        try:
            return parse_amount(row.get(column))
        except ValueError:
            self.report.error(row.table.label, row.line, column, row.get(column), t("expect.amount"))
            return None

    def refer(self, row: Row, column: str, kinds: tuple[str, ...]) -> str | None:
        value = row.get(column)
        if not value:
            return None
        # Most references name an actor or project already declared: checked at once, they cost
        # no record each. The others wait for the end of the reading, and provisional
        # organisations, which identity matching may rename, too.
        node = self.nodes.get(value)
        if node is None or node.kind not in kinds or value.startswith(identity.PROVISIONAL):
            self.references.append(_Reference(row, column, value, kinds))
        return value

    def declare(self, row: Row, node: Node) -> None:
        if node.id in self.declared_at:
            other = self.declared_at[node.id]
            self.report.error(row.table.label, row.line, "identifiant", node.id,
                              t("expect.duplicate", other=f"{other[0]}:{other[1]}"))
            return
        self.declared_at[node.id] = (row.table.label, row.line)
        self.nodes[node.id] = node

    def themes(self, row: Row, owner: str, rel_type: str, since=None, until=None) -> None:
        for label in split_list(row.get("themes")):
            if not slugify(label):
                self.report.error(row.table.label, row.line, "themes", label, t("expect.required"))
                continue
            node = Node(schema.THEME.label, theme_id(label), label, {}, self.provenance(row))
            self.nodes.setdefault(node.id, node)
            self.relationships.append(Relationship(rel_type, owner, node.id, "", {}, self.provenance(row)))

    # --- templates ---------------------------------------------------------
    def acteurs(self, row: Row) -> None:
        node_id = self.identifier(row, "identifiant")
        type_word = self.required(row, "type")
        name = self.required(row, "nom")
        kind = schema.actor_kind(type_word)
        if type_word and kind is None:
            choices = ", ".join(k.template_type for k in schema.NODE_KINDS.values() if k.is_actor)
            self.report.error(row.table.label, row.line, "type", type_word, t("expect.type", choices=choices))
        if not (node_id and kind and name):
            return
        prov = self.provenance(row)
        service = row.get("service")
        properties = {"category": row.get("categorie"), "description": row.get("description")}
        if kind == schema.AGENT.label:
            properties = {"job_title": row.get("fonction"), "service": service}
        elif kind in (schema.ASSOCIATION.label, schema.PARTNER.label):
            properties.update(siret=row.get("siret").replace(" ", ""), rna=row.get("rna").upper(),
                              commune=row.get("commune"))
            if kind == schema.PARTNER.label:
                properties.pop("rna")
        self.declare(row, Node(kind, node_id, name, properties, prov))
        if service:
            if kind == schema.AGENT.label:
                self.refer(row, "service", (schema.SERVICE.label,))
                self.relationships.append(Relationship("MEMBER_OF", node_id, service, "", {}, prov))
            elif kind == schema.SERVICE.label:
                self.refer(row, "service", (schema.SERVICE.label,))
                self.relationships.append(Relationship("PART_OF", node_id, service, "", {}, prov))
        self.themes(row, node_id, "ENGAGED_IN")

    def projets(self, row: Row) -> None:
        node_id = self.identifier(row, "identifiant")
        name = self.required(row, "nom")
        since, until = self.date(row, "debut"), self.date(row, "fin")
        if not (node_id and name):
            return
        self.declare(row, Node(schema.PROJECT.label, node_id, name,
                               {"status": row.get("statut"), "since": since, "until": until,
                                "description": row.get("description")}, self.provenance(row)))
        self.themes(row, node_id, "ADDRESSES")

    def participations(self, row: Row) -> None:
        actor = self.refer(row, "acteur", schema.ACTOR_LABELS) if self.required(row, "acteur") else None
        project = self.refer(row, "projet", (schema.PROJECT.label,)) if self.required(row, "projet") else None
        role_word = row.get("role")
        role = schema.PARTICIPATION_ROLES.get(slugify(role_word)) if role_word else "contributor"
        if role is None:
            choices = ", ".join(sorted(schema.ROLE_LABELS_FR.values()))
            self.report.error(row.table.label, row.line, "role", role_word, t("expect.role", choices=choices))
        since, until = self.date(row, "debut"), self.date(row, "fin")
        if actor and project and role:
            self.relationships.append(Relationship("PARTICIPATES_IN", actor, project, role,
                                                   {"role": role, "since": since, "until": until},
                                                   self.provenance(row)))

    def cooperations(self, row: Row) -> None:
        a = self.refer(row, "acteur_a", schema.ACTOR_LABELS) if self.required(row, "acteur_a") else None
        b = self.refer(row, "acteur_b", schema.ACTOR_LABELS) if self.required(row, "acteur_b") else None
        since, until = self.date(row, "debut"), self.date(row, "fin")
        if a and b and a == b:
            self.report.error(row.table.label, row.line, "acteur_b", b, t("expect.same_actor"))
            return
        if a and b:
            nature = row.get("nature")
            self.relationships.append(Relationship(
                "COOPERATES_WITH", a, b, slugify(nature),
                {"nature": nature, "frequency": row.get("frequence"), "since": since, "until": until,
                 "origin": row.get("source")}, self.provenance(row)))

    def financements(self, row: Row) -> None:
        funder = self.refer(row, "financeur", schema.ACTOR_LABELS) if self.required(row, "financeur") else None
        beneficiary = self.refer(row, "beneficiaire", schema.ACTOR_LABELS)
        project = self.refer(row, "projet", (schema.PROJECT.label,))
        amount, when = self.amount(row, "montant"), self.date(row, "date")
        if not (beneficiary or project):
            self.report.error(row.table.label, row.line, "beneficiaire", "", t("expect.target"))
            return
        if funder:
            reference, obj = row.get("reference"), row.get("objet")
            key = slugify(reference) or slugify(f"{when or ''} {obj} {project or ''}") or str(row.line)
            self.relationships.append(Relationship(
                "FUNDS", funder, beneficiary or project, key,
                {"amount": amount, "date": when, "object": obj, "reference": reference,
                 "project": project if beneficiary else None, "since": when},
                self.provenance(row)))

    # --- references ----------------------------------------------------------
    def resolve_references(self, store) -> None:
        known = self.nodes
        missing = {r.value for r in self.references if r.value not in known}
        stored = store.kinds_of(missing) if (missing and store is not None) else {}
        for ref in self.references:
            node = known.get(ref.value)
            kind = node.kind if node is not None else stored.get(ref.value)
            if kind is not None and kind in ref.kinds:
                continue
            names = " / ".join(schema.NODE_KINDS[k].display() for k in ref.kinds) \
                if len(ref.kinds) < 3 else t("what.actor")
            if kind is None:
                self.report.error(ref.row.table.label, ref.row.line, ref.column, ref.value,
                                  t("expect.reference", kinds=names))
            else:
                self.report.error(ref.row.table.label, ref.row.line, ref.column, ref.value,
                                  t("expect.reference_kind", kinds=names,
                                    actual=schema.NODE_KINDS[kind].display()))


def template_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and the template files inside the folders named, in a stable order."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir()
                                if p.is_file() and p.suffix.lower() in TEMPLATE_SUFFIXES))
        else:
            files.append(path)
    return files


FORMATS = ("modeles", "scdl", "rna", "enquete")


@collector_paused()
def read_templates(paths: Iterable[Path], store=None, communes: set[str] | None = None,
                   fmt: str | None = None) -> ImportResult:
    """Read and check files (canonical templates, SCDL grants, RNA extracts, recognised by their header);
    the batch is complete only when the report has no error.

    *store* (optional) resolves references to actors and projects that are already stored;
    *communes* keeps only the RNA associations of these INSEE codes; *fmt* (one of
    :data:`FORMATS`) forces the format instead of recognising it by the header.
    """
    builder = _Builder()
    files = template_files(paths)
    tables: list[tuple[Template, Table]] = []
    grants: list[Table] = []
    associations: list[Table] = []
    surveys: list[Table] = []
    for path in files:
        if not path.exists():
            builder.report.error(str(path), None, None, None, t("error.path", path=path))
            continue
        try:
            found = read_tables(path)
        except Exception as exc:  # a corrupt workbook or unreadable file: report, do not crash
            builder.report.error(path.name, None, None, None, t("expect.readable", error=exc))
            continue
        for table in found:
            template = recognise(table) if fmt in (None, "modeles") else None
            if template is not None:
                tables.append((template, table))
            elif fmt in (None, "scdl") and scdl.is_scdl(table):
                grants.append(table)
            elif fmt in (None, "rna") and rna.is_rna(table):
                associations.append(table)
            elif fmt in (None, "enquete") and survey.is_survey(table):
                surveys.append(table)
            else:
                builder.report.error(table.label, None, None, None,
                                     t("expect.template") if fmt is None else t("expect.format", format=fmt))
    tables.sort(key=lambda pair: ORDER.index(pair[0].name))
    for template, table in tables:
        for row in _rows(template, table, builder.report):
            getattr(builder, template.name)(row)
    for table in associations:
        rna.load(builder, table, communes)
    kept, builder.relationships = builder.relationships, _Counter()
    for table in grants:
        scdl.load(builder, table)
    deferred_count, builder.relationships = builder.relationships.count, kept
    if surveys:
        known = survey.known_actors(builder.nodes.values(), store)
        for table in surveys:
            survey.load(builder, table, known)
    renames = identity.reconcile(builder, store)
    builder.resolve_references(store)
    batch = Batch(list(builder.nodes.values()), builder.relationships)
    return ImportResult(len(files), batch, builder.report, tables=[table for _, table in tables] + grants
                        + associations + surveys, deferred=grants, deferred_count=deferred_count,
                        renames=renames, at=builder.at)


def deferred_batches(result: ImportResult, store, chunk: int = 10000):
    """The grants of the deferred files, read again and given in batches of *chunk*.

    Rows rejected at the check (``result.rejected``) are left out; organisations take
    the identifier they were matched to.
    """
    bad = set(result.rejected)
    kept = {node.id for node in result.batch.nodes}
    for table in result.deferred:
        builder = _Builder(at=result.at)  # its report is dropped: the check already reported every row
        pending: list[Relationship] = []
        for line in scdl.load_rows(builder, table):
            if (table.label, line) not in bad:
                pending.extend(identity.renamed(rel, result.renames) for rel in builder.relationships)
            builder.relationships.clear()
            builder.nodes.clear()
            if len(pending) >= chunk:
                yield Batch([], _with_known_ends(pending, kept, store))
                pending = []
        if pending:
            yield Batch([], _with_known_ends(pending, kept, store))


def _with_known_ends(relationships: list[Relationship], kept: set[str], store) -> list[Relationship]:
    ends = {end for rel in relationships for end in (rel.source, rel.target)} - kept
    missing = ends - set(store.kinds_of(ends)) if (ends and store is not None) else ends
    return [rel for rel in relationships if rel.source not in missing and rel.target not in missing]


def _rows(template: Template, table: Table, report: Report):
    positions: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        normalised = normalise_header(header)
        for column, spellings in template.columns.items():
            if normalised in spellings and column not in positions:
                positions[column] = index
    missing = [c for c in template.required if c not in positions]
    for column in missing:
        report.error(table.label, 1, column, "", t("expect.column", columns=", ".join(table.headers)))
    if missing:
        return
    for line, cells in shaped_rows(report, table):
        yield Row(table, line, {column: cells[i].strip() for column, i in positions.items()})


def without_invalid_rows(result: ImportResult, store) -> None:
    """Leave out every fact asserted by a row with an error, then every fact that pointed at what was left out."""
    bad = {(issue.file, issue.line) for issue in result.report.errors}
    origin = lambda fact: (fact.provenance.source, fact.provenance.line) if fact.provenance else None  # noqa: E731
    nodes = [n for n in result.batch.nodes if origin(n) not in bad]
    kept = {n.id for n in nodes}
    ends = {end for r in result.batch.relationships for end in (r.source, r.target)} - kept
    stored = set(store.kinds_of(ends)) if (store is not None and ends) else set()
    relationships = []
    for rel in result.batch.relationships:
        if origin(rel) in bad:
            continue
        missing = [end for end in (rel.source, rel.target) if end not in kept and end not in stored]
        if missing:
            result.report.error(rel.provenance.source, rel.provenance.line, None, missing[0],
                                t("expect.reference", kinds="élément non rejeté"))
            bad.add(origin(rel))
            continue
        relationships.append(rel)
    # A row rejected late (above) may have asserted facts already kept: take them out too.
    result.batch = Batch([n for n in nodes if origin(n) not in bad],
                         [r for r in relationships if origin(r) not in bad])
    result.rejected = sorted(b for b in bad if b[1] is not None)


def write_rejects(result: ImportResult, path: Path) -> Path:
    """The rejected rows, with their reasons, as a CSV that spreadsheets open (UTF-8 with BOM, ``;``)."""
    import csv

    wanted = {(issue.file, issue.line) for issue in result.report.errors}
    labels = {label for label, _ in wanted}
    cells_of = {(table.label, line): cells for table in result.tables if table.label in labels
                for line, cells in table.rows if (table.label, line) in wanted}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["fichier", "ligne", "champ", "valeur", "attendu", "contenu de la ligne"])
        for issue in result.report.errors:
            cells = cells_of.get((issue.file, issue.line), [])
            writer.writerow([issue.file, issue.line or "", issue.field or "", issue.value or "", issue.expected,
                             " | ".join(cells)])
    return path


@collector_paused(freeze=True)  # the result lives until the command ends
def import_templates(paths: Iterable[Path], store, progress=None, dry_run: bool = False,
                     communes: set[str] | None = None, skip_invalid: bool = False, fmt: str | None = None) -> ImportResult:
    """Check then write files into *store*.

    Any error raises :class:`ImportRejected` and writes nothing, unless *skip_invalid*:
    then the valid rows are written and ``result.rejected`` names the others.
    """
    result = read_templates(paths, store, communes, fmt)
    if result.report.errors:
        file_level = [i for i in result.report.errors if i.line is None]
        if not skip_invalid or file_level:
            raise ImportRejected(result.report)
        without_invalid_rows(result, store)  # a grant row with an error was not counted in deferred_count
    if not dry_run:
        batches = itertools.chain([result.batch], deferred_batches(result, store))
        total = len(result.batch.nodes) + result.relationship_count
        result.summary = store.write_many(batches, total, progress=progress)
    return result
