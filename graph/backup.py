"""Backups of a store as a logical dump: every fact and record (accounts, history, campaigns…) in one file.

The same file serves both stores (a backup of the embedded store restores into Neo4j,
and back), and Neo4j Community, which has no online backup tool, is read through the
driver in one consistent transaction (:meth:`graph.stores.base.Store.dump`).

The file is gzip-compressed JSON Lines: a header (format, schema version, counts),
one line per node, relationship and record, and a last line with the counts and a
SHA-256 of the content (:func:`content_hash`), which a restore checks before writing
anything. A restore goes into an empty store; if it fails midway the store is emptied
again, so it is never left half-restored.

>>> import tempfile, pathlib
>>> from graph.stores.embedded import EmbeddedStore
>>> from graph.model import Batch, Node
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with EmbeddedStore(folder / "a") as store:
...     _ = store.write(Batch([Node("Service", "sv-1", "Accueil")], []))
...     saved = save(store, folder / "a.maillage.gz")
>>> with EmbeddedStore(folder / "b") as other:
...     restored = restore(other, folder / "a.maillage.gz")
>>> (saved.counts, saved.sha256 == restored.sha256)
({'nodes': 1, 'relationships': 0, 'records': 0}, True)
"""
from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from graph import migrations
from graph.i18n import Message
from graph.model import Batch, Node, Provenance, Relationship
from graph.stores.base import Dump, Store

FORMAT = "maillage-backup"
FORMAT_VERSION = 1
RESTORE_CHUNK = 10000  # facts per batch written by a restore


class BackupError(ValueError):
    """A file that is not a whole Maillage backup, or a store that cannot take it: nothing was written."""

    def __init__(self, path: Path | str, line: int | None, message: Message):
        self.path, self.line, self.detail = str(path), line, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message.render()}")


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]
    sha256: str
    schema: int


def _node_line(node: Node) -> list:
    return [node.kind, node.id, node.name, node.properties, (node.provenance or Provenance("")).as_properties()]


def _relationship_line(rel: Relationship) -> list:
    return [rel.type, rel.source, rel.target, rel.key, rel.properties,
            (rel.provenance or Provenance("")).as_properties()]


def _lines(dump: Dump) -> Iterator[tuple[str, list]]:
    for node in sorted(dump.nodes, key=lambda n: n.id):
        yield "node", _node_line(node)
    for rel in sorted(dump.relationships, key=lambda r: r.identity):
        yield "relationship", _relationship_line(rel)
    for collection, key, value in sorted(dump.records, key=lambda r: (r[0], r[1])):
        yield "record", [collection, key, value]


