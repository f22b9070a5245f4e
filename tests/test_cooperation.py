"""The cooperation rule on small hand-made facts, and the structures built into the example territory."""
from __future__ import annotations

import doctest

import networkx as nx
import pytest

import graph.cooperation
from graph.cooperation import cooperation_network, frequency_weight, is_valid_at, store_cooperation_network
from graph.model import Node, Relationship
from importers.pipeline import import_files
from tests.conftest import EXAMPLE


def actors(*ids, kind="Agent"):
    return [Node(kind, i, i.upper()) for i in ids]


def test_docstring_example_runs():
    assert doctest.testmod(graph.cooperation).failed == 0


def test_project_co_participation_links_every_pair_once_per_project():
    nodes = actors("a", "b", "c") + [Node("Project", "p", "P"), Node("Project", "q", "Q")]
    facts = [Relationship("PARTICIPATES_IN", x, "p", "contributor") for x in "abc"]
    facts += [Relationship("PARTICIPATES_IN", x, "q", "lead") for x in "ab"]
    g = cooperation_network(nodes, facts)
    assert g["a"]["b"]["weight"] == 2 and g["a"]["c"]["weight"] == 1 and g["b"]["c"]["weight"] == 1
    assert sorted(e["project"] for e in g["a"]["b"]["evidence"]) == ["p", "q"]
    assert "p" not in g  # projects are where actors meet, not actors


def test_declared_cooperation_weighs_by_frequency_and_ignores_direction():
    nodes = actors("a", "b", "c")
    facts = [Relationship("COOPERATES_WITH", "a", "b", "x", {"frequency": "Quotidienne"}),
             Relationship("COOPERATES_WITH", "b", "a", "y", {"frequency": "mensuelle"}),
             Relationship("COOPERATES_WITH", "c", "a", "z", {})]
    g = cooperation_network(nodes, facts)
    assert g["a"]["b"]["weight"] == 4 + 2
    assert g["a"]["c"]["weight"] == 1
    assert [e["kind"] for e in g["a"]["b"]["evidence"]] == ["declared", "declared"]
    assert frequency_weight("hebdomadaire") == 3 and frequency_weight(None) == 1


def test_funding_links_funder_and_beneficiary_and_funded_project_participants():
    nodes = actors("town", kind="Service") + actors("asso", "club", kind="Association") + [Node("Project", "p", "P")]
    facts = [Relationship("FUNDS", "town", "asso", "g1", {"amount": 100.0}),
             Relationship("FUNDS", "town", "p", "g2", {"amount": 50.0}),
             Relationship("PARTICIPATES_IN", "club", "p", "lead")]
    g = cooperation_network(nodes, facts)
    assert g["town"]["asso"]["evidence"][0] == {"kind": "funding", "amount": 100.0, "date": None,
                                                "object": None, "source": ""}
    assert g["town"]["club"]["evidence"][0]["kind"] == "project"
    assert not g.has_edge("asso", "club")


def test_the_network_does_not_depend_on_the_order_the_facts_come_in():
    """A store read part by part gives the facts in the order it reads them (by source), not in the projection's
    (graph.territory builds the network meanwhile): a tie's evidence and a project's roles come out the same."""
    import random

    from tests.test_snapshot_refresh import network_content

    nodes = actors("a", "b", "c", "d") + [Node("Project", "p", "P")]
    facts = [Relationship("PARTICIPATES_IN", "a", "p", "partner"), Relationship("PARTICIPATES_IN", "a", "p", "lead"),
             Relationship("PARTICIPATES_IN", "b", "p", "lead"), Relationship("PARTICIPATES_IN", "c", "p", "partner"),
             Relationship("COOPERATES_WITH", "a", "b", "conseil", {"frequency": "mensuelle"}),
             Relationship("COOPERATES_WITH", "a", "b", "appui", {"origin": "atelier:forum"}),
             Relationship("COOPERATES_WITH", "b", "a", "appui", {}),
             Relationship("FUNDS", "a", "b", "g1", {"amount": 10.0}), Relationship("FUNDS", "b", "a", "g0"),
             Relationship("FUNDS", "c", "p", "g2"),  # c funds the project it takes part in: a partner first
             Relationship("FUNDS", "d", "p", "g3"), Relationship("COOPERATES_WITH", "d", "c", "x", {})]
    in_order = cooperation_network(nodes, sorted(facts, key=graph.cooperation.fact_order))
    assert [e["kind"] for e in in_order["a"]["b"]["evidence"]] == [
        "workshop", "declared", "declared", "funding", "funding", "project"]
    roles = next(e["roles"] for e in in_order["c"]["d"]["evidence"] if e["kind"] == "project")
    assert roles == {"c": "partner", "d": "funder"}
    assert next(e["roles"] for e in in_order["a"]["b"]["evidence"] if e["kind"] == "project")["a"] == "lead"
    rng = random.Random(4)
    for _ in range(20):
        shuffled = facts[:]
        rng.shuffle(shuffled)
        assert network_content(cooperation_network(nodes, shuffled)) == network_content(in_order)


