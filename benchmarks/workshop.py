"""A workshop of 120 participants at 12 tables for 3 rounds, on the synthetic commune: the plan against a random one
under the same constraints, side by side in one run, and the time a plan takes (goal: at most 10 s).

    python benchmarks/workshop.py [--seeds 3] [--people 120] [--tables 12] [--rounds 3]

The participants are the best suggestions for the theme with the most engaged actors, with
one facilitator fixed to each table and at least 3 services per table.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from common import ROOT  # noqa: F401  (puts the project on the path)

from graph import schema
from graph import workshop as planner
from graph.stores.embedded import EmbeddedStore
from graph.synthetic import generate
from graph.territory import TerritoryCache
from importers.pipeline import import_files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--people", type=int, default=120)
    parser.add_argument("--tables", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generate("commune", 1, Path(tmp) / "commune")
        with EmbeddedStore(Path(tmp) / "data") as store:
            import_files([Path(tmp) / "commune"], store)
            territory = TerritoryCache(store).current()
        themes = [n.id for n in territory.nodes.values() if n.kind == schema.THEME.label]
        theme = max(sorted(themes), key=lambda th: len(planner.engaged_in(territory, th)))
        size = -(-args.people // args.tables)
        guests = [g["id"] for g in planner.suggest_guests(territory, [theme], count=args.people)]
        others = sorted(n.id for n in territory.nodes.values() if n.kind == schema.AGENT.label and n.id not in guests)
        guests += others[:args.people - len(guests)]  # fewer suggestions than seats: other agents come too
        agents = [g for g in guests if territory.nodes[g].kind == schema.AGENT.label]
        workshop = planner.Workshop(themes=[theme], tables=args.tables, size=size, rounds=args.rounds,
                                    facilitators={a: k for k, a in enumerate(agents[:args.tables])}, min_services=3)
        planner.plan(territory, workshop, guests, max_steps=50)  # compile the search before any clock starts
        print(f"theme {territory.nodes[theme].name}: {len(guests)} participants, {args.tables} tables of {size}, "
              f"{args.rounds} rounds, a facilitator per table, at least 3 services per table")
        print(f"{'seed':>4} {'seconds':>8} {'new pairs':>10} {'random':>7} {'cross-service':>14} {'random':>7} "
              f"{'services/table':>15} {'random':>7} {'value':>9} {'random':>9}")
        times = []
        for seed in range(args.seeds):
            started = time.perf_counter()
            result = planner.plan(territory, workshop, guests, seed=seed)
            times.append(time.perf_counter() - started)
            random = planner.plan(territory, workshop, guests, seed=seed, random=True)
            assert planner.violations(territory, workshop, result) == []
            assert planner.violations(territory, workshop, random) == []
            ours, theirs = planner.compare(territory, result), planner.compare(territory, random)
            print(f"{seed:>4} {times[-1]:>8.1f} {ours['new_pairs']:>10} {theirs['new_pairs']:>7} "
                  f"{ours['cross_service_pairs']:>14} {theirs['cross_service_pairs']:>7} "
                  f"{ours['services_per_table']:>15} {theirs['services_per_table']:>7} {ours['value']:>9.0f} "
                  f"{theirs['value']:>9.0f}", flush=True)
        print(f"plan time: median {statistics.median(times):.1f} s, largest {max(times):.1f} s "
              f"(goal ≤ 10 s: {'met' if max(times) <= 10 else 'NOT met'})")


if __name__ == "__main__":
    main()