def _encoded(kind: str, item: list) -> str:
    return json.dumps({kind: item}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_lines(dump: Dump) -> Iterator[str]:
    """The backup's content lines, in a canonical order: what the file holds and what its hash covers."""
    for kind, item in _lines(dump):
        yield _encoded(kind, item) + "\n"


def content_hash(dump: Dump) -> str:
    """SHA-256 of everything *dump* holds, in a canonical order: equal for equal content, whatever the store."""
    return lines_hash(content_lines(dump))


def lines_hash(lines: Iterable[str]) -> str:
    """SHA-256 of :func:`content_lines` (or of some of them)."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
    return digest.hexdigest()


def counts(dump: Dump) -> dict[str, int]:
    return {"nodes": len(dump.nodes), "relationships": len(dump.relationships), "records": len(dump.records)}


def save(store: Store, path: Path | str) -> Summary:
    """Write a backup of *store* to *path* (written aside, then moved into place: never a partial file)."""
    dump = store.dump()
    schema = migrations.version_of_records(dump.records)
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    digest = hashlib.sha256()
    with gzip.open(partial, "wt", encoding="utf-8") as out:
        header = {"format": FORMAT, "format_version": FORMAT_VERSION, "schema": schema, "store": store.backend,
                  "created": datetime.now(UTC).isoformat(timespec="seconds"), "counts": counts(dump)}
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        for line in content_lines(dump):
            digest.update(line.encode("utf-8"))
            out.write(line)
        out.write(json.dumps({"end": {"counts": counts(dump), "sha256": digest.hexdigest()}}) + "\n")
    partial.replace(path)
    return Summary(counts(dump), digest.hexdigest(), schema)


def read(path: Path | str) -> tuple[dict, Dump]:
    """The header and content of the backup at *path*, checked whole (format, counts, hash)."""
    nodes: list[Node] = []
    relationships: list[Relationship] = []
    records: list[tuple[str, str, dict]] = []
    header: dict | None = None
    end: dict | None = None
    digest = hashlib.sha256()
    number = 0
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                value = json.loads(line)
                if header is None:
                    if not isinstance(value, dict) or value.get("format") != FORMAT:
                        raise BackupError(path, number, Message("backup.not_backup"))
                    header = value
                    continue
                if end is not None:
                    raise BackupError(path, number, Message("backup.after_end"))
                if "end" in value:
                    end = value["end"]
                    continue
                digest.update(line.encode("utf-8"))
                if "node" in value:
                    kind, node_id, name, props, prov = value["node"]
                    nodes.append(Node(kind, node_id, name, props, Provenance.from_properties(prov)))
                elif "relationship" in value:
                    rel_type, source, target, key, props, prov = value["relationship"]
                    relationships.append(Relationship(rel_type, source, target, key, props,
                                                      Provenance.from_properties(prov)))
                elif "record" in value:
                    collection, key, content = value["record"]
                    records.append((collection, key, content))
                else:
                    raise BackupError(path, number, Message("backup.unknown_line", keys=", ".join(value)))
    except BackupError:
        raise
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise BackupError(path, number or None, Message("backup.unreadable", error=str(exc))) from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # a line of another shape
        raise BackupError(path, number, Message("backup.bad_line", error=str(exc))) from None
    if header is None:
        raise BackupError(path, None, Message("backup.not_backup"))
    if end is None:
        raise BackupError(path, number, Message("backup.truncated"))
    dump = Dump(nodes, relationships, records)
    if counts(dump) != end.get("counts") or digest.hexdigest() != end.get("sha256"):
        raise BackupError(path, number, Message("backup.damaged", expected=end.get("sha256", ""),
                                                found=digest.hexdigest()))
    return header, dump


def is_empty(store: Store) -> bool:
    """No fact and no record but the schema version's (a store just opened)."""
    if any(store.node_counts().values()):
        return False
    return all((collection, key) == (migrations.COLLECTION, migrations.KEY)
               for collection, key, _ in store.dump().records)


def restore(store: Store, path: Path | str, replace: bool = False) -> Summary:
    """Restore the backup at *path* into *store*, which must be empty (or *replace*: emptied first).

    The store ends exactly as saved (counts and content hash), then is brought to this release's schema
    (:func:`graph.migrations.upgrade`). If the writing fails midway, the store is emptied again."""
    header, dump = read(path)
    if header.get("schema", migrations.UNVERSIONED) > migrations.CURRENT:
        raise BackupError(path, 1, Message("migrate.newer", found=header["schema"], current=migrations.CURRENT))
    if not replace and not is_empty(store):
        raise BackupError(path, None, Message("backup.not_empty", store=store.describe()))
    store.clear()
    try:
        nodes, relationships = dump.nodes, dump.relationships
        batches = [Batch(nodes[i:i + RESTORE_CHUNK], []) for i in range(0, len(nodes), RESTORE_CHUNK)]
        batches += [Batch([], relationships[i:i + RESTORE_CHUNK])
                    for i in range(0, len(relationships), RESTORE_CHUNK)]
        store.write_many(batches, len(nodes) + len(relationships))
        for start in range(0, len(dump.records), 1000):
            store.put_records(dump.records[start:start + 1000])
    except BaseException:
        store.clear()
        raise
    summary = Summary(counts(dump), content_hash(dump), header.get("schema", migrations.UNVERSIONED))
    migrations.upgrade(store)
    return summary
