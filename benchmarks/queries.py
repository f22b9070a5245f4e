"""Cooperation queries on the ``metropole`` territory in Neo4j: the API against the raw driver, side by side.

In one run, on a real Neo4j (``NEO4J_URI``, or one started here as the tests do):

1. loads the ``metropole`` synthetic territory (about 100,000 nodes and
   1,000,000 relationships) with Maillage's importer;
2. starts ``maillage serve`` (waitress) on that store in another process;
3. global measures (brokers, communities, cross-service matrix): the first, cold
   computation, and a repeat with no write in between;
4. p50 and p99 latency of works-with, ego (depth 2), path and isolated through the
   HTTP API, and of the same question asked raw through the Neo4j driver (the
   Cypher below, over the stored facts), on the same sample of actors. The raw
   ego query returns, like the API, the actors within two steps and the ties among
   them with their kinds of evidence. The raw isolated query finds
   actors with no tie at all; the API also gives the other reasons;
5. 50 concurrent clients for 60 seconds against the served API: requests per
   second and errors.

    .venv/bin/python benchmarks/queries.py [--clients 50] [--seconds 60] [--samples 200]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import ROOT, neo4j_store

from graph.model import Batch, Provenance, Relationship
from graph.synthetic import PROFILES, generate
from importers.pipeline import import_files

NEIGHBOURS = """
CALL (a) {
  MATCH (a)-[:PARTICIPATES_IN]->(:Project)<-[:PARTICIPATES_IN]-(b) WHERE b <> a RETURN b
  UNION
  MATCH (a)-[:COOPERATES_WITH|FUNDS]-(b) WHERE NOT b:Project RETURN b
}"""
RAW = {
    "works-with": """
MATCH (a:Entity {id: $id})
CALL (a) {
  MATCH (a)-[:PARTICIPATES_IN]->(p:Project)<-[:PARTICIPATES_IN]-(b) WHERE b <> a
  RETURN b, 'project' AS kind, p.id AS ref
  UNION ALL
  MATCH (a)-[c:COOPERATES_WITH]-(b) RETURN b, 'declared' AS kind, c.nature AS ref
  UNION ALL
  MATCH (a)-[f:FUNDS]-(b) WHERE NOT b:Project RETURN b, 'funding' AS kind, f.key AS ref
}
RETURN b.id AS id, b.name AS name, count(*) AS weight, collect({kind: kind, ref: ref}) AS evidence
ORDER BY weight DESC""",
    "ego": """
MATCH (a:Entity {id: $id})
CALL (a) {
  MATCH (a)-[:PARTICIPATES_IN]->(:Project)<-[:PARTICIPATES_IN]-(b) WHERE b <> a RETURN b
  UNION
  MATCH (a)-[:COOPERATES_WITH|FUNDS]-(b) WHERE NOT b:Project RETURN b
}
WITH a, collect(DISTINCT b) AS first
UNWIND first AS f
CALL (f) {
  MATCH (f)-[:PARTICIPATES_IN]->(:Project)<-[:PARTICIPATES_IN]-(c) WHERE c <> f RETURN c
  UNION
  MATCH (f)-[:COOPERATES_WITH|FUNDS]-(c) WHERE NOT c:Project RETURN c
}
WITH a, first, collect(DISTINCT c) AS second
WITH [a] + first + [x IN second WHERE NOT x IN first AND x <> a] AS members
WITH members, [m IN members | m.id] AS ids
UNWIND members AS m
CALL (m) {
  MATCH (m)-[:PARTICIPATES_IN]->(:Project)<-[:PARTICIPATES_IN]-(n) WHERE n <> m RETURN n, 'project' AS kind
  UNION
  MATCH (m)-[r:COOPERATES_WITH|FUNDS]-(n) WHERE NOT n:Project
  RETURN n, CASE type(r) WHEN 'FUNDS' THEN 'funding' ELSE 'declared' END AS kind
}
WITH ids, m, n, kind WHERE m.id < n.id AND n.id IN ids
RETURN ids, collect(DISTINCT [m.id, n.id, kind]) AS ties""",
    "path": """
MATCH (a:Entity {id: $id}), (b:Entity {id: $to})
MATCH p = shortestPath((a)-[:PARTICIPATES_IN|COOPERATES_WITH|FUNDS*..12]-(b))
RETURN [n IN nodes(p) | n.id] AS ids""",
    "isolated": """
MATCH (n:Entity) WHERE (n:Agent OR n:Elected OR n:Association OR n:Partner)
  AND NOT (n)-[:PARTICIPATES_IN|COOPERATES_WITH|FUNDS]-()
