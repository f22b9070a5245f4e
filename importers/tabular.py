"""Reading spreadsheets as they really come: CSV in any usual encoding and separator, XLSX, XLS or ODS sheets.

A CSV file is never held in memory: its rows are read again from disk at each pass
(checking, then writing), so a file of a million rows costs no more memory than a
small one. The header need not be the first row: title rows above it, or a header
spread over two rows, are found by :func:`header_candidates` (the formats' scores
choose among them).
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from graph.i18n import Message

if TYPE_CHECKING:
    from graph.issues import Report

UTF8_BOM = b"\xef\xbb\xbf"
SEPARATORS = (";", ",", "\t")


@dataclass
class Table:
    """One sheet of data: its header and its rows, each with the line it starts on."""

    label: str  # how people name it in messages: a file name, or "workbook.xlsx[sheet]"
    name: str  # file stem or sheet name, used to recognise the template
    headers: list[str] = field(default_factory=list)
    rows: Iterable[tuple[int, list[str]]] = field(default_factory=list)  # (line, cells) after the header, re-iterable
    encoding: str = "utf-8"
    separator: str = ","
    title: list[str] = field(default_factory=list)  # the text of the rows above the header (a title, a publisher)
    workbook: str | None = None  # the file, when the table is one sheet of a workbook


def merged_header(rows: list[list[str]]) -> list[str]:
    """One header from a header spread over several rows: a cell merged over the columns below it (empty
    in the cells it covers) names each of them, joined with what the next row says.

    >>> merged_header([["Attribuant", "", "Subvention"], ["Nom", "SIRET", "Montant"]])
    ['Attribuant Nom', 'Attribuant SIRET', 'Subvention Montant']
    """
    width = max(len(row) for row in rows)
    columns = [""] * width
    for depth, row in enumerate(rows):
        carried = ""
        for index in range(width):
            cell = row[index].strip() if index < len(row) else ""
            if depth < len(rows) - 1:  # an upper row's merged cell carries to the right
                carried = cell or (carried if index < len(row) or carried else "")
                cell = carried
            columns[index] = f"{columns[index]} {cell}".strip()
    return columns


def mapped_header(headers: list[str], mapping: dict[str, str]) -> list[str]:
    """*headers* with the columns a person named (``--map "Colonne du fichier=champ"``) renamed to their field."""
    wanted = {normalise_header(column): target for column, target in mapping.items()}
    return [wanted.get(normalise_header(header), header) for header in headers]


CHUNK = 1 << 20


def detect_encoding(path: Path) -> tuple[str, bool]:
    """(encoding, has a UTF-8 BOM) of a CSV file, read in chunks: UTF-8, else Windows-1252, else Latin-1."""
    with path.open("rb") as handle:
        had_bom = handle.read(len(UTF8_BOM)) == UTF8_BOM
        start = handle.tell() if had_bom else 0
        for encoding in ("utf-8", "cp1252"):
            handle.seek(start)
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                while chunk := handle.read(CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return ("utf-8-sig" if had_bom and encoding == "utf-8" else encoding), had_bom
    return "latin-1", had_bom


def open_text(path: Path, encoding: str, had_bom: bool) -> io.TextIOWrapper:
    """*path* as text in *encoding*, past its BOM (a BOM in front of Windows-1252 text too)."""
    raw = path.open("rb")
    if had_bom:
        raw.read(len(UTF8_BOM))
    return io.TextIOWrapper(raw, encoding="utf-8" if encoding == "utf-8-sig" else encoding, newline="")


class CsvRows:
    """The rows after the header of a CSV file, as (line it starts on, cells); each pass reads the file again."""

    def __init__(self, path: Path, encoding: str, had_bom: bool, separator: str, header_line: int | None = None):
        self.path, self.encoding, self.had_bom, self.separator = path, encoding, had_bom, separator
        self.header_line = header_line  # None: the first non-empty row

    def after(self, line: int) -> CsvRows:
        return CsvRows(self.path, self.encoding, self.had_bom, self.separator, line)

    def all_rows(self) -> Iterator[tuple[int, list[str]]]:
        """Every non-empty row, the header included."""
        with open_text(self.path, self.encoding, self.had_bom) as handle:
            reader = csv.reader(handle, delimiter=self.separator)
            previous_end = 0
            for cells in reader:
                start = previous_end + 1
                previous_end = reader.line_num
                if any(cells) and "".join(cells).strip():  # joined: one pass in C, not one per cell
                    yield start, cells

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        rows = self.all_rows()
        if self.header_line is None:
            next(rows, None)
            return rows
        return ((line, cells) for line, cells in rows if line > self.header_line)


class SheetRows:
    """The rows of a workbook's sheet after its header (all of them are kept: a sheet is small)."""

    def __init__(self, rows: list[tuple[int, list[str]]], header_line: int = 0):
        self.rows, self.header_line = rows, header_line

    def all_rows(self) -> Iterator[tuple[int, list[str]]]:
        return iter(self.rows)

    def after(self, line: int) -> SheetRows:
        return SheetRows(self.rows, line)

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        return (row for row in self.rows if row[0] > self.header_line)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def detect_separator(text: str) -> str:
    """The separator that splits the first lines into the same number of cells most often (title lines above
    the header have none), counting only characters outside quotes."""
    lines = [re.sub(r'"[^"]*"', "", line) for line in text.splitlines()[:50] if line.strip()]
    best, best_key = ",", (0, 0)
    for sep in SEPARATORS:
        counts = Counter(line.count(sep) for line in lines if line.count(sep))
        if counts:
            width, rows = max(counts.items(), key=lambda item: (item[1], item[0]))
            if (rows, width) > best_key:
                best, best_key = sep, (rows, width)
    return best


