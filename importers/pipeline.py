"""An import from end to end: find the files, recognise each table's format, check everything, then write.

Nothing is written unless every file is free of errors (or, with ``skip_invalid``,
only the valid rows are). Streamed formats (grant files of a million rows) are not
held in memory: their rows are read again, in chunks, when written.
"""
from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from graph import history
from graph.bulk import collector_paused
from graph.i18n import Message, t
from graph.issues import Report
from graph.model import Batch, ChangeRecord, Node, Relationship
from graph.stores.base import Progress, Store
from importers import identity
from importers.context import ImportContext, ImportOptions, _Counter
from importers.formats import FORMATS, Format, Recognition, best_format
from importers.tabular import Table, header_candidates, read_tables

SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".ods", ".tsv", ".txt")


class ImportRejected(Exception):
    """The files hold errors: nothing was written."""

    def __init__(self, report: Report):
        self.report = report
        super().__init__("\n".join(issue.message() for issue in report.errors))


@dataclass
class ImportResult:
    files: int
    batch: Batch  # the nodes, and the relationships of every format but the streamed ones
    report: Report
    summary: ChangeRecord | None = None  # once written
    tables: list[Table] = field(default_factory=list)  # every table read, to find a rejected row's cells again
    rejected: list[tuple[str, int]] = field(default_factory=list)  # (file label, line) left out by skip_invalid
    deferred: list[tuple[Format, Table]] = field(default_factory=list)  # streamed tables, read again when written
    deferred_count: int = 0
    renames: dict[str, str] = field(default_factory=dict)  # provisional organisation id -> the known actor it matched
    at: str = ""
    options: ImportOptions = field(default_factory=ImportOptions)  # to read the streamed tables again as checked
    repeated: set[tuple[str, int]] = field(default_factory=set)  # (file label, line) of streamed rows read twice

    @property
    def relationship_count(self) -> int:
        return len(self.batch.relationships) + self.deferred_count

    def all_relationships(self, store: Store | None = None) -> list[Relationship]:
        """Every relationship of the import, the streamed ones read again (for a small import, or a look)."""
        streamed = [rel for batch in deferred_batches(self, store) for rel in batch.relationships]
        return self.batch.relationships + streamed


