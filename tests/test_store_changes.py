"""Retire and delete in the store contract, the change record of every write, and the snapshot that
learns of them incrementally: every test runs on the embedded store and on a real Neo4j."""
from __future__ import annotations

import tempfile
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.model import Batch, Node, Provenance, Relationship
from graph.stores.base import Edit
from graph.stores.embedded import EmbeddedStore
from graph.territory import TerritoryCache
from tests.test_store_contract import PROV, small_batch

LATER = Provenance("correction", None, "user", "2026-03-01T10:00:00+00:00")
COOPERATION = ("COOPERATES_WITH", "ag-1", "ag-2", "travail")
FUNDING = ("FUNDS", "svc-a", "asso-1", "d-2024-12")


def test_a_write_records_each_fact_it_changed_with_its_before_and_after(store):
    first = store.write(small_batch())
    assert {change.op for change in first.changes} == {"created"}
    assert len(first.changes) == 13 and all(change.before is None for change in first.changes)
    newer = Node("Agent", "ag-1", "Agent Un", {"service": "svc-a", "job_title": "cheffe"}, LATER)
    second = store.write(Batch([newer, small_batch().nodes[2]], []))
    [change] = list(second.changes)
    assert (change.op, change.ref) == ("updated", "ag-1")
    assert change.before.properties["job_title"] == "technicien" and change.before.provenance == PROV
    assert change.after == newer
    assert (second.nodes_updated, second.nodes_unchanged) == (1, 1)


def test_retiring_a_tie_ends_it_and_keeps_it(store):
    store.write(small_batch())
    version, mark = store.version(), store.mark()
    record = store.retire(relationships=[COOPERATION], until="2025-12-31", provenance=LATER)
    assert record.relationships_retired == 1 and store.version() != version
    [change] = list(record.changes)
    assert change.op == "retired" and "until" not in change.before.properties
    assert change.after.properties["until"] == "2025-12-31" and change.after.provenance == LATER
    stored = {rel.identity: rel for rel in store.relationships(["COOPERATES_WITH"])}[COOPERATION]
    assert stored.properties == {"nature": "travail", "frequency": "hebdomadaire", "since": "2020-01-01",
                                 "until": "2025-12-31"}
    assert stored.provenance == LATER
    changes = store.changes_since(mark)
    assert [rel.identity for rel in changes.relationships] == [COOPERATION] and not changes.removed_relationships
    again = store.retire(relationships=[COOPERATION], until="2026-06-30")
    assert again.changed == 0, "a tie that already ended is left alone"


def test_retiring_an_actor_ends_its_ties_still_valid(store):
    store.write(small_batch())
    record = store.retire(nodes=["ag-2"], until="2026-01-31", provenance=LATER)
    assert (record.nodes_retired, record.relationships_retired) == (1, 2)  # MEMBER_OF and COOPERATES_WITH
    assert store.get_node("ag-2").properties["until"] == "2026-01-31"
    assert all(rel.properties.get("until") == "2026-01-31" for rel in store.relationships()
               if "ag-2" in (rel.source, rel.target))
    assert store.get_node("ag-1").properties.get("until") is None


def test_deleting_a_tie_removes_it_and_tells_readers(store):
    store.write(small_batch())
    mark = store.mark()
    record = store.delete(relationships=[FUNDING, ("FUNDS", "nobody", "asso-1", "x")])
    assert record.relationships_deleted == 1
    [change] = list(record.changes)
    assert change.op == "deleted" and change.after is None and change.before.properties["amount"] == 1500.5
    assert FUNDING not in {rel.identity for rel in store.relationships()}
    changes = store.changes_since(mark)
    assert changes.removed_relationships == [FUNDING] and not changes.nodes


def test_deleting_a_node_takes_its_relationships(store):
    store.write(small_batch())
    mark, version = store.mark(), store.version()
    record = store.delete(nodes=["ag-1"], provenance=LATER)
    assert (record.nodes_deleted, record.relationships_deleted) == (1, 3)
    assert store.get_node("ag-1") is None
    assert not [rel for rel in store.relationships() if "ag-1" in (rel.source, rel.target)]
    assert [change.op for change in record.changes] == ["deleted"] * 4
    assert record.changes and list(record.changes)[-1].before.name == "Agent Un"
    changes = store.changes_since(mark)
    assert changes.removed_nodes == ["ag-1"] and len(changes.removed_relationships) == 3
    assert store.version() != version
    nothing = store.delete(nodes=["ag-1"])
    assert nothing.changed == 0


def test_a_deleted_fact_written_again_is_back_for_readers(store):
    store.write(small_batch())
    cache = TerritoryCache(store)
    cache.current().network()
    store.delete(relationships=[COOPERATION])
    store.write(small_batch())
    refreshed = cache.current()
    assert COOPERATION in {rel.identity for rel in refreshed.relationships}
    assert refreshed.network().has_edge("ag-1", "ag-2")


def test_preparing_a_person_s_writes_stores_nothing_while_others_write(store):
    """The rehearsal of every kind of write (rolled back) leaves the store as it was, and writes made meanwhile by
    other threads are committed: only the rehearsing thread's transactions are rolled back."""
    store.write(small_batch())
    before = (store.version(), store.mark(), store.dump())
    store.prepare_writes()
    assert (store.version(), store.mark(), store.dump()) == before

    rehearsal = threading.Thread(target=store.prepare_writes)
    rehearsal.start()
    written = []
    while rehearsal.is_alive() or not written:
        node = Node("Agent", f"ag-pendant-{len(written)}", "Agent Pendant", {}, PROV)
        store.apply(Edit(Batch([node], [])))
        written.append(node.id)
    rehearsal.join()
    assert {node.id for node in store.dump().nodes} >= set(written)
    assert store.changes_since(before[1]).size == len(written)