def normalise_header(text: str) -> str:
    """``"Nom Attribuant"``, ``"nom_attribuant"``, ``"NomAttribuant"`` -> ``"nomattribuant"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", ascii_text.lower())


def read_csv(path: Path) -> Table:
    """The header of a CSV file, and its rows to be read when needed (see :class:`CsvRows`)."""
    encoding, had_bom = detect_encoding(path)
    with open_text(path, encoding, had_bom) as handle:
        separator = detect_separator(handle.read(CHUNK))
    rows = CsvRows(path, encoding, had_bom, separator)
    header = next(rows.all_rows(), (1, []))[1]
    return Table(path.name, path.stem, [cell.strip() for cell in header], rows, encoding=encoding, separator=separator)


def sheet_table(path: Path, name: str, rows: Iterable[tuple[int, list[str]]]) -> Table:
    """A workbook's sheet as a table: its non-empty rows, the first of them as header (until another is chosen)."""
    kept = [(number, cells) for number, cells in rows if "".join(cells).strip()]
    header_line, headers = kept[0] if kept else (0, [])
    return Table(f"{path.name}[{name}]", name, [c.strip() for c in headers], SheetRows(kept, header_line),
                 workbook=path.name)


def read_xlsx(path: Path) -> list[Table]:
    import warnings

    from openpyxl import load_workbook

    with warnings.catch_warnings():  # "Data Validation extension is not supported": of no matter to data
        warnings.simplefilter("ignore", UserWarning)
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            return [sheet_table(path, sheet.title, ((number, [_cell_text(v) for v in values]) for number, values
                                                    in enumerate(sheet.iter_rows(values_only=True), start=1)))
                    for sheet in workbook.worksheets]
        finally:
            workbook.close()


