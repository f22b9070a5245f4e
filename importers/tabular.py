"""Reading spreadsheets as they really come: CSV in any usual encoding and separator, XLSX or ODS sheets.

A CSV file is never held in memory: its rows are read again from disk at each pass
(checking, then writing), so a file of a million rows costs no more memory than a
small one.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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
    headers: list[str]
    rows: Iterable[tuple[int, list[str]]] = field(default_factory=list)  # (line, cells), re-iterable
    encoding: str = "utf-8"
    separator: str = ","


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

    def __init__(self, path: Path, encoding: str, had_bom: bool, separator: str):
        self.path, self.encoding, self.had_bom, self.separator = path, encoding, had_bom, separator

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
        next(rows, None)
        return rows


def detect_separator(text: str) -> str:
    """The separator used in the first non-empty line, counting only characters outside quotes."""
    for line in text.splitlines():
        if line.strip():
            unquoted = re.sub(r'"[^"]*"', "", line)
            counts = {sep: unquoted.count(sep) for sep in SEPARATORS}
            best = max(counts, key=lambda sep: counts[sep])
            return best if counts[best] else ","
    return ","


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


def read_xlsx(path: Path) -> list[Table]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    tables = []
    try:
        for sheet in workbook.worksheets:
            rows: list[tuple[int, list[str]]] = []
            table = Table(f"{path.name}[{sheet.title}]", sheet.title, [], rows)
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in values]
                if not any(c.strip() for c in cells):
                    continue
                if not table.headers:
                    table.headers = [c.strip() for c in cells]
                    continue
                rows.append((number, cells))
            tables.append(table)
    finally:
        workbook.close()
    return tables


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
                    table, number = Table(f"{path.name}[{name}]", name, [], rows), 0
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
                        if not table.headers:
                            table.headers = [c.strip() for c in cells]
                        else:  # trailing empty cells dropped, then the row as wide as the header again
                            rows.append((number, cells + [""] * (len(table.headers) - len(cells))))
                else:
                    number += times
                element.clear()
            elif tag == table_tag and table is not None:
                tables.append(table)
                element.clear()
    return tables


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
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if path.suffix.lower() == ".ods":
        return read_ods(path)
    return [read_csv(path)]


def shaped_rows(report: Report, table: Table) -> Iterator[tuple[int, list[str]]]:
    """The rows of *table* whose cell count fits the file's shape, as (line, cells); the others are reported.

    A row fits when it has as many cells as the header, or as many as most rows when
    they all end with the same empty cells (a trailing separator on every line). A
    decimal comma in an unquoted amount of a comma-separated file adds one cell to its
    row only, which is how it shows. Only a file with wider rows is read twice: the
    first time a row is wider than the header, the file's usual width is counted.
    """
    width = len(table.headers)
    tolerated = None
    for line, cells in table.rows:
        size = len(cells)
        if size == width:
            yield line, cells
            continue
        if size > width and not filled_beyond(cells, width):
            if tolerated is None:
                tolerated = usual_width(table)
            if size == tolerated:
                yield line, cells
                continue
        report.error(table.label, line, None, " | ".join(cells)[:80],
                     Message("expect.cells", expected=width, actual=size))