RETURN n.id AS id""",
}


def api_path(query: str, actor: str, other: str) -> str:
    return {"works-with": f"/api/v1/actors/{actor}/works-with", "ego": f"/api/v1/actors/{actor}/ego?depth=2",
            "path": f"/api/v1/cooperation/path?from={actor}&to={other}&alternatives=0",
            "isolated": "/api/v1/cooperation/isolated"}[query]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Client:
    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def get(self, path: str) -> tuple[int, bytes]:
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        return response.status, response.read()


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", default="metropole", choices=["commune", "interco", "metropole"],
                        help="a smaller territory for a quick check of the benchmark itself")
    parser.add_argument("--loaded", action="store_true",
                        help="the store on NEO4J_URI already holds this territory: do not load it again")
    args = parser.parse_args()
    with neo4j_store() as store:
        run(store, args)
    return 0


def run(store, args) -> None:
    api = None
    try:
        with tempfile.TemporaryDirectory() as folder:
            counts = generate(args.scale, args.seed, Path(folder) / args.scale)
            if not args.loaded:
                store.clear()
                seconds, _ = timed(lambda: import_files([Path(folder) / args.scale], store))
                print(f"{args.scale} (seed {args.seed}): {counts['nodes']} nodes, {counts['relationships']} "
                      f"relationships, loaded into Neo4j in {seconds / 1000:.0f} s")

        from tests.neo4j_server import free_port

        port = free_port()
        env = {**os.environ, **store.environment, "PYTHONPATH": str(ROOT)}
        api = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                if Client(port).get("/health")[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        client = Client(port)

        first, _ = timed(lambda: client.get("/api/v1/actors/ag-00001/works-with"))
        print(f"\nfirst request after start-up (reads the whole store): {first / 1000:.1f} s")
        measures = (("brokers", "/api/v1/cooperation/brokers"), ("communities", "/api/v1/cooperation/communities"),
                    ("cross-service matrix", "/api/v1/cooperation/services"))
        writes = iter(range(1, 1000))

        def write_one_tie() -> None:
            """A new declared cooperation, as a staff member would add one: the store version changes."""
            number = next(writes)
            store.write(Batch([], [Relationship("COOPERATES_WITH", f"ag-{number:05d}", f"ag-{number + 1:05d}",
                                                f"bench-{time.time_ns()}", {"frequency": "mensuelle"},
                                                Provenance("benchmark", number, "user"))]))

        write_one_tie()
        refresh, _ = timed(lambda: client.get("/api/v1/actors/ag-00001/works-with"))
        print(f"first request after a write (reads what changed): {refresh:.0f} ms")
        print("\nglobal measures through the API (ms)   cold, after start-up   cold, right after a write   repeat")
        for name, path in measures:
            cold, (status, body) = timed(lambda: client.get(path))
            assert status == 200, (name, status)
            write_one_tie()
            after_write, (status, _) = timed(lambda: client.get(path))
            assert status == 200, (name, status)
            warm, _ = timed(lambda: client.get(path))
            extra = ""
            if name == "brokers":
                sample_size = json.loads(body)["sample_size"]
                extra = "  (exact betweenness)" if sample_size is None else \
                    f"  (betweenness sampled from {sample_size} sources)"
            print(f"{name:<40} {cold:>10.0f} {after_write:>22.0f} {warm:>12.1f}{extra}")

        rng = random.Random(args.seed)
        profile = PROFILES[args.scale]
        agents = [f"ag-{i:05d}" for i in rng.sample(range(1, profile.agents + 1), args.samples)]
        others = [f"asso-{i:05d}" for i in rng.sample(range(1, profile.associations + 1), args.samples)]
        print(f"\nlatency over {args.samples} actors (ms)     API p50   API p99   raw p50   raw p99   API/raw (p50)")
        for query in ("works-with", "ego", "path", "isolated"):
            sample = list(zip(agents, others))[: (20 if query == "isolated" else args.samples)]
            api_times, raw_times = [], []
            if query == "isolated":  # a global measure: computed once per store version, then served
                client.get(api_path(query, agents[0], others[0]))
            for actor, other in sample:
                elapsed, (status, _) = timed(lambda: client.get(api_path(query, actor, other)))
                assert status == 200, (query, actor, status)
                api_times.append(elapsed)
                elapsed, _ = timed(lambda: store.driver.execute_query(RAW[query], id=actor, to=other,
                                                                      database_=store.database))
                raw_times.append(elapsed)
            api50, raw50 = statistics.median(api_times), statistics.median(raw_times)
            print(f"{query:<34} {api50:>8.1f} {percentile(api_times, 99):>9.1f} {raw50:>9.1f} "
                  f"{percentile(raw_times, 99):>9.1f} {api50 / raw50:>10.2f}")

        paths = ["/api/v1/actors/{a}/works-with", "/api/v1/actors/{a}/ego?depth=2", "/api/v1/actors/{a}",
                 "/api/v1/cooperation/path?from={a}&to={b}&alternatives=0", "/api/v1/cooperation/brokers?limit=10"]
        done, errors, lock = [0], [0], threading.Lock()
        stop = time.monotonic() + args.seconds

        def worker(number: int) -> None:
            local_rng, connection = random.Random(number), Client(port)
            while time.monotonic() < stop:
                path = local_rng.choice(paths).format(a=local_rng.choice(agents), b=local_rng.choice(others))
                try:
                    status, _ = connection.get(path)
                    ok = status == 200
                except Exception:
                    ok, connection = False, Client(port)
                with lock:
                    done[0] += 1
                    errors[0] += 0 if ok else 1

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        print(f"\n{args.clients} concurrent clients for {args.seconds} s: {done[0]} requests, "
              f"{done[0] / elapsed:.0f} requests/s, {errors[0]} errors")
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=30)


if __name__ == "__main__":
    raise SystemExit(main())
