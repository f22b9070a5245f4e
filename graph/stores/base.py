"""The contract every store honours; the contract tests in tests/ check it on each.

A store holds facts (nodes and relationships) and changes them in three ways, each
one transaction that returns a :class:`graph.model.ChangeRecord`:

* :meth:`Store.write` creates or updates (a fact whose content is unchanged is left alone);
* :meth:`Store.retire` ends facts' validity (``until``): they stay, for history and
  "as of" questions;
* :meth:`Store.delete` removes facts (erasure, undoing a mistake); a node goes with
  its relationships.

Every change takes the next number of the store's sequence, so that a reader can ask
what changed since it last read (:meth:`Store.changes_since`), removals included.

A person's change (a form, an API call, a survey answer, an undo) is an :class:`Edit`,
applied by :meth:`Store.apply` in one transaction: its preconditions are checked
there (optimistic concurrency: the ``ETag`` a person read must still be the one
stored), then its facts are written, retired or deleted, and the records that go
with it (its history entry…) are put, all or nothing.

Besides facts, a store keeps *records*: small JSON documents by collection and key
(accounts, API tokens, history, proposals, survey campaigns), so that a backup of the
store is a backup of everything.
"""
from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from graph.model import Batch, ChangeRecord, Node, NodeRef, Provenance, Relationship, RelationshipRef

Progress = Callable[[int, int], None]  # (items written so far, items in all)


def deduplicated(batch: Batch) -> Batch:
    """The batch with one record per node id and per relationship identity (the last one wins)."""
    nodes = {node.id: node for node in batch.nodes}
    relationships = {rel.identity: rel for rel in batch.relationships}
    return Batch(list(nodes.values()), list(relationships.values()))


@dataclass
class Changes:
    """What changed in a store after a :meth:`Store.mark`: the nodes and relationships written
    (created, updated or retired), as they are now, and the references of those removed."""

    mark: tuple
    nodes: list[Node] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)
    removed_nodes: list[str] = field(default_factory=list)
    removed_relationships: list[RelationshipRef] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.nodes or self.relationships or self.removed_nodes or self.removed_relationships)

    @property
    def size(self) -> int:
        """How many facts changed."""
        return len(self.nodes) + len(self.relationships) + len(self.removed_nodes) + len(self.removed_relationships)


def retired_version(fact, until: str, provenance: Provenance | None):
    """*fact* with its validity ended at *until* (and the provenance of the retirement), or None when it
    already ended by then."""
    from dataclasses import replace

    current = fact.properties.get("until")
    if current and str(current) <= until:
        return None
    return replace(fact, properties={**fact.properties, "until": until},
                   provenance=provenance if provenance is not None else fact.provenance)


RecordPut = tuple[str, str, "dict | None"]  # (collection, key, value; None removes the record)


@dataclass
class Edit:
    """A person's change, applied by :meth:`Store.apply` in one transaction.

    *expect_states*: node id -> the state tag (:func:`graph.model.state_tag`) it must have
    now, or None when it must not exist. *expect_facts*: a fact's reference -> the
    content digest it must have now, or None when it must not exist. When one does
    not hold, nothing is written and :class:`Conflict` names them.

    *records* gives the records to put with the change, from its change record (the
    history entry needs what changed, known only inside the transaction).
    """

    write: Batch = field(default_factory=Batch)
    retire_nodes: list[str] = field(default_factory=list)
    retire_relationships: list[RelationshipRef] = field(default_factory=list)
    until: str = ""
    delete_nodes: list[str] = field(default_factory=list)
    delete_relationships: list[RelationshipRef] = field(default_factory=list)
    provenance: Provenance | None = None
    expect_states: dict[str, str | None] = field(default_factory=dict)
    expect_facts: dict[NodeRef | RelationshipRef, str | None] = field(default_factory=dict)
    records: Callable[[ChangeRecord], list[RecordPut]] | None = None
    # A node deleted only with relationships this edit names (an undo must not take away what a later change
    # tied to it): otherwise :class:`Conflict` names the others.
    strict_delete: bool = False


def unnamed_attached(edit: Edit, removed: list[Relationship]) -> list[RelationshipRef]:
    """The relationships a deletion would take with its nodes that *edit* does not name itself."""
    if not edit.strict_delete:
        return []
    named = set(edit.delete_relationships)
    return [rel.identity for rel in removed if rel.identity not in named]


