"""The in-memory snapshot at a large scale: the previous release against this one, side by side in one run.

On a real Neo4j holding the ``metropole`` territory (100,012 nodes, 953,271 relationships; loaded
here unless ``--loaded``), ``maillage serve`` is started in turn as

1. the previous release (``--baseline``, taken from git: its snapshot kept a dict per tie and
   every text read from the store as an object of its own),
2. this release, one process, first start (the store read in full: no snapshot kept anywhere, as a store
   filled by another tool), through Maillage's Neo4j plugin (``neo4j-plugin/``, which the Neo4j started here
   loads), then without it (``MAILLAGE_NEO4J_PLUGIN=0``: the read through Cypher),
2b. this release, one process, first start after ``maillage import`` (or ``restore``), which ends by keeping
   the snapshot (:func:`graph.territory.keep_for_next_start`, timed here as the import's last step),
2c. the same on another machine: an empty data folder, the snapshot read back from the one Neo4j keeps,
3. this release again, one process: it reads back the snapshot it kept on disk at its first start
   (:mod:`graph.snapshot_file`), then what changed since (the ties written by the runs before),
4. this release again with ``--workers 2`` (pre-forked processes sharing the snapshot read once),

and for each: the memory of the server (peak resident size of each process, and the peak of
the sum of their proportional set sizes, which counts a page shared by two processes once),
the first answer after start-up (it reads the whole store, or its kept snapshot and what
changed since), the first answer after a write (it reads what changed), the same for a lecteur
(who does not see persons: the masked view), and requests per second with ``--clients``
concurrent clients for ``--seconds`` (works-with, ego at depth 2, an actor's page data, a path,
the first brokers), as an administrator (who sees persons). Every answer must be a 200.

    .venv/bin/python benchmarks/snapshot.py [--scale metropole] [--loaded] [--baseline 3ba3448]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import (
    ROOT,
    Client,
    account_token,
    neo4j_store,
    previous_release,
    shown_after_a_write,
    start_server,
    throughput,
    timed,
)

from graph.synthetic import PROFILES, generate
from graph.territory import keep_for_next_start
from importers.pipeline import import_files


class MemoryWatch:
    """Samples a server's processes (the parent and its children) twice a second while it runs."""

    def __init__(self, pid: int):
        self.pid, self.peak_pss, self.peak_rss, self.processes = pid, 0, 0, set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _pids(self) -> list[int]:
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        found = [self.pid]
        if children.exists():
            found += [int(p) for p in children.read_text().split()]
        return found

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for pid in self._pids():
                try:
                    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().split("\n")
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                pss = [int(line.split()[1]) for line in rollup if line.startswith("Pss:")]
                rss = [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")]
                if not pss or not rss:  # a process exiting (a worker replaced, the server stopping)
                    continue
                total += pss[0]
                self.peak_rss = max(self.peak_rss, rss[0])
                self.processes.add(pid)
            self.peak_pss = max(self.peak_pss, total)
            self._stop.wait(0.5)

    def stop(self) -> tuple[float, float]:
        """(peak of the summed PSS, peak RSS of one process), in MB."""
        self._stop.set()
        self._thread.join()
        return self.peak_pss / 1024, self.peak_rss / 1024


def measure(name: str, root: Path, workers: int, store, token: str, lecteur: str, args, data: Path | None = None,
            environment: dict[str, str] | None = None) -> dict:
    """One server's figures; *data*: its data folder, where this release keeps its snapshot between runs."""
    extra = ["--workers", str(workers)] if workers > 1 else []
    environment = {**store.environment, **({"MAILLAGE_DATA_DIR": str(data)} if data else {}), **(environment or {})}
    started = time.perf_counter()
    server, port, ready = start_server(root, environment, extra)
    watch = MemoryWatch(server.pid)
    try:
        client = Client(port, token)
        status, _ = client.get("/api/v1/actors/ag-00001/works-with")
        first = (time.perf_counter() - started) * 1000  # from start-up to the first answer
        assert status == 200, (name, status)
        profile = PROFILES[args.scale]
        after_write = shown_after_a_write(store, client, random.randrange(1, profile.agents))
        # A reader who may not see persons answers from the masked view (no agent): the same, after a write.
        reader = Client(port, lecteur)
        status, _ = reader.get("/api/v1/actors/asso-00001/works-with")  # the view built once
        assert status == 200, (name, status)
        reader_after_write = shown_after_a_write(store, reader, random.randrange(1, profile.associations), "asso")
        rng = random.Random(args.seed)
        agents = [f"ag-{i:05d}" for i in rng.sample(range(1, profile.agents + 1), min(200, profile.agents))]
        others = [f"asso-{i:05d}" for i in rng.sample(range(1, profile.associations + 1),
                                                      min(200, profile.associations))]
        throughput(port, token, agents, others, args.clients, 5)  # every process has built its caches
        requests, rate, failures = throughput(port, token, agents, others, args.clients, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=60)
        pss, rss = watch.stop()
    row = {"name": name, "ready": ready, "first": first / 1000, "after_write": after_write / 1000, "pss": pss,
           "rss": rss, "requests": requests, "rate": rate, "failures": failures,
           "reader_after_write": reader_after_write / 1000}
    print(f"{name:<40} {pss:>8.0f} {rss:>8.0f} {ready:>7.1f} {first / 1000:>8.1f} {after_write / 1000:>9.2f} "
          f"{reader_after_write / 1000:>10.2f} {rate:>8.1f} {failures:>6}", flush=True)
    return row


def forget_kept_in_store(store) -> None:
    """The snapshot Neo4j keeps for servers starting elsewhere deleted: the store as another tool would leave it
    (a run before this one, or the previous row's server, kept one)."""
    store.driver.execute_query("MATCH (s:MaillageSnapshot) DELETE s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="metropole", choices=["commune", "interco", "metropole"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--loaded", action="store_true", help="the store on NEO4J_URI holds this scale already")
    parser.add_argument("--baseline", default="3ba3448", help="the previous release (a git revision)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with neo4j_store() as store, tempfile.TemporaryDirectory() as folder:
        if not args.loaded:
            counts = generate(args.scale, args.seed, Path(folder) / args.scale)
            store.clear()
            seconds, _ = timed(lambda: import_files([Path(folder) / args.scale], store))
            print(f"{args.scale}: {counts['nodes']} nodes, {counts['relationships']} relationships, "
                  f"loaded in {seconds / 1000:.0f} s", flush=True)
        token, lecteur = account_token(store), account_token(store, "lecteur")
        old = previous_release(args.baseline, Path(folder) / "baseline")
        print(f"\nserve on {args.scale}, {args.clients} clients for {args.seconds:.0f} s\n"
              f"{'':<40} {'PSS MB':>8} {'RSS MB':>8} {'ready s':>7} {'first s':>8} {'write s':>9} "
              f"{'lecteur s':>10} {'req/s':>8} {'errors':>6}", flush=True)
        data = Path(folder) / "data"  # empty: the first start reads the whole store, and keeps its snapshot
        imported = Path(folder) / "imported"  # what `maillage import` leaves: the snapshot it kept
        rows = [measure(f"previous release ({args.baseline})", old, 1, store, token, lecteur, args)]
        forget_kept_in_store(store)
        rows.append(measure("this release, 1 process, first start", ROOT, 1, store, token, lecteur, args, data))
        forget_kept_in_store(store)
        without_plugin = measure("  the same without the Neo4j plugin", ROOT, 1, store, token, lecteur, args,
                                 Path(folder) / "cypher", {"MAILLAGE_NEO4J_PLUGIN": "0"})
        kept, _ = timed(lambda: keep_for_next_start(store, imported / "snapshots"))
        print(f"{'(the snapshot kept by maillage import:':<40} {kept / 1000:.1f} s at the end of the import)",
              flush=True)
        after_import = measure("  first start after maillage import", ROOT, 1, store, token, lecteur, args, imported)
        elsewhere = measure("  the same on another machine", ROOT, 1, store, token, lecteur, args,
                            Path(folder) / "elsewhere")  # an empty data folder: the snapshot Neo4j keeps
        rows += [measure("this release, 1 process, again", ROOT, 1, store, token, lecteur, args, data),
                 measure(f"this release, {args.workers} processes, again", ROOT, args.workers, store, token, lecteur,
                         args, data)]
        base, first, one, several = rows

        def ratio(key: str) -> str:
            return (f"{one[key] / base[key]:.2f}× ({several[key] / base[key]:.2f}× with {args.workers} processes, "
                    f"{first[key] / base[key]:.2f}× at the first start, "
                    f"{without_plugin[key] / base[key]:.2f}× without the plugin, "
                    f"{after_import[key] / base[key]:.2f}× at the first start after an import, "
                    f"{elsewhere[key] / base[key]:.2f}× on another machine)")

        print(f"\nagainst the previous release: memory {ratio('pss')}, first answer {ratio('first')}, "
              f"after a write {ratio('after_write')} (a lecteur's: {ratio('reader_after_write')}), "
              f"throughput {ratio('rate')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
