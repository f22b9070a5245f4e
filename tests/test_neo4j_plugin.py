"""Maillage's Neo4j plugin (neo4j-plugin/): a whole read through it gives the nodes and facts a read through Cypher
gives, in the same order, with the same texts shared; a server without it, or a property it cannot carry, is read
through Cypher. The suite's Neo4j loads it from its plugins folder, as a real server would."""
from __future__ import annotations

import logging
import os

from graph import schema
from graph.model import SHARED_TEXT_LENGTH, Batch, Node, Provenance, Relationship
from graph.stores.neo4j_store import Neo4jStore
from importers.pipeline import import_files
from tests.conftest import EXAMPLE

LONG = "une coopération décrite longuement " * 4  # beyond the 64 code points a shared text has at most
ODD = Provenance("saisie « Léa » 🌿", 7, "user", "2026-12-06T10:00:00+00:00")


def _odd_facts() -> Batch:
    nodes = [Node("Agent", f"ag-odd-{i}", f"Agent {i} 🌿") for i in range(3)]
    properties = [
        {"nature": "échange 🌿", "frequency": "mensuelle", "since": "2024-01-01"},  # beyond U+FFFF
        {"nature": LONG, "amount": 12.5, "confirmed": True, "count": 2**40, "debt": -(2**40) - 5,
         "small": -3, "tags": ["a", "é", LONG], "scores": [1.5, 2.0], "flags": [True, False], "years": [2024, 2025]},
        {"nature": "", "origin": "atelier:forum"},
    ]
    rels = [Relationship("COOPERATES_WITH", "ag-odd-0", "ag-odd-1", key, props, ODD)
            for key, props in zip(["clé é", "\U0001f33f", "zz"], properties, strict=True)]
    rels.append(Relationship("COOPERATES_WITH", "ag-odd-0", "ag-odd-2", "\uffff", {}, Provenance("")))
    rels.append(Relationship("COOPERATES_WITH", "ag-odd-0", "ag-odd-2", "\U00010000", {}, None))
    return Batch(nodes, rels)


def _store(uri: str, **settings) -> Neo4jStore:
    """A store on *uri* with the suite's credentials and *settings* (Neo4jStore's)."""
    return Neo4jStore(uri, os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", "test"),
                      os.environ.get("NEO4J_DATABASE") or None, **settings)


def _through_cypher(store) -> list[Relationship]:
    with store.driver.session() as session:
        return store._all_relationships(session, list(schema.RELATIONSHIP_TYPES))


def test_a_whole_read_through_the_plugin_is_the_read_through_cypher(neo4j_store):
    store = neo4j_store
    import_files([EXAMPLE], store)
    store.write(_odd_facts())
    store.plugin = None
    through_plugin = list(store.relationships())
    assert store.plugin is True  # the suite's server has it
    with store.driver.session() as session:
        nodes_through_cypher = list(store._paged_nodes(session))
    nodes = list(store.nodes())
    assert nodes == nodes_through_cypher and len(nodes) > 100
    for mine, theirs in zip(nodes, nodes_through_cypher, strict=True):
        assert list(mine.properties) == list(theirs.properties) and mine.kind is theirs.kind
        assert all(mine.properties[k] is v for k, v in theirs.properties.items()
                   if type(v) is str and len(v) <= SHARED_TEXT_LENGTH)
    expected = _through_cypher(store)
    assert through_plugin == expected and len(expected) > 700
    for mine, theirs in zip(through_plugin, expected, strict=True):
        assert list(mine.properties) == list(theirs.properties)  # the same order of properties
        for a, b in ((mine.type, theirs.type), (mine.source, theirs.source), (mine.key, theirs.key),
                     *zip(mine.properties, theirs.properties, strict=True),
                     *((mine.properties[k], theirs.properties[k]) for k in mine.properties)):
            if type(b) is str and len(b) <= SHARED_TEXT_LENGTH:  # shared by both reads: the same object
                assert a is b
        if theirs.provenance is not None:
            assert mine.provenance.source is theirs.provenance.source and mine.provenance.at is theirs.provenance.at
    odd = [rel for rel in through_plugin if rel.source == "ag-odd-0"]
    assert [rel.key for rel in odd] == ["clé é", "zz", "\U0001f33f", "\uffff", "\U00010000"]  # code points' order
    assert odd[2].properties["debt"] == -(2**40) - 5 and odd[2].properties["tags"][2] == LONG
    assert odd[2].properties["nature"] == LONG != odd[2].properties["tags"][2][:-1] + "."


def test_a_property_the_plugin_cannot_carry_is_read_through_cypher(neo4j_store, caplog, request):
    """A date (a Neo4j type marshal has not) on the last source's tie and on a node: the plugin fails halfway,
    after parts were read and the network began to be built from them; the whole read is Cypher's, and the
    snapshot's network is the one of its facts, not of those read twice."""
    from graph.cooperation import cooperation_network
    from graph.territory import TerritoryCache
    from tests.test_snapshot_refresh import network_content

    import_files([EXAMPLE], neo4j_store)
    store = _store(neo4j_store.uri, plugin_part=40)  # several parts before the one that fails
    request.addfinalizer(store.close)
    store.driver.execute_query("MATCH (a:Entity)-[r:COOPERATES_WITH]->() WITH r ORDER BY a.id DESC LIMIT 1 "
                               "SET r.on = date('2026-01-02')")
    store.driver.execute_query("MATCH (n:Entity {id: 'ag-00003'}) SET n.born = date('1990-01-02')")
    logger = logging.getLogger("maillage.store")
    logger.addHandler(caplog.handler)
    try:
        found = list(store.relationships())
        snapshot = TerritoryCache(store).current()
    finally:
        logger.removeHandler(caplog.handler)
    assert "read through Cypher" in caplog.text and store.plugin is not False
    assert found == _through_cypher(store) == snapshot.relationships
    with store.driver.session() as session:
        assert list(snapshot.nodes.values()) == list(store._paged_nodes(session))
    fresh = cooperation_network(snapshot.nodes.values(), snapshot.facts())
    assert network_content(snapshot.network()) == network_content(fresh)


def test_a_server_without_the_plugin_is_read_through_cypher():
    """A Neo4j installed without the plugin (one started here with an empty plugins folder): Cypher, and the
    plugin is not asked again."""
    from tests import neo4j_server

    server = neo4j_server.start(plugins=False)
    try:
        store = _store(server.uri)
        try:
            import_files([EXAMPLE], store)
            assert list(store.relationships()) == _through_cypher(store) and store.plugin is False
            with store.driver.session() as session:
                assert list(store.nodes()) == list(store._paged_nodes(session))
        finally:
            store.close()
    finally:
        server.stop()
