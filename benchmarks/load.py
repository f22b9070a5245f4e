"""The load scenario of a commune's day (issue #17), with Locust, against waitress and a real Neo4j on loopback.

A synthetic commune (the scale of Malaunay: 110 agents) is imported into Neo4j; the application runs as
``maillage serve`` would (a separate process, waitress, reading requires an account). Then, for
``--minutes`` (bounded in time, and in requests by the users' pacing):

* readers browse pages, views and API answers; contributors edit their record and declare ties;
* a survey campaign sends a personal link to every agent: all of them answer within the run (by default
  ten minutes: "110 respondents answering within ten minutes"; ``--minutes 2`` is five times that pace);
* real published grant files are imported meanwhile (``maillage import``, one after the other, again and
  again until the end).

The day starts once the server is ready (its /health no longer says ``warming``: snapshot read, a person's
writes prepared); the writes made while a server starts are measured by benchmarks/first_writes.py.

The report gives, per kind of request, the count, failures, throughput and latency percentiles (Locust's
own statistics), and the goals: p99 <= 100 ms for pages and reads, <= 200 ms for writes.

    python benchmarks/load.py [--minutes 10] [--readers 20] [--contributors 8] [--respondents 6]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common import ROOT, neo4j_store

GRANT_FILES = sorted((ROOT.parent / "shared" / "data" / "scdl-subventions" / "more").glob("*"))
RESPONDENTS = 110
# p99 goals in ms: pages and reads 100, writes 200 (a survey's answer is a write, its page and names reads)
GOALS = {"read": 100, "survey: page": 100, "survey: names": 100, "survey: answer": 200, "write": 200}


def prepare(store, folder: Path) -> dict:
    """The commune imported, the accounts and their tokens, and an open campaign's personal links."""
    from graph import accounts, campaigns, schema
    from graph.editing import Author
    from graph.synthetic import generate
    from graph.territory import TerritoryCache
    from importers.pipeline import import_files

    generate("commune", 7, folder / "commune")
    import_files([folder / "commune"], store)
    territory = TerritoryCache(store).current()
    agents = sorted(n.id for n in territory.nodes.values() if n.kind == schema.AGENT.label)
    actors = sorted(n.id for n in territory.nodes.values() if n.kind in schema.ACTOR_LABELS)
    services = sorted(n.id for n in territory.nodes.values() if n.kind == schema.SERVICE.label)
    readers = []
    for number in range(20):
        accounts.add(store, f"lecteur{number}", "lecteur")
        readers.append(accounts.create_token(store, f"lecteur{number}")[0])
    contributors = []
    for number, agent in enumerate(agents[:20]):
        accounts.add(store, f"contributeur{number}", "contributeur", agent)
        contributors.append((agent, accounts.create_token(store, f"contributeur{number}")[0]))
    # The campaign asks the services, pôle by pôle, until 110 agents (the commune's staff) have a link.
    chosen: list[str] = []
    for pole in (s for s in services if s not in territory.parent_of):
        if len(set().union(*(territory.members_of(s) for s in chosen))) >= RESPONDENTS:
            break
        chosen.append(pole)
    _, links = campaigns.open_campaign(store, territory, Author("animateur", "animateur"), "2099-12-31", chosen)
    names = [f"{territory.nodes[a].name} — {a}" for a in agents]
    words = sorted({territory.nodes[a].name.split()[-1] for a in agents})[:50]
    return {"agents": agents, "actors": actors, "services": services, "reader_tokens": readers,
            "contributors_tokens": contributors, "survey_tokens": list(links.values())[:RESPONDENTS],
            "survey_names": names,
            "words": words}


@contextmanager
def opened_store(kind: str, folder: Path) -> Iterator:
    if kind == "neo4j":
        with neo4j_store() as store:
            yield store
        return
    from graph.stores.embedded import EmbeddedStore

    store = EmbeddedStore(folder / "data")
    store.environment = {"MAILLAGE_DATA_DIR": str(folder / "data")}  # type: ignore[attr-defined]
    try:
        yield store
    finally:
        store.close()