@dataclass
class Dump:
    """Everything a store holds, read as one consistent state (:meth:`Store.dump`): its facts and its records
    (accounts, history, campaigns…), for a backup."""

    nodes: list[Node]
    relationships: list[Relationship]
    records: list[tuple[str, str, dict]]  # (collection, key, value), by collection then key


class StoreUnavailable(Exception):
    """The store cannot be reached now (a Neo4j server stopped or restarting): HTTP 503, try again later."""


class Conflict(Exception):
    """An edit's preconditions no longer hold: someone changed these facts meanwhile (HTTP 412)."""

    def __init__(self, stale: list):
        self.stale = stale
        super().__init__(f"changed meanwhile: {stale!r}")


def check_expectations(edit: Edit, states: dict[str, str], digests: dict) -> None:
    """Raise :class:`Conflict` unless the stored *states* (node id -> tag) and *digests* (reference -> content
    digest) of what *edit* expects are the ones it expects (a missing key: the fact does not exist)."""
    stale: list = [ref for ref, tag in edit.expect_states.items() if states.get(ref) != tag]
    stale += [ref for ref, digest in edit.expect_facts.items() if digests.get(ref) != digest]
    if stale:
        raise Conflict(stale)


Seen = Callable[[list[Relationship]], object]  # told of facts as a store reads them (Store.relationships)


def new_version() -> str:
    # A random token rather than a counter: a cleared store that is written again
    # must not come back to a version some cache has already seen.
    return uuid.uuid4().hex


