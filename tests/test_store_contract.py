"""The store contract: every test here runs on the embedded store and on a real Neo4j."""
from __future__ import annotations

import networkx as nx
import pytest

from graph import schema
from graph.cooperation import store_cooperation_network
from graph.model import Batch, Node, Provenance, Relationship
from importers.pipeline import import_files
from tests.conftest import EXAMPLE

PROV = Provenance("test.csv", 3, "file", "2026-01-01T00:00:00+00:00")


def small_batch() -> Batch:
    return Batch(
        nodes=[
            Node("Service", "svc-a", "Service A", {"category": "service"}, PROV),
            Node("Agent", "ag-1", "Agent Un", {"service": "svc-a", "job_title": "technicien"}, PROV),
            Node("Agent", "ag-2", "Agent Deux", {"service": "svc-a"}, PROV),
            Node("Association", "asso-1", "Les Jardins", {"rna": "W761234567", "commune": "76999"}, PROV),
            Node("Project", "proj-1", "Projet", {"status": "en cours", "since": "2024-01-01"}, PROV),
            Node("Theme", "theme-energie", "Énergie", {}, PROV),
        ],
        relationships=[
            Relationship("MEMBER_OF", "ag-1", "svc-a", "", {"role": "agent"}, PROV),
            Relationship("MEMBER_OF", "ag-2", "svc-a", "", {}, PROV),
            Relationship("PARTICIPATES_IN", "ag-1", "proj-1", "lead", {"role": "lead"}, PROV),
            Relationship("PARTICIPATES_IN", "asso-1", "proj-1", "partner", {"role": "partner"}, PROV),
            Relationship("COOPERATES_WITH", "ag-1", "ag-2", "travail",
                         {"nature": "travail", "frequency": "hebdomadaire", "since": "2020-01-01"}, PROV),
            Relationship("FUNDS", "svc-a", "asso-1", "d-2024-12", {"amount": 1500.5, "date": "2024-03-01"}, PROV),
            Relationship("ADDRESSES", "proj-1", "theme-energie", "", {}, PROV),
        ],
    )


def test_write_then_read_back_nodes_relationships_and_provenance(store):
    summary = store.write(small_batch())
    assert (summary.nodes_created, summary.relationships_created) == (6, 7)
    counts = store.node_counts()
    assert counts["Agent"] == 2 and counts["Theme"] == 1 and counts["Elected"] == 0
    assert set(counts) == set(schema.NODE_KINDS)
    assert store.relationship_counts()["MEMBER_OF"] == 2
    node = store.get_node("ag-1")
    assert node.kind == "Agent" and node.name == "Agent Un"
    assert node.properties == {"service": "svc-a", "job_title": "technicien"}
    assert node.provenance == PROV
    assert store.get_node("nobody") is None
    assert [n.id for n in store.nodes("Agent")] == ["ag-1", "ag-2"]
    funds = list(store.relationships(["FUNDS"]))
    assert len(funds) == 1
    assert funds[0].properties == {"amount": 1500.5, "date": "2024-03-01"}
    assert funds[0].key == "d-2024-12" and funds[0].provenance == PROV
    assert store.kinds_of(["ag-1", "proj-1", "ghost"]) == {"ag-1": "Agent", "proj-1": "Project"}


def test_rewriting_the_same_facts_changes_nothing(store):
    store.write(small_batch())
    again = store.write(small_batch())
    assert again.as_dict() == {"nodes_created": 0, "nodes_updated": 0, "nodes_unchanged": 6,
                               "relationships_created": 0, "relationships_updated": 0,
                               "relationships_unchanged": 7, "nodes_retired": 0, "nodes_deleted": 0,
                               "relationships_retired": 0, "relationships_deleted": 0}
    assert not again.changes


def test_a_changed_fact_is_updated_with_its_new_provenance(store):
    store.write(small_batch())
    newer = Provenance("test-v2.csv", 9, "file", "2026-02-01T00:00:00+00:00")
    changed = Batch(
        [Node("Agent", "ag-1", "Agent Un", {"service": "svc-a", "job_title": "cheffe d'équipe"}, newer)],
        [Relationship("FUNDS", "svc-a", "asso-1", "d-2024-12", {"amount": 2000.0, "date": "2024-03-01"}, newer)])
    summary = store.write(changed)
    assert (summary.nodes_updated, summary.relationships_updated) == (1, 1)
    node = store.get_node("ag-1")
    assert node.properties["job_title"] == "cheffe d'équipe" and node.provenance == newer
    assert next(iter(store.relationships(["FUNDS"]))).properties["amount"] == 2000.0
    assert store.node_counts()["Agent"] == 2


def test_duplicates_inside_one_batch_are_written_once(store):
    batch = small_batch()
    batch.nodes.append(batch.nodes[0])
    batch.relationships.append(batch.relationships[0])
    summary = store.write(batch)
    assert (summary.nodes_created, summary.relationships_created) == (6, 7)


