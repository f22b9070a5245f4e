"""What an import builds while it reads: the public interface every format writes through.

A format turns rows into facts with the shared rules (:mod:`graph.rules`) and gives
them to an :class:`ImportContext`, which keeps the nodes (once each), the
relationships and the references to check, and reports every problem at its file,
line and column. Nothing is written here: :mod:`importers.pipeline` writes the result
once every file is read and checked.
"""
from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph import rules
from graph.i18n import Message
from graph.issues import FileCell, Report
from graph.model import Node, Provenance, Relationship
from graph.stores.base import Store
from importers.tabular import Table

PROVISIONAL = ("rna-", "siret-", "nom-", "siren-")  # organisations named by a file, until matched to a known actor


class RowLocation:
    """Where each field of one row was read: its file, its line and the column the file calls it.

    One serves a whole table, its *line* moved on row after row: a :class:`FileCell` is made
    only for a field that something is said about.
    """

    __slots__ = ("columns", "line", "table")

    def __init__(self, table: Table, line: int, columns: Mapping[str, str]):
        self.table, self.line, self.columns = table, line, columns

    def __call__(self, name: str) -> FileCell:
        return FileCell(self.table.label, self.line, self.columns.get(name, name))


class _SharedNodes:
    __slots__ = ("nodes",)

    def __init__(self, nodes: dict[str, Node]):
        self.nodes = nodes

    def append(self, node: Node) -> None:
        self.nodes.setdefault(node.id, node)


class ContextFacts:
    """Where the rules put what a row asserts during an import: straight into the context, with no
    collection made per row (a territory's files hold a million rows)."""

    __slots__ = ("context", "location", "references", "relationships", "shared_nodes")

    def __init__(self, context: ImportContext, location: RowLocation):
        self.context, self.location = context, location
        self.shared_nodes = _SharedNodes(context.nodes)
        self.relationships = context.relationships
        self.references = context.references

    @property
    def node(self) -> None:
        return None

    @node.setter
    def node(self, node: Node) -> None:
        self.context.declare(node, self.location("id"))


@dataclass
class ImportOptions:
    """What the person importing says about the files: the communes to keep (RNA), a forced format, columns
    named by hand (file column -> field), and the payer of grant lists that do not name it."""

    communes: set[str] | None = None
    format: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    payer: str | None = None
    payer_id: str | None = None


class _Counter:
    """Stands for the relationship list while a streamed file is checked: counts them, and keeps of each only
    its two ends (as numbers), a hash of its type and key, and where it was read (36 bytes), to find a row that
    repeats another once organisations are matched (:meth:`repeats`)."""

    def __init__(self) -> None:
        self.count = 0
        self.ends: dict[str, int] = {}
        self.sources, self.targets, self.keys = array("q"), array("q"), array("q")
        self.lines, self.files = array("q"), array("i")
        self.labels: list[str] = []

    def _end(self, node_id: str) -> int:
        return self.ends.setdefault(node_id, len(self.ends))

    def append(self, relationship: Relationship) -> None:
        self.count += 1
        prov = relationship.provenance
        label = prov.source if prov is not None else ""
        if not self.labels or self.labels[-1] != label:
            self.labels.append(label)
        self.sources.append(self._end(relationship.source))
        self.targets.append(self._end(relationship.target))
        self.keys.append(hash((relationship.type, relationship.key)))
        self.lines.append((prov.line or 0) if prov is not None else 0)
        self.files.append(len(self.labels) - 1)

    def extend(self, relationships: list[Relationship]) -> None:
        for relationship in relationships:
            self.append(relationship)

    def repeats(self, renames: Mapping[str, str]) -> list[tuple[str, int, str, int]]:
        """Each relationship read again after the first time (the same grant listed twice), once the
        organisations are renamed as *renames* says, as (file, line, file and line of its first reading)."""
        import numpy as np

        if self.count < 2:
            return []
        renamed = np.arange(len(self.ends), dtype=np.int64)
        fresh: dict[str, int] = {}  # a known actor no relationship named: one number for every end renamed to it
        for node_id, index in self.ends.items():
            target = renames.get(node_id)
            if target is not None:
                renamed[index] = self.ends[target] if target in self.ends else \
                    fresh.setdefault(target, len(self.ends) + len(fresh))
        sources = renamed[np.frombuffer(self.sources, dtype=np.int64)]
        targets = renamed[np.frombuffer(self.targets, dtype=np.int64)]
        keys = np.frombuffer(self.keys, dtype=np.int64)
        order = np.lexsort((np.arange(self.count), keys, targets, sources))  # equal facts together, first read first
        same = (sources[order][1:] == sources[order][:-1]) & (targets[order][1:] == targets[order][:-1]) & \
            (keys[order][1:] == keys[order][:-1])
        starts = np.ones(self.count, dtype=bool)
        starts[1:] = ~same
        first_of_run = np.maximum.accumulate(np.where(starts, np.arange(self.count), 0))
        found = []
        for position in np.nonzero(~starts)[0]:
            later, first = int(order[position]), int(order[first_of_run[position]])
            found.append((self.labels[self.files[later]], self.lines[later],
                          self.labels[self.files[first]], self.lines[first]))
        return sorted(found)


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

    def checker(self, table: Table, columns: Mapping[str, str]) -> tuple[rules.Checker, RowLocation]:
        """A :class:`graph.rules.Checker` for the rows of *table*, whose problems name the file's own column
        names and whose facts go straight into this context; and its location, to move on row after row."""
        location = RowLocation(table, 0, columns)
        return rules.Checker({}, location, self.report, self.known_kind, ContextFacts(self, location)), location

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
