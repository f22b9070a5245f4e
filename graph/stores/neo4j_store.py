"""The Neo4j store, system of record.

Writes go in batches through ``UNWIND`` inside managed transactions (the driver
retries them on transient failures). Every value travels as a parameter, node
labels too (Cypher's dynamic ``$(...)``). Relationship types are the exception:
``MERGE`` on a dynamic type measured ten times slower, so there is one query per
type of the schema's closed list, fixed when this module loads; no query text is
ever built from data.

A retirement or a deletion is one transaction too: it first stamps the facts it
touches with its sequence number (which takes their write locks), then reads them as
they are, then changes them. A removed fact leaves a ``MaillageRemoval`` node (its
reference and that number) so that readers learn of it incrementally.
"""
from __future__ import annotations

import functools
import json
import logging
import marshal
import re
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from operator import attrgetter
from typing import Any

from neo4j import READ_ACCESS, GraphDatabase
from neo4j.exceptions import (
    ClientError,
    ConnectionPoolError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph import schema, snapshot_file
from graph.i18n import t
from graph.model import (
    SHARED_TEXT_LENGTH,
    Batch,
    ChangeRecord,
    FactChange,
    Node,
    NodeRef,
    Provenance,
    Relationship,
    RelationshipRef,
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

CHUNK = 10000
# Chunks sent one after the other in one transaction: the driver packs the next while the
# server writes the one before, so the client's work hides behind the server's.
CHUNKS_PER_TRANSACTION = 5
# An import in the background (``maillage import --background``, while people work): every write transaction
# holds the writers' lock, so a person's change waits for the import's transaction in progress. Small
# transactions, each followed by a pause as long as it took, keep that wait short (measured on a 2-core
# machine, a grant file of 22,000 facts: people's writes p99 1.3 s -> 0.19 s; the import 1.6 times as long).
BACKGROUND_CHUNK = 500
STREAM_FETCH = 20000  # records per round trip when reading the whole graph (default 1000)
INTERNAL = {"id", "name", "_hash", "_seq", "key"} | set(schema.PROVENANCE_PROPERTIES)
_USER_KEYS: dict[tuple[str, ...], tuple[str, ...]] = {}  # a fact's property names -> those it keeps, interned


def _user_keys(names: tuple[str, ...]) -> tuple[str, ...]:
    if len(_USER_KEYS) > 10_000:  # names are free: never let odd files grow this without bound
        _USER_KEYS.clear()
    kept = _USER_KEYS[names] = tuple(sys.intern(name) for name in names if name not in INTERNAL)
    return kept


CONSTRAINTS = [
    "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT maillage_meta_key IF NOT EXISTS FOR (m:MaillageMeta) REQUIRE m.key IS UNIQUE",
    "CREATE INDEX entity_seq IF NOT EXISTS FOR (n:Entity) ON (n._seq)",
    "CREATE INDEX removal_seq IF NOT EXISTS FOR (x:MaillageRemoval) ON (x.seq)",
    "CREATE CONSTRAINT maillage_record IF NOT EXISTS FOR (r:MaillageRecord) REQUIRE r.rid IS UNIQUE",
    "CREATE INDEX maillage_record_collection IF NOT EXISTS FOR (r:MaillageRecord) ON (r.collection)",
] + [f"CREATE INDEX seq_{rel_type.lower()} IF NOT EXISTS FOR ()-[r:{rel_type}]-() ON (r._seq)"
     for rel_type in schema.RELATIONSHIP_TYPES]
# The version token lives on a node outside the Entity label, so it is never taken for data.
BUMP_VERSION = "MERGE (m:MaillageMeta {key: 'version'}) SET m.value = $token"
READ_VERSION = "MATCH (m:MaillageMeta {key: 'version'}) RETURN m.value AS value"
# Every write transaction takes the next sequence number and stamps what it changes with it
# (``_seq``), so a reader can fetch only what changed since its snapshot. The lock on this
# node orders writers: numbers become visible in the order they were taken.
NEXT_SEQUENCE = "MERGE (m:MaillageMeta {key: 'sequence'}) SET m.value = coalesce(m.value, 0) + 1 RETURN m.value AS seq"
# A person's edit takes its number and a new version in one round trip (an edit that changes nothing but its
# records still gives readers a new version: they find nothing to read).
NEXT_SEQUENCE_AND_VERSION = """
MERGE (m:MaillageMeta {key: 'sequence'}) SET m.value = coalesce(m.value, 0) + 1
WITH m MERGE (v:MaillageMeta {key: 'version'}) SET v.value = $token
RETURN m.value AS seq"""
# clear() deletes, which a sequence cannot tell: it starts a new epoch, and readers re-read everything.
# A new epoch ends the kept snapshot with it, in the same transaction (it may hold an erased person).
NEW_EPOCH = """MERGE (m:MaillageMeta {key: 'epoch'}) SET m.value = $token
WITH m OPTIONAL MATCH (s:MaillageSnapshot) DELETE s"""
# A snapshot kept for the servers that start next (Store.keep_snapshot), in parts of at most SNAPSHOT_PART bytes.
# The epoch's node is locked first (rewritten as it is): an erasure, which sets a new epoch, then waits for this
# transaction, or this one finds the epoch ended. No row when it has.
LOCK_EPOCH_FOR_SNAPSHOT = """
MATCH (e:MaillageMeta {key: 'epoch'}) WHERE e.value = $epoch SET e.value = e.value
WITH e OPTIONAL MATCH (s:MaillageSnapshot)
RETURN e.value AS epoch, max(s.seq) AS kept"""
DELETE_SNAPSHOT = "MATCH (s:MaillageSnapshot) DELETE s"
WRITE_SNAPSHOT = """
UNWIND range(0, size($parts) - 1) AS part
CREATE (:MaillageSnapshot {epoch: $epoch, seq: $seq, part: part, parts: size($parts), data: $parts[part]})"""
KEPT_SNAPSHOT = """
MATCH (e:MaillageMeta {key: 'epoch'}) MATCH (s:MaillageSnapshot) WHERE s.epoch = e.value
RETURN s.epoch AS epoch, s.seq AS seq, s.part AS part, s.parts AS parts, CASE WHEN $data THEN s.data END AS data
ORDER BY part"""
SNAPSHOT_PART = 4 * 1024 * 1024
READ_MARK = """
OPTIONAL MATCH (e:MaillageMeta {key: 'epoch'})
OPTIONAL MATCH (s:MaillageMeta {key: 'sequence'})
RETURN e.value AS epoch, s.value AS seq"""
# Everything a refresh reads, in one round trip: the mark, then what changed up to it. Relationships are read
# type by type (UNION ALL), each part seeking its type's index: left alone, the planner scanned every
# relationship of the type.
_RELATIONSHIPS_SINCE = " UNION ALL ".join(
    f"MATCH (a:Entity)-[r:{rel_type}]->(b:Entity) USING INDEX SEEK r:{rel_type}(_seq) "
    f"WHERE r._seq > $since AND r._seq <= now "
    f"RETURN '{rel_type}' AS type, a.id AS source, b.id AS target, properties(r) AS props"
    for rel_type in schema.RELATIONSHIP_TYPES)
CHANGES_SINCE = f"""
OPTIONAL MATCH (e:MaillageMeta {{key: 'epoch'}})
OPTIONAL MATCH (s:MaillageMeta {{key: 'sequence'}})
WITH coalesce(e.value, '') AS epoch, coalesce(s.value, 0) AS now
CALL (now) {{
  MATCH (n:Entity) WHERE n._seq > $since AND n._seq <= now RETURN collect([properties(n), labels(n)]) AS nodes
}}
CALL (now) {{
  CALL (now) {{ {_RELATIONSHIPS_SINCE} }}
  RETURN collect([type, source, target, props]) AS relationships
}}
CALL (now) {{
  MATCH (x:MaillageRemoval) WHERE x.seq > $since AND x.seq <= now
  WITH x ORDER BY x.seq RETURN collect([x.node, x.type, x.source, x.target, x.key]) AS removals
}}
RETURN epoch, now, nodes, relationships, removals"""
# Retiring and deleting: the facts are first stamped with the transaction's number (which locks them),
# then read as they are. Named relationships are found by type (one query per type of the closed list).
LOCK_NODES = """
UNWIND $ids AS id MATCH (n:Entity {id: id}) WHERE $until IS NULL OR n.until IS NULL OR n.until > $until
SET n._seq = $seq RETURN properties(n) AS props, labels(n) AS labels"""
LOCK_ATTACHED = """
UNWIND $ids AS id MATCH (n:Entity {id: id})-[r]-(:Entity)
WHERE type(r) IN $types AND ($until IS NULL OR r.until IS NULL OR r.until > $until)
SET r._seq = $seq
RETURN DISTINCT type(r) AS type, startNode(r).id AS source, endNode(r).id AS target, properties(r) AS props"""
LOCK_RELATIONSHIPS = {
    rel_type: f"""
UNWIND $rows AS row MATCH (a:Entity {{id: row[0]}})-[r:{rel_type} {{key: row[2]}}]->(b:Entity {{id: row[1]}})
WHERE $until IS NULL OR r.until IS NULL OR r.until > $until
SET r._seq = $seq RETURN a.id AS source, b.id AS target, properties(r) AS props"""
    for rel_type in schema.RELATIONSHIP_TYPES}
RETIRE_NODES = """
UNWIND $rows AS row MATCH (n:Entity {id: row[0]})
SET n.until = row[1], n._hash = row[2], n.prov_source = row[3], n.prov_line = row[4], n.prov_kind = row[5],
    n.prov_at = row[6]"""
RETIRE_RELATIONSHIPS = {
    rel_type: f"""
UNWIND $rows AS row MATCH (a:Entity {{id: row[0][1]}})-[r:{rel_type} {{key: row[0][3]}}]->(b:Entity {{id: row[0][2]}})
SET r.until = row[1], r._hash = row[2], r.prov_source = row[3], r.prov_line = row[4], r.prov_kind = row[5],
    r.prov_at = row[6]"""
    for rel_type in schema.RELATIONSHIP_TYPES}
DELETE_RELATIONSHIPS = {
    rel_type: f"""
UNWIND $rows AS row MATCH (a:Entity {{id: row[1]}})-[r:{rel_type} {{key: row[3]}}]->(b:Entity {{id: row[2]}})
DELETE r"""
    for rel_type in schema.RELATIONSHIP_TYPES}
DELETE_NODES = "UNWIND $ids AS id MATCH (n:Entity {id: id}) DETACH DELETE n"
RECORD_REMOVALS = """
UNWIND $nodes AS id CREATE (:MaillageRemoval {seq: $seq, node: id})
WITH count(*) AS done
UNWIND $relationships AS x
CREATE (:MaillageRemoval {seq: $seq, type: x[0], source: x[1], target: x[2], key: x[3]})"""
# Records (accounts, history…) live outside the Entity label: never taken for data.
PUT_RECORDS = """
UNWIND $rows AS row MERGE (r:MaillageRecord {rid: row[0]})
SET r.collection = row[1], r.key = row[2], r.value = row[3]"""
# Taking the sequence node's write lock without changing it: every write transaction takes it first, so a
# transaction holding it sees no write in flight (a backup's consistent read; records written on their own).
LOCK_WRITERS = "MERGE (m:MaillageMeta {key: 'sequence'}) SET m.value = coalesce(m.value, 0)"
# Nodes in pages, a record each: streaming a record costs about 20 µs whatever it holds (a métropole's 100,000
# nodes: 3.1 s one per record, 0.8 s in pages). In order of id, through the index; a page's last id starts the next.
NODE_PAGE = """MATCH (n:Entity) WHERE n.id > $after AND ($kind IS NULL OR $kind IN labels(n))
WITH n ORDER BY n.id LIMIT $size
RETURN collect([properties(n), labels(n)]) AS nodes, max(n.id) AS last"""
NODE_PAGE_SIZE = 5000
ALL_RECORDS = ("MATCH (r:MaillageRecord) RETURN r.collection AS collection, r.key AS key, r.value AS value "
               "ORDER BY collection, key")
REMOVE_RECORDS = "UNWIND $rids AS rid MATCH (r:MaillageRecord {rid: rid}) DELETE r"
GET_RECORD = "MATCH (r:MaillageRecord {rid: $rid}) RETURN r.value AS value"
GET_RECORDS = "UNWIND $rids AS rid MATCH (r:MaillageRecord {rid: rid}) RETURN rid, r.value AS value"
# One row whatever the records found (none: an empty list), with the mark as READ_MARK reads it.
RECORDS_AND_MARK = """
UNWIND $rids AS rid OPTIONAL MATCH (r:MaillageRecord {rid: rid})
WITH collect([rid, r.value]) AS found
OPTIONAL MATCH (e:MaillageMeta {key: 'epoch'})
OPTIONAL MATCH (s:MaillageMeta {key: 'sequence'})
RETURN found, e.value AS epoch, s.value AS seq"""
# The index named: this plan is kept (see _plan_once), and one made on an empty database could be a scan.
LIST_RECORDS = ("MATCH (r:MaillageRecord) USING INDEX r:MaillageRecord(collection) "
                "WHERE r.collection = $collection AND r.key STARTS WITH $prefix "
                "RETURN r.key AS key, r.value AS value ORDER BY r.key")
STATE_HASHES = """
UNWIND $ids AS id MATCH (n:Entity {id: id})
OPTIONAL MATCH (n)-[r]->(:Entity) WHERE type(r) IN $owned
RETURN n.id AS id, n._hash AS hash, collect(r._hash) AS owned"""
NODE_DIGESTS = "UNWIND $ids AS id MATCH (n:Entity {id: id}) RETURN n.id AS id, n._hash AS hash"
RELATIONSHIP_DIGESTS = {
    rel_type: f"""
UNWIND $rows AS row MATCH (a:Entity {{id: row[0]}})-[r:{rel_type} {{key: row[2]}}]->(b:Entity {{id: row[1]}})
RETURN a.id AS source, b.id AS target, r.key AS key, r._hash AS hash"""
    for rel_type in schema.RELATIONSHIP_TYPES}


def _record_id(collection: str, key: str) -> str:
    return collection + "\x1f" + key


# Grouped by source node, and a thousand source nodes to a record: the driver's cost is per record
# (about 50 µs each, measured), so one record per node or per relationship is what reading a whole
# territory through Bolt costs most. Sources in order of id and each one's relationships in order of
# (type, target, key): put by type, they come in the store contract's order, and a million are not
# sorted again in Python (1 to 1.5 s at metropole). The nodes are collected first (references, cheap):
# then every record streams as soon as it is made, a page of sources after another.
ALL_RELATIONSHIPS = """
MATCH (a:Entity) WITH a ORDER BY a.id WITH collect(a) AS sources
UNWIND range(0, size(sources) - 1, $sources_per_record) AS start
CALL (sources, start) {
  UNWIND sources[start..start + $sources_per_record] AS a
  CALL (a) {
    MATCH (a)-[r]->(b:Entity) WHERE type(r) IN $types
    WITH type(r) AS type, b.id AS target, r ORDER BY type, target, r.key
    RETURN collect([type, target, properties(r)]) AS out
  }
  WITH a, out WHERE size(out) > 0
  RETURN collect([a.id, out]) AS page
}
RETURN page"""
SOURCES_PER_RECORD = 1000
# The same read through Maillage's plugin (neo4j-plugin/, loaded from the server's plugins folder): the facts in
# parts of Python's marshal format, read in C (graph.snapshot_file.relationships_of). A server without the
# plugin, or a property the format cannot carry (a date, a point), is read through ALL_RELATIONSHIPS.
PLUGIN_RELATIONSHIPS = "CALL maillage.relationships($types, $per_part) YIELD data RETURN data"
PLUGIN_NODES = "CALL maillage.nodes($per_part) YIELD data RETURN data"
PLUGIN_PART = 20_000  # facts per part (about 2 MB of relationships)
PLUGIN_MISSING = "Neo.ClientError.Procedure.ProcedureNotFound"
log = logging.getLogger("maillage.store")

# Rows travel as lists, a value per column, not as maps: the server then decodes no property
# names on every row, which measured 10 to 15 % faster on metropole. The columns are the
# properties the schema names; any other property a fact carries rides in the row's last cell,
# a map, usually empty.
NODE_COLUMNS = tuple(dict.fromkeys(p for kind in schema.NODE_KINDS.values() for p in kind.properties
                                   if p not in INTERNAL))
RELATIONSHIP_COLUMNS = {rel_type: tuple(p for p in spec.properties if p not in INTERNAL)
                        for rel_type, spec in schema.RELATIONSHIP_TYPES.items()}
# Node row: id, kind, _hash, prov_line, name, one cell per column, other properties.
# Relationship row: source, target, key, _hash, prov_line, one cell per column, other properties.
NODE_LEADING = ("id", None, "_hash", "prov_line", "name")
RELATIONSHIP_LEADING = (None, None, "key", "_hash", "prov_line")


def _properties_map(leading: tuple, columns: tuple[str, ...]) -> str:
    """The Cypher map of a row's stored properties (nulls are not stored), with the provenance the
    chunk shares and the transaction's sequence number."""
    names = [(name, i) for i, name in enumerate(leading) if name] + \
            [(name, len(leading) + i) for i, name in enumerate(columns)]
    entries = [f"`{name}`: row[{i}]" for name, i in names]
    entries += [f"{name}: $shared.{name}" for name in ("prov_source", "prov_kind", "prov_at")] + ["_seq: $seq"]
    return "{" + ", ".join(entries) + "}"


def _other_cell(leading: tuple, columns: tuple[str, ...]) -> str:
    return f"row[{len(leading) + len(columns)}]"


# A node's kind is its label: an update that changes the kind removes the old label.
WRITE_NODES = f"""
UNWIND $rows AS row
MERGE (n:Entity {{id: row[0]}})
WITH n, row, n._hash AS old,
     CASE WHEN n._hash IS NOT NULL AND n._hash <> row[2] THEN [properties(n), labels(n)] END AS before
CALL (n, row, old) {{
  WITH * WHERE old IS NULL OR old <> row[2]
  SET n = {_properties_map(NODE_LEADING, NODE_COLUMNS)},
      n += {_other_cell(NODE_LEADING, NODE_COLUMNS)}, n:$(row[1])
  REMOVE n:$([label IN labels(n) WHERE label <> 'Entity' AND label <> row[1]])
}}
RETURN collect(CASE WHEN old IS NULL THEN row[0] END) AS new_ids, collect(before) AS updated
"""


_BOTH_ENDS = """
UNWIND $rows AS row
MATCH (a:Entity {id: row[0]})
MATCH (b:Entity {id: row[1]})"""


def _write_relationships(rel_type: str) -> str:
    columns = RELATIONSHIP_COLUMNS[rel_type]
    return _BOTH_ENDS + f"""
MERGE (a)-[r:{rel_type} {{key: row[2]}}]->(b)
WITH r, row, r._hash AS old,
     CASE WHEN r._hash IS NOT NULL AND r._hash <> row[3] THEN [row[0], row[1], properties(r)] END AS before
CALL (r, row, old) {{
  WITH * WHERE old IS NULL OR old <> row[3]
  SET r = {_properties_map(RELATIONSHIP_LEADING, columns)},
      r += {_other_cell(RELATIONSHIP_LEADING, columns)}
}}
RETURN collect(CASE WHEN old IS NULL THEN [row[0], row[1], row[2]] END) AS created, collect(before) AS updated
"""


# A relationship one of whose ends this import created cannot exist yet: it is created without
# the search MERGE makes among the relationships of its ends (half the server's time).
def _create_relationships(rel_type: str) -> str:
    columns = RELATIONSHIP_COLUMNS[rel_type]
    return _BOTH_ENDS + f"""
CREATE (a)-[r:{rel_type} {_properties_map(RELATIONSHIP_LEADING, columns)}]->(b)
SET r += {_other_cell(RELATIONSHIP_LEADING, columns)}
RETURN count(r) AS count
"""


WRITE_RELATIONSHIPS = {rel_type: _write_relationships(rel_type) for rel_type in schema.RELATIONSHIP_TYPES}
CREATE_RELATIONSHIPS = {rel_type: _create_relationships(rel_type) for rel_type in schema.RELATIONSHIP_TYPES}


# The queries of every read and write a person makes keep their first plan (CYPHER replan=skip). Neo4j plans a
# query again when the statistics of what it reads moved, at most every 10 s; planning the refresh query takes a
# second or two on this machine (seven unions), a write's queries some hundreds of milliseconds, and every
# request waited meanwhile: while people write and an import runs, that was the p99. Each of these plans seeks
# by a unique id or a sequence index (the hints force it), whatever the statistics say.
def _plan_once(query: str) -> str:
    return "CYPHER replan=skip " + query


(CHANGES_SINCE, NEXT_SEQUENCE, NEXT_SEQUENCE_AND_VERSION, BUMP_VERSION, READ_MARK, WRITE_NODES, STATE_HASHES,
 NODE_DIGESTS, PUT_RECORDS, REMOVE_RECORDS, GET_RECORD, GET_RECORDS, LIST_RECORDS, LOCK_WRITERS, LOCK_NODES,
 LOCK_ATTACHED, RETIRE_NODES, DELETE_NODES, RECORD_REMOVALS) = map(_plan_once, (
    CHANGES_SINCE, NEXT_SEQUENCE, NEXT_SEQUENCE_AND_VERSION, BUMP_VERSION, READ_MARK, WRITE_NODES, STATE_HASHES,
    NODE_DIGESTS, PUT_RECORDS, REMOVE_RECORDS, GET_RECORD, GET_RECORDS, LIST_RECORDS, LOCK_WRITERS, LOCK_NODES,
    LOCK_ATTACHED, RETIRE_NODES, DELETE_NODES, RECORD_REMOVALS))
for _by_type in (WRITE_RELATIONSHIPS, CREATE_RELATIONSHIPS, LOCK_RELATIONSHIPS, RETIRE_RELATIONSHIPS,
                 DELETE_RELATIONSHIPS, RELATIONSHIP_DIGESTS):
    for _rel_type, _query in _by_type.items():
        _by_type[_rel_type] = _plan_once(_query)

# Neo4j keys a query's plan by its text and, for each parameter that is a list or a string, by the order of
# magnitude of its length (1, 10, 100…). A survey answer naming three people after a declaration naming one, an id
# of 12 characters after one of 8, an import's last chunk: each had its query planned again, 50 to 150 ms on the
# request that met it. A map has no length in that key, so every query takes its parameters in one map, $p.
_PARAMETER = re.compile(r"\$([A-Za-z_]\w*)")


@functools.cache
def _in_one_map(query: str) -> str:
    """*query* reading each parameter ``$name`` as ``$p.name``."""
    return _PARAMETER.sub(r"$p.\1", query)


def _run(runner, query: str, **params):
    """*query* run by *runner* (a session or a transaction) with *params* in one map (see :func:`_in_one_map`)."""
    return runner.run(_in_one_map(query), p=params)


NO_PROVENANCE = Provenance("")
REHEARSAL = "maillage-rehearsal"  # the collection of the record a rehearsal puts (rolled back: never stored)


def _mark_of(record) -> tuple:
    """The mark in a record with ``epoch`` and ``seq`` (a store never written: no epoch yet, number 0)."""
    return (record["epoch"] or "", record["seq"] or 0)


def _line(fact) -> int | None:
    return fact.provenance.line if fact.provenance is not None else None


def _cells(props: dict, columns: tuple[str, ...]) -> list:
    """One cell per column, then the map of the other properties (those named like Maillage's own are not
    the user's: they never override them)."""
    cells = [props.pop(column, None) for column in columns]
    cells.append({k: v for k, v in props.items() if k not in INTERNAL} if props else props)
    return cells


def _node_row(node: Node) -> list:
    props = node.clean_properties()
    return [node.id, node.kind, node.digest(props), _line(node), node.name, *_cells(props, NODE_COLUMNS)]


def _relationship_row(rel: Relationship) -> list:
    props = rel.clean_properties()
    return [rel.source, rel.target, rel.key, rel.digest(props), _line(rel),
            *_cells(props, RELATIONSHIP_COLUMNS[rel.type])]


def _provenance_key(fact) -> tuple:
    provenance = fact.provenance or NO_PROVENANCE
    return provenance.source, provenance.kind, provenance.at


def _chunks(query: str, row: Callable, items: list, provenance_key: tuple, size: int = CHUNK
            ) -> list[tuple[str, Callable, list, dict]]:
    """*items* in chunks of *size* (query, row maker, items, shared provenance): what all of a file's facts
    share of their provenance (all but the line) is sent once per chunk rather than on every row."""
    source, kind, at = provenance_key
    shared = {"prov_source": source, "prov_kind": kind, "prov_at": at}
    return [(query, row, items[start:start + size], shared) for start in range(0, len(items), size)]


def _node_chunks(nodes: Iterable[Node], size: int = CHUNK) -> list[tuple[str, Callable, list, dict]]:
    """Chunks of :data:`WRITE_NODES` for *nodes* (one per id), grouped by the provenance they share."""
    by_provenance: dict[tuple, list] = defaultdict(list)
    for node in nodes:
        by_provenance[_provenance_key(node)].append(node)
    return [c for key, group in by_provenance.items() for c in _chunks(WRITE_NODES, _node_row, group, key, size)]


def _grouped_relationships(relationships: list[Relationship]) -> dict[tuple, list[tuple[Relationship, int]]]:
    """One relationship per identity (the last wins), grouped by type and shared provenance, each with the
    hash of its identity: all the sorting out a write can do before it knows which nodes it created."""
    groups: dict[tuple, list] = defaultdict(list)
    for identity, rel in {rel.identity: rel for rel in relationships}.items():
        groups[(rel.type, *_provenance_key(rel))].append((rel, hash(identity)))
    return groups


def _created_outright(group: list[tuple[Relationship, int]], new_nodes: set[str],
                      new_relationships: set[int]) -> tuple[list[Relationship], list[Relationship]]:
    """*group* (relationships with the hash of their identity) split into those to create outright (an end
    was created by this import, and no earlier batch created them: their hashes join *new_relationships*)
    and those to merge."""
    fresh, known = [], []
    for rel, identity in group:
        if (rel.source in new_nodes or rel.target in new_nodes) and identity not in new_relationships:
            new_relationships.add(identity)
            fresh.append(rel)
        else:
            known.append(rel)
    return fresh, known


def _changed_something(result) -> bool:
    keys = result.keys()
    if "count" in keys:
        return bool(result["count"])
    return bool(result["updated"]) or bool(result["new_ids"] if "new_ids" in keys else result["created"])


def _provenance_cells(fact) -> list:
    provenance = fact.provenance or NO_PROVENANCE
    return [provenance.source, provenance.line, provenance.kind, provenance.at]


# How long a managed transaction is retried on a transient failure (a server restarting) before the person's
# request gets a 503: the driver's 30 s would hold every request of a workshop for half a minute.
RETRY_SECONDS = 10.0


class Neo4jStore(Store):
    backend = "neo4j"
    # The server stopped, restarting, or its connection lost: the driver reconnects on the next request.
    unavailable_errors = (ServiceUnavailable, SessionExpired, ConnectionPoolError, TransientError)
    keeps_snapshots = True  # servers on several machines, or in containers without a data volume

    def __init__(self, uri: str, user: str = "neo4j", password: str = "", database: str | None = None,
                 retry_seconds: float = RETRY_SECONDS, plugin: bool = True, plugin_part: int = PLUGIN_PART):
        """*plugin*: whether a whole read may call Maillage's plugin (neo4j-plugin/), *plugin_part* facts a part."""
        self.uri = uri
        # Whether the server has the plugin: None until a whole read asks it (False: never asked).
        self.plugin: bool | None = None if plugin else False
        self.plugin_part = plugin_part
        self.database = database
        self.background = False  # see Store.background and BACKGROUND_CHUNK
        self._rehearsing = threading.local()  # see prepare_writes: this thread's writes are rolled back
        # No notifications: the server's planning remarks ("property key does not exist" in an empty database)
        # would be printed among a command's messages.
        self.driver = GraphDatabase.driver(uri, auth=(user, password), max_transaction_retry_time=retry_seconds,
                                           connection_timeout=5.0, connection_acquisition_timeout=retry_seconds,
                                           notifications_min_severity="OFF")
        # Fail fast on an unreachable server, before managed transactions start retrying.
        try:
            self.driver.verify_connectivity()
            self.ensure_schema()
            self.changes_since(self.mark())  # planned now (a second or two, once per server), not at a first answer
        except Exception:
            self.driver.close()
            raise

    @property
    def _chunk_rows(self) -> int:
        return BACKGROUND_CHUNK if self.background else CHUNK

    def describe(self) -> str:
        return t("store.neo4j", uri=self.uri, database=self.database or "neo4j")

    def _query(self, query: str, **params):
        # No bookmark manager: one server, whose commits are visible as soon as they return; the manager's
        # bookkeeping doubled the time of a small query.
        return self.driver.execute_query(_in_one_map(query), {"p": params}, database_=self.database,
                                         bookmark_manager_=None)

    def _lookup(self, query: str, **params) -> list:
        """The records of a small read, in one auto-commit query: one round trip to the server, where a managed
        transaction makes two (its COMMIT is answered too). Under load each wait for the server is also a wait
        for the interpreter, and a survey's page makes four of these: its p99 was 120 ms while an import ran.
        Measured beside a managed read (``benchmarks/small_reads.py``), three processes keeping both cores busy:
        p50 ~1.0 ms instead of 1.5 to 2.6, p99 9 to 10 instead of 15 to 16. Tried twice when the connection was
        lost (a pooled one the server closed when it restarted), as a managed read would be; a server that does
        not answer fails at once."""
        def once() -> list:
            with self.driver.session(database=self.database, bookmark_manager=None,
                                     default_access_mode=READ_ACCESS) as session:
                return list(_run(session, query, **params))

        try:
            return once()
        except (ServiceUnavailable, SessionExpired):
            return once()

    def ping(self) -> None:
        self.driver.verify_connectivity()

    def ensure_schema(self) -> None:
        for statement in CONSTRAINTS:
            self._query(statement)

    def write(self, batch: Batch, progress: Progress | None = None) -> ChangeRecord:
        return self.write_many([batch], len(batch.nodes) + len(batch.relationships), progress)

    def write_many(self, batches: Iterable[Batch], total: int, progress: Progress | None = None) -> ChangeRecord:
        """Each batch's nodes, then its relationships, in transactions of a few chunks.

        What this import created (node ids, hashes of relationship identities) is kept
        across batches: a relationship to a node created here is created outright, unless
        an earlier batch already created it. A re-run after a kill finds the nodes in
        place, so it merges, and ends where an uninterrupted import would have. The
        change record gets each transaction's changes once it has committed.
        """
        new_nodes: set[str] = set()
        new_relationships: set[int] = set()
        record, done = ChangeRecord(), [0]

        def advanced(count: int) -> None:
            done[0] += count
            if progress:
                progress(done[0], total)

        with ThreadPoolExecutor(max_workers=1) as helper:
            for batch in batches:
                # Needs no answer from the server: done while it writes the nodes.
                grouping = helper.submit(_grouped_relationships, batch.relationships)
                nodes = {node.id: node for node in batch.nodes}

                def nodes_written(items: list[Node], result: Any, nodes: dict[str, Node] = nodes) -> None:
                    new_nodes.update(self._nodes_written(items, result, nodes, record))

                self._send(_node_chunks(nodes.values(), self._chunk_rows), advanced, nodes_written)

                chunks = []
                for (rel_type, *key), group in grouping.result().items():
                    fresh, known = _created_outright(group, new_nodes, new_relationships)
                    chunks += _chunks(CREATE_RELATIONSHIPS[rel_type], _relationship_row, fresh, tuple(key),
                                      self._chunk_rows)
                    chunks += _chunks(WRITE_RELATIONSHIPS[rel_type], _relationship_row, known, tuple(key),
                                      self._chunk_rows)
                self._send(chunks, advanced, lambda items, result: self._relationships_written(items, result, record))
        return record

    def _nodes_written(self, items: list[Node], result, nodes: dict[str, Node], record: ChangeRecord) -> set[str]:
        """Count and keep what one chunk of nodes changed (see :data:`WRITE_NODES`); the ids it created."""
        created = set(result["new_ids"])
        record.record_created([node for node in items if node.id in created])
        for props, labels in result["updated"]:
            before = self._node(props, labels)
            record.record(FactChange("updated", before, nodes[before.id]))
        record.nodes_unchanged += len(items) - len(created) - len(result["updated"])
        return created

    def _relationships_written(self, items: list[Relationship], result, record: ChangeRecord) -> None:
        """Count and keep what one chunk of relationships changed (see :data:`WRITE_RELATIONSHIPS`)."""
        if "count" in result.keys():  # noqa: SIM118 (a driver Record: `in` looks in its values) created outright: all of them, unless an end was missing
            created = items
            if result["count"] != len(items):
                existing = set(self.kinds_of({end for rel in items for end in (rel.source, rel.target)}))
                created = [rel for rel in items if rel.source in existing and rel.target in existing]
            record.record_created(created)
            return
        by_ends = {(rel.source, rel.target, rel.key): rel for rel in items}
        for source, target, key in result["created"]:
            record.record(FactChange("created", None, by_ends[(source, target, key)]))
        for source, target, props in result["updated"]:
            after = by_ends[(source, target, props.get("key", ""))]
            record.record(FactChange("updated", self._relationship(after.type, source, target, props), after))
        record.relationships_unchanged += len(items) - len(result["created"]) - len(result["updated"])

    def _send(self, chunks: list[tuple[str, Callable, list, dict]], advanced: Callable[[int], None],
              written: Callable[[list, Any], None]) -> None:
        """Write *chunks* (query, row maker, items, shared provenance), a few per transaction; once each
        transaction has committed, give each chunk's items and result to *written*, and tell *advanced*
        how many items it wrote."""
        prepared: dict[int, list] = {}

        def rows(index: int) -> list:
            if index not in prepared:
                _, row, items, _ = chunks[index]
                return [row(item) for item in items]
            return prepared.pop(index)

        per_transaction = 1 if self.background else CHUNKS_PER_TRANSACTION
        for first in range(0, len(chunks), per_transaction):
            group = range(first, min(first + per_transaction, len(chunks)))

            def work(tx: Any, group: range = group) -> list:
                seq = _run(tx, NEXT_SEQUENCE).single()["seq"]
                # Not read until all are sent: each run returns once the server has the one before.
                results = [_run(tx, chunks[i][0], rows=rows(i), shared=chunks[i][3], seq=seq) for i in group]
                # The next transaction's first rows, made while the server writes this one's last chunk.
                if group.stop < len(chunks) and group.stop not in prepared:
                    prepared[group.stop] = rows(group.stop)
                records = [result.single() for result in results]
                if any(_changed_something(record) for record in records):
                    _run(tx, BUMP_VERSION, token=new_version()).consume()
                return records

            started = time.monotonic()
            with self.driver.session(database=self.database) as session:
                records = session.execute_write(work)
            if self.background:  # people's changes go first as long as this transaction held the lock
                time.sleep(time.monotonic() - started)
            for i, result in zip(group, records):
                written(chunks[i][2], result)
            advanced(sum(len(chunks[i][2]) for i in group))

    def _locked(self, tx, seq: int, nodes: list[str], relationships: list[RelationshipRef],
                until: str | None) -> tuple[list[Node], list[Relationship]]:
        """The stored nodes among *nodes*, and relationships among *relationships* or attached to those
        nodes, stamped with *seq* (which locks them) and read as they now are. With *until*, only the
        facts still valid after that date."""
        found_nodes = [self._node(r["props"], r["labels"])
                       for r in _run(tx, LOCK_NODES, ids=nodes, until=until, seq=seq)]
        found: dict[RelationshipRef, Relationship] = {}
        for r in _run(tx, LOCK_ATTACHED, ids=nodes, types=list(schema.RELATIONSHIP_TYPES), until=until, seq=seq):
            rel = self._relationship(r["type"], r["source"], r["target"], r["props"])
            found[rel.identity] = rel
        by_type: dict[str, list] = defaultdict(list)
        for rel_type, source, target, key in relationships:
            if rel_type in schema.RELATIONSHIP_TYPES:
                by_type[rel_type].append([source, target, key])
        for rel_type, rows in by_type.items():
            for r in _run(tx, LOCK_RELATIONSHIPS[rel_type], rows=rows, until=until, seq=seq):
                rel = self._relationship(rel_type, r["source"], r["target"], r["props"])
                found[rel.identity] = rel
        return found_nodes, sorted(found.values(), key=lambda rel: rel.identity)

    def retire(self, nodes: Iterable[str] = (), relationships: Iterable[RelationshipRef] = (), *,
               until: str, provenance: Provenance | None = None) -> ChangeRecord:
        node_ids, identities = list(dict.fromkeys(nodes)), list(dict.fromkeys(relationships))

        def work(tx) -> list[FactChange]:
            seq = _run(tx, NEXT_SEQUENCE).single()["seq"]
            changes = self._retire(tx, seq, node_ids, identities, until, provenance)
            if changes:
                _run(tx, BUMP_VERSION, token=new_version()).consume()
            return changes

        return self._recorded(work)

    def _retire(self, tx, seq: int, node_ids: list[str], identities: list[RelationshipRef], until: str,
                provenance: Provenance | None) -> list[FactChange]:
        found_nodes, found_relationships = self._locked(tx, seq, node_ids, identities, until)
        changes = []
        node_rows = []
        for node in found_nodes:
            after = retired_version(node, until, provenance)
            if after is not None:
                changes.append(FactChange("retired", node, after))
                node_rows.append([node.id, until, after.digest(), *_provenance_cells(after)])
        rel_rows: dict[str, list] = defaultdict(list)
        for rel in found_relationships:
            after = retired_version(rel, until, provenance)
            if after is not None:
                changes.append(FactChange("retired", rel, after))
                rel_rows[rel.type].append([list(rel.identity), until, after.digest(), *_provenance_cells(after)])
        _run(tx, RETIRE_NODES, rows=node_rows).consume()
        for rel_type, rows in rel_rows.items():
            _run(tx, RETIRE_RELATIONSHIPS[rel_type], rows=rows).consume()
        return changes

    def delete(self, nodes: Iterable[str] = (), relationships: Iterable[RelationshipRef] = (),
               provenance: Provenance | None = None) -> ChangeRecord:
        node_ids, identities = list(dict.fromkeys(nodes)), list(dict.fromkeys(relationships))

        def work(tx) -> list[FactChange]:
            seq = _run(tx, NEXT_SEQUENCE).single()["seq"]
            changes = self._delete(tx, seq, node_ids, identities)
            if changes:
                _run(tx, BUMP_VERSION, token=new_version()).consume()
            return changes

        return self._recorded(work)

    def _delete(self, tx, seq: int, node_ids: list[str], identities: list[RelationshipRef],
                edit: Edit | None = None) -> list[FactChange]:
        found_nodes, found_relationships = self._locked(tx, seq, node_ids, identities, None)
        if edit is not None and (others := unnamed_attached(edit, found_relationships)):
            raise Conflict(others)
        by_type: dict[str, list] = defaultdict(list)
        for rel in found_relationships:
            by_type[rel.type].append(list(rel.identity))
        for rel_type, rows in by_type.items():
            _run(tx, DELETE_RELATIONSHIPS[rel_type], rows=rows).consume()
        _run(tx, DELETE_NODES, ids=[node.id for node in found_nodes]).consume()
        _run(tx, RECORD_REMOVALS, seq=seq, nodes=[node.id for node in found_nodes],
             relationships=[list(rel.identity) for rel in found_relationships]).consume()
        changes = [FactChange("deleted", rel, None) for rel in found_relationships]
        changes += [FactChange("deleted", node, None) for node in found_nodes]
        return changes

    # --- a person's change, and records -------------------------------------------------------------
    def apply(self, edit: Edit) -> ChangeRecord:
        batch = deduplicated(edit.write)

        def work(tx) -> ChangeRecord:
            record = ChangeRecord()  # made again if the driver retries the transaction
            # Taking the sequence first locks its node: writers are ordered, and the checks below see
            # what every earlier writer committed.
            seq = _run(tx, NEXT_SEQUENCE_AND_VERSION, token=new_version()).single()["seq"]
            check_expectations(edit, self._state_tags(tx, edit.expect_states), self._digests(tx, edit.expect_facts))
            nodes = {node.id: node for node in batch.nodes}
            for query, row, items, common in _node_chunks(batch.nodes):
                result = _run(tx, query, rows=[row(item) for item in items], shared=common, seq=seq).single()
                self._nodes_written(items, result, nodes, record)
            for (rel_type, *rest), group in _grouped_relationships(batch.relationships).items():
                for query, row, rels, common in _chunks(WRITE_RELATIONSHIPS[rel_type], _relationship_row,
                                                        [rel for rel, _ in group], tuple(rest)):
                    result = _run(tx, query, rows=[row(rel) for rel in rels], shared=common, seq=seq).single()
                    self._relationships_written(rels, result, record)
            changes: list[FactChange] = []
            if edit.retire_nodes or edit.retire_relationships:
                changes += self._retire(tx, seq, list(dict.fromkeys(edit.retire_nodes)),
                                        list(dict.fromkeys(edit.retire_relationships)), edit.until, edit.provenance)
            if edit.delete_nodes or edit.delete_relationships:
                changes += self._delete(tx, seq, list(dict.fromkeys(edit.delete_nodes)),
                                        list(dict.fromkeys(edit.delete_relationships)), edit)
            for change in changes:
                record.record(change)
            if edit.records is not None:
                self._put_records(tx, edit.records(record))
            return record

        return self._write(work)

    def erase(self, nodes: Iterable[str], records: Iterable[RecordPut] = ()) -> ChangeRecord:
        node_ids, records = list(dict.fromkeys(nodes)), list(records)

        def work(tx) -> list[FactChange]:
            seq = _run(tx, NEXT_SEQUENCE).single()["seq"]
            changes = self._delete(tx, seq, node_ids, [])
            _run(tx, "MATCH (x:MaillageRemoval) WHERE x.node IN $ids OR x.source IN $ids OR x.target IN $ids DELETE x",
                 ids=node_ids).consume()
            self._put_records(tx, records)
            _run(tx, NEW_EPOCH, token=new_version()).consume()
            _run(tx, BUMP_VERSION, token=new_version()).consume()
            return changes

        return self._recorded(work)

    @staticmethod
    def _state_tags(tx, node_ids: Iterable[str]) -> dict[str, str]:
        ids = list(node_ids)
        if not ids:
            return {}
        return {r["id"]: state_tag(r["hash"], r["owned"])
                for r in _run(tx, STATE_HASHES, ids=ids, owned=list(schema.OWNED_TYPES))}

    @staticmethod
    def _digests(tx, refs: Iterable[NodeRef | RelationshipRef]) -> dict:
        refs = list(refs)
        found: dict = {}
        ids = [ref for ref in refs if isinstance(ref, str)]
        if ids:
            found.update((r["id"], r["hash"]) for r in _run(tx, NODE_DIGESTS, ids=ids))
        by_type: dict[str, list] = defaultdict(list)
        for ref in refs:
            if not isinstance(ref, str) and ref[0] in schema.RELATIONSHIP_TYPES:
                by_type[ref[0]].append([ref[1], ref[2], ref[3]])
        for rel_type, rows in by_type.items():
            found.update(((rel_type, r["source"], r["target"], r["key"]), r["hash"])
                         for r in _run(tx, RELATIONSHIP_DIGESTS[rel_type], rows=rows))
        return found

    def _read(self, work: Callable):
        with self.driver.session(database=self.database) as session:
            return session.execute_read(work)

    def state_tags(self, node_ids: Iterable[str]) -> dict[str, str]:
        ids = list(node_ids)
        return self._read(lambda tx: self._state_tags(tx, ids))

    def fact_digests(self, refs: Iterable[NodeRef | RelationshipRef]) -> dict:
        refs = list(refs)
        return self._read(lambda tx: self._digests(tx, refs))

    def outgoing(self, node_id: str, types: Iterable[str]) -> list[Relationship]:
        records = self._lookup(_plan_once(
            "MATCH (a:Entity {id: $id})-[r]->(b:Entity) WHERE type(r) IN $types "
            "RETURN type(r) AS type, b.id AS target, properties(r) AS props"), id=node_id, types=list(types))
        found = [self._relationship(r["type"], node_id, r["target"], r["props"]) for r in records]
        return sorted(found, key=lambda rel: rel.identity)

    @staticmethod
    def _put_records(tx, records: Iterable[RecordPut]) -> None:
        records = list(records)
        rows = [[_record_id(c, k), c, k, json.dumps(v, ensure_ascii=False, sort_keys=True)]
                for c, k, v in records if v is not None]
        removed = [_record_id(c, k) for c, k, v in records if v is None]
        for start in range(0, len(rows), 1000):
            _run(tx, PUT_RECORDS, rows=rows[start:start + 1000]).consume()
        if removed:
            _run(tx, REMOVE_RECORDS, rids=removed).consume()

    def put_records(self, records: Iterable[RecordPut]) -> None:
        records = list(records)

        def work(tx) -> None:
            _run(tx, LOCK_WRITERS).consume()  # a backup in progress sees these records whole or not at all
            self._put_records(tx, records)

        self._write(work)

    def get_record(self, collection: str, key: str) -> dict | None:
        records = self._lookup(GET_RECORD, rid=_record_id(collection, key))
        return json.loads(records[0]["value"]) if records else None

    def get_records(self, keys: Iterable[tuple[str, str]]) -> list[dict | None]:
        rids = [_record_id(collection, key) for collection, key in keys]
        found = {r["rid"]: json.loads(r["value"]) for r in self._lookup(GET_RECORDS, rids=list(dict.fromkeys(rids)))}
        return [found.get(rid) for rid in rids]

    def records_and_mark(self, keys: Iterable[tuple[str, str]]) -> tuple[list[dict | None], tuple | None]:
        rids = [_record_id(collection, key) for collection, key in keys]
        record = self._lookup(RECORDS_AND_MARK, rids=list(dict.fromkeys(rids)))[0]
        found = {rid: json.loads(value) for rid, value in record["found"] if value is not None}
        return [found.get(rid) for rid in rids], _mark_of(record)

    def records(self, collection: str, prefix: str = "") -> list[tuple[str, dict]]:
        records = self._lookup(LIST_RECORDS, collection=collection, prefix=prefix)
        return [(r["key"], json.loads(r["value"])) for r in records]

    def dump(self) -> Dump:
        """Read in one transaction holding the writers' lock (Neo4j reads see each commit as it lands, so a
        plain read transaction could see half of a change made meanwhile): writes wait for the read's length,
        then go on. Rolled back: the lock is all it takes."""
        with self.driver.session(database=self.database, fetch_size=STREAM_FETCH) as session, \
                session.begin_transaction() as tx:
            _run(tx, LOCK_WRITERS).consume()
            nodes = list(self._paged_nodes(tx))
            relationships = self._all_relationships(tx, list(schema.RELATIONSHIP_TYPES))
            records = [(r["collection"], r["key"], json.loads(r["value"])) for r in _run(tx, ALL_RECORDS)]
            tx.rollback()
        return Dump(nodes, relationships, records)

    def _write(self, work: Callable):
        """What *work* returns, run in one managed write transaction; rolled back instead of committed while this
        thread rehearses (:meth:`prepare_writes`)."""
        with self.driver.session(database=self.database) as session:
            if not getattr(self._rehearsing, "active", False):
                return session.execute_write(work)
            with session.begin_transaction() as tx:
                try:
                    return work(tx)
                finally:
                    tx.rollback()

    def prepare_writes(self) -> None:
        """Make, rolled back, one write of every kind a person makes (every type of node and relationship written,
        retired and deleted, with preconditions and records), and the reads before them.

        Neo4j plans a query the first time it sees it (then keeps the plan): on a server that has just started,
        a person's first declaration took 400 to 600 ms instead of 25, and a first edit or survey answer some
        hundreds. A server asks this once it has read its snapshot, in the background, and again when the
        store answers after an outage (a restarted Neo4j has forgotten its plans). The rehearsal is the real
        code path, not a list of queries to keep in step with it: the plans are those of the same query texts
        with parameters of the same types, in transactions in the same state.
        """
        nodes = [Node(label, f"{REHEARSAL}-{label}", label) for label in schema.NODE_KINDS]
        ends = [node.id for node in nodes[:2]]
        until = "2000-01-01"
        records: list[RecordPut] = [(REHEARSAL, "record", {"rehearsal": True})]
        history = lambda _: records  # an edit's records, from its change record
        edits = [Edit(Batch(nodes), retire_nodes=[nodes[-1].id], until=until,
                      expect_states={node.id: None for node in nodes}, records=history),
                 Edit(Batch(nodes), delete_nodes=[nodes[-1].id], expect_facts={node.id: None for node in nodes},
                      records=history)]
        relationships = [Relationship(rel_type, ends[0], ends[1], REHEARSAL) for rel_type in schema.RELATIONSHIP_TYPES]
        for rel in relationships:  # a transaction each: writers wait for one, not for all
            edits += [Edit(Batch(nodes[:2], [rel]), retire_relationships=[rel.identity], until=until,
                           expect_facts={rel.identity: None}, records=history),
                      Edit(Batch(nodes[:2], [rel]), delete_relationships=[rel.identity], records=history)]
        self._rehearsing.active = True
        try:
            for edit in edits:
                self.apply(edit)
            self.retire(ends, [relationships[0].identity], until=until)
            self.delete(ends, [relationships[0].identity])
            self.put_records(records)
        finally:
            self._rehearsing.active = False
        self.get_node(ends[0])
        self.outgoing(ends[0], list(schema.RELATIONSHIP_TYPES))
        self.state_tags(ends)
        self.fact_digests([*ends, relationships[0].identity])
        self.get_record(REHEARSAL, "record")
        self.records(REHEARSAL)

    def _recorded(self, work: Callable) -> ChangeRecord:
        """Run *work* in one managed write transaction; its changes, once committed, as a record."""
        changes = self._write(work)
        record = ChangeRecord()
        for change in changes:
            record.record(change)
        return record

    def version(self) -> str:
        records = self._lookup(READ_VERSION)
        return records[0]["value"] if records else ""

    def mark(self) -> tuple:
        return _mark_of(self._lookup(READ_MARK)[0])

    def keep_snapshot(self, mark: tuple, data: bytes) -> bool:
        epoch, seq = mark
        parts = [data[start:start + SNAPSHOT_PART] for start in range(0, len(data), SNAPSHOT_PART)]

        def work(tx) -> bool:
            found = _run(tx, LOCK_EPOCH_FOR_SNAPSHOT, epoch=epoch).single()
            if found is None or (found["kept"] is not None and found["kept"] > seq):
                return False
            _run(tx, DELETE_SNAPSHOT).consume()
            _run(tx, WRITE_SNAPSHOT, epoch=epoch, seq=seq, parts=parts).consume()
            return True

        return self._write(work)

    def _kept_parts(self, data: bool) -> list | None:
        """The kept snapshot's parts, complete and of one write, for the current epoch (None: none)."""
        parts = self._read(lambda tx: [dict(record) for record in _run(tx, KEPT_SNAPSHOT, data=data)])
        if not parts or len(parts) != parts[0]["parts"] or len({part["seq"] for part in parts}) != 1:
            return None
        return parts

    def kept_snapshot(self) -> bytes | None:
        parts = self._kept_parts(data=True)
        return None if parts is None else b"".join(part["data"] for part in parts)

    def kept_snapshot_mark(self) -> tuple | None:
        parts = self._kept_parts(data=False)
        return None if parts is None else (parts[0]["epoch"], parts[0]["seq"])

    def changes_since(self, mark: tuple | None) -> Changes | None:
        if mark is None:
            return None
        # A plain auto-commit query (_lookup), not a managed transaction: when the server is down, readers are
        # answered at once from the last snapshot rather than after a managed transaction's retries.
        found = self._lookup(CHANGES_SINCE, since=mark[1])[0]
        if found["epoch"] != mark[0]:
            return None
        nodes = [self._node(props, labels) for props, labels in found["nodes"]]
        relationships = [self._relationship(rel_type, source, target, props)
                         for rel_type, source, target, props in found["relationships"]]
        removed_nodes = [node for node, *_ in found["removals"] if node is not None]
        removed_relationships = [(t, s, g, k) for node, t, s, g, k in found["removals"] if node is None]
        return Changes((found["epoch"], found["now"]), nodes, relationships, removed_nodes, removed_relationships)

    def node_counts(self) -> dict[str, int]:
        counts = {}
        for label in schema.NODE_KINDS:
            records = self._lookup("MATCH (n:$($label)) RETURN count(n) AS n", label=label)
            counts[label] = records[0]["n"]
        return counts

    def relationship_counts(self) -> dict[str, int]:
        counts = {}
        for rel_type in schema.RELATIONSHIP_TYPES:
            records = self._lookup("MATCH ()-[r:$($type)]->() RETURN count(r) AS n", type=rel_type)
            counts[rel_type] = records[0]["n"]
        return counts

    def kinds_of(self, ids: Iterable[str]) -> dict[str, str]:
        records = self._lookup(
            "UNWIND $ids AS id MATCH (n:Entity {id: id}) "
            "RETURN n.id AS id, [l IN labels(n) WHERE l <> 'Entity'][0] AS kind",
            ids=list(dict.fromkeys(ids)))
        return {r["id"]: r["kind"] for r in records}

    def ids_by_property(self, name: str, values: Iterable[str]) -> dict[str, list[str]]:
        records = self._lookup(
            "MATCH (n:Entity) WHERE n[$name] IN $values RETURN n[$name] AS value, n.id AS id ORDER BY id",
            values=list(dict.fromkeys(values)), name=name)
        found: dict[str, list[str]] = {}
        for record in records:
            found.setdefault(record["value"], []).append(record["id"])
        return found

    @staticmethod
    def _node(props: dict, labels: Iterable[str]) -> Node:
        kind = next(label for label in labels if label != schema.ENTITY_LABEL)
        return Node(shared(kind), shared(props["id"]), props.get("name", ""), shared_properties(props, INTERNAL),
                    Provenance.from_properties(props))

    def get_node(self, node_id: str) -> Node | None:
        records = self._lookup(_plan_once(
            "MATCH (n:Entity {id: $id}) RETURN properties(n) AS props, labels(n) AS labels"), id=node_id)
        return self._node(records[0]["props"], records[0]["labels"]) if records else None

    def nodes(self, kind: str | None = None) -> Iterator[Node]:
        if kind is not None:
            return self._nodes_of_kind(kind)
        with self.driver.session(database=self.database) as session:
            return iter(self._plugin_or_cypher(lambda: self._plugin_nodes(session),
                                               lambda: list(self._paged_nodes(session))))

    def _nodes_of_kind(self, kind: str) -> Iterator[Node]:
        with self.driver.session(database=self.database) as session:
            yield from self._paged_nodes(session, kind)

    def _plugin_nodes(self, runner) -> list[Node]:
        """What :meth:`_paged_nodes` reads of every node, through Maillage's plugin (the same nodes, in order)."""
        return [node for record in _run(runner, PLUGIN_NODES, per_part=self.plugin_part)
                for node in snapshot_file.nodes_of(marshal.loads(record["data"]))]

    def _plugin_or_cypher(self, through_plugin: Callable[[], list], through_cypher: Callable[[], list]) -> list:
        """What *through_plugin* reads, unless the server has no plugin (not asked again) or the call failed (a
        property it cannot write): then what *through_cypher* reads."""
        if self.plugin is not False:
            try:
                found = through_plugin()
                self.plugin = True
                return found
            except ClientError as error:
                if error.code == PLUGIN_MISSING:
                    self.plugin = False
                else:
                    log.warning("Maillage's Neo4j plugin failed, read through Cypher: %s", error.message)
        return through_cypher()

    @classmethod
    def _paged_nodes(cls, runner, kind: str | None = None) -> Iterator[Node]:
        """Every node (of *kind*), in order of id, read through *runner* (a session or a transaction) in pages.
        Read by a session, a node written meanwhile may be missed or seen: it comes again with the changes since
        the mark the reader took before (graph.territory)."""
        after = ""  # below every id (an identifier is never empty: graph.rules)
        while True:
            record = _run(runner, NODE_PAGE, after=after, kind=kind, size=NODE_PAGE_SIZE).single()
            if record["last"] is None:
                return
            for props, labels in record["nodes"]:
                yield cls._node(props, labels)
            after = record["last"]

    @staticmethod
    def _relationship(rel_type: str, source: str, target: str, props: dict) -> Relationship:
        # model.shared_properties and Provenance.from_properties, inlined: a whole read makes a million of these,
        # and the calls cost 0.8 to 2 s of a métropole's 11 (measured side by side in one run). The names a
        # fact's properties have are looked up once per set of names (_USER_KEYS), not interned one by one.
        intern = sys.intern
        shape = tuple(props)
        keys = _USER_KEYS.get(shape)
        if keys is None:
            keys = _user_keys(shape)
        user = {}
        for name in keys:
            value = props[name]
            user[name] = intern(value) if value.__class__ is str and len(value) <= SHARED_TEXT_LENGTH else value
        get = props.get
        provenance = Provenance(intern(get("prov_source") or ""), get("prov_line"),
                                intern(get("prov_kind") or "file"), intern(get("prov_at") or ""))
        return Relationship(intern(rel_type), shared(source), shared(target), shared(get("key", "")), user,
                            provenance)

    def relationships(self, types: Iterable[str] | None = None, seen: Seen | None = None) -> Iterator[Relationship]:
        wanted = list(schema.RELATIONSHIP_TYPES if types is None else types)
        with self.driver.session(database=self.database, fetch_size=STREAM_FETCH // 4) as session:
            return iter(self._plugin_or_cypher(lambda: self._plugin_relationships(session, wanted, seen),
                                               lambda: self._all_relationships(session, wanted, seen)))

    def _plugin_relationships(self, runner, types: list[str], seen: Seen | None = None) -> list[Relationship]:
        """What :meth:`_all_relationships` reads, through Maillage's plugin (the same facts, in the same order)."""
        by_type: dict[str, list[Relationship]] = defaultdict(list)
        for record in _run(runner, PLUGIN_RELATIONSHIPS, types=types, per_part=self.plugin_part):
            part = list(snapshot_file.relationships_of(marshal.loads(record["data"])))
            for rel in part:
                by_type[rel.type].append(rel)
            if seen is not None:
                seen(part)
        return [rel for rel_type in sorted(by_type) for rel in by_type[rel_type]]

    @classmethod
    def _all_relationships(cls, runner, types: list[str], seen: Seen | None = None) -> list[Relationship]:
        """Every relationship of *types*, read through *runner* (a session or a transaction), by identity."""
        by_type: dict[str, list[Relationship]] = defaultdict(list)
        relationship = cls._relationship
        in_order = True  # identifiers are ASCII (schema.is_valid_id), ordered alike by Neo4j and Python
        for record in _run(runner, ALL_RELATIONSHIPS, types=types, sources_per_record=SOURCES_PER_RECORD):
            part = []
            for source, out in record["page"]:
                source = shared(source)  # once per node, not once per relationship
                in_order = in_order and source.isascii()
                for rel_type, target, props in out:
                    rel = relationship(rel_type, source, target, props)
                    by_type[rel.type].append(rel)
                    part.append(rel)
                    if not (rel.target.isascii() and rel.key.isascii()):
                        in_order = False
            if seen is not None:
                seen(part)
        found = [rel for rel_type in sorted(by_type) for rel in by_type[rel_type]]
        if not in_order:  # another collation could order these texts otherwise: Python's order is the contract
            found.sort(key=attrgetter("type", "source", "target", "key"))
        return found

    def clear(self) -> None:
        # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
        with self.driver.session(database=self.database) as session:
            # Relationships first: a batch of densely tied nodes would hold too many in one transaction.
            _run(session, "MATCH (:Entity)-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS").consume()
            _run(session, "MATCH (n:Entity) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
            _run(session, "MATCH (x:MaillageRemoval) CALL (x) { DELETE x } IN TRANSACTIONS OF 10000 ROWS").consume()
            _run(session, "MATCH (x:MaillageRecord) CALL (x) { DELETE x } IN TRANSACTIONS OF 10000 ROWS").consume()
        self._query(NEW_EPOCH, token=new_version())
        self._query(BUMP_VERSION, token=new_version())

    def close(self) -> None:
        self.driver.close()
