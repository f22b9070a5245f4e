"""Node positions computed in Python, so that a view appears at once and does not drift."""
from __future__ import annotations

import math
import threading
from collections import OrderedDict

import networkx as nx
import numpy as np
from numba import njit

SMALL = 300  # up to this many nodes, one force-directed pass over a component
# Positions of components already laid out, by their exact structure (node and edge order included: the
# force-directed pass depends on it): a service's view asked again after a write elsewhere is not laid out
# again (a pass costs about 30 ms of a request's time, holding the interpreter meanwhile).
_LAID_OUT: OrderedDict[tuple, dict] = OrderedDict()
_LAID_OUT_SIZE = 256
# At most this many nodes and ties in the keys remembered (~100 bytes each): a service's view above SMALL people
# is remembered too (laid out again at each request, 130 ms in numpy, it was the load scenario's p99 of views).
_LAID_OUT_WEIGHT = 500_000
_laid_out_weight = 0
_LAID_OUT_LOCK = threading.Lock()


def load_compiled() -> None:
    """Load (or compile, the first time) the compiled steps now, rather than at the first view drawn."""
    _spring(nx.cycle_graph(4), 0)
    grouped_fruchterman_reingold(nx.cycle_graph(4), [[0, 1], [2, 3]], 0)


def _spring(graph: nx.Graph, seed: int, iterations: int = 50) -> dict:
    """``networkx.spring_layout(graph, seed=seed, weight=None, k=2/√n, iterations=iterations)``, its steps compiled
    (the same start, forces, cooling and stop; equal to it within rounding, 1 % of the extent at most: tested)."""
    n = graph.number_of_nodes()
    if n <= 3:
        nodes = sorted(graph, key=str)
        return {node: (0.5 * math.cos(2 * math.pi * i / n), 0.5 * math.sin(2 * math.pi * i / n)) if n > 1
                else (0.0, 0.0) for i, node in enumerate(nodes)}
    nodes = list(graph)
    index = {node: i for i, node in enumerate(nodes)}
    adjacency = np.zeros((n, n))
    for a, b in graph.edges():
        adjacency[index[a], index[b]] = adjacency[index[b], index[a]] = 1.0
    start = np.random.RandomState(seed).rand(n, 2)  # networkx's start for an integer seed
    # A larger optimal distance than networkx's default spreads dense clusters for their labels.
    pos = _fruchterman_reingold_steps(adjacency, start, 2.0 / math.sqrt(n), iterations, 1e-4)
    pos -= pos.mean(axis=0)
    extent = np.abs(pos).max()
    if extent > 0:
        pos /= extent
    return {node: (float(x), float(y)) for node, (x, y) in zip(nodes, pos)}


@njit(cache=True, nogil=True)
def _fruchterman_reingold_steps(adjacency: np.ndarray, pos: np.ndarray, k: float, iterations: int,
                                threshold: float) -> np.ndarray:  # pragma: no cover (compiled)
    """networkx's dense Fruchterman-Reingold loop (``_fruchterman_reingold``), one pair at a time: at a request
    after a write a service's view of a hundred people took 25 to 45 ms in numpy's temporary arrays, holding the
    interpreter; compiled, about a millisecond, without holding it.

    Each pair is computed once, for both its ends (the forces are symmetric): half the work of visiting every
    ordered pair, and the same positions to the bit, since each node's pushes and pulls are still summed in the
    order of the other ends (those before it, added when their own turn came, then those after it), and
    ``-(a - b) * f`` is ``(b - a) * f`` exactly."""
    n = pos.shape[0]
    temperature = max(pos[:, 0].max() - pos[:, 0].min(), pos[:, 1].max() - pos[:, 1].min()) * 0.1
    cool = temperature / (iterations + 1)
    displacement = np.empty((n, 2))
    k2 = k * k
    for _ in range(iterations):
        displacement[:] = 0.0
        for i in range(n):
            xi = pos[i, 0]
            yi = pos[i, 1]
            sx = displacement[i, 0]
            sy = displacement[i, 1]
            for j in range(i + 1, n):
                dx = xi - pos[j, 0]
                dy = yi - pos[j, 1]
                distance = max(math.sqrt(dx * dx + dy * dy), 0.01)
                force = k2 / (distance * distance) - adjacency[i, j] * distance / k
                sx += dx * force
                sy += dy * force
                displacement[j, 0] -= dx * force
                displacement[j, 1] -= dy * force
            displacement[i, 0] = sx
            displacement[i, 1] = sy
        moved = 0.0
        for i in range(n):
            length = max(math.sqrt(displacement[i, 0] ** 2 + displacement[i, 1] ** 2), 0.01)
            step_x = displacement[i, 0] * temperature / length
            step_y = displacement[i, 1] * temperature / length
            pos[i, 0] += step_x
            pos[i, 1] += step_y
            moved += step_x * step_x + step_y * step_y
        temperature -= cool
        if math.sqrt(moved) / n < threshold:
            break
    return pos


