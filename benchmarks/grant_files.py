"""Every real grant file of ../shared/data/scdl-subventions, imported into both stores: what was loaded, and how fast.

For each file: grants loaded, their total, warnings, rows refused (loaded with
``--skip-invalid``; the figures a careful reader established are asserted in
``tests/test_grant_files.py``), and the seconds each store took, from reading the
file to the committed write, the embedded store and Neo4j side by side in one run.

    python benchmarks/grant_files.py [--repeat 3]

Neo4j: ``NEO4J_URI`` (and NEO4J_USER/PASSWORD), or a server started as the tests do.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from common import ROOT, neo4j_store

from graph.stores.embedded import EmbeddedStore
from importers.context import ImportOptions
from importers.pipeline import import_files

SCDL = ROOT.parent / "shared" / "data" / "scdl-subventions"
OPTIONS = {  # the lists that do not name their payer: the publisher pays
    "maine-et-loire-associations.csv": ImportOptions(payer="Département de Maine-et-Loire", payer_id="22490001900015"),
    "pyrenees-orientales.ods": ImportOptions(payer="Département des Pyrénées-Orientales"),
}


def timed_import(path: Path, store) -> tuple[float, object]:
    options = OPTIONS.get(path.name, ImportOptions())
    started = time.perf_counter()
    result = import_files([path], store, skip_invalid=True, options=options)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="imports per file and store (the median is shown)")
    args = parser.parse_args()
    files = sorted(p for p in SCDL.rglob("*") if p.is_file() and p.suffix != ".json")
    print(f"{'file':<40} {'grants':>7} {'total (€)':>16} {'warnings':>8} {'refused':>7} "
          f"{'embedded s':>10} {'Neo4j s':>8} {'ratio':>6}")
    with neo4j_store() as neo4j, tempfile.TemporaryDirectory() as tmp:
        for path in files:
            embedded_times, neo4j_times = [], []
            result = None
            for attempt in range(args.repeat):
                with EmbeddedStore(Path(tmp) / f"{path.stem}-{attempt}") as embedded:
                    seconds, result = timed_import(path, embedded)
                    embedded_times.append(seconds)
                    stored = list(embedded.relationships(["FUNDS"]))
                neo4j.clear()
                seconds, _ = timed_import(path, neo4j)
                neo4j_times.append(seconds)
                assert len(list(neo4j.relationships(["FUNDS"]))) == len(stored)  # both stores hold the same grants
            total = sum((Decimal(str(r.properties["amount"])) for r in stored), Decimal(0))
            embedded_s, neo4j_s = statistics.median(embedded_times), statistics.median(neo4j_times)
            print(f"{path.relative_to(SCDL)!s:<40} {len(stored):>7} {total:>16,.2f} "
                  f"{len(result.report.warnings):>8} {len(result.rejected):>7} {embedded_s:>10.2f} {neo4j_s:>8.2f} "
                  f"{neo4j_s / embedded_s:>5.1f}×", flush=True)


if __name__ == "__main__":
    main()
