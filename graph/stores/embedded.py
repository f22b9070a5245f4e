"""The embedded default store: one SQLite file under the data folder, no server.

SQLite gives what a town laptop needs: atomic transactions that survive a killed
process (write-ahead log), and a single file to back up. A whole ``write`` is one
transaction, so an import is either fully there or not at all; so is a retirement
or a deletion. Removed facts leave a row in ``removals`` (their reference and the
sequence number of their removal) so that readers learn of them incrementally.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graph import schema
from graph.i18n import t
from graph.model import (
    Batch,
    ChangeRecord,
    FactChange,
    Node,
    NodeRef,
    Provenance,
    Relationship,
    RelationshipRef,
    reference,
    shared,
    shared_properties,
    state_tag,
)
from graph.stores.base import (
    Changes,
    Conflict,
    Dump,
    Edit,
    Progress,
    RecordPut,
    Seen,
    Store,
    check_expectations,
    deduplicated,
    new_version,
    retired_version,
    unnamed_attached,
)

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    props TEXT NOT NULL,
    hash TEXT NOT NULL,
    prov TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS nodes_kind ON nodes(kind);
CREATE TABLE IF NOT EXISTS relationships (
    type TEXT NOT NULL,
    source TEXT NOT NULL REFERENCES nodes(id),
    target TEXT NOT NULL REFERENCES nodes(id),
    key TEXT NOT NULL,
    props TEXT NOT NULL,
    hash TEXT NOT NULL,
    prov TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (type, source, target, key)
);
CREATE INDEX IF NOT EXISTS relationships_target ON relationships(target);
CREATE INDEX IF NOT EXISTS relationships_source ON relationships(source);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS removals (
    seq INTEGER NOT NULL,
    node TEXT,
    type TEXT, source TEXT, target TEXT, key TEXT
);
CREATE INDEX IF NOT EXISTS removals_seq ON removals(seq);
CREATE TABLE IF NOT EXISTS records (
    collection TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (collection, key)
);
CREATE TEMP TABLE IF NOT EXISTS probe_nodes (id TEXT);
CREATE TEMP TABLE IF NOT EXISTS probe_relationships (type TEXT, source TEXT, target TEXT, key TEXT);
"""
# Each write transaction takes the next sequence number and stamps what it changes (``seq``),
# so a reader can fetch only what changed since its snapshot; clear() starts a new epoch.
SEQUENCE_SQL = """
CREATE INDEX IF NOT EXISTS nodes_seq ON nodes(seq);
CREATE INDEX IF NOT EXISTS relationships_seq ON relationships(seq);
"""

CHUNK = 5000
IDENTIFYING = ("rna", "siret", "siren")  # the only property names that reach ids_by_property's SQL
UPSERT_NODES = (
    "INSERT INTO nodes (id, kind, name, props, hash, prov, seq) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(id) DO UPDATE SET kind=excluded.kind, name=excluded.name, props=excluded.props, "
    "hash=excluded.hash, prov=excluded.prov, seq=excluded.seq")
UPSERT_RELATIONSHIPS = (
    "INSERT INTO relationships (type, source, target, key, props, hash, prov, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(type, source, target, key) DO UPDATE SET props=excluded.props, hash=excluded.hash, "
    "prov=excluded.prov, seq=excluded.seq")
OWNED_HASHES = ("SELECT hash FROM relationships WHERE source = ? AND type IN "
                f"({','.join('?' * len(schema.OWNED_TYPES))})")
NODE_COLUMNS = "n.id, n.kind, n.name, n.props, n.prov, n.hash"
RELATIONSHIP_COLUMNS = "r.type, r.source, r.target, r.key, r.props, r.prov, r.hash"
# Looking up many facts at once: their references go into a temporary table joined on the primary key.
STORED_NODES = f"SELECT {NODE_COLUMNS} FROM probe_nodes p JOIN nodes n ON n.id = p.id"
STORED_RELATIONSHIPS = (f"SELECT {RELATIONSHIP_COLUMNS} FROM probe_relationships p JOIN relationships r "
                        "ON r.type = p.type AND r.source = p.source AND r.target = p.target AND r.key = p.key")
RELATIONSHIPS_OF_NODES = (f"SELECT {RELATIONSHIP_COLUMNS} FROM relationships r WHERE r.source IN "
                          "(SELECT id FROM probe_nodes) UNION SELECT " + RELATIONSHIP_COLUMNS
                          + " FROM relationships r WHERE r.target IN (SELECT id FROM probe_nodes)")
DATABASE_FILE = "maillage.sqlite3"