def grouped_fruchterman_reingold(graph: nx.Graph, groups: list[list], seed: int, iterations: int = 40) -> dict:
    """Fruchterman-Reingold inside each group at once, in [-1, 1]² per group.

    The same forces as ``networkx.spring_layout`` (repulsion k²/d between the
    members of a group, attraction d²/k along ties, a cooling step), but every
    group is computed in one compiled pass instead of one call per group,
    which is what makes a 5,000-node view quick to lay out.
    """
    index = {n: i for i, members in enumerate(groups) for n in members}
    order = [n for members in groups for n in members]
    position_of = {n: i for i, n in enumerate(order)}
    count = len(order)
    rng = np.random.default_rng(seed)
    pos = rng.random((count, 2))
    starts = np.cumsum([0] + [len(m) for m in groups], dtype=np.int64)
    node_k = np.empty(count)
    for g, members in enumerate(groups):
        node_k[starts[g]:starts[g + 1]] = 2.0 / math.sqrt(len(members))
    inside = [(position_of[a], position_of[b]) for a, b in graph.edges() if index[a] == index[b] and a != b]
    ei = np.array([a for a, _ in inside], dtype=np.int64)
    ej = np.array([b for _, b in inside], dtype=np.int64)
    ek = node_k[ei] if len(inside) else np.zeros(0)
    pos = _grouped_steps(pos, starts, node_k, ei, ej, ek, iterations)
    result = {}
    for g, members in enumerate(groups):
        block = pos[starts[g]:starts[g + 1]]
        block = block - block.mean(axis=0)
        extent = np.abs(block).max() or 1.0
        block = block / extent
        for n, (x, y) in zip(members, block):
            result[n] = (float(x), float(y))
    return result


@njit(cache=True, nogil=True)
def _grouped_steps(pos: np.ndarray, starts: np.ndarray, node_k: np.ndarray, ei: np.ndarray, ej: np.ndarray,
                   ek: np.ndarray, iterations: int) -> np.ndarray:  # pragma: no cover (compiled)
    """The steps of :func:`grouped_fruchterman_reingold`, one pair at a time, compiled: its array operations held
    the interpreter for ~120 ms on a service's view of 330 people. Pushes between the members of a group, then
    pulls along the ties inside groups, each summed in the order ``numpy.bincount`` summed them; square roots
    where numpy took ``hypot`` (four times faster here), so the positions differ from the array operations'
    by rounding only (tested)."""
    count = pos.shape[0]
    temperature = 0.1
    cool = temperature / (iterations + 1)
    pushed_from = np.empty((count, 2))
    pushed_to = np.empty((count, 2))
    pulled_to = np.empty((count, 2))
    pulled_from = np.empty((count, 2))
    for _ in range(iterations):
        pushed_from[:] = 0.0
        pushed_to[:] = 0.0
        pulled_to[:] = 0.0
        pulled_from[:] = 0.0
        for g in range(starts.shape[0] - 1):
            k2 = node_k[starts[g]] ** 2
            for i in range(starts[g], starts[g + 1]):
                xi = pos[i, 0]
                yi = pos[i, 1]
                sx = 0.0
                sy = 0.0
                for j in range(i + 1, starts[g + 1]):
                    dx = xi - pos[j, 0]
                    dy = yi - pos[j, 1]
                    distance = max(math.sqrt(dx * dx + dy * dy), 0.01)
                    force = k2 / (distance * distance)
                    sx += dx * force
                    sy += dy * force
                    pushed_to[j, 0] += dx * force
                    pushed_to[j, 1] += dy * force
                pushed_from[i, 0] = sx
                pushed_from[i, 1] = sy
        for e in range(ei.shape[0]):
            a = ei[e]
            b = ej[e]
            dx = pos[a, 0] - pos[b, 0]
            dy = pos[a, 1] - pos[b, 1]
            distance = max(math.sqrt(dx * dx + dy * dy), 0.01)
            force = distance / ek[e]
            pulled_to[b, 0] += dx * force
            pulled_to[b, 1] += dy * force
            pulled_from[a, 0] += dx * force
            pulled_from[a, 1] += dy * force
        for i in range(count):
            x = pushed_from[i, 0] - pushed_to[i, 0]
            y = pushed_from[i, 1] - pushed_to[i, 1]
            x += pulled_to[i, 0] - pulled_from[i, 0]
            y += pulled_to[i, 1] - pulled_from[i, 1]
            length = max(math.sqrt(x * x + y * y), 0.01)
            step = min(length, temperature) / length
            pos[i, 0] += x * step
            pos[i, 1] += y * step
        temperature -= cool
    return pos