def files_in(paths: Iterable[Path]) -> list[Path]:
    """The files named, and the readable files inside the folders named, in a stable order."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES))
        else:
            files.append(path)
    return files


@collector_paused()
def read_files(paths: Iterable[Path], store: Store | None = None, communes: set[str] | None = None,
               fmt: str | None = None, options: ImportOptions | None = None) -> ImportResult:
    """Read and check files of every format (recognised by their header, or *fmt*); the batch is complete
    only when the report has no error.

    *store* (optional) resolves references to what is already stored; *communes* keeps
    only the RNA associations of these INSEE codes; *options* says the rest (columns
    named by hand, the payer of a grant list).
    """
    options = options or ImportOptions()
    options.communes, options.format = communes or options.communes, fmt or options.format
    fmt = options.format
    context = ImportContext(store, options)
    files = files_in(paths)
    by_format: dict[str, list[Table]] = {name: [] for name in FORMATS}
    for path in files:
        if not path.exists():
            context.report.error(str(path), None, None, None, Message("error.path", path=path))
            continue
        try:
            found = read_tables(path)
        except Exception as exc:  # a corrupt workbook or unreadable file: report, do not crash
            context.report.error(path.name, None, None, None, Message("expect.readable", error=exc))
            continue
        readings = [_format_of(table, fmt, options.mapping) for table in found]
        some_sheet_recognised = len(found) > 1 and any(chosen for chosen, *_ in readings)
        for chosen, table, closest, recognition in readings:
            if chosen is not None:
                by_format[chosen.name].append(table)
            elif some_sheet_recognised:  # a workbook's other sheets: notes, totals, a legend
                context.report.warning(table.label, None, None, None, Message(
                    "expect.sheet_skipped", format=closest.title, missing=", ".join(recognition.missing) or "—"))
            elif fmt:
                context.report.error(table.label, None, None, None, Message("expect.format", format=fmt))
            else:
                context.report.error(table.label, None, None, None, Message(
                    "expect.no_format", format=closest.title, found=", ".join(recognition.found) or "—",
                    missing=", ".join(recognition.missing) or "—"))
    deferred: list[tuple[Format, Table]] = []
    deferred_count = 0
    repeated: set[tuple[str, int]] = set()
    counters: list[_Counter] = []
    for name, tables in by_format.items():
        declared = FORMATS[name]
        if not tables:
            continue
        if declared.streamed:
            counter = _Counter()
            kept, context.relationships = context.relationships, counter
            declared.load(context, tables)
            counters.append(counter)
            context.relationships = kept
            deferred += [(declared, table) for table in tables]
        else:
            declared.load(context, tables)
    renames = identity.reconcile(context)
    for counter in counters:
        deferred_count += counter.count
        for label, line, first_label, first_line in counter.repeats(renames):  # listed twice: loaded once
            context.report.warning(label, line, None, None, Message("expect.repeated", file=first_label,
                                                                    line=first_line))
            repeated.add((label, line))
    deferred_count -= len(repeated)
    context.resolve_references()
    batch = Batch(list(context.nodes.values()), context.relationships)
    tables_read = [table for tables in by_format.values() for table in tables]
    return ImportResult(len(files), batch, context.report, tables=tables_read, deferred=deferred,
                        deferred_count=deferred_count, renames=renames, at=context.at, options=options,
                        repeated=repeated)


def _format_of(table: Table, fmt: str | None, mapping: dict[str, str]
               ) -> tuple[Format | None, Table, Format, Recognition]:
    """The format of *table* and the table read from its header (which may lie below title rows, or over two
    rows): the best recognition among all formats (or the one forced); when none is complete, the closest
    format and what it found and missed, for an explanation."""
    among = [FORMATS[fmt]] if fmt else None
    best: tuple[Format | None, Table, Format, Recognition] | None = None
    for index, candidate in enumerate(header_candidates(table, mapping)):
        chosen, closest, recognition = best_format(candidate, among)
        if best is None or recognition.score > best[3].score:
            best = (chosen, candidate, closest, recognition)
        if index == 0 and chosen is not None:
            break  # the first row is a header a format recognises: no need to look further
    assert best is not None
    return best


def deferred_batches(result: ImportResult, store: Store | None, chunk: int = 10000) -> Iterator[Batch]:
    """The relationships of the streamed tables, read again and given in batches of *chunk*.

    Rows rejected at the check (``result.rejected``) are left out; organisations take
    the identifier they were matched to.
    """
    bad = set(result.rejected) | result.repeated
    kept = {node.id for node in result.batch.nodes}
    for declared, table in result.deferred:
        context = ImportContext(options=result.options, at=result.at)  # its report is dropped: already checked
        pending: list[Relationship] = []
        for line in declared.rows(context, table):
            if (table.label, line) not in bad:
                pending.extend(identity.renamed(rel, result.renames) for rel in context.relationships)
            context.relationships.clear()
            context.nodes.clear()
            if len(pending) >= chunk:
                yield Batch([], _with_known_ends(pending, kept, store))
                pending = []
        if pending:
            yield Batch([], _with_known_ends(pending, kept, store))


def _with_known_ends(relationships: list[Relationship], kept: set[str], store: Store | None) -> list[Relationship]:
    ends = {end for rel in relationships for end in (rel.source, rel.target)} - kept
    missing = ends - set(store.kinds_of(ends)) if (ends and store is not None) else ends
    return [rel for rel in relationships if rel.source not in missing and rel.target not in missing]


def without_invalid_rows(result: ImportResult, store: Store | None) -> None:
    """Leave out every fact asserted by a row with an error, then every fact that pointed at what was left out."""
    bad = {(issue.file, issue.line) for issue in result.report.errors}

    def origin(fact: Node | Relationship) -> tuple[str | None, int | None] | None:
        return (fact.provenance.source, fact.provenance.line) if fact.provenance else None

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
            result.report.error(rel.provenance.source if rel.provenance else "", rel.provenance.line
                                if rel.provenance else None, None, missing[0], Message("expect.not_rejected"))
            bad.add((rel.provenance.source, rel.provenance.line) if rel.provenance else (None, None))
            continue
        relationships.append(rel)
    # A row rejected late (above) may have asserted facts already kept: take them out too.
    result.batch = Batch([n for n in nodes if origin(n) not in bad], [r for r in relationships if origin(r) not in bad])
    result.rejected = sorted(b for b in bad if b is not None and b[1] is not None)  # type: ignore[misc]


def write_rejects(result: ImportResult, path: Path) -> Path:
    """The rejected rows, with their reasons, as a CSV that spreadsheets open (UTF-8 with BOM, ``;``)."""
    wanted = {(issue.file, issue.line) for issue in result.report.errors}
    labels = {label for label, _ in wanted}
    cells_of: dict[tuple[str | None, int | None], list[str]] = {
        (table.label, line): cells for table in result.tables if table.label in labels
        for line, cells in table.rows if (table.label, line) in wanted}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow([t("rejects.file"), t("rejects.line"), t("rejects.field"), t("rejects.value"),
                         t("rejects.expected"), t("rejects.content")])
        for issue in result.report.errors:
            cells = cells_of.get((issue.file, issue.line), [])
            writer.writerow([issue.file, issue.line or "", issue.field or "", issue.value or "", issue.expected,
                             " | ".join(cells)])
    return path


@collector_paused(freeze=True)  # the result lives until the command ends
def import_files(paths: Iterable[Path], store: Store, progress: Progress | None = None, dry_run: bool = False,
                 communes: set[str] | None = None, skip_invalid: bool = False, fmt: str | None = None,
                 options: ImportOptions | None = None, by: str = "cli") -> ImportResult:
    """Check then write files into *store*, and record the import in the history (by *by*), so that it can
    be undone as a whole.

    Any error raises :class:`ImportRejected` and writes nothing, unless *skip_invalid*:
    then the valid rows are written and ``result.rejected`` names the others. A table
    whose layout is not recognised is refused even then: its rows would be skipped silently.
    """
    paths = list(paths)
    result = read_files(paths, store, communes, fmt, options)
    if result.report.errors:
        file_level = [i for i in result.report.errors if i.line is None]
        if not skip_invalid or file_level:
            raise ImportRejected(result.report)
        without_invalid_rows(result, store)  # a streamed row with an error was not counted in deferred_count
    if not dry_run:
        batches = itertools.chain([result.batch], deferred_batches(result, store))
        total = len(result.batch.nodes) + result.relationship_count
        result.summary = store.write_many(batches, total, progress=progress)
        names = ", ".join(dict.fromkeys(Path(p).name for p in paths))
        history.record_write(store, history.Entry(by, "import", f"import:{names}"[:300], names[:300]), result.summary)
    return result