# --- property: the incremental snapshot equals a full read after any sequence of changes --------------
ACTORS = {"a1": "Agent", "a2": "Agent", "a3": "Agent", "o4": "Partner", "o5": "Association"}
PROJECTS = ("p1", "p2")
DATES = ("2023-01-01", "2024-06-30", "2026-01-01")
P = Provenance("prop.csv", 1, "file", "2026-01-01T00:00:00+00:00")


def _node(node_id: str, kind: str | None = None, name: str = "x") -> Node:
    if node_id in PROJECTS:
        return Node("Project", node_id, name, {"since": "2022-01-01"}, P)
    if node_id == "s1":
        return Node("Service", "s1", name, {}, P)
    return Node(kind or ACTORS[node_id], node_id, name, {}, P)


actor = st.sampled_from(sorted(ACTORS))
relationship = st.one_of(
    st.builds(lambda a, p, role: Relationship("PARTICIPATES_IN", a, p, role, {"role": role}, P),
              actor, st.sampled_from(PROJECTS), st.sampled_from(["lead", "partner"])),
    st.builds(lambda a, b, f: Relationship("COOPERATES_WITH", a, b, "t", {"frequency": f}, P),
              actor, actor, st.sampled_from(["hebdomadaire", "mensuelle"])).filter(lambda r: r.source != r.target),
    st.builds(lambda a, b, amount: Relationship("FUNDS", a, b, "f", {"amount": amount}, P),
              actor, st.sampled_from(sorted(ACTORS) + list(PROJECTS)), st.integers(1, 3)).filter(
        lambda r: r.source != r.target),
    st.builds(lambda a: Relationship("MEMBER_OF", a, "s1", "", {}, P), st.sampled_from(["a1", "a2", "a3"])),
)
write = st.builds(lambda rels, names: ("write", rels, names),
                  st.lists(relationship, min_size=1, max_size=4), st.lists(st.sampled_from(sorted(ACTORS)), max_size=2))
flip = st.builds(lambda kind: ("flip", kind), st.sampled_from(["Partner", "Association"]))
reference = st.one_of(st.sampled_from(sorted(ACTORS) + list(PROJECTS)), relationship.map(lambda r: r.identity))
retire = st.builds(lambda refs, until: ("retire", refs, until), st.lists(reference, min_size=1, max_size=3),
                   st.sampled_from(DATES))
delete = st.builds(lambda refs: ("delete", refs), st.lists(reference, min_size=1, max_size=3))
operations = st.lists(st.one_of(write, write, flip, retire, delete), min_size=1, max_size=7)


def _apply(store, operation) -> None:
    name = operation[0]
    if name == "write":
        _, rels, renamed = operation
        ends = {end for rel in rels for end in (rel.source, rel.target)}
        nodes = [_node(end) for end in sorted(ends)] + [_node(a, name="renamed") for a in renamed]
        store.write(Batch(nodes, rels))
    elif name == "flip":
        store.write(Batch([_node("o4", operation[1])], []))
    else:
        refs = operation[1]
        nodes = [ref for ref in refs if isinstance(ref, str)]
        relationships = [ref for ref in refs if not isinstance(ref, str)]
        if name == "retire":
            store.retire(nodes, relationships, until=operation[2], provenance=LATER)
        else:
            store.delete(nodes, relationships)


def _network(g):
    return ({n: d for n, d in g.nodes(data=True)}, {tuple(sorted((u, v))): d for u, v, d in g.edges(data=True)})


def _check_incremental_equals_full(store, steps) -> None:
    store.clear()
    cache = TerritoryCache(store)
    cache.current().network()
    for operation in steps:
        _apply(store, operation)
        refreshed = cache.current()
        full = TerritoryCache(store).current()
        assert refreshed.nodes == full.nodes, operation
        assert refreshed.relationships == full.relationships, operation
        assert None in refreshed._networks, "the network was patched, not projected anew"
        assert _network(refreshed.network()) == _network(full.network()), operation
        assert _network(refreshed.network("2024-06-30")) == _network(full.network("2024-06-30"))


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(steps=operations)
def test_incremental_snapshot_equals_a_full_read_on_the_embedded_store(steps):
    with tempfile.TemporaryDirectory() as folder, EmbeddedStore(folder) as store:
        _check_incremental_equals_full(store, steps)


@pytest.mark.neo4j
@PROPERTY
@given(steps=operations)
def test_incremental_snapshot_equals_a_full_read_on_neo4j(neo4j_store, steps):
    _check_incremental_equals_full(neo4j_store, steps)


def test_a_large_change_log_spills_to_disk_and_reads_back_in_order(monkeypatch):
    from graph.model import ChangeLog, FactChange

    monkeypatch.setattr(ChangeLog, "IN_MEMORY", 100)
    facts = [Relationship("COOPERATES_WITH", f"a{i}", f"b{i}", "k", {"n": i}, Provenance("f.csv", i))
             for i in range(1050)]
    log = ChangeLog(FactChange("created", None, fact) for fact in facts[:1000])
    log.append(FactChange("updated", facts[1000], facts[1001]))
    log.append(FactChange("deleted", Node("Agent", "x", "X", {"job_title": "t"}, None), None))
    assert len(log) == 1002 and log._spilled == 1000
    back = list(log)
    assert [c.after for c in back[:1000]] == facts[:1000]
    assert (back[1000].before, back[1000].after) == (facts[1000], facts[1001])
    assert back[1001].before == Node("Agent", "x", "X", {"job_title": "t"}, None) and back[1001].after is None
