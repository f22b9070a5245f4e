"""Node positions computed in Python, so that a view appears at once and does not drift."""
from __future__ import annotations

import math

import networkx as nx

SMALL = 300  # up to this many nodes, one force-directed pass over a component


def _spring(graph: nx.Graph, seed: int) -> dict:
    n = graph.number_of_nodes()
    if n == 1:
        return {next(iter(graph)): (0.0, 0.0)}
    # A larger optimal distance than networkx's default spreads dense clusters for their labels.
    return nx.spring_layout(graph, seed=seed, weight=None, k=2.0 / math.sqrt(n), iterations=60)


def _component(graph: nx.Graph, seed: int) -> dict:
    """Positions within [-1, 1]² for one connected component."""
    if graph.number_of_nodes() <= SMALL:
        return _spring(graph, seed)
    communities = [sorted(c, key=str) for c in nx.community.louvain_communities(graph, seed=seed)]
    communities.sort(key=lambda c: (-len(c), str(c[0])))
    member_of = {n: i for i, c in enumerate(communities) for n in c}
    between = nx.Graph()
    between.add_nodes_from(range(len(communities)))
    for a, b in graph.edges():
        ca, cb = member_of[a], member_of[b]
        if ca != cb:
            weight = between.get_edge_data(ca, cb, {"weight": 0})["weight"] + 1
            between.add_edge(ca, cb, weight=weight)
    centres = nx.spring_layout(between, seed=seed, weight="weight") if len(communities) > 1 else {0: (0.0, 0.0)}
    total = graph.number_of_nodes()
    positions = {}
    for i, members in enumerate(communities):
        radius = 0.6 * math.sqrt(len(members) / total)
        inner = _spring(graph.subgraph(members), seed)
        cx, cy = centres[i]
        positions.update({n: (cx + x * radius, cy + y * radius) for n, (x, y) in inner.items()})
    return positions


def layout(graph: nx.Graph, seed: int = 42, scale: float = 1000.0) -> dict:
    """A seeded force-directed layout that stays fast on thousands of nodes.

    Each connected component is laid out on its own and the components are packed
    in rows, largest first, each given room in proportion to the square root of its
    size; nodes without ties go on a grid below. Within a component of up to
    ``SMALL`` nodes, one Fruchterman-Reingold pass (``networkx.spring_layout``);
    in a larger one, two levels: Louvain communities are placed by a force-directed
    layout of the community graph, then each community's members around that place,
    so the cost is the sum of the squared community sizes, not the squared size.

    Parameters
    ----------
    graph : undirected graph.
    seed : the same seed always gives the same positions.
    scale : half-width of the drawing, in vis-network pixels.

    Returns
    -------
    dict node -> (x, y)

    Example
    -------
    >>> pos = layout(nx.path_graph(3))
    >>> sorted(pos) == [0, 1, 2] and pos == layout(nx.path_graph(3))
    True

    Reference: T. M. J. Fruchterman and E. M. Reingold, "Graph drawing by
    force-directed placement", Software: Practice and Experience 21(11), 1991;
    communities: V. D. Blondel et al., "Fast unfolding of communities in large
    networks", J. Stat. Mech., 2008.
    """
    components = [sorted(c, key=str) for c in nx.connected_components(graph) if len(c) > 1]
    components.sort(key=lambda c: (-len(c), str(c[0])))
    lonely = sorted((n for n in graph if graph.degree(n) == 0), key=str)
    total = sum(len(c) for c in components) or 1
    positions: dict = {}
    x_cursor, y_cursor, row_height = -scale, -scale, 0.0
    for members in components:
        half = scale * math.sqrt(len(members) / total)  # half-width of this component's box
        if x_cursor + 2 * half > scale * 1.05 and x_cursor > -scale:
            x_cursor, y_cursor, row_height = -scale, y_cursor + row_height + scale * 0.08, 0.0
        inner = _component(graph.subgraph(members), seed)
        cx, cy = x_cursor + half, y_cursor + half
        positions.update({n: (cx + x * half, cy + y * half) for n, (x, y) in inner.items()})
        x_cursor += 2 * half + scale * 0.08
        row_height = max(row_height, 2 * half)
    if lonely:
        bottom = max((y for _, y in positions.values()), default=-scale) + scale * 0.15
        columns = max(1, int(math.sqrt(len(lonely)) * 2))
        step = 2 * scale / columns
        for i, n in enumerate(lonely):
            positions[n] = (-scale + step * (i % columns), bottom + step * (i // columns))
    return {n: (round(float(x), 1), round(float(y), 1)) for n, (x, y) in positions.items()}