class Store(ABC):
    backend: str
    # The errors that mean "the store cannot be reached now" (not a defect): the application answers 503 for
    # them, keeps serving its last snapshot for reading, and the store's driver reconnects by itself.
    unavailable_errors: tuple[type[BaseException], ...] = ()
    # Imports give way to people's changes (``maillage import --background``), where the store can: Neo4j
    # writes an import in many small transactions; the embedded store's import stays one transaction.
    background: bool = False
    # Whether it keeps a snapshot for servers starting elsewhere (keep_snapshot): a store several machines serve.
    keeps_snapshots: bool = False

    @abstractmethod
    def describe(self) -> str:
        """Where the data lives, for people (no secret)."""

    @abstractmethod
    def ping(self) -> None:
        """Raise when the store cannot be reached."""

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create constraints and indexes; safe to call at every start."""

    @abstractmethod
    def write(self, batch: Batch, progress: Progress | None = None) -> ChangeRecord:
        """Upsert nodes then relationships; a fact whose content is unchanged is left alone."""

    @abstractmethod
    def write_many(self, batches: Iterable[Batch], total: int, progress: Progress | None = None) -> ChangeRecord:
        """Write batches given one after the other (a large file read in chunks), as one import.

        *total* is the number of items in all, for *progress*.
        """

    @abstractmethod
    def retire(self, nodes: Iterable[str] = (), relationships: Iterable[RelationshipRef] = (), *,
               until: str, provenance: Provenance | None = None) -> ChangeRecord:
        """End the validity of facts at *until* (an ISO date), in one transaction.

        A retired node's relationships still valid at *until* are retired with it. A fact
        that already ended by then, or that does not exist, is left alone. The facts stay
        in the store: "as of" questions before *until* still see them.
        """

    @abstractmethod
    def delete(self, nodes: Iterable[str] = (), relationships: Iterable[RelationshipRef] = (),
               provenance: Provenance | None = None) -> ChangeRecord:
        """Remove facts, in one transaction; a node goes with all its relationships.

        What does not exist is left alone. The change record keeps each removed fact
        as it was (its ``before``): that is what an undo puts back.
        """

    @abstractmethod
    def apply(self, edit: Edit) -> ChangeRecord:
        """Check *edit*'s preconditions, then write, retire, delete and put its records, in one transaction.

        Raises :class:`Conflict` (nothing written) when a precondition does not hold.
        """

    @abstractmethod
    def erase(self, nodes: Iterable[str], records: Iterable[RecordPut] = ()) -> ChangeRecord:
        """Erase people (GDPR, right to erasure): delete the nodes and every relationship they have, leave no
        tombstone naming them, put *records* (the history scrubbed of them) in the same transaction, and start
        a new epoch, so that every reader reads everything again and no cache keeps them. Freed space is
        overwritten where the store can (the embedded file)."""

    @abstractmethod
    def state_tags(self, node_ids: Iterable[str]) -> dict[str, str]:
        """node id -> its state tag (:func:`graph.model.state_tag`), for those that exist."""

    @abstractmethod
    def fact_digests(self, refs: Iterable[NodeRef | RelationshipRef]) -> dict:
        """reference -> the stored content digest, for the facts that exist."""

    @abstractmethod
    def outgoing(self, node_id: str, types: Iterable[str]) -> list[Relationship]:
        """The relationships of *types* that start at *node_id* (a record's own: its service, its themes…)."""

    @abstractmethod
    def put_records(self, records: Iterable[RecordPut]) -> None:
        """Put (or, with a None value, remove) records, in one transaction."""

    @abstractmethod
    def get_record(self, collection: str, key: str) -> dict | None: ...

    def get_records(self, keys: Iterable[tuple[str, str]]) -> list[dict | None]:
        """The records at each (collection, key), in their order (None where there is none), read together: one
        round trip to a server (a survey's page reads its campaign and its answer at once)."""
        return [self.get_record(collection, key) for collection, key in keys]

    def records_and_mark(self, keys: Iterable[tuple[str, str]]) -> tuple[list[dict | None], tuple | None]:
        """:meth:`get_records` and :meth:`mark` together, one round trip to a server: a request reads its account
        (or its survey link), then the snapshot of the store's mark, and each wait for a server busy committing an
        import was a chance of a slow answer. The mark may come from a moment before the records or after."""
        return self.get_records(keys), self.mark()

    @abstractmethod
    def records(self, collection: str, prefix: str = "") -> list[tuple[str, dict]]:
        """The records of *collection* whose key starts with *prefix*, by key."""

    @abstractmethod
    def dump(self) -> Dump:
        """Every fact and record as one consistent state, even while others write (a backup)."""

    @abstractmethod
    def version(self) -> str:
        """A token that changes with every write that changes something, from any process.

        Caches of derived results (the cooperation network, global measures) are keyed on it.
        """

    def prepare_writes(self) -> None:
        """Prepare the store for a person's first writes (a server calls it once it has read its snapshot, and
        when the store answers again after an outage). Nothing by default; Neo4j plans their queries."""
        return None

    def mark(self) -> tuple | None:
        """Where the store's history stands, for :meth:`changes_since` (None: the store cannot tell)."""
        return None

    def changes_since(self, mark: tuple | None) -> Changes | None:
        """What changed after *mark*, or None when only a full read can tell (a store that cannot,
        or a :meth:`clear` since)."""
        return None

    def keep_snapshot(self, mark: tuple, data: bytes) -> bool:
        """Keep *data*, a snapshot of this store read at *mark* (:func:`graph.snapshot_file.packed`), for the
        servers that start next on any machine, in place of the one kept. Not kept (False) when the one kept is
        newer, or the store's epoch is no longer *mark*'s: a snapshot of an ended epoch holds what the store may
        no longer hold. A store that ends an epoch (cleared, restored, erased from) deletes it in the same
        transaction.

        This default keeps none: such a store lives in its server's data folder, where the server keeps its
        snapshot already (:mod:`graph.snapshot_file`).
        """
        return False

    def kept_snapshot(self) -> bytes | None:
        """The snapshot :meth:`keep_snapshot` kept for the store's current epoch, if any."""
        return None

    def kept_snapshot_mark(self) -> tuple | None:
        """The mark of the snapshot :meth:`kept_snapshot` would give, without reading it (None: none kept)."""
        return None

    @abstractmethod
    def node_counts(self) -> dict[str, int]:
        """Number of nodes by kind, for every kind of the schema."""

    @abstractmethod
    def relationship_counts(self) -> dict[str, int]:
        """Number of relationships by type, for every type of the schema."""

    @abstractmethod
    def kinds_of(self, ids: Iterable[str]) -> dict[str, str]:
        """The kind of each of *ids* that exists."""

    @abstractmethod
    def ids_by_property(self, name: str, values: Iterable[str]) -> dict[str, list[str]]:
        """For an identifying property (``rna`` or ``siret``): value -> ids of the nodes that carry it."""

    @abstractmethod
    def get_node(self, node_id: str) -> Node | None: ...

    @abstractmethod
    def nodes(self, kind: str | None = None) -> Iterator[Node]: ...

    @abstractmethod
    def relationships(self, types: Iterable[str] | None = None, seen: Seen | None = None) -> Iterator[Relationship]:
        """Every relationship (of *types*), by type then identity. *seen*, when given, is called with them as they
        are read, part by part, in the order read (a whole read's network is built meanwhile: graph.territory);
        a store that reads them at once calls it once, with all."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every node and relationship (readers then read everything again)."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc):
        self.close()