NO_PROVENANCE = Provenance("")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class EmbeddedStore(Store):
    backend = "embedded"

    def __init__(self, data_dir: Path | str):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / DATABASE_FILE
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA secure_delete=ON")  # what is deleted (an erased person) is overwritten
        self.ensure_schema()

    def describe(self) -> str:
        return t("store.embedded", path=self.path)

    def ping(self) -> None:
        with self._lock:
            self._db.execute("SELECT 1").fetchone()

    def ensure_schema(self) -> None:
        with self._lock:
            self._db.executescript(SCHEMA_SQL)
            for table in ("nodes", "relationships"):  # stores made before the sequence existed
                columns = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
                if "seq" not in columns:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN seq INTEGER NOT NULL DEFAULT 0")
            self._db.executescript(SEQUENCE_SQL)

    def integrity_check(self) -> str:
        with self._lock:
            return self._db.execute("PRAGMA integrity_check").fetchone()[0]

    def write(self, batch: Batch, progress: Progress | None = None) -> ChangeRecord:
        return self.write_many([batch], len(batch.nodes) + len(batch.relationships), progress)

    def write_many(self, batches: Iterable[Batch], total: int, progress: Progress | None = None) -> ChangeRecord:
        """Every batch in one transaction: an import is either fully there or not at all."""
        done = 0
        record = ChangeRecord()
        with self._transaction() as seq:
            for batch in batches:
                batch = deduplicated(batch)
                for start in range(0, len(batch.nodes), CHUNK):
                    self._upsert_nodes(batch.nodes[start:start + CHUNK], seq, record)
                    done += len(batch.nodes[start:start + CHUNK])
                    if progress:
                        progress(done, total)
                for start in range(0, len(batch.relationships), CHUNK):
                    self._upsert_relationships(batch.relationships[start:start + CHUNK], seq, record)
                    done += len(batch.relationships[start:start + CHUNK])
                    if progress:
                        progress(done, total)
            if record.changed:
                self._bump_version()
        return record

    @contextmanager
    def _transaction(self) -> Iterator[int]:
        """One write transaction, which takes the next sequence number (given to the block)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seq = self._meta("sequence", 0) + 1
                self._set_meta("sequence", seq)
                yield seq
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _stored_nodes(self, ids: Iterable[str]) -> dict[str, tuple[Node, str]]:
        """id -> (node, content hash) of those of *ids* that are stored."""
        self._db.execute("DELETE FROM probe_nodes")
        self._db.executemany("INSERT INTO probe_nodes (id) VALUES (?)", ((node_id,) for node_id in ids))
        return {row[0]: (self._node(row[:5]), row[5]) for row in self._db.execute(STORED_NODES)}

    def _stored_relationships(self, identities: Iterable[RelationshipRef]
                              ) -> dict[RelationshipRef, tuple[Relationship, str]]:
        self._db.execute("DELETE FROM probe_relationships")
        self._db.executemany("INSERT INTO probe_relationships (type, source, target, key) VALUES (?, ?, ?, ?)",
                             identities)
        return {tuple(row[:4]): (self._relationship(row[:6]), row[6])
                for row in self._db.execute(STORED_RELATIONSHIPS)}

    def _upsert_nodes(self, nodes: list[Node], seq: int, record: ChangeRecord) -> None:
        self._upsert(nodes, self._stored_nodes(n.id for n in nodes), UPSERT_NODES, seq, record,
                     lambda node: (node.id, node.kind, node.name))

    def _upsert_relationships(self, relationships: list[Relationship], seq: int, record: ChangeRecord) -> None:
        self._upsert(relationships, self._stored_relationships(r.identity for r in relationships),
                     UPSERT_RELATIONSHIPS, seq, record, lambda rel: rel.identity)

    def _upsert(self, facts: list, stored: dict, statement: str, seq: int, record: ChangeRecord,
                leading: Callable[[Any], tuple]) -> None:
        """Write the facts whose content differs from what is *stored* (by reference); count the others
        unchanged. *leading* gives a fact's first columns (its reference, and a node's kind and name)."""
        rows = []
        for fact in facts:
            clean = fact.clean_properties()
            digest = fact.digest(clean)
            before = stored.get(reference(fact))
            if before is not None and before[1] == digest:
                if isinstance(fact, Node):
                    record.nodes_unchanged += 1
                else:
                    record.relationships_unchanged += 1
                continue
            record.record(FactChange("created" if before is None else "updated",
                                     None if before is None else before[0], fact))
            rows.append((*leading(fact), _json(clean), digest,
                         _json((fact.provenance or NO_PROVENANCE).as_properties()), seq))
        self._db.executemany(statement, rows)

    def _touched(self, nodes: Iterable[str], relationships: Iterable[RelationshipRef]
                 ) -> tuple[list[Node], list[Relationship]]:
        """The stored nodes among *nodes*, and the stored relationships among *relationships* or
        attached to those nodes."""
        found_nodes = [node for node, _ in self._stored_nodes(dict.fromkeys(nodes)).values()]
        attached = [self._relationship(row[:6]) for row in self._db.execute(RELATIONSHIPS_OF_NODES)]
        named = [rel for rel, _ in self._stored_relationships(dict.fromkeys(relationships)).values()]
        found_relationships = {rel.identity: rel for rel in named + attached}
        return found_nodes, sorted(found_relationships.values(), key=lambda rel: rel.identity)

    def retire(self, nodes: Iterable[str] = (), relationships: Iterable[RelationshipRef] = (), *,
               until: str, provenance: Provenance | None = None) -> ChangeRecord:
        record = ChangeRecord()
        with self._transaction() as seq:
            self._retire(nodes, relationships, until, provenance, seq, record)
            if record.changed:
                self._bump_version()
        return record

    def _retire(self, nodes: Iterable[str], relationships: Iterable[RelationshipRef], until: str,
                provenance: Provenance | None, seq: int, record: ChangeRecord) -> None:
        found_nodes, found_relationships = self._touched(nodes, relationships)
        for node in found_nodes:
            after = retired_version(node, until, provenance)
            if after is not None:
                record.record(FactChange("retired", node, after))
                clean = after.clean_properties()
                self._db.execute("UPDATE nodes SET props = ?, hash = ?, prov = ?, seq = ? WHERE id = ?",
                                 (_json(clean), after.digest(clean),
                                  _json((after.provenance or NO_PROVENANCE).as_properties()), seq, node.id))
        for rel in found_relationships:
            after = retired_version(rel, until, provenance)
            if after is not None:
                record.record(FactChange("retired", rel, after))
                clean = after.clean_properties()
                self._db.execute(
                    "UPDATE relationships SET props = ?, hash = ?, prov = ?, seq = ? "
                    "WHERE type = ? AND source = ? AND target = ? AND key = ?",
                    (_json(clean), after.digest(clean), _json((after.provenance or NO_PROVENANCE).as_properties()),
                     seq, *rel.identity))

    def delete(self, nodes: Iterable[str] = (), relationships: Iterable[RelationshipRef] = (),
               provenance: Provenance | None = None) -> ChangeRecord:
        record = ChangeRecord()
        with self._transaction() as seq:
            self._delete(nodes, relationships, seq, record)
            if record.changed:
                self._bump_version()
        return record

    def _delete(self, nodes: Iterable[str], relationships: Iterable[RelationshipRef], seq: int,
                record: ChangeRecord, edit: Edit | None = None) -> None:
        found_nodes, found_relationships = self._touched(nodes, relationships)
        if edit is not None and (others := unnamed_attached(edit, found_relationships)):
            raise Conflict(others)
        for rel in found_relationships:
            record.record(FactChange("deleted", rel, None))
        self._db.executemany("DELETE FROM relationships WHERE type = ? AND source = ? AND target = ? AND key = ?",
                             [rel.identity for rel in found_relationships])
        self._db.executemany("INSERT INTO removals (seq, type, source, target, key) VALUES (?, ?, ?, ?, ?)",
                             [(seq, *rel.identity) for rel in found_relationships])
        for node in found_nodes:
            record.record(FactChange("deleted", node, None))
        self._db.executemany("DELETE FROM nodes WHERE id = ?", [(node.id,) for node in found_nodes])
        self._db.executemany("INSERT INTO removals (seq, node) VALUES (?, ?)",
                             [(seq, node.id) for node in found_nodes])

    # --- a person's change, and records -------------------------------------------------------------
    def apply(self, edit: Edit) -> ChangeRecord:
        record = ChangeRecord()
        with self._transaction() as seq:
            check_expectations(edit, self._state_tags(edit.expect_states), self._digests(edit.expect_facts))
            batch = deduplicated(edit.write)
            self._upsert_nodes(batch.nodes, seq, record)
            self._upsert_relationships(batch.relationships, seq, record)
            if edit.retire_nodes or edit.retire_relationships:
                self._retire(edit.retire_nodes, edit.retire_relationships, edit.until, edit.provenance, seq, record)
            if edit.delete_nodes or edit.delete_relationships:
                self._delete(edit.delete_nodes, edit.delete_relationships, seq, record, edit)
            if edit.records is not None:
                self._put_records(edit.records(record))
            if record.changed:
                self._bump_version()
        return record

    def _state_tags(self, node_ids: Iterable[str]) -> dict[str, str]:
        tags = {}
        for node_id in node_ids:
            row = self._db.execute("SELECT hash FROM nodes WHERE id = ?", (node_id,)).fetchone()
            if row is not None:
                owned = [r[0] for r in self._db.execute(OWNED_HASHES, (node_id, *schema.OWNED_TYPES))]
                tags[node_id] = state_tag(row[0], owned)
        return tags

    def _digests(self, refs: Iterable[NodeRef | RelationshipRef]) -> dict:
        refs = list(refs)
        nodes = self._stored_nodes(r for r in refs if isinstance(r, str))
        relationships = self._stored_relationships([r for r in refs if not isinstance(r, str)])
        return {**{ref: found[1] for ref, found in nodes.items()},
                **{ref: found[1] for ref, found in relationships.items()}}

    def state_tags(self, node_ids: Iterable[str]) -> dict[str, str]:
        with self._lock:
            return self._state_tags(node_ids)

    def fact_digests(self, refs: Iterable[NodeRef | RelationshipRef]) -> dict:
        with self._lock:
            return self._digests(refs)

    def outgoing(self, node_id: str, types: Iterable[str]) -> list[Relationship]:
        types = list(types)
        with self._lock:
            rows = self._db.execute(
                "SELECT type, source, target, key, props, prov FROM relationships WHERE source = ? "
                f"AND type IN ({','.join('?' * len(types))}) ORDER BY type, target, key", (node_id, *types)).fetchall()
        return [self._relationship(row) for row in rows]

    def _put_records(self, records: Iterable[RecordPut]) -> None:
        for collection, key, value in records:
            if value is None:
                self._db.execute("DELETE FROM records WHERE collection = ? AND key = ?", (collection, key))
            else:
                self._db.execute("INSERT INTO records (collection, key, value) VALUES (?, ?, ?) "
                                 "ON CONFLICT(collection, key) DO UPDATE SET value = excluded.value",
                                 (collection, key, _json(value)))

    def put_records(self, records: Iterable[RecordPut]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._put_records(records)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def get_record(self, collection: str, key: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM records WHERE collection = ? AND key = ?",
                                   (collection, key)).fetchone()
        return json.loads(row[0]) if row else None

    def records(self, collection: str, prefix: str = "") -> list[tuple[str, dict]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key, value FROM records WHERE collection = ? AND substr(key, 1, ?) = ? ORDER BY key",
                (collection, len(prefix), prefix)).fetchall()
        return [(key, json.loads(value)) for key, value in rows]

    def _meta(self, key: str, default=""):
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return type(default)(row[0]) if row else default

    def _set_meta(self, key: str, value) -> None:
        self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, str(value)))

    def _bump_version(self) -> None:
        self._set_meta("version", new_version())

    def mark(self) -> tuple:
        with self._lock:
            return (self._meta("epoch"), self._meta("sequence", 0))

    def changes_since(self, mark: tuple | None) -> Changes | None:
        with self._lock:
            self._db.execute("BEGIN")  # one consistent read
            try:
                now = (self._meta("epoch"), self._meta("sequence", 0))
                if mark is None or now[0] != mark[0]:
                    return None
                nodes = [self._node(row) for row in self._db.execute(
                    "SELECT id, kind, name, props, prov FROM nodes WHERE seq > ?", (mark[1],))]
                relationships = [self._relationship(row) for row in self._db.execute(
                    "SELECT type, source, target, key, props, prov FROM relationships WHERE seq > ?", (mark[1],))]
                removed = self._db.execute(
                    "SELECT node, type, source, target, key FROM removals WHERE seq > ? ORDER BY seq", (mark[1],)
                ).fetchall()
            finally:
                self._db.execute("COMMIT")
        return Changes(now, nodes, relationships, [row[0] for row in removed if row[0] is not None],
                       [tuple(row[1:]) for row in removed if row[0] is None])

    def version(self) -> str:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return row[0] if row else ""

    def node_counts(self) -> dict[str, int]:
        with self._lock:
            found = dict(self._db.execute("SELECT kind, count(*) FROM nodes GROUP BY kind").fetchall())
        return {label: found.get(label, 0) for label in schema.NODE_KINDS}

    def relationship_counts(self) -> dict[str, int]:
        with self._lock:
            found = dict(self._db.execute("SELECT type, count(*) FROM relationships GROUP BY type").fetchall())
        return {rel_type: found.get(rel_type, 0) for rel_type in schema.RELATIONSHIP_TYPES}

    def kinds_of(self, ids: Iterable[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(ids))
        found: dict[str, str] = {}
        with self._lock:
            for start in range(0, len(ids), 500):
                part = ids[start:start + 500]
                marks = ",".join("?" * len(part))
                found.update(self._db.execute(f"SELECT id, kind FROM nodes WHERE id IN ({marks})", part).fetchall())
        return found

    def ids_by_property(self, name: str, values: Iterable[str]) -> dict[str, list[str]]:
        if name not in IDENTIFYING:
            raise ValueError(name)
        values = list(dict.fromkeys(values))
        found: dict[str, list[str]] = {}
        with self._lock:
            for start in range(0, len(values), 500):
                part = values[start:start + 500]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT json_extract(props, '$.{name}'), id FROM nodes "
                    f"WHERE json_extract(props, '$.{name}') IN ({marks}) ORDER BY id", part).fetchall()
                for value, node_id in rows:
                    found.setdefault(value, []).append(node_id)
        return found

    @staticmethod
    def _node(row) -> Node:
        node_id, kind, name, props, prov = row
        return Node(shared(kind), shared(node_id), name, shared_properties(json.loads(props)),
                    Provenance.from_properties(json.loads(prov)))

    def get_node(self, node_id: str) -> Node | None:
        with self._lock:
            row = self._db.execute("SELECT id, kind, name, props, prov FROM nodes WHERE id = ?", (node_id,)).fetchone()
        return self._node(row) if row else None

    def nodes(self, kind: str | None = None) -> Iterator[Node]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, kind, name, props, prov FROM nodes WHERE ? IS NULL OR kind = ? ORDER BY id",
                (kind, kind)).fetchall()
        return (self._node(row) for row in rows)

    def _relationship_rows(self, types: Iterable[str] | None = None) -> list:
        wanted = list(schema.RELATIONSHIP_TYPES if types is None else types)
        marks = ",".join("?" * len(wanted))
        return self._db.execute(
            f"SELECT type, source, target, key, props, prov FROM relationships WHERE type IN ({marks}) "
            "ORDER BY type, source, target, key", wanted).fetchall()

    def relationships(self, types: Iterable[str] | None = None, seen: Seen | None = None) -> Iterator[Relationship]:
        with self._lock:
            rows = self._relationship_rows(types)
        if seen is None:
            return (self._relationship(row) for row in rows)
        found = [self._relationship(row) for row in rows]
        seen(found)
        return iter(found)

    def dump(self) -> Dump:
        with self._lock:
            self._db.execute("BEGIN")  # one snapshot, even with another process writing (write-ahead log)
            try:
                nodes = self._db.execute("SELECT id, kind, name, props, prov FROM nodes ORDER BY id").fetchall()
                relationships = self._relationship_rows()
                records = self._db.execute(
                    "SELECT collection, key, value FROM records ORDER BY collection, key").fetchall()
            finally:
                self._db.execute("COMMIT")
        return Dump([self._node(row) for row in nodes], [self._relationship(row) for row in relationships],
                    [(collection, key, json.loads(value)) for collection, key, value in records])

    @staticmethod
    def _relationship(row) -> Relationship:
        rel_type, source, target, key, props, prov = row
        return Relationship(shared(rel_type), shared(source), shared(target), shared(key),
                            shared_properties(json.loads(props)), Provenance.from_properties(json.loads(prov)))

    def erase(self, nodes: Iterable[str], records: Iterable[RecordPut] = ()) -> ChangeRecord:
        nodes = list(nodes)
        record = ChangeRecord()
        with self._transaction() as seq:
            self._delete(nodes, (), seq, record)
            marks = ",".join("?" * len(nodes))
            if nodes:
                self._db.execute(f"DELETE FROM removals WHERE node IN ({marks}) OR source IN ({marks}) "
                                 f"OR target IN ({marks})", nodes * 3)
            self._put_records(records)
            self._set_meta("epoch", new_version())
            self._bump_version()
        with self._lock:  # nothing of them left in the write-ahead log or in free pages either
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.execute("VACUUM")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return record

    def clear(self) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM relationships")
            self._db.execute("DELETE FROM nodes")
            self._db.execute("DELETE FROM removals")
            self._db.execute("DELETE FROM records")
            self._set_meta("epoch", new_version())
            self._bump_version()
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()
