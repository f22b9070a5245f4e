"""Cooperation questions on the ``metropole`` territory in Neo4j: the API against equivalent Cypher, side by side.

In one run, on a real Neo4j (``NEO4J_URI``, or one started here as the tests do):

1. loads the ``metropole`` synthetic territory (about 100,000 nodes and 1,000,000
   relationships) with Maillage's importer (unless ``--loaded``);
2. starts ``maillage serve`` (waitress) on that store in another process, asked by an
   administrator's API token (who sees persons);
3. for works-with, ego (depth 2), path and isolated, asks the API and the raw driver the same
   question on the same ``--samples`` actors (at least 200), and **checks that both answers are
   equal** before timing anything else. The raw side applies the same rule as the API's
   cooperation network (``graph/cooperation.py``), in Cypher: two actors work together when they
   take part in (or fund) the same project, when a declaration or a grant links them; a project is
   a link, not a step; a tie's weight is one per shared project and grant, and a declaration's by
   its frequency. Works-with compares every collaborator and weight; ego, the actors within two
   steps and the ties among them with their kinds; path, the length of the shortest chain (the raw
   side walks the same network level by level in Cypher: Neo4j's ``shortestPath`` would count a
   project as a step); isolated, the actors with no tie at all;
4. reports p50 / p99 latency of both sides. Isolated is a global measure the API computes once per
   store version: it is given cold (right after a write, ``--cold`` times) and warm;
5. the other global measures (brokers, communities, the cross-service matrix): cold after start-up,
   cold right after a write, warm; then, on the same network read from the store in this process,
   Maillage's betweenness against networkx's from the same ``--library-sources`` sampled sources
   (the values must be equal), and Maillage's Louvain against networkx's (the modularity of each
   partition);
6. ``--clients`` concurrent clients for ``--seconds``: requests per second and errors.

    .venv/bin/python benchmarks/queries.py [--samples 200] [--clients 50] [--seconds 60] [--loaded]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
from pathlib import Path

from common import (
    ROOT,
    Client,
    account_token,
    neo4j_store,
    percentile,
    shown_after_a_write,
    start_server,
    throughput,
    timed,
)

from graph import schema
from graph.cooperation import FREQUENCY_WEIGHTS
from graph.synthetic import PROFILES, generate
from importers.pipeline import import_files

ACTOR = " OR ".join(f"{{v}}:{label}" for label in schema.ACTOR_LABELS)  # an actor: a node of the network


def _actor(variable: str) -> str:
    return "(" + ACTOR.format(v=variable) + ")"


# The ties of one actor (a) to others (b), with the weight each fact gives (graph/cooperation.py's rule).
TIES = f"""
CALL (a) {{
  MATCH (a)-[:PARTICIPATES_IN|FUNDS]->(p:Project)<-[:PARTICIPATES_IN|FUNDS]-(b) WHERE b <> a AND {_actor("b")}
  RETURN b, count(DISTINCT p) AS weight, 'project' AS kind
  UNION ALL
  MATCH (a)-[c:COOPERATES_WITH]-(b) WHERE b <> a AND {_actor("b")}
  RETURN b, coalesce($weights[toLower(c.frequency)], 1) AS weight,
         CASE WHEN c.origin STARTS WITH 'atelier:' THEN 'workshop' ELSE 'declared' END AS kind
  UNION ALL
  MATCH (a)-[:FUNDS]-(b) WHERE b <> a AND {_actor("b")} RETURN b, 1 AS weight, 'funding' AS kind
}}"""
RAW = {
    "works-with": f"""
MATCH (a:Entity {{id: $id}}) {TIES}
RETURN b.id AS id, sum(weight) AS weight""",
    # The ties among an ego network's members, for a part of them (the members given as a map: looked up, not
    # scanned).
    "ego": f"""
UNWIND $part AS id MATCH (a:Entity {{id: id}}) {TIES}
WITH a.id AS source, b.id AS target, kind WHERE source < target AND $members[target] IS NOT NULL
RETURN source, target, collect(DISTINCT kind) AS kinds""",
    # One level of a breadth-first walk: the actors tied to the frontier (path, and ego's members).
    "path": f"""
UNWIND $frontier AS id MATCH (a:Entity {{id: id}}) {TIES}
RETURN collect(DISTINCT b.id) AS reached""",
    "isolated": f"""
