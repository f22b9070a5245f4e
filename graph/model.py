"""Records that travel between importers, stores and queries.

They are values: nothing changes one once made (``dataclasses.replace`` makes another).
They are not frozen dataclasses all the same: an import makes one of each per row, a
million for a large territory, and a frozen dataclass takes three to four times as long
to build.
"""
from __future__ import annotations

import hashlib
import json
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
    def from_properties(cls, props: dict[str, Any]) -> "Provenance":
        return cls(props.get("prov_source") or "", props.get("prov_line"),
                   props.get("prov_kind") or "file", props.get("prov_at") or "")


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


@dataclass
class Batch:
    """Everything one import writes, in the order the stores need: nodes, then relationships."""

    nodes: list[Node] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)


@dataclass
class WriteSummary:
    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_unchanged: int = 0
    relationships_created: int = 0
    relationships_updated: int = 0
    relationships_unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))

    def __add__(self, other: "WriteSummary") -> "WriteSummary":
        return WriteSummary(**{name: value + getattr(other, name) for name, value in vars(self).items()})
