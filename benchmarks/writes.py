"""Write latency, and the time until the next read shows a write, on both stores, at the commune and interco scales.

Through the real HTTP server (waitress on 127.0.0.1) with an animateur's token, as a person's
form or an API client would: a tie declared between two agents (POST /api/v1/cooperations),
and an actor's record edited with its ETag (PATCH /api/v1/actors/{id} with If-Match), each
recorded in the history in the same transaction. After each declaration, the next read of the
declaring agent's collaborators (GET /api/v1/actors/{id}/works-with) must show the new tie: the
time from the write's answer to that read's answer is "visible after".

Goals (issue #13): write p99 <= 50 ms embedded and <= 100 ms on Neo4j at commune scale; a
write visible to the next read within 100 ms at commune scale and 500 ms at interco scale.

    python benchmarks/writes.py [--writes 300] [--scales commune,interco] [--stores embedded,neo4j]
"""
from __future__ import annotations

import argparse
import http.client
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

from common import neo4j_store, percentile

GOALS = {("embedded", "commune"): (50, 100), ("neo4j", "commune"): (100, 100),
         ("embedded", "interco"): (None, 500), ("neo4j", "interco"): (None, 500)}


class Client:
    def __init__(self, port: int, token: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict | None = None, etag: str | None = None):
        headers = dict(self.headers, **({"If-Match": etag} if etag else {}))
        started = time.perf_counter()
        self.connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        return response.status, json.loads(data) if data else {}, response.getheader("ETag"), elapsed


def measure(store, scale: str, writes: int) -> dict:
    from waitress.server import create_server

    from api.app import create_app
    from graph import accounts
    from graph.synthetic import generate
    from graph.territory import TerritoryCache
    from importers.pipeline import import_files

    with tempfile.TemporaryDirectory() as folder:
        generate(scale, 7, Path(folder))
        started = time.perf_counter()
        import_files([Path(folder)], store)
        imported = time.perf_counter() - started
    territory = TerritoryCache(store).current()
    agents = sorted(n.id for n in territory.nodes.values() if n.kind == "Agent")
    accounts.add(store, "bench", "animateur")
    token = accounts.create_token(store, "bench")[0]
    server = create_server(create_app(store), host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    client = Client(server.effective_port, token)
    first = client.call("GET", f"/api/v1/actors/{agents[0]}/works-with")[3]  # the snapshot, read once
    write_ms: dict[str, list[float]] = {"declare": [], "edit": []}
    visible_ms: list[float] = []
    for n in range(writes):
        a, b = agents[(7 * n) % len(agents)], agents[(7 * n + len(agents) // 2) % len(agents)]
        status, body, _, elapsed = client.call("POST", "/api/v1/cooperations", {
            "actor_a": a, "actor_b": b, "nature": f"bench {n}", "frequency": "mensuelle"})
        assert status == 201, body
        write_ms["declare"].append(elapsed)
        acknowledged = time.perf_counter()
        while True:
            status, answer, _, _ = client.call("GET", f"/api/v1/actors/{a}/works-with")
            if any(c["id"] == b and any(e.get("nature") == f"bench {n}" for e in c["evidence"])
                   for c in answer["collaborators"]):
                break
            assert time.perf_counter() - acknowledged < 30, "the write never showed"
        visible_ms.append((time.perf_counter() - acknowledged) * 1000)
        actor = agents[(3 * n) % len(agents)]
        _, _, etag, _ = client.call("GET", f"/api/v1/actors/{actor}/record")
        status, body, _, elapsed = client.call("PATCH", f"/api/v1/actors/{actor}", {"job_title": f"bench {n}"}, etag)
        assert status == 200, body
        write_ms["edit"].append(elapsed)
    server.close()
    every = write_ms["declare"] + write_ms["edit"]
    return {"store": store.backend, "scale": scale, "nodes": len(territory.nodes),
            "relationships": len(territory.relationships), "import_s": imported, "first_read_ms": first,
            "writes": len(every), "p50": statistics.median(every), "p99": percentile(every, 99),
            "declare_p99": percentile(write_ms["declare"], 99), "edit_p99": percentile(write_ms["edit"], 99),
            "visible_p50": statistics.median(visible_ms), "visible_p99": percentile(visible_ms, 99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=300, help="declarations and as many edits, per case")
    parser.add_argument("--scales", default="commune,interco")
    parser.add_argument("--stores", default="embedded,neo4j")
    args = parser.parse_args()
    from graph.stores.embedded import EmbeddedStore

    results = []
    for scale in args.scales.split(","):
        for backend in args.stores.split(","):
            if backend == "embedded":
                with tempfile.TemporaryDirectory() as folder:
                    store = EmbeddedStore(folder)
                    results.append(measure(store, scale, args.writes))
                    store.close()
            else:
                with neo4j_store() as store:
                    store.clear()
                    results.append(measure(store, scale, args.writes))
                    store.clear()
            print(json.dumps(results[-1]), flush=True)
    print()
    print(f"{'store':<9} {'scale':<8} {'nodes':>6} {'rels':>7} {'writes':>6} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'goal':>5} {'p99/goal':>8} {'visible p50':>11} {'p99 ms':>7} {'goal':>5} {'p99/goal':>8}")
    for r in results:
        write_goal, visible_goal = GOALS[(r["store"], r["scale"])]
        ratio = f"{r['p99'] / write_goal:.2f}" if write_goal else "—"
        print(f"{r['store']:<9} {r['scale']:<8} {r['nodes']:>6} {r['relationships']:>7} {r['writes']:>6} "
              f"{r['p50']:>7.1f} {r['p99']:>7.1f} {write_goal or '—':>5} {ratio:>8} {r['visible_p50']:>11.1f} "
              f"{r['visible_p99']:>7.1f} {visible_goal:>5} {r['visible_p99'] / visible_goal:>8.2f}")


if __name__ == "__main__":
    main()
