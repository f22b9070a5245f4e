"""What an import builds while it reads: the public interface every format writes through.

A format turns rows into facts with the shared rules (:mod:`graph.rules`) and gives
them to an :class:`ImportContext`, which keeps the nodes (once each), the
relationships and the references to check, and reports every problem at its file,
line and column. Nothing is written here: :mod:`importers.pipeline` writes the result
once every file is read and checked.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph import rules
from graph.i18n import Message
from graph.issues import FileCell, Report
from graph.model import Node, Provenance, Relationship
from graph.stores.base import Store
from importers.tabular import Table

PROVISIONAL = ("rna-", "siret-", "nom-")  # organisations named by a file, until matched to a known actor


class RowLocation:
    """Where each field of one row was read: its file, its line and the column the file calls it."""

    __slots__ = ("columns", "line", "table")

    def __init__(self, table: Table, line: int, columns: Mapping[str, str]):
        self.table, self.line, self.columns = table, line, columns

    def __call__(self, name: str) -> FileCell:
        return FileCell(self.table.label, self.line, self.columns.get(name, name))


@dataclass
class ImportOptions:
    """What the person importing says about the files: the communes to keep (RNA), a forced format."""

    communes: set[str] | None = None
    format: str | None = None


class _Counter:
    """Stands for the relationship list while a streamed file is checked: counts, keeps nothing."""

    def __init__(self) -> None:
        self.count = 0

    def append(self, _relationship: Relationship) -> None:
        self.count += 1

    def extend(self, relationships: list[Relationship]) -> None:
        self.count += len(relationships)


@dataclass
class ImportContext:
    """The facts an import has read so far, and its report."""

    store: Store | None = None
    options: ImportOptions = field(default_factory=ImportOptions)
    report: Report = field(default_factory=Report)
    nodes: dict[str, Node] = field(default_factory=dict)
    declared_at: dict[str, tuple[str, int]] = field(default_factory=dict)
    relationships: Any = field(default_factory=list)  # a list, or a counter while a streamed file is checked
    references: list[rules.Reference] = field(default_factory=list)
    at: str = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0).isoformat())
    extras: dict[str, Any] = field(default_factory=dict)  # what a format computes once per import

    def provenance(self, table: Table, line: int | None, kind: str = "file") -> Provenance:
        return Provenance(table.label, line, kind, self.at)

    def known_kind(self, node_id: str) -> str | None:
        """The kind of a node this import declared for sure (not a provisional organisation)."""
        node = self.nodes.get(node_id)
        return None if node is None or node_id.startswith(PROVISIONAL) else node.kind

    def checker(self, values: Mapping[str, Any], table: Table, line: int,
                columns: Mapping[str, str]) -> rules.Checker:
        """A :class:`graph.rules.Checker` for one row, whose problems name the file's own column names."""
        return rules.Checker(values, RowLocation(table, line, columns), self.report, self.known_kind)

    def take(self, facts: rules.Facts, where: Callable[[str], FileCell]) -> None:
        """Add what one record asserted: its node declared once, shared nodes kept once, the rest as it is."""
        if facts.node is not None:
            self.declare(facts.node, where("id"))
        for node in facts.shared_nodes:
            self.nodes.setdefault(node.id, node)
        self.relationships.extend(facts.relationships)
        self.references.extend(facts.references)

    def declare(self, node: Node, where: FileCell) -> None:
        """*node*, which must not be declared twice in one import."""
        other = self.declared_at.get(node.id)
        if other is not None:
            self.report.add(where, node.id, Message("expect.duplicate", other=f"{other[0]}:{other[1]}"))
            return
        self.declared_at[node.id] = (where.file, where.line or 0)
        self.nodes[node.id] = node

    def resolve_references(self) -> None:
        """Report every reference to a node that neither this import nor the store holds (or of another kind)."""
        def kind_of(ids: set[str]) -> dict[str, str]:
            kinds = {i: self.nodes[i].kind for i in ids if i in self.nodes}
            missing = ids - set(kinds)
            if missing and self.store is not None:
                kinds.update(self.store.kinds_of(missing))
            return kinds

        rules.resolve_references(self.references, kind_of, self.report)