def test_one_import_in_several_batches_writes_each_fact_once(store):
    """A large file comes in batches; the same fact in two of them, to nodes this import created
    (which Neo4j writes without searching), is one relationship, its last version kept."""
    first = small_batch()
    later_funds = Relationship("FUNDS", "svc-a", "asso-1", "d-2024-12", {"amount": 99.0, "date": "2024-03-01"}, PROV)
    second = Batch([], [first.relationships[0], later_funds])
    summary = store.write_many([first, second], 6 + 7 + 2)
    assert (summary.nodes_created, summary.relationships_created) == (6, 7)
    assert summary.relationships_updated == 1 and summary.relationships_unchanged == 1
    assert store.relationship_counts()["MEMBER_OF"] == 2 and store.relationship_counts()["FUNDS"] == 1
    assert next(iter(store.relationships(["FUNDS"]))).properties["amount"] == 99.0
    again = store.write_many([small_batch()], 13)
    assert (again.relationships_created, again.relationships_unchanged) == (0, 6)
    assert again.relationships_updated == 1  # the amount goes back to the first batch's


def test_properties_the_schema_does_not_name_are_kept_and_replaced_like_the_others(store):
    """Neo4j sends the schema's properties as columns and any other in a map: both must round-trip,
    and a newer version of a fact replaces them all."""
    node = Node("Partner", "p-1", "Régie", {"commune": "76402", "note": "à revoir", "tags": ["a", "b"]}, PROV)
    rel = Relationship("COOPERATES_WITH", "p-1", "p-2", "", {"nature": "échange", "weight": 2.5}, PROV)
    other = Node("Partner", "p-2", "Syndicat", {}, PROV)
    store.write(Batch([node, other], [rel]))
    assert store.get_node("p-1").properties == {"commune": "76402", "note": "à revoir", "tags": ["a", "b"]}
    assert next(iter(store.relationships(["COOPERATES_WITH"]))).properties == {"nature": "échange", "weight": 2.5}
    newer = Provenance("test-v2.csv", 4, "file", "2026-02-01T00:00:00+00:00")
    summary = store.write(Batch([Node("Partner", "p-1", "Régie", {"tags": ["c"]}, newer)],
                                [Relationship("COOPERATES_WITH", "p-1", "p-2", "", {"weight": 3}, newer)]))
    assert (summary.nodes_updated, summary.relationships_updated) == (1, 1)
    assert store.get_node("p-1").properties == {"tags": ["c"]}
    changed = next(iter(store.relationships(["COOPERATES_WITH"])))
    assert changed.properties == {"weight": 3} and changed.provenance == newer


def test_hostile_text_is_stored_verbatim(store):
    hostile = "x'}) MATCH (n) DETACH DELETE n //<img src=x onerror=alert(1)> « é » \u202f"
    store.write(Batch([Node("Partner", "p-1", hostile, {"description": hostile}, PROV)], []))
    assert store.get_node("p-1").name == hostile
    assert store.get_node("p-1").properties["description"] == hostile


def test_clear_removes_everything(store):
    store.write(small_batch())
    store.clear()
    assert sum(store.node_counts().values()) == 0
    assert sum(store.relationship_counts().values()) == 0


def test_schema_setup_is_idempotent(store):
    store.ensure_schema()
    store.ensure_schema()
    store.write(small_batch())
    assert store.get_node("svc-a").name == "Service A"


def test_example_territory_loads_with_the_expected_counts(store):
    result = import_files([EXAMPLE], store)
    assert result.summary.nodes_created == 253
    assert store.node_counts() == {"Agent": 110, "Service": 16, "Elected": 15, "Association": 40,
                                   "Partner": 25, "Project": 35, "Theme": 12}
    assert sum(store.relationship_counts().values()) == len(result.batch.relationships)


def _edges(graph: nx.Graph) -> dict:
    return {tuple(sorted(e)): (d["weight"], sorted(str(sorted(x.items())) for x in d["evidence"]))
            for *e, d in graph.edges(data=True)}


def test_both_stores_give_the_same_cooperation_network(embedded_store, neo4j_store):
    for store in (embedded_store, neo4j_store):
        import_files([EXAMPLE], store)
    embedded = store_cooperation_network(embedded_store)
    served = store_cooperation_network(neo4j_store)
    assert dict(embedded.nodes(data=True)) == dict(served.nodes(data=True))
    assert _edges(embedded) == _edges(served)
    assert embedded.number_of_edges() > 500
    as_of = "2021-06-30"
    assert _edges(store_cooperation_network(embedded_store, as_of)) == _edges(
        store_cooperation_network(neo4j_store, as_of))
    assert _facts(embedded_store) == _facts(neo4j_store)


