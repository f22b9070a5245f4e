"""The contract every store honours; the contract tests in tests/ check it on each."""
from __future__ import annotations

from abc import ABC, abstractmethod
import uuid
from typing import Callable, Iterable, Iterator

from graph.model import Batch, Node, Relationship, WriteSummary

Progress = Callable[[int, int], None]  # (items written so far, items in all)


def deduplicated(batch: Batch) -> Batch:
    """The batch with one record per node id and per relationship identity (the last one wins)."""
    nodes = {node.id: node for node in batch.nodes}
    relationships = {rel.identity: rel for rel in batch.relationships}
    return Batch(list(nodes.values()), list(relationships.values()))


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

    @abstractmethod
    def version(self) -> str:
        """A token that changes with every write that changes something, from any process.

        Caches of derived results (the cooperation network, global measures) are keyed on it.
        """

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
