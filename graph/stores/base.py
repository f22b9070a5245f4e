"""The contract every store honours; the contract tests in tests/ check it on each."""
from __future__ import annotations

from abc import ABC, abstractmethod
import uuid
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from graph.model import Batch, Node, Relationship, WriteSummary

Progress = Callable[[int, int], None]  # (items written so far, items in all)


def deduplicated(batch: Batch) -> Batch:
    """The batch with one record per node id and per relationship identity (the last one wins)."""
    nodes = {node.id: node for node in batch.nodes}
    relationships = {rel.identity: rel for rel in batch.relationships}
    return Batch(list(nodes.values()), list(relationships.values()))


@dataclass
class Changes:
    """What a store holds that was written after a :meth:`Store.mark`: nodes and relationships, as they are now."""

    mark: tuple
    nodes: list[Node] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)


def new_version() -> str:
    # A random token rather than a counter: a cleared store that is written again
    # must not come back to a version some cache has already seen.
    return uuid.uuid4().hex


class Store(ABC):
    backend: str

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
    def write(self, batch: Batch, progress: Progress | None = None) -> WriteSummary:
        """Upsert nodes then relationships; a fact whose content is unchanged is left alone."""

    def write_many(self, batches: Iterable[Batch], total: int, progress: Progress | None = None) -> WriteSummary:
        """Write batches given one after the other (a large file read in chunks), as one import.

        *total* is the number of items in all, for *progress*. This default writes
        each batch as :meth:`write` does; a store that can holds them all in one transaction.
        """
        summary, done = WriteSummary(), 0
        for batch in batches:
            def advanced(count: int, _total: int, base: int = done) -> None:
                if progress:
                    progress(base + count, total)

            summary = summary + self.write(batch, progress=advanced)
            done += len(batch.nodes) + len(batch.relationships)
        return summary

    @abstractmethod
    def version(self) -> str:
        """A token that changes with every write that changes something, from any process.

        Caches of derived results (the cooperation network, global measures) are keyed on it.
        """

    def mark(self) -> tuple | None:
        """Where the store's history stands, for :meth:`changes_since` (None: the store cannot tell)."""
        return None

    def changes_since(self, mark: tuple | None) -> Changes | None:
        """Nodes and relationships written after *mark*, or None when only a full read can tell
        (a store that cannot, or a deletion since)."""
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
    def relationships(self, types: Iterable[str] | None = None) -> Iterator[Relationship]: ...

    @abstractmethod
    def clear(self) -> None:
        """Remove every node and relationship."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
