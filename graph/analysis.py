"""Network measures used by the cooperation queries, as plain functions over a networkx graph.

Where networkx already implements a measure fast enough (Burt's constraint and
effective size, k-cores, articulation points, bridges, exact betweenness), the
queries call it directly; this module adds the measures it lacks, and faster
versions of two it has (sampled betweenness, Louvain) for territories of a
hundred thousand actors.
"""
from __future__ import annotations

import random
from collections import Counter, defaultdict, deque
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import networkx as nx

BROKERAGE_ROLES = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")


def ei_index(graph: nx.Graph, groups: Mapping[Any, Hashable], nodes: Iterable | None = None) -> dict:
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

    The pairs are counted by group from the neighbours' group sizes, then the tied
    pairs are taken off, so a broker costs the sum of its neighbours' degrees rather
    than the square of its own.

    Parameters
    ----------
    graph : undirected graph.
    groups : node -> group.
    nodes : the brokers to score (default: all nodes).

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
    group_of = lambda n: groups.get(n, ("own", n))

    def classify(ga, gb, gc) -> str:
        if ga == gb == gc:
            return "coordinator"
        if ga == gc:
            return "itinerant"
        if ga == gb or gc == gb:
            return "representative"  # and gatekeeper, the other way round
        return "liaison"

    result = {}
    for b in (graph.nodes if nodes is None else nodes):
        gb = group_of(b)
        rank = {n: i for i, n in enumerate(n for n in graph[b] if n != b)}
        sizes = Counter(group_of(n) for n in rank)
        own = sizes.get(gb, 0)
        others = {g: c for g, c in sizes.items() if g != gb}
        outside = sum(others.values())
        pairs = {"coordinator": own * (own - 1) // 2,
                 "itinerant": sum(c * (c - 1) // 2 for c in others.values()),
                 "representative": own * outside,
                 "liaison": (outside * outside - sum(c * c for c in others.values())) // 2}
        for a, rank_a in rank.items():
            ga = group_of(a)
            for c in graph[a]:
                if rank.get(c, -1) > rank_a:  # each tied pair of neighbours once
                    pairs[classify(ga, gb, group_of(c))] -= 1
        counts = {"coordinator": 2 * pairs["coordinator"], "itinerant": 2 * pairs["itinerant"],
                  "representative": pairs["representative"], "gatekeeper": pairs["representative"],
                  "liaison": 2 * pairs["liaison"]}
        counts["total"] = sum(counts.values())
        result[b] = counts
    return result


def burt_measures(graph: nx.Graph, node, weight: str | None = "weight") -> tuple[float, float]:
    """Burt's constraint and effective size of *node*, as networkx defines them for undirected graphs.

    Same values as ``networkx.constraint`` and ``networkx.effective_size`` (weighted
    form), at the cost of the sum of the neighbours' degrees: networkx recomputes
    normalised weights inside nested loops, which does not finish on the hubs of a
    large territory. Returns ``(nan, nan)`` for an isolated node.

    Example
    -------
    >>> g = nx.Graph([("A", "B"), ("A", "C"), ("B", "C"), ("A", "D")])
    >>> c, e = burt_measures(g, "A")
    >>> round(c, 6) == round(nx.constraint(g, ["A"])["A"], 6)
    True
    >>> round(e, 6) == round(nx.effective_size(g, ["A"], weight="weight")["A"], 6)
    True

    Reference: R. S. Burt, *Structural Holes: The Social Structure of
    Competition*, Harvard University Press, 1992; S. P. Borgatti, "Structural
    holes: unpacking Burt's redundancy measures", Connections 20(1), 1997.
    """
    def w(a, b) -> float:
        return float(graph[a][b].get(weight, 1)) if weight else 1.0

    neighbours = [n for n in graph[node] if n != node]
    if not neighbours:
        return float("nan"), float("nan")
    total = {x: sum(w(x, y) for y in graph[x] if y != x) for x in [node] + neighbours}
    top = {x: max((w(x, y) for y in graph[x] if y != x), default=1.0) for x in neighbours}
    p = {j: w(node, j) / total[node] for j in neighbours}
    indirect: dict = defaultdict(float)
    redundancy = 0.0
    for q in neighbours:
        for j in graph[q]:
            if j in p and j != q:
                indirect[j] += p[q] * w(q, j) / total[q]
                redundancy += p[q] * w(j, q) / top[j]
    constraint = sum((p[j] + indirect[j]) ** 2 for j in neighbours)
    return constraint, len(neighbours) - redundancy


def lowest_core(graph: nx.Graph) -> tuple[int | None, list]:
    """The lowest k-core shell among connected nodes: (k, its nodes), or (None, []) without ties.

    Example
    -------
    >>> lowest_core(nx.Graph([(1, 2), (2, 3), (3, 1), (3, 4)]))
    (1, [4])

    Without its isolated nodes the graph is a k-core for its least degree k, so no
    node's core number is below k; the lowest shell is what peeling the nodes of
    degree at most k removes (the nodes outside the (k+1)-core). One peeling, not a
    whole decomposition (``networkx.core_number``, which it equals: tested): asked
    again after every write. Self-loops count for nothing.

    Reference: S. B. Seidman, "Network structure and minimum degree", Social
    Networks 5(3), 1983, pp. 269-287; V. Batagelj and M. Zaversnik, "An O(m)
    algorithm for cores decomposition of networks", 2003.
    """
    adjacency = graph._adj  # the dicts themselves: networkx's views cost more than the peeling (asked often)
    remaining = {n: len(neighbours) - (n in neighbours) for n, neighbours in adjacency.items()}
    degrees = [d for d in remaining.values() if d > 0]
    if not degrees:
        return None, []
    k = min(degrees)
    peeled = [n for n, d in remaining.items() if 0 < d <= k]
    shell = set(peeled)
    while peeled:
        n = peeled.pop()
        for m in adjacency[n]:
            if m not in shell:
                remaining[m] -= 1
                if remaining[m] <= k:
                    shell.add(m)
                    peeled.append(m)
    return k, sorted(shell, key=str)


def betweenness(graph: nx.Graph, exact_limit: int = 3000, sample: int = 256, seed: int = 42) -> tuple[dict, int | None]:
    """Betweenness centrality, exact up to *exact_limit* nodes, sampled above.

    Up to *exact_limit* nodes this is ``networkx.betweenness_centrality``. Above,
    *sample* source nodes drawn with *seed* are used, with the same estimator and
    scaling as ``networkx.betweenness_centrality(graph, k=sample)``, computed by
    :func:`sampled_betweenness`, compiled.

    Returns ``(centrality, sample_size)``, where ``sample_size`` is None for an
    exact computation and the number of source nodes sampled otherwise.

    Reference: U. Brandes, "A faster algorithm for betweenness centrality",
    Journal of Mathematical Sociology 25(2), 2001; sampling: U. Brandes and
    C. Pich, "Centrality estimation in large networks", International Journal of
    Bifurcation and Chaos 17(7), 2007.
    """
    n = graph.number_of_nodes()
    if n <= exact_limit:
        return nx.betweenness_centrality(graph), None
    k = min(sample, n)
    import random

    sources = random.Random(seed).sample(sorted(graph, key=str), k)
    return sampled_betweenness(graph, sources), k


def sampled_betweenness(graph: nx.Graph, sources: list) -> dict:
    """Brandes' accumulation from *sources* only, scaled as networkx scales a k-sample.

    One breadth-first search per source, compiled (:mod:`graph.brandes`), over the adjacency
    as arrays, each node's neighbours in networkx's order: the searches and their sums run as
    ``networkx.betweenness_centrality`` runs them. With every node as a source it equals
    ``networkx.betweenness_centrality`` (normalised, undirected, unweighted), which the tests check.

    Example
    -------
    >>> g = nx.path_graph(4)
    >>> exact = nx.betweenness_centrality(g)
    >>> sampled = sampled_betweenness(g, list(g))
    >>> all(abs(exact[v] - sampled[v]) < 1e-12 for v in g)
    True

    Reference: Brandes (2001); sampling: Brandes and Pich (2007).
    """
    import numpy as np

    from graph.brandes import accumulate

    nodes = list(graph)
    n = len(nodes)
    index = {v: i for i, v in enumerate(nodes)}
    position, adjacency = index.__getitem__, graph._adj
    targets: list[int] = []
    ends = [0]
    for node in nodes:
        targets.extend(map(position, adjacency[node]))
        ends.append(len(targets))
    chosen = np.fromiter(map(position, sources), dtype=np.int64, count=len(sources))
    totals = accumulate(np.array(ends, dtype=np.int64), np.array(targets, dtype=np.int64), chosen)
    # networkx's scaling (normalised, endpoints excluded): (s, t) pairs through v, s != v != t.
    k = len(sources)
    if n > 2:
        if k == n:
            totals *= 1.0 / ((n - 1) * (n - 2))
        else:
            is_source = np.zeros(n, dtype=bool)
            is_source[chosen] = True
            source_scale = 1.0 / ((k - 1) * (n - 2)) if k > 1 else float("nan")
            totals *= np.where(is_source, source_scale, 1.0 / (k * (n - 2)))
    return {v: float(totals[i]) for i, v in enumerate(nodes)}


def louvain_communities(graph: nx.Graph, weight: str | None = "weight", resolution: float = 1.0,
                        threshold: float = 1e-7, seed: int | None = None) -> list[set]:
    """Communities found by the Louvain method: local moves, then each community becomes one node, again.

    The local moves follow a queue rather than sweeping every node until none moves:
    a node is looked at again only when one of its neighbours has just left for another
    community. On a network of 92,000 actors and a million ties this is several times
    faster than ``networkx.community.louvain_communities``, for a partition of the
    same modularity (the tests compare both).

    Parameters
    ----------
    graph : undirected graph (self-loops count as ties inside a node's own community).
    weight : edge attribute holding the tie's weight (None: every tie weighs 1).
    resolution : above 1 favours smaller communities, below 1 larger ones.
    threshold : stop when a level gains no more modularity than this.
    seed : the order in which nodes are first looked at (a fixed seed, a repeatable answer).

    Returns
    -------
    list of sets of nodes, one per community (every node in exactly one).

    Example
    -------
    >>> two_triangles = nx.Graph([(1, 2), (2, 3), (1, 3), (4, 5), (5, 6), (4, 6), (3, 4)])
    >>> sorted(sorted(c) for c in louvain_communities(two_triangles, seed=1))
    [[1, 2, 3], [4, 5, 6]]

    References: V. D. Blondel, J.-L. Guillaume, R. Lambiotte and E. Lefebvre, "Fast
    unfolding of communities in large networks", J. Stat. Mech. (2008) P10008; the
    queue of local moves: V. A. Traag, L. Waltman and N. J. van Eck, "From Louvain to
    Leiden: guaranteeing well-connected communities", Scientific Reports 9 (2019) 5233.
    """
    nodes = list(graph)
    index = {node: i for i, node in enumerate(nodes)}
    adjacency: list[dict[int, float]] = [{} for _ in nodes]
    loops = [0.0] * len(nodes)  # the weight of the ties inside each vertex
    for u, v, w in graph.edges(data=weight, default=1):
        i, j = index[u], index[v]
        if i == j:
            loops[i] += w
        else:
            adjacency[i][j] = adjacency[i].get(j, 0.0) + w
            adjacency[j][i] = adjacency[j].get(i, 0.0) + w
    total = sum(loops) + sum(sum(ties.values()) for ties in adjacency) / 2
    members = [[node] for node in nodes]
    if total == 0:
        return [set(m) for m in members]
    rng = random.Random(seed)
    degree = _degrees(adjacency, loops)
    quality = _modularity(loops, degree, total, resolution)
    while True:
        community, moved = _local_moves(adjacency, degree, total, resolution, rng)
        if not moved:
            break
        adjacency, loops, members = _aggregate(adjacency, loops, members, community)
        degree = _degrees(adjacency, loops)
        gained = _modularity(loops, degree, total, resolution)
        if gained - quality <= threshold:
            break
        quality = gained
    return [set(m) for m in members]


def _degrees(adjacency: list[dict[int, float]], loops: list[float]) -> list[float]:
    return [sum(ties.values()) + 2 * loop for ties, loop in zip(adjacency, loops)]


def _modularity(loops: list[float], degree: list[float], total: float, resolution: float) -> float:
    """Modularity of the partition where each vertex is one community (Newman and Girvan, 2004)."""
    return sum(loop / total - resolution * (d / (2 * total)) ** 2 for loop, d in zip(loops, degree))


def _local_moves(adjacency, degree: list[float], total: float, resolution: float,
                 rng: random.Random) -> tuple[list[int], bool]:
    """Move vertices to the neighbouring community that gains most modularity, until none gains."""
    size = len(adjacency)
    community = list(range(size))
    community_degree = degree[:]
    scale = resolution / (2 * total * total)
    order = list(range(size))
    rng.shuffle(order)
    queue, queued = deque(order), [True] * size
    moved = False
    while queue:
        u = queue.popleft()
        queued[u] = False
        current, d = community[u], degree[u]
        towards: dict[int, float] = {}
        for v, w in adjacency[u].items():
            c = community[v]
            towards[c] = towards.get(c, 0.0) + w
        community_degree[current] -= d
        # Gain of joining community c, up to terms that do not depend on c: the networkx formula.
        best, best_gain = current, towards.get(current, 0.0) / total - community_degree[current] * d * scale
        for c, w in towards.items():
            gain = w / total - community_degree[c] * d * scale
            if gain > best_gain:
                best, best_gain = c, gain
        community_degree[best] += d
        if best != current:
            community[u] = best
            moved = True
            for v in adjacency[u]:
                if not queued[v] and community[v] != best:
                    queued[v] = True
                    queue.append(v)
    return community, moved


def _aggregate(adjacency, loops, members, community):
    """One vertex per community: ties between communities summed, ties inside them become loops."""
    number: dict[int, int] = {}
    for c in community:
        number.setdefault(c, len(number))
    new_adjacency: list[dict[int, float]] = [{} for _ in number]
    new_loops = [0.0] * len(number)
    new_members: list[list] = [[] for _ in number]
    for u, ties in enumerate(adjacency):
        cu = number[community[u]]
        new_loops[cu] += loops[u]
        new_members[cu].extend(members[u])
        outgoing = new_adjacency[cu]
        for v, w in ties.items():
            cv = number[community[v]]
            if cv == cu:
                new_loops[cu] += w / 2  # seen from both ends
            else:
                outgoing[cv] = outgoing.get(cv, 0.0) + w
    return new_adjacency, new_loops, new_members
