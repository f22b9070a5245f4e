"""Brandes' betweenness accumulation from a sample of sources, compiled (numba).

Kept apart from :mod:`graph.analysis` so that a command which never asks for betweenness does
not load numba. One breadth-first search per source over the adjacency in compressed sparse
rows, then the dependencies accumulated back: O(sources × (nodes + ties)) steps and a few
arrays of one value per node, where sparse-matrix products over batches of sources held
hundreds of megabytes at a hundred thousand actors (and walked every tie at every level).
"""
from __future__ import annotations

import numpy as np
from numba import njit


def accumulate(indptr: np.ndarray, indices: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """For each node, the sum over *sources* of its dependency (Brandes' delta), itself excluded as a source.

    *indptr*, *indices*: the adjacency as compressed sparse rows, each node's neighbours in the order
    networkx iterates them, so that the searches, hence the sums, run in networkx's order.

    >>> accumulate(np.array([0, 1, 3, 4]), np.array([1, 0, 2, 1]), np.array([0, 1, 2])).tolist()
    [0.0, 2.0, 0.0]
    """
    return _accumulate(indptr.astype(np.int64), indices.astype(np.int64), sources.astype(np.int64))


@njit(cache=True)
def _accumulate(indptr, indices, sources):  # pragma: no cover - compiled
    n = indptr.size - 1
    totals = np.zeros(n)
    sigma = np.zeros(n)  # shortest paths from the source
    delta = np.zeros(n)
    depth = np.full(n, -1, np.int64)
    order = np.empty(n, np.int64)  # nodes in the order reached: a queue going out, a stack coming back
    for s in sources:
        sigma[s], depth[s], order[0] = 1.0, 0, s
        head, tail = 0, 1
        while head < tail:
            v = order[head]
            head += 1
            for e in range(indptr[v], indptr[v + 1]):
                w = indices[e]
                if depth[w] < 0:
                    depth[w] = depth[v] + 1
                    order[tail] = w
                    tail += 1
                if depth[w] == depth[v] + 1:
                    sigma[w] += sigma[v]
        for i in range(tail - 1, 0, -1):  # the source, first reached, is not counted
            w = order[i]
            share = (1.0 + delta[w]) / sigma[w]
            for e in range(indptr[w], indptr[w + 1]):
                v = indices[e]
                if depth[v] == depth[w] - 1:
                    delta[v] += sigma[v] * share
            totals[w] += delta[w]
        for i in range(tail):  # only what this search touched is reset
            w = order[i]
            sigma[w], delta[w], depth[w] = 0.0, 0.0, -1
    return totals
