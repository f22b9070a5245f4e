"""Records that travel between importers, stores and queries.

They are values: nothing changes one once made (``dataclasses.replace`` makes another).
They are not frozen dataclasses all the same: an import makes one of each per row, a
million for a large territory, and a frozen dataclass takes three to four times as long
to build.
"""
from __future__ import annotations

import hashlib
import json
import pickle
import sys
import tempfile
from collections.abc import Collection, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Provenance:
    """Which source asserted a fact: a file and its line, a survey, a user; and when."""

    source: str
    line: int | None = None
    kind: str = "file"  # file | survey | user | generator
    at: str = ""  # ISO 8601 timestamp of the assertion

    def as_properties(self) -> dict[str, Any]:
        return {"prov_source": self.source, "prov_line": self.line, "prov_kind": self.kind, "prov_at": self.at}

    @classmethod
    def from_properties(cls, props: dict[str, Any]) -> Provenance:
        intern = sys.intern  # texts every fact of a source repeats (see shared)
        return cls(intern(props.get("prov_source") or ""), props.get("prov_line"),
                   intern(props.get("prov_kind") or "file"), intern(props.get("prov_at") or ""))


SHARED_TEXT_LENGTH = 64


def shared(value: Any) -> Any:
    """*value*, as the one object every fact read from a store shares when it is a short text.

    A large territory repeats the same ids, natures, dates and sources across a million facts;
    read from a store, each would be an object of its own (a snapshot twice as large).

    >>> shared("ag-" + "001") is shared("ag-00" + "1")
    True
    """
    return sys.intern(value) if type(value) is str and len(value) <= SHARED_TEXT_LENGTH else value


def shared_properties(props: dict[str, Any], leave: Collection[str] = ()) -> dict[str, Any]:
    """*props* without the keys of *leave*, keys and short texts shared (see :func:`shared`)."""
    intern = sys.intern  # inlined: a million facts read, ten million values
    return {intern(k): intern(v) if v.__class__ is str and len(v) <= SHARED_TEXT_LENGTH else v
            for k, v in props.items() if k not in leave}


def _clean(properties: dict[str, Any]) -> dict[str, Any]:
    # Absent values are not stored: Neo4j has no null properties, and both stores must agree.
    return {k: v for k, v in properties.items() if v is not None and v != "" and v != []}


def content_hash(*parts: Any) -> str:
    """A stable digest of a fact's content (not its provenance), so a re-import can tell unchanged facts."""
    payload = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(payload.encode("utf-8"), digest_size=12).hexdigest()


@dataclass(slots=True)
class Node:
    kind: str
    id: str
    name: str
    properties: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance | None = None

    def clean_properties(self) -> dict[str, Any]:
        return _clean(self.properties)

    def digest(self, clean: dict[str, Any] | None = None) -> str:
        """*clean*: this node's ``clean_properties()``, when the caller has them already."""
        return content_hash(self.kind, self.id, self.name, self.clean_properties() if clean is None else clean)


@dataclass(slots=True)
class Relationship:
    type: str
    source: str
    target: str
    key: str = ""  # tells apart several facts of one type between the same two nodes
    properties: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance | None = None

    @property
    def identity(self) -> tuple[str, str, str, str]:
        return (self.type, self.source, self.target, self.key)

    def clean_properties(self) -> dict[str, Any]:
        return _clean(self.properties)

    def digest(self, clean: dict[str, Any] | None = None) -> str:
        """*clean*: this relationship's ``clean_properties()``, when the caller has them already."""
        return content_hash(self.identity, self.clean_properties() if clean is None else clean)


def state_tag(node_digest: str, owned_digests: Iterable[str]) -> str:
    """The tag of a node's record as a person edits it: its content and the relationships it carries
    (:data:`graph.schema.OWNED_TYPES`). Any change to either gives another tag (the HTTP ``ETag``)."""
    return content_hash(node_digest, sorted(owned_digests))


@dataclass
class Batch:
    """Everything one import writes, in the order the stores need: nodes, then relationships."""

    nodes: list[Node] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)


Fact = Node | Relationship
NodeRef = str  # a node's id
RelationshipRef = tuple[str, str, str, str]  # (type, source, target, key): a relationship's identity


def reference(fact: Fact) -> NodeRef | RelationshipRef:
    """What names *fact* in the store: a node's id, a relationship's identity."""
    return fact.id if isinstance(fact, Node) else fact.identity


OPERATIONS = ("created", "updated", "retired", "deleted")


@dataclass(slots=True)
class FactChange:
    """One fact changed by a write: *before* (None when created) and *after* (None when deleted)."""

    op: str  # one of OPERATIONS
    before: Fact | None
    after: Fact | None

    @property
    def fact(self) -> Fact:
        """The fact as it is after the change, or as it was before a deletion."""
        fact = self.after if self.after is not None else self.before
        assert fact is not None
        return fact

    @property
    def ref(self) -> NodeRef | RelationshipRef:
        return reference(self.fact)

    @property
    def is_node(self) -> bool:
        return isinstance(self.fact, Node)


