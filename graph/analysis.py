"""Network measures used by the cooperation queries, as plain functions over a networkx graph.

Where networkx already implements a measure (betweenness, Burt's constraint and
effective size, k-cores, articulation points, bridges, Louvain), the queries call
it directly; this module adds the measures it lacks.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations
from typing import Hashable, Iterable, Mapping

import networkx as nx

BROKERAGE_ROLES = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")


def ei_index(graph: nx.Graph, groups: Mapping[Hashable, Hashable], nodes: Iterable | None = None) -> dict:
    """Krackhardt and Stern's E-I index: (external - internal) / (external + internal) ties.

    Parameters
    ----------
    graph : undirected graph; only ties between two nodes that both have a group count.
    groups : node -> group (for instance agent -> service).
    nodes : the nodes to score one by one (default: every node with a group).

    Returns
    -------
    dict with ``organisation`` (the whole graph's index, or None without ties),
    ``groups`` (group -> {index, internal, external}) and ``nodes``
    (node -> {index, internal, external}); an index is None where there is no tie.
    -1 means every tie stays inside the group (a silo), +1 that every tie leaves it.

    Example
    -------
    >>> g = nx.Graph([("a", "b"), ("b", "c")])
    >>> ei_index(g, {"a": 1, "b": 1, "c": 2})["organisation"]
    0.0

    Reference: D. Krackhardt and R. N. Stern, "Informal networks and
    organizational crises: an experimental simulation", Social Psychology
    Quarterly 51(2), 1988, pp. 123-140.
    """

    def index(internal: int, external: int):
        total = internal + external
        return {"index": None if total == 0 else (external - internal) / total,
                "internal": internal, "external": external}

    per_group: dict = defaultdict(lambda: [0, 0])
    per_node: dict = defaultdict(lambda: [0, 0])
    internal = external = 0
    for a, b in graph.edges():
        if a not in groups or b not in groups:
            continue
        same = groups[a] == groups[b]
        slot = 0 if same else 1
        if same:
            internal += 1
            per_group[groups[a]][0] += 1
        else:
            external += 1
            per_group[groups[a]][1] += 1
            per_group[groups[b]][1] += 1
        per_node[a][slot] += 1
        per_node[b][slot] += 1
    wanted = [n for n in (graph.nodes if nodes is None else nodes) if n in groups]
    return {
        "organisation": index(internal, external)["index"],
        "groups": {g: index(*per_group[g]) for g in sorted(set(groups[n] for n in groups if n in graph), key=str)},
        "nodes": {n: index(*per_node[n]) for n in wanted},
    }


def brokerage_roles(graph: nx.Graph, groups: Mapping[Hashable, Hashable], nodes: Iterable | None = None) -> dict:
    """Gould and Fernandez's brokerage roles, counted for each broker.

    A broker ``b`` stands between ``a`` and ``c`` when ``a - b - c`` and ``a``
    and ``c`` are not tied. In an undirected network each such pair is read in
    both directions, ``a -> b -> c`` and ``c -> b -> a``. With ``g`` the group:

    * coordinator: g(a) = g(b) = g(c);
    * itinerant (consultant): g(a) = g(c) != g(b);
    * representative: g(a) = g(b) != g(c);
    * gatekeeper: g(a) != g(b) = g(c);
    * liaison: all three differ.

    Reading both directions, a pair ``a, c`` from the broker's group and another
    counts once as representative and once as gatekeeper; coordinator, itinerant
    and liaison pairs count twice. Nodes without a group take part as their own group.

    Parameters
    ----------
    graph : undirected graph.
    groups : node -> group.
    nodes : the brokers to score (default: all nodes). The cost is the sum of
        the squared degrees of these nodes.

    Returns
    -------
    dict node -> {role: count, ..., "total": count}

    Example
    -------
    >>> g = nx.path_graph(["a", "b", "c"])
    >>> brokerage_roles(g, {"a": 1, "b": 2, "c": 1})["b"]["itinerant"]
    2

    Reference: R. V. Gould and R. M. Fernandez, "Structures of mediation: a
    formal approach to brokerage in transaction networks", Sociological
    Methodology 19, 1989, pp. 89-126.
    """
    group_of = lambda n: groups.get(n, ("own", n))  # noqa: E731
    result = {}
    for b in (graph.nodes if nodes is None else nodes):
        counts = Counter({role: 0 for role in BROKERAGE_ROLES})
        gb = group_of(b)
        neighbours = [n for n in graph[b] if n != b]
        for a, c in combinations(neighbours, 2):
            if graph.has_edge(a, c):
                continue
            ga, gc = group_of(a), group_of(c)
            if ga == gb == gc:
                counts["coordinator"] += 2
            elif ga == gc:
                counts["itinerant"] += 2
            elif ga == gb or gc == gb:
                counts["representative"] += 1
                counts["gatekeeper"] += 1
            else:
                counts["liaison"] += 2
        counts_dict = dict(counts)
        counts_dict["total"] = sum(counts.values())
        result[b] = counts_dict
    return result


def lowest_core(graph: nx.Graph) -> tuple[int | None, list]:
    """The lowest k-core shell among connected nodes: (k, its nodes), or (None, []) without ties.

    Example
    -------
    >>> lowest_core(nx.Graph([(1, 2), (2, 3), (3, 1), (3, 4)]))
    (1, [4])

    Reference: S. B. Seidman, "Network structure and minimum degree", Social
    Networks 5(3), 1983, pp. 269-287 (via ``networkx.core_number``).
    """
    if graph.number_of_edges() == 0:
        return None, []
    if nx.number_of_selfloops(graph):
        graph = nx.Graph(graph)
        graph.remove_edges_from(nx.selfloop_edges(graph))
    cores = nx.core_number(graph)
    k = min(c for n, c in cores.items() if graph.degree(n) > 0)
    return k, sorted((n for n, c in cores.items() if c == k and graph.degree(n) > 0), key=str)


def betweenness(graph: nx.Graph, exact_limit: int = 3000, sample: int = 500, seed: int = 42) -> tuple[dict, int | None]:
    """Betweenness centrality, exact up to *exact_limit* nodes, sampled above.

    Returns ``(centrality, sample_size)``, where ``sample_size`` is None for an
    exact computation and the number of source nodes sampled otherwise.

    Reference: U. Brandes, "A faster algorithm for betweenness centrality",
    Journal of Mathematical Sociology 25(2), 2001 (``networkx.betweenness_centrality``);
    sampling: Brandes and Pich, "Centrality estimation in large networks", 2007.
    """
    n = graph.number_of_nodes()
    if n <= exact_limit:
        return nx.betweenness_centrality(graph), None
    k = min(sample, n)
    return nx.betweenness_centrality(graph, k=k, seed=seed), k
