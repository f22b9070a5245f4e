"""People's writes while a real grant file is imported into Neo4j: a plain import against ``--background``.

A commune is loaded; then, side by side in one run, the largest published grant file
(``shared/data/scdl-subventions/more/loire-atlantique.csv``, 22,000 facts) is imported by
``maillage import`` twice into a fresh store — once plain, once with ``--background`` —
while a person creates an actor every 100 ms (each one transaction with its history entry).
An import's transactions hold the writers' lock; the background import writes small ones
and pauses after each, so that a person's change waits for at most a short one.

    python benchmarks/import_background.py
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import ROOT, neo4j_store, percentile

GRANT_FILE = ROOT.parent / "shared" / "data" / "scdl-subventions" / "more" / "loire-atlantique.csv"


def measure(store, folder: Path, background: bool) -> dict:
    from graph import editing, migrations
    from graph.editing import Author
    from graph.synthetic import generate
    from importers.pipeline import import_files

    store.clear()
    migrations.upgrade(store)
    generate("commune", 7, folder / f"commune-{background}")
    import_files([folder / f"commune-{background}"], store)
    stop, during, started_at = threading.Event(), [], [0.0, 0.0]

    def person() -> None:
        number, author = 0, Author("agent", "animateur")
        while not stop.is_set():
            number += 1
            began = time.perf_counter()
            editing.create_record(store, editing.ACTOR, {"id": f"as-b-{number}", "kind": "association",
                                                         "name": f"Association {number}"}, author)
            if started_at[0] <= began <= (started_at[1] or float("inf")):
                during.append((time.perf_counter() - began) * 1000)
            time.sleep(0.1)

    thread = threading.Thread(target=person)
    thread.start()
    time.sleep(1)
    started_at[0] = time.perf_counter()
    subprocess.run([sys.executable, "-m", "api.cli", "import", "--skip-invalid", "--rejects",
                    str(folder / "rejets.csv"), *(["--background"] if background else []), str(GRANT_FILE)],
                   env={**os.environ, **store.environment, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    started_at[1] = time.perf_counter()
    stop.set()
    thread.join()
    return {"import_s": started_at[1] - started_at[0], "writes": len(during), "p50": percentile(during, 50),
            "p99": percentile(during, 99), "max": max(during)}


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch, neo4j_store() as store:
        rows = {mode: measure(store, Path(scratch), mode == "background") for mode in ("plain", "background")}
    print(f"\nA person's writes while {GRANT_FILE.name} is imported into Neo4j (ms)\n")
    print("| import | import s | writes meanwhile | p50 | p99 | max |\n|---|---:|---:|---:|---:|---:|")
    for mode, row in rows.items():
        print(f"| {mode} | {row['import_s']:.1f} | {row['writes']} | {row['p50']:.0f} | {row['p99']:.0f} | "
              f"{row['max']:.0f} |")
    plain, background = rows["plain"], rows["background"]
    print(f"\nbackground / plain: p99 {background['p99'] / plain['p99']:.2f}x, "
          f"import time {background['import_s'] / plain['import_s']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