def test_as_of_keeps_only_facts_valid_at_that_date():
    nodes = actors("a", "b", "c") + [Node("Project", "p", "P", {"since": "2020-01-01", "until": "2021-12-31"})]
    facts = [Relationship("COOPERATES_WITH", "a", "b", "", {"since": "2019-01-01", "until": "2020-06-30"}),
             Relationship("PARTICIPATES_IN", "a", "p", "lead"), Relationship("PARTICIPATES_IN", "c", "p", "lead")]
    assert set(cooperation_network(nodes, facts, "2020-03-01").edges()) == {("a", "b"), ("a", "c")}
    assert set(cooperation_network(nodes, facts, "2021-03-01").edges()) == {("a", "c")}
    assert set(cooperation_network(nodes, facts, "2023-01-01").edges()) == set()
    assert cooperation_network(nodes, facts, "2023-01-01").number_of_nodes() == 3  # isolated actors stay
    assert is_valid_at({"since": "2024"}, "2024-05-01") and not is_valid_at({"until": "2019"}, "2020-01-01")


@pytest.fixture
def example_network(embedded_store):
    import_files([EXAMPLE], embedded_store)
    return store_cooperation_network(embedded_store), embedded_store


def _service(g, node):
    return g.nodes[node].get("service")


def test_example_has_silo_services(example_network):
    g, _ = example_network
    agents = [n for n, d in g.nodes(data=True) if d["kind"] == "Agent"]
    silos = []
    for service in {_service(g, a) for a in agents}:
        members = [a for a in agents if _service(g, a) == service]
        external = sum(1 for a in members for b in g[a] if _service(g, b) != service)
        internal = sum(1 for a in members for b in g[a] if _service(g, b) == service)
        if external == 0 and internal > 0:
            silos.append(service)
    assert len(silos) == 2


def test_example_has_isolated_agents_and_brokers(example_network):
    g, _ = example_network
    agents = [n for n, d in g.nodes(data=True) if d["kind"] == "Agent"]
    isolated = [a for a in agents if g.degree(a) == 0]
    assert 3 <= len(isolated) <= 10
    reach = {a: len({_service(g, b) for b in g[a] if g.nodes[b]["kind"] == "Agent"}) for a in agents}
    assert sum(1 for a in agents if reach[a] >= 6) >= 3
    centrality = nx.betweenness_centrality(g)
    top = sorted(centrality, key=centrality.get, reverse=True)[:15]
    assert sum(1 for a in top if reach.get(a, 0) >= 6) >= 2


def test_example_has_partners_tied_through_one_agent_and_projects_without_associations(example_network):
    g, store = example_network
    partners = [n for n, d in g.nodes(data=True) if d["kind"] == "Partner"]
    single = [p for p in partners if g.degree(p) == 1 and g.nodes[next(iter(g[p]))]["kind"] == "Agent"]
    assert len(single) >= 3
    kinds = {n.id: n.kind for n in store.nodes()}
    projects_with_association = {r.target for r in store.relationships(["PARTICIPATES_IN"])
                                 if kinds[r.source] == "Association"}
    projects = [n for n, k in kinds.items() if k == "Project"]
    assert len(set(projects) - projects_with_association) >= 2


def test_neighbour_arrays_give_the_ties_among_members_as_the_subgraph_does():
    """Ids inserted out of order, members of every size: each tie once, (a, b) with a < b, in order."""
    from graph.cooperation import NeighbourArrays, ties_among

    graph = nx.relabel_nodes(nx.gnm_random_graph(300, 1500, seed=5), lambda i: f"n{(i * 37) % 300:03d}")
    for a, b in graph.edges():
        graph[a][b]["weight"] = len(a + b)
    graph.add_node("lonely")
    arrays = NeighbourArrays(graph)
    for size in (1, 2, 30, 150, 301):
        members = list(graph)[:size]
        expected = sorted(tuple(sorted(edge)) for edge in graph.subgraph(members).edges())
        found = arrays.ties_among(members)
        assert [(a, b) for a, b, _ in found] == expected
        assert all(data is graph[a][b] for a, b, data in found)
        # The same read from the adjacency dicts (a few members: no arrays built), the same data objects.
        walked = ties_among(graph, members)
        assert [(a, b) for a, b, _ in walked] == expected
        assert all(x is y for (_, _, x), (_, _, y) in zip(walked, found))


def test_an_ego_network_of_a_few_actors_builds_no_arrays_and_answers_as_with_them(embedded_store, monkeypatch):
    """While imports run the network changes every second: an actor's ego network reads the ties among its few
    members from the adjacency, instead of waiting for arrays of the whole territory built again."""
    import graph.territory
    from graph.questions import ask
    from graph.territory import TerritoryCache

    import_files([EXAMPLE], embedded_store)
    territory = TerritoryCache(embedded_store).current()
    walked = [ask("ego", territory, actor=actor, depth=depth) for actor in ("ag-00001", "asso-00003")
              for depth in (1, 2, 3)]
    assert not territory._arrays and any(answer["edges"] for answer in walked)
    monkeypatch.setattr(graph.territory, "FEW_MEMBERS", 0)  # every ego network read from the arrays
    territory = TerritoryCache(embedded_store).current()
    assert [ask("ego", territory, actor=actor, depth=depth) for actor in ("ag-00001", "asso-00003")
            for depth in (1, 2, 3)] == walked
    assert territory._arrays