def _facts(store) -> tuple[list, list]:
    """Everything stored but the import time, which differs between two imports."""
    nodes = [(n.kind, n.id, n.name, n.properties, n.provenance.source, n.provenance.line) for n in store.nodes()]
    rels = [(r.identity, r.properties, r.provenance.source, r.provenance.line) for r in store.relationships()]
    return nodes, rels


def test_neo4j_has_the_uniqueness_constraint(neo4j_store):
    records, _, _ = neo4j_store.driver.execute_query("SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type")
    assert {"labelsOrTypes": ["Entity"], "properties": ["id"], "type": "UNIQUENESS"} in [r.data() for r in records]


def test_embedded_store_survives_a_restart(tmp_path):
    from graph.stores.embedded import EmbeddedStore

    with EmbeddedStore(tmp_path) as first:
        first.write(small_batch())
    with EmbeddedStore(tmp_path) as second:
        assert second.node_counts()["Agent"] == 2
        assert second.integrity_check() == "ok"


def test_version_changes_with_every_change_and_only_then(store):
    start = store.version()
    store.write(small_batch())
    after_write = store.version()
    assert after_write != start
    store.write(small_batch())
    assert store.version() == after_write  # nothing changed
    store.clear()
    after_clear = store.version()
    assert after_clear not in (after_write, start)
    store.write(small_batch())
    assert store.version() not in (after_clear, after_write, start)


def test_nodes_are_found_by_their_identifying_properties(store):
    store.write(small_batch())
    store.write(Batch([Node("Association", "asso-2", "Doublon", {"rna": "W761234567"}, PROV),
                       Node("Partner", "p-9", "Coop", {"siret": "21060004500392"}, PROV)], []))
    assert store.ids_by_property("rna", ["W761234567", "W000000000"]) == {"W761234567": ["asso-1", "asso-2"]}
    assert store.ids_by_property("siret", ["21060004500392"]) == {"21060004500392": ["p-9"]}


@pytest.mark.parametrize("keys", [["", "z", "é", "Ω", "a", "\U0001f600", "\uff5e", "Z"], ["", "z", "a", "Z", "a-1"]],
                         ids=["any text", "ascii"])
def test_relationships_come_in_order_of_identity_across_many_sources(store, keys):
    """The order every reader relies on (a refresh merges by identity), whatever the texts: Neo4j hands
    them over a thousand sources at a time and already ordered, Python's order of texts is the contract.
    Keys with accents, other scripts and emoji, several facts between the same two nodes, more sources than
    one record holds."""
    agents = [Node("Agent", f"ag-{number:04d}", f"Agent {number}", {}, PROV) for number in range(1_203)]
    relationships = [Relationship("COOPERATES_WITH", a.id, b.id, key, {"nature": "travail"}, PROV)
                     for a, b, key in zip(agents[::-1], agents[1::7] * 8, keys * 200)]
    relationships += [Relationship("FUNDS", "svc-a", agents[1].id, key, {"amount": 1.0}, PROV) for key in keys]
    relationships += [Relationship("MEMBER_OF", a.id, "svc-a", "", {}, PROV) for a in agents]
    store.write(Batch(nodes=[Node("Service", "svc-a", "Service A", {}, PROV), *agents], relationships=relationships))
    read = list(store.relationships())
    assert len(read) == len({r.identity for r in relationships})
    assert [r.identity for r in read] == sorted(r.identity for r in read)
    assert [r.key for r in read if r.type == "FUNDS"] == sorted(keys)


def test_records_read_together_come_in_the_order_asked_with_none_where_there_is_none(store):
    store.put_records([("campaigns", "c1", {"question": "Avec qui ?"}), ("campaign-answers", "c1/ag-1", {"n": 1}),
                       ("campaign-answers", "c1/ag-10", {"n": 10})])
    assert store.get_records([("campaign-answers", "c1/ag-1"), ("campaigns", "c2"), ("campaigns", "c1"),
                              ("campaign-answers", "c1/ag-1")]) == [{"n": 1}, None, {"question": "Avec qui ?"},
                                                                    {"n": 1}]
    assert store.get_records([]) == []
    store.put_records([("campaign-answers", "c1/ag-1", None)])
    assert store.get_records([("campaign-answers", "c1/ag-1"), ("campaign-answers", "c1/ag-10")]) == [None, {"n": 10}]


def test_records_read_with_the_mark_are_those_read_alone_and_the_mark_the_store_s(store):
    """One round trip for a request's account (or survey link) and the mark of the snapshot it reads next."""
    store.put_records([("tokens", "t1", {"login": "marie"}), ("links", "l1", {"campaign": "c1"})])
    keys = [("tokens", "t1"), ("links", "l2"), ("links", "l1"), ("tokens", "t1")]
    records, mark = store.records_and_mark(keys)
    assert records == store.get_records(keys) == [{"login": "marie"}, None, {"campaign": "c1"}, {"login": "marie"}]
    assert mark == store.mark()
    store.write(small_batch())
    moved = store.records_and_mark([])
    assert moved == ([], store.mark()) and moved[1] != mark
