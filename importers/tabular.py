"""Reading spreadsheets as they really come: CSV in any usual encoding and separator, or XLSX sheets."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

UTF8_BOM = b"\xef\xbb\xbf"
SEPARATORS = (";", ",", "\t")


@dataclass
class Table:
    """One sheet of data: its header and its rows, each with the line it starts on."""

    label: str  # how people name it in messages: a file name, or "workbook.xlsx[sheet]"
    name: str  # file stem or sheet name, used to recognise the template
    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    encoding: str = "utf-8"
    separator: str = ","


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name of CSV bytes: UTF-8 (with or without BOM), else Windows-1252, else Latin-1.

    A BOM in front of Windows-1252 text is dropped, whatever the file name claims.
    """
    had_bom = data.startswith(UTF8_BOM)
    if had_bom:
        data = data[len(UTF8_BOM):]
    try:
        return data.decode("utf-8"), "utf-8-sig" if had_bom else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def detect_separator(text: str) -> str:
    """The separator used in the first non-empty line, counting only characters outside quotes."""
    for line in text.splitlines():
        if line.strip():
            unquoted = re.sub(r'"[^"]*"', "", line)
            counts = {sep: unquoted.count(sep) for sep in SEPARATORS}
            best = max(counts, key=counts.get)
            return best if counts[best] else ","
    return ","


def normalise_header(text: str) -> str:
    """``"Nom Attribuant"``, ``"nom_attribuant"``, ``"NomAttribuant"`` -> ``"nomattribuant"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", ascii_text.lower())


def read_csv(path: Path) -> Table:
    text, encoding = decode(path.read_bytes())
    separator = detect_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    table = Table(path.name, path.stem, [], encoding=encoding, separator=separator)
    previous_end = 0
    for cells in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if not table.headers:
            table.headers = [cell.strip() for cell in cells]
            continue
        table.rows.append((start, cells))
    return table


def read_xlsx(path: Path) -> list[Table]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    tables = []
    try:
        for sheet in workbook.worksheets:
            table = Table(f"{path.name}[{sheet.title}]", sheet.title, [])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in values]
                if not any(c.strip() for c in cells):
                    continue
                if not table.headers:
                    table.headers = [c.strip() for c in cells]
                    continue
                table.rows.append((number, cells))
            tables.append(table)
    finally:
        workbook.close()
    return tables


def _cell_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and hasattr(value, "isoformat"):
        return value.date().isoformat() if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def misshapen_rows(table: Table) -> dict[int, int]:
    """Line -> cell count, for the rows whose number of cells does not match the file's shape.

    The expected count is the header's, or the count most rows share when they all
    end with the same empty cells (a trailing separator on every line). A decimal
    comma in an unquoted amount of a comma-separated file adds one cell to its row
    only, which is how it shows.
    """
    width = len(table.headers)
    counts: dict[int, int] = {}
    for _, cells in table.rows:
        counts[len(cells)] = counts.get(len(cells), 0) + 1
    usual = max(counts, key=counts.get) if counts else width
    tolerated = {width}
    if usual > width and all(not c.strip() for _, cells in table.rows if len(cells) == usual for c in cells[width:]):
        tolerated.add(usual)
    return {line: len(cells) for line, cells in table.rows
            if len(cells) not in tolerated or any(c.strip() for c in cells[width:])}


def read_tables(path: Path) -> list[Table]:
    """Every table in *path*: one for a CSV file, one per sheet for a workbook."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    return [read_csv(path)]
