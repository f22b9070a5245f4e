"""Problems with what people give Maillage, wherever it comes from: a file's cell, a form's field, a JSON body.

An :class:`Issue` names *where* (:class:`FileCell`, :class:`FormField` or
:class:`JsonPointer`), the value found and what was expected. The same rules
(:mod:`graph.rules`) check a spreadsheet row, a web form and an API call, and say the
same things: only the *where* differs. Texts are :class:`graph.i18n.Message` objects,
written in the reader's language when shown.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph.i18n import Message, Text, render


class Where:
    """Where a value was read."""

    file: str | None = None
    line: int | None = None
    field: str | None = None

    def describe(self, lang: str | None = None) -> str:
        raise NotImplementedError

    def as_dict(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class FileCell(Where):
    """A cell of a file (a line and a column), or the whole file when *line* is None."""

    file: str
    line: int | None = None
    field: str | None = None

    def describe(self, lang: str | None = None) -> str:
        if self.line is None:
            return self.file
        if not self.field:  # the whole row
            return Message("where.line", file=self.file, line=self.line).render(lang)
        return Message("where.cell", file=self.file, line=self.line, field=self.field).render(lang)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field}


@dataclass(frozen=True)
class FormField(Where):
    """A field of a web form, by its name."""

    field: str

    def describe(self, lang: str | None = None) -> str:
        return Message("where.form", field=self.field).render(lang)

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field}


@dataclass(frozen=True)
class JsonPointer(Where):
    """A member of a JSON body, as an RFC 6901 pointer (``/actor_a``)."""

    pointer: str

    @property
    def field(self) -> str:  # type: ignore[override]
        return self.pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")

    def describe(self, lang: str | None = None) -> str:
        return Message("where.json", pointer=self.pointer).render(lang)

    def as_dict(self) -> dict[str, Any]:
        return {"pointer": self.pointer}

    @classmethod
    def to(cls, *path: str | int) -> JsonPointer:
        """The pointer to ``body[path[0]][path[1]]…``."""
        return cls("".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path))


@dataclass(frozen=True)
class Issue:
    """A problem at *where*: *value* was found, *expectation* says what was expected.

    An *error* means the record cannot be taken; a *warning*, that it is taken but doubtful.
    """

    where: Where
    value: Any
    expectation: Text
    severity: str = "error"

    # What spreadsheet reports and rejects files read.
    @property
    def file(self) -> str | None:
        return self.where.file

    @property
    def line(self) -> int | None:
        return self.where.line

    @property
    def field(self) -> str | None:
        return self.where.field

    @property
    def expected(self) -> str:
        """What was expected, in the current language."""
        return str(render(self.expectation))

    def message(self, lang: str | None = None) -> str:
        """One line for people: where, the value, what was expected."""
        expected = str(render(self.expectation, lang))
        if isinstance(self.where, FileCell) and self.where.line is None:
            return Message("issue.file", file=self.where.file, expected=expected).render(lang)
        value = "" if self.value is None else str(self.value)
        if len(value) > 80:
            value = value[:77] + "…"
        return Message("issue.at", where=self.where.describe(lang), value=value, expected=expected).render(lang)

    def as_dict(self, lang: str | None = None) -> dict[str, Any]:
        return {**self.where.as_dict(), "value": self.value, "expected": str(render(self.expectation, lang)),
                "severity": self.severity}


@dataclass
class Report:
    """Every issue found while reading some input, in the order found."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, where: Where, value: Any, expectation: Text, severity: str = "error") -> None:
        self.issues.append(Issue(where, value, expectation, severity))

    def error(self, file: str, line: int | None, field_name: str | None, value: Any, expected: Text) -> None:
        """An error in a file's cell (the importers' way of saying it)."""
        self.add(FileCell(file, line, field_name), value, expected, "error")

    def warning(self, file: str, line: int | None, field_name: str | None, value: Any, expected: Text) -> None:
        self.add(FileCell(file, line, field_name), value, expected, "warning")

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]
