"""A small Neo4j read (one record, as a token or a survey link is read) the way Maillage makes it, one
auto-commit query (``Neo4jStore._lookup``: one round trip), against the driver's managed transaction
(``execute_query``, which waits for its COMMIT's answer too: two round trips), side by side in one run, taking
turns read by read: idle, then with busy processes keeping every core occupied, as an import and Locust do in
the load scenario (``benchmarks/load.py``). Both ways must read the same record.

    .venv/bin/python benchmarks/small_reads.py [--reads 2000] [--busy 3]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable

from common import neo4j_store, percentile, timed


def measure(ways: list[Callable[[], object]], reads: int) -> list[tuple[float, float]]:
    """(p50, p99) of each way, the ways taking turns read by read: both see the same moments of the machine."""
    times: list[list[float]] = [[] for _ in ways]
    for _ in range(reads):
        for way, kept in zip(ways, times):
            kept.append(timed(way)[0])
    return [(percentile(kept, 50), percentile(kept, 99)) for kept in times]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--busy", type=int, default=3, help="busy-loop processes for the second measure")
    args = parser.parse_args()
    from graph.stores import neo4j_store as module

    with neo4j_store() as store:
        store.put_records([("benchmark", "record", {"value": 1})])
        rid = module._record_id("benchmark", "record")

        def managed() -> object:
            return store._query(module.GET_RECORD, rid=rid).records[0]["value"]

        def one_query() -> object:
            return store._lookup(module.GET_RECORD, rid=rid)[0]["value"]

        assert managed() == one_query(), "both ways must read the same record"
        measure([managed, one_query], 500)  # the server's compiled code and plans warmed first, for both
        print(f"one record read {args.reads} times each way (ms)")
        print(f"{'':<22}{'managed p50':>12}{'p99':>8}{'one query p50':>15}{'p99':>8}{'p99 ratio':>11}")
        for label, busy in (("idle", 0), (f"{args.busy} busy processes", args.busy)):
            hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(busy)]
            try:
                slow, fast = measure([managed, one_query], args.reads)
            finally:
                for hog in hogs:
                    hog.kill()
            print(f"{label:<22}{slow[0]:>12.2f}{slow[1]:>8.2f}{fast[0]:>15.2f}{fast[1]:>8.2f}"
                  f"{fast[1] / slow[1]:>10.2f}×")
        store.put_records([("benchmark", "record", None)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
