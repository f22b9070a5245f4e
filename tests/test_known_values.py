"""Measures checked against published values, on classic networks loaded through the importers, on both stores."""
from __future__ import annotations

import networkx as nx
import pytest

from graph.analysis import brokerage_roles, ei_index
from graph.questions import ask
from graph.territory import TerritoryCache
from importers.pipeline import import_files

FREQUENCY_FOR = {1: "ponctuelle", 2: "mensuelle", 3: "hebdomadaire", 4: "quotidienne"}


def write_network(folder, graph: nx.Graph, kind="partenaire", services=None, weight=None):
    """Write *graph* as templates: its nodes as actors, each edge as declared cooperations summing to its weight."""
    folder.mkdir(parents=True, exist_ok=True)
    services = services or {}
    lines = ["identifiant;type;nom;service"]
    for group in sorted(set(services.values())):
        lines.append(f"{group};service;Service {group};")
    for node in graph:
        node_kind = "agent" if node in services else kind
        lines.append(f"n{node};{node_kind};{node};{services.get(node, '')}")
    (folder / "acteurs.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = ["acteur_a;acteur_b;nature;frequence"]
    for a, b, data in graph.edges(data=True):
        remaining = int(data.get(weight, 1)) if weight else 1
        part = 0
        while remaining > 0:
            step = min(4, remaining)
            rows.append(f"n{a};n{b};lien {part};{FREQUENCY_FOR[step]}")
            remaining -= step
            part += 1
    (folder / "cooperations.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def load(store, folder):
    import_files([folder], store)
    return TerritoryCache(store).current()


def test_florentine_families_betweenness(store, tmp_path):
    """Padgett's Florentine marriage network: standardised betweenness as published by
    Wasserman & Faust (1994), table 5.5: Medici .522, Guadagni .255, Albizzi .212, Salviati .143."""
    t = load(store, write_network(tmp_path / "florence", nx.florentine_families_graph()))
    ranked = {b["name"]: b["betweenness"] for b in ask("brokers", t, limit=20)["brokers"]}
    assert ranked["Medici"] == pytest.approx(0.522, abs=1e-3)
    assert ranked["Guadagni"] == pytest.approx(0.255, abs=1e-3)
    assert ranked["Albizzi"] == pytest.approx(0.212, abs=1e-3)
    assert ranked["Salviati"] == pytest.approx(0.143, abs=1e-3)
    assert list(ranked)[0] == "Medici"


HOLES = [("A", "B", 2), ("A", "F", 3), ("A", "G", 5), ("A", "E", 2), ("E", "G", 8), ("F", "G", 3), ("B", "G", 4),
         ("B", "D", 1), ("D", "G", 3), ("G", "C", 10)]


def test_burt_constraint_and_effective_size(store, tmp_path):
    """Borgatti's structural holes example ("Structural holes: unpacking Burt's redundancy measures",
    Connections 20(1), 1997), values checked with UCINET and igraph: weighted constraint G .299,
    A .795, C 1; weighted effective size G 5.47, A 2.47, C 1."""
    graph = nx.Graph()
    graph.add_weighted_edges_from(HOLES)
    t = load(store, write_network(tmp_path / "holes", graph, weight="weight"))
    assert t.network()["nA"]["nG"]["weight"] == 5 and t.network()["nC"]["nG"]["weight"] == 10
    found = {b["name"]: b for b in ask("brokers", t, limit=20)["brokers"]}
    assert found["G"]["constraint"] == pytest.approx(0.299, abs=1e-3)
    assert found["A"]["constraint"] == pytest.approx(0.795, abs=1e-3)
    assert found["C"]["constraint"] == pytest.approx(1.0, abs=1e-3)
    assert found["G"]["effective_size"] == pytest.approx(5.47, abs=1e-2)
    assert found["A"]["effective_size"] == pytest.approx(2.47, abs=1e-2)


def test_karate_club_articulation_point_bridge_and_louvain(store, tmp_path):
    """Zachary's karate club (1977): the instructor (node 0) is the one articulation point, and the
    tie to member 11 the one bridge; the best modularity known for it is 0.4198 (Brandes et al., 2008)."""
    t = load(store, write_network(tmp_path / "karate", nx.karate_club_graph()))
    points = ask("single-points", t)
    assert [a["id"] for a in points["articulation_points"]] == ["n0"]
    assert [(b["source"]["id"], b["target"]["id"]) for b in points["bridges"]] == [("n0", "n11")]
    found = ask("communities", t)
    assert 0.40 <= found["modularity"] <= 0.4198 + 1e-4
    assert 3 <= len(found["communities"]) <= 5
    ranked = {b["id"]: b["betweenness"] for b in ask("brokers", t)["brokers"]}
    assert ranked["n0"] == pytest.approx(0.4376, abs=1e-4) and ranked["n33"] == pytest.approx(0.3041, abs=1e-4)


def test_ei_index_by_hand(store, tmp_path):
    """Two services; S1 = {a, b, c}, S2 = {d, e}. Ties a-b, b-c (internal S1), c-d (external), d-e (internal S2).
    Organisation: (1 - 3) / 4 = -0.5. S1: (1 - 2) / 3; S2: (1 - 1) / 2 = 0. Agent c: (1 - 1) / 2 = 0; a: -1."""
    graph = nx.Graph([("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")])
    services = {"a": "s1", "b": "s1", "c": "s1", "d": "s2", "e": "s2"}
    t = load(store, write_network(tmp_path / "ei", graph, services=services))
    result = ask("services", t)
    assert result["ei_index"] == pytest.approx(-0.5)
    groups = {g["id"]: g["index"] for g in result["groups"]}
    assert groups == {"s1": pytest.approx(-1 / 3), "s2": pytest.approx(0.0)}
    agents = {a["id"]: a["index"] for a in result["agents"]}
    assert agents["nc"] == 0.0 and agents["na"] == -1.0
    assert result["matrix"] == [[2, 1], [1, 1]]


def test_brokerage_roles_by_hand():
    """Broker b between pairs from known groups (Gould & Fernandez, 1989, fig. 1)."""
    star = nx.star_graph(["b", "a1", "a2", "c1", "x1"])  # b at the centre; no tie among the leaves
    groups = {"b": "B", "a1": "A", "a2": "A", "c1": "B", "x1": "X"}
    roles = brokerage_roles(star, groups)["b"]
    # a1-a2: same group, not b's -> itinerant (x2). a*-c1: one end in b's group -> representative + gatekeeper.
    # a*-x1 : all different -> liaison (x2 each).  c1-x1: representative + gatekeeper.
    assert roles == {"coordinator": 0, "itinerant": 2, "representative": 3, "gatekeeper": 3, "liaison": 4,
                     "total": 12}
    same = nx.star_graph(["b", "p", "q"])
    assert brokerage_roles(same, {"b": 1, "p": 1, "q": 1})["b"]["coordinator"] == 2
    triangle = nx.complete_graph(["b", "p", "q"])
    assert brokerage_roles(triangle, {"b": 1, "p": 2, "q": 3})["b"]["total"] == 0  # p and q are tied: no brokerage
    assert ei_index(nx.Graph(), {})["organisation"] is None


def test_sampled_betweenness_matches_networkx_estimator():
    """Same sources, same estimator and scaling as networkx.betweenness_centrality(k=..., seed=...)."""
    import random

    from graph.analysis import sampled_betweenness

    g = nx.connected_caveman_graph(30, 8)
    g.add_edges_from((i, i + 100) for i in range(0, 120, 7))
    g.add_node("alone")
    expected = nx.betweenness_centrality(g, k=40, seed=7)
    found = sampled_betweenness(g, random.Random(7).sample(list(g), 40))
    assert max(abs(expected[v] - found[v]) for v in g) < 1e-12
    exact = nx.betweenness_centrality(g)
    assert max(abs(exact[v] - w) for v, w in sampled_betweenness(g, list(g)).items()) < 1e-12
    # The searches and their sums run in networkx's order: the same floating-point values, not only close ones.
    assert found == expected and sampled_betweenness(g, list(g)) == exact


def test_louvain_finds_planted_communities_and_matches_networkx_modularity():
    """Against networkx's Louvain on graphs whose communities are known: a ring of cliques (recovered
    exactly), planted partitions with noise, weighted ties and self-loops (no worse modularity)."""
    from graph.analysis import louvain_communities

    ring = nx.ring_of_cliques(12, 6)
    assert sorted(sorted(c) for c in louvain_communities(ring, seed=3)) == [list(range(i, i + 6))
                                                                             for i in range(0, 72, 6)]
    for seed in range(4):
        planted = nx.planted_partition_graph(8, 40, 0.5, 0.02, seed=seed)
        for u, v in planted.edges():
            planted[u][v]["weight"] = 1 + (u * v) % 3
        planted.add_edge(0, 0, weight=2)
        ours = louvain_communities(planted, seed=seed)
        theirs = nx.community.louvain_communities(planted, seed=seed)
        assert sorted(n for c in ours for n in c) == sorted(planted)  # a partition of every node
        assert nx.community.modularity(planted, ours) >= nx.community.modularity(planted, theirs) - 0.005
        assert sorted(map(sorted, ours)) == sorted(map(sorted, louvain_communities(planted, seed=seed)))
    karate = nx.karate_club_graph()  # weighted: 0.4449 is the best networkx finds over seeds
    assert max(nx.community.modularity(karate, louvain_communities(karate, seed=s)) for s in range(5)) \
        == pytest.approx(0.4449, abs=1e-4)
    assert louvain_communities(nx.empty_graph(3)) == [{0}, {1}, {2}]
    assert louvain_communities(nx.Graph()) == []


def brute_force_roles(graph, groups, broker):
    """The definition, pair by pair, to check the counting shortcut against."""
    from itertools import combinations

    own = lambda n: groups.get(n, ("own", n))
    roles = dict.fromkeys(("coordinator", "itinerant", "representative", "gatekeeper", "liaison"), 0)
    for a, c in combinations([n for n in graph[broker] if n != broker], 2):
        if graph.has_edge(a, c):
            continue
        for x, y in ((a, c), (c, a)):
            gx, gb, gy = own(x), own(broker), own(y)
            if gx == gb == gy:
                roles["coordinator"] += 1
            elif gx == gy:
                roles["itinerant"] += 1
            elif gx == gb:
                roles["representative"] += 1
            elif gy == gb:
                roles["gatekeeper"] += 1
            else:
                roles["liaison"] += 1
    return roles


def test_brokerage_and_burt_shortcuts_agree_with_their_definitions():
    import random

    from graph.analysis import burt_measures

    rng = random.Random(5)
    for seed in range(4):
        g = nx.gnm_random_graph(60, 240, seed=seed)
        for a, b in g.edges():
            g[a][b]["weight"] = rng.randint(1, 4)
        groups = {n: n % 5 for n in g if n % 7}  # some nodes without a group
        roles = brokerage_roles(g, groups)
        constraint = nx.constraint(g, weight="weight")
        # networkx's all-nodes matrix shortcut for the weighted effective size disagrees with its own
        # node-by-node definition (networkx 3.6); the definition is the reference here.
        effective = {n: nx.effective_size(g, nodes=[n], weight="weight")[n] for n in g}
        for n in g:
            expected = brute_force_roles(g, groups, n)
            assert {k: v for k, v in roles[n].items() if k != "total"} == expected
            c, e = burt_measures(g, n)
            assert c == pytest.approx(constraint[n]) and e == pytest.approx(effective[n])


def test_lowest_core_is_the_lowest_shell_of_networkx_core_decomposition():
    """The one-peeling lowest core equals networkx's full decomposition (self-loops removed, isolates left out) on
    random graphs of every density, with self-loops and isolated nodes."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from graph.analysis import lowest_core

    @settings(max_examples=300, deadline=None, database=None)
    @given(st.integers(1, 40), st.lists(st.tuples(st.integers(0, 39), st.integers(0, 39)), max_size=200))
    def agree(size: int, pairs: list[tuple[int, int]]) -> None:
        graph = nx.Graph()
        graph.add_nodes_from(range(size))
        graph.add_edges_from((a % size, b % size) for a, b in pairs)
        plain = nx.Graph(graph)
        plain.remove_edges_from(nx.selfloop_edges(plain))
        connected = [n for n in plain if plain.degree(n)]
        if not connected:
            assert lowest_core(graph) == (None, [])
            return
        cores = nx.core_number(plain)
        k = min(cores[n] for n in connected)
        assert lowest_core(graph) == (k, sorted((n for n in connected if cores[n] == k), key=str))

    agree()
