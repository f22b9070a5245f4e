"""The import formats: one module each, found here by themselves.

Each module declares ``FORMAT``, an instance of a :class:`Format` subclass, which
says how well it recognises a table's header (:meth:`Format.recognise`, a score: the
best match wins, and an unknown file is explained by its closest format) and turns
the rows it recognises into facts through the public :class:`importers.context.ImportContext`.
``maillage import --format``, its ``--help`` and the README's list of formats come
from :data:`FORMATS`. To add a format, add a module (and its test): nothing else lists it.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graph.discovery import declared_in
from graph.i18n import Bilingual
from importers.tabular import Table

if TYPE_CHECKING:
    from importers.context import ImportContext


@dataclass(frozen=True)
class Recognition:
    """How well a format recognises a table: *score* 1 or more when every column it needs is there
    (more when it also finds optional ones, or the table's name), less than 1 otherwise."""

    score: float
    found: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.score >= 1


def recognition(needed: dict[str, bool], optional_found: int = 0, bonus: float = 0.0) -> Recognition:
    """A :class:`Recognition` from which needed features were found (name -> found), plus optional ones."""
    found = tuple(name for name, ok in needed.items() if ok)
    missing = tuple(name for name, ok in needed.items() if not ok)
    score = len(found) / max(len(needed), 1)
    if not missing:
        score += 0.01 * optional_found + bonus
    return Recognition(score, found, missing)


class Format(ABC):
    """A kind of file Maillage reads."""

    name: str  # the value of ``--format``
    title: Bilingual  # one line: what the files are
    description: Bilingual  # what becomes of their rows
    example: str  # a command line
    phase: int  # tables are loaded format by format, in this order (what others refer to first)
    streamed: bool = False  # rows read again when written, never all held in memory

    def fields(self) -> tuple[str, ...]:
        """The names a column may be given by hand (``--map "Colonne du fichier=champ"``)."""
        return ()

    @abstractmethod
    def recognise(self, table: Table) -> Recognition:
        """How well this format recognises *table* (by its header, or its name)."""

    def load(self, context: ImportContext, tables: list[Table]) -> None:
        """Check *tables* (all recognised as this format) and add their facts to *context*."""
        for table in tables:
            for _ in self.rows(context, table):
                pass

    def rows(self, context: ImportContext, table: Table) -> Iterator[int]:
        """Add *table*'s facts row by row, yielding each row's line after adding its facts: a streamed
        format is read this way twice, once to check, once to write."""
        raise NotImplementedError


def _discover() -> dict[str, Format]:
    found = declared_in(__name__, __path__, "FORMAT", Format)
    found.sort(key=lambda f: (f.phase, f.name))
    return {f.name: f for f in found}


FORMATS: dict[str, Format] = _discover()


def best_format(table: Table, among: list[Format] | None = None) -> tuple[Format | None, Format, Recognition]:
    """(the format that recognises *table* best, or None when none recognises it fully;
    the closest format; its recognition), for an explanation."""
    scored = [(f.recognise(table), f) for f in (among or list(FORMATS.values()))]
    recognised, closest = max(scored, key=lambda pair: (pair[0].score, -pair[1].phase))
    return (closest if recognised.complete else None), closest, recognised
