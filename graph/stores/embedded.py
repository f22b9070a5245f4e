"""The embedded default store: one SQLite file under the data folder, no server.

SQLite gives what a town laptop needs: atomic transactions that survive a killed
process (write-ahead log), and a single file to back up. A whole ``write`` is one
transaction, so an import is either fully there or not at all.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

from graph import schema
from graph.i18n import t
from graph.model import Batch, Node, Provenance, Relationship, WriteSummary
from graph.stores.base import Changes, Progress, Store, deduplicated, new_version

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
"""
# Each write transaction takes the next sequence number and stamps what it changes (``seq``),
# so a reader can fetch only what changed since its snapshot; clear() starts a new epoch.
SEQUENCE_SQL = """
CREATE INDEX IF NOT EXISTS nodes_seq ON nodes(seq);
CREATE INDEX IF NOT EXISTS relationships_seq ON relationships(seq);
"""

CHUNK = 5000
IDENTIFYING = ("rna", "siret")  # the only property names that reach ids_by_property's SQL
UPSERT_NODES = (
    "INSERT INTO nodes (id, kind, name, props, hash, prov, seq) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(id) DO UPDATE SET kind=excluded.kind, name=excluded.name, props=excluded.props, "
    "hash=excluded.hash, prov=excluded.prov, seq=excluded.seq WHERE nodes.hash <> excluded.hash")
UPSERT_RELATIONSHIPS = (
    "INSERT INTO relationships (type, source, target, key, props, hash, prov, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(type, source, target, key) DO UPDATE SET props=excluded.props, hash=excluded.hash, "
    "prov=excluded.prov, seq=excluded.seq WHERE relationships.hash <> excluded.hash")
DATABASE_FILE = "maillage.sqlite3"


def _json(value) -> str:
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

    def write(self, batch: Batch, progress: Progress | None = None) -> WriteSummary:
        return self.write_many([batch], len(batch.nodes) + len(batch.relationships), progress)

    def write_many(self, batches: Iterable[Batch], total: int, progress: Progress | None = None) -> WriteSummary:
        """Every batch in one transaction: an import is either fully there or not at all."""
        done = [0]

        def advanced(count: int) -> None:
            done[0] += count
            if progress:
                progress(done[0], total)

        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seq = self._meta("sequence", 0) + 1
                self._set_meta("sequence", seq)
                before = {table: self._count(table) for table in ("nodes", "relationships")}
                changed = {"nodes": 0, "relationships": 0}
                offered = {"nodes": 0, "relationships": 0}
                for batch in batches:
                    batch = deduplicated(batch)
                    node_rows = ((n.id, n.kind, n.name, _json(n.clean_properties()), n.digest(),
                                  _json((n.provenance or Provenance("")).as_properties()), seq) for n in batch.nodes)
                    rel_rows = ((r.type, r.source, r.target, r.key, _json(r.clean_properties()), r.digest(),
                                 _json((r.provenance or Provenance("")).as_properties()), seq)
                                for r in batch.relationships)
                    changed["nodes"] += self._upsert(UPSERT_NODES, node_rows, advanced)
                    changed["relationships"] += self._upsert(UPSERT_RELATIONSHIPS, rel_rows, advanced)
                    offered["nodes"] += len(batch.nodes)
                    offered["relationships"] += len(batch.relationships)
                counts = []
                for table in ("nodes", "relationships"):
                    # An upsert whose content hash is unchanged touches nothing and is not counted
                    # by SQLite: the row count tells created + updated, and the table's growth created.
                    created = self._count(table) - before[table]
                    counts += [created, changed[table] - created, offered[table] - changed[table]]
                summary = WriteSummary(*counts)
                if changed["nodes"] + changed["relationships"]:
                    self._bump_version()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return summary

    def _upsert(self, statement: str, rows, advanced) -> int:
        """Insert or update *rows* in chunks; return how many were created or updated."""
        changed = 0
        rows = iter(rows)
        while chunk := list(islice(rows, CHUNK)):
            changed += self._db.executemany(statement, chunk).rowcount
            advanced(len(chunk))
        return changed

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
            finally:
                self._db.execute("COMMIT")
        return Changes(now, nodes, relationships)

    def version(self) -> str:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return row[0] if row else ""

    def _count(self, table: str) -> int:
        # Only the two table names above reach this function.
        return self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

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
        return Node(kind, node_id, name, json.loads(props), Provenance.from_properties(json.loads(prov)))

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

    def relationships(self, types: Iterable[str] | None = None) -> Iterator[Relationship]:
        wanted = list(schema.RELATIONSHIP_TYPES if types is None else types)
        marks = ",".join("?" * len(wanted))
        with self._lock:
            rows = self._db.execute(
                f"SELECT type, source, target, key, props, prov FROM relationships WHERE type IN ({marks}) "
                "ORDER BY type, source, target, key", wanted).fetchall()
        return (self._relationship(row) for row in rows)

    @staticmethod
    def _relationship(row) -> Relationship:
        rel_type, source, target, key, props, prov = row
        return Relationship(rel_type, source, target, key, json.loads(props), Provenance.from_properties(json.loads(prov)))

    def clear(self) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM relationships")
            self._db.execute("DELETE FROM nodes")
            self._set_meta("epoch", new_version())
            self._bump_version()
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()