def _compact(fact: Fact | None) -> tuple | None:
    """*fact* as plain values (pickled many times faster than the dataclass)."""
    if fact is None:
        return None
    prov = fact.provenance
    provenance = None if prov is None else (prov.source, prov.line, prov.kind, prov.at)
    if isinstance(fact, Node):
        return (0, fact.kind, fact.id, fact.name, fact.properties, provenance)
    return (1, fact.type, fact.source, fact.target, fact.key, fact.properties, provenance)


def _expanded(values: tuple | None) -> Fact | None:
    if values is None:
        return None
    provenance = None if values[-1] is None else Provenance(*values[-1])
    if values[0] == 0:
        return Node(values[1], values[2], values[3], values[4], provenance)
    return Relationship(values[1], values[2], values[3], values[4], values[5], provenance)


# One background thread writes the blocks of every change log: pickling a block overlaps with the
# store's own work (the driver and SQLite release the interpreter while the server writes).
_SPILLER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="maillage-change-log")


class ChangeLog:
    """The fact changes of one write, in order.

    A first import of a large territory changes a million facts: beyond
    :attr:`IN_MEMORY` changes, they are written to a temporary file in blocks, as plain
    values, by a background thread, so that the record of a write costs little memory
    and little time whatever its size, and can still be read back in full (the history
    of the collaborative edits keeps it).
    """

    IN_MEMORY = 50_000

    def __init__(self, changes: Iterable[FactChange] = ()):
        self._recent: list[FactChange] = []
        self._file: Any = None
        self._spilled = 0
        self._pending: Future | None = None
        self.extend(changes)

    def append(self, change: FactChange) -> None:
        self._recent.append(change)
        if len(self._recent) >= self.IN_MEMORY:
            self._spill()

    def extend(self, changes: Iterable[FactChange]) -> None:
        for change in changes:
            self.append(change)

    def extend_block(self, changes: list[FactChange]) -> None:
        """Append many changes at once (a chunk of a bulk write)."""
        self._recent.extend(changes)
        if len(self._recent) >= self.IN_MEMORY:
            self._spill()

    def _spill(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="maillage-changes-")  # noqa: SIM115 (lives with the log)
        block, self._recent = self._recent, []
        self._wait()  # one block in flight at most: memory stays bounded
        self._pending = _SPILLER.submit(self._write, block)
        self._spilled += len(block)

    def _write(self, block: list[FactChange]) -> None:
        self._file.seek(0, 2)
        pickle.dump([(c.op, _compact(c.before), _compact(c.after)) for c in block], self._file,
                    protocol=pickle.HIGHEST_PROTOCOL)

    def _wait(self) -> None:
        if self._pending is not None:
            self._pending.result()
            self._pending = None

    def __iter__(self) -> Iterator[FactChange]:
        self._wait()
        if self._file is not None:
            self._file.seek(0)
            read = 0
            while read < self._spilled:
                block = pickle.load(self._file)
                read += len(block)
                for op, before, after in block:
                    yield FactChange(op, _expanded(before), _expanded(after))
        yield from list(self._recent)

    def __len__(self) -> int:
        return self._spilled + len(self._recent)

    def __bool__(self) -> bool:
        return len(self) > 0


COUNTS = ("nodes_created", "nodes_updated", "nodes_unchanged", "relationships_created",
          "relationships_updated", "relationships_unchanged", "nodes_retired", "nodes_deleted",
          "relationships_retired", "relationships_deleted")


@dataclass
class ChangeRecord:
    """What one write did: counts by operation, and every fact it changed with its before and after.

    Returned by every write of a store (:meth:`graph.stores.base.Store.write`, ``retire``,
    ``delete``); what was offered but already stored as it is counts as unchanged and
    has no :class:`FactChange`.
    """

    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_unchanged: int = 0
    relationships_created: int = 0
    relationships_updated: int = 0
    relationships_unchanged: int = 0
    nodes_retired: int = 0
    nodes_deleted: int = 0
    relationships_retired: int = 0
    relationships_deleted: int = 0
    changes: ChangeLog = field(default_factory=ChangeLog, repr=False, compare=False)

    def as_dict(self) -> dict[str, int]:
        """The counts (what a summary line prints)."""
        return {name: getattr(self, name) for name in COUNTS}

    @property
    def changed(self) -> int:
        """How many facts this write changed."""
        return sum(getattr(self, name) for name in COUNTS if not name.endswith("unchanged"))

    def record_created(self, facts: list[Node] | list[Relationship]) -> None:
        """Count and keep the creation of *facts* (all nodes, or all relationships): a bulk write's way."""
        if not facts:
            return
        if isinstance(facts[0], Node):
            self.nodes_created += len(facts)
        else:
            self.relationships_created += len(facts)
        self.changes.extend_block([FactChange("created", None, fact) for fact in facts])

    def record(self, change: FactChange) -> None:
        """Count *change* and keep it."""
        name = ("nodes_" if change.is_node else "relationships_") + change.op
        setattr(self, name, getattr(self, name) + 1)
        self.changes.append(change)

    def absorb(self, other: ChangeRecord) -> ChangeRecord:
        """Add *other*'s counts and changes to this record (one import written in several parts); returns it."""
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.changes.extend(other.changes)
        return self
