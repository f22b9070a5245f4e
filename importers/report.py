"""Validation reports: every problem names the file, line, field, value and what was expected."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from graph.i18n import t
from importers.tabular import Table, filled_beyond, usual_width


@dataclass(frozen=True)
class Issue:
    file: str
    line: int | None
    field: str | None
    value: str | None
    expected: str  # already in the reader's language
    severity: str = "error"  # error: the row cannot be loaded; warning: loaded, but doubtful

    def message(self) -> str:
        if self.line is None:
            return t("issue.file", file=self.file, expected=self.expected)
        value = "" if self.value is None else str(self.value)
        if len(value) > 80:
            value = value[:77] + "…"
        return t("issue.line", file=self.file, line=self.line, field=self.field or "", value=value,
                 expected=self.expected)

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "field": self.field, "value": self.value,
                "expected": self.expected, "severity": self.severity}


@dataclass
class Report:
    issues: list[Issue] = field(default_factory=list)

    def error(self, file: str, line: int | None, field_name: str | None, value, expected: str) -> None:
        self.issues.append(Issue(file, line, field_name, value, expected, "error"))

    def warning(self, file: str, line: int | None, field_name: str | None, value, expected: str) -> None:
        self.issues.append(Issue(file, line, field_name, value, expected, "warning"))

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


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
                     t("expect.cells", expected=width, actual=size))


class ImportRejected(Exception):
    """The files hold errors: nothing was written."""

    def __init__(self, report: Report):
        self.report = report
        super().__init__("\n".join(issue.message() for issue in report.errors))
