"""Loading the ``interco`` synthetic territory into Neo4j and into the embedded store, side by side.

Prints nodes per second and relationships per second for each store, measured in
the same run on the same files. Neo4j is the server given by ``NEO4J_URI``, or one
started here exactly as the tests do.

    .venv/bin/python benchmarks/load_interco.py [--seed N] [--repeat R]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import neo4j_store

from graph.model import Batch
from graph.stores.embedded import EmbeddedStore
from graph.synthetic import generate
from importers.pipeline import read_files


def measure(store, batch: Batch) -> tuple[float, float]:
    store.clear()
    started = time.perf_counter()
    store.write(Batch(batch.nodes, []))
    nodes_seconds = time.perf_counter() - started
    started = time.perf_counter()
    store.write(Batch([], batch.relationships))
    relationships_seconds = time.perf_counter() - started
    return nodes_seconds, relationships_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per store; the best one is kept")
    args = parser.parse_args()

    with neo4j_store() as neo4j, tempfile.TemporaryDirectory() as folder:
        generate("interco", args.seed, Path(folder) / "interco")
        batch = read_files([Path(folder) / "interco"]).batch
        stores = {"neo4j": neo4j, "embedded": EmbeddedStore(Path(folder) / "data")}
        print(f"interco (seed {args.seed}): {len(batch.nodes)} nodes, {len(batch.relationships)} relationships; "
              f"best of {args.repeat} runs per store")
        print(f"{'store':<10} {'nodes/s':>12} {'relationships/s':>17} {'total s':>9}")
        rates = {}
        for name, store in stores.items():
            best = min((measure(store, batch) for _ in range(args.repeat)), key=sum)
            rates[name] = (len(batch.nodes) / best[0], len(batch.relationships) / best[1])
            print(f"{name:<10} {rates[name][0]:>12,.0f} {rates[name][1]:>17,.0f} {sum(best):>9.2f}")
        stores["embedded"].close()
        print(f"ratio embedded/neo4j: nodes {rates['embedded'][0] / rates['neo4j'][0]:.2f}x, "
              f"relationships {rates['embedded'][1] / rates['neo4j'][1]:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
