"""Peak memory of ``maillage import`` on SCDL-like grant files: how it grows with rows, and with distinct actors.

In one run, grant files (written by :func:`graph.synthetic.write_scdl_grants`) are
imported, each by its own ``maillage import`` process into a fresh embedded store, along
two lines:

* rows grow (10,000, 100,000, 1,000,000) with 50,000 possible beneficiaries;
* distinct beneficiaries grow (5,000, 50,000, 500,000 possible) with 1,000,000 rows.

The peak resident memory of each process is read from the kernel (``wait4``), through a small
launcher process: a child's peak counts the memory of the process it was forked from (Linux
keeps it across ``exec``), and this benchmark's own process grows to 1.6 GB when it checks a
store of a million grants; measured from it directly, every later import "peaked" at 1.6 GB.
Then what was stored is checked against the file: one grant per row, one organisation per
distinct beneficiary and payer, and the same total amount.

    .venv/bin/python benchmarks/import_memory.py [--rows 10000 100000 1000000] [--distinct 5000 50000 500000]
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from common import ROOT

from graph.schema import ORGANISATION_LABELS
from graph.stores.embedded import EmbeddedStore
from graph.synthetic import write_scdl_grants

# Started afresh (small), it starts the import and reports the import's own peak and exit code.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execv(sys.executable, [sys.executable, "-m", "api.cli", "import", sys.argv[1]])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def import_peak(path: Path, data: Path) -> tuple[float, int, float]:
    """(peak resident memory in MB, exit code, seconds) of one ``maillage import`` of *path*."""
    # The import proper: not the snapshot it then keeps for the server (MAILLAGE_KEEP_SNAPSHOT=0), which holds
    # the whole territory as a server does (README, "Memory").
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MAILLAGE_DATA_DIR": str(data), "MAILLAGE_KEEP_SNAPSHOT": "0"}
    env.pop("NEO4J_URI", None)
    started = time.perf_counter()
    launched = subprocess.run([sys.executable, "-c", LAUNCHER, str(path)], cwd=ROOT, env=env, check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak, code = launched.stdout.split()
    return int(peak) / 1024, int(code), time.perf_counter() - started


def in_the_file(path: Path) -> tuple[int, int, Decimal]:
    """(grants, distinct organisations, total amount) the file holds."""
    organisations, grants, total = set(), 0, Decimal(0)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        for row in reader:
            grants += 1
            organisations.add(row[0])  # the payer, by name (one SIRET each)
            organisations.add(row[4])  # the beneficiary, by name (one RNA or SIRET each)
            total += Decimal(row[8].replace(",", "."))
    return grants, len(organisations), total


def stored(data: Path) -> tuple[int, int, Decimal]:
    """(grants, organisations, total amount) the store holds."""
    with EmbeddedStore(data) as store:
        grants = list(store.relationships(["FUNDS"]))
        organisations = sum(n for kind, n in store.node_counts().items() if kind in ORGANISATION_LABELS)
        return len(grants), organisations, sum((Decimal(str(r.properties["amount"])) for r in grants), Decimal(0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10000, 100000, 1000000])
    parser.add_argument("--distinct", type=int, nargs="+", default=[5000, 50000, 500000])
    args = parser.parse_args()
    runs = [(rows, 50000) for rows in args.rows] + [(max(args.rows), d) for d in args.distinct if d != 50000]
    print(f"{'rows':>10} {'possible':>9} {'distinct':>9} {'file MB':>8} {'peak RSS MB':>12} {'seconds':>8} "
          f"{'rows/s':>8}  stored = file")
    curve = []
    with tempfile.TemporaryDirectory() as folder:
        for rows, possible in runs:
            path = write_scdl_grants(Path(folder) / f"subventions-{rows}-{possible}.csv", rows,
                                     beneficiaries=possible)
            data = Path(folder) / f"data-{rows}-{possible}"
            peak, code, seconds = import_peak(path, data)
            if code != 0:
                print(f"import of {rows} rows failed with exit code {code}")
                return 1
            expected, found = in_the_file(path), stored(data)
            print(f"{rows:>10} {possible:>9} {expected[1]:>9} {path.stat().st_size / 1e6:>8.0f} {peak:>12.0f} "
                  f"{seconds:>8.0f} {rows / seconds:>8.0f}  {'yes' if found == expected else f'NO: {found}'}",
                  flush=True)
            assert found == expected, (path.name, found, expected)
            curve.append((rows, expected[1], peak))
            path.unlink()
    small = min(curve, key=lambda c: (c[0], c[1]))
    large = max(curve, key=lambda c: (c[1], c[0]))
    if large[1] > small[1]:
        print(f"\nbeyond {small[2]:.0f} MB, about {(large[2] - small[2]) * 1024 / (large[1] - small[1]):.1f} KB "
              "per distinct organisation (rows alone do not add)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