MATCH (n:Entity) WHERE {_actor("n")}
  AND NOT EXISTS {{ MATCH (n)-[:PARTICIPATES_IN|FUNDS]->(:Project)<-[:PARTICIPATES_IN|FUNDS]-(m)
                    WHERE m <> n AND {_actor("m")} }}
  AND NOT EXISTS {{ MATCH (n)-[:COOPERATES_WITH|FUNDS]-(m) WHERE m <> n AND {_actor("m")} }}
  AND NOT EXISTS {{ MATCH (n)<-[:MEMBER_OF|PART_OF]-() }}
RETURN collect(n.id) AS ids""",
}
WEIGHTS = dict(FREQUENCY_WEIGHTS)


def library(store, sources: int) -> None:
    """Maillage's global measures against networkx's, on the network read from *store* here."""
    import networkx as nx

    from graph.analysis import betweenness, louvain_communities
    from graph.cooperation import store_cooperation_network

    seconds, g = timed(lambda: store_cooperation_network(store))
    print(f"\nthe network read in this process: {g.number_of_nodes()} actors, {g.number_of_edges()} ties "
          f"({seconds / 1000:.0f} s)")
    # Both draw their sources with random.Random(42) from the nodes in the same (sorted) order.
    ours_ms, (ours, _) = timed(lambda: betweenness(g, exact_limit=0, sample=sources, seed=42))
    theirs_ms, theirs = timed(lambda: nx.betweenness_centrality(g, k=sources, seed=42))
    gap = max(abs(ours[n] - theirs[n]) for n in g)
    print(f"betweenness from {sources} sources: Maillage {ours_ms / 1000:.1f} s, networkx {theirs_ms / 1000:.1f} s "
          f"({theirs_ms / ours_ms:.1f}x); largest difference {gap:.1e}")
    assert gap < 1e-9, gap
    ours_ms, ours = timed(lambda: louvain_communities(g, weight="weight", seed=1))
    theirs_ms, theirs = timed(lambda: nx.community.louvain_communities(g, weight="weight", seed=1))
    print(f"Louvain: Maillage {ours_ms / 1000:.1f} s, {len(ours)} communities, modularity "
          f"{nx.community.modularity(g, ours):.4f}; networkx {theirs_ms / 1000:.1f} s, {len(theirs)} communities, "
          f"modularity {nx.community.modularity(g, theirs):.4f}", flush=True)


def api_path(query: str, actor: str, other: str) -> str:
    return {"works-with": f"/api/v1/actors/{actor}/works-with", "ego": f"/api/v1/actors/{actor}/ego?depth=2",
            "path": f"/api/v1/cooperation/path?from={actor}&to={other}&alternatives=0",
            "isolated": "/api/v1/cooperation/isolated"}[query]


def raw(store, query: str, actor: str, other: str):
    """The raw side's answer, in the shape :func:`api_answer` gives the API's."""
    def run(cypher: str, **parameters):
        return store.driver.execute_query(cypher, weights=WEIGHTS, database_=store.database,
                                          **parameters).records

    if query == "works-with":
        return {(r["id"], r["weight"]) for r in run(RAW[query], id=actor)}
    def walk(until) -> tuple[set[str], int]:
        """Breadth-first from *actor*, one Cypher query per level, until *until(seen, length)*."""
        seen, frontier, length = {actor}, [actor], 0
        while frontier and not until(seen, length):
            reached = [n for n in run(RAW["path"], frontier=frontier)[0]["reached"] if n not in seen]
            seen.update(reached)
            frontier, length = reached, length + 1
        return seen, length

    if query == "ego":
        members, _ = walk(lambda seen, length: length == 2)
        ordered, ties = sorted(members), set()
        for start in range(0, len(ordered), 500):  # a transaction's memory is bounded
            ties.update((r["source"], r["target"], tuple(sorted(r["kinds"]))) for r in run(
                RAW[query], part=ordered[start:start + 500], members=dict.fromkeys(members, True)))
        return members, ties
    if query == "path":  # breadth-first from both ends, the smaller frontier first (as networkx does)
        depths: list[dict[str, int]] = [{actor: 0}, {other: 0}]
        frontiers = [[actor], [other]]
        while actor != other and frontiers[0] and frontiers[1]:
            side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
            near, far = depths[side], depths[1 - side]
            level = near[frontiers[side][0]] + 1
            reached = [n for n in run(RAW["path"], frontier=frontiers[side])[0]["reached"] if n not in near]
            met = [level + far[n] for n in reached if n in far]
            if met:
                return min(met)
            near.update(dict.fromkeys(reached, level))
            frontiers[side] = reached
        return 0 if actor == other else None
    return set(run(RAW[query])[0]["ids"])


def api_answer(query: str, body: bytes):
    answer = json.loads(body)
    if query == "works-with":
        return {(c["id"], c["weight"]) for c in answer["collaborators"]}
    if query == "ego":
        return ({n["id"] for n in answer["nodes"]},
                {(e["source"], e["target"], tuple(sorted(e["evidence_kinds"]))) for e in answer["edges"]})
    if query == "path":
        return answer["paths"][0]["length"] if answer["found"] else None
    return {a["id"] for a in answer["actors"] if "no_ties" in a["reasons"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--cold", type=int, default=10, help="isolated asked right after a write, this many times")
    parser.add_argument("--library-sources", type=int, default=32,
                        help="sources of the betweenness computed by both Maillage and networkx")
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
    if not args.loaded:
        with tempfile.TemporaryDirectory() as folder:
            counts = generate(args.scale, args.seed, Path(folder) / args.scale)
            store.clear()
            seconds, _ = timed(lambda: import_files([Path(folder) / args.scale], store))
            print(f"{args.scale} (seed {args.seed}): {counts['nodes']} nodes, {counts['relationships']} "
                  f"relationships, loaded into Neo4j in {seconds / 1000:.0f} s")
    token = account_token(store)
    api, port, _ = start_server(ROOT, store.environment)
    try:
        client = Client(port, token)
        first, _ = timed(lambda: client.get("/api/v1/actors/ag-00001/works-with"))
        print(f"\nfirst request after start-up (reads the whole store): {first / 1000:.1f} s")
        writes = iter(range(1, 100000))

        def write_one_tie() -> float:
            """A tie written, once the server's answers show it (ms): what is timed next is computed afresh."""
            return shown_after_a_write(store, client, next(writes))

        refresh = write_one_tie()
        print(f"a write shown in the answers (what changed read): {refresh:.0f} ms")

        rng = random.Random(args.seed)
        profile = PROFILES[args.scale]
        agents = [f"ag-{i:05d}" for i in rng.sample(range(1, profile.agents + 1), args.samples)]
        others = [f"asso-{i:05d}" for i in rng.sample(range(1, profile.associations + 1), args.samples)]
        print(f"\n{args.samples} samples per question (ms)  API p50   API p99   raw p50   raw p99   API/raw (p50)"
              "   answers equal")
        for query in ("works-with", "ego", "path", "isolated"):
            api_times, raw_times, unequal = [], [], []
            for actor, other in zip(agents, others):
                elapsed, (status, body) = timed(lambda: client.get(api_path(query, actor, other)))
                assert status == 200, (query, actor, status)
                api_times.append(elapsed)
                elapsed, expected = timed(lambda: raw(store, query, actor, other))
                raw_times.append(elapsed)
                if api_answer(query, body) != expected:
                    unequal.append(actor)
            api50, raw50 = statistics.median(api_times), statistics.median(raw_times)
            print(f"{query:<34} {api50:>8.1f} {percentile(api_times, 99):>9.1f} {raw50:>9.1f} "
                  f"{percentile(raw_times, 99):>9.1f} {api50 / raw50:>10.2f}   "
                  f"{args.samples - len(unequal)}/{args.samples}", flush=True)
            assert not unequal, f"{query}: the API and Cypher disagree for {unequal[:5]}"
        cold = []
        for _ in range(args.cold):
            write_one_tie()
            elapsed, (status, _) = timed(lambda: client.get(api_path("isolated", "", "")))
            assert status == 200
            cold.append(elapsed)
        print(f"{'isolated, cold (after a write)':<34} {statistics.median(cold):>8.1f} {max(cold):>9.1f}"
              f"   ({args.cold} samples: a global measure, computed once per store version)")

        measures = (("brokers", "/api/v1/cooperation/brokers"), ("communities", "/api/v1/cooperation/communities"),
                    ("cross-service matrix", "/api/v1/cooperation/services"))
        print("\nglobal measures through the API (ms)   cold, after start-up   cold, right after a write   repeat")
        for name, path in measures:
            cold_first, (status, body) = timed(lambda: client.get(path))
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
            print(f"{name:<40} {cold_first:>10.0f} {after_write:>22.0f} {warm:>12.1f}{extra}", flush=True)

        library(store, args.library_sources)

        requests, rate, errors = throughput(port, token, agents, others, args.clients, args.seconds)
        print(f"\n{args.clients} concurrent clients for {args.seconds} s: {requests} requests, "
              f"{rate:.0f} requests/s, {errors} errors")
    finally:
        api.terminate()
        api.wait(timeout=30)


if __name__ == "__main__":
    raise SystemExit(main())