def _component(graph: nx.Graph, seed: int) -> dict:
    """Positions within [-1, 1]² for one connected component, remembered by structure (a view asked again, or
    after a change elsewhere, draws at once)."""
    global _laid_out_weight
    key = (seed, tuple(graph), tuple(graph.edges()))
    with _LAID_OUT_LOCK:
        found = _LAID_OUT.get(key)
        if found is not None:
            _LAID_OUT.move_to_end(key)
            return found
    positions = _spring(graph, seed) if graph.number_of_nodes() <= SMALL else _two_levels(graph, seed)
    with _LAID_OUT_LOCK:
        if key not in _LAID_OUT:
            _LAID_OUT[key] = positions
            _laid_out_weight += len(key[1]) + len(key[2])
        while len(_LAID_OUT) > _LAID_OUT_SIZE or (_laid_out_weight > _LAID_OUT_WEIGHT and len(_LAID_OUT) > 1):
            _, nodes, edges = _LAID_OUT.popitem(last=False)[0]
            _laid_out_weight -= len(nodes) + len(edges)
    return positions


def _two_levels(graph: nx.Graph, seed: int) -> dict:
    """Positions within [-1, 1]² for a component above ``SMALL`` nodes: its communities, then their members."""
    # Fast label propagation (Traag & Šubelj, 2023) finds the groups in a fraction of Louvain's time.
    communities = [sorted(c, key=str) for c in nx.community.fast_label_propagation_communities(graph, seed=seed)]
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
    inner = grouped_fruchterman_reingold(graph, communities, seed)
    positions = {}
    for i, members in enumerate(communities):
        radius = 0.6 * math.sqrt(len(members) / total)
        cx, cy = centres[i]
        positions.update({n: (cx + inner[n][0] * radius, cy + inner[n][1] * radius) for n in members})
    return positions


def _structure(graph: nx.Graph, members: list) -> nx.Graph:
    """``graph.subgraph(members).copy()`` without the attributes, which the layout does not read (a view's
    tooltips): the same nodes and ties, added in the same order, so the same positions. A plain graph, as the
    copy was: algorithms run several times faster on it than on a subgraph view."""
    keep = set(members)
    structure = nx.Graph()
    structure.add_nodes_from(node for node in graph._node if node in keep)
    adjacency = graph._adj
    structure.add_edges_from((a, b) for a in structure._node for b in adjacency[a] if b in keep)
    return structure


def layout(graph: nx.Graph, seed: int = 42, scale: float = 1000.0) -> dict:
    """A seeded force-directed layout that stays fast on thousands of nodes.

    Each connected component is laid out on its own and the components are packed
    in rows, largest first, each given room in proportion to the square root of its
    size; nodes without ties go on a grid below. Within a component of up to
    ``SMALL`` nodes, one Fruchterman-Reingold pass (``networkx.spring_layout``);
    in a larger one, two levels: communities (fast label propagation) are placed by a force-directed
    layout of the community graph, then each community's members around that place,
    so the cost is the sum of the squared community sizes, not the squared size
    (see :func:`grouped_fruchterman_reingold`).

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
    communities: V. A. Traag and L. Šubelj, "Large network community detection by
    fast label propagation", Scientific Reports 13, 2023.
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
        inner = _component(_structure(graph, members), seed)
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
