"""A snapshot kept on disk between two runs of a server, so that starting again reads only what changed.

Reading a métropole's million facts from Neo4j takes about 20 s; reading them back from this file about 2 s.
The store stays the authority: a kept snapshot carries the store's mark (:meth:`graph.stores.base.Store.mark`)
from when it was read, and the server asks the store what changed since (the path of a refresh after a
write). A store cleared, restored or erased since starts a new epoch: the store cannot tell what changed, the
file is deleted (an erased person must not outlive the erasure on disk) and the store read in full.

The file holds personal data as the store does: written by the server's user only (mode 0600, in a 0700
folder), beside the data (``MAILLAGE_DATA_DIR/snapshots``). It is written with :mod:`marshal`, which reads a
million facts back several times faster than :mod:`pickle` and builds no object but texts, numbers, lists,
dicts and tuples; a file of another format, schema version or Python version, or damaged, is ignored (a full
read).

The same bytes, compressed (:func:`packed`, a métropole's 89 MB in 13), are kept in a store that several machines
may serve (Neo4j: :meth:`graph.stores.base.Store.keep_snapshot`): a server starting with an empty data folder (a
new machine, a container without a volume) reads them back (:func:`unpacked`) instead of the whole store.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from graph import migrations
from graph.model import Node, Provenance, Relationship

log = logging.getLogger("maillage.snapshot")  # a server's log (api.logs)

# What a kept file begins with: its format, the store's schema version (a release that upgrades the store reads
# it again in full) and Python's version (marshal's format may change with it)
MAGIC = (f"maillage-snapshot 2 schema {migrations.CURRENT} "
         f"python {sys.version_info[0]}.{sys.version_info[1]}\n").encode()
PART = 50_000  # facts per marshal call: a thread saving the file lets the others run between two parts


def path_for(directory: Path, mark: tuple) -> Path:
    """Where a snapshot of the store's epoch at *mark* is kept in *directory* (an epoch is a random token that
    a store draws when it is created, cleared, restored or erased from: it names one store's one life).

    >>> path_for(Path("data/snapshots"), ("3f2a9c", 120)).name
    'd60fb0befd58d6f2.snapshot'
    """
    digest = hashlib.sha256(str(mark[0]).encode()).hexdigest()[:16]
    return directory / f"{digest}.snapshot"


def _provenance(fact: Node | Relationship) -> tuple | None:
    p = fact.provenance
    return None if p is None else (p.source, p.line, p.kind, p.at)


def _parts(items: list, shape) -> Iterator[list]:
    for start in range(0, len(items), PART):
        yield [shape(item) for item in items[start:start + PART]]


def _write(outs: list, value) -> None:
    # Each part after its length: marshal.load reads a file in small pieces (8 s for a métropole), loads
    # reads bytes at once (1 s). Made once, written to each of *outs*.
    data = marshal.dumps(value)
    for out in outs:
        out.write(len(data).to_bytes(8, "little"))
        out.write(data)


def _read(kept: BinaryIO, total: int):
    size = int.from_bytes(kept.read(8), "little")
    if size > total:  # a damaged length: do not try to allocate it
        raise EOFError("damaged")
    data = kept.read(size)
    if len(data) != size:
        raise EOFError("truncated")
    return marshal.loads(data)


class _Packing:
    """What is written to it, compressed as it comes (zlib's fastest level: 0.4 s for a métropole)."""

    def __init__(self) -> None:
        self._compress, self._parts = zlib.compressobj(1), list[bytes]()

    def write(self, data: bytes) -> None:
        self._parts.append(self._compress.compress(data))

    def packed(self) -> bytes:
        return b"".join([*self._parts, self._compress.flush()])


def _dump(outs: list, mark: tuple, nodes: list[Node], relationships: list[Relationship]) -> None:
    for out in outs:
        out.write(MAGIC)
    _write(outs, (tuple(mark), len(nodes), len(relationships)))
    for part in _parts(nodes, lambda n: (n.kind, n.id, n.name, n.properties, _provenance(n))):
        _write(outs, part)
    for part in _parts(relationships, lambda r: (r.type, r.source, r.target, r.key, r.properties,
                                                 _provenance(r))):
        _write(outs, part)


def save(path: Path, mark: tuple, nodes: Iterable[Node], relationships: list[Relationship],
         packed: bool = False) -> bytes | None:
    """Keep *nodes* and *relationships*, read at *mark*, in *path* (written aside, then put in place: a reader
    never sees half a file). When *packed*: the same bytes compressed, returned (made in the same pass)."""
    nodes = list(nodes)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, written = tempfile.mkstemp(dir=path.parent, prefix=".writing-")  # mode 0600
    packing = _Packing() if packed else None
    try:
        with os.fdopen(descriptor, "wb") as out:
            _dump([out, packing] if packing else [out], mark, nodes, relationships)
            out.flush()
            os.fsync(out.fileno())
        os.replace(written, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(written)
        raise
    return packing.packed() if packing else None


def packed(mark: tuple, nodes: Iterable[Node], relationships: list[Relationship]) -> bytes:
    """What :func:`save` writes, compressed: a snapshot to keep in a store.

    >>> data = packed(("e", 3), [Node("Agent", "a", "A")], [])
    >>> unpacked(data)[0], unpacked(data)[1][0].name, unpacked(b"not a snapshot")
    (('e', 3), 'A', None)
    """
    packing = _Packing()
    _dump([packing], mark, list(nodes), relationships)
    return packing.packed()


def nodes_of(part: list[tuple]) -> Iterator[Node]:
    """The nodes of one part as kept, ``(kind, id, name, properties, provenance)`` tuples (also what Neo4j's
    ``maillage.nodes`` procedure writes: graph.stores.neo4j_store)."""
    return (Node(kind, id_, name, props, prov and Provenance(*prov)) for kind, id_, name, props, prov in part)


def relationships_of(part: list[tuple]) -> Iterator[Relationship]:
    """The relationships of one part as kept, ``(type, source, target, key, properties, provenance)`` tuples
    (also what Neo4j's ``maillage.relationships`` procedure writes: graph.stores.neo4j_store)."""
    return (Relationship(type_, source, target, key, props, prov and Provenance(*prov))
            for type_, source, target, key, props, prov in part)


def _load(kept: BinaryIO, total: int, where: object) -> tuple[tuple, list[Node], list[Relationship]] | None:
    try:
        if kept.read(len(MAGIC)) != MAGIC:
            return None
        mark, node_count, relationship_count = _read(kept, total)
        nodes: list[Node] = []
        while len(nodes) < node_count:
            nodes.extend(nodes_of(_read(kept, total)))
        relationships: list[Relationship] = []
        while len(relationships) < relationship_count:
            relationships.extend(relationships_of(_read(kept, total)))
    except (OSError, EOFError, ValueError, TypeError) as error:
        log.warning("kept snapshot %s unreadable, the store is read in full: %s", where, error)
        return None
    if len(nodes) != node_count or len(relationships) != relationship_count:
        return None
    return mark, nodes, relationships


def load(path: Path) -> tuple[tuple, list[Node], list[Relationship]] | None:
    """The mark, nodes and relationships kept in *path*; None when there is none that this release can read."""
    try:
        with open(path, "rb") as kept:
            return _load(kept, os.fstat(kept.fileno()).st_size, path)
    except FileNotFoundError:
        return None
    except OSError as error:
        log.warning("kept snapshot %s unreadable, the store is read in full: %s", path, error)
        return None


def unpacked(data: bytes | None) -> tuple[tuple, list[Node], list[Relationship]] | None:
    """What :func:`load` reads, from bytes :func:`packed` made (None: none, or none this release can read)."""
    if data is None:
        return None
    try:
        whole = zlib.decompress(data)
    except zlib.error as error:
        log.warning("kept snapshot in the store unreadable, the store is read in full: %s", error)
        return None
    return _load(BytesIO(whole), len(whole), "in the store")


def forget(directory: Path, keep: Path | None = None) -> None:
    """Delete the snapshots kept in *directory*, but *keep*: those of an epoch that has ended hold what the
    store may no longer hold (a person erased since). Without *keep* (an erasure), files being written are
    deleted too; else only those left behind by a process stopped while writing (older than an hour)."""
    stale_before = time.time() - 3600
    for path in directory.glob("*.snapshot"):
        if path != keep:
            path.unlink(missing_ok=True)
    for path in directory.glob(".writing-*"):
        with contextlib.suppress(FileNotFoundError):  # (one put in place meanwhile)
            if keep is None or path.stat().st_mtime < stale_before:
                path.unlink(missing_ok=True)