def read_xls(path: Path) -> list[Table]:
    """Every sheet of an old binary Excel workbook (``.xls``, BIFF), read with python-calamine."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    return [sheet_table(path, name, ((number, [_cell_text(v) for v in values]) for number, values in enumerate(
        workbook.get_sheet_by_name(name).to_python(skip_empty_area=False), start=1)))
        for name in workbook.sheet_names]


_ODS = {prefix: f"{{urn:oasis:names:tc:opendocument:xmlns:{name}:1.0}}"
        for prefix, name in (("table", "table"), ("office", "office"), ("text", "text"))}
_ODS_NUMBERS = ("float", "currency", "percentage")


def read_ods(path: Path) -> list[Table]:
    """Every sheet of an OpenDocument spreadsheet (LibreOffice's ``.ods``), read as a stream.

    Numbers come from the cell's value, not its display (``40 000,00 €`` is 40000),
    dates as ISO dates. Runs of repeated cells and rows (``number-*-repeated``) are
    expanded when they hold something: the thousands of empty cells an ODS file
    often ends its rows with cost nothing.
    """
    import xml.etree.ElementTree as ElementTree
    import zipfile

    table_tag, row_tag, cell_tag = _ODS["table"] + "table", _ODS["table"] + "table-row", _ODS["table"] + "table-cell"
    covered_tag = _ODS["table"] + "covered-table-cell"
    repeated_rows, repeated_columns = _ODS["table"] + "number-rows-repeated", _ODS["table"] + "number-columns-repeated"
    tables: list[Table] = []
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
        table: Table | None = None
        rows: list[tuple[int, list[str]]] = []
        number, cells = 0, list[str]()
        for event, element in ElementTree.iterparse(content, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == table_tag:
                    name = element.get(_ODS["table"] + "name", "")
                    rows = []
                    table, number = Table(f"{path.name}[{name}]", name), 0
                elif tag == row_tag:
                    cells = []
                continue
            if tag in (cell_tag, covered_tag):
                text = _ods_cell_text(element)
                cells.extend([text] * int(element.get(repeated_columns, "1")))
                element.clear()
            elif tag == row_tag:
                times = int(element.get(repeated_rows, "1"))
                while cells and not cells[-1].strip():
                    cells.pop()
                if table is not None and any(c.strip() for c in cells):
                    for _ in range(times):
                        number += 1
                        rows.append((number, cells))
                else:
                    number += times
                element.clear()
            elif tag == table_tag and table is not None:
                tables.append(_ods_sheet(path, table.name, rows))
                element.clear()
    return tables


def _ods_sheet(path: Path, name: str, rows: list[tuple[int, list[str]]]) -> Table:
    """The sheet, its rows as wide as its widest (ODS drops a row's trailing empty cells)."""
    width = max((len(cells) for _, cells in rows), default=0)
    return sheet_table(path, name, ((number, cells + [""] * (width - len(cells))) for number, cells in rows))


def _ods_cell_text(cell) -> str:
    kind = cell.get(_ODS["office"] + "value-type")
    if kind in _ODS_NUMBERS:
        return _cell_text(float(cell.get(_ODS["office"] + "value")))
    if kind == "date":
        return cell.get(_ODS["office"] + "date-value", "")[:10]
    if kind == "boolean":
        return cell.get(_ODS["office"] + "boolean-value", "")
    return "\n".join(_ods_paragraph(p) for p in cell.iter(_ODS["text"] + "p"))


def _ods_paragraph(paragraph) -> str:
    """A paragraph's text, its spans and links included, ``text:s`` (runs of spaces) and tabs restored."""
    parts = [paragraph.text or ""]
    for child in paragraph:
        if child.tag == _ODS["text"] + "s":
            parts.append(" " * int(child.get(_ODS["text"] + "c", "1")))
        elif child.tag == _ODS["text"] + "tab":
            parts.append("\t")
        else:
            parts.append(_ods_paragraph(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and hasattr(value, "isoformat"):
        return value.date().isoformat() if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def filled_beyond(cells: list[str], width: int) -> bool:
    """Whether a row holds something past the header's *width* (not just empty cells)."""
    return bool("".join(cells[width:]).strip())  # joined: one pass in C, not one per cell


def usual_width(table: Table) -> int:
    """The cell count rows may have: most rows' count when it is wider than the header and such rows
    hold nothing beyond it (a separator closing every line), else the header's."""
    width = len(table.headers)
    counts: Counter[int] = Counter()
    filled_widths: set[int] = set()  # cell counts seen with something beyond the header's width
    for _, cells in table.rows:
        counts[len(cells)] += 1
        if len(cells) > width and filled_beyond(cells, width):
            filled_widths.add(len(cells))
    usual = max(counts, key=lambda size: counts[size]) if counts else width
    return usual if usual > width and usual not in filled_widths else width


def read_tables(path: Path) -> list[Table]:
    """Every table in *path*: one for a CSV file, one per sheet for a workbook."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if suffix == ".ods":
        return read_ods(path)
    if suffix == ".xls":
        return read_xls(path)
    return [read_csv(path)]


HEADER_SEARCH = 15  # rows looked at for a header below title rows


def header_candidates(table: Table, mapping: dict[str, str] | None = None) -> Iterator[Table]:
    """*table* read with its header on each of its first rows, then on each pair of rows (a header spread
    over two rows), for the formats to score; the table as read first (and *mapping* applied) comes first.

    The first rows are read once; each candidate reads its data rows again from its header on."""
    yield table if not mapping else replace(table, headers=mapped_header(table.headers, mapping))
    source = table.rows
    if not isinstance(source, (CsvRows, SheetRows)):
        return
    first = list(itertools.islice(source.all_rows(), HEADER_SEARCH + 1))
    for span in (1, 2):
        for start in range(1 if span == 1 else 0, min(len(first) - span, HEADER_SEARCH - 1) + 1):
            headers = merged_header([cells for _, cells in first[start:start + span]])
            title = [" ".join(c.strip() for c in cells if c.strip()) for _, cells in first[:start]]
            yield replace(table, headers=mapped_header(headers, mapping) if mapping else headers,
                          rows=source.after(first[start + span - 1][0]), title=title)


# Two or three characters that are what UTF-8 text looks like once decoded as Windows-1252 (« Ã© » for « é »).
_MOJIBAKE = re.compile("[\u00c2\u00c3\u00c5\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
                       "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac"
                       "\u2122]")

Recover = Callable[[list[str]], list[str] | None]


def repaired(report: Report, table: Table, line: int, cells: list[str]) -> list[str]:
    """*cells* with text decoded with the wrong encoding, or encoded twice (``VendÃ©e``), repaired by ftfy;
    each repair is a warning. The test is one pass over the joined row: most rows cost nothing more."""
    if not _MOJIBAKE.search("\x1f".join(cells)):
        return cells
    from ftfy import fix_text

    fixed = list(cells)
    for index, cell in enumerate(cells):
        if _MOJIBAKE.search(cell):
            fixed[index] = fix_text(cell, normalization="NFC")
            if fixed[index] != cell:
                column = table.headers[index] if index < len(table.headers) else None
                report.warning(table.label, line, column, cell[:80], Message("expect.encoding",
                                                                             repaired=fixed[index][:80]))
    return fixed


def shaped_rows(report: Report, table: Table, recover: Recover | None = None) -> Iterator[tuple[int, list[str]]]:
    """The rows of *table* whose cell count fits the file's shape, as (line, cells); the others are reported.

    A row fits when it has as many cells as the header, or as many as most rows when
    they all end with the same empty cells (a trailing separator on every line). A
    decimal comma in an unquoted amount of a comma-separated file adds one cell to its
    row only, which is how it shows: *recover* (given by a format that knows what its
    columns hold) may put such a row back together, which is a warning; a row it cannot
    read without doubt is an error. Only a file with wider rows is read twice: the
    first time a row is wider than the header, the file's usual width is counted.
    Text decoded with the wrong encoding is repaired (:func:`repaired`).
    """
    width = len(table.headers)
    tolerated = None
    for line, cells in table.rows:
        size = len(cells)
        if size == width:
            yield line, repaired(report, table, line, cells)
            continue
        if size > width and not filled_beyond(cells, width):
            if tolerated is None:
                tolerated = usual_width(table)
            if size == tolerated:
                yield line, repaired(report, table, line, cells)
                continue
        if size > width and recover is not None and table.separator == ",":
            whole = recover(cells)
            if whole is not None:
                report.warning(table.label, line, None, " | ".join(cells)[:80],
                               Message("expect.unquoted_commas", expected=width, actual=size))
                yield line, repaired(report, table, line, whole)
                continue
        report.error(table.label, line, None, " | ".join(cells)[:80],
                     Message("expect.cells", expected=width, actual=size))