def wait_for(url: str, timeout: float = 120) -> float:
    """Seconds until *url* (a server's /health) answers and no longer says ``warming``: the commune's day starts
    once the server is ready, as a town hall's does (benchmarks/first_writes.py measures the writes made
    during a start)."""
    import urllib.request

    started = time.monotonic()
    while time.monotonic() < started + timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if not json.loads(answer.read()).get("warming"):
                    return time.monotonic() - started
        except Exception:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--contributors", type=int, default=8)
    parser.add_argument("--respondents", type=int, default=6)
    parser.add_argument("--no-import", action="store_true", help="no import meanwhile (for comparison)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (maillage serve --workers)")
    parser.add_argument("--store", choices=["neo4j", "embedded"], default="neo4j",
                        help="the embedded store instead of Neo4j (for comparison)")
    args = parser.parse_args()
    seconds = int(args.minutes * 60)
    from tests.neo4j_server import free_port

    with tempfile.TemporaryDirectory() as scratch, opened_store(args.store, Path(scratch)) as store:
        folder = Path(scratch)
        store.clear()
        plan = prepare(store, folder)
        links = len(plan["survey_tokens"])
        # Every link answered within 80 % of the run: each respondent user answers one every so often.
        plan.update(readers=args.readers, contributors=args.contributors, respondents=args.respondents,
                    respondent_wait=0.8 * seconds * args.respondents / links)
        (folder / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
        env = {**os.environ, "MAILLAGE_DATA_DIR": str(folder / "server"),  # (where it keeps its snapshot)
               **store.environment, "MAILLAGE_LOAD_PLAN": str(folder / "plan.json"),
               "MAILLAGE_ANONYMOUS_READ": "", "MAILLAGE_LOG_FORMAT": "json",
               # The commune's staff read each other by name (readers have a lecteur's account).
               "MAILLAGE_PERSONS_VISIBLE_TO": "lecteur"}
        port = free_port()
        bin_dir = Path(sys.executable).parent
        log = open(folder / "serve.log", "w")  # noqa: SIM115 (the server's log, for as long as it runs)
        serve = subprocess.Popen([str(bin_dir / "maillage"), "serve", "--port", str(port),
                                  "--workers", str(args.workers)], env=env,
                                 stdout=log, stderr=subprocess.STDOUT)
        imports: list[float] = []
        try:
            ready = wait_for(f"http://127.0.0.1:{port}/health")
            print(f"server ready (warmed up) {ready:.1f} s after it started", flush=True)
            users = args.readers + args.contributors + args.respondents
            locust = subprocess.Popen(
                [str(bin_dir / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
                 "--host", f"http://127.0.0.1:{port}", "-u", str(users), "-r", str(max(1, users // 5)),
                 "-t", f"{seconds}s", "--csv", str(folder / "load"), "--only-summary", "--stop-timeout", "10"],
                env=env, stdout=subprocess.DEVNULL, stderr=open(folder / "locust.log", "w"))  # noqa: SIM115
            while locust.poll() is None and args.no_import:
                time.sleep(0.5)
            while locust.poll() is None:  # the imports, one after the other, for as long as the load runs
                for grant_file in GRANT_FILES:
                    if locust.poll() is not None:
                        break
                    started = time.perf_counter()
                    # A background job, as an import during office hours should be run.
                    subprocess.run(["nice", "-n", "10", str(bin_dir / "maillage"), "import", "--background",
                                    "--skip-invalid",
                                    "--rejects", str(folder / "rejets.csv"), str(grant_file)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
                    imports.append(time.perf_counter() - started)
        finally:
            serve.terminate()
            serve.wait(timeout=30)
            log.close()
        from graph import campaigns

        answered = len(store.records(campaigns.ANSWERS))
        report(folder / "load_stats.csv", seconds, imports, links, answered, store.node_counts())
        server_side((folder / "serve.log").read_text().splitlines())
    return 0


def server_side(lines: list[str]) -> None:
    """The server's own timings, from its JSON request log: what the request cost in the process, without the
    queueing before a thread took it."""
    from collections import defaultdict

    by_route: dict[str, list[float]] = defaultdict(list)
    errors = 0
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("logger") == "maillage.requests":
            by_route[f"{entry['method']} {entry['route']}"].append(entry["ms"])
            errors += entry["status"] >= 500
    print(f"\nServer side (request log): {sum(map(len, by_route.values()))} requests, {errors} with a 5xx status")
    print("| route | requests | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|")
    for route, times in sorted(by_route.items()):
        times.sort()
        print(f"| {route} | {len(times)} | {times[len(times) // 2]:.1f} | {times[int(0.99 * (len(times) - 1))]:.1f} | "
              f"{times[-1]:.1f} |")


def report(stats_file: Path, seconds: int, imports: list[float], links: int, answered: int, counts: dict) -> None:
    rows = list(csv.DictReader(stats_file.open(encoding="utf-8")))
    print(f"\nLoad scenario: {seconds} s on loopback (waitress 8 threads, Neo4j), commune scale; "
          f"{len(imports)} grant-file imports meanwhile (mean {sum(imports) / max(1, len(imports)):.1f} s); "
          f"survey links: {links}, answered: {answered}; nodes afterwards: {sum(counts.values())}\n")
    print("| kind | requests | failures | req/s | p50 ms | p95 ms | p99 ms | max ms | goal p99 | p99/goal |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        name = row["Name"]
        goal = GOALS.get(name, GOALS.get(name.split(":")[0]))
        p99 = float(row["99%"])
        print(f"| {name} | {row['Request Count']} | {row['Failure Count']} | {float(row['Requests/s']):.1f} | "
              f"{row['50%']} | {row['95%']} | {row['99%']} | {float(row['Max Response Time']):.0f} | "
              f"{goal or '—'} | {f'{p99 / goal:.2f}' if goal else '—'} |")


if __name__ == "__main__":
    raise SystemExit(main())
